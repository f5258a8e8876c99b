// admissionregistration.k8s.io/v1: the webhooks admission calls (Validating- and
// MutatingWebhookConfiguration), and admission.k8s.io/v1 AdmissionReview, what is sent
// to them and what they answer.
import type { UserInfo } from './authentication.js';
import type { KubeObject, LabelSelector, Status } from './meta.js';

export type OperationType = '*' | 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
export type ScopeType = '*' | 'Cluster' | 'Namespaced';
export type FailurePolicyType = 'Ignore' | 'Fail';
export type MatchPolicyType = 'Exact' | 'Equivalent';
export type SideEffectClass = 'Unknown' | 'None' | 'Some' | 'NoneOnDryRun';
export type ReinvocationPolicyType = 'Never' | 'IfNeeded';

/** What requests a webhook is called for: operations on resources of groups and versions. */
export interface RuleWithOperations {
  operations?: OperationType[];
  apiGroups?: string[];
  apiVersions?: string[];
  /** "pods", "pods/status", "*" (every resource, no subresource), "*\/*", "pods/*", "*\/scale". */
  resources?: string[];
  /** Defaults to "*". */
  scope?: ScopeType;
}

export interface ServiceReference {
  namespace: string;
  name: string;
  path?: string;
  /** Defaults to 443. */
  port?: number;
}

export interface WebhookClientConfig {
  /** https://host[:port][/path]; exactly one of url and service. */
  url?: string;
  service?: ServiceReference;
  /** PEM bundle (base64 in JSON) that verifies the webhook's serving certificate; the system roots when empty. */
  caBundle?: string;
}

export interface MatchCondition {
  name: string;
  expression: string;
}

/** What Validating and Mutating webhooks share. */
export interface WebhookCommon {
  name: string;
  clientConfig: WebhookClientConfig;
  rules?: RuleWithOperations[];
  /** Defaults to Fail. */
  failurePolicy?: FailurePolicyType;
  /** Defaults to Equivalent. */
  matchPolicy?: MatchPolicyType;
  /** Defaults to {} (every namespace). */
  namespaceSelector?: LabelSelector;
  /** Defaults to {} (every object). */
  objectSelector?: LabelSelector;
  /** Required. */
  sideEffects?: SideEffectClass;
  /** Defaults to 10. */
  timeoutSeconds?: number;
  /** Required: the AdmissionReview versions the webhook understands, preferred first. */
  admissionReviewVersions?: string[];
  matchConditions?: MatchCondition[];
}

export type ValidatingWebhook = WebhookCommon;

export interface MutatingWebhook extends WebhookCommon {
  /** Defaults to Never. */
  reinvocationPolicy?: ReinvocationPolicyType;
}

export interface ValidatingWebhookConfiguration extends KubeObject {
  webhooks?: ValidatingWebhook[];
}

export interface MutatingWebhookConfiguration extends KubeObject {
  webhooks?: MutatingWebhook[];
}

export interface GroupVersionKind { group: string; version: string; kind: string }
export interface GroupVersionResource { group: string; version: string; resource: string }

/** admission.k8s.io/v1 AdmissionRequest. */
export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  requestKind?: GroupVersionKind;
  requestResource?: GroupVersionResource;
  requestSubResource?: string;
  name?: string;
  namespace?: string;
  operation: Exclude<OperationType, '*'>;
  userInfo: UserInfo;
  object: KubeObject | null;
  oldObject: KubeObject | null;
  dryRun?: boolean;
  options: Record<string, unknown> | null;
}

/** admission.k8s.io/v1 AdmissionResponse. */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: Partial<Status>;
  /** base64 of a JSON patch (RFC 6902). */
  patch?: string;
  patchType?: string;
  auditAnnotations?: Record<string, string>;
  warnings?: string[];
}

export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

// ---------------------------------------------------------------- ValidatingAdmissionPolicy

export interface NamedRuleWithOperations extends RuleWithOperations {
  resourceNames?: string[];
}

/** Which requests a policy (or a binding, further) applies to. */
export interface MatchResources {
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  resourceRules?: NamedRuleWithOperations[];
  excludeResourceRules?: NamedRuleWithOperations[];
  /** Defaults to Equivalent. */
  matchPolicy?: MatchPolicyType;
}

export interface ParamKind {
  apiVersion?: string;
  kind?: string;
}

export interface Validation {
  expression: string;
  message?: string;
  /** Forbidden, Invalid (the default) or RequestEntityTooLarge. */
  reason?: string;
  messageExpression?: string;
}

export interface AuditAnnotation {
  key: string;
  valueExpression: string;
}

export interface Variable {
  name: string;
  expression: string;
}

export interface ValidatingAdmissionPolicySpec {
  paramKind?: ParamKind;
  matchConstraints?: MatchResources;
  validations?: Validation[];
  /** Defaults to Fail. */
  failurePolicy?: FailurePolicyType;
  auditAnnotations?: AuditAnnotation[];
  matchConditions?: MatchCondition[];
  variables?: Variable[];
}

export interface ValidatingAdmissionPolicy extends KubeObject {
  spec?: ValidatingAdmissionPolicySpec;
  status?: { observedGeneration?: number; typeChecking?: { expressionWarnings?: { fieldRef: string; warning: string }[] }; conditions?: unknown[] };
}

export type ValidationAction = 'Deny' | 'Warn' | 'Audit';

export interface ParamRef {
  name?: string;
  namespace?: string;
  selector?: LabelSelector;
  /** Allow or Deny; required when paramRef is set. */
  parameterNotFoundAction?: 'Allow' | 'Deny';
}

export interface ValidatingAdmissionPolicyBindingSpec {
  policyName?: string;
  paramRef?: ParamRef;
  matchResources?: MatchResources;
  validationActions?: ValidationAction[];
}

export interface ValidatingAdmissionPolicyBinding extends KubeObject {
  spec?: ValidatingAdmissionPolicyBindingSpec;
}
