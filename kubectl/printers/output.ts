// The -o flag: which printer kubectl picks for a format string, and the printers that
// work on whole objects (json, yaml, name, jsonpath, custom-columns, go-template).
// Tables (the default and wide) print from the server's Table responses:
// printers/table.ts.
import { readFileSync } from 'node:fs';
import type { KubeObject } from '../../api/types/meta.js';
import { CliError, CliErrorWithOutput } from '../errors.js';
import { GoTemplate, NO_FLAGS, TemplateParseError, formatArg, goQuote } from './go-template/index.js';
import { goJson, goSyntax } from './go-json.js';
import { JsonPath, JsonPathError, relaxedJsonPath } from './jsonpath.js';
import { nameOf, toJson, toYaml } from './object.js';
import { tabulate } from './tabwriter.js';

export type OutputKind = 'table' | 'wide' | 'json' | 'yaml' | 'name' | 'jsonpath' | 'custom-columns' | 'go-template';

export interface OutputFormat {
  kind: OutputKind;
  /** The jsonpath or Go template, or the custom columns spec. */
  template?: string;
  /** jsonpath-as-json. */
  asJson?: boolean;
  /** The parsed Go template (go-template, go-template-file, template, templatefile). */
  goTemplate?: GoTemplate;
  /** --allow-missing-template-keys (default true): false makes a missing key an error. */
  allowMissingKeys?: boolean;
}

/**
 * The template flags of kubectl's PrintFlags: --template (the template for -o
 * go-template/jsonpath and their -file forms; alone, it implies -o go-template) and
 * --allow-missing-template-keys.
 */
export interface TemplateFlagValues {
  template?: string;
  allowMissingTemplateKeys?: boolean;
}

let currentTemplateFlags: TemplateFlagValues = {};

/**
 * Records the running command's template flags, which parseOutput then applies. Called
 * from the preAction hook that templateFlags() (command-flags.ts) installs, so every
 * command with kubectl's PrintFlags reads them without passing them along.
 */
export function setTemplateFlags(values: TemplateFlagValues): void {
  currentTemplateFlags = { template: values.template, allowMissingTemplateKeys: values.allowMissingTemplateKeys };
}

const GO_TEMPLATE_FORMATS = new Set(['go-template', 'go-template-file', 'template', 'templatefile']);
const JSONPATH_FORMATS = new Set(['jsonpath', 'jsonpath-as-json', 'jsonpath-file']);

const ALLOWED = 'custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml';

/**
 * Parses -o (as typed: "wide", "jsonpath={.x}", "=json" from `-o=json`), with the
 * command's --template and --allow-missing-template-keys.
 */
