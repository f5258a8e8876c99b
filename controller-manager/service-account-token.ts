// A controller's service-account token, as kube-controller-manager keeps it with
// --use-service-account-credentials (k8s.io/controller-manager/pkg/clientbuilder:
// tokenSourceImpl behind client-go's cached, resettable token source). The manager's
// own client makes sure the ServiceAccount <namespace>/<name> exists (creating it when
// missing) and asks for a token through the TokenRequest API (3600 s).
//
// A token is used until 80% of its lifetime has passed (10 s earlier: the cached
// source's leeway); the next request then starts a refresh in the background and goes
// on with the token it has. A failed refresh is tried again with backoff (500 ms,
// doubling to 1 min), on later requests, while that token is still valid. Without a
// valid token, requests wait for a new one, and fail with the reason when none can be
// had (at most one attempt per backoff step). A 401 answer to the token in use drops
// it, so the next request gets a new one (the ServiceAccount was deleted and made again,
// the apiserver's signing key changed).
import type { Logger } from 'pino';
import { isAlreadyExists, isNotFound } from '../api/errors.js';
import type { TokenRequest } from '../api/types/authentication.js';
import type { ServiceAccount } from '../api/types/core.js';
import { realClock, type Clock } from '../client/clock.js';
import { resourceClient } from '../client/resource-client.js';
import type { RestClient, TokenSource } from '../client/rest-client.js';
import { sleep } from './periodic.js';

/** Lifetime asked for (Kubernetes' defaultExpirationSeconds). */
export const TOKEN_EXPIRATION_SECONDS = 3600;
/** The last part of a token's lifetime in which it is replaced (defaultLeewayPercent). */
const LEEWAY_PERCENT = 20;
/** A token seeming to live less than this is taken to live this long: the clocks differ (tokenSourceImpl). */
const MIN_LIFETIME_MS = 10 * 60_000;
/** client-go's cached token source treats a token as expired this much before its expiry. */
const CACHE_LEEWAY_MS = 10_000;
const RETRY_INITIAL_MS = 500;
const RETRY_MAX_MS = 60_000;

/**
 * The requests behind a controller's token, made with the manager's own identity
 * (system:kube-controller-manager may get and create serviceaccounts and create
 * serviceaccounts/token). Each rejects with the apiserver's error.
 */
export interface ServiceAccountTokenClient {
  /** The ServiceAccount; a NotFound StatusError when there is none. */
  getServiceAccount(namespace: string, name: string): Promise<ServiceAccount>;
  createServiceAccount(namespace: string, name: string): Promise<ServiceAccount>;
  /** POST serviceaccounts/<name>/token with spec.expirationSeconds. */
  requestToken(namespace: string, name: string, expirationSeconds: number): Promise<TokenRequest>;
}

export function restServiceAccountTokenClient(rest: RestClient): ServiceAccountTokenClient {
  const serviceAccounts = resourceClient<ServiceAccount>(rest, 'serviceaccounts');
  return {
    getServiceAccount: (namespace, name) => serviceAccounts.get(namespace, name),
    createServiceAccount: (namespace, name) => serviceAccounts.create(namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } }),
    requestToken: (namespace, name, expirationSeconds) => serviceAccounts.createSubresource<TokenRequest>(namespace, name, 'token', {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds },
    }),
  };
}

/**
 * getOrCreateServiceAccount: the ServiceAccount, created when missing; one created by
 * someone else meanwhile is read again. (Kubernetes also tries to create a missing
 * namespace; kube-system always exists here.)
 */
