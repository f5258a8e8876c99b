// Authentication and authorization end to end, against the real apiserver and etcd
// (and the controller manager's aggregation and service-account controllers): who gets
// a 401, who a 403 worded as Kubernetes words it, what RBAC bindings grant and where,
// RBAC's escalation check, the Node authorizer and NodeRestriction for a kubelet's
// identity, service-account tokens bound to pods, bootstrap tokens, TokenReview, the
// access reviews behind `kubectl auth can-i` and `whoami`, and impersonation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { generateKeyPair, SignJWT, decodeJwt } from 'jose';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { startControllerManager, type ControllerManagerHandle } from '../harness/controllers.js';
import { http } from '../harness/http.js';
import { as, certificate, kubeconfigFor, type As } from '../harness/identity.js';
import { kubectl, kubectlFails } from '../harness/kubectl.js';
import { waitFor } from '../harness/processes.js';

let cp: ControlPlane;
let cm: ControllerManagerHandle;
const closers: As[] = [];
const admin = (method: string, path: string, body?: unknown) => http(cp.url, method, path, body, method === 'PATCH' ? 'application/merge-patch+json' : 'application/json');
const user = (cred: Parameters<typeof as>[1]): As => {
  const a = as(cp, cred);
  closers.push(a);
  return a;
};
const TOKENS = 'viewer-token,viewer,1001\ndev-token,dev,1002,"developers"\nbinder-token,binder,1003\n';

async function create(path: string, body: unknown): Promise<void> {
  const r = await admin('POST', path, body);
  assert.equal(r.status, 201, `${path}: ${r.text}`);
}

const binding = (kind: 'ClusterRoleBinding' | 'RoleBinding', name: string, roleKind: string, role: string, subjects: unknown[], namespace?: string) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role }, subjects,
});
const userSubject = (name: string) => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name });
const ns = (name: string) => create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

let tokenDir = '';

before(async () => {
  tokenDir = await mkdtemp(join(tmpdir(), 'tskube-tokens-'));
  await writeFile(join(tokenDir, 'tokens.csv'), TOKENS);
  cp = await startControlPlane({ args: ['--token-auth-file', join(tokenDir, 'tokens.csv'), '--enable-bootstrap-token-auth'] });
  cm = await startControllerManager(cp, ['--controllers', 'clusterrole-aggregation-controller,serviceaccount-controller']);
  // The view role is filled in by the aggregation controller.
  await waitFor(async () => ((await admin('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/view')).json?.rules ?? []).length > 0, { timeoutMs: 20_000, what: 'the view role to be aggregated' });
});

after(async () => {
  for (const c of closers) await c.close();
  await cm?.stop();
  await cp?.stop();
  if (tokenDir) await rm(tokenDir, { recursive: true, force: true });
});

describe('authentication', () => {
  it('without credentials: 401 Unauthorized, except health and version', async () => {
    const anon = user({ anonymous: true });
    const r = await anon('GET', '/api/v1/pods');
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    for (const p of ['/healthz', '/livez', '/readyz', '/version']) assert.equal((await anon('GET', p)).status, 200, p);
    for (const p of ['/metrics', '/api', '/apis', '/openapi/v2']) assert.equal((await anon('GET', p)).status, 401, p);
    // A bad credential is never anonymous: even /healthz refuses it.
    assert.equal((await user({ token: 'nope' })('GET', '/healthz')).status, 401);
  });

  it('static tokens name their user and groups', async () => {
    const r = await user({ token: 'dev-token' })('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.status.userInfo, { username: 'dev', uid: '1002', groups: ['developers', 'system:authenticated'] });
  });

  it('bootstrap tokens: a valid one is system:bootstrap:<id>; an expired one is refused', async () => {
    const secret = (id: string, expiration: string) => ({
      apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token',
      metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
      stringData: { 'token-id': id, 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true', expiration, 'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token' },
    });
    await create('/api/v1/namespaces/kube-system/secrets', secret('abcdef', new Date(Date.now() + 3600_000).toISOString()));
    await create('/api/v1/namespaces/kube-system/secrets', secret('zzzzzz', new Date(Date.now() - 1000).toISOString()));
    const r = await user({ token: 'abcdef.0123456789abcdef' })('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.status.userInfo, { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'] });
    assert.equal((await user({ token: 'zzzzzz.0123456789abcdef' })('GET', '/api')).status, 401);
    assert.equal((await user({ token: 'abcdef.0123456789abcdeX' })('GET', '/api')).status, 401);
  });
});