export function parseOutput(raw: string | undefined, flags: TemplateFlagValues = currentTemplateFlags): OutputFormat {
  let o = raw ?? '';
  if (o.startsWith('=')) o = o.slice(1);
  const templateArg = flags.template ?? '';
  // As kubectl's PrintFlags: --template without -o means go-template.
  if (o === '' && templateArg !== '') o = 'go-template';
  if (o === '') return { kind: 'table' };
  if (templateArg !== '' && (GO_TEMPLATE_FORMATS.has(o) || JSONPATH_FORMATS.has(o))) o = `${o}=${templateArg}`;
  else if (templateArg !== '' && [...GO_TEMPLATE_FORMATS, ...JSONPATH_FORMATS].some((n) => o.startsWith(`${n}=`))) {
    // kubectl takes the template from --template and the format "go-template=..." matches no printer.
    throw new CliError(`error: unable to match a printer suitable for the output format "${o}", allowed formats are: ${ALLOWED}`);
  }
  const eq = o.indexOf('=');
  const name = (eq >= 0 ? o.slice(0, eq) : o);
  const arg = eq >= 0 ? o.slice(eq + 1) : undefined;
  switch (name) {
    case 'wide': if (arg === undefined) return { kind: 'wide' }; break;
    case 'json': if (arg === undefined) return { kind: 'json' }; break;
    case 'yaml': if (arg === undefined) return { kind: 'yaml' }; break;
    case 'name': if (arg === undefined) return { kind: 'name' }; break;
    case 'jsonpath':
    case 'jsonpath-as-json':
      if (!arg) throw new CliError('error: template format specified but no template given');
      return { kind: 'jsonpath', template: arg, asJson: name === 'jsonpath-as-json' };
    case 'jsonpath-file':
      if (!arg) throw new CliError('error: template format specified but no template file given');
      return { kind: 'jsonpath', template: readTemplateFile(arg) };
    case 'custom-columns':
      if (!arg) throw new CliError('error: custom-columns format specified but no custom columns given');
      return { kind: 'custom-columns', template: arg };
    case 'custom-columns-file':
      if (!arg) throw new CliError('error: custom-columns-file format specified but no file given');
      return { kind: 'custom-columns', template: customColumnsFromFile(readTemplateFile(arg)) };
    case 'go-template':
    case 'go-template-file':
    case 'template':
    case 'templatefile': {
      if (!arg) throw new CliError('error: template format specified but no template given');
      const text = name.endsWith('file') ? readTemplateFile(arg) : arg;
      return { kind: 'go-template', template: text, goTemplate: parseGoTemplate(text), allowMissingKeys: flags.allowMissingTemplateKeys !== false };
    }
    default:
      break;
  }
  throw new CliError(`error: unable to match a printer suitable for the output format "${o}", allowed formats are: ${ALLOWED}`);
}

function readTemplateFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`error: error reading --template ${file}, ${goFileError(file, err as NodeJS.ErrnoException)}`);
  }
}

/** An fs error as Go's os.ReadFile words it ("open x: no such file or directory"). */
function goFileError(file: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT': return `open ${file}: no such file or directory`;
    case 'EACCES': return `open ${file}: permission denied`;
    case 'EISDIR': return `read ${file}: is a directory`;
    default: return err.message;
  }
}

function parseGoTemplate(text: string): GoTemplate {
  try {
    return GoTemplate.parse('output', text);
  } catch (err) {
    if (!(err instanceof TemplateParseError)) throw err;
    throw new CliError(`error: error parsing template ${text}, ${err.message}`);
  }
}

/**
 * Executes a -o go-template over an object as kubectl's GoTemplatePrinter: the object
 * after a JSON round trip (whole numbers int64, others float64, as apimachinery's JSON
 * decoding gives them); a missing key prints "<no value>" unless
 * --allow-missing-template-keys=false. On failure, what was written plus kubectl's
 * debugging lines go to stdout, and the error to stderr.
 */
export function executeGoTemplate(f: OutputFormat, obj: unknown): string {
  const raw = f.template!;
  const data: unknown = JSON.parse(JSON.stringify(obj));
  const result = f.goTemplate!.execute(data, f.allowMissingKeys === false ? 'error' : 'default');
  if (!('error' in result)) return result.output;
  const err = result.error.message;
  const debug = `Error executing template: ${err}. Printing more information for debugging the template:\n`
    + `\ttemplate was:\n\t\t${raw}\n`
    + `\traw data was:\n\t\t${goJson(data)}\n`
    + `\tobject given to template engine was:\n\t\t${formatArg(data, 'v', NO_FLAGS)}\n\n`;
  throw new CliErrorWithOutput(`error: error executing template ${goQuote(raw)}: ${err}`, result.output + debug);
}

/** A custom-columns file: a header line and a line of JSONPath expressions. */
function customColumnsFromFile(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== 2) throw new CliError(`error: invalid template file, expected 2 lines, found ${lines.length}`);
  const headers = lines[0]!.trim().split(/\s+/);
  const paths = lines[1]!.trim().split(/\s+/);
  if (headers.length !== paths.length) throw new CliError(`error: number of columns in header (${headers.length}) and spec (${paths.length}) don't match`);
  return headers.map((h, i) => `${h}:${paths[i]}`).join(',');
}

