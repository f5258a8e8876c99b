// CustomResourceDefinitions served live: the real kubectl creates a CRD with two
// versions (one stored), printer columns, status and scale subresources, short names
// and a category; its resource is served within a second, listed in discovery and
// OpenAPI, and its objects behave as Kubernetes' do (versions, watch, subresources,
// field selectors, cleanup on CRD deletion, name conflicts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { spawn } from 'node:child_process';
import { kubectl as runKubectl, kubectlEnv, kubectlFails as runKubectlFails } from '../harness/kubectl.js';
import { waitFor } from '../harness/processes.js';
import { openWatch } from '../harness/watch-reader.js';

let cp: ControlPlane;
let cacheDir: string;

// A cache directory of this file's own, so what kubectl discovered before a CRD existed is not reused.
const kubectl = (...args: string[]): Promise<string> => runKubectl(cp, '--cache-dir', cacheDir, ...args);
const kubectlFails = (...args: string[]): Promise<string> => runKubectlFails(cp, '--cache-dir', cacheDir, ...args);
const api = (method: string, path: string, body?: unknown, contentType?: string) => http(cp.url, method, path, body, contentType);

before(async () => {
  cp = await startControlPlane();
  cacheDir = await mkdtemp(join(cp.dir, 'kubecache-'));
});
after(async () => { await cp?.stop(); });

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: crontabs
    kind: CronTab
    shortNames: [ct]
    categories: [all]
  versions:
  - name: v1beta1
    served: true
    storage: false
    deprecated: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        description: A CronTab runs an image on a schedule.
        properties:
          spec:
            type: object
            description: What to run and when.
            x-kubernetes-validations:
            - rule: "!has(self.replicas) || self.replicas <= 10"
              message: at most 10 replicas
            properties:
              cronSpec:
                type: string
                description: The schedule, in cron format.
              image:
                type: string
                default: busybox
              replicas:
                type: integer
                minimum: 0
              color:
                type: string
                enum: [red, green, blue]
          status:
            type: object
            properties:
              replicas:
                type: integer
              labelSelector:
                type: string
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
        labelSelectorPath: .status.labelSelector
    additionalPrinterColumns:
    - name: Spec
      type: string
      jsonPath: .spec.cronSpec
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    selectableFields:
    - jsonPath: .spec.color
`;

const CRONTABS = '/apis/stable.example.com/v1/namespaces/default/crontabs';

test('kubectl creates a CRD; it is Established and served within a second', async () => {
  const file = join(cp.dir, 'crd.yaml');
  await writeFile(file, CRD);
  assert.match(await kubectl('apply', '-f', file), /customresourcedefinition.apiextensions.k8s.io\/crontabs.stable.example.com created/);
  // kubectl returns once the CRD is written; from then on the resource is served within a second.
  const written = Date.now();
  await waitFor(async () => (await api('GET', CRONTABS)).status === 200, { timeoutMs: 5000, what: 'crontabs served' });
  assert.ok(Date.now() - written < 1000, `served ${Date.now() - written} ms after the CRD was written`);
  const crd = (await api('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com')).json;
  assert.deepEqual(crd.status.acceptedNames, { plural: 'crontabs', singular: 'crontab', shortNames: ['ct'], kind: 'CronTab', listKind: 'CronTabList', categories: ['all'] });
  assert.deepEqual(crd.status.storedVersions, ['v1']);
  const conds = Object.fromEntries(crd.status.conditions.map((c: { type: string }) => [c.type, c]));
  assert.equal(conds.NamesAccepted.status, 'True');
  assert.equal(conds.NamesAccepted.reason, 'NoConflicts');
  assert.equal(conds.Established.status, 'True');
  assert.equal(conds.Established.reason, 'InitialNamesAccepted');
  // Defaults as Kubernetes sets them.
  assert.equal(crd.spec.names.singular, 'crontab');
  assert.equal(crd.spec.names.listKind, 'CronTabList');
  assert.deepEqual(crd.spec.conversion, { strategy: 'None' });
  assert.match(await kubectl('wait', '--for=condition=established', '--timeout=5s', 'crd/crontabs.stable.example.com'), /condition met/);
  // The CRD's own table: NAME and CREATED AT.
  assert.match(await kubectl('get', 'crd'), /^NAME\s+CREATED AT\ncrontabs\.stable\.example\.com\s+\d{4}-/);
});

test('discovery lists the group, both versions (v1 preferred) and the subresources', async () => {
  const groups = (await api('GET', '/apis')).json;
  const g = groups.groups.find((x: { name: string }) => x.name === 'stable.example.com');
  assert.deepEqual(g.versions.map((v: { version: string }) => v.version), ['v1', 'v1beta1']);
  assert.equal(g.preferredVersion.version, 'v1');
  const list = (await api('GET', '/apis/stable.example.com/v1')).json;
  const byName = Object.fromEntries(list.resources.map((r: { name: string }) => [r.name, r]));
  assert.deepEqual(byName.crontabs.shortNames, ['ct']);
  assert.deepEqual(byName.crontabs.categories, ['all']);
  assert.equal(byName.crontabs.kind, 'CronTab');
  assert.equal(byName.crontabs.namespaced, true);
  assert.equal(byName['crontabs/status'].kind, 'CronTab');
  assert.equal(byName['crontabs/scale'].kind, 'Scale');
  assert.equal(byName['crontabs/scale'].group, 'autoscaling');
  assert.equal((await api('GET', '/apis/stable.example.com/v1beta1')).status, 200);
});

test('objects applied with kubectl are listed with the printer columns, by short name and in category all', async () => {
  const file = join(cp.dir, 'ct.yaml');
  await writeFile(file, `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: nightly
