// tskubectl config: read and edit kubeconfig files as kubectl's `config` does (view,
// get-contexts, get-clusters, get-users, current-context, use-context, set-context,
// delete-context, rename-context). Edits go to the file that defines the entry, else to
// the default file (--kubeconfig; else the first existing KUBECONFIG file; else
// ~/.kube/config), keeping everything else in it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  kubeconfigPaths, readKubeconfigDocument, writeKubeconfigDocument, type Kubeconfig, type Named,
} from '../../client/kubeconfig.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { toYaml } from '../printers/object.js';
import { executeJsonPath, parseOutput } from '../printers/output.js';
import { tabulate } from '../printers/tabwriter.js';

export function register(program: Command, cli: Cli): void {
  const config = program.command('config')
    .description('Modify kubeconfig files using subcommands like "tskubectl config use-context my-context"');

  config.command('view')
    .description('Display merged kubeconfig settings or a specified kubeconfig file')
    .option('--minify', 'Remove all information not used by current-context from the output')
    .option('--raw', 'Display raw byte data and sensitive data')
    .option('--flatten', 'Flatten the resulting kubeconfig file into self-contained output')
    .option('-o, --output <format>', 'Output format: yaml (default), json, jsonpath=...')
    .action((opts: ViewOptions) => {
      cli.out.write(viewConfig(cli, opts));
    });

  config.command('get-contexts')
    .description('Describe one or many contexts')
    .argument('[names...]')
    .option('-o, --output <format>', 'Output format. One of: (name).')
    .option('--no-headers', 'When using the default or custom-column output format, don\'t print headers (default print headers).')
    .action((names: string[], opts: { output?: string; headers?: boolean }) => {
      getContexts(cli, names, opts);
    });

  config.command('get-clusters')
    .description('Display clusters defined in the kubeconfig')
    .action(() => {
      cli.print(['NAME', ...cli.kubeconfig().clusters.map((c) => c.name).sort()].join('\n'));
    });

  config.command('get-users')
    .description('Display users defined in the kubeconfig')
    .action(() => {
      cli.print(['NAME', ...cli.kubeconfig().users.map((u) => u.name).sort()].join('\n'));
    });

  config.command('current-context')
    .description('Display the current-context')
    .action(() => {
      const cur = cli.kubeconfig().currentContext;
      if (!cur) throw new CliError('error: current-context is not set');
      cli.print(cur);
    });

  config.command('use-context').alias('use')
    .description('Set the current-context in a kubeconfig file')
    .argument('<name>')
    .action((name: string) => {
      useContext(cli, name);
    });

  config.command('set-context')
    .description('Set a context entry in kubeconfig (--cluster, --user and --namespace set its fields)')
    .argument('[name]')
    .option('--current', 'Modify the current context')
    .action((name: string | undefined, opts: { current?: boolean }) => {
      setContext(cli, name, opts.current ?? false);
    });

  config.command('delete-context')
    .description('Delete the specified context from the kubeconfig')
    .argument('<name>')
    .action((name: string) => {
      deleteContext(cli, name);
    });

  config.command('rename-context')
    .description('Rename a context from the kubeconfig file')
    .argument('<old>')
    .argument('<new>')
    .action((from: string, to: string) => {
      renameContext(cli, from, to);
    });
}

// ---------------------------------------------------------------- view

interface ViewOptions { minify?: boolean; raw?: boolean; flatten?: boolean; output?: string }

const DATA_OMITTED = 'DATA+OMITTED';
const REDACTED = 'REDACTED';

// Field order of client-go's v1 Cluster, AuthInfo and Context (what -o json shows).
const CLUSTER_FIELDS = ['server', 'tls-server-name', 'insecure-skip-tls-verify', 'certificate-authority', 'certificate-authority-data', 'proxy-url', 'disable-compression', 'extensions'];
const USER_FIELDS = ['client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'token', 'tokenFile', 'as', 'as-uid', 'as-groups', 'as-user-extra', 'username', 'password', 'auth-provider', 'exec', 'extensions'];
const CONTEXT_FIELDS = ['cluster', 'user', 'namespace', 'extensions'];

// Fields client-go's v1 types always write (no omitempty): a cluster's server, a
// context's cluster and user.
const REQUIRED: Record<string, string[]> = { cluster: ['server'], user: [], context: ['cluster', 'user'] };

/** The fields of v in kubectl's order, unknown ones after; unset ones dropped unless required. */
function ordered(v: object, fields: string[], required: string[] = []): Record<string, unknown> {
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of [...fields, ...Object.keys(src).filter((k) => !fields.includes(k)).sort()]) {
    const x = src[k];
    if (x !== undefined && x !== null && x !== '' && x !== false) out[k] = x;
    else if (required.includes(k)) out[k] = typeof x === 'string' ? x : '';
  }
  return out;
}

