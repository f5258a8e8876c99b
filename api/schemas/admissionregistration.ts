// admissionregistration.k8s.io/v1 definitions: Validating- and MutatingWebhookConfiguration
// and their webhooks, with Kubernetes' field descriptions (shortened) and list types.
import { M, METADATA, listKind } from './meta.js';
import {
  API_VERSION, KIND, bytes, gvk, int32, kind, listOf, object, ref, str, strings, type Definitions, type JSONSchemaProps,
} from './schema.js';

export const AR = 'io.k8s.api.admissionregistration.v1.';
const GROUP = 'admissionregistration.k8s.io';
const ATOMIC = { listType: 'atomic' } as const;

const common = (mutating: boolean): Record<string, JSONSchemaProps> => ({
  admissionReviewVersions: strings('AdmissionReviewVersions is an ordered list of preferred `AdmissionReview` versions the Webhook expects. API server will try to use first version in the list which it supports. If none of the versions specified in this list supported by API server, validation will fail for this object.', ATOMIC),
  clientConfig: ref(`${AR}WebhookClientConfig`, 'ClientConfig defines how to communicate with the hook. Required'),
  failurePolicy: str('FailurePolicy defines how unrecognized errors from the admission endpoint are handled - allowed values are Ignore or Fail. Defaults to Fail.', { enum: ['Fail', 'Ignore'] }),
  matchConditions: listOf(`${AR}MatchCondition`, 'MatchConditions is a list of conditions that must be met for a request to be sent to this webhook. Match conditions filter requests that have already been matched by the rules, namespaceSelector, and objectSelector. An empty list of matchConditions matches all requests. There are a maximum of 64 match conditions allowed.', { listType: 'map', mapKeys: ['name'], patch: 'merge', mergeKey: 'name' }),
  matchPolicy: str('matchPolicy defines how the "rules" list is used to match incoming requests. Allowed values are "Exact" or "Equivalent". Defaults to "Equivalent"', { enum: ['Equivalent', 'Exact'] }),
  name: str('The name of the admission webhook. Name should be fully qualified, e.g., imagepolicy.kubernetes.io, where "imagepolicy" is the name of the webhook, and kubernetes.io is the name of the organization. Required.'),
  namespaceSelector: ref(`${M}LabelSelector`, 'NamespaceSelector decides whether to run the webhook on an object based on whether the namespace for that object matches the selector. If the object itself is a namespace, the matching is performed on object.metadata.labels. Default to the empty LabelSelector, which matches everything.'),
  objectSelector: ref(`${M}LabelSelector`, 'ObjectSelector decides whether to run the webhook based on if the object has matching labels. objectSelector is evaluated against both the oldObject and newObject that would be sent to the webhook, and is considered to match if either object matches the selector. Default to the empty LabelSelector, which matches everything.'),
  ...(mutating ? {
    reinvocationPolicy: str('reinvocationPolicy indicates whether this webhook should be called multiple times as part of a single admission evaluation. Allowed values are "Never" and "IfNeeded". Defaults to "Never".', { enum: ['IfNeeded', 'Never'] }),
  } : {}),
  rules: listOf(`${AR}RuleWithOperations`, 'Rules describes what operations on what resources/subresources the webhook cares about. The webhook cares about an operation if it matches _any_ Rule.', ATOMIC),
  sideEffects: str('SideEffects states whether this webhook has side effects. Acceptable values are: None, NoneOnDryRun (webhooks created via v1beta1 may also specify Some or Unknown). Requests with the dryRun attribute will be auto-rejected if they match a webhook with sideEffects == Unknown or Some.', { enum: ['None', 'NoneOnDryRun', 'Some', 'Unknown'] }),
  timeoutSeconds: int32('TimeoutSeconds specifies the timeout for this webhook. After the timeout passes, the webhook call will be ignored or the API call will fail based on the failure policy. The timeout value must be between 1 and 30 seconds. Default to 10 seconds.'),
});

