// Stale UDP conntrack entries, for real: two testserver containers (UDP echo on 8081,
// the reply names the container) on a Docker network of this test's own, a ClusterIP on
// lo and a nodePort on the network's gateway address, forwarded by the nftables
// proxier. A client that keeps sending from one source port keeps its flow (conntrack
// holds the first DNAT); once its endpoint is removed and synced, its next datagram
// reaches the other endpoint, because the sync deleted the entry. Without the conntrack
// tool the same steps keep the flow on the removed endpoint (the problem this solves;
// it also shows the test can fail), with one warning and no failed sync. Shares lo and
// the nftables kernel state with the other kube-proxy tests: run it while no other
// kube-proxy test runs on the host (as `npm test` does).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { NftablesProxier } from '../../kube-proxy/nftables/proxier.js';
import { deleteTable } from '../../kube-proxy/nftables/nft.js';
import { nftablesUnavailable } from '../../kube-proxy/nftables/availability.js';
import { servicePortKey, type Endpoint, type ProxyState, type ServicePort } from '../../kube-proxy/types.js';
import { ensureLocalImages, LOCAL_TESTSERVER_IMAGE } from '../../scripts/images.js';
import { waitFor } from '../harness/processes.js';
import { holdHostLock } from '../harness/host-lock.js';

// Changes what the whole host shares: never beside another such file (test/harness/host-lock.ts).
await holdHostLock();

const run = promisify(execFile);

// Our own table, addresses and ports (none of nftables.test.ts's).
const TABLE = 'tskube-proxy-ct-test';
const NETWORK = 'tskube-ct-test';
const SUBNET = '10.199.78.0/24';
const GATEWAY = '10.199.78.1';
const SERVERS = [
  { name: 'tskube-ct-ep1', ip: '10.199.78.11' },
  { name: 'tskube-ct-ep2', ip: '10.199.78.12' },
];
const CLUSTER_IP = '10.109.78.1';   // udp 81 -> 8081
const NODE_PORT = 31781;            // on GATEWAY
// Fixed client source ports, below the ephemeral range and the nodePort range.
const CLIENT_PORTS = { missing: 28781, clusterIP: 28782, nodePort: 28783 };
const CONNTRACK = '/usr/sbin/conntrack';

const logged: Array<{ msg: string; level: number }> = [];
const log = pino({ level: 'debug' }, {
  write(line: string): void {
    logged.push(JSON.parse(line) as { msg: string; level: number });
    if (process.env.TEST_LOG_LEVEL) process.stderr.write(line);
  },
});

const n = { namespace: 'ct-test', name: 'echo', port: '', protocol: 'UDP' as const };
const echo: ServicePort = {
  key: servicePortKey(n), name: n, type: 'NodePort', clusterIP: CLUSTER_IP, port: 81, protocol: 'UDP', nodePort: NODE_PORT,
  sessionAffinity: { type: 'None' }, externalIPs: [], loadBalancerIPs: [], externalPolicyLocal: false,
  internalPolicyLocal: false, healthCheckNodePort: 0,
};

function proxyState(ips: string[]): ProxyState {
  const eps: Endpoint[] = ips.map((ip) => ({ ip, port: 8081, key: `${ip}:8081`, ready: true, serving: true, terminating: false, isLocal: true }));
  return { services: new Map([[echo.key, echo]]), endpoints: new Map([[echo.key, eps]]) };
}
const BOTH = SERVERS.map((s) => s.ip);
const without = (name: string): string[] => SERVERS.filter((s) => s.name !== name).map((s) => s.ip);

/** A UDP socket bound to one source port: every datagram is the same flow to conntrack. */
interface UdpClient {
  /** Sends msg to host:port; resolves with the name of the container that echoed it. */
  ask(host: string, port: number, msg: string): Promise<string>;
  close(): void;
}

async function udpClient(sourcePort: number): Promise<UdpClient> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(sourcePort, () => { sock.off('error', reject); resolve(); });
  });
  return {
    ask(host, port, msg) {
      return new Promise((resolve, reject) => {
        const onMessage = (m: Buffer): void => {
          const [name, body] = m.toString().split(' ');
          if (body !== msg) return; // a late reply to an earlier datagram
          clearTimeout(timer);
          sock.off('message', onMessage);
          resolve(name!);
        };
        const timer = setTimeout(() => {
          sock.off('message', onMessage);
          reject(new Error(`no UDP reply from ${host}:${port} to ${msg} (source port ${sourcePort})`));
        }, 3000);
        sock.on('message', onMessage);
        sock.send(msg, port, host);
      });
    },
    close: () => sock.close(),
  };
}

/** The reply sources conntrack holds for this test's flows from a source port (one line each). */
async function replySources(sourcePort: number): Promise<string[]> {
  const { stdout } = await run(CONNTRACK, ['-L', '-p', 'udp', '--orig-port-src', String(sourcePort)]);
  return stdout.split('\n').filter((l) => l.trim()).map((l) => [...l.matchAll(/src=(\S+)/g)][1]?.[1] ?? '?');
}

async function docker(...args: string[]): Promise<string> {
  return (await run('docker', args, { timeout: 60_000 })).stdout.trim();
}

