// The "rbac/bootstrap-roles" post-start hook (apiserver/rbac/reconcile-bootstrap.ts): at
// every start the default roles and bindings exist and hold at least Kubernetes' rules and
// subjects; what users added stays, and objects annotated autoupdate=false are left alone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';

let cp: ControlPlane;
const api = (method: string, path: string, body?: unknown) => http(cp.url, method, path, body);

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const DISCOVERY = `${RBAC}/clusterroles/system:discovery`;
const MONITORING = `${RBAC}/clusterroles/system:monitoring`;
const BASIC_USER_BINDING = `${RBAC}/clusterrolebindings/system:basic-user`;
const AUTH_READER = `${RBAC}/namespaces/kube-system/roles/extension-apiserver-authentication-reader`;
const AUTH_READER_BINDING = `${RBAC}/namespaces/kube-system/rolebindings/system::extension-apiserver-authentication-reader`;
const USER_RULE = { verbs: ['get'], nonResourceURLs: ['/custom'] };

before(async () => {
  cp = await startControlPlane();
});
after(async () => {
  await cp?.stop();
});

interface Rule { verbs: string[]; nonResourceURLs?: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }
/** A rule list as what it allows, piece by piece (a verb on a URL, or on a group's resource by name), sorted. */
const pieces = (rules: Rule[]): string[] => rules.flatMap((r) => r.verbs.flatMap((v) => [
  ...(r.nonResourceURLs ?? []).map((u) => `${v} ${u}`),
  ...(r.apiGroups ?? []).flatMap((g) => (r.resources ?? []).flatMap((res) => (r.resourceNames ?? ['*']).map((n) => `${v} ${g}/${res}/${n}`))),
])).sort();

async function get(path: string): Promise<Record<string, any>> {
  const r = await api('GET', path);
  assert.equal(r.status, 200, `${path}: ${r.text}`);
  return r.json as Record<string, any>;
}

async function put(path: string, obj: Record<string, any>): Promise<void> {
  const r = await api('PUT', path, obj);
  assert.equal(r.status, 200, `${path}: ${r.text}`);
}

test('a restart puts back what was taken from the defaults, keeps what users added, and leaves autoupdate=false alone', async () => {
  const discovery = await get(DISCOVERY);
  const defaultRules = discovery.rules;
  const monitoring = await get(MONITORING);
  const reader = await get(AUTH_READER);
  const basicUsers = await get(BASIC_USER_BINDING);
  assert.ok(defaultRules.length > 0 && monitoring.rules.length > 0 && reader.rules.length > 0 && basicUsers.subjects.length > 0);

  // A default rule replaced by a user's; a role opted out of updates and emptied; a Role's
  // rules dropped; a binding's subjects replaced; a RoleBinding deleted.
  await put(DISCOVERY, { ...discovery, rules: [USER_RULE] });
  await put(MONITORING, { ...monitoring, metadata: { ...monitoring.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } }, rules: [USER_RULE] });
  await put(AUTH_READER, { ...reader, rules: [] });
  await put(BASIC_USER_BINDING, { ...basicUsers, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'someone' }] });
  assert.equal((await api('DELETE', AUTH_READER_BINDING)).status, 200);

  await cp.restartApiserver();

  // The missing rules come back broken down, one verb and URL each, after the user's (as Kubernetes' reconciliation adds them).
  const [first, ...back] = (await get(DISCOVERY)).rules as Rule[];
  assert.deepEqual(first, USER_RULE);
  assert.deepEqual(pieces(back), pieces(defaultRules));
  assert.deepEqual((await get(MONITORING)).rules, [USER_RULE], 'autoupdate=false is left alone');
  assert.deepEqual(pieces((await get(AUTH_READER)).rules), pieces(reader.rules));
  assert.deepEqual((await get(BASIC_USER_BINDING)).subjects, [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'someone' }, ...basicUsers.subjects]);
  const binding = await get(AUTH_READER_BINDING);
  assert.equal(binding.roleRef.name, 'extension-apiserver-authentication-reader');
});
