// tskubectl describe: a readable page per object, as kubectl's describers print it
// (kubectl/pkg/describe): fields, related objects (replica sets, pods, endpoints, the
// node's lease) and the object's events. Fetching lives here; the layout in
// printers/describe/.
import type { Command } from 'commander';
import type { ResourceInfo } from '../../api/registry.js';
import { StatusError } from '../../api/errors.js';
import { isControlledBy } from '../../api/helpers/owner-refs.js';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../../api/types/apps.js';
import type { CronJob, Job } from '../../api/types/batch.js';
import type { Lease } from '../../api/types/coordination.js';
import type { ConfigMap, Endpoints, Event, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Service } from '../../api/types/core.js';
import type { StorageClass } from '../../api/types/storage.js';
import type { KubeObject, List } from '../../api/types/meta.js';
import { resourcePath } from '../../client/resource-client.js';
import type { Cli } from '../context.js';
import { CliError, formatError } from '../errors.js';
import {
  describeConfigMap, describeEndpoints, describeGeneric, describeNamespace, describeNode, describeSecret, describeService, type NodeExtras,
} from '../printers/describe/core.js';
import { describePod } from '../printers/describe/pod.js';
import { describeCronJob, describeJob } from '../printers/describe/batch.js';
import { describePersistentVolume, describePersistentVolumeClaim, describeStorageClass, podUsesClaim } from '../printers/describe/storage.js';
import { describeDaemonSet, describeDeployment, describeReplicaSet, selectorString, type PodCounts } from '../printers/describe/workloads.js';
import { describeStatefulSet } from '../printers/describe/statefulset.js';
import { describeHorizontalPodAutoscaler } from '../printers/describe/autoscaling.js';
import type { HorizontalPodAutoscaler } from '../../api/types/autoscaling.js';
import { describePodDisruptionBudget, describePriorityClass } from '../printers/describe/policy.js';
import type { PodDisruptionBudget } from '../../api/types/policy.js';
import type { PriorityClass } from '../../api/types/scheduling.js';
import { parseResourceArgs } from '../resource-args.js';
import { fileFlags, kustomizeFlag } from '../command-flags.js';
import { Failures, findTargets } from '../object-targets.js';
import { resolveResource } from '../../api/registry.js';

interface DescribeOptions {
  selector?: string;
  allNamespaces?: boolean;
  showEvents?: boolean;
  chunkSize?: number;
  filename?: string[];
  kustomize?: string;
  recursive?: boolean;
}

export function register(program: Command, cli: Cli): void {
  const cmd = program.command('describe')
    .description('Show details of a specific resource or group of resources')
    .usage('(-f FILENAME | TYPE [NAME_PREFIX | -l label] | TYPE/NAME) [flags]')
    .argument('[args...]');
  fileFlags(cmd, 'describe');
  kustomizeFlag(cmd);
  cmd
    .option('-l, --selector <selector>', 'Selector (label query) to filter on')
    .option('-A, --all-namespaces', 'List the requested object(s) across all namespaces')
    .option('--show-events [bool]', 'If true, display events related to the described object', (v: string) => v !== 'false', true)
    .option('--chunk-size <n>', 'Return large lists in chunks rather than all at once', (v: string) => Number.parseInt(v, 10), 500)
    .action(async (args: string[], opts: DescribeOptions) => {
      await runDescribe(cli, args, opts);
    });
}

/** prefixMatch: found by `describe TYPE PREFIX`; kubectl prints those each followed by a newline. */
interface Target { ri: ResourceInfo; obj: KubeObject; prefixMatch?: boolean }

