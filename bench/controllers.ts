// `npm run bench -- controllers`: the controller manager at scale. In one run, with
// 100 hollow nodes (test/harness/hollow-kubelet.ts: Leases renewed, bound pods made
// Running and Ready, no Docker) and the real kube-scheduler:
//   baseline  1,000 pods created directly through the API at the controller's
//             concurrency (its largest slow-start batch, 500 in flight), timed from
//             the first create until all are Ready;
//   ours      a Deployment of 1,000 replicas, timed from its create until its status
//             says 1,000 available; then a rolling update of its image (25% surge and
//             unavailable, the defaults), timed until the rollout is complete.
//   Jobs      baseline: 1,000 pods that run to completion, created directly with 100
//             in flight, until all Succeeded; ours: a Job of 1,000 completions with
//             parallelism 100, from its create until its Complete condition.
//   DaemonSet baseline: a client replacing the pod on each of the 100 nodes itself,
//             maxUnavailable at a time (delete, create, wait Ready); ours: a DaemonSet
//             on every node rolled to a new image with the same maxUnavailable, until
//             its status says every pod is updated and available.
// Prints the times, pods/s, the ratios to the baseline (targets: available within
// 1.25x, rolling update within 2.5x, the DaemonSet roll within 2x; the Job has none:
// Kubernetes' Job controller syncs a Job at most once a second on pod events
// (syncJobBatchPeriod), ours too, so each of its completions/parallelism waves takes at
// least that second, which the baseline does not wait) and the controller manager's RSS.
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { DaemonSet, Deployment } from '../api/types/apps.js';
import type { Job } from '../api/types/batch.js';
import type { Pod } from '../api/types/core.js';
import type { KubeObject } from '../api/types/meta.js';
import { Informer, informerFor } from '../client/informer.js';
import { resourceClient } from '../client/resource-client.js';
import type { RestClient } from '../client/rest-client.js';
import { startControlPlane, type ControlPlane } from '../test/harness/apiserver.js';
import { adminClient, startControllerManager, startScheduler, type ControllerManagerHandle } from '../test/harness/controllers.js';
import { HollowKubelet } from '../test/harness/hollow-kubelet.js';
import type { ChildHandle } from '../test/harness/processes.js';
import { scaled, SCALE } from './lib/http.js';
import { runLoad } from './lib/load.js';
import { mb, memoryMB } from './lib/proc.js';
import { count, printTable, progress, rate, runCleanups, slowdown, startWatchdog, type Row } from './lib/report.js';

const NODES = scaled(100);
const REPLICAS = scaled(1000);
/** The ReplicaSet controller's burstReplicas: the most pod creates it has in flight. */
const CONCURRENCY = Math.min(500, REPLICAS);
const AVAILABLE_TARGET = 1.25;
const ROLLING_TARGET = 2.5;
const COMPLETIONS = scaled(1000);
const PARALLELISM = Math.min(100, COMPLETIONS);
/** Pods a DaemonSet roll (and its baseline) replaces at once. */
const DS_MAX_UNAVAILABLE = 1;
const DS_TARGET = 2;
/** Pods carrying this label run to completion on the hollow kubelet. */
const RUN_TO_COMPLETION = 'bench.tskube.io/run-to-completion';
const TIMEOUT_MS = 15 * 60_000;
const BASELINE_NS = 'bench-baseline';
const DEPLOY_NS = 'bench-deploy';
const JOB_BASELINE_NS = 'bench-job-baseline';
const JOB_NS = 'bench-job';
const DS_BASELINE_NS = 'bench-ds-baseline';
const DS_NS = 'bench-ds';

