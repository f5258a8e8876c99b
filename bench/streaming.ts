// `npm run bench -- streaming`: exec and port-forward through our stack (the real
// kubectl → kube-apiserver over TLS → the kubelet over TLS → Docker or the pod), against
// the same work done directly in the same run. etcd, the apiserver and one kubelet run a
// pod whose server sends a stream of bytes to each connection.
//
//   exec (kubectl)     `kubectl exec pod -- true` against `docker exec <container> true`,
//                      EXECS times each, alternating: p50/p99 of the whole command
//   exec (in process)  one WebSocket exec of `true` at pods/exec (v5.channel.k8s.io) until
//                      its exit Status, against Docker's exec create + start + inspect
//                      from this process (what `docker exec` asks of the daemon)
//   port-forward       BYTES read through `kubectl port-forward` (SPDY/3.1 tunnelled in
//                      WebSocket) against the same read straight from the pod's IP;
//                      ROUNDS rounds alternating which goes first, the best of each kept
//   RSS                the apiserver's and the kubelet's peak RSS (VmHWM) at the end
//
// See bench/README.md for how to read the figures.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { WebSocket } from 'ws';
import { decodeFrame, ERROR, CHANNEL_PROTOCOLS } from '../api/streaming.js';
import type { Pod } from '../api/types/core.js';
import { loadKubeconfig, resolveClientConfig } from '../client/kubeconfig.js';
import { ensureLocalImages, LOCAL_TESTSERVER_IMAGE } from '../scripts/images.js';
import type { ControlPlane } from '../test/harness/apiserver.js';
import { freePort } from '../test/harness/free-port.js';
import { http } from '../test/harness/http.js';
import { startKubelet, type KubeletHandle } from '../test/harness/kubelet.js';
import { waitFor } from '../test/harness/processes.js';
import { scaled, SCALE } from './lib/http.js';
import { cpuSeconds, mb, memoryMB } from './lib/proc.js';
import { startProfiledControlPlane, withCpuProfile } from './lib/profiled.js';
import { ms, printTable, progress, runCleanups, runPhases, slowdown, startWatchdog, throughputRatio, type Row } from './lib/report.js';
import { summarize, type Summary } from './lib/stats.js';

const execFileP = promisify(execFile);

const EXECS = scaled(100);
const BYTES = Math.round(1024 * 1024 * 1024 * SCALE);
const ROUNDS = 2;
const STREAM_PORT = 9000;
/** Distinct from the tests' and the other benchmarks' pod subnets. */
const KUBELET_CIDR = '10.246.0.0/16';
const EXEC_TARGET = 1.5;
const PORT_FORWARD_TARGET = 0.5;
const DEADLINE_MS = 10 * 60_000;

/** The pod's server: each connection gets BYTES bytes (from one buffer, minding backpressure), then its end. */
const STREAM_SERVER_JS = `
const buf = Buffer.alloc(1 << 20, 7);
require('node:net').createServer((s) => {
  let left = ${BYTES};
  const more = () => {
    while (left > 0) {
      const n = Math.min(left, buf.length);
      left -= n;
      if (!s.write(n === buf.length ? buf : buf.subarray(0, n))) return void s.once('drain', more);
    }
    s.end();
  };
  s.on('error', () => {});
  more();
}).listen(${STREAM_PORT}, '0.0.0.0');
`;

interface Ctx {
  notes: string[];
  cp?: ControlPlane;
  kubelet?: KubeletHandle;
  podIP?: string;
  containerId?: string;
  cliExec?: { ours: Summary; baseline: Summary };
  wsExec?: { ours: Summary; baseline: Summary };
  forward?: { ours: number; baseline: number };
  rss?: { apiserver: number; kubelet: number };
}

const env = (cp: ControlPlane): NodeJS.ProcessEnv => ({ ...process.env, KUBECONFIG: cp.kubeconfig, HOME: cp.dir });

