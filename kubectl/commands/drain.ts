// `tskubectl drain NODE`: kubectl's pkg/cmd/drain and pkg/drain. Cordons the node, then
// removes its pods: through the eviction subresource when the server serves it, else
// (as on our apiserver) with a plain DELETE, and waits until they are gone. Pods no
// controller would recreate, DaemonSet pods and pods with emptyDir data stop the drain
// unless --force, --ignore-daemonsets, --delete-emptydir-data say otherwise.
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { isNotFound, StatusError } from '../../api/errors.js';
import { controllerRef } from '../../api/helpers/owner-refs.js';
import type { ResourceInfo } from '../../api/registry.js';
import type { Pod } from '../../api/types/core.js';
import type { DeleteOptions } from '../../api/types/meta.js';
import { intFlag } from '../command-flags.js';
import type { Cli } from '../context.js';
import { CliError, formatError } from '../errors.js';
import { errorText } from '../error-text.js';
import { durationFlag } from '../go-duration.js';
import { resolveNodes, setUnschedulable } from '../node-maintenance.js';
import { aggregateText, podDeleteList, podVerdict, shouldSkipPod, type DaemonSetLookup, type DrainFlags } from '../node-drain.js';
import { parseDryRun, ResultPrinter, type DryRun } from '../object-targets.js';

interface DrainOptions {
  force: boolean;
  ignoreDaemonsets: boolean;
  deleteEmptydirData: boolean;
  gracePeriod: number;
  timeout: number;
  podSelector?: string;
  disableEviction: boolean;
  skipWaitForDeleteTimeout: number;
  selector?: string;
  dryRun?: string | boolean;
}

/** How often kubectl looks whether deleted pods are gone. */
const POLL_MS = 1000;
/** How long kubectl waits before retrying an eviction the server refused with 429. */
const EVICTION_RETRY_MS = 5000;

/** Several errors reported as one, as Go's utilerrors aggregate. */
class Aggregate extends Error {
  constructor(readonly messages: string[]) {
    super(aggregateText(messages));
  }
}

export function register(program: Command, cli: Cli): void {
  program.command('drain')
    .description('Drain node in preparation for maintenance')
    .usage('NODE [options]')
    .argument('[nodes...]')
    .option('--force', 'Continue even if there are pods that do not declare a controller.', false)
    .option('--ignore-daemonsets', 'Ignore DaemonSet-managed pods.', false)
    .option('--delete-emptydir-data', 'Continue even if there are pods using emptyDir (local data that will be deleted when the node is drained).', false)
    .option('--grace-period <seconds>', 'Period of time in seconds given to each pod to terminate gracefully. If negative, the default value specified in the pod will be used.', intFlag('grace-period'), -1)
    .option('--timeout <duration>', 'The length of time to wait before giving up, zero means infinite', durationFlag('timeout'), 0)
    .option('--pod-selector <selector>', 'Label selector to filter pods on the node')
    .option('--disable-eviction', 'Force drain to use delete, even if eviction is supported.', false)
    .option('--skip-wait-for-delete-timeout <seconds>', 'If pod DeletionTimestamp older than N seconds, skip waiting for the pod.  Seconds must be greater than 0 to skip.', intFlag('skip-wait-for-delete-timeout'), 0)
    .option('-l, --selector <selector>', 'Selector (label query) to filter on')
    .option('--dry-run [strategy]', 'Must be "none", "server", or "client".')
    .action(async (args: string[], opts: DrainOptions) => {
      await runDrain(cli, args, opts);
    });
}

