// The controllers that set up namespaces and identities, in a real
// kube-controller-manager process against the real apiserver and etcd: every namespace
// gets the `default` ServiceAccount and the kube-root-ca.crt ConfigMap (with the CA of
// the controller manager's kubeconfig, as no --root-ca-file is given), both come back
// when deleted or changed; an aggregated ClusterRole follows the roles its selector
// matches; expired bootstrap token Secrets are deleted, at the moment they expire, and
// unexpired ones kept.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isNotFound } from '../../api/errors.js';
import { rfc3339 } from '../../api/helpers/time.js';
import type { ConfigMap, Namespace, Secret, ServiceAccount } from '../../api/types/core.js';
import type { ClusterRole, PolicyRule } from '../../api/types/rbac.js';
import { resourceClient, type ResourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { adminClient, startControllerManager, type ControllerManagerHandle } from '../harness/controllers.js';
import { waitFor } from '../harness/processes.js';

let cp: ControlPlane;
let rest: RestClient;
let cm: ControllerManagerHandle;
let namespaces: ResourceClient<Namespace>;
let serviceAccounts: ResourceClient<ServiceAccount>;
let configMaps: ResourceClient<ConfigMap>;
let clusterRoles: ResourceClient<ClusterRole>;
let secrets: ResourceClient<Secret>;

// The controllers react to watch events; 15 s leaves room for the controller manager's
// start (leader election, informer sync) on a loaded machine.
const TIMEOUT_MS = 15_000;
const ROOT_CA = 'kube-root-ca.crt';
const DESCRIPTION = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

const gone = (get: () => Promise<unknown>) => async (): Promise<boolean> => get().then(() => false, (err: unknown) => {
  if (isNotFound(err)) return true;
  throw err;
});

/** Resolves with the object once get finds one whose uid is not `not` (undefined: any). */
async function appears<T extends { metadata: { uid?: string } }>(get: () => Promise<T>, what: string, not?: string): Promise<T> {
  let found: T | undefined;
  await waitFor(async () => {
    const obj = await get();
    if (obj.metadata.uid === not) return false;
    found = obj;
    return true;
  }, { timeoutMs: TIMEOUT_MS, what });
  return found as T;
}

before(async () => {
  cp = await startControlPlane();
  rest = adminClient(cp);
  namespaces = resourceClient<Namespace>(rest, 'namespaces');
  serviceAccounts = resourceClient<ServiceAccount>(rest, 'serviceaccounts');
  configMaps = resourceClient<ConfigMap>(rest, 'configmaps');
  clusterRoles = resourceClient<ClusterRole>(rest, 'clusterroles.rbac.authorization.k8s.io');
  secrets = resourceClient<Secret>(rest, 'secrets');
  cm = await startControllerManager(cp, ['--controllers',
    'serviceaccount-controller,root-ca-certificate-publisher-controller,clusterrole-aggregation-controller,token-cleaner-controller']);
});

after(async () => {
  await cm?.stop();
  await rest?.close();
  await cp?.stop();
});

describe('namespaces get default and kube-root-ca.crt', () => {
  test('a new namespace gets both quickly; the ConfigMap holds the kubeconfig\'s CA and the description', async () => {
    await namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    const sa = await appears(() => serviceAccounts.get('team-a', 'default'), 'the default service account in team-a');
    assert.equal(sa.metadata.name, 'default');
    const root = await appears(() => configMaps.get('team-a', ROOT_CA), 'kube-root-ca.crt in team-a');
    assert.deepEqual(root.data, { 'ca.crt': cp.ca });
    assert.equal(root.metadata.annotations?.['kubernetes.io/description'], DESCRIPTION);
    // The namespaces the apiserver creates at start have them too.
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      await appears(() => serviceAccounts.get(ns, 'default'), `the default service account in ${ns}`);
      await appears(() => configMaps.get(ns, ROOT_CA), `kube-root-ca.crt in ${ns}`);
    }
  });

  test('deleted, they come back; a changed ConfigMap is put back', async () => {
    await namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } });
    const sa = await appears(() => serviceAccounts.get('team-b', 'default'), 'the default service account in team-b');
    const root = await appears(() => configMaps.get('team-b', ROOT_CA), 'kube-root-ca.crt in team-b');

    await serviceAccounts.delete('team-b', 'default');
    await configMaps.delete('team-b', ROOT_CA);
    await appears(() => serviceAccounts.get('team-b', 'default'), 'default to be recreated', sa.metadata.uid);
    const recreated = await appears(() => configMaps.get('team-b', ROOT_CA), 'kube-root-ca.crt to be recreated', root.metadata.uid);
    assert.deepEqual(recreated.data, { 'ca.crt': cp.ca });

    const tampered = await configMaps.update('team-b', { ...recreated, data: { 'ca.crt': 'not the CA', extra: 'x' } });
    await waitFor(async () => {
      const now = await configMaps.get('team-b', ROOT_CA);
      return now.metadata.resourceVersion !== tampered.metadata.resourceVersion && now.data?.['ca.crt'] === cp.ca;
    }, { timeoutMs: TIMEOUT_MS, what: 'kube-root-ca.crt to be restored' });
    assert.deepEqual((await configMaps.get('team-b', ROOT_CA)).data, { 'ca.crt': cp.ca });
  });

  test('a terminating namespace does not get default back', async () => {
    // With no namespace controller running, a deleted namespace stays Terminating.
    await namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    await namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'witness' } });
    await appears(() => serviceAccounts.get('doomed', 'default'), 'the default service account in doomed');
    const witness = await appears(() => serviceAccounts.get('witness', 'default'), 'the default service account in witness');
    await namespaces.delete('', 'doomed');
    assert.equal((await namespaces.get('', 'doomed')).status?.phase, 'Terminating');
    await serviceAccounts.delete('doomed', 'default');
    // One worker takes namespaces in the order their accounts went: once witness has its
    // account back, doomed has been looked at.
    await serviceAccounts.delete('witness', 'default');
    await appears(() => serviceAccounts.get('witness', 'default'), 'default to be recreated in witness', witness.metadata.uid);
    await assert.rejects(serviceAccounts.get('doomed', 'default'), (err: unknown) => isNotFound(err));
  });
});

