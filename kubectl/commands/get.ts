// tskubectl get: list or fetch objects of one or many types and print them as kubectl
// does (kubectl/pkg/cmd/get/get.go). Tables come from the server (Accept: as=Table), so
// columns are the server's; the other formats print whole objects. Errors for single
// objects (NotFound) are collected and printed after everything that was found.
import type { Command } from 'commander';
import type { ResourceInfo } from '../../api/registry.js';
import { StatusError } from '../../api/errors.js';
import type { KubeObject, List, Table, WatchEvent } from '../../api/types/meta.js';
import { resourcePath } from '../../client/resource-client.js';
import type { Query } from '../../client/rest-client.js';
import { readWatchEvents } from '../../client/watch.js';
import type { Cli } from '../context.js';
import { CliError, formatError, usageError } from '../errors.js';
import { nameOf, omitManagedFields, toJson, toYaml } from '../printers/object.js';
import { goJson } from '../printers/go-json.js';
import { executeGoTemplate, executeJsonPath, formatGeneric, isHumanReadable, omitsManagedFields, parseOutput, type OutputFormat } from '../printers/output.js';
import { sortByField, sortTable } from '../printers/sort.js';
import { TablePrinter } from '../printers/table.js';
import { TabWriter } from '../printers/tabwriter.js';
import { parseResourceArgs, sameResource, type ResourceArg } from '../resource-args.js';
import { collectList, templateFlags } from '../command-flags.js';
import { Failures, findTargets } from '../object-targets.js';
import { typeName } from '../resource-name.js';

/** What kubectl sends to get Tables, falling back to plain JSON. */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

export interface GetOptions {
  output?: string;
  selector?: string;
  fieldSelector?: string;
  allNamespaces?: boolean;
  watch?: boolean;
  watchOnly?: boolean;
  showLabels?: boolean;
  labelColumns?: string[];
  sortBy?: string;
  headers?: boolean;
  ignoreNotFound?: boolean;
  showKind?: boolean;
  showManagedFields?: boolean;
  chunkSize?: number;
  filename?: string[];
  kustomize?: string;
  recursive?: boolean;
  subresource?: string;
  outputWatchEvents?: boolean;
}

/** A requested type and names; objects named by -f files carry their own namespace. */
type Requested = ResourceArg & { namespace?: string };

export function register(program: Command, cli: Cli): void {
  templateFlags(program.command('get')
    .description('Display one or many resources')
    .usage('[(-o|--output=)json|yaml|name|wide|jsonpath=...|custom-columns=...] (TYPE[.VERSION][.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [flags]')
    .argument('[args...]')
    .option('-f, --filename <file>', 'Filename, directory, or URL to files identifying the resource to get from a server.', collectList, [])
    .option('-R, --recursive', 'Process the directory used in -f, --filename recursively', false)
    .option('-k, --kustomize <dir>', "Process the kustomization directory. This flag can't be used together with -f or -R.")
    .option('-o, --output <format>', 'Output format: json, yaml, name, wide, go-template=..., go-template-file=..., template=..., templatefile=..., jsonpath=..., jsonpath-as-json=..., jsonpath-file=..., custom-columns=..., custom-columns-file=...')
    .option('-l, --selector <selector>', 'Selector (label query) to filter on, supports \'=\', \'==\', \'!=\', \'in\', \'notin\'')
    .option('--field-selector <selector>', 'Selector (field query) to filter on, supports \'=\', \'==\', and \'!=\'')
    .option('-A, --all-namespaces', 'List the requested object(s) across all namespaces')
    .option('-w, --watch', 'After listing/getting the requested object, watch for changes')
    .option('--watch-only', 'Watch for changes to the requested object(s), without listing/getting first')
    .option('--output-watch-events', 'Output watch event objects when --watch or --watch-only is used. Existing objects are output as initial ADDED events.')
    .option('--show-labels', 'When printing, show all labels as the last column')
    .option('-L, --label-columns <labels>', 'Label keys to present as columns (comma-separated, may repeat)', (v: string, prev: string[]) => [...prev, ...v.split(',').filter(Boolean)], [] as string[])
    .option('--sort-by <field>', 'Sort list types by this JSONPath expression, e.g. \'{.metadata.name}\'')
    .option('--no-headers', 'Do not print headers (default table output) ')
    .option('--ignore-not-found', 'If the requested object does not exist the command will return exit code 0')
    .option('--show-kind', 'List the resource type for the requested object(s)')
    .option('--show-managed-fields', 'If true, keep the managedFields when printing objects in JSON or YAML format.')
    .option('--subresource <name>', 'If specified, gets the subresource of the requested object.')
    .option('--chunk-size <n>', 'Return large lists in chunks rather than all at once', (v: string) => Number.parseInt(v, 10), 500)
    .action(async (args: string[], opts: GetOptions) => {
      await runGet(cli, args, opts);
    }));
}