async function runDrain(cli: Cli, args: string[], opts: DrainOptions): Promise<void> {
  const dryRun = parseDryRun(opts.dryRun);
  const { ri, nodes } = await resolveNodes(cli, 'drain', args, opts.selector);
  const printer = new ResultPrinter(cli, undefined, dryRun);
  await setUnschedulable(cli, ri, nodes, true, dryRun, printer);

  const fatal: unknown[] = [];
  const remaining: string[] = [];
  for (const node of nodes) {
    const name = node.metadata.name ?? '';
    try {
      await drainNode(cli, name, opts, dryRun, printer);
      printer.print(ri, node, 'drained');
    } catch (err) {
      cli.warn(`error: unable to drain node ${JSON.stringify(name)} due to error: ${errorText(err)}, continuing command...`);
      fatal.push(err);
      remaining.push(name);
    }
  }
  if (remaining.length > 0) cli.warn(`There are pending nodes to be drained:\n${remaining.map((n) => ` ${n}`).join('\n')}`);
  if (fatal.length === 1) {
    const err = fatal[0];
    // CheckErr prints an aggregate one message per line, without "error: ".
    throw err instanceof Aggregate ? new CliError(err.messages.join('\n')) : new CliError(formatError(err));
  }
  if (fatal.length > 1) throw new CliError(fatal.map((e) => (e instanceof StatusError ? formatError(e) : errorText(e))).join('\n'));
}

function drainFlags(opts: DrainOptions): DrainFlags {
  return {
    force: opts.force, ignoreDaemonSets: opts.ignoreDaemonsets, deleteEmptyDirData: opts.deleteEmptydirData,
    skipWaitForDeleteTimeoutSeconds: opts.skipWaitForDeleteTimeout,
  };
}

/** The node's pods and what drain may do with each (kubectl's GetPodsForDeletion). */
async function podsForDeletion(cli: Cli, podsRi: ResourceInfo, nodeName: string, opts: DrainOptions): Promise<ReturnType<typeof podDeleteList>> {
  const list = await cli.client<Pod>(podsRi).listAll('', { fieldSelector: `spec.nodeName=${nodeName}`, labelSelector: opts.podSelector });
  // Read the DaemonSets the pods name before judging them.
  const daemonSets = new Map<string, 'exists' | { notFound: boolean; message: string }>();
  for (const p of list.items) {
    const ref = controllerRef(p);
    if (!ref || ref.kind !== 'DaemonSet') continue;
    const key = `${p.metadata.namespace ?? ''}/${ref.name}`;
    if (daemonSets.has(key)) continue;
    try {
      await cli.rest().request({ path: `/apis/apps/v1/namespaces/${encodeURIComponent(p.metadata.namespace ?? '')}/daemonsets/${encodeURIComponent(ref.name)}` });
      daemonSets.set(key, 'exists');
    } catch (err) {
      daemonSets.set(key, { notFound: isNotFound(err), message: errorText(err) });
    }
  }
  const lookup: DaemonSetLookup = (ns, name) => daemonSets.get(`${ns}/${name}`) ?? 'exists';
  const flags = drainFlags(opts);
  return podDeleteList(list.items, list.items.map((p) => podVerdict(p, flags, lookup)));
}

async function drainNode(cli: Cli, nodeName: string, opts: DrainOptions, dryRun: DryRun, printer: ResultPrinter): Promise<void> {
  const podsRi = await cli.resource('pods');
  const list = await podsForDeletion(cli, podsRi, nodeName, opts);
  if (list.errors.length > 0) throw new Aggregate(list.errors);
  if (list.warnings) cli.warn(`Warning: ${list.warnings}`);
  if (dryRun === 'client') {
    for (const p of list.pods) cli.print(`evicting pod ${p.metadata.namespace}/${p.metadata.name} (dry run)`);
    return;
  }
  try {
    await deleteOrEvict(cli, podsRi, list.pods, opts, dryRun, printer);
  } catch (err) {
    try {
      const pending = await podsForDeletion(cli, podsRi, nodeName, opts);
      if (pending.pods.length > 0) {
        cli.warn(`There are pending pods in node ${JSON.stringify(nodeName)} when an error occurred: ${errorText(err)}`);
        for (const p of pending.pods) cli.warn(`pod/${p.metadata.name}`);
      }
    } catch (listErr) {
      cli.warn(`Following errors occurred while getting the list of pods to delete:\n${errorText(listErr)}`);
    }
    throw err;
  }
}

function deleteOptions(opts: DrainOptions, dryRun: DryRun): DeleteOptions {
  const o: DeleteOptions = {};
  if (opts.gracePeriod >= 0) o.gracePeriodSeconds = opts.gracePeriod;
  if (dryRun === 'server') o.dryRun = ['All'];
  return o;
}

