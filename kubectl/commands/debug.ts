// `tskubectl debug (POD | TYPE/NAME) [--image=IMAGE] [-it] [-- COMMAND...]`: kubectl's
// pkg/cmd/debug. A pod gets an ephemeral container (debugger-xxxxx unless -c) through
// pods/ephemeralcontainers, or with --copy-to a copy with the debug container added (or
// one changed); a node gets a pod node-debugger-NODE-xxxxx on it in the host's
// namespaces with its root filesystem at /host (the "legacy" profile, 1.32's default).
// With --attach (or -i) it waits for the container to run and attaches, as attach does.
import type { Command } from 'commander';
import type { Container, ContainerStatus, EphemeralContainer, Node, Pod, PodSpec } from '../../api/types/core.js';
import { argsLenAtDash, collectRepeat } from '../command-flags.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { randomSuffix } from '../generators.js';
import { findContainer } from '../logs-target.js';
import { attachToContainer } from '../pod-attach.js';
import { getNamedObject } from '../pod-for-object.js';
import { waitForPod } from '../pod-wait.js';
import { printContainerLog } from './logs.js';

interface DebugOpts {
  argumentsOnly: boolean;
  attach?: boolean;
  container?: string;
  copyTo?: string;
  replace: boolean;
  env: string[];
  image?: string;
  keepLabels: boolean;
  keepAnnotations: boolean;
  keepLiveness: boolean;
  keepReadiness: boolean;
  keepStartup: boolean;
  keepInitContainers: boolean;
  setImage: string[];
  imagePullPolicy?: string;
  stdin: boolean;
  quiet: boolean;
  sameNode: boolean;
  shareProcesses?: boolean;
  target?: string;
  tty: boolean;
  profile: string;
}

const PROFILES = ['legacy', 'general', 'baseline', 'netadmin', 'restricted', 'sysadmin'];

export function register(program: Command, cli: Cli): void {
  program.command('debug')
    .description('Create debugging sessions for troubleshooting workloads and nodes')
    .usage('(POD | TYPE[[.VERSION].GROUP]/NAME) [ -- COMMAND [args...] ]')
    .argument('[args...]')
    .option('--arguments-only', 'If specified, everything after -- will be passed to the new container as Args instead of Command.', false)
    .option('--attach', "If true, wait for the container to start running, and then attach as if 'kubectl attach ...' were called.  Default false, unless '-i/--stdin' is set, in which case the default is true.")
    .option('-c, --container <name>', 'Container name to use for debug container.')
    .option('--copy-to <name>', 'Create a copy of the target Pod with this name.')
    .option('--replace', "When used with '--copy-to', delete the original Pod.", false)
    .option('--env <key=value>', 'Environment variables to set in the container.', collectRepeat, [])
    .option('--image <image>', 'Container image to use for debug container.')
    .option('--keep-labels', "If true, keep the original pod labels.(This flag only works when used with '--copy-to')", false)
    .option('--keep-annotations', "If true, keep the original pod annotations.(This flag only works when used with '--copy-to')", false)
    .option('--keep-liveness', "If true, keep the original pod liveness probes.(This flag only works when used with '--copy-to')", false)
    .option('--keep-readiness', "If true, keep the original pod readiness probes.(This flag only works when used with '--copy-to')", false)
    .option('--keep-startup', "If true, keep the original startup probes.(This flag only works when used with '--copy-to')", false)
    .option('--keep-init-containers', "Run the init containers for the pod. Defaults to true.(This flag only works when used with '--copy-to')", true)
    .option('--set-image <name=image>', "When used with '--copy-to', a list of name=image pairs for changing container images, similar to how 'kubectl set image' works.", collectRepeat, [])
    .option('--image-pull-policy <policy>', 'The image pull policy for the container. If left empty, this value will not be specified by the client and defaulted by the server.')
    .option('-i, --stdin', 'Keep stdin open on the container(s) in the pod, even if nothing is attached.', false)
    .option('-q, --quiet', 'If true, suppress informational messages.', false)
    .option('--same-node', "When used with '--copy-to', schedule the copy of target Pod on the same node.", false)
    .option('--share-processes', "When used with '--copy-to', enable process namespace sharing in the copy.")
    .option('--target <container>', 'When using an ephemeral container, target processes in this container name.')
    .option('-t, --tty', 'Allocate a TTY for the debugging container.', false)
    .option('--profile <profile>', 'Options are "legacy", "general", "baseline", "netadmin", "restricted" or "sysadmin".', 'legacy')
    .action(async (args: string[], opts: DebugOpts, cmd: Command) => runDebug(cli, args, argsLenAtDash(cmd, args), opts));
}