describe('ClusterRole aggregation', () => {
  const LABEL = 'tskube.test/aggregate-to-monitoring';
  const podsRule: PolicyRule = { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] };
  const nodesRule: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['nodes'] };

  test('an aggregated role gets the rules of a role labelled to match, and loses them when the label goes', async () => {
    await clusterRoles.create('', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'monitoring' },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [LABEL]: 'true' } }] },
    } as ClusterRole);
    await clusterRoles.create('', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'monitoring-nodes' }, rules: [nodesRule],
    } as ClusterRole);
    await clusterRoles.create('', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'monitoring-pods', labels: { [LABEL]: 'true' } }, rules: [podsRule],
    } as ClusterRole);

    const rulesOf = async (): Promise<PolicyRule[]> => (await clusterRoles.get('', 'monitoring')).rules ?? [];
    await waitFor(async () => (await rulesOf()).length === 1, { timeoutMs: TIMEOUT_MS, what: 'monitoring to aggregate monitoring-pods' });
    assert.deepEqual(await rulesOf(), [podsRule]);

    // A second role labelled later joins, in name order.
    const nodes = await clusterRoles.get('', 'monitoring-nodes');
    await clusterRoles.update('', { ...nodes, metadata: { ...nodes.metadata, labels: { [LABEL]: 'true' } } });
    await waitFor(async () => (await rulesOf()).length === 2, { timeoutMs: TIMEOUT_MS, what: 'monitoring to aggregate monitoring-nodes' });
    assert.deepEqual(await rulesOf(), [nodesRule, podsRule]);

    // Labels removed: their rules leave.
    const current = await clusterRoles.get('', 'monitoring-pods');
    await clusterRoles.update('', { ...current, metadata: { ...current.metadata, labels: {} } });
    await waitFor(async () => (await rulesOf()).length === 1, { timeoutMs: TIMEOUT_MS, what: 'monitoring to drop monitoring-pods\' rules' });
    assert.deepEqual(await rulesOf(), [nodesRule]);
    await clusterRoles.delete('', 'monitoring-nodes');
    await waitFor(async () => (await rulesOf()).length === 0, { timeoutMs: TIMEOUT_MS, what: 'monitoring to drop monitoring-nodes\' rules' });
  });
});

describe('bootstrap token cleaner', () => {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const tokenSecret = (id: string, expiresAt: number): Secret => ({
    apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token', metadata: { name: `bootstrap-token-${id}` },
    data: {
      'token-id': b64(id), 'token-secret': b64('0123456789abcdef'), expiration: b64(rfc3339(expiresAt)),
      'usage-bootstrap-authentication': b64('true'),
    },
  });

  test('an expired token is deleted, one expiring soon is deleted once it expires, an unexpired one is kept', async () => {
    const now = Date.now();
    await secrets.create('kube-system', tokenSecret('keep00', now + 3600_000));
    // Whole seconds (expirations are RFC 3339 seconds), at least 4 s ahead.
    const soonAt = Math.ceil((now + 4000) / 1000) * 1000;
    await secrets.create('kube-system', tokenSecret('soon00', soonAt));
    await secrets.create('kube-system', tokenSecret('expird', now - 3600_000));
    // An expired bootstrap-typed Secret elsewhere is not a bootstrap token.
    await secrets.create('default', tokenSecret('elsewh', now - 3600_000));

    await waitFor(gone(() => secrets.get('kube-system', 'bootstrap-token-expird')), { timeoutMs: TIMEOUT_MS, what: 'the expired token to be deleted' });
    assert.ok(Date.now() < soonAt, 'soon00 has not expired yet (the machine is too slow for this check otherwise)');
    await secrets.get('kube-system', 'bootstrap-token-soon00');

    await waitFor(gone(() => secrets.get('kube-system', 'bootstrap-token-soon00')), { timeoutMs: TIMEOUT_MS, intervalMs: 20, what: 'the token expiring soon to be deleted' });
    const late = Date.now() - soonAt;
    assert.ok(late >= 0, 'deleted no earlier than its expiration');
    assert.ok(late < 5000, `deleted when it expired, not at a later resync (${late} ms late)`);
    await secrets.get('kube-system', 'bootstrap-token-keep00');
    await secrets.get('default', 'bootstrap-token-elsewh');
  });
});
