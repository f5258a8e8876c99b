// The nftables proxier for real: testserver containers on a Docker network of this
// test's own, ClusterIPs on lo, and the kernel forwarding by the rules in our table.
// From the host: a ClusterIP spreads over every endpoint, nodePorts answer on
// 127.0.0.1 and on the network's gateway address, UDP goes through, ClientIP affinity
// pins (and survives a resync), a port with no endpoints refuses at once. From a
// container on the network: the ClusterIP works through its default route (the host),
// and a pod reaching itself through its own service works (hairpin). cleanup() removes
// the table and restores route_localnet (also for a crashed proxier); a fresh proxier
// replaces a stale table. route_localnet is one global setting: run this file while no
// other kube-proxy runs on the host (as `npm test` does).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { NftablesProxier } from '../../kube-proxy/nftables/proxier.js';
import { ROUTE_LOCALNET, readSysctl, RouteLocalnet } from '../../kube-proxy/nftables/route-localnet.js';
import { deleteTable, runNft, runNftScript, tableExists } from '../../kube-proxy/nftables/nft.js';
import { nftablesUnavailable } from '../../kube-proxy/nftables/availability.js';
import { servicePortKey, type Endpoint, type ProxyState, type ServicePort } from '../../kube-proxy/types.js';
import { ensureLocalImages, LOCAL_TESTSERVER_IMAGE } from '../../scripts/images.js';
import { FakeClock } from '../../client/clock.js';
import { waitFor } from '../harness/processes.js';
import { holdHostLock } from '../harness/host-lock.js';

// Changes what the whole host shares: never beside another such file (test/harness/host-lock.ts).
await holdHostLock();

const run = promisify(execFile);

// Our own table, addresses and ports: nothing a concurrently running kube-proxy uses.
const TABLE = 'tskube-proxy-nft-test';
const NETWORK = 'tskube-nft-test';
const SUBNET = '10.199.77.0/24';
const GATEWAY = '10.199.77.1';
const SERVERS = [
  { name: 'tskube-nft-ep1', ip: '10.199.77.11' },
  { name: 'tskube-nft-ep2', ip: '10.199.77.12' },
  { name: 'tskube-nft-ep3', ip: '10.199.77.13' },
];
const CLIENT = { name: 'tskube-nft-client', ip: '10.199.77.20' };
const WEB_IP = '10.109.77.1';       // http 80 -> 8080 on all three, udp 81 -> 8081; nodePorts 31771/tcp, 31772/udp
const STICKY_IP = '10.109.77.2';    // ClientIP affinity over all three
const EMPTY_IP = '10.109.77.3';     // no endpoints; nodePort 31773
const HAIRPIN_IP = '10.109.77.4';   // only ep1
const CLUSTER_IPS = [WEB_IP, STICKY_IP, EMPTY_IP, HAIRPIN_IP];
const NODE_PORT_TCP = 31771;
const NODE_PORT_UDP = 31772;
const NODE_PORT_EMPTY = 31773;

/** What the proxier logged, newest last (and to stderr with TEST_LOG_LEVEL=debug). */
const logged: Array<{ msg: string; mode?: string }> = [];
const log = pino({ level: 'debug' }, {
  write(line: string): void {
    logged.push(JSON.parse(line) as { msg: string; mode?: string });
    if (process.env.TEST_LOG_LEVEL) process.stderr.write(line);
  },
});
const clock = new FakeClock();

function servicePort(name: string, o: Partial<ServicePort> & { portName?: string; protocol?: ServicePort['protocol'] }): ServicePort {
  const { portName = '', protocol = 'TCP', ...rest } = o;
  const n = { namespace: 'nft-test', name, port: portName, protocol };
  return {
    key: servicePortKey(n), name: n, type: 'ClusterIP', clusterIP: '', port: 80, protocol, nodePort: 0,
    sessionAffinity: { type: 'None' }, externalIPs: [], loadBalancerIPs: [], externalPolicyLocal: false,
    internalPolicyLocal: false, healthCheckNodePort: 0, ...rest,
  };
}