/** pflag's StringToString: repeated and comma-separated key=value pairs, later ones winning. */
export function stringToString(values: readonly string[], flag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of values) {
    for (const pair of v.split(',')) {
      const eq = pair.indexOf('=');
      if (eq < 0) throw new CliError(`error: invalid argument "${v}" for "--${flag}" flag: ${pair} must be formatted as key=value`);
      out.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
  return out;
}

/** kubectl's DebugOptions.Validate, in its order; returns the notice --target prints. */
export function validateDebug(o: DebugOpts, targets: readonly string[], args: readonly string[], setImages: Map<string, string>): string | undefined {
  if (o.attach === true && !o.image && !o.container) throw new CliError('error: you must specify --container or create a new container using --image in order to attach.');
  if (o.copyTo) {
    if (!o.image && setImages.size === 0 && args.length === 0) throw new CliError('error: you must specify --image, --set-image or command arguments.');
    if (args.length > 0 && !o.container && !o.image) throw new CliError('error: you must specify an existing container or a new image when specifying args.');
  } else if (o.replace) throw new CliError('error: --replace may only be used with --copy-to.');
  else if (o.sameNode) throw new CliError('error: --same-node may only be used with --copy-to.');
  else if (setImages.size > 0) throw new CliError('error: --set-image may only be used with --copy-to.');
  else if (!o.image) throw new CliError('error: you must specify --image when not using --copy-to.');
  if (targets.length === 0) throw new CliError('error: NAME or filename is required for debug');
  if (o.imagePullPolicy && !['Always', 'IfNotPresent', 'Never'].includes(o.imagePullPolicy)) throw new CliError(`error: invalid image pull policy: ${o.imagePullPolicy}`);
  let notice: string | undefined;
  if (o.target) {
    if (o.copyTo) throw new CliError('error: --target is incompatible with --copy-to. Use --share-processes instead.');
    if (!o.quiet) notice = `Targeting container "${o.target}". If you don't see processes from this container it may be because the container runtime doesn't support this feature.`;
  }
  if (o.tty && !o.stdin) throw new CliError('error: -i/--stdin is required for containers with -t/--tty=true');
  return notice;
}

async function runDebug(cli: Cli, all: string[], atDash: number, o: DebugOpts): Promise<void> {
  const targets = atDash >= 0 ? all.slice(0, atDash) : all;
  const args = atDash >= 0 ? all.slice(atDash) : [];
  if (!PROFILES.includes(o.profile)) throw new CliError(`error: unknown profile: ${o.profile}`);
  if (o.profile !== 'legacy' && o.profile !== 'general') throw new CliError(`error: the ${o.profile} profile is not supported by tskubectl debug; use legacy or general`);
  const setImages = stringToString(o.setImage, 'set-image');
  const env = [...stringToString(o.env, 'env')].map(([name, value]) => ({ name, value }));
  const attach = o.attach ?? o.stdin;
  const notice = validateDebug(o, targets, args, setImages);
  if (notice) cli.print(notice);
  if (o.profile === 'legacy') cli.warn('--profile=legacy is deprecated and will be removed in the future. It is recommended to explicitly specify a profile, for example "--profile=general".');

  const gen: Generator = { o, args, env, setImages, print: (line) => { if (!o.quiet) cli.print(line); } };
  for (const target of targets) {
    const { ri, obj } = await getNamedObject(cli, target);
    let pod: Pod;
    let container: string;
    if (ri.group === '' && ri.kind === 'Node') {
      const debugPod = nodeDebugPod(gen, obj as Node);
      pod = await cli.client<Pod>(await cli.resource('pods')).create(cli.namespace(), debugPod);
      container = debugPod.spec!.containers[0]!.name;
    } else if (ri.group === '' && ri.kind === 'Pod') {
      ({ pod, container } = o.copyTo ? await debugByCopy(cli, gen, obj as Pod) : await debugByEphemeralContainer(cli, gen, obj as Pod));
    } else {
      throw new CliError(`error: "${ri.group ? `${ri.group}/` : ''}${ri.version}, Kind=${ri.kind}" not supported by debug`);
    }
    if (attach && container) await attachDebugContainer(cli, pod, container, o);
  }
}

/** What the generators share: the options, the command, the env, and the informational printer. */
interface Generator {
  o: DebugOpts;
  args: string[];
  env: { name: string; value: string }[];
  setImages: Map<string, string>;
  print(line: string): void;
}

function allContainerNames(spec: PodSpec | undefined): Set<string> {
  return new Set([...(spec?.containers ?? []), ...(spec?.initContainers ?? []), ...(spec?.ephemeralContainers ?? [])].map((c) => c.name));
}

/** computeDebugContainerName: -c, else debugger-xxxxx not used by the pod, announced unless quiet. */
function debugContainerName(gen: Generator, spec: PodSpec | undefined): string {
  if (gen.o.container) return gen.o.container;
  const taken = allContainerNames(spec);
  let name = '';
  while (!name || taken.has(name)) name = `debugger-${randomSuffix(5)}`;
  gen.print(`Defaulting debug container name to ${name}.`);
  return name;
}

/** The command (or, with --arguments-only, the args) after `--`. */
function withArgs<T extends Container>(c: T, gen: Generator): T {
  if (gen.args.length === 0) return c;
  return gen.o.argumentsOnly ? { ...c, args: gen.args } : { ...c, command: gen.args };
}

/** generateDebugContainer, and the patch of pods/ephemeralcontainers that adds it. */
async function debugByEphemeralContainer(cli: Cli, gen: Generator, pod: Pod): Promise<{ pod: Pod; container: string }> {
  const name = debugContainerName(gen, pod.spec);
  const ec: EphemeralContainer = withArgs({
    name, image: gen.o.image,
    ...(gen.env.length ? { env: gen.env } : {}),
    ...(gen.o.imagePullPolicy ? { imagePullPolicy: gen.o.imagePullPolicy } : {}),
    ...(gen.o.stdin ? { stdin: true } : {}),
    terminationMessagePolicy: 'File',
    ...(gen.o.tty ? { tty: true } : {}),
    ...(gen.o.target ? { targetContainerName: gen.o.target } : {}),
  } as EphemeralContainer, gen);
  if (gen.o.profile === 'general') ec.securityContext = { capabilities: { add: ['SYS_PTRACE'] } };
  // The two-way strategic merge patch kubectl computes: the new container, and the order
  // of the whole list (without it a merge puts new items first).
  const order = [...(pod.spec?.ephemeralContainers ?? []), ec].map((c) => ({ name: c.name }));
  const patch = { spec: { '$setElementOrder/ephemeralContainers': order, ephemeralContainers: [ec] } };
  const pods = cli.client<Pod>(await cli.resource('pods'));
  const result = await pods.patch(pod.metadata.namespace ?? cli.namespace(), pod.metadata.name!, 'strategic', patch, { subresource: 'ephemeralcontainers' });
  return { pod: result, container: name };
}

/** generatePodCopyWithDebugContainer and the create (and with --replace the delete of the original). */
async function debugByCopy(cli: Cli, gen: Generator, pod: Pod): Promise<{ pod: Pod; container: string }> {
  const { o } = gen;
  const spec = structuredClone(pod.spec ?? {}) as PodSpec;
  delete spec.ephemeralContainers;
  if (o.shareProcesses !== undefined) spec.shareProcessNamespace = o.shareProcesses;
  if (!o.sameNode) delete spec.nodeName;
  for (const c of spec.containers ?? []) {
    const image = gen.setImages.get(c.name) ?? gen.setImages.get('*');
    if (image) c.image = image;
  }
  const copy: Pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name: o.copyTo, namespace: pod.metadata.namespace,
      ...(pod.metadata.annotations ? { annotations: pod.metadata.annotations } : {}),
      ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}),
    },
    spec,
  };
  let name = o.container ?? '';
  let c = (spec.containers ?? []).find((x) => x.name === name) ?? (spec.initContainers ?? []).find((x) => x.name === name);
  if (!c) {
    if (!o.image) {
      if (gen.setImages.size > 0) return { pod: await createCopy(cli, copy, pod, o.replace), container: '' };
      throw new CliError('error: you must specify image when creating new container');
    }
    name = debugContainerName(gen, spec);
    c = { name, terminationMessagePolicy: 'File' } as Container;
    spec.containers = [...(spec.containers ?? []), c];
  }
  if (gen.args.length) {
    if (o.argumentsOnly) c.args = gen.args;
    else {
      c.command = gen.args;
      delete c.args;
    }
  }
  if (gen.env.length) c.env = gen.env;
  if (o.image) c.image = o.image;
  if (o.imagePullPolicy) c.imagePullPolicy = o.imagePullPolicy;
  if (o.stdin) c.stdin = true;
  else delete c.stdin;
  if (o.tty) c.tty = true;
  else delete c.tty;
  applyCopyProfile(gen, copy, name);
  return { pod: await createCopy(cli, copy, pod, o.replace), container: name };
}

