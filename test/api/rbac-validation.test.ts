// RBAC and ServiceAccount validation and defaulting: each rule of Kubernetes'
// pkg/apis/rbac/validation/validation.go with the field path and message a real
// kube-apiserver puts in the 422's causes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../../api/defaults.js';
import type { ServiceAccount } from '../../api/types/core.js';
import type { KubeObject, StatusCause } from '../../api/types/meta.js';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject } from '../../api/types/rbac.js';
import { validateCreate, validateUpdate } from '../../api/validation/index.js';

const GROUP = 'rbac.authorization.k8s.io';
const SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const d = <T extends KubeObject>(obj: T): T => {
  applyDefaults(obj);
  return obj;
};

const role = (rules: PolicyRule[], name = 'pod-reader'): Role => d<Role>({
  apiVersion: `${GROUP}/v1`, kind: 'Role', metadata: { name, namespace: 'default' }, rules,
});

const clusterRole = (rules: PolicyRule[], extra: Partial<ClusterRole> = {}, name = 'system:pod-reader'): ClusterRole => d<ClusterRole>({
  apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name }, rules, ...extra,
});

const roleBinding = (subjects: Subject[], roleRef: Partial<RoleBinding['roleRef']> = { kind: 'Role', name: 'pod-reader' }, name = 'read-pods'): RoleBinding => d<RoleBinding>({
  apiVersion: `${GROUP}/v1`, kind: 'RoleBinding', metadata: { name, namespace: 'default' }, subjects, roleRef: roleRef as RoleBinding['roleRef'],
});

const clusterRoleBinding = (subjects: Subject[], roleRef: Partial<ClusterRoleBinding['roleRef']> = { kind: 'ClusterRole', name: 'view' }, name = 'system:viewers'): ClusterRoleBinding => d<ClusterRoleBinding>({
  apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name }, subjects, roleRef: roleRef as ClusterRoleBinding['roleRef'],
});

const stored = <T extends KubeObject>(obj: T): T => {
  const o = structuredClone(obj);
  o.metadata.uid = '11111111-2222-3333-4444-555555555555';
  o.metadata.resourceVersion = '10';
  o.metadata.creationTimestamp = '2024-01-01T00:00:00Z';
  return o;
};

const POD_RULE: PolicyRule = { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] };
const user = (name: string): Subject => ({ kind: 'User', name });

const cause = (reason: StatusCause['reason'], field: string, message: string): StatusCause => ({ reason, field, message });

