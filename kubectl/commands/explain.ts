// tskubectl explain TYPE[.FIELD...] [--recursive] [--api-version=GROUP/VERSION]: the
// fields of a resource from the server's OpenAPI v3 document for its group/version,
// printed as kubectl 1.32's plaintext template (pkg/explain/v2/templates/plaintext.tmpl):
// a GROUP/KIND/VERSION header, FIELD for a field path, DESCRIPTION wrapped at 76
// columns, and FIELDS with their type guesses, -required- marks and enums.
import type { Command } from 'commander';
import type { ResourceInfo } from '../../api/registry.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

interface ExplainOptions {
  recursive: boolean;
  apiVersion?: string;
  output: string;
}

/** An OpenAPI v3 schema as the explain template reads it. */
export interface Schema {
  $ref?: string;
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  allOf?: Schema[];
  enum?: unknown[];
  externalDocs?: { description?: string; url?: string };
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

export interface OpenAPIDocument {
  components?: { schemas?: Record<string, Schema> };
}

export function register(program: Command, cli: Cli): void {
  program.command('explain')
    .description('Get documentation for a resource')
    .usage('TYPE [--recursive=FALSE|TRUE] [--api-version=api-version-group] [--output=plaintext|plaintext-openapiv2] [options]')
    .argument('[args...]')
    .option('--recursive', 'When true, print the name of all the fields recursively. Otherwise, print the available fields with their description.', false)
    .option('--api-version <version>', 'Use given api-version (group/version) of the resource.')
    .option('--output <format>', 'Format in which to render the schema. Valid values are: (plaintext, plaintext-openapiv2).', 'plaintext')
    .action(async (args: string[], opts: ExplainOptions) => {
      await runExplain(cli, args, opts);
    });
}

async function runExplain(cli: Cli, args: string[], opts: ExplainOptions): Promise<void> {
  if (args.length === 0) {
    throw new CliError('error: You must specify the type of resource to explain. Use "tskubectl api-resources" for a complete list of supported resources.');
  }
  if (args.length > 1) throw new CliError(`error: We accept only this format: explain RESOURCE`);
  if (opts.output !== 'plaintext') throw new CliError(`error: unsupported output format: ${opts.output}`);
  const { ri, fieldPath } = await resourceAndFields(cli, args[0]!, opts.apiVersion !== undefined);
  let group = ri.group;
  let version = ri.version;
  if (opts.apiVersion) {
    const [g, v] = opts.apiVersion.includes('/') ? opts.apiVersion.split('/', 2) as [string, string] : ['', opts.apiVersion];
    group = g;
    version = v;
  }
  const doc = await openAPIFor(cli, group, version);
  // kubectl maps the group/version/resource first: a version the server does not serve is not found.
  if (!doc) throw new CliError(`error: couldn't find resource for "${group}/${version}, Resource=${ri.plural}"`);
  const gvk = { group, version, kind: ri.kind };
  const header = `${group ? `GROUP:      ${group}\n` : ''}KIND:       ${gvk.kind}\nVERSION:    ${gvk.version}\n\n`;
  const schema = doc && findKind(doc, gvk);
  if (!schema) {
    cli.print(header);
    throw new CliError(`error: GVK ${group ? `${group}/` : ''}${version}, Kind=${ri.kind} not found in OpenAPI schema`);
  }
  const body = explainOutput(schema, doc, fieldPath, opts.recursive);
  if (body === '') {
    cli.out.write(header);
    throw new CliError(`error: field "${fieldPath[fieldPath.length - 1]}" does not exist`);
  }
  cli.out.write(`${header}${body}\n`);
}

/**
 * "deployments.spec.strategy" → deployments and ["spec", "strategy"], as kubectl's
 * SplitAndParseResourceRequestWithMatchingPrefix: of the resources the first part may
 * mean (highest priority first), the first whose "resource.group" begins the argument
 * takes the group from it ("websites.example.com.spec"); otherwise the first one, with
 * every further part a field. With --api-version the first part alone names the resource.
 */
async function resourceAndFields(cli: Cli, arg: string, withVersion: boolean): Promise<{ ri: ResourceInfo; fieldPath: string[] }> {
  const text = arg.endsWith('.') ? arg.slice(0, -1) : arg;
  const [first, ...rest] = text.split('.') as [string, ...string[]];
  const candidates = await cli.resourcesFor(first);
  if (candidates.length === 0) throw new CliError(`the server doesn't have a resource type "${first}"`);
  await cli.warnAmbiguousShortName(first, candidates[0]!);
  if (!withVersion) {
    for (const ri of candidates) {
      const gr = ri.group ? `${ri.plural}.${ri.group}` : ri.plural;
      if (text.startsWith(gr)) return { ri, fieldPath: text.slice(gr.length).split('.').slice(1) };
    }
  }
  return { ri: candidates[0]!, fieldPath: rest };
}

/** The OpenAPI v3 document of one group/version, found through /openapi/v3's index. */
async function openAPIFor(cli: Cli, group: string, version: string): Promise<OpenAPIDocument | undefined> {
  const rest = cli.rest();
  const index = await rest.request<{ paths?: Record<string, { serverRelativeURL: string }> }>({ path: '/openapi/v3' });
  const key = group ? `apis/${group}/${version}` : `api/${version}`;
  const entry = index.paths?.[key];
  if (!entry) return undefined;
  const [path, query] = entry.serverRelativeURL.split('?', 2) as [string, string | undefined];
  const params = query ? Object.fromEntries(new URLSearchParams(query)) : undefined;
  return rest.request<OpenAPIDocument>({ path, query: params });
}

function findKind(doc: OpenAPIDocument, gvk: { group: string; version: string; kind: string }): Schema | undefined {
  const schemas = doc.components?.schemas ?? {};
  // Go templates range over a map in key order.
  for (const name of Object.keys(schemas).sort()) {
    const s = schemas[name]!;
    if (s['x-kubernetes-group-version-kind']?.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) return s;
  }
  return undefined;
}

function resolveRef(ref: string | undefined, doc: OpenAPIDocument): Schema | undefined {
  if (!ref) return undefined;
  const name = ref.split('/').pop()!;
  return doc.components?.schemas?.[name];
}

const isMapSchema = (s: Schema): s is Schema & { additionalProperties: Schema } =>
  s.additionalProperties !== undefined && typeof s.additionalProperties !== 'boolean';

/** The template's "output": follows the field path, then DESCRIPTION and FIELDS; '' when the path does not exist. */
export function explainOutput(schema: Schema, doc: OpenAPIDocument, fieldPath: string[], recursive: boolean, history = new Set<string>()): string {
  const ref = schema.$ref ?? '';
  const nextHistory = new Set(history).add(ref);
  const resolved = resolveRef(ref, doc) ?? schema;
  if (fieldPath.length === 0) {
    let out = 'DESCRIPTION:\n';
    out += `${indent(wrap(description(resolved, doc) || '<empty>', 76), 4)}\n`;
    const ext = externalDocs(resolved);
    if (ext) out += `\n${ext}`;
    const fields = fieldList(resolved, doc, 1, recursive, new Set());
    if (fields) out += `FIELDS:\n${fields}`;
    return out;
  }
  if (ref && history.has(ref)) return '';
  const [first, ...rest] = fieldPath as [string, ...string[]];
  const sub = resolved.properties?.[first];
  if (sub) {
    let out = '';
    if (rest.length === 0) out += `FIELD: ${first} <${typeGuess(sub, doc)}>\n${extractEnum(sub, true, -1, 0)}\n\n`;
    return out + explainOutput(sub, doc, rest, recursive, new Set());
  }
  if (resolved.items) return explainOutput(resolved.items, doc, fieldPath, recursive, nextHistory);
  if (isMapSchema(resolved)) return explainOutput(resolved.additionalProperties, doc, fieldPath, recursive, nextHistory);
  for (const alt of resolved.allOf ?? []) {
    const out = explainOutput(alt, doc, fieldPath, recursive, nextHistory);
    if (out) return out;
  }
  return '';
}

function fieldList(schema: Schema, doc: OpenAPIDocument, level: number, recursive: boolean, history: Set<string>): string {
  const ref = schema.$ref ?? '';
  if (ref && history.has(ref)) return '';
  const next = new Set(history).add(ref);
  const resolved = resolveRef(ref, doc) ?? schema;
  let out = '';
  for (const name of Object.keys(resolved.properties ?? {}).sort()) {
    out += fieldDetail(name, resolved, doc, recursive, level);
    if (recursive) out += fieldList(resolved.properties![name]!, doc, level + 1, recursive, next);
  }
  for (const alt of resolved.allOf ?? []) out += fieldList(alt, doc, level, recursive, next);
  if (resolved.items) out += fieldList(resolved.items, doc, level, recursive, next);
  if (isMapSchema(resolved)) out += fieldList(resolved.additionalProperties, doc, level, recursive, next);
  return out;
}

function fieldDetail(name: string, parent: Schema, doc: OpenAPIDocument, short: boolean, level: number): string {
  const n = level * 2;
  const field = parent.properties![name]!;
  let out = `${indent(name, n)}\t<${typeGuess(field, doc)}>`;
  if (parent.required?.includes(name)) out += ' -required-';
  out += extractEnum(field, false, 4, n);
  out += '\n';
  if (!short) {
    out += `${indent(wrap(field.description || '<no description>', 78 - n), n + 2)}\n`;
    if (field.externalDocs) {
      out += `\n${indent('EXTERNAL DOCS:', n + 2)}\n`;
      if (field.externalDocs.description) out += `${indent(wrap(field.externalDocs.description, 76 - n), n + 4)}\n`;
      if (field.externalDocs.url) out += `${indent(`URL: ${field.externalDocs.url}`, n + 4)}\n`;
    }
    out += '\n';
  }
  return out;
}

function description(schema: Schema, doc: OpenAPIDocument): string {
  const s = resolveRef(schema.$ref, doc) ?? schema;
  let out = s.description ? `${s.description}\n` : '';
  for (const alt of s.allOf ?? []) out += description(alt, doc);
  if (s.items) out += description(s.items, doc);
  if (isMapSchema(s)) out += description(s.additionalProperties, doc);
  return out;
}

function externalDocs(schema: Schema): string {
  const ext = schema.externalDocs;
  if (!ext) return '';
  let out = 'EXTERNAL DOCS:\n';
  if (ext.description) out += `${indent(wrap(ext.description, 76), 4)}\n`;
  if (ext.url) out += `${indent(`URL: ${ext.url}`, 4)}\n`;
  return out;
}

/** `string`, `integer`, `Object`, `[]Object`, `map[string]string`, `ObjectMeta`... as the template guesses. */
export function typeGuess(schema: Schema, doc: OpenAPIDocument): string {
  if (schema.items) return `[]${typeGuess(schema.items, doc)}`;
  if (isMapSchema(schema)) return `map[string]${typeGuess(schema.additionalProperties, doc)}`;
  if (schema.allOf && !schema.properties && schema.allOf.length === 1) return typeGuess(schema.allOf[0]!, doc);
  if (schema.$ref) {
    const target = resolveRef(schema.$ref, doc);
    if (!target || !target.type || target.type === 'object') return schema.$ref.split('/').pop()!.split('.').pop() || 'Object';
    return target.type;
  }
  return schema.type === 'object' ? 'Object' : schema.type || 'Object';
}

function extractEnum(schema: Schema, longView: boolean, limit: number, indentAmount: number): string {
  if (!schema.enum || schema.enum.length === 0) return '';
  let out = longView ? 'ENUM:' : `\n${' '.repeat(indentAmount)}enum: `;
  for (const [i, e] of schema.enum.entries()) {
    if (limit > -1 && i >= limit) {
      out += ', ....';
      break;
    }
    if (i > 0 && !longView) out += ', ';
    else if (longView) out += '\n    ';
    out += e === '' ? '""' : String(e);
  }
  return out;
}

/** sprig's indent: every line (the first too) gets n spaces. */
export function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return pad + text.replaceAll('\n', `\n${pad}`);
}