/** The profile's changes to a copy: general drops labels and probes (unless kept) and shares processes. */
function applyCopyProfile(gen: Generator, copy: Pod, container: string): void {
  const { o } = gen;
  if (o.profile !== 'general') return;
  const spec = copy.spec!;
  if (!o.keepLabels) delete copy.metadata.labels;
  if (!o.keepAnnotations) delete copy.metadata.annotations;
  for (const c of spec.containers ?? []) {
    if (!o.keepLiveness) delete c.livenessProbe;
    if (!o.keepReadiness) delete c.readinessProbe;
    if (!o.keepStartup) delete c.startupProbe;
  }
  if (!o.keepInitContainers) delete spec.initContainers;
  if (o.shareProcesses !== false) spec.shareProcessNamespace = true;
  const c = spec.containers?.find((x) => x.name === container);
  if (c) c.securityContext = { ...c.securityContext, capabilities: { ...c.securityContext?.capabilities, add: ['SYS_PTRACE'] } };
}

async function createCopy(cli: Cli, copy: Pod, original: Pod, replace: boolean): Promise<Pod> {
  const pods = cli.client<Pod>(await cli.resource('pods'));
  const created = await pods.create(copy.metadata.namespace ?? cli.namespace(), copy);
  if (replace) await pods.delete(original.metadata.namespace ?? cli.namespace(), original.metadata.name!, { gracePeriodSeconds: 0 });
  return created;
}