function endpoints(ips: string[], port: number): Endpoint[] {
  return ips.map((ip) => ({ ip, port, key: `${ip}:${port}`, ready: true, serving: true, terminating: false, isLocal: true }));
}

const web = servicePort('web', { type: 'NodePort', portName: 'http', clusterIP: WEB_IP, port: 80, nodePort: NODE_PORT_TCP });
const webUdp = servicePort('web', { type: 'NodePort', portName: 'echo', protocol: 'UDP', clusterIP: WEB_IP, port: 81, nodePort: NODE_PORT_UDP });
const sticky = servicePort('sticky', { clusterIP: STICKY_IP, sessionAffinity: { type: 'ClientIP', timeoutSeconds: 600 } });
const empty = servicePort('empty', { type: 'NodePort', clusterIP: EMPTY_IP, nodePort: NODE_PORT_EMPTY });
const hairpin = servicePort('hairpin', { clusterIP: HAIRPIN_IP });
const ALL = SERVERS.map((s) => s.ip);

function proxyState(webIPs = ALL, extra: Array<[ServicePort, Endpoint[]]> = []): ProxyState {
  const entries: Array<[ServicePort, Endpoint[]]> = [
    [web, endpoints(webIPs, 8080)],
    [webUdp, endpoints(webIPs, 8081)],
    [sticky, endpoints(ALL, 8080)],
    [empty, []],
    [hairpin, endpoints([SERVERS[0]!.ip], 8080)],
    ...extra,
  ];
  return { services: new Map(entries.map(([s]) => [s.key, s])), endpoints: new Map(entries.map(([s, e]) => [s.key, e])) };
}

