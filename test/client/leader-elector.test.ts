// LeaderElector against the real apiserver: two candidates in one process with short
// durations (lease 3 s, renew deadline 2 s, retry 0.5 s, no jitter so the bounds are
// tight).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Lease } from '../../api/types/coordination.js';
import { loadClientConfig } from '../../client/kubeconfig.js';
import { formatMicroTime, LeaderElector, type LeaderElectorOptions } from '../../client/leader-elector.js';
import { resourceClient } from '../../client/resource-client.js';
import { RestClient } from '../../client/rest-client.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { waitFor } from '../harness/processes.js';

const LEASE_MS = 3000;
const RENEW_MS = 2000;
const RETRY_MS = 500;
const MICROTIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

interface Candidate {
  id: string;
  elector: LeaderElector;
  ac: AbortController;
  done: Promise<void>;
  /** What the callbacks saw, in order: "started", "stopped", "leader <id>". */
  log: string[];
  /** performance.now() of each onStartedLeading / onStoppedLeading. */
  startedAt: number[];
  stoppedAt: number[];
  /** The signal given to the last onStartedLeading. */
  leadingSignal?: AbortSignal;
  /** performance.now() when each leading signal aborted. */
  abortedAt: number[];
}

/**
 * A plain-HTTP proxy in front of the apiserver for one candidate. In 'pass' mode it
 * forwards everything. Armed with delayNextRenewal(ms), it forwards the next Lease PUT
 * at once (so etcd has it and every other candidate sees it) but holds its reply for
 * ms; from that PUT on, Lease requests are held and never forwarded (renewals that
 * cannot get through).
 */
class LeaseDelayingProxy {
  private server?: Server;
  private mode: 'pass' | 'delay-next-put' | 'hold' = 'pass';
  private delayMs = 0;
  private readonly held = new Set<ServerResponse>();
  /** performance.now() at which each Lease write (create or renewal) reached the proxy, and whether it was forwarded. */
  readonly writes: { at: number; forwarded: boolean }[] = [];
  /** When the delayed renewal arrived, and when its (successful) reply was sent. */
  delayed?: { at: number; repliedAt?: number; status?: number };