describe('roles and cluster roles', () => {
  it('accepts resource rules, and non-resource URLs in a cluster role', () => {
    assert.deepEqual(validateCreate(role([POD_RULE])), []);
    assert.deepEqual(validateCreate(clusterRole([POD_RULE, { nonResourceURLs: ['/healthz', '/api/*'], verbs: ['get'] }])), []);
    assert.deepEqual(validateCreate(role([])), [], 'a role without rules is valid');
  });

  it('requires verbs', () => {
    assert.deepEqual(validateCreate(role([{ apiGroups: [''], resources: ['pods'], verbs: [] }])), [
      cause('FieldValueRequired', 'rules[0].verbs', 'Required value: verbs must contain at least one value'),
    ]);
  });

  it('refuses non-resource URLs in a role', () => {
    assert.deepEqual(validateCreate(role([POD_RULE, { nonResourceURLs: ['/healthz'], verbs: ['get'] }])), [
      cause('FieldValueInvalid', 'rules[1].nonResourceURLs', 'Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs'),
    ]);
  });

  it('refuses a rule with both resources and non-resource URLs', () => {
    assert.deepEqual(validateCreate(clusterRole([{ apiGroups: [''], resources: ['pods'], nonResourceURLs: ['/healthz'], verbs: ['get'] }])), [
      cause('FieldValueInvalid', 'rules[0].nonResourceURLs', 'Invalid value: []string{"/healthz"}: rules cannot apply to both regular resources and non-resource URLs'),
    ]);
    // resourceNames alone counts as a resource rule too.
    assert.equal(validateCreate(clusterRole([{ resourceNames: ['x'], nonResourceURLs: ['/healthz'], verbs: ['get'] }]))[0].field, 'rules[0].nonResourceURLs');
  });

  it('requires api groups and resources in a resource rule', () => {
    assert.deepEqual(validateCreate(role([{ verbs: ['get'] }])), [
      cause('FieldValueRequired', 'rules[0].apiGroups', 'Required value: resource rules must supply at least one api group'),
      cause('FieldValueRequired', 'rules[0].resources', 'Required value: resource rules must supply at least one resource'),
    ]);
    assert.deepEqual(validateCreate(role([{ apiGroups: [''], resources: ['pods'] } as PolicyRule])), [
      cause('FieldValueRequired', 'rules[0].verbs', 'Required value: verbs must contain at least one value'),
    ]);
  });

  it('names are path segments, not DNS subdomains', () => {
    assert.deepEqual(validateCreate(clusterRole([POD_RULE], {}, 'system:controller:Foo_Bar')), []);
    assert.deepEqual(validateCreate(role([POD_RULE], 'a/b')), [cause('FieldValueInvalid', 'metadata.name', 'Invalid value: "a/b": may not contain \'/\'')]);
    assert.deepEqual(validateCreate(role([POD_RULE], '..')), [cause('FieldValueInvalid', 'metadata.name', 'Invalid value: "..": may not be \'..\'')]);
    assert.deepEqual(validateCreate(clusterRole([POD_RULE], {}, '50%')), [cause('FieldValueInvalid', 'metadata.name', 'Invalid value: "50%": may not contain \'%\'')]);
  });

  it('scope: a role needs a namespace, a cluster role may not have one', () => {
    const r = role([POD_RULE]);
    delete r.metadata.namespace;
    assert.deepEqual(validateCreate(r), [cause('FieldValueRequired', 'metadata.namespace', 'Required value')]);
    const cr = clusterRole([POD_RULE]);
    cr.metadata.namespace = 'default';
    assert.deepEqual(validateCreate(cr), [cause('FieldValueForbidden', 'metadata.namespace', 'Forbidden: not allowed on this type')]);
  });

  it('an aggregation rule needs at least one valid selector', () => {
    assert.deepEqual(validateCreate(clusterRole([], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate-to-view': 'true' } }] } })), []);
    assert.deepEqual(validateCreate(clusterRole([], { aggregationRule: {} })), [
      cause('FieldValueRequired', 'aggregationRule.clusterRoleSelectors', 'Required value: at least one clusterRoleSelector required if aggregationRule is non-nil'),
    ]);
    const bad = validateCreate(clusterRole([], { aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'Bogus' as 'In' }] }] } }));
    assert.deepEqual(bad, [
      cause('FieldValueInvalid', 'aggregationRule.clusterRoleSelectors[0].matchExpressions[0].operator', 'Invalid value: "Bogus": not a valid selector operator'),
      cause('FieldValueInvalid', 'aggregationRule.clusterRoleSelectors[0]', 'Invalid value: "null": invalid label selector.'),
    ]);
  });

  it('update: the create rules, then metadata', () => {
    const old = stored(role([POD_RULE]));
    const next = structuredClone(old);
    next.rules = [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }];
    next.metadata.name = 'other';
    assert.deepEqual(validateUpdate(next, old), [
      cause('FieldValueInvalid', 'rules[0].nonResourceURLs', 'Invalid value: []string{"/metrics"}: namespaced rules cannot apply to non-resource URLs'),
      cause('FieldValueInvalid', 'metadata.name', 'Invalid value: "other": field is immutable'),
    ]);
  });
});