/** GET / on a fresh connection; resolves with the body (the server's hostname). */
function httpGet(host: string, port: number, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve(body.trim()));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${host}:${port} timed out`)));
    req.on('error', reject);
  });
}

/** One UDP datagram to host:port from a fresh socket; resolves with the reply. */
function udpEcho(host: string, port: number, msg: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    const timer = setTimeout(() => { sock.close(); reject(new Error(`no UDP reply from ${host}:${port}`)); }, timeoutMs);
    sock.on('message', (m) => { clearTimeout(timer); sock.close(); resolve(m.toString()); });
    sock.on('error', (err) => { clearTimeout(timer); sock.close(); reject(err); });
    sock.send(msg, port, host);
  });
}

/** Connects to host:port; resolves with how it ended ('connected' or the error code) and how long it took. */
function tryConnect(host: string, port: number, timeoutMs = 3000): Promise<{ result: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const sock = net.connect({ host, port, timeout: timeoutMs });
    const done = (result: string): void => { sock.destroy(); resolve({ result, ms: Date.now() - t0 }); };
    sock.on('connect', () => done('connected'));
    sock.on('timeout', () => done('timeout'));
    sock.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

/** GET http://host:port/ from inside a container, with the container's own Node. */
async function httpGetFrom(container: string, host: string, port: number): Promise<string> {
  const script = `require('http').get({host:'${host}',port:${port},agent:false,timeout:3000},(r)=>{let b='';r.on('data',(d)=>b+=d);r.on('end',()=>{process.stdout.write(b)})}).on('error',(e)=>{console.error(e.message);process.exit(1)}).on('timeout',function(){this.destroy(new Error('timeout'))})`;
  const { stdout } = await run('docker', ['exec', container, '/usr/bin/node', '-e', script], { timeout: 15_000 });
  return stdout.trim();
}

/** The addresses in each affinity set of our table, by set name. */
async function affinityEntries(): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const listing = await runNft(['list', 'table', 'ip', TABLE]);
  // Each set's body ends at the first line that is a lone "}" at the set's indentation.
  for (const m of listing.matchAll(/set (affinity-\S+) \{\n([^]*?)\n\t\}/g)) {
    const elements = /elements = \{([^}]*)\}/.exec(m[2]!)?.[1] ?? '';
    out.set(m[1]!, [...elements.matchAll(/(\d+\.\d+\.\d+\.\d+)/g)].map((e) => e[1]!).sort());
  }
  return out;
}

/** Turns on hairpin mode on the host end of a container's veth (kubelet's hairpin-veth). */
async function setHairpinMode(container: string): Promise<void> {
  const ifindex = await docker('exec', container, 'cat', '/sys/class/net/eth0/iflink');
  const { stdout } = await run('ip', ['-o', 'link', 'show']);
  const line = stdout.split('\n').find((l) => l.startsWith(`${ifindex}: `));
  const name = line?.split(': ')[1]?.split('@')[0];
  assert.ok(name, `no host interface with index ${ifindex}`);
  await writeFile(`/sys/class/net/${name}/brport/hairpin_mode`, '1\n');
}

async function docker(...args: string[]): Promise<string> {
  return (await run('docker', args, { timeout: 60_000 })).stdout.trim();
}

async function removeTestLeftovers(): Promise<void> {
  await run('docker', ['rm', '-f', ...SERVERS.map((s) => s.name), CLIENT.name]).catch(() => undefined);
  await run('docker', ['network', 'rm', NETWORK]).catch(() => undefined);
  for (const ip of CLUSTER_IPS) await run('ip', ['addr', 'del', `${ip}/32`, 'dev', 'lo']).catch(() => undefined);
  await deleteTable(TABLE).catch(() => undefined);
}

describe('nftables proxier (real kernel, Docker containers)', () => {
  let proxier: NftablesProxier | undefined;
  let localnetBefore: string;
  const hostnames = new Map<string, string>(); // ip -> hostname

  before(async () => {
    const why = await nftablesUnavailable();
    assert.equal(why, undefined, `nftables must be usable on this machine: ${why}`);
    localnetBefore = await readSysctl(ROUTE_LOCALNET);
    await removeTestLeftovers();
    await ensureLocalImages({ only: [LOCAL_TESTSERVER_IMAGE], log: () => undefined });
    await docker('network', 'create', '--subnet', SUBNET, '--gateway', GATEWAY, NETWORK);
    for (const c of [...SERVERS, CLIENT]) {
      await docker('run', '-d', '--name', c.name, '--hostname', c.name, '--network', NETWORK, '--ip', c.ip,
        '--label', 'io.tskube.test=nftables', LOCAL_TESTSERVER_IMAGE);
    }
    for (const s of SERVERS) {
      await waitFor(async () => (await httpGet(s.ip, 8080, 1000)) === s.name, { timeoutMs: 20_000, what: `${s.name} serving` });
      hostnames.set(s.ip, s.name);
    }
    for (const ip of CLUSTER_IPS) await run('ip', ['addr', 'add', `${ip}/32`, 'dev', 'lo']);
    // A table a previous run left behind: a stale chain, and a rule that would send the
    // web ClusterIP to a port where nothing listens.
    await runNftScript([
      `add table ip ${TABLE}`,
      `add chain ip ${TABLE} stale-nat { type nat hook output priority -100 ; }`,
      `add rule ip ${TABLE} stale-nat ip daddr ${WEB_IP} tcp dport 80 dnat to ${SERVERS[0]!.ip}:9`,
      '',
    ].join('\n'));
  });

  after(async () => {
    await proxier?.cleanup().catch(() => undefined);
    await removeTestLeftovers();
    // If cleanup failed or was never reached: put back route_localnet if our table's
    // proxier changed it (never touching a value another kube-proxy holds).
    await new RouteLocalnet(TABLE).restore().catch(() => undefined);
  });

  it('a fresh proxier replaces a stale table left by a previous run', async () => {
    assert.ok(await tableExists(TABLE));
    proxier = new NftablesProxier({ nodePortAddresses: ['0.0.0.0'], log, table: TABLE, clock });
    await proxier.sync(proxyState());
    const listing = await runNft(['list', 'table', 'ip', TABLE]);
    assert.ok(!listing.includes('stale-nat'), 'the stale chain is gone');
    assert.ok(listing.includes('chain nat-output'));
    assert.ok([...hostnames.values()].includes(await httpGet(WEB_IP, 80)), 'the web ClusterIP reaches a server, not the stale DNAT');
  });

  it('from the host, a ClusterIP reaches every endpoint', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 60 && seen.size < SERVERS.length; i++) seen.add(await httpGet(WEB_IP, 80));
    assert.deepEqual([...seen].sort(), SERVERS.map((s) => s.name).sort());
  });

  it('nodePorts answer on 127.0.0.1 (route_localnet set) and on the gateway address', async () => {
    assert.equal(await readSysctl(ROUTE_LOCALNET), '1');
    const names = new Set(SERVERS.map((s) => s.name));
    assert.ok(names.has(await httpGet('127.0.0.1', NODE_PORT_TCP)));
    assert.ok(names.has(await httpGet(GATEWAY, NODE_PORT_TCP)));
    // Not on a port no service has: the kernel answers that one itself.
    assert.equal((await tryConnect('127.0.0.1', NODE_PORT_TCP + 100)).result, 'ECONNREFUSED');
  });

  it('UDP goes through, to the ClusterIP and to the nodePort', async () => {
    const reply = await udpEcho(WEB_IP, 81, 'ping');
    assert.match(reply, /^tskube-nft-ep\d ping$/);
    assert.match(await udpEcho('127.0.0.1', NODE_PORT_UDP, 'pong'), /^tskube-nft-ep\d pong$/);
  });

  it('ClientIP affinity pins a client to one endpoint, across an update and a periodic rewrite', async () => {
    const first = await httpGet(STICKY_IP, 80);
    for (let i = 0; i < 15; i++) assert.equal(await httpGet(STICKY_IP, 80), first);
    const pinned = await affinityEntries();
    assert.equal(pinned.size, SERVERS.length, 'one affinity set per endpoint');
    assert.equal([...pinned.values()].filter((clients) => clients.length > 0).length, 1, 'the client is in one set');
    // A change elsewhere updates the table; the affinity entry stays.
    await proxier!.sync(proxyState(ALL.slice(0, 2)));
    assert.equal(logged.at(-1)?.mode, 'update');
    assert.deepEqual(await affinityEntries(), pinned);
    for (let i = 0; i < 10; i++) assert.equal(await httpGet(STICKY_IP, 80), first);
    // An hour on, the same state is rewritten in place (every rule); the entry stays too.
    clock.step(60 * 60 * 1000);
    await proxier!.sync(proxyState(ALL.slice(0, 2)));
    assert.equal(logged.at(-1)?.mode, 'rewrite');
    assert.deepEqual(await affinityEntries(), pinned);
    for (let i = 0; i < 10; i++) assert.equal(await httpGet(STICKY_IP, 80), first);
    await proxier!.sync(proxyState());
    assert.equal(logged.at(-1)?.mode, 'update');
  });

  it('a service port with no endpoints refuses at once (ClusterIP and nodePort), and so does an unknown ClusterIP port', async () => {
    for (const [host, port] of [[EMPTY_IP, 80], ['127.0.0.1', NODE_PORT_EMPTY], [GATEWAY, NODE_PORT_EMPTY], [WEB_IP, 8080]] as const) {
      const { result, ms } = await tryConnect(host, port);
      assert.equal(result, 'ECONNREFUSED', `${host}:${port}`);
      assert.ok(ms < 1000, `${host}:${port} refused after ${ms} ms`);
    }
    // From a container too (its packets reach the node through the forward/input hooks).
    const script = `require('net').connect({host:'${EMPTY_IP}',port:80}).on('connect',()=>{console.log('connected');process.exit(0)}).on('error',(e)=>{console.log(e.code);process.exit(0)})`;
    const t0 = Date.now();
    const { stdout } = await run('docker', ['exec', CLIENT.name, '/usr/bin/node', '-e', script], { timeout: 15_000 });
    assert.equal(stdout.trim(), 'ECONNREFUSED');
    assert.ok(Date.now() - t0 < 5000);
  });

  it('endpoint changes take effect: only the remaining endpoints get traffic', async () => {
    await proxier!.sync(proxyState([SERVERS[2]!.ip]));
    for (let i = 0; i < 10; i++) assert.equal(await httpGet(WEB_IP, 80), SERVERS[2]!.name);
    await proxier!.sync(proxyState());
  });

  it('from a container on the network, the ClusterIP works (routed through the host) and reaches every endpoint', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < SERVERS.length; i++) seen.add(await httpGetFrom(CLIENT.name, WEB_IP, 80));
    assert.deepEqual([...seen].sort(), SERVERS.map((s) => s.name).sort());
    // And the nodePort on the gateway address.
    assert.ok([...hostnames.values()].includes(await httpGetFrom(CLIENT.name, GATEWAY, NODE_PORT_TCP)));
  });

  it('a pod reaches itself through its own service (hairpin, masqueraded)', async () => {
    // br_netfilter bridges a DNAT whose new destination is on the same bridge, so the
    // frame must go back out the port it came in: the port needs hairpin mode, which
    // the kubelet sets on pod veths (--hairpin-mode=hairpin-veth) and Docker does not.
    await setHairpinMode(SERVERS[0]!.name);
    assert.equal(await httpGetFrom(SERVERS[0]!.name, HAIRPIN_IP, 80), SERVERS[0]!.name);
  });

  it('a sync with nothing changed runs no nft at all', async () => {
    // Delete our table behind the proxier's back: an unchanged sync does not notice.
    const state = proxyState();
    await proxier!.sync(state);
    await deleteTable(TABLE);
    await proxier!.sync(state);
    assert.equal(await tableExists(TABLE), false);
    // A changed state: the update fails on the missing table, and the table is written whole.
    await proxier!.sync(proxyState(ALL.slice(0, 2)));
    assert.ok(logged.some((l) => l.msg === 'could not update the nftables table in place; replacing it'));
    assert.equal(logged.at(-1)?.mode, 'replace');
    assert.ok(await tableExists(TABLE));
    const name = await httpGet(WEB_IP, 80);
    assert.ok([SERVERS[0]!.name, SERVERS[1]!.name].includes(name), name);
  });

  it('cleanup removes the table and restores route_localnet', async () => {
    await proxier!.cleanup();
    proxier = undefined;
    assert.equal(await tableExists(TABLE), false);
    assert.equal(await readSysctl(ROUTE_LOCALNET), localnetBefore);
    // Nothing forwards any more: the ClusterIP (still on lo) now reaches the host itself.
    const { result } = await tryConnect(WEB_IP, 80, 1000);
    assert.equal(result, 'ECONNREFUSED');
  });

  it('a proxier that crashed is cleaned up by a fresh one: table gone, route_localnet restored', async () => {
    const crashed = new NftablesProxier({ nodePortAddresses: ['0.0.0.0'], log, table: TABLE });
    await crashed.sync(proxyState());
    assert.equal(await readSysctl(ROUTE_LOCALNET), '1');
    // `kube-proxy --cleanup` in a new process: a proxier that never synced.
    await new NftablesProxier({ nodePortAddresses: [], log, table: TABLE }).cleanup();
    assert.equal(await tableExists(TABLE), false);
    assert.equal(await readSysctl(ROUTE_LOCALNET), localnetBefore);
  });
});