spec:
  cronSpec: "0 3 * * *"
  image: busybox
  replicas: 2
  color: blue
`);
  assert.match(await kubectl('apply', '-f', file), /crontab.stable.example.com\/nightly created/);
  const out = await kubectl('get', 'crontabs');
  assert.match(out, /^NAME\s+SPEC\s+REPLICAS\s+AGE\nnightly\s+0 3 \* \* \*\s+2\s+\d+s\n$/);
  assert.match(await kubectl('get', 'ct', 'nightly'), /nightly/);
  assert.match(await kubectl('get', 'all'), /crontab\.stable\.example\.com\/nightly/);
  // Applied again with a change: a merge patch (kubectl has no patch strategy for custom kinds).
  await writeFile(file, `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: nightly
spec:
  cronSpec: "0 4 * * *"
  image: busybox
  replicas: 2
  color: blue
`);
  assert.match(await kubectl('apply', '-f', file), /crontab.stable.example.com\/nightly configured/);
  assert.equal(await kubectl('get', 'crontab', 'nightly', '-o', 'jsonpath={.spec.cronSpec}'), '0 4 * * *');
  // Wide and -o yaml work too.
  assert.match(await kubectl('get', 'crontab', 'nightly', '-o', 'yaml'), /apiVersion: stable.example.com\/v1\nkind: CronTab/);
});

test('objects are validated against the schema, defaulted and pruned', async () => {
  const file = join(cp.dir, 'bad-ct.yaml');
  await writeFile(file, `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: purple
spec:
  color: purple
  replicas: -1