const podTemplate = (image: string): NonNullable<Pod['spec']> => ({
  containers: [{ name: 'app', image, resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
  terminationGracePeriodSeconds: 0,
});

/** Resolves once pred holds for the informer's cache, checked on every change. */
function until<T extends KubeObject>(inf: Informer<T>, pred: () => boolean, what: string, every: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    let last = 0;
    const check = (): void => {
      if (pred()) {
        off();
        clearInterval(tick);
        resolve();
      }
    };
    const tick = setInterval(() => {
      if (performance.now() - last > 5000) {
        last = performance.now();
        progress(`  ${what}: ${every()}`);
      }
    }, 1000);
    const off = inf.addEventHandler({ add: check, update: check, delete: check });
    setTimeout(() => { off(); clearInterval(tick); reject(new Error(`timed out waiting for ${what} (${every()})`)); }, TIMEOUT_MS).unref();
    check();
  });
}

const isReady = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

export async function run(): Promise<void> {
  const disarm = startWatchdog('controllers', TIMEOUT_MS * 2);
  const cleanups: (() => Promise<void>)[] = [];
  const notes = [`machine: ${cpus().length} CPUs, Node ${process.version}; etcd, kube-apiserver, kube-scheduler, kube-controller-manager, the hollow kubelet and this client share them`];
  const rows: Row[] = [];
  try {
    progress(`controllers benchmark${SCALE !== 1 ? ` (BENCH_SCALE=${SCALE})` : ''}: ${count(NODES)} hollow nodes, ${count(REPLICAS)} replicas; starting etcd and kube-apiserver on 127.0.0.1`);
    const cp: ControlPlane = await startControlPlane();
    cleanups.push(() => cp.stop());
    const rest: RestClient = adminClient(cp);
    cleanups.push(() => rest.close());
    progress(`setup: ${count(NODES)} hollow nodes, kube-scheduler`);
    const hollow = new HollowKubelet({
      rest, nodes: NODES, workers: 64,
      podPhase: (p) => (p.metadata.labels?.[RUN_TO_COMPLETION] ? 'Succeeded' : 'Running'),
    });
    await hollow.start();
    cleanups.push(() => hollow.stop());
    const scheduler: ChildHandle = startScheduler(cp, [], 'bench');
    cleanups.push(() => scheduler.stop());
    const pods = informerFor<Pod>(rest, 'pods');
    const stop = new AbortController();
    cleanups.push(async () => stop.abort());
    void pods.run(stop.signal);
    await pods.waitForSync();
    const namespaces = resourceClient(rest, 'namespaces');
    for (const ns of [BASELINE_NS, DEPLOY_NS, JOB_BASELINE_NS, JOB_NS, DS_BASELINE_NS, DS_NS]) await namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });

    // Baseline: the same pods, created directly.
    progress(`baseline: ${count(REPLICAS)} pods created directly at c=${CONCURRENCY}, until all Ready`);
    const podClient = resourceClient<Pod>(rest, 'pods');
    const readyIn = (ns: string): number => pods.listByNamespace(ns).filter(isReady).length;
    const t0 = performance.now();
    const load = await runLoad(REPLICAS, CONCURRENCY, async (i) => {
      await podClient.create(BASELINE_NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, labels: { app: 'baseline' } }, spec: podTemplate('bench:v1') });
    });
    if (load.failed) throw new Error(`${load.failed} baseline creates failed: ${load.errors[0]}`);
    await until(pods, () => readyIn(BASELINE_NS) >= REPLICAS, 'baseline pods Ready', () => `${readyIn(BASELINE_NS)}/${REPLICAS}`);
    const baselineMs = performance.now() - t0;
    progress(`  ${count(REPLICAS)} pods Ready in ${(baselineMs / 1000).toFixed(1)} s (${rate(REPLICAS / (baselineMs / 1000))})`);
    progress('  deleting the baseline pods');
    await podClient.deleteCollection(BASELINE_NS, {}, { gracePeriodSeconds: 0 });
    await until(pods, () => pods.listByNamespace(BASELINE_NS).length === 0, 'baseline pods gone', () => `${pods.listByNamespace(BASELINE_NS).length} left`);

    progress('starting kube-controller-manager (all controllers)');
    const cm: ControllerManagerHandle = await startControllerManager(cp, [], 'bench');
    cleanups.push(() => cm.stop());
    const deployments = informerFor<Deployment>(rest, 'deployments.apps', { namespace: DEPLOY_NS });
    void deployments.run(stop.signal);
    await deployments.waitForSync();
    const deployClient = resourceClient<Deployment>(rest, 'deployments.apps');
    const status = (): NonNullable<Deployment['status']> => deployments.get(DEPLOY_NS, 'web')?.status ?? {};
    const fmt = (): string => { const s = status(); return `replicas ${s.replicas ?? 0}, updated ${s.updatedReplicas ?? 0}, available ${s.availableReplicas ?? 0}`; };

    progress(`ours: a Deployment of ${count(REPLICAS)} replicas, until all available`);
    const t1 = performance.now();
    await deployClient.create(DEPLOY_NS, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: {
        replicas: REPLICAS, selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: podTemplate('bench:v1') },
      },
    });
    await until(deployments, () => (status().availableReplicas ?? 0) >= REPLICAS, 'deployment available', fmt);
    const availableMs = performance.now() - t1;
    progress(`  available in ${(availableMs / 1000).toFixed(1)} s (${rate(REPLICAS / (availableMs / 1000))})`);
    const rssAfterCreate = (await memoryMB(cm.pid)).rss;

    progress('ours: a rolling update of its image, until complete');
    const t2 = performance.now();
    const updated = await deployClient.patch(DEPLOY_NS, 'web', 'strategic', { spec: { template: { spec: { containers: [{ name: 'app', image: 'bench:v2' }] } } } });
    const gen = updated.metadata.generation ?? 0;
    await until(deployments, () => {
      const d = deployments.get(DEPLOY_NS, 'web');
      const s = d?.status ?? {};
      return (s.observedGeneration ?? 0) >= gen && s.updatedReplicas === REPLICAS && s.replicas === REPLICAS && s.availableReplicas === REPLICAS;
    }, 'rollout complete', fmt);
    const rollingMs = performance.now() - t2;
    progress(`  rolled in ${(rollingMs / 1000).toFixed(1)} s (${rate(REPLICAS / (rollingMs / 1000))} new pods)`);
    const mem = await memoryMB(cm.pid);

    const row = (figure: string, ours: number, target: number): Row => ({
      figure, ours: `${(ours / 1000).toFixed(1)} s (${rate(REPLICAS / (ours / 1000))})`,
      baseline: `${(baselineMs / 1000).toFixed(1)} s (${rate(REPLICAS / (baselineMs / 1000))})`,
      ratio: slowdown(ours, baselineMs), target: `<= ${target}x`, met: ours / baselineMs <= target,
    });
    rows.push(row(`deployment of ${count(REPLICAS)}: create to all available`, availableMs, AVAILABLE_TARGET));
    rows.push(row(`rolling update of ${count(REPLICAS)} to complete`, rollingMs, ROLLING_TARGET));

    rows.push(await jobBenchmark(rest, pods, stop.signal));
    rows.push(await daemonSetBenchmark(rest, pods, hollow.nodeNames, stop.signal));
    const memAll = await memoryMB(cm.pid);
    rows.push({ figure: 'kube-controller-manager RSS (after create / after rollout; peak)', ours: `${mb(rssAfterCreate)} / ${mb(mem.rss)}; ${mb(memAll.hwm)}`, baseline: '', ratio: '', target: '' });
    printTable(`controllers: ${count(NODES)} hollow nodes, baseline = the same pods created directly (c=${CONCURRENCY}; Job c=${PARALLELISM}; DaemonSet ${DS_MAX_UNAVAILABLE} node at a time)`, rows);
    for (const n of notes) console.log(`note: ${n}`);
  } finally {
    await runCleanups(cleanups);
    disarm();
  }
}

