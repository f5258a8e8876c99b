// The kubelet's delegated authentication and authorization: it asks the apiserver,
// through its own client, about the tokens and requests it gets (the kubelet's
// --authentication-token-webhook and --authorization-mode=Webhook, client-go's
// webhook token authenticator and webhook authorizer). Answers are cached, as the
// kubelet's: a token's for --authentication-token-webhook-cache-ttl (2m) whether
// valid or not; an access decision for --authorization-webhook-cache-authorized-ttl
// (5m) when allowed and --authorization-webhook-cache-unauthorized-ttl (30s) when
// not. A review that fails is not cached: the next request asks again.
import { createHash } from 'node:crypto';
import type { TokenReview } from '../api/types/authentication.js';
import type { SubjectAccessReview, SubjectAccessReviewSpec } from '../api/types/authorization.js';
import type { User } from '../apiserver/authn/user.js';
import { realClock, type Clock } from '../client/clock.js';
import { resourceClient } from '../client/resource-client.js';
import type { RestClient } from '../client/rest-client.js';
import type { KubeletAuthorizer, NodeRequestAttributes, TokenAuthenticator } from './server-auth.js';

/** The kubelet's cache sizes: room for this many answers, the least recently used dropped first. */
const CACHE_SIZE = 4096;

/**
 * A bounded map whose entries expire (k8s.io/utils/lru ExpireCache): get answers
 * undefined for a key never set, expired, or pushed out by capacity newer entries.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(private readonly capacity = CACHE_SIZE, private readonly clock: Clock = realClock) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    if (e.expires <= this.clock.now()) return undefined;
    // Re-inserted: a Map iterates in insertion order, so the first key is the least recently used.
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: V, ttlMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expires: this.clock.now() + ttlMs });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Sends a TokenReview and resolves the apiserver's answer (status filled in). */
export type ReviewToken = (review: TokenReview) => Promise<TokenReview>;
/** Sends a SubjectAccessReview and resolves the apiserver's answer. */
export type ReviewAccess = (review: SubjectAccessReview) => Promise<SubjectAccessReview>;

/** POST /apis/authentication.k8s.io/v1/tokenreviews and /apis/authorization.k8s.io/v1/subjectaccessreviews with the kubelet's client. */
export function apiserverReviews(rest: RestClient): { reviewToken: ReviewToken; reviewAccess: ReviewAccess } {
  const tokenReviews = resourceClient<TokenReview>(rest, 'tokenreviews');
  const accessReviews = resourceClient<SubjectAccessReview>(rest, 'subjectaccessreviews');
  return {
    reviewToken: (review) => tokenReviews.create('', review),
    reviewAccess: (review) => accessReviews.create('', review),
  };
}

export interface WebhookTokenAuthenticatorOptions {
  review: ReviewToken;
  /** --authentication-token-webhook-cache-ttl (2m). */
  cacheTtlMs: number;
  clock?: Clock;
}

/**
 * Bearer tokens checked with a TokenReview (no audiences: the apiserver's own). A
 * token the apiserver says is valid names its user; one it says is not resolves
 * undefined; both are cached by the token's hash for cacheTtlMs. An answer carrying
 * status.error, or a failed request, rejects and is not cached.
 */
export class WebhookTokenAuthenticator implements TokenAuthenticator {
  private readonly cache: TtlCache<{ user?: User }>;

  constructor(private readonly o: WebhookTokenAuthenticatorOptions) {
    this.cache = new TtlCache(CACHE_SIZE, o.clock);
  }

  async authenticate(token: string): Promise<User | undefined> {
    // Keyed by a hash: the cache keeps no usable token.
    const key = createHash('sha256').update(token).digest('hex');
    const hit = this.cache.get(key);
    if (hit) return hit.user;
    const answer = await this.o.review({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: { token } });
    const status = answer.status ?? {};
    if (!status.authenticated) {
      if (status.error) throw new Error(status.error);
      this.cache.set(key, {}, this.o.cacheTtlMs);
      return undefined;
    }
    const u = status.user ?? {};
    const user: User = {
      name: u.username ?? '',
      ...(u.uid ? { uid: u.uid } : {}),
      groups: u.groups ?? [],
      ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}),
    };
    this.cache.set(key, { user }, this.o.cacheTtlMs);
    return user;
  }
}

export interface WebhookAuthorizerOptions {
  review: ReviewAccess;
  /** --authorization-webhook-cache-authorized-ttl (5m). */
  authorizedTtlMs: number;
  /** --authorization-webhook-cache-unauthorized-ttl (30s). */
  unauthorizedTtlMs: number;
  clock?: Clock;
}

/** The SubjectAccessReview spec asking about attrs, as the webhook authorizer writes it. */
export function accessReviewSpec(attrs: NodeRequestAttributes): SubjectAccessReviewSpec {
  const { user } = attrs;
  return {
    resourceAttributes: { verb: attrs.verb, group: '', version: 'v1', resource: attrs.resource, subresource: attrs.subresource, name: attrs.name },
    user: user.name,
    groups: user.groups,
    ...(user.uid ? { uid: user.uid } : {}),
    ...(user.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}),
  };
}

/**
 * Each decision asked of the apiserver with a SubjectAccessReview: allowed when
 * status.allowed, else denied (a "no opinion" answer denies too: there is no other
 * authorizer to ask). Cached by the review's spec; a failed review rejects.
 */
export class WebhookAuthorizer implements KubeletAuthorizer {
  private readonly cache: TtlCache<boolean>;

  constructor(private readonly o: WebhookAuthorizerOptions) {
    this.cache = new TtlCache(CACHE_SIZE, o.clock);
  }

  async authorize(attrs: NodeRequestAttributes): Promise<boolean> {
    const spec = accessReviewSpec(attrs);
    const key = JSON.stringify(spec);
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const answer = await this.o.review({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {}, spec });
    const allowed = answer.status?.allowed === true;
    this.cache.set(key, allowed, allowed ? this.o.authorizedTtlMs : this.o.unauthorizedTtlMs);
    return allowed;
  }
}
