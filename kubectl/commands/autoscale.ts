// `tskubectl autoscale (TYPE NAME | TYPE/NAME | -f FILE) --max=N [--min=N] [--cpu-percent=N]`:
// creates an autoscaling/v2 HorizontalPodAutoscaler for each target that has a scale
// subresource, named after it, as kubectl's autoscale does (a cpu utilization target
// when --cpu-percent is given, else the server's default of 80%).
import type { Command } from 'commander';
import { findResource, groupVersion } from '../../api/registry.js';
import type { HorizontalPodAutoscaler } from '../../api/types/autoscaling.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { fileFlags, intFlag, outputFlags, selectorFlags } from '../command-flags.js';
import { Failures, findTargets, parseDryRun, ResultPrinter, type TargetFlags } from '../object-targets.js';

interface AutoscaleOpts extends TargetFlags {
  min: number;
  max: number;
  cpuPercent: number;
  name?: string;
  output?: string;
  dryRun?: string | boolean;
  fieldManager: string;
}

export function register(program: Command, cli: Cli): void {
  const cmd = program.command('autoscale')
    .description('Auto-scale a deployment, replica set, stateful set, or replication controller')
    .argument('[args...]');
  fileFlags(cmd, 'autoscale');
  selectorFlags(cmd);
  outputFlags(cmd);
  cmd
    .option('--min <pods>', 'The lower limit for the number of pods that can be set by the autoscaler. If it\'s not specified or negative, the server will apply a default value.', intFlag('min'), -1)
    .option('--max <pods>', 'The upper limit for the number of pods that can be set by the autoscaler. Required.', intFlag('max'), -1)
    .option('--cpu-percent <percent>', 'The target average CPU utilization (represented as a percent of requested CPU) over all the pods. If it\'s not specified or negative, a default autoscaling policy will be used.', intFlag('cpu-percent'), -1)
    .option('--name <name>', 'The name for the newly created object. If not specified, the name of the input resource will be used.')
    .option('--field-manager <name>', 'Name of the manager used to track field ownership.', 'kubectl-autoscale')
    .action(async (args: string[], opts: AutoscaleOpts) => runAutoscale(cli, args, opts));
}

/** The HPA kubectl autoscale builds for one target. */
export function buildHPA(target: { apiVersion: string; kind: string; name: string }, o: Pick<AutoscaleOpts, 'min' | 'max' | 'cpuPercent' | 'name'>): HorizontalPodAutoscaler {
  const hpa: HorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler',
    metadata: { name: o.name || target.name },
    spec: { scaleTargetRef: { apiVersion: target.apiVersion, kind: target.kind, name: target.name }, maxReplicas: o.max },
  };
  if (o.min > 0) hpa.spec!.minReplicas = o.min;
  if (o.cpuPercent >= 0) hpa.spec!.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: o.cpuPercent } } }];
  return hpa;
}

async function runAutoscale(cli: Cli, args: string[], opts: AutoscaleOpts): Promise<void> {
  if (opts.max < 1) throw new CliError(`error: --max=MAXPODS is required and must be at least 1, max: ${opts.max}`);
  if (opts.max < opts.min) throw new CliError(`error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: ${opts.max}, min: ${opts.min}`);
  const hpaRi = findResource('autoscaling', 'v2', 'horizontalpodautoscalers');
  if (!hpaRi) throw new CliError('error: the server does not serve autoscaling/v2 HorizontalPodAutoscalers');
  const dryRun = parseDryRun(opts.dryRun);
  const failures = new Failures();
  const targets = await findTargets(cli, args, opts, 'autoscale', failures);
  const printer = new ResultPrinter(cli, opts.output, dryRun);
  let count = 0;
  for (const t of targets) {
    try {
      if (!t.ri.subresources.includes('scale')) throw new CliError(`error: cannot autoscale a ${t.ri.kind}: no scale subresource`);
      let hpa = buildHPA({ apiVersion: groupVersion(t.ri), kind: t.ri.kind, name: t.name }, opts);
      if (dryRun !== 'client') {
        hpa = await cli.client(hpaRi).create(t.namespace, hpa, { dryRun: dryRun === 'server', fieldManager: opts.fieldManager }) as HorizontalPodAutoscaler;
      }
      printer.print(hpaRi, hpa, 'autoscaled');
      count++;
    } catch (err) {
      failures.add(err);
    }
  }
  if (count === 0 && failures.errors.length === 0) throw new CliError('error: no objects passed to autoscale');
  failures.throwIfAny();
}
