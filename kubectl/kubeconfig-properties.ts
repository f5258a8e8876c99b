// `config set` and `config unset` PROPERTY paths, as kubectl's navigation_step_parser.go
// and set.go read them against clientcmd's api.Config: dot-separated field names and map
// keys, where a map key (a cluster, user or context name) may itself hold dots and runs
// until the next token that names a field of the entry (`clusters.10.0.0.1.server`).
// The edit is made on a kubeconfig file's v1 document (named lists), which keeps every
// field this module does not know.

type Scalar = 'string' | 'bool' | 'bytes';
/** A field kubectl cannot walk into (exec, auth-provider, extensions): unset works, set does not. */
type Opaque = 'opaque';
interface Struct { kind: 'struct'; go: string; fields: Record<string, Field> }
/** A map of named entries (clusters, users, contexts), a list of {name, <entry>: {...}} in the file. */
interface Named { kind: 'named'; go: string; entry: string; value: Struct }
type Field = Scalar | Opaque | Struct | Named;

const CLUSTER: Struct = {
  kind: 'struct', go: 'api.Cluster', fields: {
    server: 'string', 'tls-server-name': 'string', 'insecure-skip-tls-verify': 'bool', 'certificate-authority': 'string',
    'certificate-authority-data': 'bytes', 'proxy-url': 'string', 'disable-compression': 'bool', extensions: 'opaque',
  },
};
const AUTH_INFO: Struct = {
  kind: 'struct', go: 'api.AuthInfo', fields: {
    'client-certificate': 'string', 'client-certificate-data': 'bytes', 'client-key': 'string', 'client-key-data': 'bytes',
    token: 'string', tokenFile: 'string', as: 'string', 'as-uid': 'string', username: 'string', password: 'string',
    'auth-provider': 'opaque', exec: 'opaque', extensions: 'opaque',
  },
};
const CONTEXT: Struct = { kind: 'struct', go: 'api.Context', fields: { cluster: 'string', user: 'string', namespace: 'string', extensions: 'opaque' } };
const CONFIG: Struct = {
  kind: 'struct', go: 'api.Config', fields: {
    kind: 'string', apiVersion: 'string',
    preferences: { kind: 'struct', go: 'api.Preferences', fields: { colors: 'bool', extensions: 'opaque' } },
    clusters: { kind: 'named', go: 'map[string]*api.Cluster', entry: 'cluster', value: CLUSTER },
    users: { kind: 'named', go: 'map[string]*api.AuthInfo', entry: 'user', value: AUTH_INFO },
    contexts: { kind: 'named', go: 'map[string]*api.Context', entry: 'context', value: CONTEXT },
    'current-context': 'string', extensions: 'opaque',
  },
};

interface Step { value: string; type: Field }

/** A failure worded as kubectl words it (without "error: "). */
export class PropertyError extends Error {
  override name = 'PropertyError';
}

const goType = (f: Field): string => (typeof f === 'string' ? ({ string: 'string', bool: 'bool', bytes: '[]uint8', opaque: 'interface {}' })[f] : f.go);

/** newNavigationSteps: the steps of a property path. */
export function parsePropertyPath(path: string): Step[] {
  const steps: Step[] = [];
  const parts = path.split('.');
  let type: Field = CONFIG;
  let i = 0;
  while (i < parts.length) {
    if (typeof type !== 'string' && type.kind === 'named') {
      // The name runs until a token that is a field of the entry, or to the end.
      const rest = parts.slice(i);
      const known = rest.slice(1).findIndex((p) => p in (type as Named).value.fields);
      const name = rest.slice(0, known < 0 ? rest.length : known + 1).join('.');
      steps.push({ value: name, type: type.value });
      i += name.split('.').length;
      type = type.value;
    } else if (typeof type !== 'string' && type.kind === 'struct') {
      const f: Field | undefined = Object.hasOwn(type.fields, parts[i]!) ? type.fields[parts[i]!] : undefined;
      if (!f) throw new PropertyError(`unable to parse ${path} after [${steps.map((s) => `{${s.value} ${goType(s.type)}}`).join(' ')}] at ${type.go}`);
      steps.push({ value: parts[i]!, type: f });
      i++;
      type = f;
    } else {
      throw new PropertyError(`unable to parse one or more field values of ${path}`);
    }
  }
  return steps;
}

