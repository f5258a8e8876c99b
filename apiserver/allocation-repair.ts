// The allocation repair loop, as kube-apiserver's ClusterIP and NodePort repair
// controllers (pkg/registry/core/service/{ipallocator,portallocator}/controller/
// repair.go). At start and then every interval it reads every Service, and every
// ClusterIP and nodePort allocation at the same etcd revision, and:
// - re-claims a value a Service holds whose allocation is gone (deleted behind the
//   apiserver's back, or freed by a write whose outcome was unknown);
// - reports a value two Services hold, or one outside the configured range ("please
//   recreate"), as Kubernetes does, without touching either Service;
// - frees an allocation no Service holds, but only once LEAK_PASSES passes in a row
//   have seen it unheld and unchanged (Kubernetes' numRepairsBeforeLeakCleanup): an
//   allocation whose create or update is still in flight (allocated, not yet written)
//   is flagged, not freed under it. The free is a delete on the revision read, so a
//   value freed and allocated again meanwhile is left alone.
// Every repair is logged. Several apiservers may each run one: every write is a
// compare-and-swap.
import type { Logger } from 'pino';
import { isGone } from '../api/errors.js';
import type { KubeObject } from '../api/types/meta.js';
import { type Allocation, type Allocator, holderName, PlainValuesError } from './allocator.js';
import { heldClusterIP, heldNodePorts, serviceHolder, type ServiceLike } from './registry/services.js';
import type { Storage } from './storage/store.js';

/** Passes that must see an allocation unheld before it is freed. */
export const LEAK_PASSES = 3;
const SERVICES_PREFIX = '/registry/services/';

export interface AllocationRepairOptions {
  store: Pick<Storage, 'list'>;
  ips: Allocator;
  ports: Allocator;
  /** Pause between the end of one pass and the start of the next. */
  intervalMs: number;
  log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
}

/** What one pass did, by value (logged as it happens; returned for callers and tests). */
export interface RepairPass {
  pass: number;
  reclaimed: string[];
  flagged: string[];
  freed: string[];
}

interface Target {
  what: 'clusterIP' | 'nodePort';
  allocator: Allocator;
  held(s: ServiceLike): Iterable<number>;
}

export class AllocationRepair {
  private readonly targets: Target[];
  /** Allocations seen unheld: key -> the revision seen and in how many passes in a row. */
  private readonly leaks = new Map<string, { rev: number; passes: number }>();
  private passes = 0;
  private timer?: NodeJS.Timeout;
  private current?: Promise<unknown>;
  private stopped = false;

  constructor(private readonly opts: AllocationRepairOptions) {
    if (!(opts.intervalMs > 0)) throw new Error('the allocation repair interval must be positive');
    this.targets = [
      { what: 'clusterIP', allocator: opts.ips, held: (s) => { const ip = heldClusterIP(s); return ip === undefined ? [] : [ip]; } },
      { what: 'nodePort', allocator: opts.ports, held: heldNodePorts },
    ];
  }

