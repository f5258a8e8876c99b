// The kubelet's cache of service-account tokens (pkg/kubelet/token/token_manager.go).
// Projected serviceAccountToken volumes ask it for a token on every pod sync; it asks
// the apiserver (POST serviceaccounts/<name>/token, a TokenRequest bound to the pod)
// only when it holds none for the same service account, audiences, lifetime and bound
// pod, or when the one it holds is due for a refresh: older than 80% of its lifetime,
// or older than 24 h (a few seconds earlier, by a jitter, so the pods of a node do not
// all refresh at once). A refresh that fails keeps the still-valid token in use. Expired
// tokens are dropped every minute, a removed pod's tokens at once.
import type { Logger } from 'pino';
import type { BoundObjectReference, TokenRequest } from '../api/types/authentication.js';
import { realClock, type Clock, type TimerHandle } from '../client/clock.js';
import { resourceClient } from '../client/resource-client.js';
import type { RestClient } from '../client/rest-client.js';

/** A token is refreshed once it is this old, whatever its lifetime (maxTTL). */
export const MAX_TOKEN_AGE_MS = 24 * 60 * 60 * 1000;
/** Refreshes happen up to this much before they are due (maxJitter). */
const MAX_JITTER_MS = 10_000;
/** How often expired tokens are dropped (gcPeriod). */
const GC_PERIOD_MS = 60_000;

/**
 * Asks the apiserver for a token of service account namespace/name (the
 * serviceaccounts/token subresource). Resolves the answered TokenRequest (status.token,
 * status.expirationTimestamp); rejects with the request's error.
 */
export type RequestToken = (namespace: string, name: string, tr: TokenRequest) => Promise<TokenRequest>;

