// The userspace proxier's data path on real sockets: UserspaceProxier driven with
// hand-built ProxyStates, real TCP and UDP servers as endpoints, real clients. Every
// address is a loopback one (127.0.0.2-9 stand in for ClusterIPs, nodePort and external
// addresses; endpoints live on 127.0.0.10 and up), so nothing on the host changes.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { readdirSync } from 'node:fs';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { createProxyMetrics, type ProxyMetrics } from '../../kube-proxy/metrics.js';
import type { Endpoint, ProxyState, ServicePort, SessionAffinity } from '../../kube-proxy/types.js';
import { UserspaceProxier } from '../../kube-proxy/userspace/proxier.js';
import { waitFor } from '../harness/processes.js';

const log = pino({ level: process.env.TSKUBE_TEST_LOG_LEVEL ?? 'silent' });
const MiB = 1 << 20;

// ---------------------------------------------------------------------------
// Building states.

interface PortOptions {
  name: string;
  ip: string;
  port: number;
  protocol?: 'TCP' | 'UDP';
  type?: ServicePort['type'];
  nodePort?: number;
  affinity?: SessionAffinity;
  externalIPs?: string[];
  loadBalancerIPs?: string[];
  externalPolicyLocal?: boolean;
}

function servicePort(o: PortOptions): ServicePort {
  const protocol = o.protocol ?? 'TCP';
  return {
    key: `test/${o.name}/${protocol}`,
    name: { namespace: 'test', name: o.name, port: '', protocol },
    type: o.type ?? 'ClusterIP',
    clusterIP: o.ip,
    port: o.port,
    protocol,
    nodePort: o.nodePort ?? 0,
    sessionAffinity: o.affinity ?? { type: 'None' },
    externalIPs: o.externalIPs ?? [],
    loadBalancerIPs: o.loadBalancerIPs ?? [],
    externalPolicyLocal: o.externalPolicyLocal ?? false,
    internalPolicyLocal: false,
    healthCheckNodePort: 0,
  };
}

function endpoint(ip: string, port: number, o: { ready?: boolean; isLocal?: boolean } = {}): Endpoint {
  const ready = o.ready ?? true;
  return { ip, port, key: `${ip}:${port}`, ready, serving: ready, terminating: false, isLocal: o.isLocal ?? true };
}

function state(...ports: [ServicePort, Endpoint[]][]): ProxyState {
  return {
    services: new Map(ports.map(([p]) => [p.key, p])),
    endpoints: new Map(ports.map(([p, eps]) => [p.key, eps])),
  };
}

// ---------------------------------------------------------------------------
// Servers and clients. Everything started is closed in after().