const byName = <T>(list: Named<T>[]): Named<T>[] => [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** The merged kubeconfig as kubectl's `config view` prints it. */
export function viewObject(kc: Kubeconfig, o: { minify?: boolean; raw?: boolean; flatten?: boolean; context?: string; baseDir?: (entry: object) => string | undefined }): Record<string, unknown> {
  let clusters = byName(kc.clusters);
  let users = byName(kc.users);
  let contexts = byName(kc.contexts);
  const current = o.context ?? kc.currentContext;
  if (o.minify) {
    if (!current) throw new CliError('error: current-context must exist in order to minify');
    const ctx = contexts.find((c) => c.name === current);
    if (!ctx) throw new CliError(`error: cannot locate context ${current}`);
    contexts = [ctx];
    const clusterName = ctx.value.cluster;
    if (clusterName && !clusters.some((c) => c.name === clusterName)) throw new CliError(`error: cannot locate cluster ${clusterName}`);
    clusters = clusters.filter((c) => c.name === clusterName);
    const userName = ctx.value.user;
    if (userName && !users.some((u) => u.name === userName)) throw new CliError(`error: cannot locate user ${userName}`);
    users = users.filter((u) => u.name === userName);
  }
  const fileData = (file: unknown, entry: object): string | undefined => {
    if (typeof file !== 'string' || !file) return undefined;
    try {
      return readFileSync(resolve(o.baseDir?.(entry) ?? '.', file)).toString('base64');
    } catch {
      throw new CliError(`error: open ${file}: no such file or directory`);
    }
  };
  const clusterOut = clusters.map((c) => {
    const v: Record<string, unknown> = { ...c.value };
    if (o.flatten && v['certificate-authority']) {
      v['certificate-authority-data'] = fileData(v['certificate-authority'], c.value);
      delete v['certificate-authority'];
    }
    if (!o.raw && v['certificate-authority-data']) v['certificate-authority-data'] = DATA_OMITTED;
    return { name: c.name, cluster: ordered(v, CLUSTER_FIELDS, REQUIRED.cluster) };
  });
  const userOut = users.map((u) => {
    const v: Record<string, unknown> = { ...u.value };
    if (o.flatten) {
      for (const f of ['client-certificate', 'client-key']) {
        if (v[f]) {
          v[`${f}-data`] = fileData(v[f], u.value);
          delete v[f];
        }
      }
    }
    if (!o.raw) {
      for (const f of ['client-certificate-data', 'client-key-data']) if (v[f]) v[f] = DATA_OMITTED;
      for (const f of ['token', 'password']) if (v[f]) v[f] = REDACTED;
    }
    return { name: u.name, user: ordered(v, USER_FIELDS) };
  });
  const contextOut = contexts.map((c) => ({ name: c.name, context: ordered(c.value, CONTEXT_FIELDS, REQUIRED.context) }));
  return {
    kind: 'Config',
    apiVersion: 'v1',
    preferences: kc.preferences ?? {},
    clusters: clusterOut.length ? clusterOut : null,
    users: userOut.length ? userOut : null,
    contexts: contextOut.length ? contextOut : null,
    'current-context': current ?? '',
  };
}

/**
 * The files merged as kubectl merges them (the first to define a name or set
 * current-context wins), with every value as written: `config view` shows relative
 * paths unresolved. fileOf says which file each cluster and user came from.
 */
function rawKubeconfig(cli: Cli): { kc: Kubeconfig; dirOf: Map<object, string> } {
  const { paths, explicit } = kubeconfigPaths({ kubeconfig: cli.flags.kubeconfig, env: cli.env });
  const kc: Kubeconfig = { clusters: [], users: [], contexts: [], currentContext: '', preferences: {}, files: paths };
  const dirOf = new Map<object, string>();
  for (const file of paths) {
    if (!existsSync(file)) {
      if (explicit) throw new CliError(`error: stat ${file}: no such file or directory`);
      continue;
    }
    const doc = readKubeconfigDocument(file);
    const add = <T extends object>(list: Named<T>[], key: string, field: string): void => {
      for (const e of (Array.isArray(doc[key]) ? doc[key] : []) as NamedEntry[]) {
        if (typeof e?.name !== 'string' || list.some((x) => x.name === e.name)) continue;
        const value = { ...((e[field] ?? {}) as T) };
        dirOf.set(value, dirname(file));
        list.push({ name: e.name, value });
      }
    };
    add(kc.clusters, 'clusters', 'cluster');
    add(kc.users, 'users', 'user');
    add(kc.contexts, 'contexts', 'context');
    if (!kc.currentContext && typeof doc['current-context'] === 'string') kc.currentContext = doc['current-context'];
    if (Object.keys(kc.preferences).length === 0 && doc.preferences && typeof doc.preferences === 'object') kc.preferences = doc.preferences as Record<string, unknown>;
  }
  return { kc, dirOf };
}

function viewConfig(cli: Cli, opts: ViewOptions): string {
  const { kc, dirOf } = rawKubeconfig(cli);
  // --flatten makes a self-contained file: it implies --raw.
  const obj = viewObject(kc, { ...opts, raw: opts.raw || opts.flatten, context: cli.flags.context, baseDir: (v) => dirOf.get(v) });
  const f = parseOutput(opts.output ?? 'yaml');
  if (f.kind === 'json') return `${JSON.stringify(obj, null, 4)}\n`;
  if (f.kind === 'yaml') return toYaml(obj);
  if (f.kind === 'jsonpath') return executeJsonPath(f.template!, JSON.parse(JSON.stringify(obj)), f.asJson);
  throw new CliError(`error: unable to match a printer suitable for the output format "${opts.output}", allowed formats are: json,jsonpath,jsonpath-as-json,jsonpath-file,yaml`);
}

// ---------------------------------------------------------------- get-contexts

function getContexts(cli: Cli, names: string[], opts: { output?: string; headers?: boolean }): void {
  const output = (opts.output ?? '').replace(/^=/, '');
  if (output !== '' && output !== 'name') throw new CliError(`error: output must be one of '' or 'name': ${output}`);
  const kc = cli.kubeconfig();
  const errors: string[] = [];
  let toPrint: string[];
  if (names.length === 0) {
    toPrint = kc.contexts.map((c) => c.name);
  } else {
    toPrint = [];
    for (const n of names) {
      if (kc.contexts.some((c) => c.name === n)) toPrint.push(n);
      else errors.push(`context ${n} not found`);
    }
  }
  toPrint.sort();
  if (output === 'name') {
    cli.out.write(toPrint.map((n) => `${n}\n`).join(''));
  } else {
    const rows: string[][] = opts.headers === false ? [] : [['CURRENT', 'NAME', 'CLUSTER', 'AUTHINFO', 'NAMESPACE']];
    for (const n of toPrint) {
      const ctx = kc.contexts.find((c) => c.name === n)!.value;
      rows.push([kc.currentContext === n ? '*' : ' ', n, ctx.cluster ?? '', ctx.user ?? '', ctx.namespace ?? '']);
    }
    cli.out.write(tabulate(rows));
  }
  // kubectl prefixes a single error with "error: "; several print one per line, bare.
  if (errors.length) throw new CliError(errors.length === 1 ? `error: ${errors[0]}` : errors.join('\n'));
}

// ---------------------------------------------------------------- edits

/** clientcmd's GetDefaultFilename: where new entries and current-context are written. */
export function defaultKubeconfigFile(cli: Cli): string {
  const { paths, explicit } = kubeconfigPaths({ kubeconfig: cli.flags.kubeconfig, env: cli.env });
  if (explicit || paths.length === 1) return paths[0]!;
  return paths.find((p) => existsSync(p)) ?? paths[paths.length - 1]!;
}

type Doc = Record<string, unknown>;
interface NamedEntry { name?: string; [field: string]: unknown }

const entries = (doc: Doc, key: string): NamedEntry[] => {
  const list = doc[key];
  if (!Array.isArray(list)) {
    doc[key] = [];
    return doc[key] as NamedEntry[];
  }
  return list as NamedEntry[];
};

/** The first file (in loading precedence) that defines a context of that name. */
function fileDefiningContext(cli: Cli, name: string): string | undefined {
  const { paths } = kubeconfigPaths({ kubeconfig: cli.flags.kubeconfig, env: cli.env });
  return paths.find((p) => existsSync(p) && entries(readKubeconfigDocument(p), 'contexts').some((e) => e.name === name));
}

/** Reads, edits and writes one file; kubectl writes its named lists sorted by name. */
function editFile(file: string, edit: (doc: Doc) => void): void {
  const doc = readKubeconfigDocument(file);
  edit(doc);
  writeKubeconfigDocument(file, normalizeDocument(doc));
}

/**
 * The document as clientcmd writes a v1 Config: named lists sorted by name (null when
 * empty), empty and false fields of clusters, users and contexts left out, preferences
 * and current-context always present. Fields clientcmd does not know are kept.
 */
export function normalizeDocument(doc: Doc): Doc {
  const out: Doc = { ...doc, apiVersion: doc.apiVersion ?? 'v1', kind: doc.kind ?? 'Config' };
  out.preferences = doc.preferences && typeof doc.preferences === 'object' ? doc.preferences : {};
  out['current-context'] = typeof doc['current-context'] === 'string' ? doc['current-context'] : '';
  for (const [key, field] of [['clusters', 'cluster'], ['users', 'user'], ['contexts', 'context']] as const) {
    const list = Array.isArray(doc[key]) ? [...(doc[key] as NamedEntry[])] : [];
    list.sort((a, b) => ((a?.name ?? '') < (b?.name ?? '') ? -1 : (a?.name ?? '') > (b?.name ?? '') ? 1 : 0));
    out[key] = list.length ? list.map((e) => {
      const value = e[field];
      const kept = value && typeof value === 'object' ? dropEmpty(value as Record<string, unknown>) : {};
      for (const k of REQUIRED[field]!) if (typeof kept[k] !== 'string') kept[k] = '';
      return { ...e, [field]: kept };
    }) : null;
  }
  return out;
}

function dropEmpty(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== '' && v !== false
    && !(Array.isArray(v) && v.length === 0)));
}

