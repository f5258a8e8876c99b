// apps/v1 DaemonSets, StatefulSets and ControllerRevisions as API kinds, against the real
// apiserver: defaults, validation with Kubernetes' messages, the StatefulSet update
// rules, the statefulsets/scale subresource, and the real kubectl's create, get, scale
// and explain.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { kubectl as runKubectl, kubectlFails as runKubectlFails } from '../harness/kubectl.js';

let cp: ControlPlane;
const kubectl = (...args: string[]): Promise<string> => runKubectl(cp, ...args);
const kubectlFails = (...args: string[]): Promise<string> => runKubectlFails(cp, ...args);

const APPS = '/apis/apps/v1/namespaces/default';
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

before(async () => { cp = await startControlPlane(); });
after(async () => { await cp?.stop(); });

const template = (labels: Record<string, string> = { app: 'agent' }): Json => ({
  metadata: { labels },
  spec: { containers: [{ name: 'agent', image: 'tskube.local/busybox:1.35', command: ['sleep', '3600'] }] },
});
const daemonSet = (name: string, spec: Json = {}): Json => ({
  apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name },
  spec: { selector: { matchLabels: { app: 'agent' } }, template: template(), ...spec },
});
const statefulSet = (name: string, spec: Json = {}): Json => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name },
  spec: { serviceName: name, selector: { matchLabels: { app: 'db' } }, template: template({ app: 'db' }), ...spec },
});

