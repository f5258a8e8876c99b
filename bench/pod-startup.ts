// The pod startup benchmark: etcd, the kube-apiserver and one kubelet process on the
// local Docker Engine, measured against the same Docker work done directly through
// DockerRuntime in the same run.
//
//   baseline  30 sandbox (pause) + app (busybox sleep) container pairs, all at once:
//             create+start sandbox, create+start app joined to it; time per pair
//   ours      30 pods (busybox sleep, spec.nodeName set) POSTed at once; time from each
//             create request to the watch event that shows the pod Running
//   RSS       the kubelet's VmRSS with the 30 pods running
//
// See bench/README.md for how to read the figures.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { Pool } from 'undici';
import type { Pod } from '../api/types/core.js';
import { LABEL_CONTAINER_NAME, LABEL_NODE, LABEL_TYPE, TYPE_SANDBOX } from '../kubelet/pod-worker.js';
import { DockerRuntime } from '../kubelet/runtime/docker.js';
import { ensureLocalImages, LOCAL_BUSYBOX_IMAGE, LOCAL_PAUSE_IMAGE } from '../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../test/harness/apiserver.js';
import { startKubelet, type KubeletHandle } from '../test/harness/kubelet.js';
import { call, HttpError, SCALE, scaled } from './lib/http.js';
import { cpuSeconds, mb, memoryMB } from './lib/proc.js';
import { withCpuProfile } from './lib/profiled.js';
import { ms, printTable, progress, runCleanups, runPhases, slowdown, startWatchdog, type Row } from './lib/report.js';
import { summarize, type Summary } from './lib/stats.js';

// BENCH_SCALE shrinks (or grows) the pod count, for a quick smoke run: BENCH_SCALE=0.1.
const PODS = scaled(30);

const NAMESPACE = 'bench-pods';
const APP_CONTAINER = 'app';
const APP_COMMAND = ['sleep', '3600'];
/** Distinct from the test files' (10.213-10.214) and npm run cluster's (10.244) subnets. */
const BASELINE_CIDR = '10.241.0.0/16';
const KUBELET_CIDR = '10.242.0.0/16';
/** Labels everything the baseline creates (value: the run id), so cleanup finds it whatever failed. */
const BENCH_LABEL = 'io.tskube.bench';
const RUN_LABEL = `${BENCH_LABEL}.run`;

const P99_TARGET_RATIO = 1.5;
const K8S_SLO_P99_MS = 5000;
const RSS_TARGET_MB = 80;

const RUNNING_TIMEOUT_MS = 120_000;
const GONE_TIMEOUT_MS = 90_000;
/** RSS is sampled this long after the last pod is Running (status writes, probes settle). */
const RSS_WINDOW_MS = 3000;
const DEADLINE_MS = 6 * 60_000;

/** Wall-clock milliseconds with sub-millisecond precision, comparable with Docker's timestamps. */
const wallNow = (): number => performance.timeOrigin + performance.now();

const podName = (i: number): string => `startup-${String(i).padStart(3, '0')}`;

interface ProcCpu {
  /** user + system CPU seconds. */
  seconds: number;
}