export async function runDescribe(cli: Cli, args: string[], opts: DescribeOptions): Promise<void> {
  if ((opts.filename ?? []).length > 0 || opts.kustomize !== undefined) {
    await describeFiles(cli, args, opts);
    return;
  }
  if (args.length === 0) {
    throw new CliError('error: You must specify the type of resource to describe. Use "tskubectl api-resources" for a complete list of supported resources.');
  }
  const requested = await parseResourceArgs(cli, args, 'describe');
  if (opts.selector !== undefined && requested.some((r) => r.names.length > 0)) {
    throw new CliError('error: name cannot be provided when a selector is specified');
  }
  const rest = cli.rest();
  const targets: Target[] = [];
  const errors: unknown[] = [];
  for (const { ri, names } of requested) {
    const namespace = ri.namespaced ? (opts.allNamespaces ? '' : cli.namespace()) : '';
    if (names.length === 0) {
      const list = await listAll<KubeObject>(cli, ri, namespace, { labelSelector: opts.selector }, opts.chunkSize);
      for (const obj of list) targets.push({ ri, obj });
      continue;
    }
    for (const name of names) {
      try {
        targets.push({ ri, obj: await rest.request<KubeObject>({ path: resourcePath(ri, { namespace, name }) }) });
      } catch (err) {
        if (!(err instanceof StatusError)) throw err;
        // `describe TYPE PREFIX`: every object whose name starts with PREFIX.
        if (err.code === 404 && args.length === 2 && !args[0]!.includes(',') && !args[1]!.includes('/')) {
          const all = await listAll<KubeObject>(cli, ri, namespace, {}, opts.chunkSize);
          const matching = all.filter((o) => (o.metadata.name ?? '').startsWith(name));
          if (matching.length > 0) {
            for (const obj of matching) targets.push({ ri, obj, prefixMatch: true });
            continue;
          }
        }
        errors.push(err);
      }
    }
  }

  const now = new Date();
  let first = true;
  const seen = new Set<string>();
  for (const t of targets) {
    let text: string;
    try {
      text = await describe(cli, t, opts.showEvents !== false, opts.chunkSize, now);
    } catch (err) {
      if (!(err instanceof StatusError)) throw err;
      if (!seen.has(formatError(err))) errors.push(err);
      seen.add(formatError(err));
      continue;
    }
    if (t.prefixMatch) cli.out.write(`${text}\n`);
    else cli.out.write(first ? text : `\n\n${text}`);
    first = false;
  }
  if (targets.length === 0 && errors.length === 0) {
    cli.warn(opts.allNamespaces ? 'No resources found' : `No resources found in ${cli.namespace()} namespace.`);
  }
  if (errors.length > 0) throw new CliError(errors.map(formatError).join('\n'));
}

/** `describe -f FILE`: each object the files name, read from the server and described in turn. */
async function describeFiles(cli: Cli, args: string[], opts: DescribeOptions): Promise<void> {
  const failures = new Failures();
  const targets = await findTargets(cli, args, { filename: opts.filename, recursive: opts.recursive, kustomize: opts.kustomize }, 'describe', failures);
  const now = new Date();
  let first = true;
  for (const t of targets) {
    try {
      const obj = await cli.rest().request<KubeObject>({ path: resourcePath(t.ri, { namespace: t.namespace, name: t.name }) });
      const text = await describe(cli, { ri: t.ri, obj }, opts.showEvents !== false, opts.chunkSize, now);
      cli.out.write(first ? text : `\n\n${text}`);
      first = false;
    } catch (err) {
      failures.add(err);
    }
  }
  failures.throwIfAny();
}

async function listAll<T extends KubeObject>(cli: Cli, ri: ResourceInfo, namespace: string, query: Record<string, string | undefined>, chunkSize = 500): Promise<T[]> {
  const items: T[] = [];
  let cont: string | undefined;
  do {
    const page = await cli.rest().request<List<T>>({
      path: resourcePath(ri, { namespace }), query: { ...query, limit: chunkSize > 0 ? chunkSize : undefined, continue: cont },
    });
    items.push(...(page.items ?? []));
    cont = page.metadata?.continue;
  } while (cont);
  return items;
}

const EVENTS = resolveResource('events')!;
const PODS = resolveResource('pods')!;
const REPLICASETS = resolveResource('replicasets')!;
const ENDPOINTS = resolveResource('endpoints')!;
const LEASES = resolveResource('leases')!;

/**
 * The object's events (searchEvents: involvedObject name, namespace and uid); undefined
 * when they cannot be listed, as kubectl then leaves the Events section out.
 */
