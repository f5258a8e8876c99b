// Decodes request bodies by Content-Type: JSON, YAML and Kubernetes protobuf objects for
// writes (client-go's typed clients, e.g. `kubectl create deployment`, send protobuf), and
// the three patch formats for PATCH; and encodes JSON responses as Go's encoder writes
// them. A body that cannot be decoded gets the 400 Status kube-apiserver answers, in its
// words (its json/yaml decoders' messages), before anything else reads it: nothing
// nested deeper than 10,000 levels gets past decoding.
import { parse as parseYaml } from 'yaml';
import { badRequest, orderedStatus, StatusError, unsupportedMediaType } from '../../api/errors.js';
import { decodeKubernetesProtobuf } from '../../api/protobuf/index.js';
import type { Status } from '../../api/types/meta.js';
import { nestingDepth } from '../../api/schemas/shape.js';
import { goSyntaxError, MAX_NESTING_DEPTH, tooDeep } from './go-json.js';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export const APPLY_PATCH = 'application/apply-patch+yaml';

export const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', APPLY_PATCH];

const mediaType = (contentType: string | undefined): string => (contentType ?? '').split(';')[0].trim().toLowerCase();

/**
 * kube-apiserver's words for a body it cannot even find the kind of:
 * `the object provided is unrecognized (must be of type Pod): <why> ({"metadata": ...)`.
 */
function unrecognized(into: string, why: string, body: Buffer): StatusError {
  return badRequest(`the object provided is unrecognized (must be of type ${into}): ${why} (${summarizeData(body, 30)})`);
}

/** apiserver's summarizeData: the start of a JSON object as text, anything else in hex. */
function summarizeData(data: Buffer, maxLength: number): string {
  if (data.length === 0) return '<empty>';
  const head = data.subarray(0, maxLength);
  const more = data.length > maxLength ? ' ...' : '';
  return data[0] === 0x7b ? head.toString('utf8') + more : head.toString('hex') + more;
}

/** The Go type Kubernetes' meta factory decodes apiVersion and kind into, as Go prints it. */
const FIND_KIND = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

/** How encoding/json names a JSON value's kind in its type errors. */
export function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

/**
 * Parses the body of a create or update: a JSON, YAML or Kubernetes protobuf object.
 * `into` is the kind the endpoint takes (Pod, Scale, Binding, DeleteOptions), named in
 * errors. A JSON null is the empty object, as Go decodes it; anything but an object, or
 * an apiVersion or kind that is not a string, is kube-apiserver's 400.
 */
export function decodeObject(contentType: string | undefined, body: Buffer | undefined, into = 'Object'): unknown {
  const mt = mediaType(contentType);
  const data = body ?? Buffer.alloc(0);
  let value: unknown;
  if (mt === 'application/json' || mt === '' || mt === '*/*') {
    const parsed = parseJson(data);
    if ('error' in parsed) throw unrecognized(into, `couldn't get version/kind; json parse error: ${parsed.error}`, data);
    value = parsed.value;
  } else if (mt === 'application/yaml' || mt === 'application/x-yaml' || mt === 'text/yaml') {
    value = yamlToJson(data, (why) => unrecognized(into, `error converting YAML to JSON: ${why}`, data));
  } else if (mt === 'application/vnd.kubernetes.protobuf') {
    if (data.length === 0) throw unrecognized(into, 'empty body', data);
    return decodeKubernetesProtobuf(data);
  } else {
    throw unsupportedMediaType(contentType ?? '');
  }
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw unrecognized(into, `couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonKind(value)} into Go value of type ${FIND_KIND}`, data);
  }
  const typeMeta = value as { apiVersion?: unknown; kind?: unknown };
  for (const [field, v] of Object.entries(typeMeta)) {
    if ((field === 'apiVersion' || field === 'kind') && v !== null && typeof v !== 'string') {
      throw unrecognized(into, `couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonKind(v)} into Go struct field .${field} of type string`, data);
    }
  }
  if (typeof typeMeta.apiVersion === 'string' && typeMeta.apiVersion !== '/' && typeMeta.apiVersion.split('/').length > 2) {
    throw unrecognized(into, `unexpected GroupVersion string: ${typeMeta.apiVersion}`, data);
  }
  return value;
}

/**
 * Parses the body of a PATCH; returns the media type that picks the patch algorithm.
 * Bad JSON (or JSON nested too deep) is kube-apiserver's "invalid JSON patch"; a body of
 * the wrong shape for its patch type gets the message of the Go library that reads it.
 */
