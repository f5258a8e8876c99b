// `tskubectl events`: the namespace's (or with -A every) core/v1 Events, oldest first,
// as kubectl's events command: --for TYPE/NAME (a field selector on the involved
// object's kind, apiVersion and name), --types Normal,Warning, -w to follow new ones,
// -o for whole objects (kubectl's typed EventList), and "No events found" on stderr.
import type { Command } from 'commander';
import type { Event } from '../../api/types/core.js';
import { resolveResource } from '../../api/registry.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { collectList, intFlag } from '../command-flags.js';
import { TabWriter } from '../printers/tabwriter.js';
import { goJsonInOrder } from '../printers/go-json.js';
import { executeJsonPath, isHumanReadable, parseOutput, type OutputFormat } from '../printers/output.js';
import { toYaml } from '../printers/object.js';
import { EVENT_HEADER, eventRow, sortEvents, typedEvent, typedEventList } from '../events/event-printer.js';

interface EventsOpts {
  watch: boolean;
  allNamespaces: boolean;
  for?: string;
  types: string[];
  headers: boolean;
  chunkSize: number;
  output?: string;
  showManagedFields?: boolean;
}

export function register(program: Command, cli: Cli): void {
  program.command('events')
    .description('List events')
    .option('-w, --watch', 'After listing the requested events, watch for more events.', false)
    .option('-A, --all-namespaces', 'If present, list the requested object(s) across all namespaces. Namespace in current context is ignored even if specified with --namespace.', false)
    .option('--for <resource>', 'Filter events to only those pertaining to the specified resource.')
    .option('--types <types>', 'Output only events of given types.', collectList, [])
    .option('--no-headers', 'When using the default output format, don\'t print headers.')
    .option('--chunk-size <n>', 'Return large lists in chunks rather than all at once. Pass 0 to disable.', intFlag('chunk-size'), 500)
    .option('-o, --output <format>', 'Output format. One of: (json, yaml, name, jsonpath, jsonpath-as-json).')
    .option('--show-managed-fields', 'If true, keep the managedFields when printing objects in JSON or YAML format.', false)
    .action(async (opts: EventsOpts) => runEvents(cli, opts));
}

async function runEvents(cli: Cli, opts: EventsOpts): Promise<void> {
  const format = opts.output ? parseOutput(opts.output) : undefined;
  if (format && isHumanReadable(format)) {
    throw new CliError(`error: unable to match a printer suitable for the output format "${opts.output}", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml`);
  }
  const fieldSelector = opts.for === undefined || opts.for === '' ? undefined : await forSelector(cli, opts.for);
  // sets.NewString(...).List(): deduplicated and sorted.
  const types = [...new Set(opts.types)].sort();
  for (const t of types) {
    if (!/^(normal|warning)$/i.test(t)) throw new CliError('error: valid --types are Normal or Warning');
  }
  const wanted = (e: Event): boolean => types.length === 0 || types.some((t) => t.toLowerCase() === (e.type ?? '').toLowerCase());
  const namespace = opts.allNamespaces ? '' : cli.namespace();
  const client = cli.client<Event>(resolveResource('events')!);
  const output = new EventOutput(cli, format, opts);
  if (opts.watch) {
    for await (const ev of client.watch(namespace, { fieldSelector })) {
      // Events expire after an hour; kubectl does not print their deletion.
      if (ev.type === 'DELETED' || ev.type === 'BOOKMARK' || !wanted(ev.object)) continue;
      output.one(ev.object);
    }
    return;
  }
  const list = await client.listAll(namespace, { fieldSelector, limit: opts.chunkSize > 0 ? opts.chunkSize : undefined });
  const events = list.items.filter(wanted);
  if (events.length === 0) {
    cli.warn(opts.allNamespaces ? 'No events found.' : `No events found in ${cli.namespace()} namespace.`);
    return;
  }
  output.list(sortEvents(events));
}

/** --for TYPE/NAME as the field selector kubectl sends. */
async function forSelector(cli: Cli, value: string): Promise<string> {
  if (!value.includes('/')) throw new CliError('error: --for must be in resource/name form');
  const parts = value.split('/');
  if (parts.length !== 2) throw new CliError('error: arguments in resource/name form may not have more than one slash');
  // kubectl prints the RESTMapper's error as it is, without "error: ".
  const ri = await cli.resourceIfServed(parts[0]!.toLowerCase());
  if (!ri) throw new CliError(`the server doesn't have a resource type "${parts[0]!.toLowerCase().split('.')[0]!}"`);
  const apiVersion = ri.group ? `${ri.group}/${ri.version}` : ri.version;
  return `involvedObject.kind=${ri.kind},involvedObject.apiVersion=${apiVersion},involvedObject.name=${parts[1]!}`;
}

/** The table (header once, widths remembered across watch events) or whole objects. */
class EventOutput {
  private readonly tw: TabWriter;
  private headerDone: boolean;
  private printed = 0;

  constructor(private readonly cli: Cli, private readonly format: OutputFormat | undefined, private readonly opts: EventsOpts) {
    this.tw = TabWriter.to(cli.out);
    this.headerDone = !opts.headers;
  }

  list(events: Event[]): void {
    if (this.format) {
      this.cli.out.write(this.render(typedEventList(events.map((e) => this.strip(e))), events));
      return;
    }
    for (const e of events) this.row(e);
    this.tw.flush();
  }

  one(e: Event): void {
    if (this.format) {
      const text = this.render(typedEvent(this.strip(e)), [e]);
      this.cli.out.write(this.format.kind === 'yaml' && this.printed > 0 ? `---\n${text}` : text);
      this.printed++;
      return;
    }
    this.row(e);
    this.tw.flush();
  }

  private row(e: Event): void {
    if (!this.headerDone) {
      this.tw.write(`${(this.opts.allNamespaces ? ['NAMESPACE', ...EVENT_HEADER] : EVENT_HEADER).join('\t')}\n`);
      this.headerDone = true;
    }
    this.tw.write(`${eventRow(e, Date.now(), this.opts.allNamespaces).join('\t')}\n`);
  }

  private strip(e: Event): Event {
    if (this.opts.showManagedFields || !e.metadata?.managedFields) return e;
    const { managedFields: _omitted, ...metadata } = e.metadata;
    return { ...e, metadata };
  }

  private render(data: Record<string, unknown>, events: Event[]): string {
    const f = this.format!;
    switch (f.kind) {
      case 'json': return `${goJsonInOrder(data, '    ')}\n`;
      case 'yaml': return toYaml(data);
      // kubectl's name printer prints nothing for the typed EventList, each event when watching.
      case 'name': return data.kind === 'EventList' ? '' : events.map((e) => `event/${e.metadata.name ?? ''}\n`).join('');
      case 'jsonpath': return executeJsonPath(f.template!, data, f.asJson);
      default: throw new CliError(`error: unable to match a printer suitable for the output format "${this.opts.output ?? ''}"`);
    }
  }
}