const servers: Server[] = [];
const udpSockets: dgram.Socket[] = [];
const proxiers: UserspaceProxier[] = [];
const children: ChildProcess[] = [];
after(async () => {
  await Promise.all(proxiers.map((p) => p.cleanup()));
  for (const s of servers) s.close();
  for (const s of udpSockets) s.close();
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

function newProxier(o: { metrics?: ProxyMetrics; udpIdleTimeoutMs?: number; nodePortAddresses?: string[] } = {}): UserspaceProxier {
  const p = new UserspaceProxier({ nodePortAddresses: o.nodePortAddresses ?? [], log, metrics: o.metrics, udpIdleTimeoutMs: o.udpIdleTimeoutMs });
  proxiers.push(p);
  return p;
}

async function listen(server: Server, ip: string, port = 0): Promise<number> {
  servers.push(server);
  server.listen({ host: ip, port, exclusive: true });
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A port that was free on ip a moment ago (for a proxier listener). */
async function freePortOn(ip: string): Promise<number> {
  const s = createServer();
  s.listen({ host: ip, port: 0, exclusive: true });
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Says "name\n", then echoes every byte back (ends when the client ends). */
async function echoServer(ip: string, name: string): Promise<number> {
  return listen(createServer((c) => {
    c.on('error', () => {});
    c.write(`${name}\n`);
    c.pipe(c);
  }), ip);
}

/** Echo servers a, b and c on 127.0.0.10-12, as endpoints. */
async function threeEchoEndpoints(): Promise<Endpoint[]> {
  return [
    endpoint('127.0.0.10', await echoServer('127.0.0.10', 'a')),
    endpoint('127.0.0.11', await echoServer('127.0.0.11', 'b')),
    endpoint('127.0.0.12', await echoServer('127.0.0.12', 'c')),
  ];
}

/** Reads everything until the client ends, then answers "<bytes> <sha256>" and ends. */
async function digestServer(ip: string): Promise<number> {
  return listen(createServer({ allowHalfOpen: true }, (c) => {
    const h = createHash('sha256');
    let n = 0;
    c.on('error', () => {});
    c.on('data', (d: Buffer) => { h.update(d); n += d.length; });
    c.on('end', () => c.end(`${n} ${h.digest('hex')}`));
  }), ip);
}

/** Sends data then ends; ends itself. */
async function sourceServer(ip: string, data: Buffer): Promise<number> {
  return listen(createServer((c) => {
    c.on('error', () => {});
    c.end(data);
  }), ip);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Connects, optionally sends and half-closes, and collects everything until the server ends. */
function exchange(ip: string, port: number, o: { send?: Buffer; localAddress?: string } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const c = connect({ host: ip, port, localAddress: o.localAddress, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    c.on('connect', () => {
      if (o.send) c.write(o.send);
      if (o.send !== undefined) c.end();
    });
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('end', () => { c.end(); resolve(Buffer.concat(chunks)); });
    c.on('error', reject);
    c.setTimeout(10_000, () => c.destroy(new Error(`no end from ${ip}:${port} in 10s`)));
  });
}

/** Opens a connection to an echo server through the proxy; `name` is the endpoint's name line. */
async function openEcho(ip: string, port: number, localAddress?: string): Promise<{ sock: Socket; name: string; echo(s: string): Promise<string> }> {
  const sock = connect({ host: ip, port, localAddress });
  let buf = '';
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => { buf += d; wake?.(); });
  sock.on('error', (err) => { failure = err; wake?.(); });
  sock.on('close', () => { failure ??= new Error('closed'); wake?.(); });
  const take = async (n: (b: string) => number): Promise<string> => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const k = n(buf);
      if (k > 0) {
        const out = buf.slice(0, k);
        buf = buf.slice(k);
        return out;
      }
      if (failure) throw failure;
      if (Date.now() > deadline) throw new Error(`echo: got ${JSON.stringify(buf)} in 5s`);
      await new Promise<void>((r) => { wake = r; setTimeout(r, 100); });
    }
  };
  const name = (await take((b) => b.indexOf('\n') + 1)).trim();
  return {
    sock, name,
    echo: async (s) => {
      sock.write(s);
      return take((b) => (b.length >= s.length ? s.length : 0));
    },
  };
}

/** Sends msg on a fresh connection and waits for the connection to close (one answered short connection). */
async function whoAnswersOnce(ip: string, port: number, msg: string): Promise<void> {
  const c = connect({ host: ip, port });
  c.on('error', () => {});
  c.resume();
  c.write(msg);
  await once(c, 'close');
}

/** The name line of a fresh echo connection through the proxy (the connection is then closed). */
async function whoAnswers(ip: string, port: number, localAddress?: string): Promise<string> {
  const c = await openEcho(ip, port, localAddress);
  c.sock.destroy();
  return c.name;
}

/** How a TCP connect ends ('connected' or the error code) and how long it took. */
function connectOutcome(ip: string, port: number, timeoutMs = 5000): Promise<{ code: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const c = connect({ host: ip, port });
    const done = (code: string): void => { c.destroy(); resolve({ code, ms: performance.now() - t0 }); };
    c.setTimeout(timeoutMs, () => done('timeout'));
    c.on('connect', () => done('connected'));
    c.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

/** A UDP server that answers "name:<message>" to whoever sent it. */
async function udpEcho(ip: string, name: string): Promise<number> {
  const s = dgram.createSocket('udp4');
  udpSockets.push(s);
  s.on('message', (m, r) => s.send(`${name}:${m}`, r.port, r.address));
  s.bind(0, ip);
  await once(s, 'listening');
  return s.address().port;
}

/** A UDP client bound to localAddress; ask() sends and waits for one reply with its source. */
async function udpClient(localAddress: string): Promise<{ ask(ip: string, port: number, msg: string): Promise<{ reply: string; from: string }>; close(): void }> {
  const s = dgram.createSocket('udp4');
  s.bind(0, localAddress);
  await once(s, 'listening');
  return {
    ask: (ip, port, msg) => new Promise((resolve, reject) => {
      const t = setTimeout(() => { s.off('message', onMsg); reject(new Error(`no UDP reply from ${ip}:${port}`)); }, 2000);
      const onMsg = (m: Buffer, r: dgram.RemoteInfo): void => {
        clearTimeout(t);
        s.off('message', onMsg);
        resolve({ reply: m.toString(), from: `${r.address}:${r.port}` });
      };
      s.on('message', onMsg);
      s.send(msg, port, ip);
    }),
    close: () => s.close(),
  };
}

async function metricValue(m: ProxyMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = metric?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return Number(v?.value ?? 0);
}

// ---------------------------------------------------------------------------

describe('userspace proxier: TCP', () => {
  it('spreads connections over three endpoints in round robin', async () => {
    const eps = await threeEchoEndpoints();
    const port = await freePortOn('127.0.0.2');
    const p = newProxier();
    await p.sync(state([servicePort({ name: 'rr', ip: '127.0.0.2', port }), eps]));
    const got: string[] = [];
    for (let i = 0; i < 6; i++) got.push(await whoAnswers('127.0.0.2', port));
    assert.deepEqual(got, ['a', 'b', 'c', 'a', 'b', 'c']);
    await p.cleanup();
  });

  it('pins a client to one endpoint with ClientIP affinity', async () => {
    const eps = await threeEchoEndpoints();
    const port = await freePortOn('127.0.0.2');
    const p = newProxier();
    await p.sync(state([servicePort({ name: 'sticky', ip: '127.0.0.2', port, affinity: { type: 'ClientIP', timeoutSeconds: 60 } }), eps]));
    const from20: string[] = [];
    const from21: string[] = [];
    for (let i = 0; i < 4; i++) {
      from20.push(await whoAnswers('127.0.0.2', port, '127.0.0.20'));
      from21.push(await whoAnswers('127.0.0.2', port, '127.0.0.21'));
    }
    assert.deepEqual(from20, ['a', 'a', 'a', 'a']);
    assert.deepEqual(from21, ['b', 'b', 'b', 'b']);
    await p.cleanup();
  });

  it('falls over to the next endpoint when a dial is refused, and counts the failure', async () => {
    const dead = await freePortOn('127.0.0.13');
    const eps = [endpoint('127.0.0.13', dead), endpoint('127.0.0.10', await echoServer('127.0.0.10', 'a'))];
    const port = await freePortOn('127.0.0.2');
    const metrics = createProxyMetrics();
    const p = newProxier({ metrics });
    await p.sync(state([servicePort({ name: 'dead', ip: '127.0.0.2', port }), eps]));
    for (let i = 0; i < 4; i++) assert.equal(await whoAnswers('127.0.0.2', port), 'a');
    // Round robin hands out the dead endpoint every other time.
    assert.ok(await metricValue(metrics, 'kubeproxy_userspace_endpoint_connect_failures_total') >= 2);
    await p.cleanup();
  });

  it('gives up on an endpoint that does not answer after the first dial timeout (250 ms)', async () => {
    // A listener that never accepts (its process is blocked), its short queue filled: SYNs go unanswered.
    const child = spawn(process.execPath, ['-e', `
      const s = require('net').createServer().listen({ host: '127.0.0.14', port: 0, backlog: 1 }, () => {
        console.log(s.address().port);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
      });`], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    const [line] = await once(child.stdout!, 'data') as [Buffer];
    const silent = Number(line.toString().trim());
    const fillers: Socket[] = [];
    // Fill the accept queue until a connect no longer completes at once.
    for (let i = 0; i < 4; i++) {
      const c = connect({ host: '127.0.0.14', port: silent });
      c.on('error', () => {});
      fillers.push(c);
    }
    await sleep(100);
    assert.equal((await connectOutcome('127.0.0.14', silent, 500)).code, 'timeout', 'the silent endpoint should not complete a connect');
    try {
      const eps = [endpoint('127.0.0.14', silent), endpoint('127.0.0.10', await echoServer('127.0.0.10', 'a'))];
      const port = await freePortOn('127.0.0.2');
      const p = newProxier();
      await p.sync(state([servicePort({ name: 'silent', ip: '127.0.0.2', port }), eps]));
      const t0 = performance.now();
      assert.equal(await whoAnswers('127.0.0.2', port), 'a');
      const ms = performance.now() - t0;
      assert.ok(ms >= 240 && ms < 1500, `the first dial should time out after 250 ms (took ${Math.round(ms)} ms)`);
      await p.cleanup();
    } finally {
      for (const c of fillers) c.destroy();
      child.kill('SIGKILL');
    }
  });

  it('refuses at once while a port has no usable endpoint, and serves again once it has one', async () => {
    const port = await freePortOn('127.0.0.2');
    const svc = servicePort({ name: 'empty', ip: '127.0.0.2', port });
    const p = newProxier();
    await p.sync(state([svc, []]));
    let r = await connectOutcome('127.0.0.2', port);
    assert.equal(r.code, 'ECONNREFUSED');
    assert.ok(r.ms < 100, `refused in ${r.ms} ms`);
    // Not-ready endpoints are not usable either.
    const a = await echoServer('127.0.0.10', 'a');
    await p.sync(state([svc, [endpoint('127.0.0.10', a, { ready: false })]]));
    assert.equal((await connectOutcome('127.0.0.2', port)).code, 'ECONNREFUSED');
    await p.sync(state([svc, [endpoint('127.0.0.10', a)]]));
    assert.equal(await whoAnswers('127.0.0.2', port), 'a');
    await p.sync(state([svc, []]));
    r = await connectOutcome('127.0.0.2', port);
    assert.equal(r.code, 'ECONNREFUSED');
    assert.ok(r.ms < 100, `refused in ${r.ms} ms`);
    await p.cleanup();
  });

  it('keeps an open connection when its endpoint is removed; new connections go to the others', async () => {
    const a = await echoServer('127.0.0.10', 'a');
    const b = await echoServer('127.0.0.11', 'b');
    const port = await freePortOn('127.0.0.2');
    const svc = servicePort({ name: 'move', ip: '127.0.0.2', port });
    const p = newProxier();
    await p.sync(state([svc, [endpoint('127.0.0.10', a)]]));
    const open = await openEcho('127.0.0.2', port);
    assert.equal(open.name, 'a');
    await p.sync(state([svc, [endpoint('127.0.0.11', b)]]));
    assert.equal(await open.echo('still there?'), 'still there?');
    assert.equal(await whoAnswers('127.0.0.2', port), 'b');
    assert.equal(await open.echo('yes'), 'yes');
    open.sock.destroy();
    await p.cleanup();
  });

  it('passes a half-close on: the client ends its side and still gets the reply', async () => {
    const port = await freePortOn('127.0.0.2');
    const p = newProxier();
    await p.sync(state([servicePort({ name: 'half', ip: '127.0.0.2', port }), [endpoint('127.0.0.10', await digestServer('127.0.0.10'))]]));
    const reply = (await exchange('127.0.0.2', port, { send: Buffer.from('hello') })).toString();
    assert.equal(reply, `5 ${sha(Buffer.from('hello'))}`);
    // Nothing sent at all: the FIN alone makes the server answer.
    assert.equal((await exchange('127.0.0.2', port, { send: Buffer.alloc(0) })).toString(), `0 ${sha(Buffer.alloc(0))}`);
    await p.cleanup();
  });

  it('passes a reset on: a client reset resets the endpoint connection, and an endpoint reset the client', async () => {
    // Endpoint 1 reports how its connection ended; endpoint 2 resets whoever sends it a byte.
    let ended: (how: string) => void = () => {};
    const howEnded = new Promise<string>((r) => { ended = r; });
    const watcher = await listen(createServer((c) => {
      c.on('data', () => c.write('ready'));
      c.on('error', (err: NodeJS.ErrnoException) => ended(err.code ?? err.message));
      c.on('end', () => ended('end'));
    }), '127.0.0.10');
    const resetter = await listen(createServer((c) => {
      c.on('error', () => {});
      c.on('data', () => c.resetAndDestroy());
    }), '127.0.0.11');
    const port1 = await freePortOn('127.0.0.2');
    const port2 = await freePortOn('127.0.0.2');
    const p = newProxier();
    await p.sync(state(
      [servicePort({ name: 'rst-client', ip: '127.0.0.2', port: port1 }), [endpoint('127.0.0.10', watcher)]],
      [servicePort({ name: 'rst-server', ip: '127.0.0.2', port: port2 }), [endpoint('127.0.0.11', resetter)]],
    ));
    const c1 = connect({ host: '127.0.0.2', port: port1 });
    c1.on('error', () => {});
    c1.write('x');
    await once(c1, 'data');
    c1.resetAndDestroy();
    assert.equal(await howEnded, 'ECONNRESET');
    const c2 = connect({ host: '127.0.0.2', port: port2 });
    c2.write('x');
    const [err] = await once(c2, 'error') as [NodeJS.ErrnoException];
    assert.equal(err.code, 'ECONNRESET');
    await waitFor(() => p.connectionCount === 0, { what: 'both relays to end', timeoutMs: 5000 });
    await p.cleanup();
  });

  it('closes both sockets of every connection however it ends: no file descriptor is left open', async () => {
    // The endpoint answers and closes; clients then reset (after the proxy passed the
    // endpoint's FIN on), close, or reset before the answer.
    const server = await listen(createServer((c) => {
      c.on('error', () => {});
      c.once('data', (d: Buffer) => c.end(d));
    }), '127.0.0.10');
    const port = await freePortOn('127.0.0.2');
    const p = newProxier();
    await p.sync(state([servicePort({ name: 'fds', ip: '127.0.0.2', port }), [endpoint('127.0.0.10', server)]]));
    const openFds = (): number => readdirSync('/proc/self/fd').length;
    await whoAnswersOnce('127.0.0.2', port, 'warm-up');
    const before = openFds();
    const ways = ['reset after the answer', 'close after the answer', 'reset before the answer'] as const;
    for (let i = 0; i < 90; i++) {
      const way = ways[i % ways.length]!;
      await new Promise<void>((resolve) => {
        const c = connect({ host: '127.0.0.2', port, allowHalfOpen: true });
        c.on('error', () => {});
        c.on('close', () => resolve());
        c.write('hello');
        if (way === 'reset before the answer') c.resetAndDestroy();
        else c.once('data', () => (way === 'close after the answer' ? c.end() : c.resetAndDestroy()));
      });
    }
    await waitFor(() => p.connectionCount === 0 && openFds() <= before + 2, {
      what: `the proxy to close its sockets (${openFds() - before} more descriptors open than before)`, timeoutMs: 5000,
    });
    await p.cleanup();
  });

  it('carries 1 MiB up and 1 MiB down intact, and counts the bytes', async () => {
    const data = randomBytes(MiB);
    const upPort = await freePortOn('127.0.0.2');
    const downPort = await freePortOn('127.0.0.2');
    const metrics = createProxyMetrics();
    const p = newProxier({ metrics });
    await p.sync(state(
      [servicePort({ name: 'up', ip: '127.0.0.2', port: upPort }), [endpoint('127.0.0.10', await digestServer('127.0.0.10'))]],
      [servicePort({ name: 'down', ip: '127.0.0.2', port: downPort }), [endpoint('127.0.0.11', await sourceServer('127.0.0.11', data))]],
    ));
    const [up, down] = await Promise.all([exchange('127.0.0.2', upPort, { send: data }), exchange('127.0.0.2', downPort)]);
    assert.equal(up.toString(), `${MiB} ${sha(data)}`);
    assert.equal(down.length, MiB);
    assert.equal(sha(down), sha(data));
    await waitFor(() => p.connectionCount === 0, { what: 'both relays to end', timeoutMs: 5000 });
    assert.equal(await metricValue(metrics, 'kubeproxy_userspace_bytes_total', { protocol: 'TCP', direction: 'in' }), MiB);
    assert.equal(await metricValue(metrics, 'kubeproxy_userspace_bytes_total', { protocol: 'TCP', direction: 'out' }), up.length + MiB);
    assert.equal(await metricValue(metrics, 'kubeproxy_userspace_connections_total', { protocol: 'TCP' }), 2);
    assert.equal(await metricValue(metrics, 'kubeproxy_userspace_active_connections', { protocol: 'TCP' }), 0);
    await p.cleanup();
  });

  it('does not buffer without bound for a client that stops reading', async () => {
    const TOTAL = 256 * MiB;
    const chunk = randomBytes(MiB);
    let taken = 0;
    // Writes as fast as the connection takes it; `taken` counts what the kernel accepted.
    const src = await listen(createServer((c) => {
      c.on('error', () => {});
      let sent = 0;
      const pump = (): void => {
        while (sent < TOTAL) {
          sent += chunk.length;
          if (!c.write(chunk, () => { taken += chunk.length; })) {
            c.once('drain', pump);
            return;
          }
        }
        c.end();
      };
      pump();
    }), '127.0.0.10');
    const port = await freePortOn('127.0.0.2');
    const p = newProxier();
    await p.sync(state([servicePort({ name: 'slow', ip: '127.0.0.2', port }), [endpoint('127.0.0.10', src)]]));
    const before = process.memoryUsage().arrayBuffers;
    const client = connect({ host: '127.0.0.2', port });
    client.pause();
    let received = 0;
    let mismatch = -1;
    const ended = new Promise<void>((resolve, reject) => {
      client.on('data', (d: Buffer) => {
        for (let i = 0; i < d.length; i += 4093) if (mismatch < 0 && d[i] !== chunk[(received + i) % MiB]) mismatch = received + i;
        received += d.length;
      });
      client.on('end', resolve);
      client.on('error', reject);
    });
    // Wait until the source is stalled: nothing more accepted for 300 ms.
    let last = -1;
    await waitFor(async () => {
      const now = taken;
      if (now === last && now > 0) return true;
      last = now;
      await sleep(300);
      return false;
    }, { what: 'the source to stall', timeoutMs: 20_000, intervalMs: 0 });
    // Kernel socket buffers on the way hold some MiB; the proxy at most a read buffer per direction.
    assert.ok(taken < 32 * MiB, `the source got ${taken / MiB} MiB out while the client read nothing`);
    assert.ok(process.memoryUsage().arrayBuffers - before < 16 * MiB, 'the proxy process should not hold the data');
    client.resume();
    await ended;
    assert.equal(received, TOTAL);
    assert.equal(mismatch, -1, `byte ${mismatch} differs from what was sent`);
    await p.cleanup();
  });

  it('serves nodePorts and external IPs from the external endpoints (Local policy: only local ones)', async () => {
    const local = await echoServer('127.0.0.10', 'local');
    const remote = await echoServer('127.0.0.11', 'remote');
    const port = await freePortOn('127.0.0.2');
    const nodePort = await freePortOn('127.0.0.4');
    const ext = await freePortOn('127.0.0.5');
    const p = newProxier({ nodePortAddresses: ['127.0.0.4'] });
    const svc = servicePort({ name: 'np', ip: '127.0.0.2', port, type: 'NodePort', nodePort, externalPolicyLocal: true });
    // The external IP is served at the service port, so it gets a service of its own here.
    const extSvc = servicePort({ name: 'ext', ip: '127.0.0.3', port: ext, externalIPs: ['127.0.0.5'] });
    const eps = [endpoint('127.0.0.10', local, { isLocal: true }), endpoint('127.0.0.11', remote, { isLocal: false })];
    await p.sync(state([svc, eps], [extSvc, eps]));
    assert.deepEqual(p.listening(), [`TCP/127.0.0.2:${port}`, `TCP/127.0.0.3:${ext}`, `TCP/127.0.0.4:${nodePort}`, `TCP/127.0.0.5:${ext}`].sort());
    const viaNodePort: string[] = [];
    const viaClusterIP: string[] = [];
    for (let i = 0; i < 4; i++) {
      viaNodePort.push(await whoAnswers('127.0.0.4', nodePort));
      viaClusterIP.push(await whoAnswers('127.0.0.2', port));
    }
    assert.deepEqual(viaNodePort, ['local', 'local', 'local', 'local']);
    assert.deepEqual(viaClusterIP, ['local', 'remote', 'local', 'remote']);
    assert.deepEqual(new Set([await whoAnswers('127.0.0.5', ext), await whoAnswers('127.0.0.5', ext)]), new Set(['local', 'remote']));
    // Local policy with no local endpoint: the nodePort refuses, the ClusterIP still serves.
    await p.sync(state([svc, [endpoint('127.0.0.11', remote, { isLocal: false })]], [extSvc, eps]));
    assert.equal((await connectOutcome('127.0.0.4', nodePort)).code, 'ECONNREFUSED');
    assert.equal(await whoAnswers('127.0.0.2', port), 'remote');
    await p.cleanup();
  });

  it('rebinds when the port or the ClusterIP changes; open connections go on', async () => {
    const a = await echoServer('127.0.0.10', 'a');
    const p1 = await freePortOn('127.0.0.2');
    const p2 = await freePortOn('127.0.0.2');
    const p = newProxier();
    const eps = [endpoint('127.0.0.10', a)];
    await p.sync(state([servicePort({ name: 'moving', ip: '127.0.0.2', port: p1 }), eps]));
    const open = await openEcho('127.0.0.2', p1);
    await p.sync(state([servicePort({ name: 'moving', ip: '127.0.0.2', port: p2 }), eps]));
    assert.equal((await connectOutcome('127.0.0.2', p1)).code, 'ECONNREFUSED');
    assert.equal(await whoAnswers('127.0.0.2', p2), 'a');
    await p.sync(state([servicePort({ name: 'moving', ip: '127.0.0.3', port: p2 }), eps]));
    assert.equal((await connectOutcome('127.0.0.2', p2)).code, 'ECONNREFUSED');
    assert.equal(await whoAnswers('127.0.0.3', p2), 'a');
    assert.deepEqual(p.listening(), [`TCP/127.0.0.3:${p2}`]);
    assert.equal(await open.echo('ping'), 'ping');
    open.sock.destroy();
    await p.cleanup();
  });

  it('logs a listener that cannot bind and binds it on a later sync; an unchanged sync changes nothing', async () => {
    const a = await echoServer('127.0.0.10', 'a');
    const port = await freePortOn('127.0.0.6');
    const squatter = createServer();
    await listen(squatter, '127.0.0.6', port);
    const p = newProxier();
    const st = state([servicePort({ name: 'busy', ip: '127.0.0.6', port }), [endpoint('127.0.0.10', a)]]);
    await p.sync(st);
    assert.deepEqual(p.listening(), []);
    await new Promise((r) => squatter.close(r));
    await p.sync(st);
    assert.deepEqual(p.listening(), [`TCP/127.0.0.6:${port}`]);
    const open = await openEcho('127.0.0.6', port);
    await p.sync(st);
    await p.sync(state([servicePort({ name: 'busy', ip: '127.0.0.6', port }), [endpoint('127.0.0.10', a)]]));
    assert.equal(await open.echo('same listener'), 'same listener');
    assert.equal(await whoAnswers('127.0.0.6', port), 'a');
    open.sock.destroy();
    await p.cleanup();
  });

  it('cleanup closes every listener and open connection', async () => {
    const a = await echoServer('127.0.0.10', 'a');
    const port = await freePortOn('127.0.0.2');
    const udpPort = await freePortOn('127.0.0.2');
    const p = newProxier();
    await p.sync(state(
      [servicePort({ name: 'c', ip: '127.0.0.2', port }), [endpoint('127.0.0.10', a)]],
      [servicePort({ name: 'u', ip: '127.0.0.2', port: udpPort, protocol: 'UDP' }), [endpoint('127.0.0.10', await udpEcho('127.0.0.10', 'u'))]],
    ));
    const open = await openEcho('127.0.0.2', port);
    const closed = once(open.sock, 'close');
    await p.cleanup();
    await closed;
    assert.deepEqual(p.listening(), []);
    assert.equal(p.connectionCount, 0);
    assert.equal((await connectOutcome('127.0.0.2', port)).code, 'ECONNREFUSED');
    // The UDP port is free again.
    const probe = dgram.createSocket('udp4');
    probe.bind(udpPort, '127.0.0.2');
    await once(probe, 'listening');
    probe.close();
  });
});

describe('userspace proxier: UDP', () => {
  it('relays datagrams per client flow and answers from the service address', async () => {
    const a = await udpEcho('127.0.0.10', 'a');
    const b = await udpEcho('127.0.0.11', 'b');
    const port = await freePortOn('127.0.0.3');
    const metrics = createProxyMetrics();
    const p = newProxier({ metrics, udpIdleTimeoutMs: 60_000 });
    await p.sync(state([servicePort({ name: 'dns', ip: '127.0.0.3', port, protocol: 'UDP' }), [endpoint('127.0.0.10', a), endpoint('127.0.0.11', b)]]));
    assert.deepEqual(p.listening(), [`UDP/127.0.0.3:${port}`]);
    const c1 = await udpClient('127.0.0.20');
    const c2 = await udpClient('127.0.0.21');
    try {
      const r1 = await c1.ask('127.0.0.3', port, 'one');
      assert.deepEqual(r1, { reply: 'a:one', from: `127.0.0.3:${port}` });
      // A flow keeps its endpoint; another client gets the next one.
      assert.equal((await c1.ask('127.0.0.3', port, 'two')).reply, 'a:two');
      assert.deepEqual(await c2.ask('127.0.0.3', port, 'three'), { reply: 'b:three', from: `127.0.0.3:${port}` });
      assert.equal(p.udpFlowCount, 2);
      assert.equal(await metricValue(metrics, 'kubeproxy_userspace_active_connections', { protocol: 'UDP' }), 2);
    } finally {
      c1.close();
      c2.close();
    }
    await p.cleanup();
    assert.equal(p.udpFlowCount, 0);
    assert.equal(await metricValue(metrics, 'kubeproxy_userspace_bytes_total', { protocol: 'UDP', direction: 'in' }), 'one'.length + 'two'.length + 'three'.length);
  });

  it('closes a flow after the idle timeout, not while it is used', async () => {
    const a = await udpEcho('127.0.0.10', 'a');
    const b = await udpEcho('127.0.0.11', 'b');
    const port = await freePortOn('127.0.0.3');
    const p = newProxier({ udpIdleTimeoutMs: 300 });
    await p.sync(state([servicePort({ name: 'idle', ip: '127.0.0.3', port, protocol: 'UDP' }), [endpoint('127.0.0.10', a), endpoint('127.0.0.11', b)]]));
    const c = await udpClient('127.0.0.20');
    try {
      // Busy for 1.2 s, a datagram every 100 ms: one flow, one endpoint throughout.
      for (let i = 0; i < 12; i++) {
        assert.equal((await c.ask('127.0.0.3', port, `m${i}`)).reply, `a:m${i}`);
        assert.equal(p.udpFlowCount, 1);
        await sleep(100);
      }
      await waitFor(() => p.udpFlowCount === 0, { what: 'the idle flow to close', timeoutMs: 3000 });
      // A new flow picks again (round robin moves on).
      assert.equal((await c.ask('127.0.0.3', port, 'again')).reply, 'b:again');
    } finally {
      c.close();
    }
    await p.cleanup();
  });

  it('moves a busy flow off an endpoint that was removed', async () => {
    const a = await udpEcho('127.0.0.10', 'a');
    const b = await udpEcho('127.0.0.11', 'b');
    const port = await freePortOn('127.0.0.3');
    const p = newProxier({ udpIdleTimeoutMs: 60_000 });
    const svc = servicePort({ name: 'moving', ip: '127.0.0.3', port, protocol: 'UDP' });
    await p.sync(state([svc, [endpoint('127.0.0.10', a), endpoint('127.0.0.11', b)]]));
    const c = await udpClient('127.0.0.20');
    try {
      assert.equal((await c.ask('127.0.0.3', port, 'x')).reply, 'a:x');
      await p.sync(state([svc, [endpoint('127.0.0.10', a), endpoint('127.0.0.11', b)]]));
      assert.equal((await c.ask('127.0.0.3', port, 'y')).reply, 'a:y', 'an unchanged sync keeps the flow');
      await p.sync(state([svc, [endpoint('127.0.0.11', b)]]));
      assert.equal(p.udpFlowCount, 0);
      assert.equal((await c.ask('127.0.0.3', port, 'z')).reply, 'b:z');
    } finally {
      c.close();
    }
    await p.cleanup();
  });

  it('stops listening (port unreachable) while the port has no endpoint', async () => {
    const port = await freePortOn('127.0.0.3');
    const p = newProxier();
    const svc = servicePort({ name: 'none', ip: '127.0.0.3', port, protocol: 'UDP' });
    await p.sync(state([svc, []]));
    assert.deepEqual(p.listening(), []);
    const s = dgram.createSocket('udp4');
    try {
      s.connect(port, '127.0.0.3');
      await once(s, 'connect');
      const refused = once(s, 'error');
      s.send('anyone?');
      const [err] = await refused as [NodeJS.ErrnoException];
      assert.equal(err.code, 'ECONNREFUSED');
    } finally {
      s.close();
    }
    await p.sync(state([svc, [endpoint('127.0.0.10', await udpEcho('127.0.0.10', 'a'))]]));
    const c = await udpClient('127.0.0.20');
    try {
      assert.equal((await c.ask('127.0.0.3', port, 'now')).reply, 'a:now');
    } finally {
      c.close();
    }
    await p.cleanup();
  });
});