function useContext(cli: Cli, name: string): void {
  const kc = cli.kubeconfig();
  if (!kc.contexts.some((c) => c.name === name)) throw new CliError(`error: no context exists with the name: ${JSON.stringify(name)}`);
  if (kc.currentContext !== name) {
    editFile(defaultKubeconfigFile(cli), (doc) => {
      doc['current-context'] = name;
    });
  }
  cli.print(`Switched to context ${JSON.stringify(name)}.`);
}

function setContext(cli: Cli, nameArg: string | undefined, current: boolean): void {
  if (!nameArg && !current) throw new CliError('error: you must specify a non-empty context name or --current');
  if (nameArg && current) throw new CliError('error: you cannot specify both a context name and --current');
  const kc = cli.kubeconfig();
  let name = nameArg ?? '';
  if (current) {
    if (!kc.currentContext) throw new CliError('error: no current context is set');
    name = kc.currentContext;
  }
  const file = fileDefiningContext(cli, name);
  const exists = file !== undefined;
  const { cluster, user, namespace } = cli.flags;
  editFile(file ?? defaultKubeconfigFile(cli), (doc) => {
    const list = entries(doc, 'contexts');
    let entry = list.find((e) => e.name === name);
    if (!entry) {
      entry = { name, context: {} };
      list.push(entry);
    }
    const ctx = (entry.context && typeof entry.context === 'object' ? entry.context : {}) as Record<string, unknown>;
    if (cluster !== undefined) ctx.cluster = cluster;
    if (user !== undefined) ctx.user = user;
    if (namespace !== undefined) ctx.namespace = namespace;
    for (const k of ['cluster', 'user', 'namespace']) if (ctx[k] === '') delete ctx[k];
    entry.context = ctx;
  });
  cli.print(`Context ${JSON.stringify(name)} ${exists ? 'modified' : 'created'}.`);
}