describe('RBAC', () => {
  it('a view-only user reads, and every write is a 403 naming the user, verb and resource', async () => {
    await create('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', binding('ClusterRoleBinding', 'viewer-view', 'ClusterRole', 'view', [userSubject('viewer')]));
    const viewer = user({ token: 'viewer-token' });
    await waitFor(async () => (await viewer('GET', '/api/v1/namespaces/default/pods')).status === 200, { timeoutMs: 5000, what: 'the binding to apply' });
    assert.equal((await viewer('GET', '/apis/apps/v1/deployments')).status, 200);
    const w = await viewer('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    assert.equal(w.status, 403);
    assert.deepEqual(w.json, {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'configmaps is forbidden: User "viewer" cannot create resource "configmaps" in API group "" in the namespace "default"',
      reason: 'Forbidden', details: { kind: 'configmaps' }, code: 403,
    });
    const d = await viewer('DELETE', '/apis/apps/v1/namespaces/default/deployments/web');
    assert.equal(d.json.message, 'deployments.apps "web" is forbidden: User "viewer" cannot delete resource "deployments" in API group "apps" in the namespace "default"');
    // view does not read secrets.
    assert.equal((await viewer('GET', '/api/v1/namespaces/default/secrets')).status, 403);
    const nodes = await viewer('GET', '/api/v1/nodes');
    assert.equal(nodes.json.message, 'nodes is forbidden: User "viewer" cannot list resource "nodes" in API group "" at the cluster scope');
  });

  it('a RoleBinding in one namespace grants nothing in another', async () => {
    await ns('team-a');
    await ns('team-b');
    await create('/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings', binding('RoleBinding', 'devs-edit', 'ClusterRole', 'edit', [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'developers' }], 'team-a'));
    const dev = user({ token: 'dev-token' });
    const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
    assert.equal((await dev('POST', '/api/v1/namespaces/team-a/configmaps', cm('one'))).status, 201);
    const other = await dev('POST', '/api/v1/namespaces/team-b/configmaps', cm('one'));
    assert.equal(other.status, 403);
    assert.match(other.json.message, /User "dev" cannot create resource "configmaps" in API group "" in the namespace "team-b"/);
    assert.equal((await dev('GET', '/api/v1/configmaps')).status, 403, 'nor across all namespaces');
  });

  it('aggregation adds a labelled ClusterRole\'s rules to view', async () => {
    const viewer = user({ token: 'viewer-token' });
    assert.equal((await viewer('GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases')).status, 403);
    await create('/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole',
      metadata: { name: 'leases-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch'] }],
    });
    await waitFor(async () => (await viewer('GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases')).status === 200, { timeoutMs: 10_000, what: 'view to gain the leases rule' });
  });

  it('nobody can grant or bind what they do not hold, unless allowed to escalate or bind', async () => {
    await ns('grants');
    // binder may manage roles and bindings in "grants" and read pods there.
    await create('/apis/rbac.authorization.k8s.io/v1/namespaces/grants/roles', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'rbac-manager', namespace: 'grants' },
      rules: [
        { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ['create', 'get', 'list'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      ],
    });
    await create('/apis/rbac.authorization.k8s.io/v1/namespaces/grants/rolebindings', binding('RoleBinding', 'binder', 'Role', 'rbac-manager', [userSubject('binder')], 'grants'));
    const binder = user({ token: 'binder-token' });
    const role = (name: string, verbs: string[]) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: 'grants' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs }],
    });
    await createOnceBound(() => binder('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/grants/roles', role('pod-reader', ['get'])));
    const more = await binder('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/grants/roles', role('pod-killer', ['get', 'delete']));
    assert.equal(more.status, 403);
    assert.equal(more.json.message, 'roles.rbac.authorization.k8s.io "pod-killer" is forbidden: user "binder" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}');
    const bindAdmin = await binder('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/grants/rolebindings', binding('RoleBinding', 'me-admin', 'ClusterRole', 'admin', [userSubject('binder')], 'grants'));
    assert.equal(bindAdmin.status, 403);
    assert.match(bindAdmin.json.message, /^rolebindings.rbac.authorization.k8s.io "me-admin" is forbidden: user "binder" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n/);
    // Binding a role whose rules binder holds is fine; so is any role binder may "bind".
    await createOnceBound(() => binder('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/grants/rolebindings', binding('RoleBinding', 'reader', 'Role', 'pod-reader', [userSubject('viewer')], 'grants')));
    await create('/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'bind-admin' },
      rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['admin'] }],
    });
    await create('/apis/rbac.authorization.k8s.io/v1/namespaces/grants/rolebindings', binding('RoleBinding', 'binder-may-bind', 'ClusterRole', 'bind-admin', [userSubject('binder')], 'grants'));
    await createOnceBound(() => binder('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/grants/rolebindings', binding('RoleBinding', 'me-admin', 'ClusterRole', 'admin', [userSubject('binder')], 'grants')));
  });
});

