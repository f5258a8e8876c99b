// The scheduler benchmark: etcd, the kube-apiserver and the real scheduler process
// (dist/scheduler/kube-scheduler.js) with 5,000 hollow nodes (Node objects, no kubelet), measured
// against bindings posted directly, with no scheduling logic, in the same run.
//
//   ours      10,000 pods (cpu and memory requests) POSTed at c=64; the scheduler filters,
//             scores and binds them; pods/s from the first create to the last binding
//             seen by a watch
//   anti-affinity  10,000 more pods in 4 groups, each with required podAntiAffinity to its
//             own group on kubernetes.io/hostname (at most one per group on a node), the same way
//   spread    10,000 more pods with a topologySpreadConstraint (maxSkew 1 over the 3
//             zones, DoNotSchedule), the same way; both compared with ours (same pods
//             without the constraint), as scheduler_perf's SchedulingPodAntiAffinity and
//             TopologySpreading workloads are
//   baseline  10,000 pods POSTed at c=64 the same way, each bound as soon as its create
//             answers by this process (round-robin over the nodes, c=64); same clock
//   RSS       the scheduler's VmRSS while it schedules
//
// See bench/README.md for how to read the figures.
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import type { Pod } from '../api/types/core.js';
import { NODE_FLAGS } from '../client/node-flags.js';
import { componentCommand, type ControlPlane } from '../test/harness/apiserver.js';
import { spawnProcess, type ChildHandle } from '../test/harness/processes.js';
import { call, HttpError, SCALE, scaled } from './lib/http.js';
import { runLoad } from './lib/load.js';
import { cpuSeconds, machineCpu, mb, memoryMB } from './lib/proc.js';
import { startProfiledControlPlane, withCpuProfile } from './lib/profiled.js';
import { count, ms, printTable, progress, rate, runCleanups, runPhases, startWatchdog, throughputRatio, type Row } from './lib/report.js';
import { summarize } from './lib/stats.js';

const NODES = scaled(5000);
const PODS = scaled(10_000);
const WARMUP_PODS = scaled(300);
/** The baseline's path (creates and bindings) is warmed with more: its first half comes right after. */
const BIND_WARMUP_PODS = scaled(1000);
const CONCURRENCY = 64;
/** scheduler_perf's node template: 4 CPUs, 32Gi, 110 pods. */
const NODE_ALLOCATABLE = { cpu: '4', memory: '32Gi', pods: '110', 'ephemeral-storage': '100Gi' };
/** scheduler_perf's pod-default.yaml requests. */
const POD_REQUESTS = { cpu: '100m', memory: '500Mi' };

const RATE_TARGET = 700;
const RATIO_TARGET = 0.9;
/** Issue 18's targets: the constrained workloads against the same pods without the constraint. */
const ANTI_AFFINITY_TARGET = 0.5;
const SPREAD_TARGET = 0.7;
/** Anti-affinity groups: a node holds at most one pod of each, so 4 x 5,000 nodes leave room for 10,000. */
const ANTI_AFFINITY_GROUPS = 4;

const WARMUP_NAMESPACE = 'bench-sched-warmup';
const OURS_NAMESPACE = 'bench-sched';
const ANTI_NAMESPACE = 'bench-sched-anti';
const SPREAD_NAMESPACE = 'bench-sched-spread';
const BIND_WARMUP_NAMESPACE = 'bench-bind-warmup';
/** The baseline runs in two halves, before and after ours, so a drifting machine load weighs on both sides alike. */
const BASELINE_NAMESPACES = ['bench-bind-before', 'bench-bind-after'] as const;
const BASELINE_HALVES = [Math.floor(PODS / 2), PODS - Math.floor(PODS / 2)] as const;
/** The baseline's pods name a scheduler nobody runs, so no scheduler would touch them. */
const BIND_ONLY_SCHEDULER = 'bench-bind-only';

/** A run gives up when no binding has been seen for this long. */
const STALL_MS = 60_000;
const RSS_SAMPLE_MS = 250;
const DEADLINE_MS = 12 * 60_000;

const nodeName = (i: number): string => `hollow-node-${String(i).padStart(5, '0')}`;
const podName = (i: number): string => `sched-${String(i).padStart(6, '0')}`;
const POD_NAME_RE = /"name":"(sched-\d{6})"/;

