// What `label` and `annotate` share: both update one metadata map of each selected
// object with a JSON merge patch made from the object before and after, as kubectl
// does (CreateMergePatch), and differ only in messages and parsing rules.
import type { Command } from 'commander';
import type { KubeObject } from '../api/types/meta.js';
import type { Cli } from './context.js';
import { CliError } from './errors.js';
import { deepEqual } from './apply-patch.js';
import { fileFlags, outputFlags, selectorFlags } from './command-flags.js';
import { parseAnnotationPairs, parseLabelPairs, splitResourcesAndPairs, updateMap } from './label-args.js';
import { Failures, fetchTarget, findTargets, parseDryRun, ResultPrinter, type TargetFlags } from './object-targets.js';

interface LabelOpts extends TargetFlags {
  overwrite: boolean;
  list: boolean;
  resourceVersion?: string;
  output?: string;
  dryRun?: string | boolean;
  fieldManager: string;
}

export type MapKind = 'label' | 'annotation';

export function registerLabelCommand(program: Command, cli: Cli, kind: MapKind): void {
  const name = kind === 'label' ? 'label' : 'annotate';
  const cmd = program.command(name)
    .description(kind === 'label' ? 'Update the labels on a resource' : 'Update the annotations on a resource')
    .argument('[args...]');
  fileFlags(cmd, `update the ${kind}s`);
  selectorFlags(cmd);
  outputFlags(cmd);
  cmd
    .option('--overwrite', `If true, allow ${kind}s to be overwritten, otherwise reject ${kind} updates that overwrite existing ${kind}s.`, false)
    .option('--list', `If true, display the ${kind}s for a given resource.`, false)
    .option('--resource-version <version>', `If non-empty, the ${kind}s update will only succeed if this is the current resource-version for the object.`)
    .option('--field-manager <name>', 'Name of the manager used to track field ownership.', `kubectl-${name}`)
    .action(async (args: string[], opts: LabelOpts) => runLabel(cli, args, opts, kind));
}

async function runLabel(cli: Cli, args: string[], opts: LabelOpts, kind: MapKind): Promise<void> {
  const field = kind === 'label' ? 'labels' : 'annotations';
  const { resources, pairs } = splitResourcesAndPairs(args, kind);
  if (pairs.length === 0 && !opts.list) throw new CliError(`error: at least one ${kind} update is required`);
  const update = kind === 'label' ? parseLabelPairs(pairs) : parseAnnotationPairs(pairs);
  if (resources.length === 0 && !opts.filename?.length) {
    throw new CliError('error: one or more resources must be specified as <resource> <name> or <resource>/<name>');
  }
  const dryRun = parseDryRun(opts.dryRun);
  const failures = new Failures();
  const targets = await findTargets(cli, resources, opts, kind === 'label' ? 'label' : 'annotate', failures);
  const printer = new ResultPrinter(cli, opts.output, dryRun);
  const one = targets.length === 1;
  for (const t of targets) {
    try {
      // Objects from files are read from the server: the update applies to what is live.
      const before = t.obj && !t.source ? t.obj : await fetchTarget(cli, t);
      const local = dryRun === 'client' || opts.list;
      if (!local && kind === 'label') {
        for (const k of update.remove) if (!(k in (before.metadata.labels ?? {}))) cli.print(`label "${k}" not found.`);
      }
      const after = structuredClone(before);
      const updated = updateMap(before.metadata[field], update, opts.overwrite, kind);
      if (!deepEqual(before.metadata[field] ?? {}, updated)) {
        if (Object.keys(updated).length > 0) after.metadata[field] = updated;
        else delete after.metadata[field];
      }
      const changed = !deepEqual(before, after);
      let result: KubeObject = after;
      if (!local) {
        const patch: Record<string, unknown> = { metadata: { [field]: mapPatch(before.metadata[field], updated) } };
        if (opts.resourceVersion) (patch.metadata as Record<string, unknown>).resourceVersion = opts.resourceVersion;
        if (changed || opts.resourceVersion) {
          result = await cli.client(t.ri).patch(t.namespace, t.name, 'merge', patch, { dryRun: dryRun === 'server', fieldManager: opts.fieldManager });
        } else {
          result = before;
        }
      }
      if (opts.list) {
        const entries = Object.entries(result.metadata[field] ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
        const indent = one ? '' : ' ';
        if (!one) cli.warn(`Listing ${field} for ${t.ri.kind}.${t.ri.group}/${t.name}:`);
        for (const [k, v] of entries) cli.print(`${indent}${k}=${v}`);
        continue;
      }
      printer.print(t.ri, result, verb(kind, changed, opts.overwrite, before, after));
    } catch (err) {
      failures.add(err);
    }
  }
  failures.throwIfAny();
}

// kubectl's updateDataChangeMsg (label) and the fixed "annotated" (annotate).
function verb(kind: MapKind, changed: boolean, overwrite: boolean, before: KubeObject, after: KubeObject): string {
  if (kind === 'annotation') return 'annotated';
  if (!changed) return 'not labeled';
  return !overwrite && JSON.stringify(after).length < JSON.stringify(before).length ? 'unlabeled' : 'labeled';
}

// The merge patch of one map: changed and added keys, null for removed ones.
function mapPatch(before: Record<string, string> | undefined, after: Record<string, string>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(after)) if (before?.[k] !== v) out[k] = v;
  for (const k of Object.keys(before ?? {})) if (!(k in after)) out[k] = null;
  return out;
}
