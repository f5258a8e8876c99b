// RBAC decisions without a server: rule matching, subjects, covers and the escalation
// message, aggregation, the authorizer's reasons, and the 1.32 default policy with its
// reconcile rules. Expected strings are Kubernetes' own wording.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject } from '../../api/types/rbac.js';
import type { User } from '../../apiserver/authn/user.js';
import {
  AUTO_UPDATE_ANNOTATION, bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapNamespaceRoleBindings,
  bootstrapNamespaceRoles, reconcileClusterRole, reconcileClusterRoleBinding, reconcileRole, reconcileRoleBinding,
} from '../../apiserver/rbac/bootstrap-policy.js';
import {
  aggregate, aggregateErrors, appliesTo, authorize, breakdownRule, compactRules, compactString, confirmNoEscalation,
  coveringRules, escalationMessage, ruleAllows, rulesEqual, visibleRules,
  type RequestAttributes, type RoleGetter, type RuleSources,
} from '../../apiserver/rbac/rules.js';

const alice: User = { name: 'alice', groups: ['dev', 'system:authenticated'] };

/** A resource request: "verb group/resource[/sub] [name]". */
function res(verb: string, apiGroup: string, resource: string, opts: { sub?: string; name?: string; namespace?: string; user?: User } = {}): RequestAttributes {
  return {
    user: opts.user ?? alice, verb, resourceRequest: true, path: '', apiGroup, resource,
    ...(opts.sub ? { subresource: opts.sub } : {}), ...(opts.name ? { name: opts.name } : {}), ...(opts.namespace ? { namespace: opts.namespace } : {}),
  };
}
const url = (verb: string, path: string, user: User = alice): RequestAttributes => ({ user, verb, resourceRequest: false, path });

const crole = (name: string, rules: PolicyRule[] | null, labels?: Record<string, string>, selectors?: Record<string, string>[]): ClusterRole => ({
  metadata: { name, ...(labels ? { labels } : {}) },
  rules,
  ...(selectors ? { aggregationRule: { clusterRoleSelectors: selectors.map((matchLabels) => ({ matchLabels })) } } : {}),
});
const nsRole = (namespace: string, name: string, rules: PolicyRule[]): Role => ({ metadata: { name, namespace }, rules });
const crb = (name: string, roleName: string, subjects: Subject[]): ClusterRoleBinding => ({
  metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName }, subjects,
});
const rb = (namespace: string, name: string, kind: 'Role' | 'ClusterRole', roleName: string, subjects: Subject[]): RoleBinding => ({
  metadata: { name, namespace }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: roleName }, subjects,
});
const userSubject = (name: string): Subject => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name });
const groupSubject = (name: string): Subject => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name });
const saSubject = (name: string, namespace?: string): Subject => ({ kind: 'ServiceAccount', name, ...(namespace ? { namespace } : {}) });

function getter(clusterRoles: ClusterRole[], roles: Role[] = []): RoleGetter {
  return {
    clusterRole: (name) => clusterRoles.find((r) => r.metadata.name === name),
    role: (namespace, name) => roles.find((r) => r.metadata.namespace === namespace && r.metadata.name === name),
  };
}

