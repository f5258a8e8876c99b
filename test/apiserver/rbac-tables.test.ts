// Table columns of ServiceAccounts, Roles, ClusterRoles, RoleBindings and
// ClusterRoleBindings, as kube-apiserver 1.32 prints them (pkg/printers/internalversion,
// and rest.NewDefaultTableConvertor for roles). Pure: no server.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findResource, type ResourceInfo } from '../../api/registry.js';
import type { ServiceAccount } from '../../api/types/core.js';
import type { KubeObject, Table } from '../../api/types/meta.js';
import type { ClusterRoleBinding, RoleBinding } from '../../api/types/rbac.js';
import { subjectsStrings, toTable } from '../../apiserver/tables.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const ago = (seconds: number): string => new Date(NOW.getTime() - seconds * 1000).toISOString();
const RBAC = 'rbac.authorization.k8s.io';

function table(group: string, plural: string, items: KubeObject[]): Table {
  return toTable(findResource(group, 'v1', plural) as ResourceInfo, items, { now: NOW });
}

const columns = (t: Table): [string, string, string, number][] => t.columnDefinitions.map((c) => [c.name, c.type, c.format, c.priority]);

describe('serviceaccount table', () => {
  test('NAME SECRETS AGE, secrets counted', () => {
    const sa: ServiceAccount = { metadata: { name: 'default', namespace: 'default', creationTimestamp: ago(3 * 3600) } };
    const builder: ServiceAccount = { metadata: { name: 'builder', namespace: 'ci', creationTimestamp: ago(40) }, secrets: [{ name: 'a' }, { name: 'b' }] };
    const t = table('', 'serviceaccounts', [sa, builder]);
    assert.deepEqual(columns(t), [['Name', 'string', 'name', 0], ['Secrets', 'string', '', 0], ['Age', 'string', '', 0]]);
    assert.ok(t.columnDefinitions[1].description.length > 0, 'described from ServiceAccount.secrets');
    assert.deepEqual(t.rows.map((r) => r.cells), [['default', 0, '3h'], ['builder', 2, '40s']]);
  });
});

describe('role and clusterrole tables', () => {
  test('NAME CREATED AT (RFC 3339), as the default table convertor prints them', () => {
    for (const plural of ['roles', 'clusterroles']) {
      const t = table(RBAC, plural, [{ metadata: { name: 'admin', creationTimestamp: '2025-05-31T08:09:10Z' }, rules: [] } as KubeObject]);
      assert.deepEqual(columns(t), [['Name', 'string', 'name', 0], ['Created At', 'date', '', 0]], plural);
      assert.deepEqual(t.rows[0].cells, ['admin', '2025-05-31T08:09:10Z'], plural);
    }
  });
});

describe('rolebinding and clusterrolebinding tables', () => {
  const subjects = [
    { kind: 'User', apiGroup: RBAC, name: 'jane' },
    { kind: 'ServiceAccount', name: 'builder', namespace: 'ci' },
    { kind: 'Group', apiGroup: RBAC, name: 'system:masters' },
    { kind: 'User', apiGroup: RBAC, name: 'joe' },
    { kind: 'ServiceAccount', name: 'deployer', namespace: 'prod' },
  ];

  test('NAME ROLE AGE, wide USERS GROUPS SERVICEACCOUNTS', () => {
    const rb: RoleBinding = { metadata: { name: 'read-pods', namespace: 'default', creationTimestamp: ago(303) }, roleRef: { apiGroup: RBAC, kind: 'Role', name: 'pod-reader' }, subjects };
    const t = table(RBAC, 'rolebindings', [rb]);
    assert.deepEqual(columns(t), [
      ['Name', 'string', 'name', 0], ['Role', 'string', '', 0], ['Age', 'string', '', 0],
      ['Users', 'string', '', 1], ['Groups', 'string', '', 1], ['ServiceAccounts', 'string', '', 1],
    ]);
    assert.deepEqual(t.columnDefinitions.slice(3).map((c) => c.description), ['Users in the roleBinding', 'Groups in the roleBinding', 'ServiceAccounts in the roleBinding']);
    assert.deepEqual(t.rows[0].cells, ['read-pods', 'Role/pod-reader', '5m3s', 'jane, joe', 'system:masters', 'ci/builder, prod/deployer']);
  });

  test('a clusterrolebinding prints the same cells with its own descriptions', () => {
    const crb: ClusterRoleBinding = { metadata: { name: 'cluster-admin', creationTimestamp: ago(8 * 86400) }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [subjects[2]] };
    const t = table(RBAC, 'clusterrolebindings', [crb]);
    assert.deepEqual(t.columnDefinitions.map((c) => c.name), ['Name', 'Role', 'Age', 'Users', 'Groups', 'ServiceAccounts']);
    assert.deepEqual(t.columnDefinitions.slice(3).map((c) => c.description), ['Users in the clusterRoleBinding', 'Groups in the clusterRoleBinding', 'ServiceAccounts in the clusterRoleBinding']);
    assert.deepEqual(t.rows[0].cells, ['cluster-admin', 'ClusterRole/cluster-admin', '8d', '', 'system:masters', '']);
  });

  test('no subjects: empty wide cells', () => {
    const rb: RoleBinding = { metadata: { name: 'empty', namespace: 'default', creationTimestamp: ago(1) }, roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' } };
    assert.deepEqual(table(RBAC, 'rolebindings', [rb]).rows[0].cells, ['empty', 'ClusterRole/view', '1s', '', '', '']);
  });

  test('subjectsStrings (rbac.SubjectsStrings)', () => {
    assert.deepEqual(subjectsStrings([...subjects, { kind: 'ServiceAccount', name: 'nons' }, { kind: 'Robot', name: 'r2', namespace: 'x' }]), {
      users: ['jane', 'joe'], groups: ['system:masters'], serviceAccounts: ['ci/builder', 'prod/deployer', '/nons'], others: ['Robot/x/r2'],
    });
  });
});