async function evictionSupported(cli: Cli): Promise<boolean> {
  const pods = (await cli.discovery()).find((ri) => ri.group === '' && ri.plural === 'pods');
  return pods?.subresources.includes('eviction') ?? false;
}

async function deleteOrEvict(cli: Cli, podsRi: ResourceInfo, pods: Pod[], opts: DrainOptions, dryRun: DryRun, printer: ResultPrinter): Promise<void> {
  if (pods.length === 0) return;
  const deadline = opts.timeout > 0 ? Date.now() + opts.timeout : Infinity;
  if (!opts.disableEviction && await evictionSupported(cli)) {
    const results = await Promise.allSettled(pods.map((p) => evictPod(cli, podsRi, p, opts, dryRun, printer, deadline)));
    const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => errorText(r.reason));
    if (errors.length > 0) throw new Aggregate(errors);
    return;
  }
  const client = cli.client<Pod>(podsRi);
  for (const p of pods) {
    try {
      await client.delete(p.metadata.namespace ?? '', p.metadata.name!, deleteOptions(opts, dryRun));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  // A server-side dry run deleted nothing: there is nothing to wait for.
  if (dryRun === 'server') return;
  await waitForDelete(cli, podsRi, pods, 'deleted', opts, printer, deadline);
}

async function evictPod(cli: Cli, podsRi: ResourceInfo, pod: Pod, opts: DrainOptions, dryRun: DryRun, printer: ResultPrinter, deadline: number): Promise<void> {
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name!;
  const id = `pods/${JSON.stringify(name)} -n ${JSON.stringify(ns)}`;
  for (;;) {
    cli.print(dryRun === 'server' ? `evicting pod ${ns}/${name} (server dry run)` : `evicting pod ${ns}/${name}`);
    if (Date.now() > deadline) throw new Error(`error when evicting ${id}: global timeout reached: ${opts.timeout / 1000}s`);
    try {
      await cli.client(podsRi).createSubresource(ns, name, 'eviction', {
        apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns }, deleteOptions: deleteOptions(opts, dryRun),
      });
      break;
    } catch (err) {
      if (isNotFound(err)) return;
      if (err instanceof StatusError && err.code === 429) {
        cli.warn(`error when evicting ${id} (will retry after 5s): ${errorText(err)}`);
        await sleep(EVICTION_RETRY_MS);
        continue;
      }
      throw new Error(`error when evicting ${id}: ${errorText(err)}`);
    }
  }
  if (dryRun === 'server') return;
  try {
    await waitForDelete(cli, podsRi, [pod], 'evicted', opts, printer, deadline);
  } catch (err) {
    throw new Error(`error when waiting for pod ${JSON.stringify(name)} in namespace ${JSON.stringify(ns)} to terminate: ${errorText(err)}`);
  }
}

/**
 * Polls (at once, then every second) until every pod is gone or replaced by a new one of
 * the same name, printing "pod/x <verb>" for each as it goes.
 */
async function waitForDelete(cli: Cli, podsRi: ResourceInfo, pods: Pod[], verb: string, opts: DrainOptions, printer: ResultPrinter, deadline: number): Promise<void> {
  const client = cli.client<Pod>(podsRi);
  let pending = pods;
  for (;;) {
    const still: Pod[] = [];
    for (const p of pending) {
      let current: Pod | undefined;
      try {
        current = await client.get(p.metadata.namespace ?? '', p.metadata.name!);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      if (!current || current.metadata.uid !== p.metadata.uid) {
        printer.print(podsRi, { apiVersion: 'v1', kind: 'Pod', ...p }, verb);
        continue;
      }
      if (shouldSkipPod(current, opts.skipWaitForDeleteTimeout)) {
        cli.print(`pod ${JSON.stringify(p.metadata.name)} has DeletionTimestamp older than ${opts.skipWaitForDeleteTimeout} seconds, skipping`);
        continue;
      }
      still.push(p);
    }
    pending = still;
    if (pending.length === 0) return;
    if (Date.now() >= deadline) throw new Error('context deadline exceeded');
    await sleep(Math.min(POLL_MS, deadline - Date.now()));
  }
}