describe('ruleAllows', () => {
  const cases: Array<[string, PolicyRule, RequestAttributes, boolean]> = [
    ['exact verb, group, resource', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('get', '', 'pods'), true],
    ['other verb', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('delete', '', 'pods'), false],
    ['other group', { verbs: ['get'], apiGroups: [''], resources: ['deployments'] }, res('get', 'apps', 'deployments'), false],
    ['wildcards', { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, res('deletecollection', 'apps', 'deployments', { sub: 'scale' }), true],
    ['resource rule does not allow its subresource', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('get', '', 'pods', { sub: 'log' }), false],
    ['resource/subresource', { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, res('get', '', 'pods', { sub: 'log' }), true],
    ['subresource rule does not allow the resource', { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, res('get', '', 'pods'), false],
    ['*/scale allows any scale', { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }, res('get', 'apps', 'deployments', { sub: 'scale' }), true],
    ['*/scale is no other subresource', { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }, res('get', 'apps', 'deployments', { sub: 'status' }), false],
    ['*/scale is not the resource', { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }, res('get', 'apps', 'deployments'), false],
    ['resourceNames: named', { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, res('get', '', 'configmaps', { name: 'a' }), true],
    ['resourceNames: other name', { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, res('get', '', 'configmaps', { name: 'b' }), false],
    ['resourceNames: list has no name', { verbs: ['list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, res('list', '', 'configmaps'), false],
    ['no resourceNames: any name', { verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }, res('get', '', 'configmaps', { name: 'b' }), true],
    ['nonResourceURL exact', { verbs: ['get'], nonResourceURLs: ['/healthz'] }, url('get', '/healthz'), true],
    ['nonResourceURL exact is not a prefix', { verbs: ['get'], nonResourceURLs: ['/healthz'] }, url('get', '/healthz/etcd'), false],
    ['nonResourceURL prefix*', { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, url('get', '/apis/apps/v1'), true],
    ['nonResourceURL prefix* and its bare slash', { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, url('get', '/apis/'), true],
    ['nonResourceURL prefix* needs the slash', { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, url('get', '/apis'), false],
    ['nonResourceURL *', { verbs: ['*'], nonResourceURLs: ['*'] }, url('post', '/anything'), true],
    ['nonResourceURL verb', { verbs: ['get'], nonResourceURLs: ['/healthz'] }, url('post', '/healthz'), false],
    ['resource rule does not allow a path', { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, url('get', '/healthz'), false],
    ['path rule does not allow a resource', { verbs: ['*'], nonResourceURLs: ['*'] }, res('get', '', 'pods'), false],
  ];
  for (const [name, rule, attrs, want] of cases) test(name, () => assert.equal(ruleAllows(attrs, rule), want));
});

describe('appliesTo', () => {
  const sa: User = { name: 'system:serviceaccount:ns1:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1'] };
  const cases: Array<[string, User, Subject, string, boolean]> = [
    ['user by name', alice, userSubject('alice'), '', true],
    ['other user', alice, userSubject('bob'), '', false],
    ['group', alice, groupSubject('dev'), '', true],
    ['other group', alice, groupSubject('ops'), '', false],
    ['service account with namespace', sa, saSubject('builder', 'ns1'), '', true],
    ['service account of another namespace', sa, saSubject('builder', 'ns2'), 'ns2', false],
    ['service account defaults to the binding namespace', sa, saSubject('builder'), 'ns1', true],
    ['service account without namespace in a ClusterRoleBinding', sa, saSubject('builder'), '', false],
    ['service account subject is not a user name', { name: 'builder', groups: [] }, saSubject('builder', 'ns1'), '', false],
    ['unknown kind', alice, { kind: 'Robot', name: 'alice' }, '', false],
  ];
  for (const [name, user, subject, ns, want] of cases) test(name, () => assert.equal(appliesTo(user, [subject], ns), want));
  test('no subjects', () => assert.equal(appliesTo(alice, undefined, ''), false));
});

describe('coveringRules', () => {
  test('breakdown into single verb/group/resource/name and url/verb pieces', () => {
    assert.deepEqual(breakdownRule({ verbs: ['get', 'update'], apiGroups: ['', 'apps'], resources: ['x'], resourceNames: ['a'] }), [
      { verbs: ['get'], apiGroups: [''], resources: ['x'], resourceNames: ['a'] },
      { verbs: ['update'], apiGroups: [''], resources: ['x'], resourceNames: ['a'] },
      { verbs: ['get'], apiGroups: ['apps'], resources: ['x'], resourceNames: ['a'] },
      { verbs: ['update'], apiGroups: ['apps'], resources: ['x'], resourceNames: ['a'] },
    ]);
    assert.deepEqual(breakdownRule({ verbs: ['get', 'post'], nonResourceURLs: ['/a'] }), [
      { verbs: ['get'], nonResourceURLs: ['/a'] }, { verbs: ['post'], nonResourceURLs: ['/a'] },
    ]);
  });

  const pods = (verbs: string[], extra: Partial<PolicyRule> = {}): PolicyRule => ({ verbs, apiGroups: [''], resources: ['pods'], ...extra });
  const cases: Array<[string, PolicyRule[], PolicyRule[], PolicyRule[]]> = [
    ['star covers all', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], [pods(['get', 'delete']), { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }], []],
    ['verbs spread over owner rules', [pods(['get']), pods(['list'])], [pods(['get', 'list'])], []],
    ['missing verb is one piece', [pods(['get', 'list'])], [pods(['get', 'delete'])], [pods(['delete'])]],
    ['*/scale covers resource/scale', [{ verbs: ['get'], apiGroups: ['apps'], resources: ['*/scale'] }], [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }], []],
    ['*/scale is not the resource', [{ verbs: ['get'], apiGroups: ['apps'], resources: ['*/scale'] }], [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] }], [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] }]],
    ['resource/* is literal', [{ verbs: ['get'], apiGroups: [''], resources: ['pods/*'] }], [pods(['get'], { resources: ['pods/log'] })], [pods(['get'], { resources: ['pods/log'] })]],
    ['unnamed covers named', [pods(['get'])], [pods(['get'], { resourceNames: ['a', 'b'] })], []],
    ['named does not cover unnamed', [pods(['get'], { resourceNames: ['a'] })], [pods(['get'])], [pods(['get'])]],
    ['named covers its names only', [pods(['get'], { resourceNames: ['a'] })], [pods(['get'], { resourceNames: ['a', 'b'] })], [pods(['get'], { resourceNames: ['b'] })]],
    ['url prefix* covers', [{ verbs: ['get'], nonResourceURLs: ['/api/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/api/v1', '/apis'] }], [{ verbs: ['get'], nonResourceURLs: ['/apis'] }]],
    ['resource rule does not cover urls', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }], [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }]],
  ];
  for (const [name, owner, servant, uncovered] of cases) {
    test(name, () => assert.deepEqual(coveringRules(owner, servant), { covers: uncovered.length === 0, uncovered }));
  }
});

describe('escalation message', () => {
  test('one missing rule, as in the Kubernetes error', () => {
    const { uncovered } = coveringRules([], [{ verbs: ['create'], apiGroups: ['apps'], resources: ['deployments'] }]);
    assert.equal(escalationMessage({ name: 'x', groups: ['a', 'b'] }, uncovered),
      'user "x" (groups=["a" "b"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["apps"], Resources:["deployments"], Verbs:["create"]}');
  });

  test('pieces compacted by verb, sorted, one a line, urls and names printed', () => {
    const { uncovered } = coveringRules([{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] }], [
      { verbs: ['get', 'create', 'update'], apiGroups: ['apps'], resources: ['deployments'] },
      { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a', 'b'] },
      { verbs: ['get'], nonResourceURLs: ['/metrics'] },
    ]);
    assert.equal(escalationMessage({ name: 'alice', groups: [] }, uncovered), [
      'user "alice" (groups=[]) is attempting to grant RBAC permissions not currently held:',
      '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["a"], Verbs:["get"]}',
      '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["b"], Verbs:["get"]}',
      '{APIGroups:["apps"], Resources:["deployments"], Verbs:["create" "update"]}',
      '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
    ].join('\n'));
  });

  test('resolution errors are appended as a Go []error', () => {
    const msg = escalationMessage({ name: 'x', groups: ['a'] }, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
      ['clusterrole.rbac.authorization.k8s.io "gone" not found']);
    assert.equal(msg, 'user "x" (groups=["a"]) is attempting to grant RBAC permissions not currently held:\n'
      + '{APIGroups:[""], Resources:["pods"], Verbs:["get"]}; resolution errors: [clusterrole.rbac.authorization.k8s.io "gone" not found]');
  });

  test('compactString and compactRules', () => {
    assert.equal(compactString({ verbs: ['get'], apiGroups: [''], resources: ['pods'] }), '{APIGroups:[""], Resources:["pods"], Verbs:["get"]}');
    assert.deepEqual(compactRules([
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['get'], apiGroups: ['', 'apps'], resources: ['pods'] },
      { verbs: ['list'], apiGroups: [''], resources: ['pods'] },
    ]), [
      { verbs: ['get'], apiGroups: ['', 'apps'], resources: ['pods'] },
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
    ]);
  });

  test('confirmNoEscalation checks the rules the user holds in the namespace', () => {
    const sources: RuleSources = {
      clusterRoleBindings: [],
      roleBindings: [rb('ns1', 'alice-pods', 'Role', 'pods', [userSubject('alice')])],
      roles: getter([], [nsRole('ns1', 'pods', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }])]),
    };
    assert.equal(confirmNoEscalation(alice, 'ns1', sources, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]), undefined);
    assert.equal(confirmNoEscalation(alice, 'ns2', sources, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]),
      'user "alice" (groups=["dev" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["get"]}');
  });
});

