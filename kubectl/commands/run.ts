// `tskubectl run NAME --image=IMG [-- args...]`: the Pod kubectl run makes (label
// run=NAME, one container named NAME). Attaching (-i, -t, --rm, --attach) is not
// supported: the pod is created and the command returns.
import type { Command } from 'commander';
import { resolveResource } from '../../api/registry.js';
import { applyPatch, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH } from '../../api/patch/index.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { collectRepeat, intFlag, outputFlags } from '../command-flags.js';
import { podObject } from '../generators.js';
import { parseDryRun, ResultPrinter } from '../object-targets.js';

interface RunOpts {
  image?: string;
  port?: number;
  env: string[];
  labels?: string;
  annotations: string[];
  restart: string;
  command: boolean;
  imagePullPolicy?: string;
  overrides?: string;
  overrideType: string;
  stdin: boolean;
  tty: boolean;
  rm: boolean;
  attach: boolean;
  output?: string;
  dryRun?: string | boolean;
  fieldManager: string;
}

export function register(program: Command, cli: Cli): void {
  const run = program.command('run')
    .description('Create and run a particular image in a pod')
    .argument('[name]').argument('[args...]')
    .option('--image <image>', 'The image for the container to run.')
    .option('--port <port>', 'The port that this container exposes.', intFlag('port'))
    .option('--env <key=value>', 'Environment variables to set in the container.', collectRepeat, [])
    .option('-l, --labels <labels>', 'Comma separated labels to apply to the pod. Will override previous values.')
    .option('--annotations <key=value>', 'Annotations to apply to the pod.', collectRepeat, [])
    .option('--restart <policy>', 'The restart policy for this Pod. Legal values [Always, OnFailure, Never].', 'Always')
    .option('--command', 'If true and extra arguments are present, use them as the \'command\' field in the container, rather than the \'args\' field which is the default.', false)
    .option('--image-pull-policy <policy>', 'The image pull policy for the container.')
    .option('--overrides <json>', 'An inline JSON override for the generated object.')
    .option('--override-type <type>', 'The method used to override the generated object: json, merge, or strategic.', 'merge')
    .option('-i, --stdin', 'Keep stdin open on the container in the pod (not supported: the pod is only created).', false)
    .option('-t, --tty', 'Allocate a TTY for the container in the pod.', false)
    .option('--rm', 'Delete the pod after it exits (not supported).', false)
    .option('--attach', 'Wait for the Pod to start running, and then attach (not supported).', false)
    .option('--field-manager <name>', 'Name of the manager used to track field ownership.', 'kubectl-run');
  outputFlags(run);
  run.action(async (name: string | undefined, args: string[], opts: RunOpts) => runRun(cli, name, args, opts));
}

function parseLabelList(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of s.split(',')) {
    const kv = part.split('=');
    if (kv.length !== 2 || kv[0] === '') throw new CliError(`error: invalid label spec: ${part}`);
    out[kv[0]!] = kv[1]!;
  }
  return out;
}

async function runRun(cli: Cli, name: string | undefined, args: string[], opts: RunOpts): Promise<void> {
  if (!name) throw new CliError(`error: NAME is required for run\nSee 'tskubectl run -h' for help and examples`);
  if (!opts.image) throw new CliError('error: required flag(s) "image" not set');
  if (opts.tty && !opts.stdin) throw new CliError('error: -i/--stdin is required for containers with -t/--tty=true');
  if (opts.rm || opts.attach || opts.stdin) throw new CliError('error: tskubectl run does not attach to pods: leave out -i/-t/--rm/--attach and use "tskubectl logs"');
  if (!['Always', 'OnFailure', 'Never'].includes(opts.restart)) throw new CliError(`error: invalid restart policy: ${opts.restart}`);
  if (opts.command && args.length === 0) throw new CliError('error: --command requires arguments to run');
  const annotations: Record<string, string> = {};
  for (const a of opts.annotations) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new CliError(`error: invalid annotation format: ${a}`);
    annotations[a.slice(0, eq)] = a.slice(eq + 1);
  }
  const dryRun = parseDryRun(opts.dryRun);
  let pod: KubeObject = podObject({
    name, namespace: cli.namespaceExplicit() ? cli.namespace() : undefined, image: opts.image,
    labels: opts.labels ? parseLabelList(opts.labels) : undefined, annotations,
    env: opts.env, port: opts.port, restart: opts.restart as 'Always', command: opts.command, args,
    imagePullPolicy: opts.imagePullPolicy, stdin: opts.stdin, tty: opts.tty,
  });
  if (opts.overrides) pod = override(pod, opts.overrides, opts.overrideType);
  const ri = resolveResource('pods')!;
  const printer = new ResultPrinter(cli, opts.output, dryRun);
  if (dryRun === 'client') {
    printer.print(ri, pod, 'created');
    return;
  }
  const created = await cli.client(ri).create(cli.namespace(), pod, { dryRun: dryRun === 'server', fieldManager: opts.fieldManager });
  printer.print(ri, created, 'created');
}

/** --overrides: a patch of the generated object, merge by default as in kubectl. */
export function override(obj: KubeObject, json: string, type: string): KubeObject {
  let patch: unknown;
  try {
    patch = JSON.parse(json);
  } catch (err) {
    throw new CliError(`error: unable to parse --overrides: ${(err as Error).message}`);
  }
  const media = { merge: MERGE_PATCH, strategic: STRATEGIC_MERGE_PATCH, json: JSON_PATCH }[type];
  if (!media) throw new CliError(`error: invalid override type: ${type}`);
  return applyPatch(media, obj, patch, obj.kind ?? '') as KubeObject;
}
