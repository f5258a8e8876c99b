// The authenticated user of a request (Kubernetes' user.Info), and the names and
// groups Kubernetes gives its built-in identities.
import type { UserInfo } from '../../api/types/authentication.js';

export interface User {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export const AUTHENTICATED_GROUP = 'system:authenticated';
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';
export const MASTERS_GROUP = 'system:masters';
export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';
export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';

export const ANONYMOUS: User = { name: 'system:anonymous', groups: [UNAUTHENTICATED_GROUP] };

/** Adds system:authenticated, as every authenticator's result gets it in kube-apiserver. */
export function authenticated(u: User): User {
  return u.groups.includes(AUTHENTICATED_GROUP) ? u : { ...u, groups: [...u.groups, AUTHENTICATED_GROUP] };
}

/** system:serviceaccount:<ns>:<name>, and its groups. */
export function serviceAccountUser(namespace: string, name: string, uid?: string, extra?: Record<string, string[]>): User {
  return {
    name: `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`,
    uid,
    groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`, AUTHENTICATED_GROUP],
    ...(extra && Object.keys(extra).length ? { extra } : {}),
  };
}

/** The namespace and name of a service account user; undefined for other users. */
export function parseServiceAccountUser(name: string): { namespace: string; name: string } | undefined {
  if (!name.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const parts = name.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

/**
 * The node a kubelet's identity names (system:node:<name> in group system:nodes), as
 * Kubernetes' NodeIdentifier reads it: undefined for a user who is no node, "" for a
 * node identity without a name (refused by the Node authorizer and NodeRestriction).
 */
export function nodeIdentity(u: User): string | undefined {
  if (!u.groups.includes(NODES_GROUP) || !u.name.startsWith(NODE_USER_PREFIX)) return undefined;
  return u.name.slice(NODE_USER_PREFIX.length);
}

/** The user as the API writes it (TokenReview, SelfSubjectReview): empty fields left out. */
export function toUserInfo(u: User): UserInfo {
  return {
    username: u.name,
    ...(u.uid ? { uid: u.uid } : {}),
    groups: u.groups,
    ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}),
  };
}