function nodeBody(i: number): string {
  const name = nodeName(i);
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': 'hollow', 'topology.kubernetes.io/zone': `zone-${i % 3}`,
      },
    },
    spec: {},
    status: {
      capacity: NODE_ALLOCATABLE,
      allocatable: NODE_ALLOCATABLE,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'hollow node (no kubelet)' }],
      addresses: [{ type: 'InternalIP', address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }, { type: 'Hostname', address: name }],
    },
  });
}

/** The pods of a run: plain, or with one of the constraints issue 18 measures. */
type Shape = 'plain' | 'anti-affinity' | 'spread';

function podBody(i: number, namespace: string, schedulerName: string, shape: Shape = 'plain'): string {
  const group = `g${i % ANTI_AFFINITY_GROUPS}`;
  const labels: Record<string, string> = { app: 'scheduler-bench', 'bench.tskube.io/index': String(i) };
  if (shape === 'anti-affinity') labels['bench.tskube.io/group'] = group;
  const affinity = shape === 'anti-affinity'
    ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { 'bench.tskube.io/group': group } }, topologyKey: 'kubernetes.io/hostname' }] } }
    : undefined;
  const topologySpreadConstraints = shape === 'spread'
    ? [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'scheduler-bench' } } }]
    : undefined;
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: podName(i), namespace, labels },
    spec: {
      schedulerName,
      affinity,
      topologySpreadConstraints,
      containers: [{
        name: 'pause',
        image: 'registry.k8s.io/pause:3.10',
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        resources: { requests: POD_REQUESTS, limits: POD_REQUESTS },
      }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
    },
  });
}

function bindingBody(i: number, namespace: string, node: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: podName(i), namespace }, target: { apiVersion: 'v1', kind: 'Node', name: node } });
}

/** What one run (ours or baseline) measured. */
interface RunResult {
  pods: number;
  created: number;
  bound: number;
  /** First create sent -> last binding seen by the watch. */
  elapsedMs: number;
  /** First create sent -> last create answered. */
  createMs: number;
  /** Per pod: create sent -> bound seen. */
  latencies: number[];
  createErrors: string[];
  bindErrors: string[];
  stalled: boolean;
  apiserverCpu: number;
  etcdCpu: number;
  /** This benchmark process's own CPU seconds (creates, its bindings, the watch). */
  clientCpu: number;
  /** Share of the machine's CPU time that was busy (every process, not only ours). */
  machineBusy: number;
  /** The scheduler's CPU seconds (ours only). */
  schedulerCpu?: number;
  rssPeak?: number;
  rssEnd?: number;
  hwm?: number;
  /** Constrained runs: placements that break the constraint (0 when it held). */
  violations?: number;
}

interface Context {
  cp: ControlPlane;
  api: Pool;
  scheduler?: ChildHandle;
  rows: Row[];
  notes: string[];
  cleanups: (() => Promise<void>)[];
  ours?: RunResult;
  anti?: RunResult;
  spread?: RunResult;
  /** The two halves of the baseline, before and after ours. */
  baseline: RunResult[];
  nodesCreated: number;
  /** Round-robin position of the baseline's bindings. */
  nextNode: number;
}