test('a DaemonSet gets Kubernetes defaults, a zero status and templateGeneration 1; a template change bumps generation and templateGeneration', async () => {
  const r = await http(cp.url, 'POST', `${APPS}/daemonsets`, daemonSet('agent', { status: { numberReady: 5 } }));
  assert.equal(r.status, 201, r.text);
  const ds = r.json;
  assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(ds.spec.revisionHistoryLimit, 10);
  assert.equal(ds.spec.template.spec.restartPolicy, 'Always');
  assert.equal(ds.spec.template.spec.dnsPolicy, 'ClusterFirst');
  assert.deepEqual(ds.status, { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
  assert.equal(ds.metadata.generation, 1);
  assert.equal(ds.metadata.annotations['deprecated.daemonset.template.generation'], '1');

  const onDelete = await http(cp.url, 'POST', `${APPS}/daemonsets`, daemonSet('ondelete', { updateStrategy: { type: 'OnDelete' } }));
  assert.deepEqual(onDelete.json.spec.updateStrategy, { type: 'OnDelete' });

  const changed = structuredClone(ds);
  changed.spec.template.spec.containers[0].image = 'tskube.local/busybox:1.36';
  changed.metadata.annotations['deprecated.daemonset.template.generation'] = '7';
  const u = await http(cp.url, 'PUT', `${APPS}/daemonsets/agent`, changed);
  assert.equal(u.status, 200, u.text);
  assert.equal(u.json.metadata.generation, 2);
  assert.equal(u.json.metadata.annotations['deprecated.daemonset.template.generation'], '2', 'the server owns templateGeneration');
  const labelOnly = structuredClone(u.json);
  labelOnly.metadata.labels = { team: 'infra' };
  const l = await http(cp.url, 'PUT', `${APPS}/daemonsets/agent`, labelOnly);
  assert.equal(l.json.metadata.generation, 2);
  assert.equal(l.json.metadata.annotations['deprecated.daemonset.template.generation'], '2');

  // The status subresource changes status only.
  const st = structuredClone(l.json);
  st.status = { currentNumberScheduled: 2, numberMisscheduled: 0, desiredNumberScheduled: 2, numberReady: 1, observedGeneration: 2 };
  st.spec.minReadySeconds = 30;
  const s = await http(cp.url, 'PUT', `${APPS}/daemonsets/agent/status`, st);
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.status.numberReady, 1);
  assert.equal(s.json.spec.minReadySeconds, undefined);
  const neg = await http(cp.url, 'PUT', `${APPS}/daemonsets/agent/status`, { ...s.json, status: { ...s.json.status, numberReady: -1 } });
  assert.equal(neg.status, 422);
  assert.equal(neg.json.message, 'DaemonSet.apps "agent" is invalid: status.numberReady: Invalid value: -1: must be greater than or equal to 0');
});

test('DaemonSet validation answers 422 with Kubernetes\' messages', async () => {
  const invalid = async (body: Json): Promise<string> => {
    const r = await http(cp.url, 'POST', `${APPS}/daemonsets`, body);
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.reason, 'Invalid');
    return r.json.message;
  };
  assert.equal(await invalid(daemonSet('both', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: '10%' } } })),
    'DaemonSet.apps "both" is invalid: spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 10%: may not be set when maxUnavailable is non-zero');
  assert.equal(await invalid(daemonSet('neither', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } })),
    'DaemonSet.apps "neither" is invalid: spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0');
  assert.equal(await invalid(daemonSet('over', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150%' } } })),
    'DaemonSet.apps "over" is invalid: spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 150%: must not be greater than 100%');
  assert.equal(await invalid(daemonSet('odd', { updateStrategy: { type: 'Sometimes' } })),
    'DaemonSet.apps "odd" is invalid: spec.updateStrategy: Unsupported value: apps.DaemonSetUpdateStrategy{Type:"Sometimes", RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}: supported values: "RollingUpdate", "OnDelete"');
  assert.equal(await invalid(daemonSet('mismatch', { selector: { matchLabels: { app: 'other' } } })),
    'DaemonSet.apps "mismatch" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"agent"}: `selector` does not match template `labels`');
  const onFailure = daemonSet('onfailure');
  onFailure.spec.template.spec.restartPolicy = 'OnFailure';
  assert.equal(await invalid(onFailure),
    'DaemonSet.apps "onfailure" is invalid: spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"');
  const deadline = daemonSet('deadline');
  deadline.spec.template.spec.activeDeadlineSeconds = 10;
  assert.match(await invalid(deadline), /spec\.template\.spec\.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported/);
  const noImage = daemonSet('noimage');
  delete noImage.spec.template.spec.containers[0].image;
  assert.match(await invalid(noImage), /spec\.template\.spec\.containers\[0\]\.image: Required value/);

  // apps/v1 forbids changing the selector.
  await http(cp.url, 'POST', `${APPS}/daemonsets`, daemonSet('fixed'));
  const cur = (await http(cp.url, 'GET', `${APPS}/daemonsets/fixed`)).json;
  cur.spec.selector = { matchLabels: { app: 'agent', tier: 'x' } };
  cur.spec.template.metadata.labels.tier = 'x';
  const u = await http(cp.url, 'PUT', `${APPS}/daemonsets/fixed`, cur);
  assert.equal(u.status, 422);
  assert.match(u.json.message, /spec\.selector: Invalid value: v1\.LabelSelector\{MatchLabels:map\[string\]string\{"app":"agent", "tier":"x"\}, MatchExpressions:\[\]v1\.LabelSelectorRequirement\(nil\)\}: field is immutable/);
});

