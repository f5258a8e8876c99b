// rbac.authorization.k8s.io/v1 definitions: roles (which verbs on which resources) and
// bindings (who holds a role). Every list here is atomic and Subject and RoleRef are
// atomic structs, as Kubernetes publishes them: apply replaces a rule or subject list
// whole, never merges it item by item.
import { M, METADATA, listKind } from './meta.js';
import { API_VERSION, KIND, gvk, kind, listOf, object, ref, str, strings, type Definitions } from './schema.js';

export const R = 'io.k8s.api.rbac.v1.';

const GROUP = 'rbac.authorization.k8s.io';
const ATOMIC = { listType: 'atomic' } as const;

export const RBAC_DEFINITIONS: Definitions = {
  [`${R}PolicyRule`]: object('One rule of a role: verbs on API resources, or verbs on non-resource URLs, never both.', {
    apiGroups: strings('The API groups of the resources; "" is the core group and "*" every group. A request on a listed resource in any listed group matches.', ATOMIC),
    nonResourceURLs: strings('URL paths that are not API resources, such as "/healthz"; "*" is allowed only as the last character of a path. Only meaningful in a ClusterRole bound by a ClusterRoleBinding.', ATOMIC),
    resourceNames: strings('Names of the objects the rule applies to; empty means every object.', ATOMIC),
    resources: strings('The resources the rule applies to, such as "pods" or "pods/log"; "*" is every resource.', ATOMIC),
    verbs: strings('The verbs allowed on everything the rule names, such as get, list, watch, create; "*" is every verb.', ATOMIC),
  }, ['verbs']),

  [`${R}AggregationRule`]: object('Which ClusterRoles lend their rules to an aggregated ClusterRole.', {
    clusterRoleSelectors: listOf(`${M}LabelSelector`, 'ClusterRoles matching any of these selectors have their rules added to this one.', ATOMIC),
  }),

  [`${R}Subject`]: object('Who a binding grants its role to: a user, a group, or a service account.', {
    apiGroup: str('The API group of the subject: "rbac.authorization.k8s.io" for User and Group (the default for them), "" for ServiceAccount (its default).'),
    kind: str('User, Group or ServiceAccount. An authorizer that does not recognize the kind reports an error.'),
    name: str('Name of the subject.'),
    namespace: str('Namespace of a ServiceAccount subject. Must be empty for User and Group.'),
  }, ['kind', 'name'], { mapType: 'atomic' }),

  [`${R}RoleRef`]: object('The role a binding grants.', {
    apiGroup: str('The API group of the role: rbac.authorization.k8s.io.'),
    kind: str('Role or ClusterRole.'),
    name: str('Name of the role.'),
  }, ['apiGroup', 'kind', 'name'], { mapType: 'atomic' }),

  [`${R}Role`]: kind(gvk(GROUP, 'v1', 'Role'), 'A set of rules in one namespace, granted by RoleBindings in that namespace.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    rules: listOf(`${R}PolicyRule`, 'The rules of the role.', ATOMIC),
  }),

  [`${R}RoleList`]: listKind(GROUP, 'v1', 'RoleList', `${R}Role`, 'roles'),

  [`${R}ClusterRole`]: kind(gvk(GROUP, 'v1', 'ClusterRole'), 'A set of rules for the whole cluster, granted by a RoleBinding (in its namespace) or a ClusterRoleBinding (everywhere).', {
    aggregationRule: ref(`${R}AggregationRule`, 'When set, the rules are filled in by a controller from the ClusterRoles the selectors match; rules written directly are overwritten.'),
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    rules: listOf(`${R}PolicyRule`, 'The rules of the cluster role.', ATOMIC),
  }),

  [`${R}ClusterRoleList`]: listKind(GROUP, 'v1', 'ClusterRoleList', `${R}ClusterRole`, 'cluster roles'),

  [`${R}RoleBinding`]: kind(gvk(GROUP, 'v1', 'RoleBinding'), 'Grants a Role, or a ClusterRole, to subjects within the binding\'s namespace.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    roleRef: ref(`${R}RoleRef`, 'A Role in the binding\'s namespace or a ClusterRole. If it cannot be resolved the authorizer returns an error. Cannot be updated.'),
    subjects: listOf(`${R}Subject`, 'Who is granted the role.', ATOMIC),
  }, ['roleRef']),

  [`${R}RoleBindingList`]: listKind(GROUP, 'v1', 'RoleBindingList', `${R}RoleBinding`, 'role bindings'),

  [`${R}ClusterRoleBinding`]: kind(gvk(GROUP, 'v1', 'ClusterRoleBinding'), 'Grants a ClusterRole to subjects in every namespace and on cluster-scoped resources.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    roleRef: ref(`${R}RoleRef`, 'A ClusterRole. If it cannot be resolved the authorizer returns an error. Cannot be updated.'),
    subjects: listOf(`${R}Subject`, 'Who is granted the role.', ATOMIC),
  }, ['roleRef']),

  [`${R}ClusterRoleBindingList`]: listKind(GROUP, 'v1', 'ClusterRoleBindingList', `${R}ClusterRoleBinding`, 'cluster role bindings'),
};