  constructor(private readonly upstream: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void this.handle(req.method ?? 'GET', req.url ?? '/', req.headers['content-type'], Buffer.concat(chunks), res));
    });
    this.server.listen(0, '127.0.0.1');
    await new Promise((r) => this.server?.once('listening', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  delayNextRenewal(ms: number): void {
    this.delayMs = ms;
    this.mode = 'delay-next-put';
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  private async handle(method: string, url: string, contentType: string | undefined, body: Buffer, res: ServerResponse): Promise<void> {
    const lease = url.includes('/leases');
    const at = performance.now();
    if (lease && method !== 'GET') this.writes.push({ at, forwarded: this.mode !== 'hold' });
    if (lease && this.mode === 'hold') {
      this.held.add(res);
      res.on('close', () => this.held.delete(res));
      return;
    }
    const delayed = lease && method === 'PUT' && this.mode === 'delay-next-put';
    if (delayed) {
      this.mode = 'hold';
      this.delayed = { at };
    }
    try {
      const up = await fetch(this.upstream + url, { method, body: method === 'GET' ? undefined : body.toString(), headers: contentType ? { 'content-type': contentType } : {} });
      const text = await up.text();
      if (delayed) await new Promise((r) => setTimeout(r, this.delayMs));
      res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' }).end(text);
      if (delayed && this.delayed) Object.assign(this.delayed, { repliedAt: performance.now(), status: up.status });
    } catch (err) {
      res.writeHead(502).end(String(err));
    }
  }
}

describe('LeaderElector', () => {
  let cp: ControlPlane;
  let rest: RestClient;
  const running: Candidate[] = [];

  before(async () => {
    cp = await startControlPlane();
    rest = new RestClient(loadClientConfig({ kubeconfig: cp.kubeconfig }), { userAgent: 'leader-elector-test' });
  });
  after(async () => {
    for (const c of running) c.ac.abort();
    await Promise.allSettled(running.map((c) => c.done));
    await rest?.close();
    await cp?.stop();
  });

  function start(name: string, id: string, opts: Partial<LeaderElectorOptions> = {}): Candidate {
    const c: Candidate = { id, ac: new AbortController(), log: [], startedAt: [], stoppedAt: [], abortedAt: [] } as unknown as Candidate;
    c.elector = new LeaderElector({
      rest, name, identity: id, namespace: 'kube-system',
      leaseDurationMs: LEASE_MS, renewDeadlineMs: RENEW_MS, retryPeriodMs: RETRY_MS, jitterFactor: 0,
      onStartedLeading: (signal) => {
        c.log.push('started');
        c.startedAt.push(performance.now());
        c.leadingSignal = signal;
        signal.addEventListener('abort', () => c.abortedAt.push(performance.now()));
      },
      onStoppedLeading: () => { c.log.push('stopped'); c.stoppedAt.push(performance.now()); },
      onNewLeader: (leader) => c.log.push(`leader ${leader}`),
      ...opts,
    });
    c.done = c.elector.run(c.ac.signal);
    running.push(c);
    return c;
  }

  /** Samples both candidates every 5 ms; `both` counts samples where both led. */
  function sampler(a: Candidate, b: Candidate): { samples: number; both: number; stop(): void } {
    const s = { samples: 0, both: 0, stop: () => clearInterval(timer) };
    const timer = setInterval(() => {
      s.samples++;
      if (a.elector.isLeader() && b.elector.isLeader()) s.both++;
    }, 5);
    return s;
  }

  const getLease = (name: string): Promise<Lease> => resourceClient<Lease>(rest, 'leases').get('kube-system', name);
  const leading = (c: Candidate) => () => c.elector.isLeader();

  it('elects exactly one of two candidates and keeps renewing its lease', async () => {
    const a = start('basic', 'a');
    const b = start('basic', 'b');
    const s = sampler(a, b);
    await waitFor(() => a.elector.isLeader() || b.elector.isLeader(), { timeoutMs: 5000, what: 'a leader' });
    const [leader, follower] = a.elector.isLeader() ? [a, b] : [b, a];
    const first = await getLease('basic');
    assert.equal(first.spec?.holderIdentity, leader.id);
    assert.equal(first.spec?.leaseDurationSeconds, 3);
    assert.equal(first.spec?.leaseTransitions, 0);
    assert.match(first.spec?.acquireTime ?? '', MICROTIME);
    assert.match(first.spec?.renewTime ?? '', MICROTIME);
    // A few renewals pass while the follower keeps polling.
    let renewals = 0;
    let lastRenew = first.spec?.renewTime;
    await waitFor(async () => {
      const l = await getLease('basic');
      if (l.spec?.renewTime !== lastRenew) { renewals++; lastRenew = l.spec?.renewTime; }
      assert.equal(l.spec?.holderIdentity, leader.id);
      assert.equal(l.spec?.acquireTime, first.spec?.acquireTime, 'renewals keep acquireTime');
      return renewals >= 3;
    }, { timeoutMs: 5000, intervalMs: 100, what: 'three renewals' });
    s.stop();
    assert.equal(s.both, 0, 'never two leaders at once');
    assert.ok(s.samples > 100);
    assert.ok(leader.elector.isLeader());
    assert.ok(!follower.elector.isLeader());
    assert.equal(follower.elector.getLeader(), leader.id);
    assert.equal(leader.elector.getLeader(), leader.id);
    assert.deepEqual(leader.log, [`leader ${leader.id}`, 'started']);
    assert.deepEqual(follower.log, [`leader ${leader.id}`]);
    a.ac.abort();
    b.ac.abort();
    await Promise.all([a.done, b.done]);
  });

  it('takes over from a crashed leader only once the lease has expired, counting the transition', async () => {
    const a = start('crash', 'a', { releaseOnCancel: false });
    await waitFor(leading(a), { timeoutMs: 5000, what: 'a to lead' });
    const b = start('crash', 'b');
    await waitFor(() => b.elector.getLeader() === 'a', { timeoutMs: 5000, what: 'b to observe a' });
    const s = sampler(a, b);
    // A crash: a stops renewing and does not release.
    const crashedAt = performance.now();
    a.ac.abort();
    await a.done;
    assert.equal((await getLease('crash')).spec?.holderIdentity, 'a', 'not released');
    await waitFor(leading(b), { timeoutMs: LEASE_MS + 3 * RETRY_MS + 2000, what: 'b to take over' });
    s.stop();
    const took = b.startedAt[0]! - crashedAt;
    // a's last renewal was at most one retry period before the crash; b saw it at most
    // one poll later and takes over at the first poll after the lease has run out.
    assert.ok(took >= LEASE_MS - RETRY_MS - 100, `took over after ${took} ms: before the lease expired`);
    // The upper bound leaves a second for a loaded CI machine's scheduling delays.
    assert.ok(took <= LEASE_MS + 2 * RETRY_MS + 1000, `took over after ${took} ms`);
    assert.equal(s.both, 0);
    assert.deepEqual(a.log, ['leader a', 'started', 'stopped']);
    assert.deepEqual(b.log, ['leader a', 'leader b', 'started']);
    const lease = await getLease('crash');
    assert.equal(lease.spec?.holderIdentity, 'b');
    assert.equal(lease.spec?.leaseTransitions, 1);
    b.ac.abort();
    await b.done;
  });

  it('hands over at once when the leader releases on cancel', async () => {
    const a = start('release', 'a');
    await waitFor(leading(a), { timeoutMs: 5000, what: 'a to lead' });
    const b = start('release', 'b');
    await waitFor(() => b.elector.getLeader() === 'a', { timeoutMs: 5000, what: 'b to observe a' });
    const s = sampler(a, b);
    const cancelledAt = performance.now();
    a.ac.abort();
    await a.done;
    await waitFor(leading(b), { timeoutMs: 2 * RETRY_MS + 1000, what: 'b to take over' });
    s.stop();
    const took = b.startedAt[0]! - cancelledAt;
    assert.ok(took < RETRY_MS + 1000, `took over after ${took} ms`);
    assert.equal(s.both, 0);
    const lease = await getLease('release');
    assert.equal(lease.spec?.holderIdentity, 'b');
    assert.equal(lease.spec?.leaseTransitions, 1);
    assert.equal(lease.spec?.leaseDurationSeconds, 3);
    // b's release on cancel leaves the lease free, as client-go: no holder, 1 s.
    b.ac.abort();
    await b.done;
    const released = await getLease('release');
    assert.equal(released.spec?.holderIdentity, '');
    assert.equal(released.spec?.leaseDurationSeconds, 1);
    assert.equal(released.spec?.leaseTransitions, 1);
    assert.deepEqual(b.log, ['leader a', 'leader b', 'started', 'stopped']);
  });

  it('stops leading within the renew deadline when the apiserver goes away, and campaigns again', async () => {
    const c = start('outage', 'c');
    await waitFor(leading(c), { timeoutMs: 5000, what: 'c to lead' });
    const signal = c.leadingSignal!;
    await cp.apiserver.kill9();
    const goneAt = performance.now();
    await waitFor(() => !c.elector.isLeader(), { timeoutMs: RENEW_MS + 2500, intervalMs: 10, what: 'c to stop leading' });
    const lost = c.stoppedAt[0]! - goneAt;
    // The last renewal was at most one retry period before the apiserver went away.
    assert.ok(lost <= RENEW_MS + 1000, `stopped leading ${lost} ms after the apiserver went away`);
    assert.ok(lost >= RENEW_MS - RETRY_MS - 300, `stopped leading only ${lost} ms after the apiserver went away`);
    assert.ok(signal.aborted, 'the leading signal aborts');
    assert.deepEqual(c.log, ['leader c', 'started', 'stopped']);
    await cp.restartApiserver();
    // Its own record still names it: it renews that at once once the server is back.
    await waitFor(leading(c), { timeoutMs: 10_000, what: 'c to lead again' });
    assert.deepEqual(c.log, ['leader c', 'started', 'stopped', 'started']);
    assert.equal((await getLease('outage')).spec?.leaseTransitions, 0);
    c.ac.abort();
    await c.done;
  });

  /**
   * Starts a through a LeaseDelayingProxy and b directly; once a leads and b has seen
   * it, arms the proxy so a's next renewal is written at once but answered delayMs later,
   * and later renewals never get through.
   */
  async function delayedRenewal(name: string, delayMs: number) {
    const proxy = new LeaseDelayingProxy(cp.url);
    const proxied = new RestClient({ server: await proxy.start(), namespace: 'default' }, { userAgent: 'leader-elector-test-proxied' });
    const a = start(name, 'a', { rest: proxied, releaseOnCancel: false });
    await waitFor(leading(a), { timeoutMs: 5000, what: 'a to lead' });
    const b = start(name, 'b');
    await waitFor(() => b.elector.getLeader() === 'a', { timeoutMs: 5000, what: 'b to observe a' });
    const s = sampler(a, b);
    proxy.delayNextRenewal(delayMs);
    await waitFor(() => proxy.delayed !== undefined, { timeoutMs: 5000, what: 'a renewal to reach the proxy' });
    const renewal = proxy.delayed!;
    // The write before it (a renewal, or the create): the last one answered at once.
    const previous = proxy.writes.filter((p) => p.forwarded && p.at < renewal.at).at(-1)!;
    await waitFor(leading(b), { timeoutMs: LEASE_MS + 4 * RETRY_MS + delayMs + 2000, what: 'b to take over' });
    s.stop();
    await waitFor(() => a.stoppedAt.length > 0, { timeoutMs: 2000, what: 'a to stop leading' });
    const cleanup = async () => {
      a.ac.abort();
      b.ac.abort();
      await proxy.close();
      await Promise.all([a.done, b.done]);
      await proxied.close();
    };
    return { a, b, s, proxy, renewal, previous, cleanup };
  }

  it('counts the renew deadline from when a renewal was sent, not from when its delayed reply came', async () => {
    // Sent at t, written at once (b sees it and may take over at t + lease), answered at
    // t + 1.2 s: a may lead until t + renew deadline, not t + 1.2 s + renew deadline.
    const { a, b, s, renewal, cleanup } = await delayedRenewal('late-reply', 1200);
    try {
      assert.equal(renewal.status, 200, 'the delayed renewal was written');
      assert.ok(renewal.repliedAt! - renewal.at >= 1200);
      assert.ok(a.leadingSignal?.aborted, 'a\'s leading signal aborted');
      const ledFor = a.abortedAt[0]! - renewal.at;
      assert.ok(ledFor <= RENEW_MS + 250, `a led on ${ledFor} ms after the last renewal it sent; the renew deadline is ${RENEW_MS} ms`);
      assert.ok(a.abortedAt[0]! < b.startedAt[0]!, 'a stopped before b started');
      assert.equal(s.both, 0, 'never two leaders at once');
      assert.deepEqual(a.log, ['leader a', 'started', 'stopped'], 'a, cut off, never saw b');
      assert.equal((await getLease('late-reply')).spec?.holderIdentity, 'b');
    } finally {
      await cleanup();
    }
  });

  it('aborts the leading signal at the renew deadline while a renewal is still in flight, and a reply after it does not extend leadership', async () => {
    // The renewal is written but answered only after the renew deadline has passed.
    const { a, s, renewal, previous, cleanup } = await delayedRenewal('in-flight', RENEW_MS + 1000);
    try {
      assert.ok(a.leadingSignal?.aborted);
      const ledFor = a.abortedAt[0]! - previous.at;
      assert.ok(ledFor <= RENEW_MS + 250, `a led on ${ledFor} ms after its last answered renewal was sent`);
      assert.ok(a.abortedAt[0]! < renewal.at + RENEW_MS, 'aborted before the late reply could come');
      assert.equal(s.both, 0);
      // The late reply (if a was still waiting for it) started nothing.
      await waitFor(() => renewal.repliedAt !== undefined, { timeoutMs: RENEW_MS + 3000, what: 'the late reply' });
      assert.equal(a.startedAt.length, 1, 'a never led again');
      assert.ok(!a.elector.isLeader());
    } finally {
      await cleanup();
    }
  });

  it('checks its durations and formats MicroTime as Kubernetes does', () => {
    const base = { rest, name: 'x', identity: 'i', onStartedLeading: () => undefined };
    assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 1000, renewDeadlineMs: 1000 }), /leaseDurationMs must be greater/);
    assert.throws(() => new LeaderElector({ ...base, renewDeadlineMs: 1000, retryPeriodMs: 1000 }), /renewDeadlineMs must be greater/);
    assert.equal(formatMicroTime(new Date(Date.UTC(2006, 0, 2, 15, 4, 5, 7))), '2006-01-02T15:04:05.007000Z');
  });
});