/** The RequestToken of a kubelet: POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token. */
export function tokenRequester(rest: RestClient): RequestToken {
  const serviceAccounts = resourceClient(rest, 'serviceaccounts');
  return (namespace, name, tr) => serviceAccounts.createSubresource<TokenRequest>(namespace, name, 'token',
    { ...tr, apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest' });
}

export interface TokenManagerOptions {
  requestToken: RequestToken;
  log: Logger;
  /** Defaults to the real clock; tests step a FakeClock. */
  clock?: Clock;
  /** In [0, 1): how much of the jitter a refresh check takes (Math.random; tests pass () => 0). */
  random?: () => number;
  /** How often expired tokens are dropped once start() ran (1 min). */
  gcPeriodMs?: number;
}

interface CachedToken {
  tr: TokenRequest;
  /** status.expirationTimestamp, ms since the epoch. */
  expiresAt: number;
  /** The lifetime the server granted (spec.expirationSeconds), ms; undefined when the answer did not say. */
  ttlMs?: number;
  /** The bound pod's uid, for deleteServiceAccountToken. */
  podUID?: string;
}

/**
 * When a token must be replaced at the latest (ms since the epoch): 80% into its
 * lifetime, or 24 h after it was issued, whichever comes first. Undefined for an answer
 * without a lifetime or expiry (such a token is never refreshed, as in Kubernetes).
 */
export function tokenRefreshDue(tr: TokenRequest): number | undefined {
  const expiresAt = Date.parse(tr.status?.expirationTimestamp ?? '');
  const seconds = tr.spec?.expirationSeconds;
  if (Number.isNaN(expiresAt) || seconds === undefined) return undefined;
  return refreshDue(expiresAt, seconds * 1000);
}

/** Worked example: a 3607 s token issued at t expires at t+3607 s and is due at t+2886 s (exp - 721 s). */
function refreshDue(expiresAt: number, ttlMs: number): number {
  const issuedAt = expiresAt - ttlMs;
  // Kubernetes computes the 20% in whole seconds.
  const lastFifth = Math.floor((ttlMs / 1000) * 20 / 100) * 1000;
  return Math.min(issuedAt + MAX_TOKEN_AGE_MS, expiresAt - lastFifth);
}

/**
 * The token cache. The pod workers call getServiceAccountToken on each sync of a pod
 * with a projected serviceAccountToken volume (they run one sync per pod at a time);
 * the pod manager calls deleteServiceAccountToken when a pod is gone and start once.
 */
export class TokenManager {
  private readonly cache = new Map<string, CachedToken>();
  /** Requests in flight by key: two asks for the same token share one request. */
  private readonly inFlight = new Map<string, Promise<TokenRequest>>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: Logger;
  private gcTimer?: TimerHandle;

  constructor(private readonly o: TokenManagerOptions) {
    this.clock = o.clock ?? realClock;
    this.random = o.random ?? Math.random;
    this.log = o.log;
  }

  /**
   * The token for service account namespace/name described by tr (spec.audiences,
   * spec.expirationSeconds, spec.boundObjectRef): the cached one unless it is due for a
   * refresh, else a new one from the apiserver. When that request fails, a cached token
   * that has not expired is still answered (and the failure logged); otherwise it
   * rejects with "failed to fetch token: ..." or "... expired and refresh failed: ...".
   */
  async getServiceAccountToken(namespace: string, name: string, tr: TokenRequest): Promise<TokenRequest> {
    const key = cacheKey(namespace, name, tr);
    const cached = this.cache.get(key);
    if (cached && !this.requiresRefresh(cached)) return cached.tr;
    let fresh: TokenRequest;
    try {
      fresh = await this.request(key, namespace, name, tr);
    } catch (err) {
      const what = describe(namespace, name, tr);
      const message = err instanceof Error ? err.message : String(err);
      if (!cached) throw new Error(`failed to fetch token: ${message}`, { cause: err });
      if (this.expired(cached)) throw new Error(`token for ${what} expired and refresh failed: ${message}`, { cause: err });
      this.log.error({ err, serviceAccount: `${namespace}/${name}`, boundObject: tr.spec.boundObjectRef?.name }, "couldn't update token; keeping the cached one until it expires");
      return cached.tr;
    }
    return fresh;
  }

  /** Drops every token bound to the pod (called when the pod is removed from the node). */
  deleteServiceAccountToken(podUID: string): void {
    for (const [key, t] of this.cache) if (t.podUID === podUID) this.cache.delete(key);
  }

  /** Drops expired tokens; start() runs it every gcPeriodMs. */
  cleanup(): void {
    for (const [key, t] of this.cache) if (this.expired(t)) this.cache.delete(key);
  }

  /** Tokens held (for tests and metrics). */
  size(): number {
    return this.cache.size;
  }

  /** Runs cleanup every gcPeriodMs until signal aborts. */
  start(signal: AbortSignal): void {
    if (signal.aborted || this.gcTimer) return;
    const period = this.o.gcPeriodMs ?? GC_PERIOD_MS;
    const tick = (): void => {
      this.cleanup();
      this.gcTimer = this.clock.setTimeout(tick, period);
    };
    this.gcTimer = this.clock.setTimeout(tick, period);
    signal.addEventListener('abort', () => {
      if (this.gcTimer) this.clock.clearTimeout(this.gcTimer);
    }, { once: true });
  }

  private request(key: string, namespace: string, name: string, tr: TokenRequest): Promise<TokenRequest> {
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.o.requestToken(namespace, name, tr).then((answer) => {
        const t = toCached(answer, tr);
        this.cache.set(key, t);
        return t.tr;
      }).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private requiresRefresh(t: CachedToken): boolean {
    // A token whose lifetime the server did not say is kept (Kubernetes logs and keeps it).
    if (t.ttlMs === undefined) return false;
    const now = this.clock.now();
    const jitter = Math.floor(this.random() * (MAX_JITTER_MS / 1000)) * 1000;
    return now >= refreshDue(t.expiresAt, t.ttlMs) - jitter;
  }

  private expired(t: CachedToken): boolean {
    return this.clock.now() >= t.expiresAt;
  }
}

/** Checks the server's answer and keeps what the cache needs of it. */
function toCached(answer: TokenRequest, asked: TokenRequest): CachedToken {
  const token = answer?.status?.token;
  const expiresAt = Date.parse(answer?.status?.expirationTimestamp ?? '');
  if (!token || Number.isNaN(expiresAt)) throw new Error('the apiserver answered the TokenRequest without a token or expirationTimestamp');
  const seconds = answer.spec?.expirationSeconds ?? asked.spec.expirationSeconds;
  const tr: TokenRequest = { ...answer, spec: { ...asked.spec, ...answer.spec, expirationSeconds: seconds } };
  return { tr, expiresAt, ttlMs: seconds === undefined ? undefined : seconds * 1000, podUID: asked.spec.boundObjectRef?.uid };
}

/** One entry per (service account, audiences, lifetime, bound object), as Kubernetes' keyFunc. */
function cacheKey(namespace: string, name: string, tr: TokenRequest): string {
  const ref: BoundObjectReference = tr.spec.boundObjectRef ?? {};
  return JSON.stringify([name, namespace, tr.spec.audiences ?? [], tr.spec.expirationSeconds ?? 0,
    [ref.apiVersion ?? '', ref.kind ?? '', ref.name ?? '', ref.uid ?? '']]);
}

function describe(namespace: string, name: string, tr: TokenRequest): string {
  const ref = tr.spec.boundObjectRef;
  return `serviceaccount ${namespace}/${name}${ref?.name ? ` bound to ${ref.kind ?? 'Pod'} ${ref.name}` : ''}`;
}