`);
  const err = await kubectlFails('apply', '-f', file);
  assert.match(err, /The CronTab "purple" is invalid/);
  assert.match(err, /spec.color: Unsupported value: "purple": supported values: "red", "green", "blue"/);
  assert.match(err, /spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0/);
  const cel = await api('POST', CRONTABS, { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'many' }, spec: { replicas: 11 } });
  assert.equal(cel.status, 422, cel.text);
  assert.match(cel.json.message, /spec: Invalid value: "object": at most 10 replicas/);
  // Unknown fields: pruned with a warning, refused with fieldValidation=Strict.
  const body = { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'pruned' }, spec: { cronSpec: '1 * * * *', extra: 1 }, top: true };
  const strict = await api('POST', `${CRONTABS}?fieldValidation=Strict`, body);
  assert.equal(strict.status, 400, strict.text);
  assert.match(strict.json.message, /strict decoding error: unknown field "spec.extra", unknown field "top"/);
  const warned = await api('POST', CRONTABS, body);
  assert.equal(warned.status, 201, warned.text);
  assert.equal(String(warned.headers.warning), '299 - "unknown field \\"spec.extra\\"",299 - "unknown field \\"top\\""');
  assert.equal(warned.json.spec.extra, undefined);
  assert.equal(warned.json.top, undefined);
  assert.equal(warned.json.spec.image, 'busybox', 'the schema default is filled');
  assert.equal((await api('DELETE', `${CRONTABS}/pruned`)).status, 200);
});

test('an object is served in both versions and stored in the storage version', async () => {
  const created = await api('POST', '/apis/stable.example.com/v1beta1/namespaces/default/crontabs', {
    apiVersion: 'stable.example.com/v1beta1', kind: 'CronTab', metadata: { name: 'old' }, spec: { cronSpec: '* * * * *', replicas: 1 },
  });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json.apiVersion, 'stable.example.com/v1beta1');
  const v1 = (await api('GET', `${CRONTABS}/old`)).json;
  assert.equal(v1.apiVersion, 'stable.example.com/v1');
  assert.equal(v1.spec.cronSpec, '* * * * *');
  const betaRes = await api('GET', '/apis/stable.example.com/v1beta1/namespaces/default/crontabs/nightly');
  const beta = betaRes.json;
  assert.equal(beta.apiVersion, 'stable.example.com/v1beta1');
  // A deprecated version warns, naming the preferred one.
  assert.equal(betaRes.headers.warning, '299 - "stable.example.com/v1beta1 CronTab is deprecated; use stable.example.com/v1 CronTab"');
  const list = (await api('GET', '/apis/stable.example.com/v1beta1/namespaces/default/crontabs')).json;
  assert.equal(list.kind, 'CronTabList');
  assert.equal(list.apiVersion, 'stable.example.com/v1beta1');
  assert.ok(list.items.every((i: { apiVersion: string }) => i.apiVersion === 'stable.example.com/v1beta1'));
  // A body of the other version on this version's path is refused.
  const wrong = await api('POST', CRONTABS, { apiVersion: 'stable.example.com/v1beta1', kind: 'CronTab', metadata: { name: 'x' } });
  assert.equal(wrong.status, 400);
  assert.equal((await api('DELETE', `${CRONTABS}/old`)).status, 200);
});

test('watch sees added, modified and deleted custom objects', async () => {
  const w = await openWatch(cp.url, `${CRONTABS}?watch=true&resourceVersion=${(await api('GET', CRONTABS)).json.metadata.resourceVersion}`);
  try {
    assert.equal(w.status, 200);
    await api('POST', CRONTABS, { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'watched' }, spec: { replicas: 1 } });
    await api('PATCH', `${CRONTABS}/watched`, { spec: { replicas: 2 } }, 'application/merge-patch+json');
    await api('DELETE', `${CRONTABS}/watched`);
    const events = await w.waitForCount(3);
    assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
    assert.equal(events[1].object.spec.replicas, 2);
    assert.equal(events[0].object.apiVersion, 'stable.example.com/v1');
  } finally {
    w.close();
  }
});

test('kubectl get -w prints custom objects as they come, with the printer columns', async () => {
  const child = spawn('kubectl', ['--cache-dir', cacheDir, 'get', 'crontabs', '-w'], { env: kubectlEnv(cp) });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  try {
    await waitFor(() => /^NAME\s+SPEC\s+REPLICAS\s+AGE/m.test(out), { timeoutMs: 10_000, what: 'the watch header' });
    await api('POST', CRONTABS, { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'kwatched' }, spec: { cronSpec: '5 * * * *', replicas: 6 } });
    await waitFor(() => /^kwatched\s+5 \* \* \* \*\s+6\s+\d+s$/m.test(out), { timeoutMs: 10_000, what: `the new object in kubectl's watch (have ${JSON.stringify(out)})` });
  } finally {
    child.kill();
    await api('DELETE', `${CRONTABS}/kwatched`);
  }
});

test('status subresource: the main resource ignores status, /status ignores the rest; generation counts spec changes', async () => {
  const created = (await api('POST', CRONTABS, {
    apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'st' }, spec: { replicas: 1 }, status: { replicas: 9 },
  })).json;
  assert.equal(created.status, undefined, 'status is dropped on create');
  assert.equal(created.metadata.generation, 1);
  const upd = (await api('PUT', `${CRONTABS}/st`, { ...created, spec: { replicas: 3 }, status: { replicas: 7 } })).json;
  assert.equal(upd.spec.replicas, 3);
  assert.equal(upd.status, undefined);
  assert.equal(upd.metadata.generation, 2);
  const st = await api('PUT', `${CRONTABS}/st/status`, { ...upd, spec: { replicas: 100 }, status: { replicas: 3, labelSelector: 'app=st' } });
  assert.equal(st.status, 200, st.text);
  assert.equal(st.json.spec.replicas, 3, 'spec is not changed through /status');
  assert.deepEqual(st.json.status, { replicas: 3, labelSelector: 'app=st' });
  assert.equal(st.json.metadata.generation, 2, 'a status write does not bump generation');
  const labels = (await api('PATCH', `${CRONTABS}/st`, { metadata: { labels: { a: 'b' } } }, 'application/merge-patch+json')).json;
  assert.equal(labels.metadata.generation, 2, 'a metadata change does not bump generation');
  assert.equal((await api('GET', `${CRONTABS}/st/status`)).json.status.replicas, 3);
});