/** Pids of the Docker daemon and containerd (the work both sides ask for ends up there). */
function dockerDaemonPids(): number[] {
  const pids: number[] = [];
  for (const name of ['dockerd', 'containerd']) {
    try {
      pids.push(...execFileSync('pidof', [name], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {
      // Not visible from here (a remote daemon): the figure is left out.
    }
  }
  return pids;
}

async function totalCpu(pids: number[]): Promise<ProcCpu> {
  let seconds = 0;
  for (const pid of pids) seconds += await cpuSeconds(pid);
  return { seconds };
}

const cpuS = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)} s` : 'n/a');
const pair = (a: Summary, b: Summary | undefined): [string, string, string] => [
  `${ms(a.p50)} / ${ms(a.p99)}`,
  b ? `${ms(b.p50)} / ${ms(b.p99)}` : '',
  b ? `${slowdown(a.p50, b.p50)} / ${slowdown(a.p99, b.p99)}` : '',
];

interface BaselineResult {
  /** Per pair: start of the sandbox create -> app container start returned. */
  total: number[];
  /** Per pair: start of the sandbox create -> sandbox running. */
  sandbox: number[];
  failed: number;
  errors: string[];
  elapsedMs: number;
  dockerCpu: number;
}

interface OursResult {
  /** Per pod: POST sent -> watch event with phase Running. */
  total: number[];
  /** Per pod: POST sent -> 201 answered. */
  created: number[];
  /** Per pod: POST sent -> first status write by the kubelet seen in the watch. */
  firstStatus: number[];
  /** From Docker's own timestamps, per pod: POST sent -> sandbox created (the kubelet began the pod) / started, app started. */
  sandboxCreated: number[];
  sandboxStarted: number[];
  appStarted: number[];
  /** Per pod: app container started (Docker) -> Running seen in the watch. */
  appToRunning: number[];
  /** Status updates (MODIFIED events) per pod until it was Running. */
  writesUntilRunning: number[];
  notRunning: string[];
  elapsedMs: number;
  kubeletCpu: number;
  dockerCpu: number;
  rss: number;
  hwm: number;
  /** VmRSS before the pods were created. */
  idleRss: number;
  deleteMs: number;
  deleteError?: string;
}

interface Context {
  runId: string;
  runtime: DockerRuntime;
  cp?: ControlPlane;
  kubelet?: KubeletHandle;
  api?: Pool;
  baselineNetwork: string;
  rows: Row[];
  notes: string[];
  /** Closers for what a phase left open, run at the end even on failure (newest first). */
  cleanups: (() => Promise<void>)[];
  baseline?: BaselineResult;
  ours?: OursResult;
  daemonPids: number[];
}

export async function run(): Promise<void> {
  const disarm = startWatchdog('pod-startup', DEADLINE_MS, 'containers are removed on exit');

  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const ctx: Context = {
    runId,
    runtime: new DockerRuntime({ log: pino({ level: 'silent' }) }),
    baselineNetwork: `tskube-bench-base-${runId}`,
    rows: [],
    notes: [`machine: ${cpus().length} CPUs, Node ${process.version}; etcd, kube-apiserver, the kubelet, dockerd and this client share them`],
    cleanups: [],
    daemonPids: dockerDaemonPids(),
  };
  // Ctrl-C and the watchdog end the process through process.exit: the harness kills the
  // child processes then, and this removes the containers and networks synchronously.
  let cleanedUp = false;
  const exitHook = (): void => {
    if (!cleanedUp) removeLeftoversSync(ctx);
  };
  process.on('exit', exitHook);

  progress(`pod-startup benchmark${SCALE !== 1 ? ` (BENCH_SCALE=${SCALE})` : ''}: ${PODS} pods / container pairs at once`);
  try {
    await ensureLocalImages({ only: [LOCAL_PAUSE_IMAGE, LOCAL_BUSYBOX_IMAGE], log: (l) => progress(l) });
    const phases: [string, (c: Context) => Promise<void>][] = [
      ['baseline', baseline],
      ['setup', setup],
      ['ours', ours],
    ];
    await runPhases(ctx, phases);
    report(ctx);
  } finally {
    progress('stopping: kubelet (and its containers, network, root dir), kube-apiserver, etcd, baseline containers and network');
    await runCleanups(ctx.cleanups);
    await removeBaselineLeftovers(ctx).catch((err: unknown) => progress(`baseline cleanup failed: ${(err as Error).message}`));
    cleanedUp = true;
    process.off('exit', exitHook);
    disarm();
    progress('stopped');
  }
}

// ---------------------------------------------------------------------------
// Baseline: the same Docker work through DockerRuntime, no apiserver, no kubelet.

function baselineLabels(ctx: Context, i: number, type: string): Record<string, string> {
  return { [RUN_LABEL]: ctx.runId, [`${BENCH_LABEL}.pair`]: String(i), [LABEL_TYPE]: type };
}

/** One sandbox + app pair as the kubelet creates it (same images, sandbox flags, labels' shape). */
async function startPair(ctx: Context, name: string, i: number): Promise<{ sandboxMs: number; totalMs: number }> {
  const t0 = performance.now();
  const { id: sandboxId } = await ctx.runtime.createSandbox({
    name: `${name}_POD`, image: LOCAL_PAUSE_IMAGE, labels: baselineLabels(ctx, i, TYPE_SANDBOX), network: ctx.baselineNetwork, hostname: name, portBindings: [],
  });
  // The kubelet reads the pod IP right after the sandbox starts; so does the baseline.
  await ctx.runtime.sandboxIP(sandboxId);
  const sandboxMs = performance.now() - t0;
  const id = await ctx.runtime.createContainer({
    name: `${name}_${APP_CONTAINER}`, image: LOCAL_BUSYBOX_IMAGE, sandboxId, command: APP_COMMAND, env: {}, binds: [],
    labels: baselineLabels(ctx, i, 'container'),
  });
  await ctx.runtime.start(id);
  return { sandboxMs, totalMs: performance.now() - t0 };
}

async function baseline(ctx: Context): Promise<void> {
  progress(`baseline: Docker network ${ctx.baselineNetwork} (${BASELINE_CIDR}); one warm-up pair (not measured)`);
  await ctx.runtime.ensureNetwork(ctx.baselineNetwork, { subnet: BASELINE_CIDR, labels: { [RUN_LABEL]: ctx.runId } });
  await startPair(ctx, `tskube-bench-${ctx.runId}-warmup`, -1);
  await removeBaselineContainers(ctx);

  progress(`baseline: ${PODS} sandbox (${LOCAL_PAUSE_IMAGE}) + app (${LOCAL_BUSYBOX_IMAGE} ${APP_COMMAND.join(' ')}) pairs through DockerRuntime, all at once`);
  const result: BaselineResult = { total: [], sandbox: [], failed: 0, errors: [], elapsedMs: 0, dockerCpu: NaN };
  const cpu0 = await totalCpu(ctx.daemonPids);
  const start = performance.now();
  await Promise.all(Array.from({ length: PODS }, async (_, i) => {
    try {
      const r = await startPair(ctx, `tskube-bench-${ctx.runId}-${i}`, i);
      result.total.push(r.totalMs);
      result.sandbox.push(r.sandboxMs);
    } catch (err) {
      result.failed++;
      if (result.errors.length < 3) result.errors.push(err instanceof Error ? err.message : String(err));
    }
  }));
  result.elapsedMs = performance.now() - start;
  result.dockerCpu = ctx.daemonPids.length ? (await totalCpu(ctx.daemonPids)).seconds - cpu0.seconds : NaN;
  ctx.baseline = result;
  const s = summarize(result.total);
  progress(`  ${result.total.length} pairs running in ${(result.elapsedMs / 1000).toFixed(2)} s, per pair p50 ${ms(s.p50)} p99 ${ms(s.p99)}${result.failed ? `, ${result.failed} FAILED (first: ${result.errors[0]})` : ''}`);
  const t0 = performance.now();
  const removed = await removeBaselineContainers(ctx);
  progress(`  removed ${removed} baseline containers in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
}