/** generateNodeDebugPod with the legacy (or general) profile: the host's namespaces and its root at /host. */
function nodeDebugPod(gen: Generator, node: Node): Pod {
  const cn = gen.o.container || 'debugger';
  const pn = `node-debugger-${node.metadata.name}-${randomSuffix(5)}`;
  gen.print(`Creating debugging pod ${pn} with container ${cn} on node ${node.metadata.name}.`);
  const container: Container = withArgs({
    name: cn,
    ...(gen.env.length ? { env: gen.env } : {}),
    image: gen.o.image,
    ...(gen.o.imagePullPolicy ? { imagePullPolicy: gen.o.imagePullPolicy } : {}),
    ...(gen.o.stdin ? { stdin: true } : {}),
    terminationMessagePolicy: 'File',
    ...(gen.o.tty ? { tty: true } : {}),
    volumeMounts: [{ mountPath: '/host', name: 'host-root' }],
  } as Container, gen);
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: pn, labels: { 'app.kubernetes.io/managed-by': 'kubectl-debug' } },
    spec: {
      containers: [container],
      hostIPC: true, hostNetwork: true, hostPID: true,
      nodeName: node.metadata.name,
      restartPolicy: 'Never',
      tolerations: [{ operator: 'Exists' }],
      volumes: [{ name: 'host-root', hostPath: { path: '/' } }],
    },
  };
}

/** handleAttachPod: wait for the container to run (or end: then its logs), then attach to it. */
async function attachDebugContainer(cli: Cli, created: Pod, container: string, o: DebugOpts): Promise<void> {
  const ns = created.metadata.namespace ?? cli.namespace();
  const name = created.metadata.name!;
  const warned = new Set<string>();
  const pod = await waitForPod(cli, ns, name, 0, (_type, p) => {
    const s = containerStatus(p, container);
    if (!s) return false;
    if (s.state?.running || s.state?.terminated) return true;
    const msg = s.state?.waiting?.message;
    if (!o.quiet && msg && !warned.has(msg)) {
      warned.add(msg);
      cli.warn(`Warning: container ${container}: ${msg}`);
    }
    return false;
  });
  if (containerStatus(pod, container)?.state?.terminated) {
    await printContainerLog(cli, pod, container);
    return;
  }
  const target = findContainer(pod, container) ?? { name: container };
  try {
    await attachToContainer(cli, pod, target, { stdin: o.stdin, tty: o.tty, quiet: o.quiet });
  } catch (err) {
    cli.warn(`warning: couldn't attach to pod/${name}, falling back to streaming logs: ${(err as Error).message.replace(/^error: /, '')}`);
    await printContainerLog(cli, pod, container);
  }
}

function containerStatus(pod: Pod, name: string): ContainerStatus | undefined {
  const st = pod.status;
  return [...(st?.initContainerStatuses ?? []), ...(st?.containerStatuses ?? []), ...(st?.ephemeralContainerStatuses ?? [])].find((s) => s.name === name);
}