test('a StatefulSet gets Kubernetes defaults, its claim templates too', async () => {
  const r = await http(cp.url, 'POST', `${APPS}/statefulsets`, statefulSet('db', {
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
  }));
  assert.equal(r.status, 201, r.text);
  const sts = r.json;
  assert.equal(sts.spec.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(sts.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.equal(sts.spec.replicas, 1);
  assert.equal(sts.spec.revisionHistoryLimit, 10);
  assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(sts.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
  assert.deepEqual(sts.spec.volumeClaimTemplates[0].status, { phase: 'Pending' });
  assert.deepEqual(sts.status, { replicas: 0, availableReplicas: 0 });
  // OnDelete gets no rollingUpdate.
  const od = await http(cp.url, 'POST', `${APPS}/statefulsets`, statefulSet('ondelete', { updateStrategy: { type: 'OnDelete' } }));
  assert.deepEqual(od.json.spec.updateStrategy, { type: 'OnDelete' });
});

test('StatefulSet validation: DNS label names, policies, selectors, with Kubernetes\' messages', async () => {
  const invalid = async (body: Json): Promise<string> => {
    const r = await http(cp.url, 'POST', `${APPS}/statefulsets`, body);
    assert.equal(r.status, 422, r.text);
    return r.json.message;
  };
  assert.equal(await invalid(statefulSet('db.primary')), 'StatefulSet.apps "db.primary" is invalid: metadata.name: Invalid value: "db.primary": must not contain dots');
  assert.equal(await invalid(statefulSet('policy', { podManagementPolicy: 'Random' })),
    'StatefulSet.apps "policy" is invalid: spec.podManagementPolicy: Invalid value: "Random": must be \'OrderedReady\' or \'Parallel\'');
  assert.equal(await invalid(statefulSet('empty', { selector: {} })),
    'StatefulSet.apps "empty" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset');
  assert.equal(await invalid(statefulSet('partition', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1 } } })),
    'StatefulSet.apps "partition" is invalid: spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0');
  assert.equal(await invalid(statefulSet('retain', { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep' } })),
    'StatefulSet.apps "retain" is invalid: spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"');
  assert.equal(await invalid(statefulSet('ordinals', { ordinals: { start: -2 } })),
    'StatefulSet.apps "ordinals" is invalid: spec.ordinals.start: Invalid value: -2: must be greater than or equal to 0');
  assert.equal(await invalid(statefulSet('mismatch', { selector: { matchLabels: { app: 'web' } } })),
    'StatefulSet.apps "mismatch" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"db"}: `selector` does not match template `labels`');
  assert.match(await invalid(statefulSet('ondel', { updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 1 } } })),
    /spec\.updateStrategy\.rollingUpdate: Invalid value: apps\.RollingUpdateStatefulSetStrategy\{Partition:1, MaxUnavailable:\(\*intstr\.IntOrString\)\(nil\)\}: only allowed for updateStrategy 'RollingUpdate'/);
});

test('StatefulSet updates: replicas, template, updateStrategy, minReadySeconds may change; the rest is forbidden', async () => {
  await http(cp.url, 'POST', `${APPS}/statefulsets`, statefulSet('fixed'));
  const cur = (await http(cp.url, 'GET', `${APPS}/statefulsets/fixed`)).json;
  const allowed = structuredClone(cur);
  allowed.spec.replicas = 3;
  allowed.spec.minReadySeconds = 5;
  allowed.spec.template.spec.containers[0].image = 'tskube.local/busybox:1.36';
  allowed.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 2 } };
  allowed.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Delete', whenScaled: 'Delete' };
  const ok = await http(cp.url, 'PUT', `${APPS}/statefulsets/fixed`, allowed);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.metadata.generation, 2);
  const forbidden = structuredClone(ok.json);
  forbidden.spec.serviceName = 'other';
  const r = await http(cp.url, 'PUT', `${APPS}/statefulsets/fixed`, forbidden);
  assert.equal(r.status, 422);
  assert.equal(r.json.message, 'StatefulSet.apps "fixed" is invalid: spec: Forbidden: updates to statefulset spec for fields other than \'replicas\', \'ordinals\', \'template\', \'updateStrategy\', \'persistentVolumeClaimRetentionPolicy\' and \'minReadySeconds\' are forbidden');
  assert.deepEqual(r.json.details.causes, [{ reason: 'FieldValueForbidden', field: 'spec', message: 'Forbidden: updates to statefulset spec for fields other than \'replicas\', \'ordinals\', \'template\', \'updateStrategy\', \'persistentVolumeClaimRetentionPolicy\' and \'minReadySeconds\' are forbidden' }]);
  const claims = structuredClone(ok.json);
  claims.spec.volumeClaimTemplates = [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }];
  assert.equal((await http(cp.url, 'PUT', `${APPS}/statefulsets/fixed`, claims)).status, 422);
  // The real kubectl sees the same refusal.
  const err = await kubectlFails('patch', 'statefulset', 'fixed', '-p', '{"spec":{"podManagementPolicy":"Parallel"}}');
  assert.match(err, /The StatefulSet "fixed" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden/);
});