/** Removes the baseline's containers (apps before sandboxes); returns how many. */
async function removeBaselineContainers(ctx: Context): Promise<number> {
  const all = await ctx.runtime.list({ labels: { [RUN_LABEL]: ctx.runId } });
  const apps = all.filter((c) => c.labels[LABEL_TYPE] !== TYPE_SANDBOX);
  const sandboxes = all.filter((c) => c.labels[LABEL_TYPE] === TYPE_SANDBOX);
  await Promise.all(apps.map((c) => ctx.runtime.remove(c.id, { force: true })));
  await Promise.all(sandboxes.map((c) => ctx.runtime.remove(c.id, { force: true })));
  return all.length;
}

async function removeBaselineLeftovers(ctx: Context): Promise<void> {
  await removeBaselineContainers(ctx);
  await ctx.runtime.removeNetwork(ctx.baselineNetwork);
}

/** Last resort from the 'exit' hook (no promises run there): the docker CLI, synchronously. */
function removeLeftoversSync(ctx: Context): void {
  const docker = (args: string[]): string => {
    try {
      return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return '';
    }
  };
  // The kubelet first, so that it asks for no more containers; requests it already sent
  // still complete in the daemon, hence the removal repeats until nothing shows up again.
  if (ctx.kubelet?.proc.running) {
    try {
      process.kill(ctx.kubelet.proc.pid, 'SIGKILL');
    } catch {
      // Exited meanwhile.
    }
  }
  const filters = [`label=${RUN_LABEL}=${ctx.runId}`];
  if (ctx.kubelet) filters.push(`label=${LABEL_NODE}=${ctx.kubelet.nodeName}`);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0, quiet = 0; attempt < 40 && quiet < 3; attempt++) {
    const ids = filters.flatMap((filter) => docker(['ps', '-aq', '--filter', filter]).split('\n').filter(Boolean));
    if (ids.length) docker(['rm', '-f', ...ids]);
    quiet = ids.length ? 0 : quiet + 1;
    Atomics.wait(pause, 0, 0, 250);
  }
  docker(['network', 'rm', ctx.baselineNetwork]);
  if (ctx.kubelet) docker(['network', 'rm', ctx.kubelet.network]);
  const dirs = [ctx.kubelet && dirname(ctx.kubelet.rootDir), ctx.cp?.dir, ctx.cp?.etcd.dataDir];
  for (const dir of dirs) if (dir) rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------