  /** Runs a pass now (resolving once it has run; a failure is logged), then one every interval. */
  async start(): Promise<void> {
    const loop = async (): Promise<void> => {
      this.current = this.runOnce().catch((err: unknown) => {
        this.opts.log.error({ err }, `allocation repair pass failed; the next one runs in ${this.opts.intervalMs} ms`);
      });
      await this.current;
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.opts.intervalMs);
    };
    await loop();
  }

  /** Stops the loop, waiting for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  /** One pass over both allocators. */
  async runOnce(): Promise<RepairPass> {
    const result: RepairPass = { pass: ++this.passes, reclaimed: [], flagged: [], freed: [] };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.pass(result);
        this.opts.log.debug({ ...result }, 'allocation repair pass done');
        return result;
      } catch (err) {
        if (attempt > 0) throw err;
        if (err instanceof PlainValuesError) {
          // An upgrade from when allocations were plain values: rewrite them all, then read again.
          for (const t of this.targets) {
            const keys = await t.allocator.migratePlainValues();
            if (keys.length) this.opts.log.warn({ allocations: t.what, rewritten: keys.length }, 'rewrote allocations stored as plain values as records');
          }
        } else if (!isGone(err)) {
          // The revision read was compacted between the two reads: read again; else fail.
          throw err;
        }
      }
    }
  }

  private async pass(result: RepairPass): Promise<void> {
    const services = await this.opts.store.list(SERVICES_PREFIX);
    const items = services.items.map((i) => i.obj as ServiceLike);
    // Read every allocation first: a pass either repairs from one consistent snapshot or not at all.
    const snapshots = await Promise.all(this.targets.map((t) => t.allocator.list(services.revision)));
    for (const [i, t] of this.targets.entries()) await this.repair(t, items, snapshots[i].items, result);
  }

  private async repair(t: Target, services: ServiceLike[], allocations: Allocation[], result: RepairPass): Promise<void> {
    const { allocator, what } = t;
    const log = this.opts.log;
    const byKey = new Map(allocations.map((a) => [a.key, a]));
    const holders = new Map<number, ServiceLike[]>();
    for (const s of services) for (const v of t.held(s)) holders.set(v, [...(holders.get(v) ?? []), s]);
    const heldKeys = new Set<string>();
    for (const [value, svcs] of holders) {
      const v = allocator.format(value);
      const s = svcs[0];
      const key = allocator.key(value);
      heldKeys.add(key);
      if (svcs.length > 1) {
        log.error({ pass: result.pass, [what]: v, services: svcs.map(name) }, `${what} ${v} is held by several services; please recreate all but one`);
      }
      if (value < allocator.range.first || value > allocator.range.last) {
        log.error({ pass: result.pass, [what]: v, service: name(s) }, `${what} ${v} of service ${name(s)} is not within the configured range; please recreate`);
        continue;
      }
      const a = byKey.get(key);
      if (a) {
        if (!a.holder && await allocator.adopt(a, serviceHolder(s))) log.info({ pass: result.pass, [what]: v, service: name(s) }, `${what} ${v}: allocation now names its service`);
        continue;
      }
      const res = await allocator.allocateSpecific(value, serviceHolder(s));
      if (res.ok) {
        result.reclaimed.push(v);
        log.warn({ pass: result.pass, [what]: v, service: name(s) }, `${what} ${v} of service ${name(s)} was not allocated; re-claimed it`);
      } else {
        // Allocated since the snapshot: by another repair loop, or for another service.
        log.warn({ pass: result.pass, [what]: v, service: name(s) }, `${what} ${v} of service ${name(s)} was not allocated, and has been since`);
      }
    }
    for (const a of allocations) {
      if (heldKeys.has(a.key)) {
        this.leaks.delete(a.key);
        continue;
      }
      const label = a.value === undefined ? a.key : allocator.format(a.value);
      const seen = this.leaks.get(a.key);
      if (!seen || seen.rev !== a.rev) {
        this.leaks.set(a.key, { rev: a.rev, passes: 1 });
        result.flagged.push(label);
        log.warn({ pass: result.pass, [what]: label, allocatedFor: holderName(a.holder) }, `${what} ${label} may have leaked: no service holds it; flagged for clean up`);
        continue;
      }
      if (++seen.passes < LEAK_PASSES) continue;
      this.leaks.delete(a.key);
      if (await allocator.releaseIfUnchanged(a)) {
        result.freed.push(label);
        log.warn({ pass: result.pass, [what]: label, allocatedFor: holderName(a.holder), passes: seen.passes }, `${what} ${label} leaked: no service held it for ${seen.passes} passes; freed it`);
      }
    }
    // Forget flags of keys gone since (freed by their own request, or held now).
    for (const key of this.leaks.keys()) if (key.startsWith(allocator.prefix) && !byKey.has(key)) this.leaks.delete(key);
  }
}

const name = (s: KubeObject): string => `${s.metadata.namespace}/${s.metadata.name}`;
