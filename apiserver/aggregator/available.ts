// kube-aggregator's availability controllers, inside the apiserver: a Local APIService
// is Available (reason Local); a remote one is checked against its Service (present,
// listening on the port, with EndpointSlices that have a ready address on that port's
// name) and then by a discovery GET of /apis/<group>/<version> through the proxy's
// connections (five tries at once, one success is enough). Each outcome is an
// Available condition with Kubernetes' reason and message, written through the status
// subresource only when it changed. Keys are APIService names; Service and
// EndpointSlice changes enqueue the APIServices that name them; every APIService is
// rechecked each resync (30 s in Kubernetes), which notices a server that went down.
import type { Logger } from 'pino';
import { isConflict, isNotFound } from '../../api/errors.js';
import { availableCondition, type APIService, type APIServiceCondition } from '../../api/types/apiregistration.js';
import type { Service } from '../../api/types/core.js';
import { LABEL_SERVICE_NAME, type EndpointSlice } from '../../api/types/discovery.js';
import { ExponentialBackoff } from '../../client/rate-limiter.js';
import { WorkQueue } from '../../client/work-queue.js';
import type { GenericRegistry } from '../registry/generic.js';
import type { ServiceLookup } from './resolve.js';

/** The outcome of the checks that need no network: a condition, or "ask the server". */
export type PreCheck = { condition: Omit<APIServiceCondition, 'lastTransitionTime'> } | { discover: true };

/** A ready endpoint on a port named portName (hasAvailableEndpoint). */
function hasAvailableEndpoint(portName: string, slices: EndpointSlice[]): boolean {
  return slices.some((s) => (s.endpoints ?? []).some((e) => e.conditions?.ready !== false)
    && (s.ports ?? []).some((p) => (p.name ?? '') === portName && p.port !== undefined && p.port !== null));
}

/** The checks of the remote availability controller's sync before its discovery GET. */
export function preCheck(s: APIService, lookup: ServiceLookup): PreCheck {
  const ref = s.spec?.service;
  if (!ref) return { condition: { type: 'Available', status: 'True', reason: 'Local', message: 'Local APIServices are always available' } };
  const ns = ref.namespace ?? '';
  const name = ref.name ?? '';
  const port = ref.port ?? 443;
  const svc = lookup.service(ns, name);
  const unavailable = (reason: string, message: string): PreCheck => ({ condition: { type: 'Available', status: 'False', reason, message } });
  if (!svc) return unavailable('ServiceNotFound', `service/${name} in "${ns}" is not present`);
  if ((svc.spec?.type ?? 'ClusterIP') === 'ClusterIP') {
    const sp = (svc.spec?.ports ?? []).find((p) => p.port === port);
    if (!sp) return unavailable('ServicePortError', `service/${name} in "${ns}" is not listening on port ${port}`);
    const slices = lookup.endpointSlices(ns, name);
    if (!slices.length) return unavailable('EndpointsNotFound', `cannot find endpointslices for service/${name} in "${ns}"`);
    const portName = sp.name ?? '';
    if (!hasAvailableEndpoint(portName, slices)) return unavailable('MissingEndpoints', `endpointslices for service/${name} in "${ns}" have no addresses with port name "${portName}"`);
  }
  return { discover: true };
}

/** The new status with cond as its Available condition; lastTransitionTime moves only when status does. */
export function withAvailable(s: APIService, cond: Omit<APIServiceCondition, 'lastTransitionTime'>, now: Date): APIService['status'] {
  const old = availableCondition(s);
  const next: APIServiceCondition = {
    type: 'Available', status: cond.status,
    lastTransitionTime: old && old.status === cond.status && old.lastTransitionTime ? old.lastTransitionTime : now.toISOString().replace(/\.\d+Z$/, 'Z'),
    ...(cond.reason ? { reason: cond.reason } : {}),
    ...(cond.message ? { message: cond.message } : {}),
  };
  const others = (s.status?.conditions ?? []).filter((c) => c.type !== 'Available');
  return { ...s.status, conditions: [...others, next] };
}