// Ours: etcd + kube-apiserver + one kubelet process.

async function setup(ctx: Context): Promise<void> {
  progress('starting etcd and kube-apiserver on 127.0.0.1');
  const cp = await startControlPlane();
  ctx.cp = cp;
  ctx.cleanups.push(() => cp.stop());
  progress(`etcd at ${cp.etcd.endpoint}, kube-apiserver at ${cp.url} (pid ${cp.apiserver.pid})`);
  ctx.api = new Pool(cp.url, { connections: PODS + 4, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const api = ctx.api;
  ctx.cleanups.push(() => api.destroy());
  await call(api, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } }), [201]);

  const kubeletLogLevel = process.env.BENCH_KUBELET_LOG_LEVEL ?? 'info';
  progress(`starting the kubelet (log level ${kubeletLogLevel}, pod network ${KUBELET_CIDR}, pause image ${LOCAL_PAUSE_IMAGE})`);
  const profileDir = process.env.BENCH_KUBELET_CPU_PROF;
  if (profileDir) progress(`the kubelet writes a CPU profile under ${resolve(profileDir)} when it stops`);
  const kubelet = await withCpuProfile(profileDir, 'kubelet', () => startKubelet(cp, {
    name: `bench-${ctx.runId}`, cidr: KUBELET_CIDR,
    args: ['--log-level', kubeletLogLevel, '--capacity-cpu', '64', '--capacity-memory', '256Gi', '--max-pods', '250'],
  }));
  ctx.kubelet = kubelet;
  ctx.cleanups.push(() => kubelet.cleanup());
  progress(`kubelet node ${kubelet.nodeName} (pid ${kubelet.proc.pid}, log ${kubelet.logFile})`);
  // The kubelet must have registered its node before pods bound to it make sense.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await api.request({ method: 'GET', path: `/api/v1/nodes/${kubelet.nodeName}` });
    await res.body.text();
    if (res.statusCode === 200) break;
    if (Date.now() > deadline) throw new Error(`node ${kubelet.nodeName} not registered after 30 s`);
    await sleep(100);
  }
}

function podBody(name: string, nodeName: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE, labels: { app: 'pod-startup-bench' } },
    spec: {
      nodeName,
      // busybox sleep ignores SIGTERM as PID 1: a short grace keeps the deletion phase short.
      terminationGracePeriodSeconds: 1,
      containers: [{ name: APP_CONTAINER, image: LOCAL_BUSYBOX_IMAGE, imagePullPolicy: 'IfNotPresent', command: APP_COMMAND }],
    },
  });
}

interface PodTimes {
  sent: number;
  created?: number;
  firstStatus?: number;
  running?: number;
  modified: number;
}

/** A watch on the namespace's pods from `rv`, calling onPod for every event with its arrival time. */
async function watchPods(pool: Pool, rv: string, onPod: (type: string, pod: Pod, at: number) => void): Promise<() => void> {
  const ac = new AbortController();
  const res = await pool.request({
    method: 'GET', path: `/api/v1/namespaces/${NAMESPACE}/pods?watch=true&resourceVersion=${rv}&timeoutSeconds=600`, signal: ac.signal, bodyTimeout: 0,
  });
  if (res.statusCode !== 200) throw new HttpError(`watch: HTTP ${res.statusCode} ${(await res.body.text()).slice(0, 300)}`);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  res.body.on('data', (chunk: Buffer) => {
    const at = wallNow();
    const text = rest + decoder.write(chunk);
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      const ev = JSON.parse(line) as { type: string; object: Pod };
      onPod(ev.type, ev.object, at);
    }
  });
  res.body.on('error', () => undefined);
  return () => ac.abort();
}