test('scale subresource: Scale from the replica paths and the label selector path; kubectl scale', async () => {
  const scale = await api('GET', `${CRONTABS}/st/scale`);
  assert.equal(scale.status, 200, scale.text);
  assert.equal(scale.json.kind, 'Scale');
  assert.equal(scale.json.apiVersion, 'autoscaling/v1');
  assert.deepEqual(scale.json.spec, { replicas: 3 });
  assert.deepEqual(scale.json.status, { replicas: 3, selector: 'app=st' });
  const patched = await api('PATCH', `${CRONTABS}/st/scale`, { spec: { replicas: 5 } }, 'application/merge-patch+json');
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.json.spec.replicas, 5);
  assert.equal((await api('GET', `${CRONTABS}/st`)).json.spec.replicas, 5);
  assert.match(await kubectl('scale', 'crontab/st', '--replicas=4'), /crontab.stable.example.com\/st scaled/);
  const after = (await api('GET', `${CRONTABS}/st`)).json;
  assert.equal(after.spec.replicas, 4);
  assert.equal(after.metadata.generation, 4);
  const bad = await api('PUT', `${CRONTABS}/st/scale`, { ...scale.json, spec: { replicas: -1 } });
  assert.equal(bad.status, 422);
});

test('field selectors: metadata.name and the selectable field; others refused', async () => {
  const byName = (await api('GET', `${CRONTABS}?fieldSelector=metadata.name%3Dnightly`)).json;
  assert.deepEqual(byName.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['nightly']);
  const byColor = (await api('GET', `${CRONTABS}?fieldSelector=spec.color%3Dblue`)).json;
  assert.deepEqual(byColor.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['nightly']);
  const bad = await api('GET', `${CRONTABS}?fieldSelector=spec.image%3Dx`);
  assert.equal(bad.status, 400);
  assert.match(bad.json.message, /field label not supported: spec.image/);
});

test('bad input for custom objects is a 4xx, never a 500', async () => {
  const cases: [string, string, unknown, string?][] = [
    ['POST', CRONTABS, []],
    ['POST', CRONTABS, { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: 'x' }],
    ['POST', CRONTABS, { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: {} }, spec: 'x' }],
    ['PATCH', `${CRONTABS}/nightly`, { metadata: { labels: [] } }, 'application/merge-patch+json'],
    ['POST', CRONTABS, { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'Bad_Name' } }],
    ['POST', CRONTABS, { apiVersion: 'stable.example.com/v1', kind: 'Other', metadata: { name: 'x' } }],
    ['PATCH', `${CRONTABS}/nightly`, { spec: { replicas: 1 } }, 'application/strategic-merge-patch+json'],
    ['PATCH', `${CRONTABS}/nightly`, [{ op: 'replace', path: '/metadata', value: 3 }], 'application/json-patch+json'],
    ['PUT', `${CRONTABS}/nightly/scale`, { spec: { replicas: 'x' } }],
    ['GET', '/apis/stable.example.com/v1/namespaces/default/crontabs/nightly/bogus', undefined],
    ['GET', '/apis/stable.example.com/v1/crontabs/nightly', undefined],
  ];
  for (const [method, path, body, type] of cases) {
    const res = await api(method, path, body, type);
    assert.ok(res.status >= 400 && res.status < 500, `${method} ${path} ${JSON.stringify(body)}: ${res.status} ${res.text}`);
  }
  const smp = await api('PATCH', `${CRONTABS}/nightly`, { spec: { replicas: 1 } }, 'application/strategic-merge-patch+json');
  assert.equal(smp.status, 415);
  const name = await api('POST', CRONTABS, { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'Bad_Name' } });
  assert.equal(name.status, 422);
  assert.match(name.json.message, /^CronTab.stable.example.com "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
});

