// The node's heartbeat Lease (component-helpers' lease controller as the kubelet runs
// it): kube-node-lease/<node>, holderIdentity <node>, leaseDurationSeconds 40, its
// renewTime written every 10 s. The node lifecycle controller reads renewTime to tell a
// live node from a dead one, which is what lets the Node's own status be written only
// when it changes.
//
// One sync, as the Go controller's sync(): update the Lease we wrote last (no read),
// which only fails if someone else wrote it; otherwise read it (creating it when
// missing, with backoff 200 ms doubling to 7 s while the apiserver fails) and update
// that. A 409 re-reads and tries again, up to 5 attempts per sync.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isConflict, isNotFound } from '../api/errors.js';
import { rfc3339Micro } from '../api/helpers/time.js';
import type { Lease } from '../api/types/coordination.js';
import type { Node } from '../api/types/core.js';
import { resourceClient, type ResourceClient } from '../client/resource-client.js';
import type { RestClient } from '../client/rest-client.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** kubelet's --node-lease-duration-seconds default. */
export const DEFAULT_LEASE_DURATION_SECONDS = 40;
const MAX_UPDATE_RETRIES = 5;
const MAX_BACKOFF_MS = 7000;
const JITTER = 0.04;

export type LeaseLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface NodeLeaseOptions {
  /** Either rest, or ready Lease and Node clients. */
  rest?: RestClient;
  leases?: ResourceClient<Lease>;
  nodes?: ResourceClient<Node>;
  nodeName: string;
  /** Default: the node name. */
  holderIdentity?: string;
  /** Default kube-node-lease. */
  namespace?: string;
  /** Default 40. */
  leaseDurationSeconds?: number;
  /** Pause between renewals, jittered by up to 4% (default: a quarter of the lease duration, 10 s). */
  renewIntervalMs?: number;
  /** Cap of the backoff while the Lease cannot be read or created (default 7000). */
  maxBackoffMs?: number;
  /** Called when a renewal fails twice in a row within one sync (the kubelet closes its connections). */
  onRepeatedHeartbeatFailure?: () => void;
  /** Wall clock for renewTime (default new Date()). */
  clock?: () => Date;
  logger?: LeaseLogger;
}

/**
 * Keeps the node's Lease renewed. The kubelet builds one and calls run(signal) once;
 * run() resolves after `signal` aborts, with no timer or request left behind. The Lease
 * is created only once the Node exists, since it must carry the Node as its owner
 * (so deleting the Node garbage-collects the Lease).
 */
export class NodeLeaseController {
  private readonly leases: ResourceClient<Lease>;
  private readonly nodes: ResourceClient<Node>;
  private readonly namespace: string;
  private readonly holder: string;
  private readonly durationSeconds: number;
  private readonly renewIntervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly clock: () => Date;
  private readonly log?: LeaseLogger;
  /** The Lease as we last read or wrote it. */
  private latest?: Lease;

  constructor(private readonly opts: NodeLeaseOptions) {
    if (!opts.nodeName) throw new Error('NodeLeaseController needs a node name');
    if (!opts.rest && !(opts.leases && opts.nodes)) throw new Error('NodeLeaseController needs rest, or leases and nodes clients');
    this.leases = opts.leases ?? resourceClient<Lease>(opts.rest!, 'leases');
    this.nodes = opts.nodes ?? resourceClient<Node>(opts.rest!, 'nodes');
    this.namespace = opts.namespace ?? NODE_LEASE_NAMESPACE;
    this.holder = opts.holderIdentity ?? opts.nodeName;
    this.durationSeconds = opts.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_SECONDS;
    this.renewIntervalMs = opts.renewIntervalMs ?? (this.durationSeconds * 1000) / 4;
    this.maxBackoffMs = opts.maxBackoffMs ?? MAX_BACKOFF_MS;
    this.clock = opts.clock ?? (() => new Date());
    this.log = opts.logger;
  }

  /** The Lease as last read or written (undefined before the first success). */
  get lease(): Lease | undefined {
    return this.latest;
  }

