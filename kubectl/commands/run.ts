// `tskubectl run NAME --image=IMG [-- args...]`: the Pod kubectl run makes (label
// run=NAME, one container named NAME). With --attach (or -i, which implies it) kubectl's
// RunOptions.Run: wait for the pod to run and be ready, attach to its container (its
// logs when it already ended), then with --restart=Never or OnFailure wait for it to
// end and exit with its container's code; --rm deletes it afterwards, whatever happened.
import type { Command } from 'commander';
import { isNotFound } from '../../api/errors.js';
import { resolveResource } from '../../api/registry.js';
import type { Pod } from '../../api/types/core.js';
import { applyPatch, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH } from '../../api/patch/index.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { Cli } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { collectRepeat, DEFAULT_POD_RUNNING_TIMEOUT_MS, intFlag, outputFlags, POD_RUNNING_TIMEOUT_HELP } from '../command-flags.js';
import { podObject } from '../generators.js';
import { durationFlag } from '../go-duration.js';
import { findOrDefaultContainer } from '../logs-target.js';
import { parseDryRun, ResultPrinter } from '../object-targets.js';
import { attachToContainer } from '../pod-attach.js';
import { printContainerLog } from './logs.js';
import { podCompleted, podRunningAndReady, podSucceeded, waitForPod } from '../pod-wait.js';