async function setup(ctx: Ctx): Promise<void> {
  progress('building local images (if missing), starting etcd, the apiserver and a kubelet');
  await ensureLocalImages();
  const cp = await startProfiledControlPlane();
  ctx.cp = cp;
  ctx.kubelet = await withCpuProfile(process.env.BENCH_KUBELET_CPU_PROF, 'kubelet', () => startKubelet(cp, { name: 'bench-streaming', cidr: KUBELET_CIDR }));
  const res = await http(cp.url, 'POST', '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'streamer' },
    spec: {
      nodeName: ctx.kubelet.nodeName, terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: LOCAL_TESTSERVER_IMAGE, command: ['/usr/bin/node', '-e', STREAM_SERVER_JS] }],
    },
  });
  if (res.status !== 201) throw new Error(`creating the pod: ${res.status} ${res.text}`);
  let pod: Pod | undefined;
  await waitFor(async () => {
    pod = (await http(cp.url, 'GET', '/api/v1/namespaces/default/pods/streamer')).json as Pod;
    return pod.status?.phase === 'Running' && !!pod.status.podIP;
  }, { timeoutMs: 60_000, intervalMs: 200, what: 'the pod to run' });
  ctx.podIP = pod!.status!.podIP!;
  ctx.containerId = pod!.status!.containerStatuses![0].containerID!.replace(/^docker:\/\//, '');
  // kubectl's discovery cache is filled once, so no run below pays for it.
  await execFileP('kubectl', ['exec', 'streamer', '--', 'true'], { env: env(cp) });
  progress(`pod streamer running at ${ctx.podIP}`);
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function cliExec(ctx: Ctx): Promise<void> {
  const cp = ctx.cp!;
  progress(`exec (kubectl): ${EXECS} x \`kubectl exec streamer -- true\` against ${EXECS} x \`docker exec <id> true\`, alternating`);
  const ours: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < EXECS; i++) {
    const runOurs = () => timed(() => execFileP('kubectl', ['exec', 'streamer', '--', 'true'], { env: env(cp) }));
    const runBase = () => timed(() => execFileP('docker', ['exec', ctx.containerId!, 'true']));
    if (i % 2 === 0) {
      ours.push(await runOurs());
      baseline.push(await runBase());
    } else {
      baseline.push(await runBase());
      ours.push(await runOurs());
    }
  }
  ctx.cliExec = { ours: summarize(ours), baseline: summarize(baseline) };
  progress(`  kubectl exec p50 ${ms(ctx.cliExec.ours.p50)} p99 ${ms(ctx.cliExec.ours.p99)}; docker exec p50 ${ms(ctx.cliExec.baseline.p50)} p99 ${ms(ctx.cliExec.baseline.p99)}`);
}

async function wsExec(ctx: Ctx): Promise<void> {
  const cp = ctx.cp!;
  const cfg = resolveClientConfig(loadKubeconfig({ kubeconfig: cp.kubeconfig }));
  const url = `${cfg.server.replace(/^http/, 'ws')}/api/v1/namespaces/default/pods/streamer/exec?command=true&stdout=true&stderr=true`;
  const protocol = CHANNEL_PROTOCOLS.find((p) => p.name === 'v5.channel.k8s.io')!;
  const oneOurs = (): Promise<void> => new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [protocol.name], {
      ca: cfg.ca, cert: cfg.cert, key: cfg.key, ...(cfg.token ? { headers: { Authorization: `Bearer ${cfg.token}` } } : {}),
    });
    let status = '';
    ws.on('message', (data: Buffer) => {
      const f = decodeFrame(protocol, data);
      if (f.channel === ERROR) status += f.payload.toString();
    });
    ws.on('error', reject);
    ws.on('close', () => (status.includes('"Success"') ? resolve() : reject(new Error(`exec ended without success: ${status}`))));
  });
  const docker = new Docker();
  const container = docker.getContainer(ctx.containerId!);
  const oneBase = async (): Promise<void> => {
    const exec = await container.exec({ Cmd: ['true'], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    await new Promise<void>((resolve) => { stream.on('end', resolve); stream.on('close', resolve); stream.resume(); });
    const info = await exec.inspect();
    if (info.ExitCode !== 0) throw new Error(`docker exec exited ${info.ExitCode}`);
  };
  progress(`exec (in process): ${EXECS} x a WebSocket exec at pods/exec against ${EXECS} x Docker's exec create + start + inspect`);
  const ours: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < EXECS; i++) {
    if (i % 2 === 0) {
      ours.push(await timed(oneOurs));
      baseline.push(await timed(oneBase));
    } else {
      baseline.push(await timed(oneBase));
      ours.push(await timed(oneOurs));
    }
  }
  ctx.wsExec = { ours: summarize(ours), baseline: summarize(baseline) };
  progress(`  WebSocket exec p50 ${ms(ctx.wsExec.ours.p50)} p99 ${ms(ctx.wsExec.ours.p99)}; Docker exec p50 ${ms(ctx.wsExec.baseline.p50)} p99 ${ms(ctx.wsExec.baseline.p99)}`);
}

/** Reads a connection to its end; MiB/s. */
function drain(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    let got = 0;
    const s = connect({ host, port });
    s.on('data', (d: Buffer) => { got += d.length; });
    s.on('error', reject);
    s.on('end', () => {
      if (got !== BYTES) return reject(new Error(`read ${got} bytes of ${BYTES}`));
      resolve(got / 1048576 / ((performance.now() - t) / 1000));
    });
  });
}