test('statefulsets/scale: GET, PUT and kubectl scale', async () => {
  await http(cp.url, 'POST', `${APPS}/statefulsets`, statefulSet('scaled', { replicas: 2 }));
  const g = await http(cp.url, 'GET', `${APPS}/statefulsets/scaled/scale`);
  assert.equal(g.status, 200);
  assert.deepEqual([g.json.kind, g.json.apiVersion, g.json.spec, g.json.status], ['Scale', 'autoscaling/v1', { replicas: 2 }, { replicas: 0, selector: 'app=db' }]);
  const p = await http(cp.url, 'PUT', `${APPS}/statefulsets/scaled/scale`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'scaled' }, spec: { replicas: 3 } });
  assert.equal(p.status, 200, p.text);
  assert.equal((await http(cp.url, 'GET', `${APPS}/statefulsets/scaled`)).json.spec.replicas, 3);
  assert.match(await kubectl('scale', 'statefulset', 'scaled', '--replicas=5'), /statefulset.apps\/scaled scaled/);
  assert.equal((await http(cp.url, 'GET', `${APPS}/statefulsets/scaled`)).json.spec.replicas, 5);
  const neg = await http(cp.url, 'PUT', `${APPS}/statefulsets/scaled/scale`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'scaled' }, spec: { replicas: -1 } });
  assert.equal(neg.status, 422);
});

test('ControllerRevisions: data is mandatory and immutable', async () => {
  const CR = `${APPS}/controllerrevisions`;
  const missing = await http(cp.url, 'POST', CR, { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'nodata' }, revision: 1 });
  assert.equal(missing.status, 422);
  assert.equal(missing.json.message, 'ControllerRevision.apps "nodata" is invalid: data: Required value: data is mandatory');
  const neg = await http(cp.url, 'POST', CR, { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'neg' }, data: {}, revision: -1 });
  assert.equal(neg.json.message, 'ControllerRevision.apps "neg" is invalid: revision: Invalid value: -1: must be greater than or equal to 0');
  const ok = await http(cp.url, 'POST', CR, { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'rev-1' }, data: { spec: { template: { metadata: { labels: { a: 'b' } } } } }, revision: 1 });
  assert.equal(ok.status, 201, ok.text);
  const changed = structuredClone(ok.json);
  changed.data.spec.template.metadata.labels.a = 'c';
  const u = await http(cp.url, 'PUT', `${CR}/rev-1`, changed);
  assert.equal(u.status, 422);
  assert.match(u.json.message, /data: Invalid value: .*: field is immutable/);
  const bumped = structuredClone(ok.json);
  bumped.revision = 4;
  assert.equal((await http(cp.url, 'PUT', `${CR}/rev-1`, bumped)).status, 200);
});

