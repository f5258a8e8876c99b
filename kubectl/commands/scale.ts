// `tskubectl scale TYPE NAME --replicas=N`: through the scale subresource, as kubectl's
// scaler: a merge patch of spec.replicas, or, with --current-replicas or
// --resource-version, a read of the Scale, the precondition check, and a PUT.
import type { Command } from 'commander';
import type { KubeObject } from '../../api/types/meta.js';
import type { Cli } from '../context.js';
import { CliError, formatError } from '../errors.js';
import { fileFlags, intFlag, outputFlags, selectorFlags } from '../command-flags.js';
import { Failures, fetchTarget, findTargets, parseDryRun, ResultPrinter, type Target, type TargetFlags } from '../object-targets.js';

interface ScaleOpts extends TargetFlags {
  replicas?: number;
  currentReplicas: number;
  resourceVersion?: string;
  output?: string;
  dryRun?: string | boolean;
  timeout: string;
}

interface Scale extends KubeObject {
  spec?: { replicas?: number };
  status?: { replicas?: number };
}

export function register(program: Command, cli: Cli): void {
  const scale = program.command('scale')
    .description('Set a new size for a deployment, replica set, replication controller, or stateful set')
    .argument('[args...]');
  fileFlags(scale, 'set a new size');
  selectorFlags(scale);
  outputFlags(scale);
  scale
    .option('--replicas <count>', 'The new desired number of replicas. Required.', intFlag('replicas'))
    .option('--current-replicas <count>', 'Precondition for current size. Requires that the current size of the resource match this value in order to scale. -1 (default) for no condition.', intFlag('current-replicas'), -1)
    .option('--resource-version <version>', 'Precondition for resource version. Requires that the current resource version match this value in order to scale.')
    .option('--timeout <duration>', 'The length of time to wait before giving up on a scale operation (not used: tskubectl does not wait)', '0s')
    .action(async (args: string[], opts: ScaleOpts) => runScale(cli, args, opts));
}

async function runScale(cli: Cli, args: string[], opts: ScaleOpts): Promise<void> {
  if (opts.replicas === undefined) throw new CliError('error: required flag(s) "replicas" not set');
  if (opts.replicas < 0) throw new CliError('error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
  const replicas = opts.replicas;
  const dryRun = parseDryRun(opts.dryRun);
  const failures = new Failures();
  const targets = await findTargets(cli, args, opts, 'scale', failures);
  // As kubectl's builder: every object is read first; the missing ones are errors.
  const found: { t: Target; obj: KubeObject }[] = [];
  const missing = new Failures();
  for (const t of targets) {
    try {
      found.push({ t, obj: t.obj && !t.source ? t.obj : await fetchTarget(cli, t) });
    } catch (err) {
      missing.add(err);
    }
  }
  if (found.length === 0) {
    const why = missing.errors.map((e) => formatError(e).replace(/^Error from server \([^)]*\): /, '').replace(/^error: /, '')).join('\n');
    throw new CliError(`error: no objects passed to scale ${why}`.trimEnd());
  }
  for (const e of missing.errors) failures.add(e);
  if (opts.resourceVersion && found.length > 1) throw new CliError('error: cannot use --resource-version with multiple resources');
  const printer = new ResultPrinter(cli, opts.output, dryRun);
  for (const { t, obj } of found) {
    try {
      const client = cli.client(t.ri);
      if (dryRun !== 'client') {
        const server = { dryRun: dryRun === 'server', fieldManager: 'kubectl-scale' };
        if (opts.currentReplicas >= 0 || opts.resourceVersion) {
          const cur = await client.getSubresource<Scale>(t.namespace, t.name, 'scale');
          const actual = cur.spec?.replicas ?? 0;
          if (opts.currentReplicas >= 0 && actual !== opts.currentReplicas) {
            throw new CliError(`error: Expected replicas to be ${opts.currentReplicas}, was ${actual}`);
          }
          if (opts.resourceVersion && cur.metadata.resourceVersion !== opts.resourceVersion) {
            throw new CliError(`error: Expected resource version to be ${opts.resourceVersion}, was ${cur.metadata.resourceVersion ?? ''}`);
          }
          await client.updateSubresource(t.namespace, t.name, 'scale', { ...cur, spec: { ...cur.spec, replicas } }, server);
        } else {
          await client.patch(t.namespace, t.name, 'merge', { spec: { replicas } }, { ...server, subresource: 'scale' });
        }
      }
      const shown = structuredClone(obj) as Scale;
      shown.spec = { ...(shown.spec ?? {}), replicas };
      printer.print(t.ri, shown, 'scaled');
    } catch (err) {
      failures.add(err);
    }
  }
  failures.throwIfAny();
}