/** One fetched result: a Table (human-readable formats) or objects. */
interface Fetched {
  ri: ResourceInfo;
  table?: Table;
  objects?: KubeObject[];
}

export async function runGet(cli: Cli, args: string[], opts: GetOptions): Promise<void> {
  const format = parseOutput(opts.output);
  const fromFiles = (opts.filename ?? []).length > 0 || opts.kustomize !== undefined;
  if (args.length === 0 && !fromFiles) {
    cli.err.write('You must specify the type of resource to get. Use "tskubectl api-resources" for a complete list of supported resources.\n\n');
    throw usageError('get', 'Required resource not specified.');
  }
  const requested: Requested[] = fromFiles ? await fileTargets(cli, args, opts) : await parseResourceArgs(cli, args, 'get');
  if (opts.selector !== undefined && requested.some((r) => r.names.length > 0)) {
    throw new CliError('error: name cannot be provided when a selector is specified');
  }
  if (opts.allNamespaces && requested.some((r) => r.names.length > 0)) {
    throw new CliError('error: a resource cannot be retrieved by name across all namespaces');
  }
  if (opts.watch || opts.watchOnly) {
    await watch(cli, requested, opts, format);
    return;
  }
  const human = isHumanReadable(format);
  const { fetched, errors } = await fetchAll(cli, requested, opts, human);
  const singleItemImplied = requested.length === 1 && requested[0]!.names.length === 1;

  if (human) {
    printTables(cli, fetched, errors, opts, format);
  } else {
    if (singleItemImplied && errors.length === 1) throw errors[0];
    let objs = fetched.flatMap((f) => f.objects ?? []);
    if (!opts.showManagedFields && omitsManagedFields(format)) objs = objs.map(omitManagedFields);
    if (opts.sortBy) objs = sortByField(objs, opts.sortBy, (o) => o);
    const text = formatGeneric(objs, format, { single: singleItemImplied, noHeaders: opts.headers === false });
    cli.out.write(text);
  }
  if (errors.length > 0) throw new CliError(errors.map(formatError).join('\n'));
}

/** `get -f FILE`: the objects the files name, each in its own namespace. */
async function fileTargets(cli: Cli, args: string[], opts: GetOptions): Promise<Requested[]> {
  const failures = new Failures();
  const targets = await findTargets(cli, args, { filename: opts.filename, recursive: opts.recursive, kustomize: opts.kustomize }, 'get', failures);
  failures.throwIfAny();
  return targets.map((t) => ({ ri: t.ri, names: [t.name], namespace: t.namespace }));
}

function namespaceFor(cli: Cli, ri: ResourceInfo, all: boolean | undefined): string {
  if (!ri.namespaced) return '';
  return all ? '' : cli.namespace();
}

function listQuery(opts: GetOptions, extra: Query = {}): Query {
  return { labelSelector: opts.selector, fieldSelector: opts.fieldSelector, ...extra };
}

