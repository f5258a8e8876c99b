// What every `set` subcommand does around its own change, as kubectl's set commands:
// find the objects (TYPE NAME, TYPE/NAME, -f, -l, --all; the live object for each,
// or with --local the file's), change a copy, send the strategic merge patch from the
// old to the new object (CalculatePatches + Helper.Patch), print `kind.group/name
// <what> updated` (or -o, or the changed object for --local / --dry-run=client), and
// report the failures together at the end as kubectl's aggregate error.
import type { Command } from 'commander';
import { StatusError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { Cli } from '../context.js';
import { CliError, formatError } from '../errors.js';
import { collectList } from '../command-flags.js';
import { createTwoWayPatch } from '../apply-patch.js';
import { readManifests } from '../manifests.js';
import { fetchTarget, Failures, findTargets, noResourcesMessage, parseDryRun, ResultPrinter, type DryRun, type Target } from '../object-targets.js';

export interface SetFlags {
  filename: string[];
  recursive: boolean;
  selector?: string;
  all: boolean;
  local: boolean;
  output?: string;
  dryRun?: string | boolean;
  fieldManager: string;
}

/** An object to change, with the live (or file) object it starts from. */
export interface SetTarget extends Target {
  obj: KubeObject;
}

export const LOCAL_RESOURCE_ERROR = `error: you must specify resources by --filename when --local is set.
Example resource specifications include:
   '-f rsrc.yaml'
   '--filename=rsrc.json'`;

/** -f/-R, --all, --local, -o, --dry-run, --field-manager; -l unless withSelector is false. */
export function setFlags(cmd: Command, what: string, withSelector = true): Command {
  cmd
    .option('-f, --filename <file>', `Filename, directory, or URL to files ${what}`, collectList, [])
    .option('-R, --recursive', 'Process the directory used in -f, --filename recursively. Useful when you want to manage related manifests organized within the same directory.', false)
    .option('--all', 'Select all resources, in the namespace of the specified resource types', false)
    .option('--local', `If true, set ${cmd.name()} will NOT contact api-server but run locally.`, false)
    .option('-o, --output <format>', 'Output format. One of: (json, yaml, name, jsonpath, jsonpath-as-json).')
    .option('--dry-run [strategy]', 'Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.')
    .option('--field-manager <name>', 'Name of the manager used to track field ownership.', 'kubectl-set');
  if (withSelector) cmd.option('-l, --selector <selector>', 'Selector (label query) to filter on, supports \'=\', \'==\', \'!=\', \'in\', \'notin\'.(e.g. -l key1=value1,key2=value2). Matching objects must satisfy all of the specified label constraints.');
  return cmd;
}

export function localDryRunCheck(flags: SetFlags, dryRun: DryRun): void {
  if (flags.local && dryRun === 'server') throw new CliError('error: cannot specify --local and --dry-run=server - did you mean --dry-run=client?');
}

/**
 * The objects a set command changes, as kubectl's builder answers Infos(): any object
 * that cannot be read fails the whole command before anything changes.
 */
export async function setTargets(cli: Cli, resources: string[], flags: SetFlags, o: { argsIgnoredWhenLocal?: boolean } = {}): Promise<SetTarget[]> {
  const failures = new Failures();
  let targets: Target[];
  if (flags.local) {
    // serviceaccount does not look at its resource arguments with --local.
    if (resources.length > 0 && !o.argsIgnoredWhenLocal) throw new CliError(LOCAL_RESOURCE_ERROR);
    if (flags.filename.length === 0) throw new CliError(noResourcesMessage('set'));
    // The objects as the files have them: kubectl's local builder sets no namespace.
    const set = await readManifests(flags.filename, { recursive: flags.recursive });
    const local: SetTarget[] = [];
    for (const { obj, source } of set.manifests) {
      try {
        const ri = await cli.resourceForObject(obj);
        local.push({ ri, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '', source, obj });
      } catch (err) {
        failures.add(err);
      }
    }
    throwAggregate([...set.errors, ...failures.errors].map(formatError));
    return local;
  }
  if (flags.all && flags.selector) throw new CliError('error: cannot set --all and --selector at the same time');
  targets = await findTargets(cli, resources, { filename: flags.filename, recursive: flags.recursive, selector: flags.selector, all: flags.all }, 'set', failures);
  const out: SetTarget[] = [];
  for (const t of targets) {
    try {
      // kubectl's builder asks for the latest object, also for -f manifests.
      out.push({ ...t, obj: t.obj && !t.source ? t.obj : await fetchTarget(cli, t) });
    } catch (err) {
      failures.add(err);
    }
  }
  throwAggregate(failures.errors.map(formatError));
  return out;
}

/** kubectl's aggregate error: one line per failure, each with "error: ". */
export function throwAggregate(messages: string[]): void {
  if (messages.length === 0) return;
  throw new CliError(messages.map((m) => {
    const t = m.replace(/\n+$/, '');
    return t.startsWith('error: ') || t.startsWith('Error from server') ? t : `error: ${t}`;
  }).join('\n'));
}

/** info.ObjectName(): the plural resource and the name ("deployments/web"). */
export function infoName(t: Target): string {
  return `${t.ri.plural}/${t.name}`;
}

/**
 * The change of one object: changes obj in place; returns false when kubectl would
 * leave the object out ("not transformed"), throws an Error for kubectl's
 * "error: <resource>/<name> <message>".
 */
export type Mutation = (obj: KubeObject, t: SetTarget) => boolean | void;

export interface PatchRunOptions {
  /** "image updated", "env updated"... */
  verb: string;
  /** kubectl's wrapping of a failed PATCH: "failed to patch image update to pod template:" */
  patchFailure: string;
  /** serviceaccount prints even when nothing changed. */
  printUnchanged?: boolean;
  /** Errors found while changing (image's "unable to find container"), reported first. */
  errors?: string[];
}

/** CalculatePatches and the patch loop: returns when done, throws the aggregate of failures. */
export async function patchObjects(cli: Cli, targets: SetTarget[], flags: SetFlags, mutate: Mutation, o: PatchRunOptions): Promise<void> {
  const dryRun = parseDryRun(flags.dryRun);
  const printer = new ResultPrinter(cli, flags.output, dryRun);
  const changed: { t: SetTarget; before: KubeObject; after?: KubeObject; err?: string }[] = [];
  for (const t of targets) {
    const before = structuredClone(t.obj);
    const after = structuredClone(t.obj);
    try {
      if (mutate(after, t) === false) continue;
      changed.push({ t, before, after });
    } catch (err) {
      changed.push({ t, before, err: `error: ${infoName(t)} ${err instanceof Error ? err.message : String(err)}\n` });
    }
  }
  const errors = [...(o.errors ?? [])];
  for (const { t, before, after, err } of changed) {
    if (err !== undefined || !after) {
      errors.push(err ?? '');
      continue;
    }
    const patch = createTwoWayPatch(t.obj.kind ?? t.ri.kind, before as never, after as never);
    if (Object.keys(patch.patch).length === 0 && !o.printUnchanged) continue;
    if (flags.local || dryRun === 'client') {
      printer.print(t.ri, after, o.verb);
      continue;
    }
    try {
      const actual = await cli.client(t.ri).patch(t.namespace, t.name, patch.type, patch.patch, { dryRun: dryRun === 'server', fieldManager: flags.fieldManager });
      printer.print(t.ri, actual, o.verb);
    } catch (e) {
      // Go's %v of the error: a server error is its message alone.
      errors.push(`${o.patchFailure} ${e instanceof StatusError ? e.message : formatError(e).replace(/^error: /, '')}`);
    }
  }
  throwAggregate(errors);
}