describe('aggregate', () => {
  const r1: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
  const r2: PolicyRule = { verbs: ['list'], apiGroups: [''], resources: ['pods'] };
  const r3: PolicyRule = { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] };

  test('rules of selected roles in name order, each once, selector by selector, never its own', () => {
    const target = crole('agg', [{ verbs: ['stale'], apiGroups: [''], resources: ['x'] }], { a: 'true' }, [{ a: 'true' }, { b: 'true' }]);
    const all = [target, crole('zeta', [r2, r1], { a: 'true' }), crole('alpha', [r1], { a: 'true' }), crole('beta', [r3, r1], { b: 'true' }), crole('other', [r3])];
    assert.deepEqual(aggregate(target, all), [r1, r2, r3]);
  });

  test('a role without aggregationRule keeps its rules; an invalid selector fails', () => {
    assert.deepEqual(aggregate(crole('plain', [r1]), []), [r1]);
    const bad: ClusterRole = { metadata: { name: 'bad' }, aggregationRule: { clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }] } };
    assert.throws(() => aggregate(bad, []));
  });

  test('rulesEqual treats missing and empty lists alike', () => {
    assert.equal(rulesEqual([{ verbs: ['get'], apiGroups: [], resources: ['x'] }], [{ verbs: ['get'], resources: ['x'] }]), true);
    assert.equal(rulesEqual(null, []), true);
    assert.equal(rulesEqual([r1, r2], [r2, r1]), false);
  });
});

