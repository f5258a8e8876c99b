// LeaderElector: leader election on a coordination.k8s.io/v1 Lease with client-go's
// leaderelection semantics (DESIGN section 5: 15 s lease, 10 s renew deadline, 2 s
// retry).
//
// Candidates race to write their identity into one Lease with resourceVersion
// preconditions, so at most one write wins. A lease held by someone else is taken over
// only once it has gone unchanged for its leaseDurationSeconds as measured by *our*
// clock from the moment *we* last saw it change: remote clocks (renewTime) are never
// compared with ours. The leader renews every retry period and stops leading the
// moment the renew deadline has passed since it *sent* its last successful renewal
// (even with a renewal still in flight; one answered after that does not count).
// Another candidate saw that renewal no earlier than it was sent and waits the longer
// lease duration from then, so the leader stops before anyone else can take over,
// however late the replies.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isNotFound } from '../api/errors.js';
import { rfc3339Micro } from '../api/helpers/time.js';
import type { Lease, LeaseSpec } from '../api/types/coordination.js';
import { resourceClient, type ResourceClient } from './resource-client.js';
import type { RestClient } from './rest-client.js';

/** Kept under its old name for callers (tests) that format Lease times. */
export { rfc3339Micro as formatMicroTime } from '../api/helpers/time.js';

export interface LeaderCallbacks {
  /**
   * Called once leadership is acquired. `signal` aborts when leadership ends (lost, or
   * run() cancelled). A returned promise is awaited before the lease is released and
   * before campaigning again, so work that honours `signal` never overlaps a successor.
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called after leadership ends (only if it was held). */
  onStoppedLeading?(): void;
  /** Called when the observed holder changes to a non-empty identity (ours included). */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectorOptions extends LeaderCallbacks {
  /** Either a RestClient or a ready Lease client. */
  rest?: RestClient;
  client?: ResourceClient<Lease>;
  /** Namespace of the Lease (default kube-system). */
  namespace?: string;
  /** Name of the Lease, e.g. "kube-scheduler". */
  name: string;
  /** This candidate's unique identity, e.g. `${hostname}_${uuid}`. */
  identity: string;
  /** How long a lease is honoured after its last observed change (default 15000). */
  leaseDurationMs?: number;
  /** How long the leader keeps failing to renew before it stops leading (default 10000). */
  renewDeadlineMs?: number;
  /** Pause between acquire or renew attempts (default 2000). */
  retryPeriodMs?: number;
  /** Acquire attempts wait retryPeriod * (1 + random * jitterFactor); default 1.2 as client-go. */
  jitterFactor?: number;
  /** On cancel, clear the holder so another candidate takes over at once (default true). */
  releaseOnCancel?: boolean;
  logger?: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** Monotonic milliseconds for observation times (default performance.now). */
  now?: () => number;
  /** Wall clock for the MicroTimes written into the Lease (default new Date()). */
  wallClock?: () => Date;
}

type Attempt = 'acquired' | 'held-by-other' | 'failed';

/**
 * Runs one candidate. Components call run(signal) once from main and do their work in
 * onStartedLeading; run() resolves after `signal` aborts and leadership (if held) has
 * been given up. After losing leadership it campaigns again, so a component that must
 * exit on loss (as kube-scheduler does) aborts its own signal in onStoppedLeading.
 */
export class LeaderElector {
  private readonly leases: ResourceClient<Lease>;
  private readonly namespace: string;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly jitterFactor: number;
  private readonly releaseOnCancel: boolean;
  private readonly now: () => number;
  private readonly wallClock: () => Date;
  private readonly log: LeaderElectorOptions['logger'];

  /** The last Lease we read or wrote, and when (our clock) its spec last changed. */
  private observed?: Lease;
  private observedTime = 0;
  private reportedLeader = '';
  private leading?: AbortController;
  private running = false;

  constructor(private readonly opts: LeaderElectorOptions) {
    if (!opts.client && !opts.rest) throw new Error('LeaderElector needs rest or client');
    if (!opts.name) throw new Error('LeaderElector needs a lease name');
    if (!opts.identity) throw new Error('LeaderElector needs an identity');
    this.leases = opts.client ?? resourceClient<Lease>(opts.rest!, 'leases');
    this.namespace = opts.namespace ?? 'kube-system';
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    this.jitterFactor = opts.jitterFactor ?? 1.2;
    this.releaseOnCancel = opts.releaseOnCancel ?? true;
    this.now = opts.now ?? (() => performance.now());
    this.wallClock = opts.wallClock ?? (() => new Date());
    this.log = opts.logger;
    // The same checks as client-go's NewLeaderElector: otherwise two leaders can overlap.
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new Error('leaseDurationMs must be greater than renewDeadlineMs');
    if (this.renewDeadlineMs <= 1.2 * this.retryPeriodMs) throw new Error('renewDeadlineMs must be greater than 1.2 * retryPeriodMs');
    if (this.retryPeriodMs <= 0) throw new Error('retryPeriodMs must be positive');
  }