test('the real kubectl: create -f, get with Kubernetes\' columns, get all, explain', async () => {
  const file = join(cp.dir, 'apps.yaml');
  await writeFile(file, `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: logs
spec:
  selector:
    matchLabels:
      app: logs
  template:
    metadata:
      labels:
        app: logs
    spec:
      nodeSelector:
        disk: ssd
      containers:
      - name: logs
        image: tskube.local/busybox:1.35
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: cache
spec:
  serviceName: cache
  replicas: 3
  selector:
    matchLabels:
      app: cache
  template:
    metadata:
      labels:
        app: cache
    spec:
      containers:
      - name: cache
        image: tskube.local/busybox:1.35
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 1Gi
`);
  const created = await kubectl('create', '-f', file);
  assert.match(created, /daemonset\.apps\/logs created/);
  assert.match(created, /statefulset\.apps\/cache created/);

  const ds = (await kubectl('get', 'ds', 'logs')).trim().split('\n');
  assert.deepEqual(ds[0].split(/\s{2,}/), ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE']);
  assert.deepEqual(ds[1].split(/\s+/).slice(0, 7), ['logs', '0', '0', '0', '0', '0', 'disk=ssd']);
  const dsWide = (await kubectl('get', 'daemonset', 'logs', '-o', 'wide')).trim().split('\n');
  assert.deepEqual(dsWide[0].split(/\s{2,}/), ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
  assert.deepEqual(dsWide[1].split(/\s+/).slice(-3), ['logs', 'tskube.local/busybox:1.35', 'app=logs']);

  const sts = (await kubectl('get', 'sts', 'cache')).trim().split('\n');
  assert.deepEqual(sts[0].split(/\s+/), ['NAME', 'READY', 'AGE']);
  assert.deepEqual(sts[1].split(/\s+/).slice(0, 2), ['cache', '0/3']);
  const stsWide = (await kubectl('get', 'statefulset', 'cache', '-o', 'wide')).trim().split('\n');
  assert.deepEqual(stsWide[0].split(/\s+/), ['NAME', 'READY', 'AGE', 'CONTAINERS', 'IMAGES']);

  await http(cp.url, 'POST', `${APPS}/controllerrevisions`, {
    apiVersion: 'apps/v1', kind: 'ControllerRevision',
    metadata: { name: 'logs-5d4f', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'logs', uid: 'u-1', controller: true }] },
    data: { spec: { template: {} } }, revision: 2,
  });
  const crs = (await kubectl('get', 'controllerrevisions', 'logs-5d4f')).trim().split('\n');
  assert.deepEqual(crs[0].split(/\s+/), ['NAME', 'CONTROLLER', 'REVISION', 'AGE']);
  assert.deepEqual(crs[1].split(/\s+/).slice(0, 3), ['logs-5d4f', 'daemonset.apps/logs', '2']);

  // Strategic merge patches merge the template's containers by name.
  assert.match(await kubectl('set', 'image', 'daemonset/logs', 'logs=tskube.local/busybox:1.36'), /daemonset\.apps\/logs image updated/);
  const patched = (await http(cp.url, 'GET', `${APPS}/daemonsets/logs`)).json;
  assert.deepEqual(patched.spec.template.spec.containers.map((c: Json) => c.image), ['tskube.local/busybox:1.36']);
  assert.equal(patched.metadata.annotations['deprecated.daemonset.template.generation'], '2');

  const all = await kubectl('get', 'all');
  assert.match(all, /daemonset\.apps\/logs/);
  assert.match(all, /statefulset\.apps\/cache/);
  assert.doesNotMatch(all, /controllerrevision/);

  const explainDs = await kubectl('explain', 'daemonset.spec.updateStrategy');
  assert.match(explainDs, /KIND:\s+DaemonSet/);
  assert.match(explainDs, /rollingUpdate\s+<RollingUpdateDaemonSet>/);
  const explainSts = await kubectl('explain', 'sts.spec');
  assert.match(explainSts, /volumeClaimTemplates\s+<\[\]PersistentVolumeClaim>/);
  assert.match(explainSts, /podManagementPolicy\s+<string>/);
  const explainCr = await kubectl('explain', 'controllerrevisions');
  assert.match(explainCr, /revision\s+<integer> -required-/);

  assert.match(await kubectl('delete', 'ds', 'logs'), /daemonset\.apps "logs" deleted/);
  assert.match(await kubectl('delete', 'sts', 'cache'), /statefulset\.apps "cache" deleted/);
});