type Doc = Record<string, unknown>;
interface Entry { name?: unknown; [k: string]: unknown }

const PARSE_BOOL: Record<string, boolean> = { 1: true, t: true, T: true, TRUE: true, true: true, True: true, 0: false, f: false, F: false, FALSE: false, false: false, False: false };

/** Go's base64.StdEncoding.DecodeString, for its error: the offset of the first bad byte. */
function checkBase64(s: string): void {
  const bad = s.search(/[^A-Za-z0-9+/=]/);
  const pad = s.indexOf('=');
  const at = bad >= 0 ? bad : (pad >= 0 && !/^=*$/.test(s.slice(pad))) ? pad : s.length % 4 !== 0 ? s.length - (s.length % 4) : -1;
  if (at >= 0) throw new PropertyError(`error decoding input value: illegal base64 data at input byte ${at}`);
}

/** What a scalar field holds in the file for the value typed on the command line. */
function fieldValue(type: Scalar, value: string, rawBytes: boolean): unknown {
  if (type === 'string') return value;
  if (type === 'bool') {
    if (value === '') return false;
    if (!(value in PARSE_BOOL)) throw new PropertyError(`strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`);
    return PARSE_BOOL[value];
  }
  if (rawBytes) return Buffer.from(value).toString('base64');
  checkBase64(value);
  return Buffer.from(value, 'base64').toString('base64');
}

/**
 * modifyConfig on a v1 document: sets (value defined) or unsets (value undefined) the
 * property the steps name. Throws PropertyError with kubectl's wording.
 */
export function modifyProperty(doc: Doc, steps: Step[], value: string | undefined, rawBytes = false): void {
  const unset = value === undefined;
  let cur: Record<string, unknown> = doc;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const last = i === steps.length - 1;
    const field = step.type;
    if (typeof field === 'string') {
      // A scalar or opaque field of the current struct (always the last step).
      if (unset) delete cur[step.value];
      else if (field === 'opaque') throw new PropertyError(`unable to parse one or more field values of ${steps.map((s) => s.value).join('.')}`);
      else cur[step.value] = fieldValue(field, value, rawBytes);
      return;
    }
    if (field.kind === 'named') {
      const list = Array.isArray(cur[step.value]) ? cur[step.value] as Entry[] : (cur[step.value] = []) as Entry[];
      if (last) {
        if (!unset) throw new PropertyError(`can't set a map to a value: map[${list.map((e) => String(e.name)).sort().join(' ')}]`);
        cur[step.value] = [];
        return;
      }
      const next = steps[++i]!;
      const at = list.findIndex((e) => e?.name === next.value);
      if (i === steps.length - 1) {
        if (!unset) throw new PropertyError(`can't set a map to a value: map[${list.map((e) => String(e.name)).sort().join(' ')}]`);
        if (at >= 0) list.splice(at, 1);
        return;
      }
      if (at < 0 && unset) throw new PropertyError(`current map key \`${next.value}\` is invalid`);
      const entry = at >= 0 ? list[at]! : (list[list.push({ name: next.value, [field.entry]: {} }) - 1]!);
      if (!entry[field.entry] || typeof entry[field.entry] !== 'object') entry[field.entry] = {};
      cur = entry[field.entry] as Record<string, unknown>;
      continue;
    }
    // A struct field (preferences).
    if (last && unset) {
      delete cur[step.value];
      return;
    }
    if (!cur[step.value] || typeof cur[step.value] !== 'object') cur[step.value] = {};
    cur = cur[step.value] as Record<string, unknown>;
  }
}

/** The named list (clusters, users, contexts) and entry name a property path edits, if any. */
export function namedEntryOf(steps: Step[]): { list: string; name: string } | undefined {
  const first = steps[0];
  if (!first || typeof first.type === 'string' || first.type.kind !== 'named' || steps.length < 2) return undefined;
  return { list: first.value, name: steps[1]!.value };
}