async function searchEvents(cli: Cli, obj: KubeObject, chunkSize: number | undefined, uid = obj.metadata.uid ?? ''): Promise<Event[] | undefined> {
  const namespace = obj.metadata.namespace ?? '';
  const fieldSelector = [
    `involvedObject.name=${obj.metadata.name ?? ''}`, `involvedObject.namespace=${namespace}`, `involvedObject.uid=${uid}`,
  ].join(',');
  try {
    return await listAll<Event>(cli, EVENTS, namespace, { fieldSelector }, chunkSize);
  } catch (err) {
    if (err instanceof StatusError) return undefined;
    throw err;
  }
}

async function describe(cli: Cli, { ri, obj }: Target, showEvents: boolean, chunkSize: number | undefined, now: Date): Promise<string> {
  const rest = cli.rest();
  const namespace = obj.metadata.namespace ?? '';
  const events = async (): Promise<Event[] | undefined> => (showEvents ? searchEvents(cli, obj, chunkSize) : undefined);
  if (ri.group === '') {
    switch (ri.kind) {
      case 'Pod':
        return describePod(obj as Pod, await events(), now);
      case 'Service': {
        let ep: Endpoints | undefined;
        try {
          ep = await rest.request<Endpoints>({ path: resourcePath(ENDPOINTS, { namespace, name: obj.metadata.name }) });
        } catch (err) {
          if (!(err instanceof StatusError)) throw err;
        }
        return describeService(obj as Service, ep, await events(), now);
      }
      case 'Node':
        return describeNode(obj as Node, await nodeExtras(cli, obj as Node, showEvents, chunkSize), now);
      case 'Namespace':
        return describeNamespace(obj as Namespace);
      case 'ConfigMap':
        return describeConfigMap(obj as ConfigMap, await events(), now);
      case 'Secret':
        return describeSecret(obj as Secret);
      case 'Endpoints':
        return describeEndpoints(obj as Endpoints, await events(), now);
      case 'PersistentVolume':
        return describePersistentVolume(obj as PersistentVolume, await events(), now);
      case 'PersistentVolumeClaim': {
        // Used By: the namespace's pods naming the claim (kubectl's getPodsForPVC).
        let users: Pod[] = [];
        try {
          users = (await listAll<Pod>(cli, PODS, namespace, {}, chunkSize)).filter((p) => podUsesClaim(p, obj.metadata.name ?? ''));
        } catch (err) {
          if (!(err instanceof StatusError)) throw err;
        }
        return describePersistentVolumeClaim(obj as PersistentVolumeClaim, users, await events(), now);
      }
      default:
        break;
    }
  }
  if (ri.group === 'storage.k8s.io' && ri.kind === 'StorageClass') return describeStorageClass(obj as StorageClass, await events(), now);
  if (ri.group === 'policy' && ri.kind === 'PodDisruptionBudget') return describePodDisruptionBudget(obj as PodDisruptionBudget, await events(), now);
  if (ri.group === 'scheduling.k8s.io' && ri.kind === 'PriorityClass') return describePriorityClass(obj as PriorityClass, await events(), now);
  if (ri.group === 'apps' && ri.kind === 'Deployment') {
    const d = obj as Deployment;
    let replicaSets: { old: ReplicaSet[]; new?: ReplicaSet } | undefined;
    try {
      const rss = (await listAll<ReplicaSet>(cli, REPLICASETS, namespace, { labelSelector: selectorString(d.spec?.selector, '') }, chunkSize))
        .filter((rs) => isControlledBy(rs, d));
      replicaSets = splitReplicaSets(d, rss);
    } catch (err) {
      if (!(err instanceof StatusError)) throw err;
    }
    return describeDeployment(d, { events: await events(), replicaSets }, now);
  }
  if (ri.group === 'autoscaling' && ri.kind === 'HorizontalPodAutoscaler') {
    return describeHorizontalPodAutoscaler(obj as HorizontalPodAutoscaler, await events(), now);
  }
  if (ri.group === 'apps' && (ri.kind === 'ReplicaSet' || ri.kind === 'DaemonSet')) {
    const rs = obj as ReplicaSet | DaemonSet;
    let counts: PodCounts | Error;
    try {
      const pods = (await listAll<Pod>(cli, PODS, namespace, { labelSelector: selectorString(rs.spec?.selector, '') }, chunkSize))
        .filter((p) => isControlledBy(p, rs));
      counts = { running: 0, waiting: 0, succeeded: 0, failed: 0 };
      for (const p of pods) {
        const phase = p.status?.phase;
        if (phase === 'Running') counts.running++;
        else if (phase === 'Pending') counts.waiting++;
        else if (phase === 'Succeeded') counts.succeeded++;
        else if (phase === 'Failed') counts.failed++;
      }
    } catch (err) {
      if (!(err instanceof StatusError)) throw err;
      counts = new Error(err.message);
    }
    if (ri.kind === 'DaemonSet') return describeDaemonSet(rs as DaemonSet, await events(), counts, now);
    return describeReplicaSet(rs as ReplicaSet, await events(), counts, now);
  }
  if (ri.group === 'batch' && ri.kind === 'Job') return describeJob(obj as Job, await events(), now);
  if (ri.group === 'batch' && ri.kind === 'CronJob') return describeCronJob(obj as CronJob, await events(), now);
  if (ri.group === 'apps' && ri.kind === 'StatefulSet') {
    const sts = obj as StatefulSet;
    const counts: PodCounts = { running: 0, waiting: 0, succeeded: 0, failed: 0 };
    // getPodStatusForController: the pods its selector matches that it controls.
    const pods = (await listAll<Pod>(cli, PODS, namespace, { labelSelector: selectorString(sts.spec?.selector, '') }, chunkSize)).filter((p) => isControlledBy(p, sts));
    for (const p of pods) {
      const phase = p.status?.phase;
      if (phase === 'Running') counts.running++;
      else if (phase === 'Pending') counts.waiting++;
      else if (phase === 'Succeeded') counts.succeeded++;
      else if (phase === 'Failed') counts.failed++;
    }
    return describeStatefulSet(sts, await events(), counts, now);
  }
  return describeGeneric({ apiVersion: ri.group ? `${ri.group}/${ri.version}` : ri.version, kind: ri.kind, ...obj }, await events(), now);
}