describe('role bindings and cluster role bindings', () => {
  it('accepts users, groups and service accounts', () => {
    const subjects: Subject[] = [user('jane'), { kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', name: 'builder', namespace: 'ci' }];
    assert.deepEqual(validateCreate(roleBinding(subjects)), []);
    assert.deepEqual(validateCreate(roleBinding([{ kind: 'ServiceAccount', name: 'builder' }], { kind: 'ClusterRole', name: 'edit' })), [], 'a RoleBinding\'s service account may omit its namespace');
    assert.deepEqual(validateCreate(clusterRoleBinding(subjects)), []);
    assert.deepEqual(validateCreate(roleBinding([])), [], 'no subjects is valid');
  });

  it('requires a roleRef with a name; a missing one is the zero value', () => {
    const rb = d<RoleBinding>({ apiVersion: `${GROUP}/v1`, kind: 'RoleBinding', metadata: { name: 'x', namespace: 'default' } } as RoleBinding);
    assert.deepEqual(validateCreate(rb), [
      cause('FieldValueNotSupported', 'roleRef.kind', 'Unsupported value: "": supported values: "Role", "ClusterRole"'),
      cause('FieldValueRequired', 'roleRef.name', 'Required value'),
    ]);
  });

  it('roleRef.kind: Role or ClusterRole; only ClusterRole in a ClusterRoleBinding', () => {
    assert.deepEqual(validateCreate(roleBinding([user('jane')], { kind: 'Pod', name: 'x' })), [
      cause('FieldValueNotSupported', 'roleRef.kind', 'Unsupported value: "Pod": supported values: "Role", "ClusterRole"'),
    ]);
    assert.deepEqual(validateCreate(clusterRoleBinding([user('jane')], { kind: 'Role', name: 'x' })), [
      cause('FieldValueNotSupported', 'roleRef.kind', 'Unsupported value: "Role": supported values: "ClusterRole"'),
    ]);
  });

  it('roleRef.apiGroup must be rbac.authorization.k8s.io', () => {
    assert.deepEqual(validateCreate(roleBinding([user('jane')], { apiGroup: 'rbac.example.com', kind: 'Role', name: 'x' })), [
      cause('FieldValueNotSupported', 'roleRef.apiGroup', 'Unsupported value: "rbac.example.com": supported values: "rbac.authorization.k8s.io"'),
    ]);
  });

  it('roleRef.name is a path segment name', () => {
    assert.deepEqual(validateCreate(roleBinding([], { kind: 'ClusterRole', name: 'system:controller:x' })), []);
    assert.deepEqual(validateCreate(clusterRoleBinding([], { kind: 'ClusterRole', name: 'a/b%c' })), [
      cause('FieldValueInvalid', 'roleRef.name', 'Invalid value: "a/b%c": may not contain \'/\''),
      cause('FieldValueInvalid', 'roleRef.name', 'Invalid value: "a/b%c": may not contain \'%\''),
    ]);
    assert.deepEqual(validateCreate(roleBinding([], { kind: 'Role', name: '.' })), [cause('FieldValueInvalid', 'roleRef.name', 'Invalid value: ".": may not be \'.\'')]);
  });

  it('binding names are path segment names', () => {
    assert.deepEqual(validateCreate(clusterRoleBinding([], undefined, 'system:node-proxier')), []);
    assert.deepEqual(validateCreate(roleBinding([], undefined, 'x/y')), [cause('FieldValueInvalid', 'metadata.name', 'Invalid value: "x/y": may not contain \'/\'')]);
  });

  it('a ServiceAccount subject in a ClusterRoleBinding needs a namespace', () => {
    assert.deepEqual(validateCreate(clusterRoleBinding([user('jane'), { kind: 'ServiceAccount', name: 'builder' }])), [
      cause('FieldValueRequired', 'subjects[1].namespace', 'Required value'),
    ]);
  });

  it('a ServiceAccount subject belongs to the core group and has a DNS subdomain name', () => {
    assert.deepEqual(validateCreate(roleBinding([{ kind: 'ServiceAccount', apiGroup: GROUP, name: 'Builder', namespace: 'ci' }])), [
      cause('FieldValueInvalid', 'subjects[0].name', `Invalid value: "Builder": ${SUBDOMAIN_MSG}`),
      cause('FieldValueNotSupported', 'subjects[0].apiGroup', 'Unsupported value: "rbac.authorization.k8s.io": supported values: ""'),
    ]);
  });

  it('User and Group subjects belong to rbac.authorization.k8s.io', () => {
    assert.deepEqual(validateCreate(roleBinding([{ kind: 'User', apiGroup: 'example.com', name: 'jane' }, { kind: 'Group', apiGroup: 'v1', name: 'devs' }])), [
      cause('FieldValueNotSupported', 'subjects[0].apiGroup', 'Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"'),
      cause('FieldValueNotSupported', 'subjects[1].apiGroup', 'Unsupported value: "v1": supported values: "rbac.authorization.k8s.io"'),
    ]);
    // User names are free-form: "system:serviceaccount:ns:name", emails...
    assert.deepEqual(validateCreate(roleBinding([user('system:serviceaccount:ci:builder'), user('Jane.Doe@example.com')])), []);
  });

  it('refuses unknown subject kinds with the supported values, and requires names', () => {
    assert.deepEqual(validateCreate(clusterRoleBinding([{ kind: 'Robot', name: 'r2' }, { kind: 'User', name: '' }])), [
      cause('FieldValueNotSupported', 'subjects[0].kind', 'Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"'),
      cause('FieldValueRequired', 'subjects[1].name', 'Required value'),
    ]);
  });

  it('update: roleRef cannot change', () => {
    const old = stored(roleBinding([user('jane')], { kind: 'ClusterRole', name: 'view' }));
    const next = structuredClone(old);
    next.roleRef = { apiGroup: GROUP, kind: 'ClusterRole', name: 'edit' };
    assert.deepEqual(validateUpdate(next, old), [
      cause('FieldValueInvalid', 'roleRef', 'Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef'),
    ]);
    const subjectsOnly = structuredClone(old);
    subjectsOnly.subjects = [user('joe')];
    assert.deepEqual(validateUpdate(d(subjectsOnly), old), [], 'subjects may change');

    const oldCrb = stored(clusterRoleBinding([user('jane')]));
    const nextCrb = structuredClone(oldCrb);
    nextCrb.roleRef.name = 'admin';
    assert.deepEqual(validateUpdate(nextCrb, oldCrb), [
      cause('FieldValueInvalid', 'roleRef', 'Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"admin"}: cannot change roleRef'),
    ]);
  });
});

describe('RBAC defaults', () => {
  it('fills roleRef.apiGroup and the apiGroup of User and Group subjects', () => {
    const rb = roleBinding([user('jane'), { kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', name: 'builder' }, { kind: 'Robot', name: 'r2' }]);
    assert.equal(rb.roleRef.apiGroup, GROUP);
    assert.deepEqual(rb.subjects?.map((s) => s.apiGroup), [GROUP, GROUP, undefined, undefined]);
    const crb = clusterRoleBinding([{ kind: 'User', apiGroup: 'example.com', name: 'jane' }], { apiGroup: 'mine', kind: 'ClusterRole', name: 'x' });
    assert.equal(crb.subjects?.[0].apiGroup, 'example.com', 'a set apiGroup is kept');
    assert.equal(crb.roleRef.apiGroup, 'mine');
  });

  it('writes a role without rules as rules: null, as Go encodes it', () => {
    const r = d<Role>({ apiVersion: `${GROUP}/v1`, kind: 'Role', metadata: { name: 'x', namespace: 'default' } });
    assert.equal(r.rules, null);
    assert.deepEqual(role([POD_RULE]).rules, [POD_RULE]);
  });
});

describe('service accounts', () => {
  const sa = (name: string): ServiceAccount => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'default' } });

  it('names are DNS subdomains', () => {
    assert.deepEqual(validateCreate(sa('builder.ci')), []);
    assert.deepEqual(validateCreate(sa('Builder')), [cause('FieldValueInvalid', 'metadata.name', `Invalid value: "Builder": ${SUBDOMAIN_MSG}`)]);
    // The server has filled the name from generateName by the time validation runs.
    assert.deepEqual(validateCreate({ ...sa('builder-x7k2p'), metadata: { name: 'builder-x7k2p', generateName: 'builder-', namespace: 'default' } }), [], 'a generateName prefix may end with a dash');
  });

  it('update: metadata rules', () => {
    const old = stored(sa('builder'));
    const next = structuredClone(old);
    next.secrets = [{ name: 'token' }];
    assert.deepEqual(validateUpdate(next, old), []);
    next.metadata.namespace = 'other';
    assert.deepEqual(validateUpdate(next, old), [cause('FieldValueInvalid', 'metadata.namespace', 'Invalid value: "other": field is immutable')]);
  });
});
