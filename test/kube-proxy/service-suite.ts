// The end-to-end tests of Services, shared by both proxy modes: a real control plane,
// controller manager and scheduler, one real kubelet on Docker (pods get cluster DNS
// in their resolv.conf and a route for the service range to the node) and the real
// kube-proxy in the given mode. Endpoints are real containers of the local test
// server image: GET / answers with the pod's hostname on 8080 and UDP on 8081 echoes
// with the hostname in front; a second Deployment runs a TCP echo server of this file
// that says its hostname first and finishes open connections after SIGTERM.
//
// Traffic comes from the host and from inside a pod (`docker exec` of node in the
// client pod: busybox's wget crashes here). Cluster DNS is asked from the host over
// UDP on the kube-dns address and through the pod's resolver; nothing ever goes to
// the host's resolver (the kubelet gets --resolv-conf '').
//
// One cluster per file, shared by its tests; the tests run in order and some build on
// earlier ones (the echo Deployment loses a pod in one test, kube-proxy is restarted
// in another), so each waits for the condition it needs rather than assuming it.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import dnsPacket from 'dns-packet';
import type { Pod, Service } from '../../api/types/core.js';
import type { EndpointSlice } from '../../api/types/discovery.js';
import { LABEL_CONTAINER_NAME, LABEL_NODE, LABEL_POD_NAME, LABEL_POD_NAMESPACE } from '../../kubelet/pod-worker.js';
import { ensureLocalImages, LOCAL_TESTSERVER_IMAGE } from '../../scripts/images.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { startControllerManager, startScheduler, type ControllerManagerHandle } from '../harness/controllers.js';
import { freePort } from '../harness/free-port.js';
import { http } from '../harness/http.js';
import { addressesOnLo, cleanupNode, DEFAULT_SERVICE_CIDR, nftRuleset, nodeLeftovers, startKubeProxy, type KubeProxyHandle, type KubeProxyMode } from '../harness/kube-proxy.js';
import { startKubelet, type KubeletHandle } from '../harness/kubelet.js';
import { waitFor, type ChildHandle } from '../harness/processes.js';

const run = promisify(execFile);

const NS = 'proxy-e2e';
const DOMAIN = 'cluster.local';
/** The tenth address of the apiserver's service range: kube-proxy's default --cluster-dns, the kubelet's. */
const CLUSTER_DNS = '10.96.0.10';
/** Pod network per mode, used by no other test file (test/harness-selfcheck/subnets.test.ts checks). */
const POD_CIDR: Record<KubeProxyMode, string> = { userspace: '10.220.0.0/16', nftables: '10.221.0.0/16' };
const NODE = '/usr/bin/node';
const ECHO_PORT = 9000;
const MiB = 1 << 20;

/**
 * The TCP echo server the echo pods run: the hostname and a newline first, then every
 * byte back. On SIGTERM it stops listening and exits once its open connections close,
 * as a server with graceful shutdown does.
 */
const ECHO_SERVER = `const net = require('net'), os = require('os');
const conns = new Set(); let closing = false;
const done = () => { if (closing && conns.size === 0) process.exit(0); };
const server = net.createServer((c) => {
  conns.add(c); c.on('error', () => {}); c.on('close', () => { conns.delete(c); done(); });
  c.write(os.hostname() + '\\n'); c.pipe(c);
});
server.listen(${ECHO_PORT}, '0.0.0.0', () => console.log('echo listening on ${ECHO_PORT}'));
process.on('SIGTERM', () => { console.log('SIGTERM: finishing ' + conns.size + ' connections'); closing = true; server.close(); done(); });`;

// Scripts run with `node -e` in the client pod; each prints one JSON line.

/** argv: url count -> the bodies of count GETs, each on a new connection. */
const POD_HTTP = `const http = require('http'); const [url, n] = process.argv.slice(1);
const get = () => new Promise((resolve, reject) => {
  const req = http.get(url, { agent: false, timeout: 5000 }, (res) => { let b = ''; res.setEncoding('utf8'); res.on('data', (d) => b += d); res.on('end', () => resolve(b.trim())); });
  req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }))); req.on('error', reject);
});
(async () => { const out = []; for (let i = 0; i < Number(n); i++) out.push(await get()); console.log(JSON.stringify({ bodies: out })); })()
  .catch((e) => console.log(JSON.stringify({ error: e.code || e.message })));`;