/** Fetches every requested object; NotFound and other per-object errors are collected. */
async function fetchAll(cli: Cli, requested: Requested[], opts: GetOptions, human: boolean): Promise<{ fetched: Fetched[]; errors: unknown[] }> {
  const fetched: Fetched[] = [];
  const errors: unknown[] = [];
  const rest = cli.rest();
  const accept = human ? TABLE_ACCEPT : 'application/json';
  const includeObject = human && opts.sortBy ? 'Object' : undefined;
  for (const { ri, names, namespace: own } of requested) {
    const namespace = own ?? namespaceFor(cli, ri, opts.allNamespaces);
    if (names.length === 0) {
      const pages: (Table | List)[] = [];
      let cont: string | undefined;
      do {
        const page = await rest.request<Table | List>({
          path: resourcePath(ri, { namespace }), accept,
          query: listQuery(opts, { limit: opts.chunkSize && opts.chunkSize > 0 ? opts.chunkSize : undefined, continue: cont, includeObject }),
        });
        pages.push(page);
        cont = page.metadata?.continue;
      } while (cont);
      fetched.push(human ? { ri, table: mergeTables(pages as Table[]) } : { ri, objects: pages.flatMap((p) => withType(ri, (p as List).items ?? [])) });
      continue;
    }
    for (const name of names) {
      try {
        const path = resourcePath(ri, { namespace, name }) + (opts.subresource ? `/${encodeURIComponent(opts.subresource)}` : '');
        const obj = await rest.request<Table | KubeObject>({ path, accept, query: { includeObject } });
        fetched.push(human ? { ri, table: obj as Table } : { ri, objects: withType(ri, [obj as KubeObject]) });
      } catch (err) {
        if (opts.ignoreNotFound && err instanceof StatusError && err.code === 404) continue;
        if (!(err instanceof StatusError)) throw err;
        errors.push(err);
      }
    }
  }
  return { fetched, errors };
}

/** List items carry no apiVersion/kind on the wire; kubectl's decoding fills them in. */
function withType(ri: ResourceInfo, items: KubeObject[]): KubeObject[] {
  const apiVersion = ri.group ? `${ri.group}/${ri.version}` : ri.version;
  return items.map((o) => ({ apiVersion: o.apiVersion ?? apiVersion, kind: o.kind ?? ri.kind, ...o }));
}

function mergeTables(pages: Table[]): Table {
  const first = pages[0]!;
  if (pages.length === 1) return first;
  return { ...first, rows: pages.flatMap((p) => p.rows ?? []) };
}

/**
 * Prints tables as kubectl's get does: one tabwriter, flushed and reset whenever the
 * resource type changes; a blank line between types that printed something; "kind/name"
 * when more than one type was fetched; "No resources found" on stderr for nothing.
 */
function printTables(cli: Cli, fetched: Fetched[], errors: unknown[], opts: GetOptions, format: OutputFormat): void {
  let written = false;
  let separator = false;
  const tw = new TabWriter((text) => {
    if (!text) return;
    if (separator) {
      cli.out.write('\n');
      separator = false;
    }
    cli.out.write(text);
    written = true;
  });
  const kinds = new Set(fetched.map((f) => `${f.ri.group}/${f.ri.plural}`));
  const withKind = opts.showKind || kinds.size > 1;
  const noHeaders = opts.headers === false;
  let last: ResourceInfo | undefined;
  let printer: TablePrinter | undefined;
  for (const f of fetched) {
    if (!printer || !last || !sameResource(last, f.ri)) {
      tw.flush();
      tw.resetWidths();
      if (last && !noHeaders && written) separator = true;
      printer = new TablePrinter({
        noHeaders, wide: format.kind === 'wide', withNamespace: Boolean(opts.allNamespaces) && f.ri.namespaced,
        showLabels: opts.showLabels, columnLabels: opts.labelColumns, kind: withKind ? typeName(f.ri) : undefined,
      });
      last = f.ri;
    }
    const table = opts.sortBy ? sortTableOrFail(f.table!, opts.sortBy) : f.table!;
    printer.print(table, tw);
  }
  tw.flush();
  if (!written && errors.length === 0 && !opts.ignoreNotFound) {
    const allNamespaced = !opts.allNamespaces && fetched.every((f) => f.ri.namespaced);
    cli.warn(allNamespaced ? `No resources found in ${cli.namespace()} namespace.` : 'No resources found');
  }
}

function sortTableOrFail(table: Table, field: string): Table {
  try {
    return sortTable(table, field);
  } catch (err) {
    throw new CliError(`error: ${(err as Error).message}`);
  }
}

/**
 * get -w / --watch-only: print the current state (unless --watch-only), then one row
 * per change, as kubectl's watch: the header once, widths remembered so rows stay
 * aligned. A watch on a single name starts at resourceVersion 0 and skips the
 * synthetic ADDED event for the object already printed.
 */