/**
 * A create by a user whose binding was just written: the authorizer reads bindings from
 * its cache, as Kubernetes' RBAC authorizer reads its informers, so the binding counts
 * once the cache has it. Retries while 403, for up to 10 s; expects 201.
 */
async function createOnceBound(request: () => Promise<{ status: number; text: string }>): Promise<void> {
  for (const deadline = Date.now() + 10_000; ;) {
    const r = await request();
    if (r.status === 201) return;
    assert.equal(r.status, 403, r.text);
    assert.ok(Date.now() < deadline, `still forbidden after 10 s: ${r.text}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

describe('a kubelet\'s identity (Node authorizer and NodeRestriction)', () => {
  let n1: As;
  before(async () => {
    await ns('nodes-test');
    for (const name of ['s1', 's2']) await create('/api/v1/namespaces/nodes-test/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { k: name } });
    await create('/api/v1/namespaces/nodes-test/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1' } });
    const pod = (name: string, node: string, secret: string) => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name },
      spec: {
        nodeName: node,
        containers: [{ name: 'c', image: 'busybox', envFrom: [{ configMapRef: { name: node === 'n1' ? 'c1' : 'none' } }] }],
        volumes: [{ name: 'v', secret: { secretName: secret } }],
      },
    });
    await create('/api/v1/namespaces/nodes-test/pods', pod('p1', 'n1', 's1'));
    await create('/api/v1/namespaces/nodes-test/pods', pod('p2', 'n2', 's2'));
    await create('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } });
    n1 = user(await certificate(cp, 'system:node:n1', ['system:nodes']));
  });

  it('reads only its own pods, and lists them only by its node name', async () => {
    assert.equal((await n1('GET', '/api/v1/namespaces/nodes-test/pods/p1')).status, 200);
    const other = await n1('GET', '/api/v1/namespaces/nodes-test/pods/p2');
    assert.equal(other.status, 403);
    assert.equal(other.json.message, 'pods "p2" is forbidden: User "system:node:n1" cannot get resource "pods" in API group "" in the namespace "nodes-test": no relationship found between node \'n1\' and this object');
    const all = await n1('GET', '/api/v1/pods');
    assert.equal(all.status, 403);
    assert.match(all.json.message, /can only list\/watch pods with spec.nodeName field selector$/);
    const mine = await n1('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1');
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.json.items.map((p: { metadata: { name: string } }) => p.metadata.name), ['p1']);
    assert.equal((await n1('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn2')).status, 403);
  });

  it('reads only the secrets and configmaps its pods use', async () => {
    assert.equal((await n1('GET', '/api/v1/namespaces/nodes-test/secrets/s1')).status, 200);
    const s2 = await n1('GET', '/api/v1/namespaces/nodes-test/secrets/s2');
    assert.equal(s2.status, 403);
    assert.match(s2.json.message, /no relationship found between node 'n1' and this object$/);
    assert.equal((await n1('GET', '/api/v1/namespaces/nodes-test/configmaps/c1')).status, 200);
    assert.equal((await n1('GET', '/api/v1/namespaces/nodes-test/secrets')).status, 403, 'no list of secrets');
    assert.equal((await n1('DELETE', '/api/v1/namespaces/nodes-test/secrets/s1')).status, 403, 'no writes');
  });

  it('gets only the claims its pods use and the volumes bound to them', async () => {
    const claim = (name: string, volumeName: string) => ({
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '', volumeName },
    });
    const volume = (name: string) => ({
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
      spec: { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, hostPath: { path: `/tmp/${name}` } },
    });
    for (const [c, v] of [['claim-1', 'vol-1'], ['claim-2', 'vol-2']]) {
      await create('/api/v1/namespaces/nodes-test/persistentvolumeclaims', claim(c, v));
      await create('/api/v1/persistentvolumes', volume(v));
    }
    await create('/api/v1/namespaces/nodes-test/pods', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pvc-user' },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'claim-1' } }] },
    });
    // The Node authorizer reads the pods and claims watch caches, which follow etcd a
    // moment behind the writes above (as kube-apiserver's graph follows its informers).
    for (const path of ['/api/v1/namespaces/nodes-test/persistentvolumeclaims/claim-1', '/api/v1/persistentvolumes/vol-1']) {
      await waitFor(async () => (await n1('GET', path)).status === 200, { timeoutMs: 5_000, what: `node n1 to be allowed ${path}` });
    }
    assert.equal((await n1('GET', '/api/v1/namespaces/nodes-test/persistentvolumeclaims/claim-2')).status, 403);
    const other = await n1('GET', '/api/v1/persistentvolumes/vol-2');
    assert.equal(other.status, 403);
    assert.match(other.json.message, /no relationship found between node 'n1' and this object$/);
    assert.equal((await n1('GET', '/api/v1/persistentvolumes')).status, 403, 'no list of volumes');
  });

  it('registers and changes only its own Node, Lease and pods', async () => {
    assert.equal((await n1('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } })).status, 201);
    assert.equal((await n1('PATCH', '/api/v1/nodes/n1', { metadata: { labels: { a: 'b' } } })).status, 200);
    const n2 = await n1('PATCH', '/api/v1/nodes/n2', { metadata: { labels: { a: 'b' } } });
    assert.equal(n2.status, 403);
    assert.equal(n2.json.message, 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
    assert.equal((await n1('GET', '/api/v1/nodes/n2')).status, 403);
    const status = await n1('PATCH', '/api/v1/namespaces/nodes-test/pods/p2/status', { status: { phase: 'Failed' } });
    assert.equal(status.status, 403);
    assert.equal(status.json.message, 'pods "p2" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself');
    assert.equal((await n1('PATCH', '/api/v1/namespaces/nodes-test/pods/p1/status', { status: { phase: 'Running' } })).status, 200);
    const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name } });
    assert.equal((await n1('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease('n1'))).status, 201);
    const other = await n1('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease('n2'));
    assert.equal(other.status, 403);
    assert.match(other.json.message, /can only access node lease with the same name as the requesting node$/);
  });
});

describe('service-account tokens', () => {
  let token = '';
  before(async () => {
    await ns('sa-test');
    await create('/api/v1/namespaces/sa-test/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader' } });
    await create('/api/v1/namespaces/sa-test/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app' }, spec: { serviceAccountName: 'reader', containers: [{ name: 'c', image: 'busybox' }] } });
    const pod = (await admin('GET', '/api/v1/namespaces/sa-test/pods/app')).json;
    const r = await admin('POST', '/api/v1/namespaces/sa-test/serviceaccounts/reader/token', {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
      spec: { expirationSeconds: 600, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'app', uid: pod.metadata.uid } },
    });
    assert.equal(r.status, 201, r.text);
    token = r.json.status.token;
    const claims = decodeJwt(token) as { sub: string; 'kubernetes.io': { pod: { name: string } } };
    assert.equal(claims.sub, 'system:serviceaccount:sa-test:reader');
    assert.equal(claims['kubernetes.io'].pod.name, 'app');
  });

  it('a pod\'s token lists pods only when RBAC allows it', async () => {
    const sa = user({ token });
    const denied = await sa('GET', '/api/v1/namespaces/sa-test/pods');
    assert.equal(denied.status, 403);
    assert.match(denied.json.message, /User "system:serviceaccount:sa-test:reader" cannot list resource "pods"/);
    await create('/apis/rbac.authorization.k8s.io/v1/namespaces/sa-test/rolebindings', binding('RoleBinding', 'reader-view', 'ClusterRole', 'view', [{ kind: 'ServiceAccount', name: 'reader', namespace: 'sa-test' }], 'sa-test'));
    await waitFor(async () => (await sa('GET', '/api/v1/namespaces/sa-test/pods')).status === 200, { timeoutMs: 5000, what: 'the binding to apply' });
  });

  it('TokenReview says whose a token is, and refuses a bad one', async () => {
    const review = async (t: string) => (await admin('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: t } })).json;
    const ok = await review(token);
    assert.equal(ok.status.authenticated, true);
    assert.equal(ok.status.user.username, 'system:serviceaccount:sa-test:reader');
    assert.deepEqual(ok.status.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:sa-test', 'system:authenticated']);
    assert.deepEqual(ok.status.user.extra['authentication.kubernetes.io/pod-name'], ['app']);
    assert.deepEqual(ok.status.audiences, ['https://kubernetes.default.svc.cluster.local']);
    assert.equal((await review('not-a-token')).status.authenticated, false);
  });

  it('a forged, expired, wrongly signed or foreign token is refused', async () => {
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url')}.${signature}`;
    const { privateKey: otherKey } = await generateKeyPair('ES256');
    const realKey = createPrivateKey(await readFile(join(cp.dir, 'pki', 'sa.key'), 'utf8'));
    const now = Math.floor(Date.now() / 1000);
    const sign = (key: Parameters<SignJWT['sign']>[0], c: Record<string, unknown>, kid = JSON.parse(Buffer.from(header, 'base64url').toString()).kid) =>
      new SignJWT(c).setProtectedHeader({ alg: 'ES256', kid }).sign(key);
    const cases: [string, string][] = [
      ['forged', forged],
      ['wrongly signed', await sign(otherKey, claims)],
      ['expired', await sign(realKey, { ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 })],
      ['another issuer', await sign(realKey, { ...claims, iss: 'https://elsewhere.example' })],
      ['another audience', await sign(realKey, { ...claims, aud: ['vault'] })],
      ['truncated', token.slice(0, -5)],
    ];
    for (const [what, t] of cases) assert.equal((await user({ token: t })('GET', '/api/v1/namespaces/sa-test/pods')).status, 401, what);
    // The real key with the real claims still works (the cases above fail for their reason).
    assert.equal((await user({ token: await sign(realKey, claims) })('GET', '/api/v1/namespaces/sa-test/pods')).status, 200);
  });

  it('a pod-bound token stops working once its pod is deleted', async () => {
    const r = await admin('DELETE', '/api/v1/namespaces/sa-test/pods/app?gracePeriodSeconds=0');
    assert.ok(r.status === 200 || r.status === 202, r.text);
    // Successful lookups are cached for 10 s, as kube-apiserver's token cache does.
    await waitFor(async () => (await user({ token })('GET', '/api/v1/namespaces/sa-test/pods')).status === 401, { timeoutMs: 15_000, intervalMs: 500, what: 'the token to be refused' });
  });
});