/** argv: host port msg -> the UDP reply. */
const POD_UDP = `const s = require('dgram').createSocket('udp4'); const [host, port, msg] = process.argv.slice(1);
const t = setTimeout(() => { console.log(JSON.stringify({ error: 'timeout' })); process.exit(0); }, 3000);
s.on('message', (m) => { clearTimeout(t); console.log(JSON.stringify({ reply: m.toString() })); s.close(); });
s.send(msg, Number(port), host);`;

/** argv: host port -> how a TCP connect ended and how long it took. */
const POD_CONNECT = `const net = require('net'); const [host, port] = process.argv.slice(1); const t0 = Date.now();
const c = net.connect(Number(port), host); c.setTimeout(5000, () => { console.log(JSON.stringify({ code: 'timeout', ms: Date.now() - t0 })); c.destroy(); });
c.on('connect', () => { console.log(JSON.stringify({ code: 'connected', ms: Date.now() - t0 })); c.destroy(); });
c.on('error', (e) => console.log(JSON.stringify({ code: e.code, ms: Date.now() - t0 })));`;

/** argv: name -> every IPv4 address the pod's resolver gives for name. */
const POD_LOOKUP = `require('dns').lookup(process.argv[1], { all: true, family: 4 }, (err, addrs) =>
  console.log(JSON.stringify(err ? { error: err.code } : { addresses: addrs.map((a) => a.address) })));`;

/** argv: host port -> sends 1 MiB of random bytes to an echo server; the sha256 of what was sent and what came back. */
const POD_BULK = `const net = require('net'), crypto = require('crypto'); const [host, port] = process.argv.slice(1);
const data = crypto.randomBytes(${MiB}); const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
let chunks = [], len = 0, head = null;
const c = net.connect(Number(port), host); c.setTimeout(15000, () => { console.log(JSON.stringify({ error: 'timeout', len })); process.exit(0); });
c.on('data', (d) => {
  chunks.push(d); len += d.length;
  if (head === null) { const all = Buffer.concat(chunks); const i = all.indexOf(10); if (i < 0) return;
    head = all.subarray(0, i).toString(); chunks = [all.subarray(i + 1)]; len = all.length - i - 1; c.write(data); }
  if (len >= data.length) { const got = Buffer.concat(chunks); console.log(JSON.stringify({ host: head, sent: sha(data), got: sha(got), len: got.length })); c.destroy(); }
});
c.on('error', (e) => console.log(JSON.stringify({ error: e.code || e.message })));`;

// ---------------------------------------------------------------------------
// The host's side of the traffic.

/** GET url on a new connection (no keep-alive pool): the body, trimmed; rejects on a non-200. */
function httpGet(url: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => (res.statusCode === 200 ? resolve(body.trim()) : reject(new Error(`GET ${url}: ${res.statusCode} ${body}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end();
  });
}

async function bodies(url: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await httpGet(url));
  return out;
}

/** One UDP datagram to host:port and its reply. */
function udpExchange(host: string, port: number, msg: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => { s.close(); reject(new Error(`no UDP reply from ${host}:${port} in ${timeoutMs}ms`)); }, timeoutMs);
    s.on('message', (m) => { clearTimeout(t); s.close(); resolve(m.toString()); });
    s.on('error', (err) => { clearTimeout(t); s.close(); reject(err); });
    s.send(msg, port, host);
  });
}

/** How a TCP connect to host:port ends ('connected' or the error code) and how long it took. */
function connectOutcome(host: string, port: number, timeoutMs = 5000): Promise<{ code: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const c = connect(port, host);
    const done = (code: string): void => { c.destroy(); resolve({ code, ms: performance.now() - t0 }); };
    c.setTimeout(timeoutMs, () => done('timeout'));
    c.on('connect', () => done('connected'));
    c.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

/** A connection to the echo server: its first line names the pod; exchange() sends bytes and waits for as many back. */
class EchoConn {
  private buf = Buffer.alloc(0);
  private wake?: () => void;
  private failure?: Error;
  private constructor(readonly sock: Socket) {
    sock.on('data', (d: Buffer) => { this.buf = Buffer.concat([this.buf, d]); this.wake?.(); });
    sock.on('error', (err) => { this.failure = err; this.wake?.(); });
    sock.on('close', () => { this.failure ??= new Error('the echo connection closed'); this.wake?.(); });
  }

  /** Connects and reads the hostname line. */
  static async open(host: string, port: number, timeoutMs = 3000): Promise<{ conn: EchoConn; pod: string }> {
    const conn = new EchoConn(connect(port, host));
    try {
      const line = await conn.read((b) => b.indexOf(10) + 1, timeoutMs);
      return { conn, pod: line.toString().trim() };
    } catch (err) {
      conn.close();
      throw err;
    }
  }

  /** Writes data; resolves with the next data.length bytes that come back. */
  async exchange(data: Buffer, timeoutMs = 10_000): Promise<Buffer> {
    this.sock.write(data);
    return this.read((b) => (b.length >= data.length ? data.length : 0), timeoutMs);
  }

  close(): void {
    this.sock.destroy();
  }

  /** Waits until want(buffered) > 0 and takes that many bytes. */
  private async read(want: (b: Buffer) => number, timeoutMs: number): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = want(this.buf);
      if (n > 0) {
        const out = this.buf.subarray(0, n);
        this.buf = this.buf.subarray(n);
        return out;
      }
      if (this.failure) throw this.failure;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`echo: ${this.buf.length} bytes after ${timeoutMs}ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => { clearTimeout(t); resolve(); };
      });
      this.wake = undefined;
    }
  }
}