export async function run(): Promise<void> {
  const disarm = startWatchdog('scheduler', DEADLINE_MS);

  progress(`scheduler benchmark${SCALE !== 1 ? ` (BENCH_SCALE=${SCALE})` : ''}: ${count(NODES)} hollow nodes, ${count(PODS)} pods; starting etcd and kube-apiserver on 127.0.0.1`);
  const cp = await startProfiledControlPlane();
  const ctx: Context = {
    cp,
    api: new Pool(cp.url, { connections: 2 * CONCURRENCY + 8, pipelining: 1, headersTimeout: 60_000, bodyTimeout: 60_000 }),
    rows: [],
    notes: [`machine: ${cpus().length} CPUs, Node ${process.version}; etcd, kube-apiserver, the scheduler and this client share them`],
    cleanups: [],
    baseline: [],
    nodesCreated: 0,
    nextNode: 0,
  };
  progress(`etcd at ${cp.etcd.endpoint} (pid ${cp.etcd.pid}), kube-apiserver at ${cp.url} (pid ${cp.apiserver.pid})`);
  const phases: [string, (c: Context) => Promise<void>][] = [
    ['setup', setup],
    ['baseline (first half)', (c) => baseline(c, 0)],
    ['scheduler start', startScheduler],
    ['ours', ours],
    ['ours (anti-affinity)', (c) => constrained(c, 'anti-affinity')],
    ['ours (topology spread)', (c) => constrained(c, 'spread')],
    ['scheduler stop', stopScheduler],
    ['baseline (second half)', (c) => baseline(c, 1)],
  ];
  try {
    await runPhases(ctx, phases);
    report(ctx);
  } finally {
    progress('stopping: scheduler, watches, connections, kube-apiserver and etcd');
    await runCleanups(ctx.cleanups);
    await ctx.scheduler?.stop();
    await ctx.api.destroy().catch(() => undefined);
    await cp.stop();
    disarm();
    progress('stopped');
  }
}

async function setup(ctx: Context): Promise<void> {
  for (const ns of [WARMUP_NAMESPACE, OURS_NAMESPACE, ANTI_NAMESPACE, SPREAD_NAMESPACE, BIND_WARMUP_NAMESPACE, ...BASELINE_NAMESPACES]) {
    await call(ctx.api, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }), [201]);
  }
  progress(`setup: creating ${count(NODES)} hollow nodes (allocatable cpu ${NODE_ALLOCATABLE.cpu}, memory ${NODE_ALLOCATABLE.memory}, pods ${NODE_ALLOCATABLE.pods}; Ready) at c=${CONCURRENCY}`);
  const step = Math.max(1, Math.round(NODES / 5));
  const nodes = await runLoad(NODES, CONCURRENCY, async (i) => {
    await call(ctx.api, 'POST', '/api/v1/nodes', nodeBody(i), [201]);
    if (++ctx.nodesCreated % step === 0) progress(`  ${count(ctx.nodesCreated)} nodes`);
  });
  progress(`  ${count(nodes.ok)} nodes in ${(nodes.elapsedMs / 1000).toFixed(1)} s (${rate(nodes.perSecond)})${nodes.failed ? `, ${nodes.failed} FAILED (first: ${nodes.errors[0]})` : ''}`);
  if (nodes.failed) throw new Error(`${nodes.failed} nodes could not be created: ${nodes.errors[0]}`);
  progress(`setup: warming up the baseline's path, ${count(BIND_WARMUP_PODS)} pods created and bound by this process (not measured)`);
  await measure(ctx, BIND_WARMUP_NAMESPACE, BIND_WARMUP_PODS, BIND_ONLY_SCHEDULER, () => nodeName(ctx.nextNode++ % NODES), 'warm-up');
}

