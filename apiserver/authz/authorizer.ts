// Authorization, as kube-apiserver's union of authorizers (--authorization-mode=Node,RBAC):
// members of system:masters may do anything; then each authorizer in turn allows,
// denies or has no opinion; no opinion from all is a denial. A denial is a 403 worded as
// kube-apiserver's responsewriters.Forbidden words it.
import { goQuote, makeStatus, StatusError } from '../../api/errors.js';
import { MASTERS_GROUP } from '../authn/user.js';
import type { RequestAttributes } from './request-attributes.js';

export type Decision = 'allow' | 'deny' | 'noOpinion';

export interface AuthorizerResult {
  decision: Decision;
  /** Why (in the audit log and the 403's message when denied); may be empty. */
  reason: string;
}

/** One authorizer of the chain. Answers synchronously from caches. */
export interface Authorizer {
  authorize(attrs: RequestAttributes): AuthorizerResult;
}

export class AuthorizerChain implements Authorizer {
  constructor(private readonly members: Authorizer[]) {}

  authorize(attrs: RequestAttributes): AuthorizerResult {
    if (attrs.user.groups.includes(MASTERS_GROUP)) return { decision: 'allow', reason: '' };
    const reasons: string[] = [];
    for (const a of this.members) {
      const r = a.authorize(attrs);
      if (r.decision !== 'noOpinion') return r;
      if (r.reason) reasons.push(r.reason);
    }
    return { decision: 'noOpinion', reason: reasons.join(', ') };
  }
}

/** The sentence a 403 says: `User "x" cannot list resource "pods" in API group "" in the namespace "default"`. */
export function forbiddenMessage(attrs: RequestAttributes): string {
  const who = `User ${goQuote(attrs.user.name)}`;
  if (!attrs.resourceRequest) return `${who} cannot ${attrs.verb} path ${goQuote(attrs.path)}`;
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource ?? '';
  const where = attrs.namespace ? `in the namespace ${goQuote(attrs.namespace)}` : 'at the cluster scope';
  return `${who} cannot ${attrs.verb} resource ${goQuote(resource)} in API group ${goQuote(attrs.apiGroup ?? '')} ${where}`;
}

/** The 403 Status for a request the authorizers did not allow (apierrors.NewForbidden). */
export function forbiddenError(attrs: RequestAttributes, reason: string): StatusError {
  const msg = reason ? `${forbiddenMessage(attrs)}: ${reason}` : forbiddenMessage(attrs);
  if (!attrs.resourceRequest) return new StatusError(makeStatus(403, 'Forbidden', `forbidden: ${msg}`, {}));
  const group = attrs.apiGroup ?? '';
  const qualified = group ? `${attrs.resource}.${group}` : attrs.resource ?? '';
  const name = attrs.name ?? '';
  const message = name ? `${qualified} ${goQuote(name)} is forbidden: ${msg}` : `${qualified} is forbidden: ${msg}`;
  return new StatusError(makeStatus(403, 'Forbidden', message, { ...(name ? { name } : {}), ...(group ? { group } : {}), kind: attrs.resource }));
}