/**
 * Baseline: COMPLETIONS pods that run to completion, created directly with PARALLELISM
 * in flight, until all Succeeded. Ours: a Job of COMPLETIONS completions and that
 * parallelism, from its create until its Complete condition.
 */
async function jobBenchmark(rest: RestClient, pods: Informer<Pod>, signal: AbortSignal): Promise<Row> {
  const podClient = resourceClient<Pod>(rest, 'pods');
  const succeededIn = (ns: string): number => pods.listByNamespace(ns).filter((p) => p.status?.phase === 'Succeeded').length;
  const spec = (): NonNullable<Pod['spec']> => ({ ...podTemplate('bench-job:v1'), restartPolicy: 'Never' });
  progress(`baseline: ${count(COMPLETIONS)} pods that run to completion, created directly at c=${PARALLELISM}, until all Succeeded`);
  const t0 = performance.now();
  const load = await runLoad(COMPLETIONS, PARALLELISM, async (i) => {
    await podClient.create(JOB_BASELINE_NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, labels: { [RUN_TO_COMPLETION]: 'true' } }, spec: spec() });
  });
  if (load.failed) throw new Error(`${load.failed} baseline creates failed: ${load.errors[0]}`);
  await until(pods, () => succeededIn(JOB_BASELINE_NS) >= COMPLETIONS, 'baseline pods Succeeded', () => `${succeededIn(JOB_BASELINE_NS)}/${COMPLETIONS}`);
  const baselineMs = performance.now() - t0;
  progress(`  ${count(COMPLETIONS)} pods Succeeded in ${(baselineMs / 1000).toFixed(1)} s (${rate(COMPLETIONS / (baselineMs / 1000))})`);

  const jobs = informerFor<Job>(rest, 'jobs.batch', { namespace: JOB_NS });
  void jobs.run(signal);
  await jobs.waitForSync();
  const status = (): NonNullable<Job['status']> => jobs.get(JOB_NS, 'work')?.status ?? {};
  const complete = (): boolean => (status().conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True');
  progress(`ours: a Job of ${count(COMPLETIONS)} completions, parallelism ${PARALLELISM}, until Complete`);
  const t1 = performance.now();
  await resourceClient<Job>(rest, 'jobs.batch').create(JOB_NS, {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'work' },
    spec: {
      completions: COMPLETIONS, parallelism: PARALLELISM,
      template: { metadata: { labels: { [RUN_TO_COMPLETION]: 'true' } }, spec: spec() },
    },
  });
  await until(jobs, complete, 'job Complete', () => `succeeded ${status().succeeded ?? 0}, active ${status().active ?? 0}`);
  const jobMs = performance.now() - t1;
  progress(`  Complete in ${(jobMs / 1000).toFixed(1)} s (${rate(COMPLETIONS / (jobMs / 1000))})`);
  return {
    figure: `Job of ${count(COMPLETIONS)} completions (parallelism ${PARALLELISM}): create to Complete`,
    ours: `${(jobMs / 1000).toFixed(1)} s (${rate(COMPLETIONS / (jobMs / 1000))})`,
    baseline: `${(baselineMs / 1000).toFixed(1)} s (${rate(COMPLETIONS / (baselineMs / 1000))})`,
    ratio: slowdown(jobMs, baselineMs), target: `(${Math.ceil(COMPLETIONS / PARALLELISM)} waves, 1 s batching each)`,
  };
}

