// The docker compose benchmark: the repository's docker-compose.yml with images already
// built (offline, scripts/images.ts), its own project, ports and folders
// (test/harness/compose.ts), measured against raw Docker in the same run.
//
//   ours      `compose up` -> both nodes Ready; -> a 3-replica Deployment (the local
//             test server) answering through node-1's published NodePort (applied as
//             soon as the nodes are Ready); RSS of every container idle, and with the
//             Deployment scaled to 30 pods
//   baseline  raw Docker: `docker run -d` of the same containers compose starts (same
//             images, each only sleeping), all at once, until all run; and 3 test
//             server containers started with `docker run -d` until all 3 answer HTTP
//
// RSS is the sum of VmRSS over the processes in each container's cgroup.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOCAL_ETCD_IMAGE, LOCAL_TESTSERVER_IMAGE, TSKUBE_IMAGE } from '../scripts/images.js';
import { ComposeCluster, PUBLISHED_NODE_PORT, webManifest } from '../test/harness/compose.js';
import { memoryMB } from './lib/proc.js';
import { scaled } from './lib/http.js';
import { printTable, progress, runCleanups, slowdown, startWatchdog, type Row } from './lib/report.js';

const exec = promisify(execFile);
const docker = async (...args: string[]): Promise<string> => (await exec('docker', args, { timeout: 120_000 })).stdout.trim();

const NODES = ['node-1', 'node-2'];
const NODE_PORT = PUBLISHED_NODE_PORT;
const PODS = scaled(30);
const CONTROL_PLANE = ['apiserver', 'scheduler', 'controller-manager'];
const SERVICES = ['etcd', ...CONTROL_PLANE, 'node-1', 'node-1-proxy', 'node-2', 'node-2-proxy'];
const READY_TARGET_S = 30;
const ANSWER_TARGET_S = 60;
const CONTROL_PLANE_TARGET_MB = 250;
/** How long the cluster is left alone before its memory is read. */
const IDLE_S = 30;

const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** One GET on a new connection (as curl does: a kept-alive one would stay on one pod); '' on failure. */
function answers(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = httpGet(url, { agent: false, timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve(res.statusCode === 200 ? body.trim() : ''));
      res.on('error', () => resolve(''));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(''));
  });
}

/** Polls until every name in want has answered at url; resolves with the ms it took from t0. */
async function untilAllAnswer(url: string, want: () => Promise<string[]>, t0: number, timeoutMs: number): Promise<number> {
  const seen = new Set<string>();
  let names: string[] = [];
  let refreshed = 0;
  while (performance.now() - t0 < timeoutMs) {
    if (performance.now() - refreshed > 500) {
      names = await want();
      refreshed = performance.now();
    }
    const who = await answers(url);
    if (who) seen.add(who);
    if (names.length > 0 && names.every((n) => seen.has(n))) return performance.now() - t0;
    if (!who) await sleep(50);
  }
  throw new Error(`not all of ${names.join(', ')} answered at ${url} within ${timeoutMs / 1000} s (seen: ${[...seen].join(', ')})`);
}

/** RSS in MB of each compose service's container. */
async function containerRss(cluster: ComposeCluster): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const service of SERVICES) {
    const pids = await cluster.containerPids(await cluster.containerId(service));
    let sum = 0;
    for (const pid of pids) {
      const { rss } = await memoryMB(pid);
      if (Number.isFinite(rss)) sum += rss;
    }
    out.set(service, sum);
  }
  return out;
}

/** Raw Docker: the same containers compose starts (same images, sleeping), all at once, until all run. */
async function baselineStart(label: string): Promise<number> {
  const images = SERVICES.map((svc) => (svc === 'etcd' ? LOCAL_ETCD_IMAGE : TSKUBE_IMAGE));
  const t0 = performance.now();
  await Promise.all(images.map((image) => image === LOCAL_ETCD_IMAGE
    // The etcd image has no shell: etcd itself on a throwaway data dir.
    ? docker('run', '-d', '--label', label, image, '/usr/local/bin/etcd', '--data-dir=/tmp/etcd')
    : docker('run', '-d', '--label', label, '--entrypoint', 'sleep', image, '600')));
  return performance.now() - t0;
}

/** Raw Docker: 3 test server containers until all 3 answer HTTP. */
async function baselineAnswer(label: string): Promise<number> {
  const t0 = performance.now();
  const ids = await Promise.all([0, 1, 2].map(() => docker('run', '-d', '--label', label, LOCAL_TESTSERVER_IMAGE)));
  const ips = await Promise.all(ids.map((id) => docker('inspect', '--format', '{{.NetworkSettings.IPAddress}}', id)));
  await Promise.all(ips.map(async (ip) => {
    while (!(await answers(`http://${ip}:8080/`))) {
      if (performance.now() - t0 > 60_000) throw new Error(`test server on ${ip} did not answer`);
      await sleep(20);
    }
  }));
  return performance.now() - t0;
}

async function removeLabelled(label: string): Promise<void> {
  const ids = (await docker('ps', '-aq', '--filter', `label=${label}`)).split('\n').filter(Boolean);
  if (ids.length) await docker('rm', '-f', ...ids);
}

async function webPodNames(cluster: ComposeCluster): Promise<string[]> {
  const out = await cluster.kubectl('get', 'pods', '-l', 'app=web', '-o',
    'jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}');
  return out.split('\n').filter((l) => l.endsWith(' True')).map((l) => l.split(' ')[0]!);
}