test('a cluster-scoped CRD serves objects without a namespace', async () => {
  const created = await api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'regions.geo.example.com' },
    spec: {
      group: 'geo.example.com', scope: 'Cluster', names: { plural: 'regions', kind: 'Region' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  });
  assert.equal(created.status, 201, created.text);
  await waitFor(async () => (await api('GET', '/apis/geo.example.com/v1/regions')).status === 200, { timeoutMs: 5000, what: 'regions served' });
  const r = await api('POST', '/apis/geo.example.com/v1/regions', { apiVersion: 'geo.example.com/v1', kind: 'Region', metadata: { name: 'eu', namespace: 'default' }, zone: 'a' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.metadata.namespace, undefined);
  assert.equal((await api('GET', '/apis/geo.example.com/v1/namespaces/default/regions')).status, 404);
  // No printer columns: NAME and AGE.
  assert.match(await kubectl('get', 'regions'), /^NAME\s+AGE\neu\s+\d+s\n$/);
  const list = (await api('GET', '/apis/geo.example.com/v1')).json;
  assert.equal(list.resources[0].namespaced, false);
});

test('a CRD whose names another CRD of the group holds: NamesAccepted False, not Established', async () => {
  const created = await api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'crontabs2.stable.example.com' },
    spec: {
      group: 'stable.example.com', names: { plural: 'crontabs2', kind: 'CronTab', shortNames: ['ct'] },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
    },
  });
  assert.equal(created.status, 201, created.text);
  let crd: { status: { conditions: { type: string; status: string; reason: string; message: string }[]; acceptedNames: { plural: string } } } | undefined;
  await waitFor(async () => {
    crd = (await api('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs2.stable.example.com')).json;
    return (crd?.status?.conditions?.length ?? 0) > 0;
  }, { timeoutMs: 5000, what: 'conditions' });
  if (!crd) throw new Error('no CRD');
  const conds = Object.fromEntries(crd.status.conditions.map((c) => [c.type, c]));
  assert.equal(conds.NamesAccepted.status, 'False');
  // Each name is checked in turn (plural, singular, short names, kind, list kind); the last conflict is reported.
  assert.equal(conds.NamesAccepted.reason, 'ListKindConflict');
  assert.equal(conds.NamesAccepted.message, '"CronTabList" is already in use');
  assert.equal(conds.Established.status, 'False');
  assert.equal(conds.Established.reason, 'NotAccepted');
  assert.equal(crd.status.acceptedNames.plural, 'crontabs2');
  assert.equal((await api('GET', '/apis/stable.example.com/v1/namespaces/default/crontabs2')).status, 404);
  assert.equal((await api('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs2.stable.example.com')).status < 300, true);
});

test('bad CRDs are refused with Kubernetes\' messages (422)', async () => {
  const crd = (spec: Record<string, unknown>, name = 'things.bad.example.com') => ({
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name },
    spec: {
      group: 'bad.example.com', scope: 'Namespaced', names: { plural: 'things', kind: 'Thing' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }], ...spec,
    },
  });
  const post = (body: unknown) => api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body);
  let res = await post(crd({}, 'wrong.bad.example.com'));
  assert.equal(res.status, 422);
  assert.match(res.json.message, /metadata.name: Invalid value: "wrong.bad.example.com": must be spec.names.plural\+"."\+spec.group/);
  res = await post(crd({ group: 'nodot' }, 'things.nodot'));
  assert.equal(res.status, 422);
  assert.match(res.json.message, /spec.group: Invalid value: "nodot": should be a domain with at least one dot/);
  res = await post(crd({ versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }, { name: 'v2', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] }));
  assert.equal(res.status, 422);
  assert.match(res.json.message, /spec.versions: Invalid value: .*: must have exactly one version marked as storage version/);
  res = await post(crd({ versions: [{ name: 'V1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] }));
  assert.equal(res.status, 422);
  assert.match(res.json.message, /spec.versions\[0\].name: Invalid value: "V1": a DNS-1035 label/);
  res = await post(crd({ scope: 'Everywhere' }));
  assert.match(res.json.message, /spec.scope: Unsupported value: "Everywhere": supported values: "Cluster", "Namespaced"/);
  res = await post(crd({ versions: [{ name: 'v1', served: true, storage: true }] }));
  assert.match(res.json.message, /spec.versions\[0\].schema.openAPIV3Schema: Required value/);
  res = await post(crd({ versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } }, additionalPrinterColumns: [{ name: 'X', type: 'color', jsonPath: 'spec.x' }] }] }));
  assert.match(res.json.message, /spec.additionalPrinterColumns\[0\].type: Invalid value: "color": must be one of boolean,date,integer,number,string/);
  assert.match(res.json.message, /spec.additionalPrinterColumns\[0\].JSONPath: Invalid value: "spec.x": must be a simple json path starting with \./);
  res = await post(crd({ versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } }, subresources: { scale: { specReplicasPath: '.status.r', statusReplicasPath: '.status.r' } } }] }));
  assert.match(res.json.message, /spec.subresources.scale.specReplicasPath: Invalid value: ".status.r": should be a json path under .spec/);
  res = await post(crd({ names: { plural: 'things', kind: 'Thing', shortNames: ['Bad'] } }));
  assert.match(res.json.message, /spec.names.shortNames\[0\]: Invalid value: "Bad": a DNS-1035 label/);
  // kubectl prints the same.
  const file = join(cp.dir, 'bad-crd.yaml');
  await writeFile(file, JSON.stringify(crd({ group: 'nodot' }, 'things.nodot')));
  assert.match(await kubectlFails('create', '-f', file), /spec.group: Invalid value: "nodot": should be a domain with at least one dot/);
});

