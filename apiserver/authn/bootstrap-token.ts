// Bootstrap tokens, as kube-apiserver's --enable-bootstrap-token-auth: a token
// "<id>.<secret>" names the kube-system Secret bootstrap-token-<id> of type
// bootstrap.kubernetes.io/token; a valid, unexpired one that allows authentication is
// the user system:bootstrap:<id> in group system:bootstrappers (and its extra groups).
// kubeadm join and our kubelet's --bootstrap-kubeconfig use them to join a node.
import { timingSafeEqual } from 'node:crypto';
import type { Secret } from '../../api/types/core.js';
import { authenticated, type User } from './user.js';

export const BOOTSTRAP_TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
export const BOOTSTRAP_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_SECRET_PREFIX = 'bootstrap-token-';
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
const EXTRA_GROUP_PATTERN = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

// Go's time.Parse(time.RFC3339, s): date, "T", time, optional fraction, "Z" or an offset.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * bootstrapsecretutil.GetExpiration: how long until a bootstrap token's Secret expires
 * (ms) and whether it already has. No expiration: never expires ({ ttlMs: 0, expired:
 * false }). An expiration that is not RFC 3339 counts as expired, as Kubernetes treats
 * it. Expiring exactly now is expired. E.g. expiration "2026-01-01T00:00:10Z" at
 * 00:00:04 → { ttlMs: 6000, expired: false }; at 00:00:10 → { ttlMs: 0, expired: true }.
 */
export function tokenExpiration(secret: Secret, nowMs: number): { ttlMs: number; expired: boolean } {
  const expiration = data(secret, 'expiration') ?? '';
  if (expiration === '') return { ttlMs: 0, expired: false };
  const at = RFC3339.test(expiration) ? Date.parse(expiration) : NaN;
  if (Number.isNaN(at)) return { ttlMs: 0, expired: true };
  const ttlMs = at - nowMs;
  return ttlMs <= 0 ? { ttlMs: 0, expired: true } : { ttlMs, expired: false };
}

function data(s: Secret, key: string): string | undefined {
  const v = s.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
}

/**
 * The user a bootstrap token names; undefined when it is not a valid bootstrap token
 * (then another authenticator may know it). secret looks up kube-system/<name>.
 */
export async function bootstrapTokenUser(token: string, secret: (name: string) => Promise<Secret | undefined>, now = new Date()): Promise<User | undefined> {
  const m = BOOTSTRAP_TOKEN_PATTERN.exec(token);
  if (!m) return undefined;
  const [, id, tokenSecret] = m;
  const s = await secret(`${BOOTSTRAP_SECRET_PREFIX}${id}`);
  if (!s || s.metadata.deletionTimestamp || s.type !== BOOTSTRAP_SECRET_TYPE || !s.data) return undefined;
  const stored = Buffer.from(data(s, 'token-secret') ?? '');
  const given = Buffer.from(tokenSecret);
  if (stored.length !== given.length || !timingSafeEqual(stored, given)) return undefined;
  if (data(s, 'token-id') !== id) return undefined;
  if (tokenExpiration(s, now.getTime()).expired) return undefined;
  if (data(s, 'usage-bootstrap-authentication') !== 'true') return undefined;
  const extra = (data(s, 'auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  if (extra.some((g) => !EXTRA_GROUP_PATTERN.test(g))) return undefined;
  return authenticated({ name: `system:bootstrap:${id}`, groups: [...new Set([BOOTSTRAPPERS_GROUP, ...extra])] });
}