export async function run(): Promise<void> {
  const disarm = startWatchdog('compose', 15 * 60_000, 'the compose project is left; `docker compose -p <project> run --rm cleanup` and `down -v` remove it');
  const label = `io.tskube.bench=compose-${randomBytes(4).toString('hex')}`;
  const cleanups: (() => Promise<void>)[] = [() => removeLabelled(label)];
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    progress(`compose benchmark: building images (offline), then compose up, a 3-replica Deployment, ${PODS} pods`);
    const cluster = await ComposeCluster.create({ name: 'tskube-bench', log: (l) => progress(l.trim()) });
    cleanups.push(() => cluster.teardown());

    progress('baseline: raw Docker starting the same containers, then 3 test servers answering');
    const startMs = await baselineStart(label);
    await removeLabelled(label);
    const answerBaseMs = await baselineAnswer(label);
    await removeLabelled(label);
    progress(`baseline: ${SERVICES.length} containers running in ${s(startMs)}; 3 test servers answering in ${s(answerBaseMs)}`);

    progress(`compose up (project ${cluster.project})`);
    const t0 = performance.now();
    await cluster.up();
    const upMs = performance.now() - t0;
    progress(`compose up returned after ${s(upMs)}; waiting for the nodes`);
    await cluster.waitNodesReady(NODES, 120_000);
    const readyMs = performance.now() - t0;
    progress(`both nodes Ready ${s(readyMs)} after compose up`);

    const manifest = join(cluster.dir, 'web.yaml');
    await writeFile(manifest, webManifest(LOCAL_TESTSERVER_IMAGE, 3));
    const tApply = performance.now();
    await cluster.kubectl('apply', '-f', manifest);
    await untilAllAnswer(`http://127.0.0.1:${NODE_PORT}/`, async () => {
      const names = await webPodNames(cluster);
      return names.length === 3 ? names : [];
    }, tApply, 120_000);
    const answerMs = performance.now() - t0;
    const fromApplyMs = performance.now() - tApply;
    progress(`3 replicas answering through the NodePort ${s(answerMs)} after compose up (${s(fromApplyMs)} after apply)`);

    // Idle: V8's memory reducer shrinks the heaps some seconds after the last burst.
    progress(`idle: waiting ${IDLE_S} s, then reading every container's RSS`);
    await sleep(IDLE_S * 1000);
    const idle = await containerRss(cluster);

    progress(`scaling to ${PODS} pods`);
    await cluster.kubectl('scale', 'deployment/web', `--replicas=${PODS}`);
    const tScale = performance.now();
    while ((await webPodNames(cluster)).length < PODS) {
      if (performance.now() - tScale > 300_000) throw new Error(`${PODS} pods not ready within 300 s`);
      await sleep(500);
    }
    progress(`${PODS} pods ready in ${s(performance.now() - tScale)}; waiting ${IDLE_S} s, then reading RSS`);
    await sleep(IDLE_S * 1000);
    const loaded = await containerRss(cluster);

    const sum = (m: Map<string, number>, names: string[]): number => names.reduce((a, n) => a + (m.get(n) ?? 0), 0);
    rows.push(
      { figure: 'compose up -> both nodes Ready', ours: s(readyMs), baseline: `${s(startMs)} (docker run x${SERVICES.length})`, ratio: slowdown(readyMs, startMs), target: `< ${READY_TARGET_S} s`, met: readyMs < READY_TARGET_S * 1000 },
      { figure: '  compose up returned', ours: s(upMs), baseline: '', ratio: '', target: '' },
      { figure: 'compose up -> 3 replicas answer (NodePort)', ours: s(answerMs), baseline: `${s(answerBaseMs)} (docker run x3)`, ratio: slowdown(answerMs, answerBaseMs), target: `< ${ANSWER_TARGET_S} s`, met: answerMs < ANSWER_TARGET_S * 1000 },
      { figure: '  apply -> 3 replicas answer', ours: s(fromApplyMs), baseline: `${s(answerBaseMs)} (docker run x3)`, ratio: slowdown(fromApplyMs, answerBaseMs), target: '' },
      { figure: 'control plane RSS, idle', ours: `${sum(idle, CONTROL_PLANE).toFixed(1)} MB`, baseline: '', ratio: '', target: `< ${CONTROL_PLANE_TARGET_MB} MB`, met: sum(idle, CONTROL_PLANE) < CONTROL_PLANE_TARGET_MB },
      { figure: `control plane RSS, ${PODS} pods`, ours: `${sum(loaded, CONTROL_PLANE).toFixed(1)} MB`, baseline: '', ratio: '', target: '' },
    );
    for (const svc of SERVICES) {
      rows.push({ figure: `  ${svc} RSS idle / ${PODS} pods`, ours: `${idle.get(svc)!.toFixed(1)} / ${loaded.get(svc)!.toFixed(1)} MB`, baseline: '', ratio: '', target: '' });
    }
    const { stdout: size } = await exec('docker', ['image', 'inspect', '--format', '{{.Size}}', TSKUBE_IMAGE]);
    notes.push(`image ${TSKUBE_IMAGE}: ${(Number(size) / 1e6).toFixed(0)} MB (on the offline Node.js base)`);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    progress(`FAILED: ${message}`);
    notes.push(`FAILED: ${message}`);
  } finally {
    progress('tearing down: cleanup, compose down -v, raw Docker containers');
    await runCleanups(cleanups);
    disarm();
  }
  printTable('compose benchmark', rows);
  for (const n of notes) console.log(n);
  if (rows.length === 0) throw new Error(notes.join('; '));
}