type DnsResponse = dnsPacket.DecodedPacket & { rcode?: string };

/** One DNS question to the cluster DNS server over UDP, as a pod's resolver asks it. */
async function dnsQuery(name: string, type: dnsPacket.RecordType): Promise<DnsResponse> {
  const id = Math.floor(Math.random() * 65536);
  const query = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] });
  const s = dgram.createSocket('udp4');
  try {
    return await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no DNS answer for ${name} ${type} from ${CLUSTER_DNS}:53 in 2s`)), 2000);
      s.on('message', (m) => {
        const p = dnsPacket.decode(m) as DnsResponse;
        if (p.id !== id) return;
        clearTimeout(t);
        resolve(p);
      });
      s.on('error', (err) => { clearTimeout(t); reject(err); });
      s.send(query, 53, CLUSTER_DNS);
    });
  } finally {
    s.close();
  }
}

const answersOf = (p: dnsPacket.Packet, type: string): dnsPacket.Answer[] => (p.answers ?? []).filter((a) => a.type === type);
/** The data of the A or PTR answers of a response (names without a trailing dot). */
const stringsOf = (p: dnsPacket.Packet, type: 'A' | 'PTR'): string[] =>
  answersOf(p, type).map((a) => String((a as dnsPacket.StringAnswer).data).replace(/\.$/, ''));

function reverseName(ip: string): string {
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}

// ---------------------------------------------------------------------------
// Objects.

const testserverPod = (): Record<string, unknown> => ({
  terminationGracePeriodSeconds: 1,
  containers: [{
    name: 'web', image: LOCAL_TESTSERVER_IMAGE, imagePullPolicy: 'Never',
    ports: [{ name: 'http', containerPort: 8080 }, { name: 'udp', containerPort: 8081, protocol: 'UDP' }],
    readinessProbe: { httpGet: { path: '/readyz', port: 8080 }, periodSeconds: 1 },
  }],
});

const echoPod = (): Record<string, unknown> => ({
  // Long enough that the test's open connection, not the grace period, ends the pod.
  terminationGracePeriodSeconds: 60,
  containers: [{
    name: 'echo', image: LOCAL_TESTSERVER_IMAGE, imagePullPolicy: 'Never', command: [NODE, '-e', ECHO_SERVER],
    ports: [{ name: 'echo', containerPort: ECHO_PORT }],
    readinessProbe: { tcpSocket: { port: ECHO_PORT }, periodSeconds: 1 },
  }],
});

function deployment(name: string, replicas: number, podSpec: Record<string, unknown>): Record<string, unknown> {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec } },
  };
}

function service(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec };
}

const webPorts = [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }];

export function serviceSuite(mode: KubeProxyMode): void {
  let cp: ControlPlane;
  let kubelet: KubeletHandle;
  let scheduler: ChildHandle;
  let cm: ControllerManagerHandle;
  let kp: KubeProxyHandle;
  /** The node's own address on the pod network (the pods' gateway): where the host reaches nodePorts. */
  let nodeIP: string;
  let lbPort: number;
  /** Names and IPs of the three web pods. */
  let webPods: { name: string; ip: string }[];
  const ips: Record<string, string> = {};
  const nodePorts: Record<string, number> = {};

  const api = async (method: string, path: string, body?: unknown): Promise<any> => { // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience
    const res = await http(cp.url, method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.json;
  };
  const createService = async (name: string, spec: Record<string, unknown>): Promise<Service> => {
    const svc = (await api('POST', `/api/v1/namespaces/${NS}/services`, service(name, spec))) as Service;
    if (svc.spec?.clusterIP && svc.spec.clusterIP !== 'None') ips[name] = svc.spec.clusterIP;
    const np = svc.spec?.ports?.[0]?.nodePort;
    if (np) nodePorts[name] = np;
    return svc;
  };
  const deleteService = (name: string): Promise<unknown> => api('DELETE', `/api/v1/namespaces/${NS}/services/${name}`);

  const pods = async (app: string): Promise<Pod[]> =>
    ((await api('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=${encodeURIComponent(`app=${app}`)}`)) as { items: Pod[] }).items;
  const ready = (p: Pod): boolean => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
  /** IPs of the ready endpoints of a service's EndpointSlices. */
  const readyEndpoints = async (svc: string): Promise<string[]> => {
    const sel = encodeURIComponent(`kubernetes.io/service-name=${svc}`);
    const list = (await api('GET', `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices?labelSelector=${sel}`)) as { items: EndpointSlice[] };
    return list.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses)).sort();
  };

  /** Runs a `node -e` script in the client pod's container; resolves with its JSON line. */
  const inPod = async (script: string, ...args: string[]): Promise<any> => { // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience
    const [c] = (await kubelet.runtime.list({
      labels: { [LABEL_NODE]: kubelet.nodeName, [LABEL_POD_NAMESPACE]: NS, [LABEL_POD_NAME]: 'client', [LABEL_CONTAINER_NAME]: 'client' },
    })).filter((x) => x.state === 'running');
    assert.ok(c, 'the client pod\'s container runs');
    const r = await kubelet.runtime.exec(c.id, [NODE, '-e', script, ...args], { timeoutMs: 30_000, maxOutputBytes: 1 << 16 });
    const line = r.stdout.trim().split('\n').at(-1) ?? '';
    if (r.exitCode !== 0 || !line.startsWith('{')) throw new Error(`node -e in the client pod: exit ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}: ${r.stdout} ${r.stderr}`);
    return JSON.parse(line);
  };

  /** Waits until url answers from the host, then resolves with the bodies of n more GETs. */
  const hostnamesFromHost = async (url: string, n: number): Promise<string[]> => {
    await waitFor(async () => !!(await httpGet(url)), { timeoutMs: 10_000, intervalMs: 100, what: `GET ${url} from the host` });
    return bodies(url, n);
  };

  describe(`Services through kube-proxy in ${mode} mode, and cluster DNS`, { timeout: 240_000 }, () => {
    before(async () => {
      await ensureLocalImages({ log: () => undefined });
      cp = await startControlPlane();
      const cidr = POD_CIDR[mode];
      kubelet = await startKubelet(cp, {
        name: `svc-${mode}`, cidr,
        args: ['--log-level', 'info', '--cluster-dns', CLUSTER_DNS, '--cluster-domain', DOMAIN, '--resolv-conf', '',
          '--service-cluster-ip-range', DEFAULT_SERVICE_CIDR],
      });
      // (Not os.networkInterfaces(): it leaves out a bridge that has no container yet.)
      const gw = /\binet (\d+\.\d+\.\d+\.\d+)/.exec((await run('ip', ['-4', '-o', 'addr', 'show', 'to', cidr])).stdout)?.[1];
      assert.ok(gw, `the host has an address on the pod network ${cidr}`);
      nodeIP = gw;
      scheduler = startScheduler(cp, [], `svc-${mode}`);
      cm = await startControllerManager(cp, [], `svc-${mode}`);
      kp = await startKubeProxy(cp, { mode, nodeName: kubelet.nodeName });
      // The nftables suite must test nftables, not the userspace fallback.
      assert.equal(kp.activeMode, mode, `kube-proxy runs in ${kp.activeMode} mode (log: ${kp.logFile})`);
      // kube-proxy reserves the DNS address with kube-system/kube-dns before any Service here takes it.
      await waitFor(async () => (await http(cp.url, 'GET', '/api/v1/namespaces/kube-system/services/kube-dns')).status === 200,
        { timeoutMs: 15_000, what: 'kube-proxy to create kube-system/kube-dns' });

      await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
      await api('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, deployment('web', 3, testserverPod()));
      await api('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, deployment('echo', 2, echoPod()));
      await api('POST', `/api/v1/namespaces/${NS}/pods`, {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: NS, labels: { app: 'client' } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'client', image: LOCAL_TESTSERVER_IMAGE, imagePullPolicy: 'Never' }] },
      });
      lbPort = await freePort();
      await createService('web', { type: 'NodePort', selector: { app: 'web' }, ports: webPorts });
      await createService('web-udp', { selector: { app: 'web' }, ports: [{ name: 'echo', port: 8081, targetPort: 8081, protocol: 'UDP' }] });
      await createService('sticky', { selector: { app: 'web' }, ports: webPorts, sessionAffinity: 'ClientIP' });
      await createService('web-headless', { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });
      await createService('empty', { selector: { app: 'nobody' }, ports: webPorts });
      await createService('echo', { selector: { app: 'echo' }, ports: [{ name: 'echo', port: ECHO_PORT, targetPort: ECHO_PORT, protocol: 'TCP' }] });
      await createService('lb', { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ name: 'http', port: lbPort, targetPort: 8080, protocol: 'TCP' }] });

      await waitFor(async () => (await readyEndpoints('web')).length === 3 && (await readyEndpoints('echo')).length === 2
        && (await pods('client')).some(ready), { timeoutMs: 90_000, intervalMs: 250, what: `3 web pods, 2 echo pods and the client pod ready (kubelet log: ${kubelet.logFile})` });
      webPods = (await pods('web')).filter(ready).map((p) => ({ name: p.metadata.name!, ip: p.status!.podIP! }));
      assert.equal(webPods.length, 3);
    });

    after(async () => {
      const failures: unknown[] = [];
      const step = async (f: () => Promise<unknown> | undefined): Promise<void> => {
        try {
          await f();
        } catch (err) {
          failures.push(err);
        }
      };
      // Stopped first: its stop() checks it removed what it added.
      await step(() => kp?.stop());
      await step(() => cm?.stop());
      await step(() => scheduler?.stop());
      await step(() => kubelet?.cleanup());
      await step(() => cp?.stop());
      // Only a kube-proxy this file started is its to check (startKubeProxy refuses a node that holds another's).
      const left = kp ? await nodeLeftovers() : [];
      if (left.length) {
        // Leave the next test file a clean node, and still fail.
        const still = await cleanupNode();
        failures.push(new Error(`left on the node after kube-proxy stopped: ${left.join(', ')}${still.length ? `; still there after --cleanup: ${still.join(', ')}` : ''}`));
      }
      if (failures.length === 1) throw failures[0];
      if (failures.length) throw new AggregateError(failures, failures.map((f) => (f as Error).message).join('; '));
    });

    it('from the host, the ClusterIP and the nodePort (also on localhost) reach all three pods of a Deployment', async () => {
      const names = webPods.map((p) => p.name).sort();
      for (const url of [`http://${ips.web}/`, `http://${nodeIP}:${nodePorts.web}/`, `http://127.0.0.1:${nodePorts.web}/`]) {
        const got = await hostnamesFromHost(url, 30);
        for (const b of got) assert.ok(names.includes(b), `${url} answered ${b}, not a web pod`);
        assert.deepEqual([...new Set(got)].sort(), names, `30 GETs of ${url} reach every pod`);
      }
    });

    it('from a pod, the ClusterIP and the names web, web.<ns> and web.<ns>.svc.cluster.local reach the pods', async () => {
      const names = webPods.map((p) => p.name);
      for (const host of [ips.web, 'web', `web.${NS}`, `web.${NS}.svc.${DOMAIN}`]) {
        const r = await inPod(POD_HTTP, `http://${host}/`, '9');
        assert.equal(r.error, undefined, `GET http://${host}/ from the client pod failed: ${r.error}`);
        assert.equal(r.bodies.length, 9);
        for (const b of r.bodies as string[]) assert.ok(names.includes(b), `http://${host}/ answered ${b}, not a web pod`);
      }
    });

    it('a pod reaches itself through its own Service (hairpin)', async () => {
      // The client pod is the only endpoint: in nftables mode the ClusterIP is DNATed back to
      // the pod's own address and bridged out of the port it came in on (needs hairpin mode).
      await createService('self', { selector: { app: 'client' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] });
      await waitFor(async () => (await readyEndpoints('self')).length === 1, { timeoutMs: 15_000, what: 'the self service\'s endpoint' });
      const r = await inPod(POD_HTTP, `http://${ips.self}/`, '5');
      assert.equal(r.error, undefined, `GET its own service from the client pod failed: ${r.error} (kubelet log: ${kubelet.logFile})`);
      assert.deepEqual(r.bodies, ['client', 'client', 'client', 'client', 'client']);
    });

    it('a UDP service echoes through its ClusterIP, from the host and from a pod', async () => {
      const names = webPods.map((p) => p.name);
      let reply = '';
      await waitFor(async () => { reply = await udpExchange(ips['web-udp'], 8081, 'from-host'); return true; },
        { timeoutMs: 10_000, what: 'a UDP reply through the ClusterIP' });
      const [who, msg] = reply.split(' ');
      assert.ok(names.includes(who), `the reply came from ${who}`);
      assert.equal(msg, 'from-host');
      const r = await inPod(POD_UDP, ips['web-udp'], '8081', 'from-pod');
      assert.equal(r.error, undefined, `UDP from the client pod: ${r.error}`);
      assert.match(r.reply, /^\S+ from-pod$/);
      assert.ok(names.includes(r.reply.split(' ')[0]), `the reply came from ${r.reply}`);
    });

    it('sessionAffinity ClientIP sends every connection of a client to one pod', async () => {
      const fromHost = await hostnamesFromHost(`http://${ips.sticky}/`, 12);
      assert.equal(new Set(fromHost).size, 1, `the host was sent to ${[...new Set(fromHost)].join(', ')}`);
      const r = await inPod(POD_HTTP, `http://${ips.sticky}/`, '8');
      assert.equal(r.error, undefined);
      assert.equal(new Set(r.bodies).size, 1, `the client pod was sent to ${[...new Set(r.bodies)].join(', ')}`);
      assert.ok(webPods.some((p) => p.name === r.bodies[0]));
    });

    it('a service without endpoints refuses connections at once', async () => {
      // The service exists (its address is on lo) but no pod matches its selector.
      await waitFor(async () => (await addressesOnLo()).includes(ips.empty), { timeoutMs: 10_000, what: 'the empty service\'s ClusterIP on lo' });
      const fromHost = await connectOutcome(ips.empty, 80);
      assert.equal(fromHost.code, 'ECONNREFUSED', `from the host: ${fromHost.code} after ${Math.round(fromHost.ms)}ms`);
      assert.ok(fromHost.ms < 500, `refused after ${Math.round(fromHost.ms)}ms`);
      const fromPod = await inPod(POD_CONNECT, ips.empty, '80');
      assert.equal(fromPod.code, 'ECONNREFUSED', `from the client pod: ${fromPod.code} after ${fromPod.ms}ms`);
      assert.ok(fromPod.ms < 500, `refused after ${fromPod.ms}ms`);
    });

    it('a LoadBalancer service gets status.loadBalancer.ingress and answers on ingress IP:port', async () => {
      let ingress: string | undefined;
      await waitFor(async () => {
        const svc = (await api('GET', `/api/v1/namespaces/${NS}/services/lb`)) as Service;
        ingress = svc.status?.loadBalancer?.ingress?.[0]?.ip;
        return !!ingress;
      }, { timeoutMs: 15_000, what: `status.loadBalancer.ingress of the lb service (controller manager log: ${cm.logFile})` });
      // The node's InternalIP (the kubelet's --node-ip) is its load-balancer address.
      const node = await api('GET', `/api/v1/nodes/${kubelet.nodeName}`);
      const internal = (node.status.addresses as { type: string; address: string }[]).find((a) => a.type === 'InternalIP')?.address;
      assert.equal(ingress, internal);
      const got = await hostnamesFromHost(`http://${ingress}:${lbPort}/`, 6);
      for (const b of got) assert.ok(webPods.some((p) => p.name === b), `the load balancer answered ${b}`);
    });

    it('1 MiB up and back down through a ClusterIP arrives intact, from the host and from a pod', async () => {
      let opened: Awaited<ReturnType<typeof EchoConn.open>> | undefined;
      await waitFor(async () => { opened = await EchoConn.open(ips.echo, ECHO_PORT); return true; }, { timeoutMs: 10_000, what: 'the echo service' });
      const { conn } = opened!;
      try {
        const data = randomBytes(MiB);
        const back = await conn.exchange(data, 20_000);
        assert.equal(back.length, MiB);
        assert.equal(createHash('sha256').update(back).digest('hex'), createHash('sha256').update(data).digest('hex'));
      } finally {
        conn.close();
      }
      const r = await inPod(POD_BULK, ips.echo, String(ECHO_PORT));
      assert.equal(r.error, undefined, `from the client pod: ${JSON.stringify(r)}`);
      assert.equal(r.len, MiB);
      assert.equal(r.got, r.sent);
    });

    it('a deleted endpoint pod gets no new connections, while a connection open to it completes', async () => {
      const { conn, pod: victim } = await EchoConn.open(ips.echo, ECHO_PORT);
      try {
        assert.deepEqual(await conn.exchange(Buffer.from('before\n')), Buffer.from('before\n'));
        await api('DELETE', `/api/v1/namespaces/${NS}/pods/${victim}`);
        // New connections stop reaching it: eight in a row land elsewhere.
        await waitFor(async () => {
          for (let i = 0; i < 8; i++) {
            const o = await EchoConn.open(ips.echo, ECHO_PORT);
            o.conn.close();
            if (o.pod === victim) return false;
          }
          return true;
        }, { timeoutMs: 20_000, intervalMs: 100, what: `new connections to stop reaching the deleted pod ${victim}` });
        // The open connection still works end to end.
        assert.deepEqual(await conn.exchange(Buffer.from('still here\n')), Buffer.from('still here\n'));
      } finally {
        conn.close();
      }
      // With its last connection gone the server exits and the pod goes away.
      await waitFor(async () => !(await pods('echo')).some((p) => p.metadata.name === victim),
        { timeoutMs: 30_000, intervalMs: 200, what: `the deleted pod ${victim} to be gone` });
    });

    it('deleting a service removes its ClusterIP from lo and its listener or rules', async () => {
      const svc = await createService('temp', { selector: { app: 'web' }, ports: [{ name: 'http', port: 8088, targetPort: 8080, protocol: 'TCP' }] });
      const ip = svc.spec!.clusterIP!;
      const proxied = async (): Promise<boolean> => (mode === 'nftables'
        ? (await nftRuleset()).includes(`${NS}/temp/tcp/http`)
        : (await run('ss', ['-Hltn', `src ${ip}:8088`])).stdout.trim() !== '');
      await hostnamesFromHost(`http://${ip}:8088/`, 1);
      assert.ok((await addressesOnLo()).includes(ip));
      assert.ok(await proxied(), mode === 'nftables' ? 'the ruleset has the service\'s chains' : 'a listener on ClusterIP:8088');
      await deleteService('temp');
      await waitFor(async () => !(await addressesOnLo()).includes(ip) && !(await proxied()),
        { timeoutMs: 10_000, intervalMs: 100, what: `${ip} off lo and no ${mode === 'nftables' ? 'rules' : 'listener'} left for the deleted service` });
      const after = await connectOutcome(ip, 8088, 2000);
      assert.notEqual(after.code, 'connected', 'nothing answers on a deleted service\'s ClusterIP');
      assert.notEqual(after.code, 'timeout', 'the unreachable route answers at once');
    });

    it('kube-proxy killed with -9 and started again rebuilds everything and removes what went stale', async () => {
      await createService('stale', { selector: { app: 'web' }, ports: webPorts });
      await hostnamesFromHost(`http://${ips.stale}/`, 1);
      await kp.kill9();
      // A crash leaves the ClusterIPs on lo (and in nftables mode the rules).
      assert.ok((await addressesOnLo()).includes(ips.stale));
      await deleteService('stale');
      await createService('fresh', { selector: { app: 'web' }, ports: webPorts });
      await kp.restart();
      assert.equal(kp.activeMode, mode);
      // /healthz is ok only after the first sync: the node matches the API right away.
      const lo = await addressesOnLo();
      assert.ok(!lo.includes(ips.stale), `the deleted service's ${ips.stale} is still on lo`);
      assert.ok(lo.includes(ips.web) && lo.includes(ips.fresh) && lo.includes(CLUSTER_DNS), `lo holds ${lo.join(' ')}`);
      if (mode === 'nftables') assert.ok(!(await nftRuleset()).includes(`${NS}/stale/`), 'no rules left for the deleted service');
      const names = webPods.map((p) => p.name);
      for (const url of [`http://${ips.web}/`, `http://${ips.fresh}/`, `http://${nodeIP}:${nodePorts.web}/`]) {
        const b = await httpGet(url);
        assert.ok(names.includes(b), `${url} answered ${b}`);
      }
      const a = await dnsQuery(`web.${NS}.svc.${DOMAIN}`, 'A');
      assert.deepEqual(stringsOf(a, 'A'), [ips.web]);
      const r = await inPod(POD_HTTP, 'http://fresh/', '3');
      assert.equal(r.error, undefined, `GET http://fresh/ from the client pod: ${r.error}`);
    });

    it('cluster DNS answers A, SRV, PTR, headless and NXDOMAIN from the host', async () => {
      const fqdn = `web.${NS}.svc.${DOMAIN}`;
      const a = await dnsQuery(fqdn, 'A');
      assert.equal(a.rcode, 'NOERROR');
      assert.deepEqual(stringsOf(a, 'A'), [ips.web]);

      const srv = await dnsQuery(`_http._tcp.${fqdn}`, 'SRV');
      assert.equal(srv.rcode, 'NOERROR');
      const records = answersOf(srv, 'SRV').map((x) => (x as dnsPacket.SrvAnswer).data);
      assert.equal(records.length, 1, JSON.stringify(srv.answers));
      assert.equal(records[0].port, 80);
      assert.equal(records[0].target.replace(/\.$/, ''), fqdn);

      const ptr = await dnsQuery(reverseName(ips.web), 'PTR');
      assert.equal(ptr.rcode, 'NOERROR');
      assert.deepEqual(stringsOf(ptr, 'PTR'), [fqdn]);

      const headless = await dnsQuery(`web-headless.${NS}.svc.${DOMAIN}`, 'A');
      assert.equal(headless.rcode, 'NOERROR');
      assert.deepEqual(stringsOf(headless, 'A').sort(), webPods.map((p) => p.ip).sort());

      const missing = await dnsQuery(`nosuch.${NS}.svc.${DOMAIN}`, 'A');
      assert.equal(missing.rcode, 'NXDOMAIN');
      assert.equal(answersOf(missing, 'A').length, 0);

      const kubernetes = (await api('GET', '/api/v1/namespaces/default/services/kubernetes')) as Service;
      const k = await dnsQuery(`kubernetes.default.svc.${DOMAIN}`, 'A');
      assert.deepEqual(stringsOf(k, 'A'), [kubernetes.spec!.clusterIP]);
    });

    it('a pod resolves kubernetes.default, a headless service and no unknown name through its resolv.conf', async () => {
      const kubernetes = (await api('GET', '/api/v1/namespaces/default/services/kubernetes')) as Service;
      const k = await inPod(POD_LOOKUP, 'kubernetes.default');
      assert.deepEqual(k, { addresses: [kubernetes.spec!.clusterIP] });
      const h = await inPod(POD_LOOKUP, 'web-headless');
      assert.deepEqual([...(h.addresses ?? [])].sort(), webPods.map((p) => p.ip).sort(), JSON.stringify(h));
      const web = await inPod(POD_LOOKUP, `web.${NS}.svc.${DOMAIN}`);
      assert.deepEqual(web, { addresses: [ips.web] });
      // An absolute name in the cluster domain is asked once and is NXDOMAIN.
      const missing = await inPod(POD_LOOKUP, `nosuch.${NS}.svc.${DOMAIN}.`);
      assert.equal(missing.error, 'ENOTFOUND');
      // A short unknown name goes through every search domain, then as it is: it never
      // resolves (outside the cluster domain there is no upstream here, SERVFAIL).
      const short = await inPod(POD_LOOKUP, 'nosuch');
      assert.ok(short.error === 'ENOTFOUND' || short.error === 'EAI_AGAIN', JSON.stringify(short));
    });
  });
}