async function portForward(ctx: Ctx): Promise<void> {
  const cp = ctx.cp!;
  const local = await freePort();
  const child: ChildProcess = spawn('kubectl', ['port-forward', 'pod/streamer', `${local}:${STREAM_PORT}`], { env: env(cp), stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('Forwarding from')) resolve(); });
      child.once('exit', (code) => reject(new Error(`kubectl port-forward exited with ${code}`)));
    });
    const mib = (BYTES / 1048576).toFixed(0);
    let ours = 0;
    let baseline = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const order: ['ours' | 'baseline', () => Promise<number>][] = [
        ['ours', () => drain('127.0.0.1', local)],
        ['baseline', () => drain(ctx.podIP!, STREAM_PORT)],
      ];
      if (round % 2 === 1) order.reverse();
      for (const [side, run] of order) {
        progress(`port-forward round ${round + 1}: ${mib} MiB ${side === 'ours' ? 'through kubectl port-forward' : 'straight from the pod IP'}`);
        const pids = { apiserver: cp.apiserver.pid, kubelet: ctx.kubelet!.proc.pid, kubectl: child.pid! };
        const cpuBefore = await Promise.all(Object.values(pids).map(cpuSeconds));
        const rate = await run();
        const cpuAfter = await Promise.all(Object.values(pids).map(cpuSeconds));
        const cpu = Object.keys(pids).map((name, i) => `${name} ${(cpuAfter[i] - cpuBefore[i]).toFixed(2)} s`).join(', ');
        progress(`  ${rate.toFixed(0)} MiB/s; CPU ${cpu}`);
        if (side === 'ours') ours = Math.max(ours, rate);
        else baseline = Math.max(baseline, rate);
      }
    }
    ctx.forward = { ours, baseline };
  } finally {
    child.kill();
  }
}

async function rss(ctx: Ctx): Promise<void> {
  ctx.rss = { apiserver: (await memoryMB(ctx.cp!.apiserver.pid)).hwm, kubelet: (await memoryMB(ctx.kubelet!.proc.pid)).hwm };
}

function report(ctx: Ctx): void {
  const rows: Row[] = [];
  const latency = (figure: string, r: { ours: Summary; baseline: Summary } | undefined, targeted: boolean): void => {
    if (!r) return;
    const ratio = r.ours.p50 / r.baseline.p50;
    rows.push({
      figure: `${figure} p50`, ours: ms(r.ours.p50), baseline: ms(r.baseline.p50), ratio: slowdown(r.ours.p50, r.baseline.p50),
      target: targeted ? `<= ${EXEC_TARGET}x` : '', met: targeted ? ratio <= EXEC_TARGET : undefined,
    });
    rows.push({ figure: `${figure} p99`, ours: ms(r.ours.p99), baseline: ms(r.baseline.p99), ratio: slowdown(r.ours.p99, r.baseline.p99), target: '' });
  };
  // The target is on the pair that measures our stack alone: kubectl's own start and
  // GET of the pod, which docker's CLI does not do, weigh on the other.
  latency(`exec: WebSocket vs Docker API (${EXECS})`, ctx.wsExec, true);
  latency(`exec: kubectl vs docker exec (${EXECS})`, ctx.cliExec, false);
  if (ctx.forward) {
    const ratio = ctx.forward.ours / ctx.forward.baseline;
    rows.push({
      figure: `port-forward ${(BYTES / 1048576).toFixed(0)} MiB (best of ${ROUNDS})`, ours: `${ctx.forward.ours.toFixed(0)} MiB/s`, baseline: `${ctx.forward.baseline.toFixed(0)} MiB/s (pod IP)`,
      ratio: throughputRatio(ctx.forward.ours, ctx.forward.baseline), target: `>= ${PORT_FORWARD_TARGET}`, met: ratio >= PORT_FORWARD_TARGET,
    });
  }
  if (ctx.rss) {
    rows.push({ figure: 'apiserver peak RSS (VmHWM)', ours: mb(ctx.rss.apiserver), baseline: '', ratio: '', target: '' });
    rows.push({ figure: 'kubelet peak RSS (VmHWM)', ours: mb(ctx.rss.kubelet), baseline: '', ratio: '', target: '' });
  }
  printTable('streaming benchmark', rows);
  for (const note of ctx.notes) console.log(note);
}

export async function run(): Promise<void> {
  const disarm = startWatchdog('streaming', DEADLINE_MS);
  const ctx: Ctx = { notes: [] };
  try {
    await runPhases(ctx, [['setup', setup], ['exec (kubectl)', cliExec], ['exec (in process)', wsExec], ['port-forward', portForward], ['rss', rss]]);
    report(ctx);
  } finally {
    await runCleanups([
      async () => { await ctx.cp?.stop(); },
      async () => { await ctx.kubelet?.cleanup(); },
    ]);
    disarm();
  }
}