describe('authorize and visibleRules', () => {
  const read: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] };
  const roles = getter([crole('reader', [read])], [nsRole('ns1', 'local-reader', [read])]);
  const sa: User = { name: 'system:serviceaccount:ns1:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated'] };

  const cases: Array<[string, RequestAttributes, Partial<RuleSources>, boolean, string]> = [
    ['ClusterRoleBinding to a user', res('get', '', 'pods', { namespace: 'ns1' }),
      { clusterRoleBindings: [crb('alice-reads', 'reader', [userSubject('alice')])] },
      true, 'RBAC: allowed by ClusterRoleBinding "alice-reads" of ClusterRole "reader" to User "alice"'],
    ['ClusterRoleBinding to a group', res('list', '', 'pods'),
      { clusterRoleBindings: [crb('devs-read', 'reader', [userSubject('bob'), groupSubject('dev')])] },
      true, 'RBAC: allowed by ClusterRoleBinding "devs-read" of ClusterRole "reader" to Group "dev"'],
    ['ClusterRoleBinding to a service account', res('get', '', 'pods', { user: sa }),
      { clusterRoleBindings: [crb('sa-read', 'reader', [saSubject('builder', 'ns1')])] },
      true, 'RBAC: allowed by ClusterRoleBinding "sa-read" of ClusterRole "reader" to ServiceAccount "builder/ns1"'],
    ['RoleBinding of a Role', res('get', '', 'pods', { namespace: 'ns1' }),
      { roleBindings: [rb('ns1', 'local', 'Role', 'local-reader', [userSubject('alice')])] },
      true, 'RBAC: allowed by RoleBinding "local/ns1" of Role "local-reader" to User "alice"'],
    ['RoleBinding of a ClusterRole to a service account of its namespace', res('get', '', 'pods', { namespace: 'ns1', user: sa }),
      { roleBindings: [rb('ns1', 'sa', 'ClusterRole', 'reader', [saSubject('builder')])] },
      true, 'RBAC: allowed by RoleBinding "sa/ns1" of ClusterRole "reader" to ServiceAccount "builder/ns1"'],
    ['RoleBinding does not reach other namespaces', res('get', '', 'pods', { namespace: 'ns2' }),
      { roleBindings: [rb('ns1', 'local', 'ClusterRole', 'reader', [userSubject('alice')])] }, false, ''],
    ['RoleBinding does not reach cluster scope', res('list', '', 'pods'),
      { roleBindings: [rb('ns1', 'local', 'ClusterRole', 'reader', [userSubject('alice')])] }, false, ''],
    ['rule does not allow', res('delete', '', 'pods', { namespace: 'ns1' }),
      { clusterRoleBindings: [crb('alice-reads', 'reader', [userSubject('alice')])] }, false, ''],
    ['missing roles are the reason of a denial', res('get', '', 'pods', { namespace: 'ns1' }),
      { clusterRoleBindings: [crb('a', 'gone', [userSubject('alice')])], roleBindings: [rb('ns1', 'b', 'Role', 'gone', [userSubject('alice')])] },
      false, 'RBAC: [clusterrole.rbac.authorization.k8s.io "gone" not found, role.rbac.authorization.k8s.io "gone" not found]'],
    ['a missing role does not hide an allowing one', res('get', '', 'pods'),
      { clusterRoleBindings: [crb('a', 'gone', [userSubject('alice')]), crb('b', 'reader', [userSubject('alice')])] },
      true, 'RBAC: allowed by ClusterRoleBinding "b" of ClusterRole "reader" to User "alice"'],
  ];
  for (const [name, attrs, partial, allowed, reason] of cases) {
    test(name, () => {
      const sources: RuleSources = { clusterRoleBindings: [], roleBindings: [], roles, ...partial };
      assert.deepEqual(authorize(attrs, sources), { allowed, reason });
    });
  }

  test('visibleRules: cluster bindings first, then the namespace, and the errors', () => {
    const clusterRule: PolicyRule = { verbs: ['get'], nonResourceURLs: ['/metrics'] };
    const sources: RuleSources = {
      clusterRoleBindings: [crb('m', 'metrics', [groupSubject('dev')]), crb('x', 'gone', [groupSubject('dev')]), crb('y', 'reader', [userSubject('bob')])],
      roleBindings: [rb('ns1', 'local', 'Role', 'local-reader', [userSubject('alice')]), rb('ns2', 'elsewhere', 'ClusterRole', 'metrics', [userSubject('alice')])],
      roles: getter([crole('reader', [read]), crole('metrics', [clusterRule])], [nsRole('ns1', 'local-reader', [read])]),
    };
    assert.deepEqual(visibleRules(alice, 'ns1', sources), { rules: [clusterRule, read], errors: ['clusterrole.rbac.authorization.k8s.io "gone" not found'] });
    assert.deepEqual(visibleRules(alice, '', sources).rules, [clusterRule]);
  });

  test('aggregateErrors', () => {
    assert.equal(aggregateErrors([]), '');
    assert.equal(aggregateErrors(['a']), 'a');
    assert.equal(aggregateErrors(['a', 'a']), 'a');
    assert.equal(aggregateErrors(['a', 'b', 'a']), '[a, b]');
  });
});