/** deploymentutil.FindNewReplicaSet: the newest replica set whose template equals the deployment's (ignoring pod-template-hash). */
function splitReplicaSets(d: Deployment, rss: ReplicaSet[]): { old: ReplicaSet[]; new?: ReplicaSet } {
  const strip = (t: unknown): string => {
    const copy = structuredClone(t ?? {}) as { metadata?: { labels?: Record<string, string> } };
    if (copy.metadata?.labels) delete copy.metadata.labels['pod-template-hash'];
    return JSON.stringify(sortDeep(copy));
  };
  const want = strip(d.spec?.template);
  const sorted = [...rss].sort((a, b) => Date.parse(a.metadata.creationTimestamp ?? '') - Date.parse(b.metadata.creationTimestamp ?? '')
    || ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  const newRs = sorted.find((rs) => strip(rs.spec?.template) === want);
  return { old: sorted.filter((rs) => rs !== newRs), new: newRs };
}

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]));
  }
  return v;
}

async function nodeExtras(cli: Cli, node: Node, showEvents: boolean, chunkSize: number | undefined): Promise<NodeExtras> {
  const name = node.metadata.name ?? '';
  let pods: Pod[] | undefined;
  try {
    pods = await listAll<Pod>(cli, PODS, '', { fieldSelector: `spec.nodeName=${name},status.phase!=Failed,status.phase!=Succeeded` }, chunkSize);
  } catch (err) {
    if (!(err instanceof StatusError)) throw err;
  }
  let lease: Lease | undefined;
  let leaseError: string | undefined;
  try {
    lease = await cli.rest().request<Lease>({ path: resourcePath(LEASES, { namespace: 'kube-node-lease', name }) });
  } catch (err) {
    if (!(err instanceof StatusError)) throw err;
    leaseError = err.message;
  }
  let events: Event[] | undefined;
  if (showEvents) {
    // Controllers record node events with the node's uid, the kubelet with its name.
    const byUid = await searchEvents(cli, node, chunkSize);
    const byName = await searchEvents(cli, node, chunkSize, name);
    events = byUid || byName ? [...(byUid ?? []), ...(byName ?? [])] : undefined;
  }
  return { pods, lease, leaseError, events };
}