export async function getOrCreateServiceAccount(client: ServiceAccountTokenClient, namespace: string, name: string): Promise<ServiceAccount> {
  try {
    return await client.getServiceAccount(namespace, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  try {
    return await client.createServiceAccount(namespace, name);
  } catch (err) {
    if (isAlreadyExists(err)) return client.getServiceAccount(namespace, name);
    throw err;
  }
}

/**
 * When a token received at `now` (ms) that expires at `expiresAt` is replaced, and until
 * when it is used at all. Worked example: a 3600 s token received at t is replaced from
 * t + 2870 s (80% of 3600 s is 2880 s, less the 10 s leeway) and used until t + 3600 s;
 * one that seems to expire 5 min after it arrives counts as a 10 min one: replaced from
 * t + 470 s, used until t + 600 s (a 401 before then replaces it sooner).
 */
export function tokenTimes(now: number, expiresAt: number): { refreshAt: number; validUntil: number } {
  const lifetime = Math.max(expiresAt - now, MIN_LIFETIME_MS);
  return { refreshAt: now + lifetime - Math.floor(lifetime * LEEWAY_PERCENT / 100) - CACHE_LEEWAY_MS, validUntil: now + lifetime };
}

export interface ServiceAccountTokenSourceOptions {
  namespace: string;
  name: string;
  client: ServiceAccountTokenClient;
  log: Pick<Logger, 'debug' | 'warn' | 'error'>;
  /** Defaults to the real clock; tests step a FakeClock. */
  clock?: Clock;
  /** Defaults to TOKEN_EXPIRATION_SECONDS. */
  expirationSeconds?: number;
}

interface HeldToken {
  token: string;
  refreshAt: number;
  validUntil: number;
}

/**
 * The token of one controller's ServiceAccount. Its RestClients call token() before
 * each request and rejected() on a 401; the term calls ready() before starting the
 * controller, so the ServiceAccount exists and a token is in hand when it starts.
 */
export class ServiceAccountTokenSource implements TokenSource {
  private held?: HeldToken;
  /** The request for a new token in flight: concurrent callers share it. */
  private inFlight?: Promise<string>;
  private lastError?: Error;
  /** No new request before this (ms on the clock) after a failed one. */
  private retryAt = -Infinity;
  private retryDelayMs = RETRY_INITIAL_MS;
  private readonly clock: Clock;

  constructor(private readonly o: ServiceAccountTokenSourceOptions) {
    this.clock = o.clock ?? realClock;
  }

  /** `namespace/name`, as logs and errors name it. */
  get serviceAccount(): string {
    return `${this.o.namespace}/${this.o.name}`;
  }

  token(): string | Promise<string> {
    const now = this.clock.now();
    const held = this.held;
    if (held && now < held.validUntil) {
      // Due for a refresh: this request goes on with the token held, the refresh runs beside it.
      if (now >= held.refreshAt && !this.inFlight && now >= this.retryAt) this.fetch().catch(() => undefined);
      return held.token;
    }
    if (this.inFlight) return this.inFlight;
    if (this.lastError && now < this.retryAt) return Promise.reject(this.lastError);
    return this.fetch();
  }

  rejected(token: string): void {
    // Only the token held: a 401 to one already replaced says nothing about the new one.
    if (this.held?.token !== token) return;
    this.o.log.warn({ serviceAccount: this.serviceAccount }, 'the apiserver refused the token; getting a new one');
    this.held = undefined;
  }

  /**
   * Resolves true once a token is in hand (the ServiceAccount made if missing), trying
   * again on the clock after each failure; false when signal aborts first.
   */
  async ready(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      try {
        await this.token();
        return true;
      } catch { /* fetch() logged it; try again once the backoff allows */ }
      await sleep(this.clock, Math.max(0, this.retryAt - this.clock.now()), signal);
    }
    return false;
  }

  private fetch(): Promise<string> {
    const request = async (): Promise<HeldToken> => {
      await getOrCreateServiceAccount(this.o.client, this.o.namespace, this.o.name);
      const tr = await this.o.client.requestToken(this.o.namespace, this.o.name, this.o.expirationSeconds ?? TOKEN_EXPIRATION_SECONDS);
      const token = tr?.status?.token;
      const expiresAt = Date.parse(tr?.status?.expirationTimestamp ?? '');
      if (!token || Number.isNaN(expiresAt)) throw new Error('the apiserver answered the TokenRequest without a token or expirationTimestamp');
      return { token, ...tokenTimes(this.clock.now(), expiresAt) };
    };
    const p = request().then((held) => {
      this.held = held;
      this.lastError = undefined;
      this.retryAt = -Infinity;
      this.retryDelayMs = RETRY_INITIAL_MS;
      this.o.log.debug({ serviceAccount: this.serviceAccount, refreshAt: new Date(held.refreshAt).toISOString() }, 'got a service account token');
      return held.token;
    }, (err: unknown) => {
      // Not a StatusError: the request waiting on it failed for a reason worth retrying.
      const failure = new Error(`failed to get token for ${this.serviceAccount}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      const now = this.clock.now();
      this.lastError = failure;
      this.retryAt = now + this.retryDelayMs;
      const fields = { err: failure, serviceAccount: this.serviceAccount, retryInMs: this.retryDelayMs };
      this.retryDelayMs = Math.min(this.retryDelayMs * 2, RETRY_MAX_MS);
      if (this.held && now < this.held.validUntil) this.o.log.error(fields, 'unable to rotate token; the previous one stays in use until it expires');
      else this.o.log.warn(fields, 'unable to get a token for the service account');
      throw failure;
    }).finally(() => { this.inFlight = undefined; });
    this.inFlight = p;
    return p;
  }
}