export const ADMISSIONREGISTRATION_DEFINITIONS: Definitions = {
  [`${AR}ServiceReference`]: object('ServiceReference holds a reference to Service.legacy.k8s.io', {
    name: str('`name` is the name of the service. Required'),
    namespace: str('`namespace` is the namespace of the service. Required'),
    path: str('`path` is an optional URL path which will be sent in any request to this service.'),
    port: int32('If specified, the port on the service that hosting webhook. Default to 443 for backward compatibility. `port` should be a valid port number (1-65535, inclusive).'),
  }, ['namespace', 'name']),
  [`${AR}WebhookClientConfig`]: object('WebhookClientConfig contains the information to make a TLS connection with the webhook', {
    caBundle: bytes('`caBundle` is a PEM encoded CA bundle which will be used to validate the webhook\'s server certificate. If unspecified, system trust roots on the apiserver are used.'),
    service: ref(`${AR}ServiceReference`, '`service` is a reference to the service for this webhook. Either `service` or `url` must be specified.\n\nIf the webhook is running within the cluster, then you should use `service`.'),
    url: str('`url` gives the location of the webhook, in standard URL form (`scheme://host:port/path`). Exactly one of `url` or `service` must be specified. The scheme must be "https"; the URL must begin with "https://".'),
  }),
  [`${AR}RuleWithOperations`]: object('RuleWithOperations is a tuple of Operations and Resources. It is recommended to make sure that all the tuple expansions are valid.', {
    apiGroups: strings('APIGroups is the API groups the resources belong to. \'*\' is all groups. If \'*\' is present, the length of the slice must be one. Required.', ATOMIC),
    apiVersions: strings('APIVersions is the API versions the resources belong to. \'*\' is all versions. If \'*\' is present, the length of the slice must be one. Required.', ATOMIC),
    operations: strings('Operations is the operations the admission hook cares about - CREATE, UPDATE, DELETE, CONNECT or * for all of those operations and any future admission operations that are added. If \'*\' is present, the length of the slice must be one. Required.', ATOMIC),
    resources: strings('Resources is a list of resources this rule applies to. \'pods\' means pods, \'pods/log\' means the log subresource of pods, \'*\' means all resources but not subresources, \'pods/*\' means all subresources of pods, \'*/scale\' means all scale subresources, \'*/*\' means all resources and their subresources.', ATOMIC),
    scope: str('scope specifies the scope of this rule. Valid values are "Cluster", "Namespaced", and "*". Default is "*".'),
  }),
  [`${AR}MatchCondition`]: object('MatchCondition represents a condition which must by fulfilled for a request to be sent to a webhook.', {
    expression: str('Expression represents the expression which will be evaluated by CEL. Must evaluate to bool. Required.'),
    name: str('Name is an identifier for this match condition, used for strategic merging of MatchConditions, as well as providing an identifier for logging purposes. Required.'),
  }, ['name', 'expression']),
  [`${AR}ValidatingWebhook`]: object('ValidatingWebhook describes an admission webhook and the resources and operations it applies to.', common(false), ['name', 'clientConfig', 'sideEffects', 'admissionReviewVersions']),
  [`${AR}MutatingWebhook`]: object('MutatingWebhook describes an admission webhook and the resources and operations it applies to.', common(true), ['name', 'clientConfig', 'sideEffects', 'admissionReviewVersions']),
  [`${AR}ValidatingWebhookConfiguration`]: kind(gvk(GROUP, 'v1', 'ValidatingWebhookConfiguration'), 'ValidatingWebhookConfiguration describes the configuration of and admission webhook that accept or reject and object without changing it.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    webhooks: listOf(`${AR}ValidatingWebhook`, 'Webhooks is a list of webhooks and the affected resources and operations.', { listType: 'map', mapKeys: ['name'], patch: 'merge', mergeKey: 'name' }),
  }),
  [`${AR}ValidatingWebhookConfigurationList`]: listKind(GROUP, 'v1', 'ValidatingWebhookConfigurationList', `${AR}ValidatingWebhookConfiguration`, 'validating webhook configurations'),
  [`${AR}MutatingWebhookConfiguration`]: kind(gvk(GROUP, 'v1', 'MutatingWebhookConfiguration'), 'MutatingWebhookConfiguration describes the configuration of and admission webhook that accept or reject and may change the object.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    webhooks: listOf(`${AR}MutatingWebhook`, 'Webhooks is a list of webhooks and the affected resources and operations.', { listType: 'map', mapKeys: ['name'], patch: 'merge', mergeKey: 'name' }),
  }),
  [`${AR}MutatingWebhookConfigurationList`]: listKind(GROUP, 'v1', 'MutatingWebhookConfigurationList', `${AR}MutatingWebhookConfiguration`, 'mutating webhook configurations'),

  [`${AR}NamedRuleWithOperations`]: object('NamedRuleWithOperations is a tuple of Operations and Resources with ResourceNames.', {
    apiGroups: strings('APIGroups is the API groups the resources belong to. \'*\' is all groups.', ATOMIC),
    apiVersions: strings('APIVersions is the API versions the resources belong to. \'*\' is all versions.', ATOMIC),
    operations: strings('Operations is the operations the admission hook cares about - CREATE, UPDATE, DELETE, CONNECT or * for all of those operations.', ATOMIC),
    resourceNames: strings('ResourceNames is an optional white list of names that the rule applies to. An empty set means that everything is allowed.', ATOMIC),
    resources: strings('Resources is a list of resources this rule applies to.', ATOMIC),
    scope: str('scope specifies the scope of this rule. Valid values are "Cluster", "Namespaced", and "*". Default is "*".'),
  }, undefined, { mapType: 'atomic' }),
  [`${AR}MatchResources`]: object('MatchResources decides whether to run the admission control policy on an object based on whether it meets the match criteria.', {
    excludeResourceRules: listOf(`${AR}NamedRuleWithOperations`, 'ExcludeResourceRules describes what operations on what resources/subresources the ValidatingAdmissionPolicy should not care about. The exclude rules take precedence over include rules.', ATOMIC),
    matchPolicy: str('matchPolicy defines how the "MatchResources" list is used to match incoming requests. Allowed values are "Exact" or "Equivalent". Defaults to "Equivalent"', { enum: ['Equivalent', 'Exact'] }),
    namespaceSelector: ref(`${M}LabelSelector`, 'NamespaceSelector decides whether to run the admission control policy on an object based on whether the namespace for that object matches the selector. Default to the empty LabelSelector, which matches everything.'),
    objectSelector: ref(`${M}LabelSelector`, 'ObjectSelector decides whether to run the validation based on if the object has matching labels. Default to the empty LabelSelector, which matches everything.'),
    resourceRules: listOf(`${AR}NamedRuleWithOperations`, 'ResourceRules describes what operations on what resources/subresources the ValidatingAdmissionPolicy matches. The policy cares about an operation if it matches _any_ Rule.', ATOMIC),
  }, undefined, { mapType: 'atomic' }),
  [`${AR}ParamKind`]: object('ParamKind is a tuple of Group Kind and Version.', {
    apiVersion: str('APIVersion is the API group version the resources belong to. In format of "group/version". Required.'),
    kind: str('Kind is the API kind the resources belong to. Required.'),
  }, undefined, { mapType: 'atomic' }),
  [`${AR}Validation`]: object('Validation specifies the CEL expression which is used to apply the validation.', {
    expression: str('Expression represents the expression which will be evaluated by CEL. Required.'),
    message: str('Message represents the message displayed when validation fails. If unspecified, the message is "failed Expression: {Expression}".'),
    messageExpression: str('messageExpression declares a CEL expression that evaluates to the validation failure message that is returned when this rule fails. Since messageExpression is used as a failure message, it must evaluate to a string.'),
    reason: str('Reason represents a machine-readable description of why this validation failed. Supported values: "Unauthorized", "Forbidden", "Invalid", "RequestEntityTooLarge". Defaults to "Invalid".'),
  }, ['expression']),
  [`${AR}AuditAnnotation`]: object('AuditAnnotation describes how to produce an audit annotation for an API request.', {
    key: str('key specifies the audit annotation key. Required.'),
    valueExpression: str('valueExpression represents the expression which is evaluated by CEL to produce an audit annotation value. Required.'),
  }, ['key', 'valueExpression']),
  [`${AR}Variable`]: object('Variable is the definition of a variable that is used for composition.', {
    expression: str('Expression is the expression that will be evaluated as the value of the variable.'),
    name: str('Name is the name of the variable. The name must be a valid CEL identifier and unique among all variables.'),
  }, ['name', 'expression'], { mapType: 'atomic' }),
  [`${AR}ValidatingAdmissionPolicySpec`]: object('ValidatingAdmissionPolicySpec is the specification of the desired behavior of the AdmissionPolicy.', {
    auditAnnotations: listOf(`${AR}AuditAnnotation`, 'auditAnnotations contains CEL expressions which are used to produce audit annotations for the audit event of the API request.', ATOMIC),
    failurePolicy: str('failurePolicy defines how to handle failures for the admission policy. Allowed values are Ignore or Fail. Defaults to Fail.', { enum: ['Fail', 'Ignore'] }),
    matchConditions: listOf(`${AR}MatchCondition`, 'MatchConditions is a list of conditions that must be met for a request to be validated.', { listType: 'map', mapKeys: ['name'], patch: 'merge', mergeKey: 'name' }),
    matchConstraints: ref(`${AR}MatchResources`, 'MatchConstraints specifies what resources this policy is designed to validate. Required.'),
    paramKind: ref(`${AR}ParamKind`, 'ParamKind specifies the kind of resources used to parameterize this policy.'),
    validations: listOf(`${AR}Validation`, 'Validations contain CEL expressions which is used to apply the validation.', ATOMIC),
    variables: listOf(`${AR}Variable`, 'Variables contain definitions of variables that can be used in composition of other expressions.', ATOMIC),
  }),
  [`${AR}TypeChecking`]: object('TypeChecking contains results of type checking the expressions in the ValidatingAdmissionPolicy', {
    expressionWarnings: listOf(`${AR}ExpressionWarning`, 'The type checking warnings for each expression.', ATOMIC),
  }),
  [`${AR}ExpressionWarning`]: object('ExpressionWarning is a warning information that targets a specific expression.', {
    fieldRef: str('The path to the field that refers the expression.'),
    warning: str('The content of type checking information in a human-readable form.'),
  }, ['fieldRef', 'warning']),
  [`${AR}ValidatingAdmissionPolicyStatus`]: object('ValidatingAdmissionPolicyStatus represents the status of an admission validation policy.', {
    conditions: listOf(`${M}Condition`, 'The conditions represent the latest available observations of a policy\'s current state.', { listType: 'map', mapKeys: ['type'] }),
    observedGeneration: { type: 'integer', format: 'int64', description: 'The generation observed by the controller.' },
    typeChecking: ref(`${AR}TypeChecking`, 'The results of type checking for each expression. Presence of this field indicates the completion of the type checking.'),
  }),
  [`${AR}ValidatingAdmissionPolicy`]: kind(gvk(GROUP, 'v1', 'ValidatingAdmissionPolicy'), 'ValidatingAdmissionPolicy describes the definition of an admission validation policy that accepts or rejects an object without changing it.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${AR}ValidatingAdmissionPolicySpec`, 'Specification of the desired behavior of the ValidatingAdmissionPolicy.'),
    status: ref(`${AR}ValidatingAdmissionPolicyStatus`, 'The status of the ValidatingAdmissionPolicy, including warnings that are useful to determine if the policy behaves in the expected way. Populated by the system. Read-only.'),
  }),
  [`${AR}ValidatingAdmissionPolicyList`]: listKind(GROUP, 'v1', 'ValidatingAdmissionPolicyList', `${AR}ValidatingAdmissionPolicy`, 'validating admission policies'),
  [`${AR}ParamRef`]: object('ParamRef describes how to locate the params to be used as input to expressions of rules applied by a policy binding.', {
    name: str('name is the name of the resource being referenced. One of `name` or `selector` must be set, but `name` and `selector` are mutually exclusive properties.'),
    namespace: str('namespace is the namespace of the referenced resource. Allows limiting the search for params to a specific namespace.'),
    parameterNotFoundAction: str('`parameterNotFoundAction` controls the behavior of the binding when the resource exists, and name or selector is valid, but there are no parameters matched by the binding. Allowed values are `Allow` or `Deny`. Required'),
    selector: ref(`${M}LabelSelector`, 'selector can be used to match multiple param objects based on their labels.'),
  }, undefined, { mapType: 'atomic' }),
  [`${AR}ValidatingAdmissionPolicyBindingSpec`]: object('ValidatingAdmissionPolicyBindingSpec is the specification of the ValidatingAdmissionPolicyBinding.', {
    matchResources: ref(`${AR}MatchResources`, 'MatchResources declares what resources match this binding and will be validated by it.'),
    paramRef: ref(`${AR}ParamRef`, 'paramRef specifies the parameter resource used to configure the admission control policy.'),
    policyName: str('PolicyName references a ValidatingAdmissionPolicy name which the ValidatingAdmissionPolicyBinding binds to. Required.'),
    validationActions: strings('validationActions declares how Validations of the referenced ValidatingAdmissionPolicy are enforced: Deny, Warn and/or Audit. Required.', { listType: 'set' }),
  }),
  [`${AR}ValidatingAdmissionPolicyBinding`]: kind(gvk(GROUP, 'v1', 'ValidatingAdmissionPolicyBinding'), 'ValidatingAdmissionPolicyBinding binds the ValidatingAdmissionPolicy with paramerized resources.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${AR}ValidatingAdmissionPolicyBindingSpec`, 'Specification of the desired behavior of the ValidatingAdmissionPolicyBinding.'),
  }),
  [`${AR}ValidatingAdmissionPolicyBindingList`]: listKind(GROUP, 'v1', 'ValidatingAdmissionPolicyBindingList', `${AR}ValidatingAdmissionPolicyBinding`, 'validating admission policy bindings'),
};