describe('with the real kubectl', () => {
  it('auth whoami, auth can-i (and --list), create token, and impersonation', async () => {
    const viewer = await kubeconfigFor(cp, 'viewer.kubeconfig', { token: 'viewer-token' });
    assert.match(await kubectl(viewer, 'auth', 'whoami'), /Username\s+viewer\nUID\s+1001\nGroups\s+\[system:authenticated\]/);
    assert.equal((await kubectl(viewer, 'auth', 'can-i', 'list', 'pods')).trim(), 'yes');
    assert.equal((await kubectlFails(viewer, 'auth', 'can-i', 'create', 'pods')).trim(), '');
    const list = await kubectl(viewer, 'auth', 'can-i', '--list', '-n', 'default');
    assert.match(list, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs/);
    assert.match(list, /pods\s+\[\]\s+\[\]\s+\[get list watch\]/);
    assert.match(await kubectl(cp, 'create', 'token', 'default', '-n', 'default'), /^eyJ[\w-]+\.[\w-]+\.[\w-]+\n?$/);
    // Impersonation: the admin may act as the viewer; the viewer may not act as anyone.
    assert.equal((await kubectl(cp, 'auth', 'can-i', 'list', 'pods', '--as', 'viewer')).trim(), 'yes');
    assert.equal((await kubectlFails(cp, 'auth', 'can-i', 'list', 'secrets', '--as', 'viewer')).trim(), '');
    assert.match(await kubectlFails(viewer, 'get', 'pods', '--as', 'admin'),
      /Error from server \(Forbidden\): users "admin" is forbidden: User "viewer" cannot impersonate resource "users" in API group "" at the cluster scope/);
    assert.equal(await kubectlFails(viewer, 'get', 'secrets'),
      'Error from server (Forbidden): secrets is forbidden: User "viewer" cannot list resource "secrets" in API group "" in the namespace "default"\n');
  });
});
