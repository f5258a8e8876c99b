// Impersonation (kube-apiserver's WithImpersonation filter): a request may act as
// another user with the Impersonate-User, Impersonate-Group, Impersonate-Uid and
// Impersonate-Extra-<key> headers (`kubectl --as`, `--as-group`), when its real user
// is allowed the "impersonate" verb on each of them.
import type { IncomingHttpHeaders } from 'node:http';
import { badRequest, type StatusError } from '../../api/errors.js';
import { forbiddenError, type Authorizer } from '../authz/authorizer.js';
import type { RequestAttributes } from '../authz/request-attributes.js';
import { ANONYMOUS, AUTHENTICATED_GROUP, parseServiceAccountUser, serviceAccountUser, type User } from './user.js';

const EXTRA_PREFIX = 'impersonate-extra-';

const all = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * The user the request acts as: user itself when it asks for no impersonation. Throws a
 * 403 when user may not impersonate what the headers ask, a 400 for headers without
 * Impersonate-User. Callers pass Node's headersDistinct: a repeated Impersonate-Group
 * (`--as-group a --as-group b`) is two groups, not one joined with ", ".
 */
export function impersonate(user: User, headers: IncomingHttpHeaders | NodeJS.Dict<string[]>, path: string, authorizer: Authorizer): User {
  const name = all(headers['impersonate-user'])[0];
  const groups = all(headers['impersonate-group']);
  const uid = all(headers['impersonate-uid'])[0];
  const extra: Record<string, string[]> = {};
  for (const [h, v] of Object.entries(headers)) {
    if (!h.startsWith(EXTRA_PREFIX)) continue;
    let key = h.slice(EXTRA_PREFIX.length);
    try { key = decodeURIComponent(key); } catch { /* kept as sent */ }
    extra[key.toLowerCase()] = all(v);
  }
  if (name === undefined) {
    if (groups.length || uid !== undefined || Object.keys(extra).length) {
      throw badRequest('requested impersonation of groups, uid or extra fields without impersonating a user');
    }
    return user;
  }
  const check = (attrs: Omit<RequestAttributes, 'user' | 'verb' | 'resourceRequest' | 'path'>): void => {
    const full: RequestAttributes = { user, verb: 'impersonate', resourceRequest: true, path, ...attrs };
    const { decision, reason } = authorizer.authorize(full);
    if (decision !== 'allow') throw forbiddenError(full, reason) as StatusError;
  };
  const sa = parseServiceAccountUser(name);
  if (sa) check({ apiGroup: '', resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name });
  else check({ apiGroup: '', resource: 'users', name });
  for (const g of groups) check({ apiGroup: '', resource: 'groups', name: g });
  if (uid !== undefined) check({ apiGroup: 'authentication.k8s.io', resource: 'uids', name: uid });
  for (const [key, values] of Object.entries(extra)) {
    for (const v of values) check({ apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: key, name: v });
  }
  let as: User;
  if (sa && !groups.length) as = serviceAccountUser(sa.namespace, sa.name);
  else if (name === ANONYMOUS.name) as = { name, groups: groups.length ? groups : [...ANONYMOUS.groups] };
  else as = { name, groups: groups.includes(AUTHENTICATED_GROUP) ? groups : [...groups, AUTHENTICATED_GROUP] };
  if (uid !== undefined) as.uid = uid;
  if (Object.keys(extra).length) as.extra = extra;
  return as;
}