/** Starts the scheduler and has it schedule the warm-up pods. */
async function startScheduler(ctx: Context): Promise<void> {
  const level = process.env.BENCH_SCHEDULER_LOG_LEVEL ?? 'warn';
  const logFile = process.env.BENCH_SCHEDULER_LOG ?? join(ctx.cp.dir, 'scheduler.log');
  // With the Node flags it runs with everywhere else (client/node-flags.ts), as the apiserver here.
  ctx.scheduler = await withCpuProfile(process.env.BENCH_SCHEDULER_CPU_PROF, 'scheduler', async () => spawnProcess(process.execPath, [
    ...NODE_FLAGS['kube-scheduler'], ...componentCommand('scheduler'), '--master', ctx.cp.url, '--leader-elect', 'false', '--log-level', level,
  ], { logFile }));
  progress(`kube-scheduler started (pid ${ctx.scheduler.pid}, --leader-elect false, log level ${level})${process.env.BENCH_SCHEDULER_CPU_PROF ? `; it writes a CPU profile under ${process.env.BENCH_SCHEDULER_CPU_PROF} when it stops` : ''}`);

  // The warm-up pods also tell when the scheduler has synced its caches and leads.
  progress(`warming up the scheduler, ${count(WARMUP_PODS)} pods scheduled by it (not measured)`);
  const warm = await measure(ctx, WARMUP_NAMESPACE, WARMUP_PODS, 'default-scheduler', undefined, 'warm-up');
  if (warm.bound < warm.created || warm.created === 0) {
    throw new Error(`warm-up: only ${warm.bound} of ${warm.created} pods were bound (scheduler log: ${ctx.scheduler.logFile})`);
  }
  // Its event client writes 50 a second: let the warm-up's Scheduled events go out first,
  // so the measured pods' events are not queued behind them.
  progress(`waiting for the warm-up pods' Scheduled events`);
  const t0 = performance.now();
  let written = 0;
  let grewAt = t0;
  while (written < warm.bound && performance.now() - grewAt < 5000 && performance.now() - t0 < 30_000) {
    await sleep(500);
    const now = await scheduledEvents(ctx, WARMUP_NAMESPACE);
    if (now > written) grewAt = performance.now();
    written = now;
  }
  progress(`  ${count(written)} of ${count(warm.bound)} written after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** How many Scheduled events the namespace has. */
async function scheduledEvents(ctx: Context, namespace: string): Promise<number> {
  const list = JSON.parse(await call(ctx.api, 'GET', `/api/v1/namespaces/${namespace}/events?fieldSelector=reason=Scheduled`)) as { items: unknown[] };
  return list.items.length;
}

async function ours(ctx: Context): Promise<void> {
  const sched = ctx.scheduler;
  if (!sched?.running) throw new Error('the scheduler is not running');
  progress(`ours: ${count(PODS)} pods (requests cpu ${POD_REQUESTS.cpu}, memory ${POD_REQUESTS.memory}) POSTed at c=${CONCURRENCY}; the scheduler binds them`);
  const schedCpu0 = await cpuSeconds(sched.pid);
  let rssPeak = 0;
  const sampler = setInterval(() => {
    void memoryMB(sched.pid).then((m) => { if (m.rss > rssPeak) rssPeak = m.rss; });
  }, RSS_SAMPLE_MS);
  let r: RunResult;
  try {
    r = await measure(ctx, OURS_NAMESPACE, PODS, 'default-scheduler', undefined, 'ours');
  } finally {
    clearInterval(sampler);
  }
  r.schedulerCpu = (await cpuSeconds(sched.pid)) - schedCpu0;
  const m = await memoryMB(sched.pid);
  r.rssPeak = Math.max(rssPeak, m.rss);
  r.rssEnd = m.rss;
  r.hwm = m.hwm;
  ctx.ours = r;
  progress(`  scheduler used ${r.schedulerCpu.toFixed(1)} s CPU; VmRSS ${mb(r.rssEnd)} now, ${mb(r.rssPeak)} highest sample, VmHWM ${mb(r.hwm)}`);
}

/** The same number of pods with a constraint, scheduled by the same scheduler after ours. */
async function constrained(ctx: Context, shape: Exclude<Shape, 'plain'>): Promise<void> {
  const sched = ctx.scheduler;
  if (!sched?.running) throw new Error('the scheduler is not running');
  const what = shape === 'anti-affinity'
    ? `required podAntiAffinity to their group (${ANTI_AFFINITY_GROUPS} groups) on kubernetes.io/hostname`
    : 'a topologySpreadConstraint (maxSkew 1 on topology.kubernetes.io/zone, DoNotSchedule)';
  progress(`ours (${shape}): ${count(PODS)} pods with ${what} POSTed at c=${CONCURRENCY}; the scheduler binds them`);
  const cpu0 = await cpuSeconds(sched.pid);
  const r = await measure(ctx, shape === 'anti-affinity' ? ANTI_NAMESPACE : SPREAD_NAMESPACE, PODS, 'default-scheduler', undefined, shape, shape);
  r.schedulerCpu = (await cpuSeconds(sched.pid)) - cpu0;
  if (shape === 'anti-affinity') ctx.anti = r;
  else ctx.spread = r;
  // The constraint held: checked on the bound pods, not taken on trust.
  const list = JSON.parse(await call(ctx.api, 'GET', `/api/v1/namespaces/${shape === 'anti-affinity' ? ANTI_NAMESPACE : SPREAD_NAMESPACE}/pods?resourceVersion=0`)) as { items: Pod[] };
  const bound = list.items.filter((p) => p.spec?.nodeName);
  if (shape === 'anti-affinity') {
    const seen = new Set<string>();
    let clashes = 0;
    for (const p of bound) {
      const key = `${p.spec!.nodeName}/${p.metadata.labels?.['bench.tskube.io/group']}`;
      if (seen.has(key)) clashes++;
      seen.add(key);
    }
    r.violations = clashes;
    ctx.notes.push(`anti-affinity: ${count(bound.length)} pods bound; ${clashes} node(s) with two pods of one group`);
  } else {
    const zones = new Map<string, number>();
    for (const p of bound) {
      const zone = `zone-${Number(p.spec!.nodeName!.slice('hollow-node-'.length)) % 3}`;
      zones.set(zone, (zones.get(zone) ?? 0) + 1);
    }
    const counts = [...zones.values()];
    const skew = Math.max(...counts) - Math.min(...counts);
    r.violations = skew > 1 ? 1 : 0;
    ctx.notes.push(`spread: ${count(bound.length)} pods bound, per zone ${[...zones].sort().map(([z, n]) => `${z} ${n}`).join(', ')} (skew ${skew})`);
  }
  progress(`  scheduler used ${r.schedulerCpu.toFixed(1)} s CPU`);
}

async function stopScheduler(ctx: Context): Promise<void> {
  const sched = ctx.scheduler;
  if (!sched) return;
  // Stopped before the baseline so it does not compete for the CPUs; on SIGTERM it
  // waits for its event writes (up to 2 s) before exiting.
  progress('ours: stopping the scheduler (SIGTERM)');
  await sched.stop();
  const { code, signal } = await sched.exited;
  if (code !== 0) ctx.notes.push(`scheduler exited with code ${code} signal ${signal}; log ${sched.logFile}`);
  const pods = JSON.parse(await call(ctx.api, 'GET', `/api/v1/namespaces/${OURS_NAMESPACE}/pods?resourceVersion=0`)) as { items: Pod[] };
  const scheduled = pods.items.filter((p) => p.spec?.nodeName && p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'True')).length;
  ctx.notes.push(`ours: ${count(scheduled)} pods bound with PodScheduled=True; ${count(await scheduledEvents(ctx, OURS_NAMESPACE))} Scheduled events written by the time the scheduler stopped `
    + '(its event client writes at most 50/s, burst 100, and drops events beyond 1,000 waiting, as kube-scheduler\'s)');
}

async function baseline(ctx: Context, half: 0 | 1): Promise<void> {
  const n = BASELINE_HALVES[half];
  progress(`baseline, ${half === 0 ? 'first half (before ours, no scheduler running)' : 'second half (after ours, the scheduler stopped)'}: ${count(n)} pods POSTed at c=${CONCURRENCY}; `
    + `each bound by this process as its create answers (round-robin over ${count(NODES)} nodes, c=${CONCURRENCY})`);
  ctx.baseline[half] = await measure(ctx, BASELINE_NAMESPACES[half], n, BIND_ONLY_SCHEDULER, () => nodeName(ctx.nextNode++ % NODES), `baseline ${half + 1}/2`);
}

/** The two halves as one run: counts, times and CPU added, latencies pooled. */
function joinHalves(halves: RunResult[]): RunResult | undefined {
  const [a, b] = halves;
  if (!a || !b) return undefined;
  const elapsedMs = a.elapsedMs + b.elapsedMs;
  return {
    pods: a.pods + b.pods, created: a.created + b.created, bound: a.bound + b.bound, elapsedMs, createMs: a.createMs + b.createMs,
    latencies: [...a.latencies, ...b.latencies], createErrors: [...a.createErrors, ...b.createErrors], bindErrors: [...a.bindErrors, ...b.bindErrors],
    stalled: a.stalled || b.stalled, apiserverCpu: a.apiserverCpu + b.apiserverCpu, etcdCpu: a.etcdCpu + b.etcdCpu, clientCpu: a.clientCpu + b.clientCpu,
    machineBusy: (a.machineBusy * a.elapsedMs + b.machineBusy * b.elapsedMs) / elapsedMs,
  };
}

/** A FIFO of pod indexes the bind workers take from; take() waits; undefined once closed and empty. */
class BindQueue {
  private readonly items: number[] = [];
  private head = 0;
  private readonly waiters: ((i: number | undefined) => void)[] = [];
  private closed = false;
  push(i: number): void {
    const w = this.waiters.shift();
    if (w) w(i);
    else this.items.push(i);
  }
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }
  take(): Promise<number | undefined> {
    if (this.head < this.items.length) return Promise.resolve(this.items[this.head++]);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/**
 * Creates n pods in namespace at c=64 and waits until a watch on the namespace's bound
 * pods has seen each one bound. With bindTo, this process posts each pod's binding once
 * its create answered (c=64 bind workers); without, the scheduler binds them.
 */
async function measure(ctx: Context, namespace: string, n: number, schedulerName: string, bindTo: (() => string) | undefined, label: string, shape: Shape = 'plain'): Promise<RunResult> {
  const { api, cp } = ctx;
  const rv = (JSON.parse(await call(api, 'GET', `/api/v1/namespaces/${namespace}/pods?limit=1`)) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const sentAt = new Float64Array(n).fill(NaN);
  const boundAt = new Float64Array(n).fill(NaN);
  let bound = 0;
  let lastBound = NaN;
  let onAllBound: () => void = () => undefined;
  let created = 0;
  let createsDone = false;
  const maybeDone = (): void => {
    if (createsDone && bound >= created) onAllBound();
  };
  const allBound = new Promise<void>((resolve) => { onAllBound = resolve; });
  const closeWatch = await watchBound(ctx, namespace, rv, (i, at) => {
    if (i >= n || !Number.isNaN(boundAt[i])) return;
    boundAt[i] = at;
    lastBound = at;
    bound++;
    maybeDone();
  });
  const bodies = Array.from({ length: n }, (_, i) => podBody(i, namespace, schedulerName, shape));

  const queue = new BindQueue();
  const bindErrors: string[] = [];
  const binders = bindTo
    ? Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      for (let i = await queue.take(); i !== undefined; i = await queue.take()) {
        await call(api, 'POST', `/api/v1/namespaces/${namespace}/pods/${podName(i)}/binding`, bindingBody(i, namespace, bindTo()), [201]).catch((err: unknown) => {
          if (bindErrors.length < 5) bindErrors.push(err instanceof Error ? err.message : String(err));
        });
      }
    }))
    : Promise.resolve([]);

  const apiCpu0 = await cpuSeconds(cp.apiserver.pid);
  const etcdCpu0 = await cpuSeconds(cp.etcd.pid);
  const machine0 = await machineCpu();
  const client0 = process.cpuUsage();
  const ticker = setInterval(() => {
    progress(`  ${label}: ${count(created)} created, ${count(bound)} bound`);
  }, 2000);
  const start = performance.now();
  let loadMs = NaN;
  try {
    const load = await runLoad(n, CONCURRENCY, async (i) => {
      sentAt[i] = performance.now();
      await call(api, 'POST', `/api/v1/namespaces/${namespace}/pods`, bodies[i], [201]);
      created++;
      if (bindTo) queue.push(i);
    });
    loadMs = performance.now() - start;
    createsDone = true;
    queue.close();
    maybeDone();
    // Wait for the rest, as long as bindings keep coming.
    for (;;) {
      const before = bound;
      const timedOut = await Promise.race([allBound.then(() => false), sleep(STALL_MS, true, { ref: false })]);
      if (!timedOut || bound === before) break;
    }
    await binders;
    const elapsedMs = (Number.isNaN(lastBound) ? performance.now() : lastBound) - start;
    const latencies: number[] = [];
    for (let i = 0; i < n; i++) if (!Number.isNaN(boundAt[i])) latencies.push(boundAt[i] - sentAt[i]);
    const result: RunResult = {
      pods: n, created, bound, elapsedMs, createMs: loadMs, latencies,
      createErrors: load.errors, bindErrors, stalled: bound < created,
      apiserverCpu: (await cpuSeconds(cp.apiserver.pid)) - apiCpu0,
      etcdCpu: (await cpuSeconds(cp.etcd.pid)) - etcdCpu0,
      clientCpu: ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(client0)),
      machineBusy: ((m) => (m.busy - machine0.busy) / (m.total - machine0.total))(await machineCpu()),
    };
    const s = summarize(latencies);
    progress(`  ${label}: ${count(created)} created in ${(loadMs / 1000).toFixed(2)} s, ${count(bound)} bound ${(elapsedMs / 1000).toFixed(2)} s after the first create = ${rate(bound / (elapsedMs / 1000))}; create->bound p50 ${ms(s.p50)} p99 ${ms(s.p99)}; apiserver CPU ${result.apiserverCpu.toFixed(1)} s, etcd CPU ${result.etcdCpu.toFixed(1)} s`
      + `${load.failed ? `; ${load.failed} creates FAILED (first: ${load.errors[0]})` : ''}${bindErrors.length ? `; bindings FAILED (first: ${bindErrors[0]})` : ''}${result.stalled ? `; GAVE UP: no binding for ${STALL_MS / 1000} s` : ''}`);
    return result;
  } finally {
    clearInterval(ticker);
    queue.close();
    closeWatch();
  }
}

/**
 * A watch on the namespace's bound pods (fieldSelector spec.nodeName!=): a pod entering
 * the selection is its binding. onBound gets the pod's index and the arrival time.
 */
async function watchBound(ctx: Context, namespace: string, rv: string, onBound: (i: number, at: number) => void): Promise<() => void> {
  const ac = new AbortController();
  const path = `/api/v1/namespaces/${namespace}/pods?watch=true&resourceVersion=${rv}&fieldSelector=${encodeURIComponent('spec.nodeName!=')}&timeoutSeconds=900`;
  const res = await ctx.api.request({ method: 'GET', path, signal: ac.signal, bodyTimeout: 0 });
  if (res.statusCode !== 200) throw new HttpError(`watch: HTTP ${res.statusCode} ${(await res.body.text()).slice(0, 300)}`);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let closing = false;
  res.body.on('data', (chunk: Buffer) => {
    const at = performance.now();
    const text = rest + decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const line = text.slice(start, nl);
      start = nl + 1;
      if (line.startsWith('{"type":"ERROR"')) {
        ctx.notes.push(`watch on ${namespace} reported an error: ${line.slice(0, 300)}`);
        continue;
      }
      const m = POD_NAME_RE.exec(line);
      if (m && line.includes('"nodeName":"')) onBound(Number(m[1].slice(6)), at);
    }
    rest = text.slice(start);
  });
  res.body.on('error', () => undefined);
  res.body.on('end', () => {
    if (!closing) ctx.notes.push(`the watch on ${namespace} ended before the benchmark closed it`);
  });
  return () => {
    closing = true;
    ac.abort();
  };
}

function report(ctx: Context): void {
  const o = ctx.ours;
  const b = joinHalves(ctx.baseline);
  const perSecond = (r: RunResult | undefined): number => (r && r.bound > 0 ? r.bound / (r.elapsedMs / 1000) : NaN);
  const ourRate = perSecond(o);
  const baseRate = perSecond(b);
  const complete = (r: RunResult | undefined): boolean => !!r && r.bound === r.pods && r.created === r.pods;
  ctx.rows.push({
    figure: `pods/s, ${count(NODES)} nodes, ${count(PODS)} pods`,
    ours: rate(ourRate),
    baseline: `${rate(baseRate)} (bind only)`,
    ratio: throughputRatio(ourRate, baseRate),
    target: `>= ${RATE_TARGET}/s`,
    met: complete(o) && ourRate >= RATE_TARGET,
  });
  ctx.rows.push({
    figure: '  ratio to bind-only',
    ours: throughputRatio(ourRate, baseRate),
    baseline: '',
    ratio: '',
    target: `>= ${RATIO_TARGET.toFixed(2)}`,
    met: complete(o) && complete(b) && ourRate >= RATIO_TARGET * baseRate,
  });
  for (const [name, r, target] of [['anti-affinity', ctx.anti, ANTI_AFFINITY_TARGET], ['topology spread', ctx.spread, SPREAD_TARGET]] as const) {
    const constrainedRate = perSecond(r);
    ctx.rows.push({
      figure: `pods/s with ${name}, ${count(PODS)} more pods`,
      ours: rate(constrainedRate),
      baseline: `${rate(ourRate)} (same pods, no constraint)`,
      ratio: throughputRatio(constrainedRate, ourRate),
      target: `>= ${target.toFixed(2)}`,
      met: complete(r) && r?.violations === 0 && constrainedRate >= target * ourRate,
    });
  }
  const secs = (r: RunResult | undefined, v: number | undefined): string => (r && v !== undefined && Number.isFinite(v) ? `${v.toFixed(1)} s` : 'n/a');
  const row = (figure: string, ours: string, base: string, ratio = ''): void => { ctx.rows.push({ figure, ours, baseline: base, ratio, target: '' }); };
  row('  first create -> last bound', secs(o, o && o.elapsedMs / 1000), secs(b, b && b.elapsedMs / 1000));
  const [b1, b2] = ctx.baseline;
  if (b1 && b2) row('  baseline before / after ours', '', `${rate(perSecond(b1))} / ${rate(perSecond(b2))}`);
  row('  creates answered (c=64)', secs(o, o && o.createMs / 1000), secs(b, b && b.createMs / 1000));
  const lat = (r: RunResult | undefined): string => {
    if (!r?.latencies.length) return 'n/a';
    const s = summarize(r.latencies);
    return `${ms(s.p50)} / ${ms(s.p99)}`;
  };
  row('  create -> bound p50 / p99', lat(o), lat(b));
  row('  pods bound', o ? `${count(o.bound)} of ${count(o.pods)}` : 'n/a', b ? `${count(b.bound)} of ${count(b.pods)}` : 'n/a');
  row('  apiserver CPU', secs(o, o?.apiserverCpu), secs(b, b?.apiserverCpu));
  row('  etcd CPU', secs(o, o?.etcdCpu), secs(b, b?.etcdCpu));
  row('  scheduler CPU', secs(o, o?.schedulerCpu), '');
  row('  scheduler CPU, anti-affinity / spread', `${secs(ctx.anti, ctx.anti?.schedulerCpu)} / ${secs(ctx.spread, ctx.spread?.schedulerCpu)}`, '');
  row('  benchmark client CPU', secs(o, o?.clientCpu), secs(b, b?.clientCpu));
  const busy = (r: RunResult | undefined): string => (r && Number.isFinite(r.machineBusy) ? `${Math.round(100 * r.machineBusy)}%` : 'n/a');
  row('  machine CPU busy (all processes)', busy(o), busy(b));
  ctx.rows.push({ figure: 'scheduler RSS (highest sample)', ours: mb(o?.rssPeak ?? NaN), baseline: '', ratio: '', target: '' });
  row('  RSS after the run / VmHWM', `${mb(o?.rssEnd ?? NaN)} / ${mb(o?.hwm ?? NaN)}`, '');
  printTable('scheduler benchmark', ctx.rows);
  for (const [name, r] of [['ours', o], ['anti-affinity', ctx.anti], ['spread', ctx.spread], ['baseline, first half', ctx.baseline[0]], ['baseline, second half', ctx.baseline[1]]] as const) {
    if (!r) continue;
    if (r.createErrors.length) ctx.notes.push(`${name}: ${r.pods - r.created} creates failed; first: ${r.createErrors[0]}`);
    if (r.bindErrors.length) ctx.notes.push(`${name}: bindings failed; first: ${r.bindErrors[0]}`);
    if (r.stalled) ctx.notes.push(`${name}: gave up with ${count(r.created - r.bound)} pods unbound (no binding for ${STALL_MS / 1000} s)`);
  }
  ctx.notes.push(`pods/s = pods bound / (last binding seen by a watch - first create sent); both sides create at c=${CONCURRENCY} through the apiserver's plain-HTTP port, the scheduler included (--master)`);
  ctx.notes.push(`order: ${count(BIND_WARMUP_PODS)} bind-only warm-up pods, baseline first half (${count(BASELINE_HALVES[0])} pods, no scheduler yet), scheduler start and ${count(WARMUP_PODS)} warm-up pods, `
    + `ours (${count(PODS)} pods), anti-affinity (${count(PODS)} more), spread (${count(PODS)} more), scheduler stopped, baseline second half (${count(BASELINE_HALVES[1])} pods); the baseline figure is both halves' pods over both halves' times`);
  for (const note of ctx.notes) console.log(`  ${note}`);
  console.log('');
}