async function ours(ctx: Context): Promise<void> {
  const { api, kubelet } = ctx;
  if (!api || !kubelet) throw new Error('setup did not finish');
  const list = JSON.parse(await call(api, 'GET', `/api/v1/namespaces/${NAMESPACE}/pods?limit=1`)) as { metadata: { resourceVersion: string } };
  const times = new Map<string, PodTimes>();
  let allRunning: () => void = () => undefined;
  const allRunningP = new Promise<void>((r) => { allRunning = r; });
  let running = 0;
  let watchError = '';
  const closeWatch = await watchPods(api, list.metadata.resourceVersion, (type, pod, at) => {
    const t = times.get(pod.metadata.name ?? '');
    if (!t) return;
    if (type === 'ERROR') {
      watchError ||= JSON.stringify(pod).slice(0, 300);
      return;
    }
    if (type !== 'MODIFIED' || t.running !== undefined) return;
    t.modified++;
    // The apiserver writes no status after the create: a MODIFIED event is the kubelet's.
    t.firstStatus ??= at;
    if (pod.status?.phase === 'Running') {
      t.running = at;
      if (++running === PODS) allRunning();
    }
  });
  ctx.cleanups.push(async () => closeWatch());

  // Idle RSS after a second with the node registered: startup's module compilation peak has passed.
  let idleRss = NaN;
  for (let i = 0; i < 4; i++) {
    await sleep(250);
    idleRss = (await memoryMB(kubelet.proc.pid)).rss;
  }
  const kubeletCpu0 = await cpuSeconds(kubelet.proc.pid);
  const dockerCpu0 = await totalCpu(ctx.daemonPids);
  progress(`ours: ${PODS} pods (${LOCAL_BUSYBOX_IMAGE} ${APP_COMMAND.join(' ')}, spec.nodeName ${kubelet.nodeName}) POSTed at once; waiting for Running in the watch`);
  const bodies = Array.from({ length: PODS }, (_, i) => podBody(podName(i), kubelet.nodeName));
  const start = performance.now();
  const createErrors: string[] = [];
  await Promise.all(bodies.map(async (body, i) => {
    const t: PodTimes = { sent: wallNow(), modified: 0 };
    times.set(podName(i), t);
    try {
      await call(api, 'POST', `/api/v1/namespaces/${NAMESPACE}/pods`, body, [201]);
      t.created = wallNow();
    } catch (err) {
      createErrors.push(err instanceof Error ? err.message : String(err));
    }
  }));
  const created = PODS - createErrors.length;
  if (created === 0) throw new Error(`no pod could be created: ${createErrors[0]}`);
  const timedOut = await Promise.race([allRunningP.then(() => false), sleep(RUNNING_TIMEOUT_MS, true, { ref: false })]);
  const elapsedMs = performance.now() - start;
  const kubeletCpu = (await cpuSeconds(kubelet.proc.pid)) - kubeletCpu0;
  const dockerCpu = ctx.daemonPids.length ? (await totalCpu(ctx.daemonPids)).seconds - dockerCpu0.seconds : NaN;
  progress(`  ${running} of ${PODS} pods Running after ${(elapsedMs / 1000).toFixed(2)} s${timedOut ? ` (gave up after ${RUNNING_TIMEOUT_MS / 1000} s)` : ''}; kubelet used ${cpuS(kubeletCpu)} CPU`);

  // RSS with the pods running: sampled over a short window, the highest sample counts.
  let rss = 0;
  let hwm = NaN;
  const until = performance.now() + RSS_WINDOW_MS;
  while (performance.now() < until) {
    const m = await memoryMB(kubelet.proc.pid);
    rss = Math.max(rss, m.rss);
    hwm = m.hwm;
    await sleep(250);
  }
  progress(`  kubelet VmRSS ${mb(rss)} (highest over ${RSS_WINDOW_MS / 1000} s with ${running} pods running), VmHWM ${mb(hwm)}`);

  // Docker's own timestamps split each pod's time into sandbox, app container and status.
  const containers = await ctx.runtime.list({ labels: { [LABEL_NODE]: kubelet.nodeName } });
  const dockerTimes = new Map<string, { sandboxCreated?: number; sandbox?: number; app?: number }>();
  await Promise.all(containers.map(async (c) => {
    const d = await ctx.runtime.inspect(c.id);
    const pod = c.labels['io.kubernetes.pod.name'] ?? '';
    const entry = dockerTimes.get(pod) ?? {};
    dockerTimes.set(pod, entry);
    const started = d?.startedAt?.getTime();
    if (c.labels[LABEL_TYPE] === TYPE_SANDBOX) {
      entry.sandbox = started;
      entry.sandboxCreated = d?.createdAt.getTime();
    }
    else if (c.labels[LABEL_CONTAINER_NAME] === APP_CONTAINER) entry.app = started;
  }));

  const r: OursResult = {
    total: [], created: [], firstStatus: [], sandboxCreated: [], sandboxStarted: [], appStarted: [], appToRunning: [], writesUntilRunning: [],
    notRunning: [], elapsedMs, kubeletCpu, dockerCpu, rss, hwm, idleRss, deleteMs: NaN,
  };
  for (const [name, t] of times) {
    if (t.created !== undefined) r.created.push(t.created - t.sent);
    if (t.firstStatus !== undefined) r.firstStatus.push(t.firstStatus - t.sent);
    if (t.running === undefined) {
      if (t.created !== undefined) r.notRunning.push(name);
      continue;
    }
    r.total.push(t.running - t.sent);
    r.writesUntilRunning.push(t.modified);
    const d = dockerTimes.get(name);
    if (d?.sandboxCreated !== undefined) r.sandboxCreated.push(d.sandboxCreated - t.sent);
    if (d?.sandbox !== undefined) r.sandboxStarted.push(d.sandbox - t.sent);
    if (d?.app !== undefined) {
      r.appStarted.push(d.app - t.sent);
      r.appToRunning.push(t.running - d.app);
    }
  }
  ctx.ours = r;
  if (createErrors.length) ctx.notes.push(`ours: ${createErrors.length} pod creates failed; first: ${createErrors[0]}`);
  if (watchError) ctx.notes.push(`ours: the watch reported an error: ${watchError}`);
  if (r.notRunning.length) ctx.notes.push(`ours: ${r.notRunning.length} pods never showed Running: ${r.notRunning.slice(0, 5).join(', ')}${r.notRunning.length > 5 ? ', ...' : ''}`);
  closeWatch();

  // Deletion: the kubelet stops the containers (grace 1 s), removes them and deletes the pods.
  progress(`ours: deleting the ${created} pods; waiting until their containers are gone`);
  const t0 = performance.now();
  try {
    await Promise.all(Array.from({ length: PODS }, (_, i) => call(api, 'DELETE', `/api/v1/namespaces/${NAMESPACE}/pods/${podName(i)}`, undefined, [200, 202, 404])));
    const goneBy = performance.now() + GONE_TIMEOUT_MS;
    let left = Infinity;
    while (left > 0 && performance.now() < goneBy) {
      left = (await ctx.runtime.list({ labels: { [LABEL_NODE]: kubelet.nodeName } })).length;
      if (left > 0) await sleep(100);
    }
    if (left > 0) throw new Error(`${left} containers still there after ${GONE_TIMEOUT_MS / 1000} s`);
    r.deleteMs = performance.now() - t0;
    progress(`  all containers gone ${(r.deleteMs / 1000).toFixed(2)} s after the deletes were sent`);
  } catch (err) {
    r.deleteError = err instanceof Error ? err.message : String(err);
    progress(`  deletion FAILED: ${r.deleteError}`);
  }
}