  /** True between onStartedLeading and the end of leadership. */
  isLeader(): boolean {
    return this.leading !== undefined && !this.leading.signal.aborted;
  }

  /** The holder identity last observed in the Lease; undefined when none is known. */
  getLeader(): string | undefined {
    return this.observed?.spec?.holderIdentity || undefined;
  }

  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error('LeaderElector.run is already running');
    this.running = true;
    try {
      while (!signal.aborted) {
        const acquiredAt = await this.acquire(signal);
        if (acquiredAt === undefined) break;
        await this.lead(signal, acquiredAt);
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * Tries every (jittered) retry period until acquired or cancelled (undefined).
   * Resolves with when (our clock) the acquiring attempt started.
   */
  private async acquire(signal: AbortSignal): Promise<number | undefined> {
    this.log?.info({ lease: this.leaseKey() }, 'attempting to acquire leader lease');
    for (;;) {
      if (signal.aborted) return undefined;
      const started = this.now();
      const result = await this.tryAcquireOrRenew(signal, started);
      if (result === 'acquired') {
        if (this.now() - started < this.renewDeadlineMs) {
          this.log?.info({ lease: this.leaseKey() }, 'successfully acquired lease');
          return started;
        }
        // Its reply came after the renew deadline: leadership would already be over.
        // The lease is ours, so the next attempt renews it.
        this.log?.warn({ lease: this.leaseKey(), ms: Math.round(this.now() - started) }, 'acquired the lease only after the renew deadline; trying again');
      }
      const wait = this.retryPeriodMs * (1 + Math.random() * this.jitterFactor);
      if (!(await pause(wait, signal))) return undefined;
    }
  }

  /**
   * Leads until the renew deadline passes since the last successful renewal (or the
   * acquisition, at acquiredAt) was sent, another holder appears, or cancel.
   */
  private async lead(signal: AbortSignal, acquiredAt: number): Promise<void> {
    const leading = new AbortController();
    this.leading = leading;
    let renewedAt = acquiredAt;
    let why: 'cancelled' | 'lost' = 'cancelled';
    // client-go's renew: PollImmediateUntil(retryPeriod, tryAcquireOrRenew) under a
    // context with the renew deadline. Here the deadline counts from when the last
    // successful renewal was sent, and a timer ends leadership at that moment, with
    // whatever request is in flight aborted with it.
    let deadline: NodeJS.Timeout | undefined;
    const armDeadline = (): void => {
      clearTimeout(deadline);
      deadline = setTimeout(() => { why = 'lost'; leading.abort(); }, Math.max(0, renewedAt + this.renewDeadlineMs - this.now()));
    };
    armDeadline();
    const work = Promise.resolve()
      .then(() => this.opts.onStartedLeading(leading.signal))
      .catch((err: unknown) => this.log?.error({ err }, 'onStartedLeading failed'));
    const stop = AbortSignal.any([signal, leading.signal]);
    renewing: for (;;) {
      if (!(await pause(this.retryPeriodMs, stop))) break;
      for (;;) {
        const started = this.now();
        const result = await this.tryAcquireOrRenew(stop, started);
        if (stop.aborted) break renewing;
        if (result === 'acquired') {
          // A reply that comes after the deadline (its timer late) extends nothing.
          if (this.now() >= renewedAt + this.renewDeadlineMs) { why = 'lost'; break renewing; }
          renewedAt = started;
          armDeadline();
          break;
        }
        if (result === 'held-by-other') { why = 'lost'; break renewing; }
        if (!(await pause(this.retryPeriodMs, stop))) break renewing;
      }
    }
    clearTimeout(deadline);
    leading.abort();
    if (why === 'lost') this.log?.warn({ lease: this.leaseKey() }, 'failed to renew lease: leadership lost');
    else this.log?.info({ lease: this.leaseKey() }, 'stopping leadership: cancelled');
    await work;
    if (why === 'cancelled' && this.releaseOnCancel) await this.release();
    this.leading = undefined;
    try {
      this.opts.onStoppedLeading?.();
    } catch (err) {
      this.log?.error({ err }, 'onStoppedLeading failed');
    }
  }

  /**
   * One attempt, as client-go's tryAcquireOrRenew: read the Lease (create it if
   * missing), note when its spec last changed, and write our identity if it is ours
   * already, free, or expired by our observation clock. A Lease we wrote counts as
   * changed when the attempt started (started), not when the reply came.
   */
  private async tryAcquireOrRenew(signal: AbortSignal, started: number): Promise<Attempt> {
    const wallNow = rfc3339Micro(this.wallClock());
    const desired: LeaseSpec = {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: wallNow,
      renewTime: wallNow,
      leaseTransitions: 0,
    };

    // Fast path while leading: update our last write without reading it first.
    if (this.isLeader() && this.observed && this.observedHolderIsUs() && this.leaseValid()) {
      const spec = { ...desired, acquireTime: this.observed.spec?.acquireTime, leaseTransitions: this.observed.spec?.leaseTransitions ?? 0 };
      try {
        this.setObserved(await this.leases.update(this.namespace, { ...this.observed, spec }, { signal }), started);
        return 'acquired';
      } catch (err) {
        if (signal.aborted) return 'failed';
        this.log?.debug({ err }, 'optimistic lease renewal failed; reading the lease');
      }
    }

    let current: Lease;
    try {
      current = await this.leases.get(this.namespace, this.opts.name, signal);
    } catch (err) {
      if (!isNotFound(err)) {
        this.log?.warn({ lease: this.leaseKey(), err }, 'error retrieving lease');
        return 'failed';
      }
      try {
        const created = await this.leases.create(this.namespace, {
          apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
          metadata: { name: this.opts.name, namespace: this.namespace }, spec: desired,
        }, { signal });
        this.setObserved(created, started);
        return 'acquired';
      } catch (createErr) {
        // AlreadyExists: another candidate created it first; look again next round.
        this.log?.debug({ err: createErr }, 'error creating lease');
        return 'failed';
      }
    }

    this.setObserved(current);
    const holder = current.spec?.holderIdentity ?? '';
    if (holder && holder !== this.opts.identity && this.leaseValid()) {
      this.log?.debug({ lease: this.leaseKey(), holder }, 'lease is held by another candidate and has not yet expired');
      return 'held-by-other';
    }
    const spec: LeaseSpec = holder === this.opts.identity
      ? { ...desired, acquireTime: current.spec?.acquireTime ?? wallNow, leaseTransitions: current.spec?.leaseTransitions ?? 0 }
      : { ...desired, leaseTransitions: (current.spec?.leaseTransitions ?? 0) + 1 };
    try {
      // current carries its resourceVersion: a concurrent writer makes this a 409.
      this.setObserved(await this.leases.update(this.namespace, { ...current, spec }, { signal }), started);
      return 'acquired';
    } catch (err) {
      this.log?.debug({ lease: this.leaseKey(), err }, 'failed to update lease');
      return 'failed';
    }
  }

  /** Clears the holder (client-go: leaseDurationSeconds 1, empty holder) if we hold it. */
  private async release(): Promise<void> {
    if (!this.observed || !this.observedHolderIsUs()) return;
    const now = rfc3339Micro(this.wallClock());
    const spec: LeaseSpec = {
      holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now,
      leaseTransitions: this.observed.spec?.leaseTransitions ?? 0,
    };
    try {
      this.setObserved(await this.leases.update(this.namespace, { ...this.observed, spec }, { signal: AbortSignal.timeout(Math.ceil(this.renewDeadlineMs)) }));
      this.log?.info({ lease: this.leaseKey() }, 'released leader lease');
    } catch (err) {
      this.log?.warn({ lease: this.leaseKey(), err }, 'failed to release lease');
    }
  }

  /**
   * Records lease as last observed. at is when it changed by our clock: for a Lease we
   * read, when the reply came (its change may have been written just before); for one we
   * wrote, when we sent it (it may have been written, and seen by others, at once).
   */
  private setObserved(lease: Lease, at = this.now()): void {
    if (!this.observed || specKey(this.observed.spec) !== specKey(lease.spec)) this.observedTime = at;
    this.observed = lease;
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      try {
        this.opts.onNewLeader?.(holder);
      } catch (err) {
        this.log?.error({ err }, 'onNewLeader failed');
      }
    }
  }

  /** Valid while less than its leaseDurationSeconds has passed since we saw it change. */
  private leaseValid(): boolean {
    const seconds = this.observed?.spec?.leaseDurationSeconds ?? this.leaseDurationMs / 1000;
    return this.observedTime + seconds * 1000 > this.now();
  }

  private observedHolderIsUs(): boolean {
    return this.observed?.spec?.holderIdentity === this.opts.identity;
  }

  private leaseKey(): string {
    return `${this.namespace}/${this.opts.name}`;
  }
}

function specKey(spec: LeaseSpec | undefined): string {
  const s = spec ?? {};
  return JSON.stringify([s.holderIdentity ?? '', s.leaseDurationSeconds, s.acquireTime, s.renewTime, s.leaseTransitions ?? 0]);
}

/** Sleeps ms; false when signal aborted first. */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