async function watch(cli: Cli, requested: ResourceArg[], opts: GetOptions, format: OutputFormat): Promise<void> {
  if (requested.length !== 1) throw new CliError('error: you may only specify a single resource type');
  const { ri, names } = requested[0]!;
  if (names.length > 1) {
    // kubectl prints the objects, then refuses to watch several.
    const { fetched, errors } = await fetchAll(cli, requested, opts, isHumanReadable(format));
    if (isHumanReadable(format)) printTables(cli, fetched, errors, opts, format);
    else cli.out.write(formatGeneric(fetched.flatMap((f) => f.objects ?? []), format, { noHeaders: opts.headers === false }));
    const messages = errors.map(formatError);
    throw new CliError([...messages, 'error: you may only watch a single resource or type of resource at a time'].join('\n'));
  }
  const name = names[0];
  const human = isHumanReadable(format);
  const accept = human ? TABLE_ACCEPT : 'application/json';
  const namespace = namespaceFor(cli, ri, opts.allNamespaces);
  const rest = cli.rest();
  const includeObject = human && opts.sortBy ? 'Object' : undefined;

  const tw = TabWriter.to(cli.out);
  const printer = new TablePrinter({
    noHeaders: opts.headers === false, wide: format.kind === 'wide', withNamespace: Boolean(opts.allNamespaces) && ri.namespaced,
    showLabels: opts.showLabels, columnLabels: opts.labelColumns, kind: opts.showKind ? typeName(ri) : undefined,
  });
  let printed = 0;
  // --output-watch-events: each object as its watch event (existing ones as ADDED).
  const print = (obj: Table | KubeObject, type = 'ADDED'): void => {
    const eventType = opts.outputWatchEvents ? type : undefined;
    if (human) {
      printer.print(obj as Table, tw, eventType);
      tw.flush();
      return;
    }
    if (eventType && (format.kind === 'json' || format.kind === 'yaml')) {
      // A metav1.WatchEvent has no metadata for kubectl's managedFields printer to strip;
      // its JSON printer writes the struct compact, "type" before "object".
      const [whole] = withType(ri, [obj as KubeObject]);
      if (format.kind === 'json') cli.out.write(`{"type":${JSON.stringify(eventType)},"object":${goJson(whole)}}\n`);
      else cli.out.write(`${printed > 0 ? '---\n' : ''}${toYaml({ type: eventType, object: whole })}`);
      printed++;
      return;
    }
    const [typed] = withType(ri, [opts.showManagedFields || !omitsManagedFields(format) ? obj as KubeObject : omitManagedFields(obj as KubeObject)]);
    if (format.kind === 'json') cli.out.write(toJson(typed));
    else if (format.kind === 'yaml') cli.out.write(`${printed > 0 ? '---\n' : ''}${toYaml(typed)}`);
    else if (format.kind === 'name') cli.out.write(`${nameOf(typed!)}\n`);
    else if (format.kind === 'jsonpath') cli.out.write(executeJsonPath(format.template!, typed, format.asJson));
    else if (format.kind === 'go-template') cli.out.write(executeGoTemplate(format, typed));
    else cli.out.write(formatGeneric([typed!], format, { noHeaders: opts.headers === false || printed > 0 }));
    printed++;
  };

  let rv: string;
  if (name !== undefined) {
    const obj = await rest.request<Table | KubeObject>({ path: resourcePath(ri, { namespace, name }), accept, query: { includeObject } });
    if (!opts.watchOnly) print(obj);
    rv = '0';
  } else {
    const list = await rest.request<Table | List>({ path: resourcePath(ri, { namespace }), accept, query: listQuery(opts, { includeObject }) });
    if (!opts.watchOnly) {
      if (human) print(opts.sortBy ? sortTableOrFail(list as Table, opts.sortBy) : list as Table);
      else for (const item of (list as List).items ?? []) print(item);
    }
    rv = list.metadata?.resourceVersion ?? '0';
  }
  // A watch of one object replays it first as ADDED: already printed (or, with
  // --watch-only, not wanted).
  let skip = name !== undefined;
  const fieldSelector = name !== undefined ? [`metadata.name=${name}`, opts.fieldSelector].filter(Boolean).join(',') : opts.fieldSelector;
  const res = await rest.stream({
    path: resourcePath(ri, { namespace }), accept,
    query: { labelSelector: opts.selector, fieldSelector, resourceVersion: rv, watch: true, includeObject },
  });
  for await (const ev of readWatchEvents(res.body) as AsyncGenerator<WatchEvent<KubeObject>>) {
    if (ev.type === 'BOOKMARK') continue;
    if (skip) {
      skip = false;
      continue;
    }
    print(ev.object, ev.type);
  }
  tw.flush();
}