// ---------------------------------------------------------------------------
// Report

function report(ctx: Context): void {
  const b = ctx.baseline;
  const o = ctx.ours;
  const bs = b && b.total.length ? summarize(b.total) : undefined;
  const os = o && o.total.length ? summarize(o.total) : undefined;
  if (os || bs) {
    const complete = !!o && o.total.length === PODS && !!b && b.failed === 0;
    ctx.rows.push({
      figure: `pod startup p99 (${PODS} at once)`,
      ours: os ? ms(os.p99) : 'n/a',
      baseline: bs ? `${ms(bs.p99)} (docker pairs)` : 'n/a',
      ratio: os && bs ? slowdown(os.p99, bs.p99) : 'n/a',
      target: `<= ${P99_TARGET_RATIO.toFixed(1)}x`,
      met: complete && !!os && !!bs && os.p99 <= P99_TARGET_RATIO * bs.p99,
    });
    ctx.rows.push({
      figure: '  p50',
      ours: os ? ms(os.p50) : 'n/a',
      baseline: bs ? ms(bs.p50) : 'n/a',
      ratio: os && bs ? slowdown(os.p50, bs.p50) : 'n/a',
      target: '',
    });
    if (o && os) {
      const detail = (figure: string, values: number[], base?: number[]): void => {
        if (!values.length) return;
        const [ours, baseline, ratio] = pair(summarize(values), base?.length ? summarize(base) : undefined);
        ctx.rows.push({ figure, ours, baseline, ratio, target: '' });
      };
      detail('  to sandbox create p50 / p99', o.sandboxCreated);
      detail('  to sandbox running p50 / p99', o.sandboxStarted, b?.sandbox);
      detail('  to app running p50 / p99', o.appStarted, b?.total);
      detail('  app running -> Running seen', o.appToRunning);
      detail('  create answered p50 / p99', o.created);
      detail('  first status write seen', o.firstStatus);
      ctx.rows.push({
        figure: `  all ${PODS} running (wall)`,
        ours: ms(o.elapsedMs),
        baseline: b ? ms(b.elapsedMs) : 'n/a',
        ratio: b ? slowdown(o.elapsedMs, b.elapsedMs) : '',
        target: '',
      });
    }
    ctx.rows.push({
      figure: 'pod startup p99 (absolute)',
      ours: os ? ms(os.p99) : 'n/a',
      baseline: '',
      ratio: '',
      target: `<= ${ms(K8S_SLO_P99_MS)} (k8s SLO)`,
      met: !!os && o!.total.length === PODS && os.p99 <= K8S_SLO_P99_MS,
    });
  }
  if (o) {
    ctx.rows.push({
      figure: `kubelet RSS, ${o.total.length} pods running`,
      ours: mb(o.rss),
      baseline: '',
      ratio: '',
      target: `<= ${RSS_TARGET_MB} MB`,
      met: o.rss <= RSS_TARGET_MB,
    });
    ctx.rows.push({ figure: '  idle RSS (node registered, no pods)', ours: mb(o.idleRss), baseline: '', ratio: '', target: '' });
    ctx.rows.push({ figure: '  peak RSS (VmHWM)', ours: mb(o.hwm), baseline: '', ratio: '', target: '' });
    ctx.rows.push({ figure: '  kubelet CPU until all Running', ours: cpuS(o.kubeletCpu), baseline: '', ratio: '', target: '' });
    ctx.rows.push({
      figure: '  dockerd+containerd CPU',
      ours: cpuS(o.dockerCpu),
      baseline: b ? cpuS(b.dockerCpu) : 'n/a',
      ratio: b ? slowdown(o.dockerCpu, b.dockerCpu) : '',
      target: '',
    });
    if (o.writesUntilRunning.length) {
      const w = summarize(o.writesUntilRunning);
      ctx.rows.push({ figure: '  status writes until Running', ours: `${w.p50} / ${w.max} (p50 / max)`, baseline: '', ratio: '', target: '' });
    }
  }
  printTable('pod-startup benchmark', ctx.rows);
  if (b?.failed) ctx.notes.push(`baseline: ${b.failed} pairs failed; first: ${b.errors[0]}`);
  if (o) {
    ctx.notes.push(o.deleteError
      ? `deletion: FAILED: ${o.deleteError}`
      : `deletion: all ${PODS} pods' containers gone ${(o.deleteMs / 1000).toFixed(2)} s after the DELETEs (terminationGracePeriodSeconds 1)`);
  }
  ctx.notes.push(`p99 of ${PODS} samples is the slowest one (nearest rank); ours = POST sent -> phase Running in a watch event, baseline = sandbox create -> app container start returned`);
  ctx.notes.push('"to sandbox create/running", "to app running" for ours come from Docker\'s Created/StartedAt of the pod\'s containers, measured from the POST');
  for (const note of ctx.notes) console.log(`  ${note}`);
  console.log('');
}