async function removeTestLeftovers(): Promise<void> {
  await run('docker', ['rm', '-f', ...SERVERS.map((s) => s.name)]).catch(() => undefined);
  await run('docker', ['network', 'rm', NETWORK]).catch(() => undefined);
  await run('ip', ['addr', 'del', `${CLUSTER_IP}/32`, 'dev', 'lo']).catch(() => undefined);
  await deleteTable(TABLE).catch(() => undefined);
  // This test's flows (they would time out on their own within two minutes).
  for (const port of Object.values(CLIENT_PORTS)) {
    await run(CONNTRACK, ['-D', '-p', 'udp', '--orig-port-src', String(port)]).catch(() => undefined);
  }
}

describe('nftables proxier: stale UDP conntrack entries (real kernel, Docker containers)', () => {
  const proxiers: NftablesProxier[] = [];
  const clients: UdpClient[] = [];

  before(async () => {
    const why = await nftablesUnavailable();
    assert.equal(why, undefined, `nftables must be usable on this machine: ${why}`);
    await run(CONNTRACK, ['--version']).catch((err: Error) => assert.fail(`${CONNTRACK} must be installed (scripts/install-deps): ${err.message}`));
    await removeTestLeftovers();
    await ensureLocalImages({ only: [LOCAL_TESTSERVER_IMAGE], log: () => undefined });
    await docker('network', 'create', '--subnet', SUBNET, '--gateway', GATEWAY, NETWORK);
    for (const s of SERVERS) {
      await docker('run', '-d', '--name', s.name, '--hostname', s.name, '--network', NETWORK, '--ip', s.ip,
        '--label', 'io.tskube.test=nftables-conntrack', LOCAL_TESTSERVER_IMAGE);
    }
    const probe = await udpClient(0);
    clients.push(probe);
    for (const s of SERVERS) {
      await waitFor(async () => (await probe.ask(s.ip, 8081, 'hello').catch(() => '')) === s.name, { timeoutMs: 20_000, what: `${s.name} echoing` });
    }
    await run('ip', ['addr', 'add', `${CLUSTER_IP}/32`, 'dev', 'lo']);
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const p of proxiers) await p.cleanup().catch(() => undefined);
    await removeTestLeftovers();
  });

  /** Sends four datagrams from client to host:port; all must reach one container, whose name it resolves with. */
  async function pinnedFlow(client: UdpClient, host: string, port: number): Promise<string> {
    const first = await client.ask(host, port, 'm0');
    for (let i = 1; i < 4; i++) assert.equal(await client.ask(host, port, `m${i}`), first, 'one source port, one flow, one endpoint');
    return first;
  }

  it('without the conntrack tool: one warning, syncs succeed, and the flow stays on the removed endpoint', async () => {
    const proxier = new NftablesProxier({ nodePortAddresses: [GATEWAY], log, table: TABLE, conntrackBinary: '/nonexistent/conntrack' });
    proxiers.push(proxier);
    await proxier.sync(proxyState(BOTH));
    const client = await udpClient(CLIENT_PORTS.missing);
    clients.push(client);
    const pinned = await pinnedFlow(client, CLUSTER_IP, 81);
    await proxier.sync(proxyState(without(pinned)));
    // The rules no longer name it, but conntrack still DNATs this flow to it.
    assert.equal(await client.ask(CLUSTER_IP, 81, 'after'), pinned);
    await proxier.sync(proxyState(BOTH));
    await proxier.sync(proxyState(without(pinned)));
    assert.equal(logged.filter((l) => l.msg.startsWith('conntrack not found')).length, 1, 'warned once');
    await proxier.cleanup();
  });

  it('a ClusterIP flow moves to the remaining endpoint once its endpoint is removed', async () => {
    const proxier = new NftablesProxier({ nodePortAddresses: [GATEWAY], log, table: TABLE });
    proxiers.push(proxier);
    await proxier.sync(proxyState(BOTH));
    const client = await udpClient(CLIENT_PORTS.clusterIP);
    clients.push(client);
    const pinned = await pinnedFlow(client, CLUSTER_IP, 81);
    const pinnedIP = SERVERS.find((s) => s.name === pinned)!.ip;
    assert.deepEqual(await replySources(CLIENT_PORTS.clusterIP), [pinnedIP]);
    await proxier.sync(proxyState(without(pinned)));
    const other = SERVERS.find((s) => s.name !== pinned)!;
    assert.equal(await client.ask(CLUSTER_IP, 81, 'after'), other.name);
    assert.equal(await client.ask(CLUSTER_IP, 81, 'again'), other.name);
    assert.deepEqual(await replySources(CLIENT_PORTS.clusterIP), [other.ip]);
  });

  it('a nodePort flow moves too; an unchanged sync leaves flows alone', async () => {
    const proxier = proxiers.at(-1)!;
    await proxier.sync(proxyState(BOTH));
    const client = await udpClient(CLIENT_PORTS.nodePort);
    clients.push(client);
    const pinned = await pinnedFlow(client, GATEWAY, NODE_PORT);
    // Syncs that remove nothing (an endpoint added back, nothing changed) keep the flow.
    await proxier.sync(proxyState(BOTH));
    assert.equal(await client.ask(GATEWAY, NODE_PORT, 'kept'), pinned);
    await proxier.sync(proxyState(without(pinned)));
    const other = SERVERS.find((s) => s.name !== pinned)!;
    assert.equal(await client.ask(GATEWAY, NODE_PORT, 'after'), other.name);
    assert.ok(!logged.some((l) => l.msg === 'could not clear stale UDP conntrack entries'), 'no conntrack failure logged');
  });
});
