// `npm run cluster` (dist/scripts/cluster.js) keeps its components running: each of
// etcd, kube-apiserver, kube-scheduler, kube-controller-manager, the kubelet,
// kube-proxy and metrics-server is killed with SIGKILL in turn, comes back by itself, and the cluster
// keeps serving: the node stays Ready, the pods of a Deployment keep running, and its
// NodePort Service answers again after each kill. Ports, node name, pod network and
// state directory are the test's own; everything is stopped and removed at the end.
// Each component runs with its own identity (the cluster's PKI step); the test talks to
// the apiserver on the plain-HTTP loopback port the cluster opens on request only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile, mkdtemp, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LABEL_NODE } from '../../kubelet/pod-worker.js';
import { ensureLocalImages, LOCAL_PAUSE_IMAGE, LOCAL_TESTSERVER_IMAGE } from '../../scripts/images.js';
import { BUNDLES } from '../../scripts/bundles.js';
import { freePort } from '../harness/free-port.js';
import { http } from '../harness/http.js';
import { cleanupNode, nodeLeftovers } from '../harness/kube-proxy.js';
import { waitFor } from '../harness/processes.js';
import { holdHostLock } from '../harness/host-lock.js';

// Changes what the whole host shares: never beside another such file (test/harness/host-lock.ts).
await holdHostLock();

const run = promisify(execFile);
const NODE = 'cluster-supervision';
const POD_NETWORK = 'tskube-test-supervision';
const POD_CIDR = '10.231.0.0/16';
const NS = 'default';

/** A process running `file` (under dist/), as its command line names it. */
const running = (file: string): RegExp => new RegExp(`dist/${file.replace(/[.]/g, '\\.')}\0`);

/** Each component as cluster.ts names it, and how to tell its process by command line. */
const COMPONENTS: { name: string; cmdline: RegExp }[] = [
  { name: 'etcd', cmdline: /(^|\/)etcd\0/ },
  { name: 'kube-apiserver', cmdline: running(BUNDLES.apiserver.out) },
  { name: 'kube-scheduler', cmdline: running(BUNDLES.scheduler.out) },
  { name: 'kube-controller-manager', cmdline: running(BUNDLES['controller-manager'].out) },
  { name: 'kubelet', cmdline: running('kubelet/main.js') },
  { name: 'kube-proxy', cmdline: running(BUNDLES['kube-proxy'].out) },
  { name: 'metrics-server', cmdline: running(BUNDLES['metrics-server'].out) },
];

let dir = '';
let cluster: ChildProcess | undefined;
let output = '';
let plainUrl = '';

/** The cluster script's direct children and their command lines. */
async function children(): Promise<{ pid: number; cmdline: string }[]> {
  const out: { pid: number; cmdline: string }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== cluster?.pid) continue;
      out.push({ pid: Number(entry), cmdline: await readFile(`/proc/${entry}/cmdline`, 'utf8') });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function pidOf(component: { cmdline: RegExp }): Promise<number | undefined> {
  return (await children()).find((c) => component.cmdline.test(c.cmdline))?.pid;
}

const api = (method: string, path: string, body?: unknown) => http(plainUrl, method, path, body);

/** The NodePort's answer from 127.0.0.1, or undefined. */
async function nodePortAnswer(port: number): Promise<string | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? (await res.text()).trim() : undefined;
  } catch {
    return undefined;
  }
}

async function podContainers(): Promise<string[]> {
  const { stdout } = await run('docker', ['ps', '-aq', '--filter', `label=${LABEL_NODE}=${NODE}`]);
  return stdout.split('\n').filter(Boolean);
}

before(async () => {
  assert.deepEqual(await nodeLeftovers(), [], 'another kube-proxy holds the service range on this host');
  await ensureLocalImages({ only: [LOCAL_PAUSE_IMAGE, LOCAL_TESTSERVER_IMAGE], log: () => undefined });
  dir = await mkdtemp(join(tmpdir(), 'tskube-cluster-supervision-'));
  const [etcdPort, etcdPeerPort, securePort, port, kubeletPort, kubeletHealthzPort, cmPort, proxyPort, metricsServerPort] = await Promise.all(Array.from({ length: 9 }, () => freePort()));
  plainUrl = `http://127.0.0.1:${port}`;
  cluster = spawn(process.execPath, [fileURLToPath(new URL('../../scripts/cluster.js', import.meta.url)),
    '--dir', dir, '--fresh', '--node-name', NODE, '--etcd-port', String(etcdPort), '--etcd-peer-port', String(etcdPeerPort), '--secure-port', String(securePort),
    '--insecure-port', String(port), '--kubelet-port', String(kubeletPort), '--kubelet-healthz-port', String(kubeletHealthzPort), '--controller-manager-port', String(cmPort),
    '--proxy-port', String(proxyPort), '--metrics-server-port', String(metricsServerPort), '--pod-network', POD_NETWORK, '--pod-network-cidr', POD_CIDR], { stdio: ['ignore', 'pipe', 'pipe'] });
  cluster.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  cluster.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  await waitFor(() => output.includes('press Ctrl-C to stop') || cluster!.exitCode !== null,
    { what: 'npm run cluster to be ready', timeoutMs: 120_000, intervalMs: 200 });
  assert.ok(output.includes('press Ctrl-C to stop'), output);
});