/** A daemon pod's spec pinned to one node the way the DaemonSet controller pins it. */
const daemonPodSpec = (image: string, node?: string): NonNullable<Pod['spec']> => ({
  ...podTemplate(image),
  ...(node ? {
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] } } },
  } : {}),
});

/**
 * Baseline: one pod per node created directly, then replaced by a client
 * DS_MAX_UNAVAILABLE node at a time (delete, create the new one, wait until Ready).
 * Ours: a DaemonSet on every node, rolled to a new image with the same maxUnavailable,
 * until every pod is updated and available.
 */
async function daemonSetBenchmark(rest: RestClient, pods: Informer<Pod>, nodes: string[], signal: AbortSignal): Promise<Row> {
  const podClient = resourceClient<Pod>(rest, 'pods');
  const podOn = (node: string, image: string): Pod | undefined => pods.listByNamespace(DS_BASELINE_NS)
    .find((p) => p.spec?.nodeName === node && p.spec.containers[0]?.image === image && !p.metadata.deletionTimestamp);
  progress(`baseline: one pod on each of ${count(nodes.length)} nodes, replaced directly ${DS_MAX_UNAVAILABLE} node at a time`);
  await Promise.all(nodes.map((node, i) => podClient.create(DS_BASELINE_NS, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: `daemon-${i}-v1` }, spec: daemonPodSpec('bench-ds:v1', node),
  })));
  await until(pods, () => nodes.every((n) => { const p = podOn(n, 'bench-ds:v1'); return p !== undefined && isReady(p); }), 'baseline daemon pods Ready', () => `${pods.listByNamespace(DS_BASELINE_NS).filter(isReady).length}/${nodes.length}`);
  const t0 = performance.now();
  for (let start = 0; start < nodes.length; start += DS_MAX_UNAVAILABLE) {
    const batch = nodes.slice(start, start + DS_MAX_UNAVAILABLE);
    await Promise.all(batch.map(async (node) => {
      const i = nodes.indexOf(node);
      await podClient.delete(DS_BASELINE_NS, `daemon-${i}-v1`);
      await podClient.create(DS_BASELINE_NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: `daemon-${i}-v2` }, spec: daemonPodSpec('bench-ds:v2', node) });
    }));
    await until(pods, () => batch.every((n) => { const p = podOn(n, 'bench-ds:v2'); return p !== undefined && isReady(p); }), 'baseline batch Ready', () => `${start}/${nodes.length} replaced`);
  }
  const baselineMs = performance.now() - t0;
  progress(`  replaced in ${(baselineMs / 1000).toFixed(1)} s`);

  const daemonSets = informerFor<DaemonSet>(rest, 'daemonsets.apps', { namespace: DS_NS });
  void daemonSets.run(signal);
  await daemonSets.waitForSync();
  const dsClient = resourceClient<DaemonSet>(rest, 'daemonsets.apps');
  const status = (): NonNullable<DaemonSet['status']> => daemonSets.get(DS_NS, 'agent')?.status ?? ({} as NonNullable<DaemonSet['status']>);
  const fmt = (): string => { const s = status(); return `desired ${s.desiredNumberScheduled ?? 0}, updated ${s.updatedNumberScheduled ?? 0}, available ${s.numberAvailable ?? 0}`; };
  const settled = (gen: number): boolean => {
    const s = status();
    return (s.observedGeneration ?? 0) >= gen && s.desiredNumberScheduled === nodes.length
      && s.updatedNumberScheduled === nodes.length && s.numberAvailable === nodes.length;
  };
  progress(`ours: a DaemonSet on ${count(nodes.length)} nodes, until every pod is available`);
  const created = await dsClient.create(DS_NS, {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: DS_MAX_UNAVAILABLE, maxSurge: 0 } },
      template: { metadata: { labels: { app: 'agent' } }, spec: daemonPodSpec('bench-ds:v1') },
    },
  });
  await until(daemonSets, () => settled(created.metadata.generation ?? 1), 'daemonset available', fmt);
  progress(`ours: rolling the DaemonSet to a new image, ${DS_MAX_UNAVAILABLE} node at a time`);
  const t1 = performance.now();
  const updated = await dsClient.patch(DS_NS, 'agent', 'strategic', { spec: { template: { spec: { containers: [{ name: 'app', image: 'bench-ds:v2' }] } } } });
  await until(daemonSets, () => settled(updated.metadata.generation ?? 0), 'daemonset rollout complete', fmt);
  const rollMs = performance.now() - t1;
  progress(`  rolled in ${(rollMs / 1000).toFixed(1)} s`);
  return {
    figure: `DaemonSet rolled across ${count(nodes.length)} nodes (maxUnavailable ${DS_MAX_UNAVAILABLE})`,
    ours: `${(rollMs / 1000).toFixed(1)} s`, baseline: `${(baselineMs / 1000).toFixed(1)} s`,
    ratio: slowdown(rollMs, baselineMs), target: `<= ${DS_TARGET}x`, met: rollMs / baselineMs <= DS_TARGET,
  };
}