/**
 * Whether the printer drops managedFields (unless --show-managed-fields): only -o json
 * and yaml do (cli-runtime's JSONYamlPrintFlags wraps them in OmitManagedFieldsPrinter);
 * templates see the whole object.
 */
export function omitsManagedFields(f: OutputFormat): boolean {
  return f.kind === 'json' || f.kind === 'yaml';
}

/** True for the template formats, whose output is written as is (no newline added). */
export function isTemplate(f: OutputFormat): boolean {
  return f.kind === 'jsonpath' || f.kind === 'go-template';
}

/** True for the formats that print the server's Tables. */
export function isHumanReadable(f: OutputFormat): boolean {
  return f.kind === 'table' || f.kind === 'wide';
}

/** Executes a jsonpath template as kubectl's -o jsonpath does (missing keys print nothing). */
export function executeJsonPath(template: string, data: unknown, asJson = false): string {
  let jp: JsonPath;
  try {
    jp = new JsonPath(template, { allowMissingKeys: true, outputJson: asJson });
  } catch (err) {
    throw new CliError(`error: error parsing jsonpath ${template}, ${(err as Error).message}`);
  }
  try {
    return jp.execute(data);
  } catch (err) {
    if (!(err instanceof JsonPathError)) throw err;
    throw new CliError(`error: error executing jsonpath ${JSON.stringify(template)}: Error executing template: ${err.message}. Printing more information for debugging the template:\n\ttemplate was:\n\t\t${template}\n\tobject given to jsonpath engine was:\n\t\t${goSyntax(data)}\n\n`);
  }
}

interface Column { header: string; path: JsonPath }

/** Parses "NAME:.metadata.name,IMAGE:.spec.containers[*].image". */
function customColumns(spec: string): Column[] {
  return spec.split(',').map((part) => {
    const i = part.indexOf(':');
    if (i < 0) throw new CliError(`error: unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`);
    const header = part.slice(0, i);
    let expr: string;
    try {
      expr = relaxedJsonPath(part.slice(i + 1));
      return { header, path: new JsonPath(expr, { allowMissingKeys: true }) };
    } catch (err) {
      throw new CliError(`error: ${(err as Error).message}`);
    }
  });
}

/** The custom-columns table for objects (header unless noHeaders). */
export function customColumnsText(objs: unknown[], spec: string, noHeaders = false): string {
  const cols = customColumns(spec);
  const rows: string[][] = noHeaders ? [] : [cols.map((c) => c.header)];
  for (const obj of objs) {
    rows.push(cols.map((c) => {
      let values: unknown[][];
      try {
        values = c.path.findResults(obj);
      } catch (err) {
        throw new CliError(`error: ${(err as Error).message}`);
      }
      const strs: string[] = [];
      if (values.length === 0 || values[0]!.length === 0) strs.push('<none>');
      for (const group of values) for (const v of group) strs.push(formatArg(v, 'v', NO_FLAGS));
      return strs.join(',');
    }));
  }
  return tabulate(rows);
}

/**
 * Prints objects for a whole-object format, as kubectl's printGeneric: one object as is
 * when exactly one was named, else a v1 List of them all. Not for table formats.
 */
export function formatGeneric(objs: KubeObject[], f: OutputFormat, opts: { single?: boolean; noHeaders?: boolean } = {}): string {
  const data: unknown = opts.single && objs.length === 1
    ? objs[0]
    : { apiVersion: 'v1', items: objs, kind: 'List', metadata: { resourceVersion: '' } };
  switch (f.kind) {
    case 'json': return toJson(data);
    case 'yaml': return toYaml(data);
    case 'name': return objs.map((o) => `${nameOf(o)}\n`).join('');
    case 'jsonpath': return executeJsonPath(f.template!, data, f.asJson);
    case 'custom-columns': return customColumnsText(objs, f.template!, opts.noHeaders);
    case 'go-template': return executeGoTemplate(f, data);
    default: throw new Error(`formatGeneric: ${f.kind} prints tables`);
  }
}