after(async () => {
  if (cluster && cluster.exitCode === null) {
    await api('DELETE', `/apis/apps/v1/namespaces/${NS}/deployments/echo`).catch(() => undefined);
    await waitFor(async () => (await podContainers()).length === 0, { what: 'pod containers to go', timeoutMs: 60_000 }).catch(() => undefined);
    const exited = new Promise((r) => cluster!.once('exit', r));
    cluster.kill('SIGTERM');
    const timer = setTimeout(() => cluster?.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
  // Whatever a failed run left: pod containers, the pod network, kube-proxy's state.
  const left = await podContainers().catch(() => []);
  if (left.length) await run('docker', ['rm', '-f', ...left]).catch(() => undefined);
  await run('docker', ['network', 'rm', POD_NETWORK]).catch(() => undefined);
  await cleanupNode();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('every component killed with SIGKILL comes back by itself, and the cluster keeps serving', async () => {
  const deploy = await api('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, {
    metadata: { name: 'echo' },
    spec: {
      replicas: 2, selector: { matchLabels: { app: 'echo' } },
      template: { metadata: { labels: { app: 'echo' } }, spec: { containers: [{ name: 'echo', image: LOCAL_TESTSERVER_IMAGE, ports: [{ containerPort: 8080 }] }] } },
    },
  });
  assert.equal(deploy.status, 201, deploy.text);
  const svc = await api('POST', `/api/v1/namespaces/${NS}/services`, {
    metadata: { name: 'echo' }, spec: { type: 'NodePort', selector: { app: 'echo' }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  assert.equal(svc.status, 201, svc.text);
  const nodePort = svc.json.spec.ports[0].nodePort as number;
  await waitFor(async () => (await nodePortAnswer(nodePort))?.startsWith('echo-') === true, { what: `the NodePort ${nodePort} to answer`, timeoutMs: 90_000 });
  const podNames = async (): Promise<string[]> => ((await api('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=app%3Decho`)).json.items as { metadata: { name: string } }[])
    .map((p) => p.metadata.name).sort();
  const pods = await podNames();
  assert.equal(pods.length, 2);

  for (const component of COMPONENTS) {
    const pid = await pidOf(component);
    assert.ok(pid, `${component.name} runs under the cluster script`);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => output.includes(`${component.name} exited (SIGKILL); restarting it`), { what: `the restart line of ${component.name}`, timeoutMs: 10_000 });
    await waitFor(async () => ((await pidOf(component)) ?? pid) !== pid, { what: `${component.name} to run again`, timeoutMs: 10_000 });
    // The cluster serves again: the apiserver answers, the node is Ready, the Service answers.
    await waitFor(async () => {
      const node = await api('GET', `/api/v1/nodes/${NODE}`).catch(() => undefined);
      const ready = (node?.json?.status?.conditions as { type: string; status: string }[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True');
      return ready === true && (await nodePortAnswer(nodePort))?.startsWith('echo-') === true;
    }, { what: `the cluster to serve after ${component.name} was killed`, timeoutMs: 90_000 });
  }
  assert.equal(cluster!.exitCode, null, 'the cluster script keeps running');
  // Nothing lost: the same two pods still run the Deployment.
  assert.deepEqual(await podNames(), pods);
  for (const c of COMPONENTS) assert.equal(output.match(new RegExp(`${c.name} exited`, 'g'))?.length, 1, output);
  // The resource metrics API, through the apiserver to metrics-server (back after its kill), names the node.
  await waitFor(async () => {
    const r = await api('GET', '/apis/metrics.k8s.io/v1beta1/nodes').catch(() => undefined);
    return (r?.json?.items as { metadata: { name: string } }[] | undefined)?.some((i) => i.metadata.name === NODE) === true;
  }, { what: 'the node in metrics.k8s.io', timeoutMs: 90_000 });
});
