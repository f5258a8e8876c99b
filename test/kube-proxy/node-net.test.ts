// NodeNet against the host's real network: addresses on lo and the unreachable route
// for a test-only range (10.235.255.0/24: outside the default service range, so a
// kube-proxy another test runs never touches it, and used by no other test). Whatever
// a test leaves in the range is removed in after(), also when it failed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { pino, type Logger } from 'pino';
import { cidrContains } from '../../api/ipv4.js';
import { NodeNet } from '../../kube-proxy/node-net.js';
import { holdHostLock } from '../harness/host-lock.js';

// Changes what the whole host shares: never beside another such file (test/harness/host-lock.ts).
await holdHostLock();

const run = promisify(execFile);
const RANGE = '10.235.255.0/24';

/** Addresses inside RANGE on lo, as "ip/prefix", sorted. */
async function rangeOnLo(): Promise<string[]> {
  const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show', 'dev', 'lo']);
  return [...stdout.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)\/(\d+)/g)]
    .filter((m) => cidrContains(RANGE, m[1]!))
    .map((m) => `${m[1]}/${m[2]}`)
    .sort();
}

async function routeExists(): Promise<boolean> {
  const { stdout } = await run('ip', ['-4', 'route', 'show', 'table', 'main', 'exact', RANGE]);
  return stdout.includes(`unreachable ${RANGE}`);
}

/** How a TCP connect ends and how long it took. */
function connectOutcome(ip: string, port: number): Promise<{ code: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const c = connect({ host: ip, port });
    const done = (code: string): void => { c.destroy(); resolve({ code, ms: performance.now() - t0 }); };
    c.setTimeout(3000, () => done('timeout'));
    c.on('connect', () => done('connected'));
    c.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

function recordingLog(): { log: Logger; messages: string[] } {
  const messages: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void messages.push(JSON.parse(s).msg as string) });
  return { log, messages };
}

after(async () => {
  for (const a of await rangeOnLo()) await run('ip', ['addr', 'del', a, 'dev', 'lo']).catch(() => {});
  await run('ip', ['route', 'del', 'unreachable', RANGE]).catch(() => {});
});

describe('NodeNet', () => {
  it('puts exactly the wanted addresses on lo as /32s, with the unreachable route', async () => {
    const { log, messages } = recordingLog();
    const net = new NodeNet({ serviceCIDR: RANGE, log });
    // An address outside the range is not NodeNet's business.
    await net.sync(new Set(['10.235.255.1', '10.235.255.2', '10.235.255.3', '10.236.0.1']));
    assert.deepEqual(await rangeOnLo(), ['10.235.255.1/32', '10.235.255.2/32', '10.235.255.3/32']);
    assert.equal(await routeExists(), true);
    const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show', 'dev', 'lo']);
    assert.doesNotMatch(stdout, /10\.236\.0\.1/);

    await net.sync(new Set(['10.235.255.2', '10.235.255.4']));
    assert.deepEqual(await rangeOnLo(), ['10.235.255.2/32', '10.235.255.4/32']);

    // Nothing to change: nothing is changed (and nothing logged as changed).
    messages.length = 0;
    await net.sync(new Set(['10.235.255.2', '10.235.255.4']));
    assert.deepEqual(messages, []);
    assert.deepEqual(await rangeOnLo(), ['10.235.255.2/32', '10.235.255.4/32']);

    // The route is put back when something removed it.
    await run('ip', ['route', 'del', 'unreachable', RANGE]);
    await net.sync(new Set(['10.235.255.2', '10.235.255.4']));
    assert.equal(await routeExists(), true);
  });

  it('makes a connect to an unused address in the range fail at once, a used one answer', async () => {
    const net = new NodeNet({ serviceCIDR: RANGE, log: pino({ level: 'silent' }) });
    await net.sync(new Set(['10.235.255.10']));
    const server = createServer((c) => c.end());
    server.listen({ host: '10.235.255.10', port: 0 });
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      assert.equal((await connectOutcome('10.235.255.10', port)).code, 'connected');
      const r = await connectOutcome('10.235.255.11', port);
      assert.equal(r.code, 'EHOSTUNREACH');
      assert.ok(r.ms < 100, `failed after ${Math.round(r.ms)} ms`);
    } finally {
      server.close();
    }
  });

  it('removes stale addresses an earlier run left, whatever their prefix', async () => {
    await run('ip', ['addr', 'add', '10.235.255.77/32', 'dev', 'lo']);
    await run('ip', ['addr', 'add', '10.235.255.78/28', 'dev', 'lo']);
    const net = new NodeNet({ serviceCIDR: RANGE, log: pino({ level: 'silent' }) });
    await net.sync(new Set(['10.235.255.5']));
    assert.deepEqual(await rangeOnLo(), ['10.235.255.5/32']);
  });

  it('cleanup removes every address in the range and the route', async () => {
    const net = new NodeNet({ serviceCIDR: RANGE, log: pino({ level: 'silent' }) });
    const many = new Set(Array.from({ length: 50 }, (_, i) => `10.235.255.${100 + i}`));
    await net.sync(many);
    assert.equal((await rangeOnLo()).length, 50);
    await net.cleanup();
    assert.deepEqual(await rangeOnLo(), []);
    assert.equal(await routeExists(), false);
    // Loopback itself is untouched.
    const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show', 'dev', 'lo']);
    assert.match(stdout, /inet 127\.0\.0\.1\/8/);
    // Cleaning a clean node is fine.
    await net.cleanup();
  });
});