/** The default policy with admin, edit and view aggregated as the controller leaves them. */
function defaultSources(extraBindings: ClusterRoleBinding[] = []): RuleSources {
  const clusterRoles = bootstrapClusterRoles();
  // view feeds edit, which feeds admin: aggregate in that order, as the controller settles.
  for (const name of ['view', 'edit', 'admin']) {
    const target = clusterRoles.find((r) => r.metadata.name === name) as ClusterRole;
    target.rules = aggregate(target, clusterRoles);
  }
  const roles = Object.values(bootstrapNamespaceRoles()).flat();
  return {
    clusterRoleBindings: [...bootstrapClusterRoleBindings(), ...extraBindings],
    roleBindings: Object.values(bootstrapNamespaceRoleBindings()).flat(),
    roles: getter(clusterRoles, roles),
  };
}

describe('default roles at work', () => {
  const node: User = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
  const viewer: User = { name: 'viewer', groups: ['system:authenticated'] };
  const sources = defaultSources([
    crb('nodes', 'system:node', [groupSubject('system:nodes')]),
    crb('viewer', 'view', [userSubject('viewer')]),
  ]);
  const allowed = (attrs: RequestAttributes): boolean => authorize(attrs, sources).allowed;

  const nodeCases: Array<[RequestAttributes, boolean]> = [
    [res('get', '', 'pods', { namespace: 'ns1', name: 'p', user: node }), true],
    [res('watch', '', 'pods', { user: node }), true],
    [res('patch', '', 'pods', { sub: 'status', namespace: 'ns1', name: 'p', user: node }), true],
    [res('create', '', 'pods', { sub: 'eviction', namespace: 'ns1', name: 'p', user: node }), true],
    [res('update', '', 'nodes', { sub: 'status', name: 'n1', user: node }), true],
    [res('get', '', 'secrets', { namespace: 'ns1', name: 's', user: node }), true],
    [res('create', '', 'serviceaccounts', { sub: 'token', namespace: 'ns1', name: 'default', user: node }), true],
    [res('update', 'coordination.k8s.io', 'leases', { namespace: 'kube-node-lease', name: 'n1', user: node }), true],
    [res('list', 'node.k8s.io', 'runtimeclasses', { user: node }), true],
    [res('delete', '', 'nodes', { name: 'n2', user: node }), false],
    [res('create', '', 'pods', { sub: 'exec', namespace: 'ns1', name: 'p', user: node }), false],
    [res('create', '', 'secrets', { namespace: 'ns1', user: node }), false],
    [res('list', 'rbac.authorization.k8s.io', 'roles', { user: node }), false],
  ];
  for (const [attrs, want] of nodeCases) {
    test(`system:node ${attrs.verb} ${attrs.resource}${attrs.subresource ? `/${attrs.subresource}` : ''}: ${want}`, () => assert.equal(allowed(attrs), want));
  }

  const viewCases: Array<[RequestAttributes, boolean]> = [
    [res('get', '', 'pods', { namespace: 'ns1', name: 'p', user: viewer }), true],
    [res('get', '', 'pods', { sub: 'log', namespace: 'ns1', name: 'p', user: viewer }), true],
    [res('list', 'apps', 'deployments', { namespace: 'ns1', user: viewer }), true],
    [res('get', 'apps', 'deployments', { sub: 'scale', namespace: 'ns1', name: 'd', user: viewer }), true],
    [res('watch', 'discovery.k8s.io', 'endpointslices', { namespace: 'ns1', user: viewer }), true],
    [res('list', '', 'secrets', { namespace: 'ns1', user: viewer }), false],
    [res('create', '', 'pods', { sub: 'exec', namespace: 'ns1', name: 'p', user: viewer }), false],
    [res('create', '', 'pods', { namespace: 'ns1', user: viewer }), false],
    [res('list', 'rbac.authorization.k8s.io', 'rolebindings', { namespace: 'ns1', user: viewer }), false],
  ];
  for (const [attrs, want] of viewCases) {
    test(`view ${attrs.verb} ${attrs.apiGroup || 'core'}/${attrs.resource}${attrs.subresource ? `/${attrs.subresource}` : ''}: ${want}`, () => assert.equal(allowed(attrs), want));
  }

  test('edit holds what view holds, admin what edit holds', () => {
    const roles = sources.roles;
    const rulesOf = (name: string): PolicyRule[] => roles.clusterRole(name)?.rules ?? [];
    assert.equal(coveringRules(rulesOf('edit'), rulesOf('view')).covers, true);
    assert.equal(coveringRules(rulesOf('admin'), rulesOf('edit')).covers, true);
    assert.equal(coveringRules(rulesOf('view'), rulesOf('edit')).covers, false);
    assert.equal(coveringRules(rulesOf('admin'), [{ verbs: ['create'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'] }]).covers, true);
  });

  test('default bindings: discovery, public info, scheduler, controllers', () => {
    const anonymous: User = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
    assert.deepEqual(authorize(url('get', '/healthz', anonymous), sources),
      { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:unauthenticated"' });
    assert.equal(allowed(url('get', '/apis', anonymous)), false);
    assert.deepEqual(authorize(url('get', '/apis/apps/v1', viewer), sources),
      { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"' });
    const scheduler: User = { name: 'system:kube-scheduler', groups: ['system:authenticated'] };
    assert.equal(allowed(res('create', '', 'pods', { sub: 'binding', namespace: 'ns1', name: 'p', user: scheduler })), true);
    assert.equal(allowed(res('update', 'coordination.k8s.io', 'leases', { namespace: 'kube-system', name: 'kube-scheduler', user: scheduler })), true);
    // VolumeBinding: its informers, the selected-node annotation on claims, pre-binding volumes (system:volume-scheduler).
    assert.equal(allowed(res('watch', 'storage.k8s.io', 'storageclasses', { user: scheduler })), true);
    assert.equal(allowed(res('list', '', 'persistentvolumes', { user: scheduler })), true);
    assert.equal(allowed(res('patch', '', 'persistentvolumeclaims', { namespace: 'ns1', name: 'c', user: scheduler })), true);
    assert.equal(allowed(res('update', '', 'persistentvolumes', { name: 'v', user: scheduler })), true);
    const provisioner: User = { name: 'system:serviceaccount:kube-system:local-path-provisioner', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system'] };
    for (const [verb, group, resource, namespace] of [['create', '', 'persistentvolumes', undefined], ['delete', '', 'persistentvolumes', undefined],
      ['create', '', 'pods', 'kube-system'], ['delete', '', 'pods', 'kube-system'], ['create', 'storage.k8s.io', 'storageclasses', undefined], ['update', '', 'persistentvolumeclaims', 'ns1']] as const) {
      assert.equal(allowed(res(verb, group, resource, { namespace, name: 'x', user: provisioner })), true, `local-path-provisioner may ${verb} ${resource}`);
    }
    const rs: User = { name: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system'] };
    assert.deepEqual(authorize(res('create', '', 'pods', { namespace: 'ns1', user: rs }), sources), {
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "system:controller:replicaset-controller" of ClusterRole "system:controller:replicaset-controller" to ServiceAccount "replicaset-controller/kube-system"',
    });
    assert.equal(allowed(res('create', '', 'secrets', { namespace: 'ns1', user: rs })), false);
    const admin: User = { name: 'root', groups: ['system:masters'] };
    assert.equal(allowed(res('deletecollection', 'anything.example.com', 'widgets', { user: admin })), true);
  });
});

describe('bootstrap policy', () => {
  const clusterRoles = bootstrapClusterRoles();
  const names = new Set(clusterRoles.map((r) => r.metadata.name));

  test('every ClusterRoleBinding refers to a ClusterRole that exists', () => {
    for (const b of bootstrapClusterRoleBindings()) {
      assert.equal(b.roleRef.kind, 'ClusterRole', b.metadata.name);
      assert.ok(names.has(b.roleRef.name), `${b.metadata.name} -> ${b.roleRef.name}`);
    }
  });

  test('every RoleBinding refers to a Role of its namespace', () => {
    const roles = bootstrapNamespaceRoles();
    for (const [ns, bindings] of Object.entries(bootstrapNamespaceRoleBindings())) {
      for (const b of bindings) {
        assert.equal(b.metadata.namespace, ns);
        assert.ok(roles[ns]?.some((r) => r.metadata.name === b.roleRef.name), `${ns}/${b.metadata.name} -> ${b.roleRef.name}`);
      }
    }
    assert.deepEqual(Object.keys(roles).sort(), ['kube-public', 'kube-system']);
  });

  test('names are unique; every object carries the bootstrapping label and the autoupdate annotation', () => {
    const objects = [...clusterRoles, ...bootstrapClusterRoleBindings(),
      ...Object.values(bootstrapNamespaceRoles()).flat(), ...Object.values(bootstrapNamespaceRoleBindings()).flat()];
    for (const o of objects) {
      assert.equal(o.metadata.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults', o.metadata.name);
      assert.equal(o.metadata.annotations?.[AUTO_UPDATE_ANNOTATION], 'true', o.metadata.name);
    }
    assert.equal(names.size, clusterRoles.length);
    assert.equal(new Set(bootstrapClusterRoleBindings().map((b) => b.metadata.name)).size, bootstrapClusterRoleBindings().length);
  });

  test('the roles and bindings named in the brief exist', () => {
    for (const name of ['cluster-admin', 'admin', 'edit', 'view', 'system:aggregate-to-admin', 'system:aggregate-to-edit', 'system:aggregate-to-view',
      'system:basic-user', 'system:discovery', 'system:public-info-viewer', 'system:node', 'system:node-proxier', 'system:kube-scheduler',
      'system:volume-scheduler', 'system:kube-controller-manager', 'system:kube-dns', 'system:node-bootstrapper', 'system:auth-delegator',
      'system:heapster', 'system:monitoring', 'system:service-account-issuer-discovery', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
      'system:controller:replicaset-controller', 'system:controller:deployment-controller', 'system:controller:endpoint-controller',
      'system:controller:endpointslice-controller', 'system:controller:namespace-controller', 'system:controller:generic-garbage-collector',
      'system:controller:node-controller', 'system:controller:pod-garbage-collector', 'system:controller:service-account-controller',
      'system:controller:service-controller', 'system:controller:clusterrole-aggregation-controller']) {
      assert.ok(names.has(name), name);
    }
    const view = clusterRoles.find((r) => r.metadata.name === 'view') as ClusterRole;
    assert.deepEqual(view.aggregationRule, { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] });
    assert.equal(view.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-edit'], 'true');
    const systemNode = bootstrapClusterRoleBindings().find((b) => b.metadata.name === 'system:node');
    assert.equal(systemNode?.subjects, undefined, 'system:node is bound to no one (the Node authorizer replaces it)');
  });

  test('rules are written as Kubernetes builds them: lists sorted', () => {
    const scheduler = clusterRoles.find((r) => r.metadata.name === 'system:kube-scheduler') as ClusterRole;
    assert.deepEqual(scheduler.rules?.[0], { verbs: ['create', 'patch', 'update'], apiGroups: ['', 'events.k8s.io'], resources: ['events'] });
    assert.deepEqual(scheduler.rules?.[2], { verbs: ['get', 'list', 'update', 'watch'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['kube-scheduler'] });
  });

  test('calls return fresh objects', () => {
    const a = bootstrapClusterRoles();
    (a[0].rules as PolicyRule[]).push({ verbs: ['x'] });
    assert.equal(bootstrapClusterRoles()[0].rules?.length, 2);
  });
});

describe('reconcile', () => {
  const wanted = (): ClusterRole => bootstrapClusterRoles().find((r) => r.metadata.name === 'system:node-proxier') as ClusterRole;

  test('a missing role is created as wanted; an equal one needs no write', () => {
    assert.deepEqual(reconcileClusterRole(undefined, wanted()), wanted());
    assert.equal(reconcileClusterRole(wanted(), wanted()), undefined);
  });

  test('missing rules, labels and annotations are added; users additions stay', () => {
    const existing = wanted();
    existing.metadata.resourceVersion = '7';
    existing.metadata.labels = { team: 'net' };
    existing.metadata.annotations = { note: 'mine' };
    const extra: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['configmaps'] };
    existing.rules = [...(existing.rules ?? []).slice(1), extra];
    const out = reconcileClusterRole(existing, wanted()) as ClusterRole;
    assert.equal(out.metadata.resourceVersion, '7');
    assert.deepEqual(out.metadata.labels, { 'kubernetes.io/bootstrapping': 'rbac-defaults', team: 'net' });
    assert.deepEqual(out.metadata.annotations, { [AUTO_UPDATE_ANNOTATION]: 'true', note: 'mine' });
    // The missing first rule comes back broken down, after the user's rule.
    assert.deepEqual(out.rules?.slice(3), [
      extra,
      { verbs: ['list'], apiGroups: [''], resources: ['endpoints'] },
      { verbs: ['watch'], apiGroups: [''], resources: ['endpoints'] },
      { verbs: ['list'], apiGroups: [''], resources: ['services'] },
      { verbs: ['watch'], apiGroups: [''], resources: ['services'] },
    ]);
    assert.equal(coveringRules(out.rules ?? [], wanted().rules ?? []).covers, true);
    assert.equal(reconcileClusterRole(out, wanted()), undefined);
  });

  test('autoupdate=false protects a role', () => {
    const existing = wanted();
    existing.metadata.annotations = { [AUTO_UPDATE_ANNOTATION]: 'false' };
    existing.rules = [];
    assert.equal(reconcileClusterRole(existing, wanted()), undefined);
  });

  test('aggregated roles: filled rules are kept, missing selectors added, unexpected aggregation removed', () => {
    const view = bootstrapClusterRoles().find((r) => r.metadata.name === 'view') as ClusterRole;
    const filled = structuredClone(view);
    filled.rules = [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }];
    assert.equal(reconcileClusterRole(filled, view), undefined);
    const noSelectors = structuredClone(filled);
    noSelectors.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { mine: 'true' } }] };
    assert.deepEqual(reconcileClusterRole(noSelectors, view)?.aggregationRule?.clusterRoleSelectors,
      [{ matchLabels: { mine: 'true' } }, { matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }]);
    const aggregatedProxier = wanted();
    aggregatedProxier.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] };
    assert.equal(reconcileClusterRole(aggregatedProxier, wanted())?.aggregationRule, undefined);
  });

  test('namespace roles reconcile the same way', () => {
    const want = bootstrapNamespaceRoles()['kube-public'][0];
    const existing = structuredClone(want);
    existing.rules = [];
    assert.equal(coveringRules(reconcileRole(existing, want)?.rules ?? [], want.rules ?? []).covers, true);
  });

  test('bindings: missing subjects added, extra subjects kept, a changed roleRef recreated, protected left alone', () => {
    const want = bootstrapClusterRoleBindings().find((b) => b.metadata.name === 'system:discovery') as ClusterRoleBinding;
    assert.deepEqual(reconcileClusterRoleBinding(undefined, want), { operation: 'create', binding: want });
    assert.equal(reconcileClusterRoleBinding(structuredClone(want), want), undefined);

    const existing = structuredClone(want);
    existing.subjects = [userSubject('extra')];
    assert.deepEqual(reconcileClusterRoleBinding(existing, want), {
      operation: 'update', binding: { ...existing, subjects: [userSubject('extra'), groupSubject('system:authenticated')] },
    });

    const moved = structuredClone(want);
    moved.roleRef = { ...moved.roleRef, name: 'something-else' };
    assert.deepEqual(reconcileClusterRoleBinding(moved, want), { operation: 'recreate', binding: want });

    const kept = structuredClone(moved);
    kept.metadata.annotations = { [AUTO_UPDATE_ANNOTATION]: 'false' };
    assert.equal(reconcileClusterRoleBinding(kept, want), undefined);

    const nsWant = bootstrapNamespaceRoleBindings()['kube-system'][0];
    const nsExisting = structuredClone(nsWant);
    delete nsExisting.metadata.labels;
    assert.deepEqual(reconcileRoleBinding(nsExisting, nsWant), { operation: 'update', binding: nsWant });
  });
});