  /** Renews now, then every renew interval, until signal aborts. Never throws. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.sync(signal);
      const wait = this.renewIntervalMs * (1 + Math.random() * JITTER);
      if (!(await pause(wait, signal))) break;
    }
  }

  /**
   * One renewal. True when the Lease now carries a fresh renewTime; false when this
   * round failed (the next round tries again) or signal aborted.
   */
  async sync(signal: AbortSignal): Promise<boolean> {
    if (this.latest) {
      // Nobody but us writes this Lease, so the copy we wrote last is almost always
      // current: renew it without reading it first.
      if (await this.retryUpdate(this.latest, signal)) return true;
      if (signal.aborted) return false;
      this.log?.info({ lease: this.key() }, 'failed to update lease using latest lease, falling back to ensure lease');
    }
    const ensured = await this.backoffEnsure(signal);
    if (!ensured) return false;
    this.latest = ensured.lease;
    // A Lease we just created carries a fresh renewTime already.
    if (ensured.created) return true;
    const ok = await this.retryUpdate(ensured.lease, signal);
    if (!ok && !signal.aborted) this.log?.error({ lease: this.key(), retryMs: this.renewIntervalMs }, 'will retry updating lease');
    return ok;
  }

  /** Up to 5 updates of base with a new renewTime; a conflict re-reads the Lease first. */
  private async retryUpdate(base: Lease, signal: AbortSignal): Promise<boolean> {
    let current: Lease | undefined = base;
    for (let i = 0; i < MAX_UPDATE_RETRIES && current && !signal.aborted; i++) {
      try {
        this.latest = await this.leases.update(this.namespace, await this.newLease(current, signal), { signal });
        return true;
      } catch (err) {
        if (signal.aborted) return false;
        this.log?.error({ lease: this.key(), err: errText(err) }, 'failed to update lease');
        if (isConflict(err)) {
          // Someone else wrote it: continue from what is stored now.
          current = (await this.backoffEnsure(signal))?.lease;
          continue;
        }
        if (i > 0) this.opts.onRepeatedHeartbeatFailure?.();
      }
    }
    return false;
  }

  /**
   * Reads the Lease, creating it when missing, until that works or signal aborts
   * (undefined). The backoff starts at 200 ms and doubles up to maxBackoffMs.
   */
  private async backoffEnsure(signal: AbortSignal): Promise<{ lease: Lease; created: boolean } | undefined> {
    let delay = 100;
    while (!signal.aborted) {
      try {
        const ensured = await this.ensure(signal);
        if (ensured) return ensured;
      } catch (err) {
        if (signal.aborted) return undefined;
        delay = Math.min(delay * 2, this.maxBackoffMs);
        this.log?.error({ lease: this.key(), err: errText(err), retryMs: delay }, 'failed to ensure lease exists, will retry');
        if (!(await pause(delay, signal))) return undefined;
        continue;
      }
      // The Node is not there yet, so no owner can be set: the next round retries.
      return undefined;
    }
    return undefined;
  }

  /** The stored Lease, or a new one; undefined when it cannot be built yet (no Node). */
  private async ensure(signal: AbortSignal): Promise<{ lease: Lease; created: boolean } | undefined> {
    try {
      return { lease: await this.leases.get(this.namespace, this.opts.nodeName, signal), created: false };
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const fresh = await this.newLease(undefined, signal);
    if (!fresh.metadata.ownerReferences?.length) return undefined;
    return { lease: await this.leases.create(this.namespace, fresh, { signal }), created: true };
  }

  /**
   * base (or a new Lease) with our holder, duration and renewTime now. An owner
   * reference to the Node is added while missing: the Node may not exist yet when the
   * kubelet starts, so every renewal tries again until it does.
   */
  private async newLease(base: Lease | undefined, signal: AbortSignal): Promise<Lease> {
    const lease: Lease = base ? structuredClone(base) : {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
      metadata: { name: this.opts.nodeName, namespace: this.namespace },
    };
    lease.spec = {
      ...lease.spec,
      holderIdentity: this.holder,
      leaseDurationSeconds: this.durationSeconds,
      renewTime: rfc3339Micro(this.clock()),
    };
    if (!lease.metadata.ownerReferences?.length) {
      try {
        const node = await this.nodes.get('', this.opts.nodeName, signal);
        lease.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: this.opts.nodeName, uid: node.metadata.uid as string }];
      } catch (err) {
        if (!signal.aborted) this.log?.warn({ node: this.opts.nodeName, err: errText(err) }, 'failed to get node when trying to set owner ref to the node lease');
      }
    }
    return lease;
  }

  private key(): string {
    return `${this.namespace}/${this.opts.nodeName}`;
  }
}

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Sleeps ms; false when signal aborted first (the timer is cleared). */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