export function decodePatch(contentType: string | undefined, body: Buffer | undefined): { type: string; patch: unknown } {
  const mt = mediaType(contentType);
  if (!PATCH_TYPES.includes(mt)) throw unsupportedMediaType(contentType ?? '');
  const data = body ?? Buffer.alloc(0);
  if (mt === APPLY_PATCH) {
    // validateAndTranscodePatch, then the apply patcher's unmarshal into a map[string]interface{}.
    const value = yamlToJson(data, (why) => badRequest(`error encoding patch: ${why}`));
    if (value === null) return { type: mt, patch: {} };
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw badRequest(`error decoding patch: json: cannot unmarshal ${jsonKind(value)} into Go value of type map[string]interface {}`);
    }
    if (hasProtoKey(value)) throw badRequest('the patch may not contain the key "__proto__"');
    return { type: mt, patch: value };
  }
  const parsed = parseJson(data);
  if ('error' in parsed) throw badRequest('invalid JSON patch');
  const patch = parsed.value;
  if (hasProtoKey(patch)) throw badRequest('the patch may not contain the key "__proto__"');
  switch (mt) {
    case 'application/json-patch+json':
      // evanphx/json-patch decodes a []map[string]*json.RawMessage; null is no operations.
      if (patch === null) return { type: mt, patch: [] };
      if (!Array.isArray(patch)) throw badRequest(`json: cannot unmarshal ${jsonKind(patch)} into Go value of type jsonpatch.Patch`);
      for (const op of patch) {
        if (op !== null && (typeof op !== 'object' || Array.isArray(op))) throw badRequest(`json: cannot unmarshal ${jsonKind(op)} into Go value of type jsonpatch.Operation`);
      }
      return { type: mt, patch: patch.map((op) => op ?? {}) };
    case 'application/merge-patch+json':
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw badRequest('Invalid JSON Patch');
      return { type: mt, patch };
    default:
      // A strategic merge patch is read into a map[string]interface{}; null patches nothing.
      if (patch === null) return { type: mt, patch: {} };
      if (typeof patch !== 'object' || Array.isArray(patch)) throw badRequest(`json: cannot unmarshal ${jsonKind(patch)} into Go value of type map[string]interface {}`);
      return { type: mt, patch };
  }
}

/**
 * True when a key "__proto__" is anywhere in v. The merge and strategic merge patch
 * code looks keys of the patch up on the current object, where "__proto__" is
 * Object.prototype: merging into it would change every object in the process. Go has
 * no such key; this guard stands until api/patch looks up own properties only.
 */
function hasProtoKey(v: unknown): boolean {
  const stack = [v];
  while (stack.length) {
    const x = stack.pop();
    if (x === null || typeof x !== 'object') continue;
    if (!Array.isArray(x) && Object.hasOwn(x, '__proto__')) return true;
    for (const child of Object.values(x)) if (child !== null && typeof child === 'object') stack.push(child);
  }
  return false;
}

/** The JSON value of data, or Go's error for it (bad syntax, or nesting past the limit). */
function parseJson(data: Buffer): { value: unknown } | { error: string } {
  if (!tooDeep(data)) {
    try {
      return { value: JSON.parse(data.toString('utf8')) as unknown };
    } catch {
      // fall through: Go's scanner names the problem
    }
  }
  return { error: goSyntaxError(data) ?? 'invalid JSON' };
}

/**
 * Where block collections first nest deeper than MAX_NESTING_DEPTH: a level per
 * indentation step, plus one per compact sequence entry ("- - - x" is three lists deep).
 * Lines of block scalars count too, which only overestimates.
 */
function yamlBlockTooDeep(text: string): { line: number; column: number } | undefined {
  const indents: number[] = [];
  let line = 0;
  for (const l of text.split('\n')) {
    line++;
    const col = l.length - l.trimStart().length;
    if (col === l.length || l[col] === '#') continue;
    while (indents.length && indents[indents.length - 1] >= col) indents.pop();
    indents.push(col);
    let depth = indents.length;
    for (let i = col; i < l.length && l[i] === '-' && (i + 1 === l.length || l[i + 1] === ' ' || l[i + 1] === '\t'); ) {
      if (++depth > MAX_NESTING_DEPTH) return { line, column: i + 1 };
      i += 2;
      while (l[i] === ' ' || l[i] === '\t') i++;
    }
    if (depth > MAX_NESTING_DEPTH) return { line, column: col + 1 };
  }
  return undefined;
}

/** Longest run of open flow collections ([ and {) outside quoted scalars and comments. */
function yamlFlowTooDeep(text: string): { line: number; column: number } | undefined {
  let depth = 0;
  let line = 1;
  let column = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    column++;
    if (c === '\n') { line++; column = 0; }
    if (quote) {
      if (c === quote) {
        if (quote === "'" && text[i + 1] === "'") { i++; column++; } else quote = '';
      } else if (c === '\\' && quote === '"') { i++; column++; }
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_NESTING_DEPTH) return { line, column };
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
}

