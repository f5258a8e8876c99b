// authorization.k8s.io/v1 definitions: access reviews (may this user do this?) and
// rules reviews (what may I do in this namespace?), as `kubectl auth can-i` asks them.
import { M, METADATA } from './meta.js';
import {
  API_VERSION, KIND, bool, gvk, kind, listOf, map, object, ref, str, strings, type Definitions, type JSONSchemaProps,
} from './schema.js';

export const AZ = 'io.k8s.api.authorization.v1.';

const GROUP = 'authorization.k8s.io';
const ATOMIC = { listType: 'atomic' } as const;

/** The spec, status and metadata fields of SubjectAccessReview and LocalSubjectAccessReview. */
const accessReview = (specDefinition: string, specDescription: string): Record<string, JSONSchemaProps> => ({
  apiVersion: API_VERSION,
  kind: KIND,
  metadata: METADATA,
  spec: ref(specDefinition, specDescription),
  status: ref(`${AZ}SubjectAccessReviewStatus`, 'The answer, filled in by the server: whether the request would be allowed.'),
});

export const AUTHORIZATION_DEFINITIONS: Definitions = {
  [`${AZ}FieldSelectorRequirement`]: object('A requirement on one field: a key, an operator and values.', {
    key: str('The field selector key the requirement applies to.'),
    operator: str('How the key relates to the values: In, NotIn, Exists or DoesNotExist. More may be added; a webhook should treat an operator it does not know as not limiting the request.'),
    values: strings('Values for In and NotIn (must be non-empty); must be empty for Exists and DoesNotExist.', ATOMIC),
  }, ['key', 'operator']),

  [`${AZ}FieldSelectorAttributes`]: object('A field selector limiting the access asked about. Set rawSelector or requirements, not both.', {
    rawSelector: str('The field selector as a query parameter would carry it. The API server parses it when requirements are empty; webhooks should ignore it.'),
    requirements: listOf(`${AZ}FieldSelectorRequirement`, 'The parsed selector: every requirement must hold for an object to match.', ATOMIC),
  }),

  [`${AZ}LabelSelectorAttributes`]: object('A label selector limiting the access asked about. Set rawSelector or requirements, not both.', {
    rawSelector: str('The label selector as a query parameter would carry it. The API server parses it when requirements are empty; webhooks should ignore it.'),
    requirements: listOf(`${M}LabelSelectorRequirement`, 'The parsed selector: every requirement must hold for an object to match.', ATOMIC),
  }),

  [`${AZ}ResourceAttributes`]: object('The attributes of a request on an API resource, as an authorizer sees them.', {
    fieldSelector: ref(`${AZ}FieldSelectorAttributes`, 'Limits the access asked about to objects matching a field selector. It can only narrow access, never widen it.'),
    group: str('The API group of the resource; "*" means every group.'),
    labelSelector: ref(`${AZ}LabelSelectorAttributes`, 'Limits the access asked about to objects matching a label selector. It can only narrow access, never widen it.'),
    name: str('The name of the object asked about (get, delete...); "" means every object.'),
    namespace: str('The namespace of the action. Defaulted for LocalSubjectAccessReviews; empty for cluster-scoped resources; empty means every namespace for a namespaced resource in a SubjectAccessReview or SelfSubjectAccessReview.'),
    resource: str('The resource, such as pods; "*" means every resource.'),
    subresource: str('The subresource, such as log; "" means none.'),
    verb: str('The API verb: get, list, watch, create, update, patch, delete, deletecollection, proxy; "*" means every verb.'),
    version: str('The API version of the resource; "*" means every version.'),
  }),

  [`${AZ}NonResourceAttributes`]: object('The attributes of a request on a non-resource URL, as an authorizer sees them.', {
    path: str('The URL path of the request.'),
    verb: str('The lower-cased HTTP verb: get, post, put, delete, patch, head, options.'),
  }),

  [`${AZ}SubjectAccessReviewSpec`]: object('The request to check and who makes it. Exactly one of resourceAttributes and nonResourceAttributes is set.', {
    extra: map({ type: 'array', items: { type: 'string' } }, 'The extra attributes of the user, as the authenticator provides them; authorizers may read them.'),
    groups: strings('The groups of the user to check for.', ATOMIC),
    nonResourceAttributes: ref(`${AZ}NonResourceAttributes`, 'A request on a non-resource URL.'),
    resourceAttributes: ref(`${AZ}ResourceAttributes`, 'A request on an API resource.'),
    uid: str('The UID of the user to check for.'),
    user: str('The user to check for. A user without groups is checked as a member of no group.'),
  }),

  [`${AZ}SelfSubjectAccessReviewSpec`]: object('The request to check for the requesting user. Exactly one of resourceAttributes and nonResourceAttributes is set.', {
    nonResourceAttributes: ref(`${AZ}NonResourceAttributes`, 'A request on a non-resource URL.'),
    resourceAttributes: ref(`${AZ}ResourceAttributes`, 'A request on an API resource.'),
  }),

  [`${AZ}SubjectAccessReviewStatus`]: object('Whether a request would be allowed.', {
    allowed: bool('True when the request would be allowed.'),
    denied: bool('True when the request would be denied outright. When neither allowed nor denied is true, the authorizers have no opinion. Never true together with allowed.'),
    evaluationError: str('An error met while checking. The answer may still be right: RBAC may miss a role yet find enough others to decide.'),
    reason: str('Why the request would be allowed or denied.'),
  }, ['allowed']),

  [`${AZ}SubjectAccessReview`]: kind(gvk(GROUP, 'v1', 'SubjectAccessReview'), 'Asks whether a user or group may perform an action. Only created; never stored.',
    accessReview(`${AZ}SubjectAccessReviewSpec`, 'The request to check and who makes it.'), ['spec']),

  [`${AZ}LocalSubjectAccessReview`]: kind(gvk(GROUP, 'v1', 'LocalSubjectAccessReview'), 'Asks whether a user or group may perform an action in one namespace; namespaced, so permission to ask can be granted per namespace. Only created; never stored.',
    accessReview(`${AZ}SubjectAccessReviewSpec`, 'The request to check and who makes it. Its namespace must be the namespace the review is created in; empty, it is defaulted to it.'), ['spec']),

  [`${AZ}SelfSubjectAccessReview`]: kind(gvk(GROUP, 'v1', 'SelfSubjectAccessReview'), 'Asks whether the requesting user may perform an action; an empty namespace means every namespace. Every user may ask this. Only created; never stored.',
    accessReview(`${AZ}SelfSubjectAccessReviewSpec`, 'The request to check. The user is the requesting one.'), ['spec']),

  [`${AZ}ResourceRule`]: object('Actions the subject may perform on resources. Order is not significant; rules may repeat and may be incomplete.', {
    apiGroups: strings('The API groups of the resources; "*" means every group.', ATOMIC),
    resourceNames: strings('Names of the objects the rule applies to; empty means every object, "*" too.', ATOMIC),
    resources: strings('The resources the rule applies to; "*" means every resource in the groups, "*/foo" the subresource foo of every resource.', ATOMIC),
    verbs: strings('The API verbs allowed, such as get, list, watch, create; "*" means every verb.', ATOMIC),
  }, ['verbs']),

  [`${AZ}NonResourceRule`]: object('Actions the subject may perform on non-resource URLs.', {
    nonResourceURLs: strings('URL paths, "*" allowed only as the last character; "*" alone means every path.', ATOMIC),
    verbs: strings('The lower-cased HTTP verbs allowed, such as get, post; "*" means every verb.', ATOMIC),
  }, ['verbs']),

  [`${AZ}SubjectRulesReviewStatus`]: object('What a subject may do. Rules only ever add permissions, so a listed rule holds even when the list is incomplete.', {
    evaluationError: str('An error met while listing the rules, such as an authorizer that cannot list rules; the rules may then be incomplete.'),
    incomplete: bool('True when the rules are incomplete, most often because an authorizer (a webhook) cannot list rules.'),
    nonResourceRules: listOf(`${AZ}NonResourceRule`, 'What the subject may do on non-resource URLs. Order is not significant; rules may repeat and may be incomplete.', ATOMIC),
    resourceRules: listOf(`${AZ}ResourceRule`, 'What the subject may do on resources. Order is not significant; rules may repeat and may be incomplete.', ATOMIC),
  }, ['resourceRules', 'nonResourceRules', 'incomplete']),

  [`${AZ}SelfSubjectRulesReviewSpec`]: object('The namespace to list the requesting user\'s rules in.', {
    namespace: str('The namespace to evaluate rules for. Required.'),
  }),

  [`${AZ}SelfSubjectRulesReview`]: kind(gvk(GROUP, 'v1', 'SelfSubjectRulesReview'), 'Lists what the requesting user may do in a namespace, for user interfaces to show or hide actions. The list may be incomplete; it must not drive authorization decisions (use a SubjectAccessReview). Only created; never stored.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${AZ}SelfSubjectRulesReviewSpec`, 'The namespace to list rules in.'),
    status: ref(`${AZ}SubjectRulesReviewStatus`, 'The rules, filled in by the server.'),
  }, ['spec']),
};