test('scope is immutable once Established', async () => {
  const crd = (await api('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/regions.geo.example.com')).json;
  const res = await api('PUT', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/regions.geo.example.com', { ...crd, spec: { ...crd.spec, scope: 'Namespaced' } });
  assert.equal(res.status, 422);
  assert.match(res.json.message, /spec.scope: Invalid value: "Namespaced": field is immutable/);
});

test('OpenAPI v2 and v3 describe the custom kind; kubectl explain answers', async () => {
  const root = (await api('GET', '/openapi/v3')).json;
  assert.ok(root.paths['apis/stable.example.com/v1'], 'v3 root lists the group version');
  const doc = (await api('GET', root.paths['apis/stable.example.com/v1'].serverRelativeURL)).json;
  const schema = doc.components.schemas['com.example.stable.v1.CronTab'];
  assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: 'stable.example.com', version: 'v1', kind: 'CronTab' }]);
  assert.ok(schema.properties.spec.properties.cronSpec);
  const v2 = (await api('GET', '/openapi/v2')).json;
  assert.ok(v2.definitions['com.example.stable.v1.CronTab']);
  assert.ok(v2.paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}']);
  const explained = await kubectl('explain', 'crontabs.spec');
  assert.match(explained, /cronSpec\s+<string>/);
  assert.match(explained, /The schedule, in cron format\./);
});

test('deleting the CRD deletes its objects (finalizers honoured), then the CRD', async () => {
  const held = await api('POST', CRONTABS, { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'held', finalizers: ['example.com/hold'] }, spec: {} });
  assert.equal(held.status, 201, held.text);
  const del = await api('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com');
  assert.ok(del.status === 200 || del.status === 202, del.text);
  assert.ok(del.json.metadata.deletionTimestamp);
  assert.ok(del.json.metadata.finalizers.includes('customresourcecleanup.apiextensions.k8s.io'));
  // The free objects go; the held one waits, terminating, and so does the CRD.
  await waitFor(async () => (await api('GET', `${CRONTABS}/nightly`)).status === 404, { timeoutMs: 5000, what: 'nightly deleted' });
  const heldNow = (await api('GET', `${CRONTABS}/held`)).json;
  assert.ok(heldNow.metadata.deletionTimestamp);
  const crd = (await api('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com')).json;
  const terminating = crd.status.conditions.find((c: { type: string }) => c.type === 'Terminating');
  assert.equal(terminating.status, 'True');
  // No new objects while terminating.
  const refused = await api('POST', CRONTABS, { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'late' } });
  assert.equal(refused.status, 405, refused.text);
  // Released: the object goes, then the CRD, then the resource is no longer served.
  assert.equal((await api('PATCH', `${CRONTABS}/held`, { metadata: { finalizers: null } }, 'application/merge-patch+json')).status, 200);
  await waitFor(async () => (await api('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com')).status === 404,
    { timeoutMs: 10_000, what: 'the CRD deleted' });
  await waitFor(async () => (await api('GET', CRONTABS)).status === 404, { timeoutMs: 5000, what: 'crontabs no longer served' });
  const groups = (await api('GET', '/apis')).json;
  assert.ok(!groups.groups.some((g: { name: string }) => g.name === 'stable.example.com'));
});

test('the CRDs that exist are served again after an apiserver restart', async () => {
  await cp.restartApiserver();
  const r = await api('GET', '/apis/geo.example.com/v1/regions/eu');
  assert.equal(r.status, 200, r.text);
});