function deleteContext(cli: Cli, name: string): void {
  const file = fileDefiningContext(cli, name);
  if (!file) throw new CliError(`error: cannot delete context ${name}, not in ${defaultKubeconfigFile(cli)}`);
  if (cli.kubeconfig().currentContext === name) cli.warn(`warning: this removed your active context, use "tskubectl config use-context" to select a different one`);
  editFile(file, (doc) => {
    doc.contexts = entries(doc, 'contexts').filter((e) => e.name !== name);
  });
  cli.print(`deleted context ${name} from ${file}`);
}

function renameContext(cli: Cli, from: string, to: string): void {
  const kc = cli.kubeconfig();
  const file = fileDefiningContext(cli, from);
  if (!file) throw new CliError(`error: cannot rename the context ${JSON.stringify(from)}, it's not in ${defaultKubeconfigFile(cli)}`);
  if (kc.contexts.some((c) => c.name === to)) throw new CliError(`error: cannot rename the context ${JSON.stringify(from)}, the context ${JSON.stringify(to)} already exists in ${file}`);
  editFile(file, (doc) => {
    for (const e of entries(doc, 'contexts')) if (e.name === from) e.name = to;
    if (doc['current-context'] === from) doc['current-context'] = to;
  });
  cli.print(`Context ${JSON.stringify(from)} renamed to ${JSON.stringify(to)}.`);
}