/**
 * YAML to a plain JSON value, as sigs.k8s.io/yaml's YAMLToJSON does before the JSON
 * decoder runs. Anything it cannot represent in JSON (cycles through anchors) is an error.
 */
function yamlToJson(data: Buffer, fail: (why: string) => StatusError): unknown {
  const text = data.toString('utf8');
  const deep = yamlFlowTooDeep(text);
  if (deep) throw fail(`yaml: while increasing flow level at line ${deep.line}, column ${deep.column}: exceeded max depth of ${MAX_NESTING_DEPTH}`);
  const indented = yamlBlockTooDeep(text);
  if (indented) throw fail(`yaml: while increasing indent level at line ${indented.line}, column ${indented.column}: exceeded max depth of ${MAX_NESTING_DEPTH}`);
  let value: unknown;
  try {
    // prettyErrors off: the yaml library's error excerpt is costly (and can exhaust
    // memory) on pathological input.
    value = parseYaml(text, { maxAliasCount: 100, prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
  } catch (err) {
    const e = err as Error & { linePos?: { line: number; col: number }[] };
    const where = e.linePos?.[0] ? `line ${e.linePos[0].line}: ` : '';
    throw fail(`yaml: ${where}${e.message.split('\n')[0]}`);
  }
  if (value === undefined) return null;
  let json: unknown;
  try {
    json = JSON.parse(JSON.stringify(value)) as unknown;
  } catch (err) {
    throw fail(`yaml: ${(err as Error).message.split('\n')[0]}`);
  }
  // Block collections nest by indentation alone; their depth shows only now.
  if (nestingDepth(json) > MAX_NESTING_DEPTH) throw fail(`yaml: while increasing indent level: exceeded max depth of ${MAX_NESTING_DEPTH}`);
  return json;
}

const HTML_CHARS = /[<>&\u2028\u2029]/g;
const htmlEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * A JSON response body as Go's encoder writes it: json.Encoder's compact form ending
 * in a newline (json.MarshalIndent's two-space form with no newline when pretty), with
 * <, >, & and the line separators escaped, and a Status's fields in metav1.Status order.
 */
export function encodeJSON(obj: unknown, pretty = false): string {
  const value = obj !== null && typeof obj === 'object' && (obj as { kind?: unknown }).kind === 'Status' ? orderedStatus(obj as Status) : obj;
  const text = pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value) + '\n';
  // includes() is a fast native scan; a regex test over a large body is not.
  const html = text.includes('<') || text.includes('>') || text.includes('&') || text.includes('\u2028') || text.includes('\u2029');
  return html ? text.replace(HTML_CHARS, htmlEscape) : text;
}

const WARNING_TOTAL_RUNES = 4 * 1024;
const WARNING_ITEM_RUNES = 256;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** One Warning header value (`299 - "text"`), or undefined when Go's NewWarningHeader refuses the text. */
function warningHeader(text: string): string | undefined {
  if (CONTROL.test(text) || !(text as unknown as { isWellFormed(): boolean }).isWellFormed()) return undefined;
  // Node writes header strings as latin1: hand it the UTF-8 bytes Go would write.
  return Buffer.from(`299 - "${text.replace(/["\\]/g, '\\$&')}"`, 'utf8').toString('latin1');
}

/**
 * The Warning headers for these warnings, as kube-apiserver's warning recorder writes
 * them: one header each, duplicates once, and past 4,096 characters in all, each
 * truncated to 256 characters and the rest dropped once the total is spent again.
 */
export function warningHeaders(texts: string[]): string[] {
  const recorded = new Set<string>();
  const ordered: string[] = [];
  let headers: string[] = [];
  let written = 0;
  let truncating = false;
  const cut = (text: string): [string, number] => {
    const runes = [...text];
    return runes.length > WARNING_ITEM_RUNES ? [runes.slice(0, WARNING_ITEM_RUNES).join(''), WARNING_ITEM_RUNES] : [text, runes.length];
  };
  for (const text of texts) {
    if (!text || recorded.has(text)) continue;
    if (written >= WARNING_TOTAL_RUNES && truncating) break;
    recorded.add(text);
    ordered.push(text);
    const [t, length] = truncating ? cut(text) : [text, [...text].length];
    const header = warningHeader(t);
    if (header === undefined) continue;
    if (written + length <= WARNING_TOTAL_RUNES || truncating) {
      written += length;
      headers.push(header);
      continue;
    }
    truncating = true;
    written = 0;
    headers = [];
    for (const w of ordered) {
      const [tw, lw] = cut(w);
      const h = warningHeader(tw);
      if (h === undefined) continue;
      written += lw;
      headers.push(h);
    }
  }
  return headers;
}