interface RunOpts {
  image?: string;
  port?: number;
  env: string[];
  labels?: string;
  annotations: string[];
  restart?: string;
  command: boolean;
  imagePullPolicy?: string;
  overrides?: string;
  overrideType: string;
  stdin: boolean;
  tty: boolean;
  rm: boolean;
  attach: boolean;
  quiet: boolean;
  leaveStdinOpen: boolean;
  podRunningTimeout: number;
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
    .option('--restart <policy>', 'The restart policy for this Pod.  Legal values [Always, OnFailure, Never].')
    .option('--command', 'If true and extra arguments are present, use them as the \'command\' field in the container, rather than the \'args\' field which is the default.', false)
    .option('--image-pull-policy <policy>', 'The image pull policy for the container.  If left empty, this value will not be specified by the client and defaulted by the server.')
    .option('--overrides <json>', 'An inline JSON override for the generated object. If this is non-empty, it is used to override the generated object. Requires that the object supply a valid apiVersion field.')
    .option('--override-type <type>', 'The method used to override the generated object: json, merge, or strategic.', 'merge')
    .option('-i, --stdin', 'Keep stdin open on the container in the pod, even if nothing is attached.', false)
    .option('-t, --tty', 'Allocate a TTY for the container in the pod.', false)
    .option('--rm', 'If true, delete the pod after it exits.  Only valid when attaching to the container, e.g. with \'--attach\' or with \'-i/--stdin\'.', false)
    .option('--attach', 'If true, wait for the Pod to start running, and then attach to the Pod as if \'kubectl attach ...\' were called.  Default false, unless \'-i/--stdin\' is set, in which case the default is true. With \'--restart=Never\' the exit code of the container process is returned.', false)
    .option('--leave-stdin-open', 'If the pod is started in interactive mode or with stdin, leave stdin open after the first attach completes. By default, stdin will be closed after the first attach completes.', false)
    .option('-q, --quiet', 'If true, suppress prompt messages.', false)
    .option('--pod-running-timeout <duration>', POD_RUNNING_TIMEOUT_HELP, durationFlag('pod-running-timeout'), DEFAULT_POD_RUNNING_TIMEOUT_MS)
    .option('--field-manager <name>', 'Name of the manager used to track field ownership.', 'kubectl-run');
  // Its "Examples:" help: kubectl/help-examples.ts (added by main.ts's addExamples).
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

/**
 * kubectl's getRestartPolicy: the flag (whose default is Always, so -i alone runs an
 * Always pod and does not wait for its end), OnFailure for -i only with --restart=''.
 */
export function restartPolicy(flag: string | undefined, interactive: boolean): 'Always' | 'OnFailure' | 'Never' {
  const f = flag ?? 'Always';
  if (!f) return interactive ? 'OnFailure' : 'Always';
  if (f === 'Always' || f === 'OnFailure' || f === 'Never') return f;
  throw new CliError(`error: invalid restart policy: ${f}, valid values are: Always, OnFailure, Never`);
}

async function runRun(cli: Cli, name: string | undefined, args: string[], opts: RunOpts): Promise<void> {
  if (!name) throw new CliError(`error: NAME is required for run\nSee 'tskubectl run -h' for help and examples`);
  if (!opts.image) throw new CliError('error: required flag(s) "image" not set');
  if (opts.tty && !opts.stdin) throw usageError('run', '-i/--stdin is required for containers with -t/--tty=true');
  const policy = restartPolicy(opts.restart, opts.stdin);
  const attach = opts.attach || opts.stdin;
  const dryRun = parseDryRun(opts.dryRun);
  if (!attach && opts.rm) throw usageError('run', '--rm should only be used for attached containers');
  if (attach && dryRun !== 'none') throw usageError('run', "--dry-run=[server|client] can't be used with attached containers options (--attach, --stdin, or --tty)");
  if (opts.imagePullPolicy && !['Always', 'IfNotPresent', 'Never'].includes(opts.imagePullPolicy)) throw new CliError(`error: invalid image pull policy: ${opts.imagePullPolicy}`);
  if (opts.command && args.length === 0) throw new CliError('error: --command requires arguments to run');
  const annotations: Record<string, string> = {};
  for (const a of opts.annotations) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new CliError(`error: invalid annotation format: ${a}`);
    annotations[a.slice(0, eq)] = a.slice(eq + 1);
  }
  let pod: KubeObject = podObject({
    name, namespace: cli.namespaceExplicit() ? cli.namespace() : undefined, image: opts.image,
    labels: opts.labels ? parseLabelList(opts.labels) : undefined, annotations,
    env: opts.env, port: opts.port, restart: policy, command: opts.command, args,
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
  if (!attach) {
    printer.print(ri, created, 'created');
    return;
  }
  const ns = created.metadata.namespace ?? cli.namespace();
  try {
    await attachAndWait(cli, ns, created.metadata.name!, policy, opts);
  } finally {
    // kubectl's deferred removal: its own errors are not reported.
    if (opts.rm) await removePod(cli, ns, created.metadata.name!, opts.quiet).catch(() => undefined);
  }
}

/** handleAttachPod, then the wait for the exit code under Never and OnFailure. */
async function attachAndWait(cli: Cli, ns: string, name: string, policy: string, opts: RunOpts): Promise<void> {
  const pod = await waitForPod(cli, ns, name, opts.podRunningTimeout, podRunningAndReady);
  const container = findOrDefaultContainer(pod, undefined, opts.quiet);
  if (container.notice) cli.warn(container.notice);
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    await printContainerLog(cli, pod, container.container.name);
  } else {
    try {
      await attachToContainer(cli, pod, container.container, { stdin: opts.stdin, tty: opts.tty, quiet: opts.quiet });
    } catch (err) {
      cli.warn(`warning: couldn't attach to pod/${name}, falling back to streaming logs: ${(err as Error).message.replace(/^error: /, '')}`);
      await printContainerLog(cli, pod, container.container.name);
    }
  }
  if (opts.leaveStdinOpen || (policy !== 'Never' && policy !== 'OnFailure')) return;
  const done = await waitForPod(cli, ns, name, opts.podRunningTimeout, policy === 'OnFailure' ? podSucceeded : podCompleted);
  exitOutcome(done);
}

/** How run ends once the pod did: success, the container's exit code, or kubectl's errors. */
export function exitOutcome(pod: Pod): void {
  const ref = `${pod.metadata.namespace}/${pod.metadata.name}`;
  switch (pod.status?.phase) {
    case 'Succeeded': return;
    case 'Failed': {
      const terminated = pod.status.containerStatuses?.[0]?.state?.terminated;
      if (!terminated || !terminated.exitCode) throw new CliError(`error: pod ${ref} failed with unknown exit code`);
      throw new CliError(`pod ${ref} terminated (${terminated.reason ?? ''})${terminated.message ? `\n${terminated.message}` : ''}`, terminated.exitCode);
    }
    default:
      throw new CliError(`error: pod ${ref} left in phase ${pod.status?.phase ?? ''}`);
  }
}

/** --rm: kubectl's DeleteOptions (not found ignored, no wait), `pod "NAME" deleted` unless quiet. */
async function removePod(cli: Cli, ns: string, name: string, quiet: boolean): Promise<void> {
  try {
    await cli.client(resolveResource('pods')!).delete(ns, name);
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  if (!quiet) cli.print(`pod "${name}" deleted`);
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