export interface AvailabilityOptions {
  apiServices: GenericRegistry;
  services: GenericRegistry;
  endpointSlices: GenericRegistry;
  lookup: ServiceLookup;
  /** GETs the discovery path of a remote APIService; rejects with the reason it failed. */
  discover(s: APIService): Promise<void>;
  /** How often every APIService is checked again (30 s as Kubernetes). */
  resyncMs: number;
  log: Logger;
  now?: () => Date;
}

export class AvailabilityController {
  private readonly queue = new WorkQueue(new ExponentialBackoff(5, 30_000));
  private readonly unsubscribe: (() => void)[] = [];
  private readonly log: Logger;

  constructor(private readonly o: AvailabilityOptions) {
    this.log = o.log;
  }

  /** Checks an APIService again soon (the proxy could not reach its server). */
  enqueue(name: string): void {
    this.queue.add(name);
  }

  /** Watches the caches and syncs until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const byService = (ns: string | undefined, name: string | undefined): void => {
      if (!ns || !name) return;
      for (const s of this.o.apiServices.cache.values() as IterableIterator<APIService>) {
        if (s.spec?.service?.namespace === ns && s.spec.service.name === name) this.queue.add(s.metadata.name!);
      }
    };
    this.unsubscribe.push(
      this.o.apiServices.cache.subscribe((_k, obj, prev) => { const n = (obj ?? prev)?.metadata.name; if (n) this.queue.add(n); }),
      this.o.services.cache.subscribe((_k, obj, prev) => { const s = (obj ?? prev) as Service | undefined; byService(s?.metadata.namespace, s?.metadata.name); }),
      this.o.endpointSlices.cache.subscribe((_k, obj, prev) => {
        const s = (obj ?? prev) as EndpointSlice | undefined;
        byService(s?.metadata.namespace, s?.metadata.labels?.[LABEL_SERVICE_NAME]);
      }),
    );
    const resync = setInterval(() => {
      for (const s of this.o.apiServices.cache.values()) this.queue.add(s.metadata.name!);
    }, this.o.resyncMs);
    signal.addEventListener('abort', () => {
      clearInterval(resync);
      for (const u of this.unsubscribe.splice(0)) u();
      void this.queue.shutDown();
    }, { once: true });
    // Two workers: a slow discovery check holds up no more than one.
    await Promise.all([this.worker(), this.worker()]);
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.sync(key);
        this.queue.forget(key);
      } catch (err) {
        if (!isConflict(err)) this.log.info({ apiservice: key, err: (err as Error).message }, 'APIService availability check failed');
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** One APIService: computes its Available condition and writes it when it changed. Throws to be retried. */
  async sync(name: string): Promise<void> {
    const cached = this.o.apiServices.cache.snapshotOne(this.o.apiServices.key(undefined, name)) as APIService | undefined;
    if (!cached) return;
    const pre = preCheck(cached, this.o.lookup);
    let cond: Omit<APIServiceCondition, 'lastTransitionTime'>;
    let failure: Error | undefined;
    if ('condition' in pre) cond = pre.condition;
    else {
      try {
        await this.o.discover(cached);
        cond = { type: 'Available', status: 'True', reason: 'Passed', message: 'all checks passed' };
      } catch (err) {
        failure = err as Error;
        cond = { type: 'Available', status: 'False', reason: 'FailedDiscoveryCheck', message: failure.message };
      }
    }
    await this.write(name, cond);
    // A failed discovery is retried with backoff besides the resync, as Kubernetes requeues it.
    if (failure) throw failure;
  }

  private async write(name: string, cond: Omit<APIServiceCondition, 'lastTransitionTime'>): Promise<void> {
    let cur: APIService;
    try {
      cur = await this.o.apiServices.get(undefined, name) as APIService;
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const old = availableCondition(cur);
    if (old && old.status === cond.status && (old.reason ?? '') === (cond.reason ?? '') && (old.message ?? '') === (cond.message ?? '')) return;
    const now = this.o.now?.() ?? new Date();
    if (old?.status !== cond.status) this.log.info({ apiservice: name, status: cond.status, reason: cond.reason, message: cond.message }, 'changing APIService availability');
    await this.o.apiServices.update(undefined, name, { ...cur, status: withAvailable(cur, cond, now) }, { subresource: 'status' });
  }
}
