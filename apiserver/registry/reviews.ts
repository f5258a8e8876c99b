// The review resources: created, answered and never stored (Kubernetes' TokenReview,
// SelfSubjectReview, SubjectAccessReview, LocalSubjectAccessReview,
// SelfSubjectAccessReview and SelfSubjectRulesReview REST storages). Each answers with
// the object it was sent and its status filled in, with code 201 as kube-apiserver does.
import { badRequest, invalid } from '../../api/errors.js';
import type { NonResourceRule, ResourceRule, SelfSubjectRulesReview, SubjectAccessReview } from '../../api/types/authorization.js';
import type { SelfSubjectReview, TokenReview } from '../../api/types/authentication.js';
import type { KubeObject, StatusCause } from '../../api/types/meta.js';
import { rfc3339Now } from '../../api/helpers/time.js';
import type { Authenticator } from '../authn/authenticator.js';
import { toUserInfo, type User } from '../authn/user.js';
import type { Authorizer } from '../authz/authorizer.js';
import type { RequestAttributes } from '../authz/request-attributes.js';

/** A create-only resource's answer to a POST. */
export interface ReviewRequest {
  namespace?: string;
  body: KubeObject;
  /** Who asks (the subject of the Self* reviews). */
  user: User | undefined;
}

export type ReviewHandler = (req: ReviewRequest) => Promise<KubeObject>;

/** What a SelfSubjectRulesReview reports: the rules that apply to a user in a namespace. */
export interface RulesResolver {
  rulesFor(user: User, namespace: string): { resourceRules: ResourceRule[]; nonResourceRules: NonResourceRule[]; incomplete: boolean; evaluationError?: string };
}

export interface ReviewDeps {
  authenticator: Authenticator;
  authorizer: Authorizer;
  rules: RulesResolver;
  /** The apiserver's audiences (--api-audiences), used when a TokenReview names none. */
  apiAudiences: string[];
}

const NOBODY: User = { name: '', groups: [] };

/** The review handlers by plural. */
export function reviewHandlers(deps: ReviewDeps): Record<string, ReviewHandler> {
  return {
    tokenreviews: async ({ body }) => {
      const tr = body as TokenReview;
      const token = tr.spec?.token;
      if (!token) throw badRequest('token is required for TokenReview in authentication');
      const audiences = tr.spec.audiences?.length ? tr.spec.audiences : deps.apiAudiences;
      const r = await deps.authenticator.authenticateToken(token, audiences);
      tr.status = r
        ? { authenticated: true, user: toUserInfo(r.user), audiences: r.audiences ?? audiences }
        : { authenticated: false, user: {} };
      return stamp(tr);
    },
    selfsubjectreviews: async ({ body, user }) => {
      const r = body as SelfSubjectReview;
      r.status = { userInfo: toUserInfo(user ?? NOBODY) };
      return stamp(r);
    },
    subjectaccessreviews: async ({ body }) => {
      const sar = body as SubjectAccessReview;
      checkAccessReviewSpec(sar, true);
      const u: User = { name: sar.spec.user ?? '', uid: sar.spec.uid, groups: sar.spec.groups ?? [], extra: sar.spec.extra };
      return answerAccessReview(deps.authorizer, sar, u);
    },
    localsubjectaccessreviews: async ({ body, namespace }) => {
      const sar = body as SubjectAccessReview;
      checkAccessReviewSpec(sar, true);
      const ns = sar.spec.resourceAttributes?.namespace;
      if (sar.metadata?.namespace && sar.metadata.namespace !== namespace) {
        throw badRequest(`namespace of the object (${sar.metadata.namespace}) does not match the namespace on the request (${namespace ?? ''})`);
      }
      if (!sar.spec.resourceAttributes || ns !== namespace) {
        throw invalid('LocalSubjectAccessReview', 'authorization.k8s.io', '', [{
          reason: 'FieldValueInvalid', field: 'spec.resourceAttributes.namespace',
          message: `Invalid value: ${JSON.stringify(ns ?? '')}: must match metadata.namespace`,
        }]);
      }
      const u: User = { name: sar.spec.user ?? '', uid: sar.spec.uid, groups: sar.spec.groups ?? [], extra: sar.spec.extra };
      return answerAccessReview(deps.authorizer, sar, u);
    },
    selfsubjectaccessreviews: async ({ body, user }) => {
      const sar = body as SubjectAccessReview;
      checkAccessReviewSpec(sar, false);
      const u = user ?? NOBODY;
      // The answer names who was asked about, as kube-apiserver fills the spec in.
      sar.spec = { ...sar.spec, user: u.name, groups: u.groups, ...(u.uid ? { uid: u.uid } : {}), ...(u.extra ? { extra: u.extra } : {}) };
      return answerAccessReview(deps.authorizer, sar, u);
    },
    selfsubjectrulesreviews: async ({ body, user }) => {
      const r = body as SelfSubjectRulesReview;
      const ns = r.spec?.namespace;
      if (!ns) {
        throw invalid('SelfSubjectRulesReview', 'authorization.k8s.io', '', [{ reason: 'FieldValueRequired', field: 'spec.namespace', message: 'Required value' }]);
      }
      r.status = deps.rules.rulesFor(user ?? NOBODY, ns);
      return stamp(r);
    },
  };
}

/** As kube-apiserver's answers: creationTimestamp set, the status filled in. */
function stamp<T extends KubeObject>(obj: T): T {
  obj.metadata = { ...(obj.metadata ?? {}), creationTimestamp: rfc3339Now() };
  return obj;
}

function checkAccessReviewSpec(sar: SubjectAccessReview, needSubject: boolean): void {
  const kind = sar.kind ?? 'SubjectAccessReview';
  const spec = sar.spec ?? {};
  const causes: StatusCause[] = [];
  const res = spec.resourceAttributes;
  const nonRes = spec.nonResourceAttributes;
  if (res && nonRes) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', message: `Invalid value: ${JSON.stringify(nonRes)}: cannot be specified in combination with resourceAttributes` });
  }
  if (!res && !nonRes) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.resourceAttributes', message: 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified' });
  }
  if (needSubject && !spec.user && !(spec.groups ?? []).length) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.user', message: 'Invalid value: "": at least one of user or group must be specified' });
  }
  if (causes.length) throw invalid(kind, 'authorization.k8s.io', '', causes);
}

function answerAccessReview(authorizer: Authorizer, sar: SubjectAccessReview, user: User): KubeObject {
  const res = sar.spec.resourceAttributes;
  const nonRes = sar.spec.nonResourceAttributes;
  // The subject's groups are taken as the review gives them (system:authenticated is not added).
  const attrs: RequestAttributes = res
    ? {
      user, verb: res.verb ?? '', resourceRequest: true, path: '',
      namespace: res.namespace || undefined, apiGroup: res.group ?? '', apiVersion: res.version,
      resource: res.resource ?? '', subresource: res.subresource || undefined, name: res.name || undefined,
    }
    : { user, verb: nonRes?.verb ?? '', resourceRequest: false, path: nonRes?.path ?? '' };
  const { decision, reason } = authorizer.authorize(attrs);
  sar.status = {
    allowed: decision === 'allow',
    ...(decision === 'deny' ? { denied: true } : {}),
    ...(reason ? { reason } : {}),
  };
  return stamp(sar);
}
