// `npm run bench -- controllers`: the controller manager at scale. In one run, with
// 100 hollow nodes (test/harness/hollow-kubelet.ts: Leases renewed, bound pods made
// Running and Ready, no Docker) and the real kube-scheduler:
//   baseline  1,000 pods created directly through the API at the controller's
//             concurrency (its largest slow-start batch, 500 in flight), timed from
//             the first create until all are Ready;
//   ours      a Deployment of 1,000 replicas, timed from its create until its status
//             says 1,000 available; then a rolling update of its image (25% surge and
//             unavailable, the defaults), timed until the rollout is complete.
// Prints the times, pods/s, the ratios to the baseline (targets: available within
// 1.25x, rolling update within 2.5x) and the controller manager's RSS.
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Deployment } from '../api/types/apps.js';
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
const TIMEOUT_MS = 15 * 60_000;
const BASELINE_NS = 'bench-baseline';
const DEPLOY_NS = 'bench-deploy';

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
    const hollow = new HollowKubelet({ rest, nodes: NODES, workers: 64 });
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
    for (const ns of [BASELINE_NS, DEPLOY_NS]) await namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });

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
    rows.push({ figure: 'kube-controller-manager RSS (after create / after rollout; peak)', ours: `${mb(rssAfterCreate)} / ${mb(mem.rss)}; ${mb(mem.hwm)}`, baseline: '', ratio: '', target: '' });
    printTable(`controllers: ${count(NODES)} hollow nodes, baseline = the same pods created directly at c=${CONCURRENCY}`, rows);
    for (const n of notes) console.log(`note: ${n}`);
  } finally {
    await runCleanups(cleanups);
    disarm();
  }
}