/**
 * kubectl's wrap (term.NewWordWrapWriter, i.e. mitchellh/go-wordwrap's WrapString):
 * breaks at whitespace so lines stay within `limit` columns, keeps the text's own
 * newlines, and leaves a word longer than the limit whole.
 */
export function wrap(text: string, limit: number): string {
  let out = '';
  let current = 0;
  let word = '';
  let wordLen = 0;
  let space = '';
  let spaceLen = 0;
  const flush = (): void => {
    current += spaceLen + wordLen;
    out += space + word;
    space = '';
    spaceLen = 0;
    word = '';
    wordLen = 0;
  };
  for (const ch of text) {
    if (ch === '\n') {
      if (word === '') {
        if (current + spaceLen <= limit) out += space;
        space = '';
        spaceLen = 0;
      } else {
        flush();
      }
      out += ch;
      current = 0;
    } else if (/\s/u.test(ch) && ch !== '\u00a0') {
      if (space === '' || word !== '') flush();
      space += ch;
      spaceLen++;
    } else {
      word += ch;
      wordLen++;
      if (current + spaceLen + wordLen > limit && wordLen < limit) {
        out += '\n';
        current = 0;
        space = '';
        spaceLen = 0;
      }
    }
  }
  if (word === '') {
    if (current + spaceLen <= limit) out += space;
  } else {
    out += space + word;
  }
  return out;
}
