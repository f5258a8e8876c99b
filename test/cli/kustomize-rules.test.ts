// Pure rules of kubectl/kustomize: the name hash, base64 lines, image updates, legacy
// order, env files, YAML quoting, field paths, patch targets, generator behaviors and
// back references, each against values kustomize v5.5 (kubectl 1.32) produces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeBase64, encodeHash, envFilePairs, absorbGenerated, nameHash, generate } from '../../kubectl/kustomize/generators.js';
import { splitImage, updatedImage, setNamespace, setNameAffixes, setCommonLabels, setLabels } from '../../kubectl/kustomize/transformers.js';
import { compareLegacy, sortLegacy } from '../../kubectl/kustomize/order.js';
import { readsAsNonString, renderYaml } from '../../kubectl/kustomize/render.js';
import { visitPath } from '../../kubectl/kustomize/field-specs.js';
import { selected } from '../../kubectl/kustomize/patches.js';
import { fixNameReferences } from '../../kubectl/kustomize/name-reference.js';
import { parseKustomization } from '../../kubectl/kustomize/kustomization.js';
import { KustomizeError } from '../../kubectl/kustomize/errors.js';
import type { Obj, Resource } from '../../kubectl/kustomize/resource.js';

const res = (obj: Obj): Resource => ({ obj, previous: [], needsHash: false });
const noFiles = async (): Promise<Buffer> => { throw new Error('no files'); };

test('name hash: kustomize hashes kind, data and an empty name (its "metadata/name" lookup never matches)', () => {
  // kubectl kustomize names these cfg-h29d89cmmt and p-cfg-7gdc49gk6d.
  assert.equal(nameHash({ kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: '1' } }), 'h29d89cmmt');
  assert.equal(nameHash({ kind: 'ConfigMap', metadata: { name: 'p-cfg' }, data: { a: '1', b: '2' } }), '7gdc49gk6d');
  assert.equal(nameHash({ kind: 'ConfigMap', metadata: { name: 'other' }, data: { b: '2', a: '1' } }), '7gdc49gk6d');
  assert.equal(encodeHash('0123456789abcdef'), 'gh2k456789');
});

test('base64 of generated values: lines of 70, each ending in a newline once there are two', () => {
  assert.equal(encodeBase64(Buffer.from('admin')), 'YWRtaW4=');
  const long = encodeBase64(Buffer.alloc(60, 'a'));
  assert.equal(long, `${'YWFh'.repeat(17)}YW\n${'FhYW'.repeat(2)}Fh\n`);
  assert.equal(encodeBase64(Buffer.alloc(51, 'a')).length, 68);
});

test('images: name matching, new names, tags and digests; registry ports are not tags', () => {
  assert.deepEqual(splitImage('registry:5000/app:1.0@sha256:abc'), { name: 'registry:5000/app', tag: '1.0', digest: 'sha256:abc' });
  assert.deepEqual(splitImage('registry:5000/app'), { name: 'registry:5000/app', tag: '', digest: '' });
  assert.equal(updatedImage('nginx', { name: 'nginx', newTag: '1.27' }), 'nginx:1.27');
  assert.equal(updatedImage('nginx:1.0@sha256:aa', { name: 'nginx', newTag: '2' }), 'nginx:2');
  assert.equal(updatedImage('nginx:1.0', { name: 'nginx', digest: 'sha256:bb' }), 'nginx@sha256:bb');
  assert.equal(updatedImage('nginx:1.0', { name: 'nginx', newName: 'r/nginx' }), 'r/nginx:1.0');
  assert.equal(updatedImage('nginx-exporter:1.0', { name: 'nginx', newTag: '2' }), 'nginx-exporter:1.0');
});

test('legacy order: Namespaces first, webhooks last, others by group_version_kind then name', () => {
  const id = (apiVersion: string, kind: string, name: string): Resource => res({ apiVersion, kind, metadata: { name } });
  const sorted = sortLegacy([
    id('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'v'),
    id('example.com/v1', 'Widget', 'w'),
    id('apps/v1', 'Deployment', 'b'),
    id('apps/v1', 'Deployment', 'a'),
    id('batch/v1', 'Job', 'j'),
    id('v1', 'Namespace', 'n'),
    id('v1', 'ConfigMap', 'c'),
  ]).map((r) => `${String(r.obj.kind)}/${String((r.obj.metadata as Obj).name)}`);
  assert.deepEqual(sorted, ['Namespace/n', 'ConfigMap/c', 'Deployment/a', 'Deployment/b', 'Job/j', 'Widget/w', 'ValidatingWebhookConfiguration/v']);
  const gvk = { group: '', version: 'v1', kind: 'Pod' };
  assert.ok(compareLegacy({ gvk, name: 'a', namespace: 'x' }, { gvk, name: 'a', namespace: '' }) < 0);
});

test('env files: comments, blank lines, leading spaces, keys without values; bad keys refused', () => {
  assert.deepEqual(envFilePairs('# c\nA=1\n\n  B=x=y\nC\n'), [{ key: 'A', value: '1' }, { key: 'B', value: 'x=y' }, { key: 'C', value: '' }]);
  assert.throws(() => envFilePairs('1BAD=x\n'), /"1BAD" is not a valid environment variable name/);
});

test('YAML: strings YAML 1.1 reads otherwise are double-quoted, others single-quoted or plain', () => {
  for (const s of ['y', 'on', 'yes', '1', '0755', '1.5', 'true', '', '~', 'null', '2024-01-01']) assert.ok(readsAsNonString(s), s);
  for (const s of ['hello', '*/5 * * * *', ' padded ', 'nginx:1.27']) assert.ok(!readsAsNonString(s), s);
  assert.equal(renderYaml([{ kind: 'X', data: { a: 'y', b: '*/5', c: 'line\nnext\n', d: [1, 'on'] } }]),
    'data:\n  a: "y"\n  b: \'*/5\'\n  c: |\n    line\n    next\n  d:\n  - 1\n  - "on"\nkind: X\n');
});

test('field paths: lists walked element by element, escaped slashes, create only where allowed', () => {
  const obj: Obj = { metadata: { annotations: { 'a/b': 'x' } }, spec: { items: [{ n: 1 }, { n: 2 }] } };
  const seen: unknown[] = [];
  visitPath(obj, 'metadata/annotations/a\\/b', false, (p, k) => seen.push(p[k]));
  visitPath(obj, 'spec/items/n', false, (p, k) => seen.push(p[k]));
  assert.deepEqual(seen, ['x', 1, 2]);
  visitPath(obj, 'spec/missing[]/labels', true, (p, k) => { p[k] = {}; });
  assert.equal((obj.spec as Obj).missing, undefined);
  visitPath(obj, 'spec/selector/matchLabels', true, (p, k) => { p[k] = { a: 'b' }; });
  assert.deepEqual((obj.spec as Obj).selector, { matchLabels: { a: 'b' } });
});

test('patch targets: regex names (current or original), namespaces, label and annotation selectors', () => {
  const r = res({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'p-web-a', namespace: 'team-red', labels: { tier: 'backend' }, annotations: { role: 'edge' } } });
  r.previous.push({ gvk: { group: 'apps', version: 'v1', kind: 'Deployment' }, name: 'web-a', namespace: '' });
  assert.ok(selected(r, { kind: 'Deployment', name: 'web-.*' }));
  assert.ok(selected(r, { group: 'apps', version: 'v1', name: 'p-web-a' }));
  assert.ok(!selected(r, { name: 'web' }));
  assert.ok(selected(r, { namespace: 'team-.*', labelSelector: 'tier in (backend,frontend)', annotationSelector: 'role=edge' }));
  assert.ok(!selected(r, { labelSelector: 'tier=frontend' }));
  assert.ok(!selected(r, { group: '' }));
});

test('back references follow renamed ConfigMaps, Secrets, ServiceAccounts and Services; selectors stay', async () => {
  const cm = await generate('ConfigMap', { name: 'cfg', literals: ['a=1'] }, undefined, noFiles);
  const deploy = res({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { spec: { serviceAccountName: 'sa', containers: [{ name: 'c', envFrom: [{ configMapRef: { name: 'cfg' } }, { configMapRef: { name: 'other' } }] }] } } },
  });
  const svc = res({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' } } });
  const sa = res({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa' } });
  const binding = res({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'b' }, subjects: [{ kind: 'ServiceAccount', name: 'sa', namespace: 'default' }] });
  const all = [deploy, svc, sa, binding, cm];
  setNameAffixes(all, 'p-', '');
  setNamespace(all, 'ns');
  for (const r of all.filter((x) => x.needsHash)) {
    r.previous.push({ gvk: { group: '', version: 'v1', kind: 'ConfigMap' }, name: 'p-cfg', namespace: 'ns' });
    (r.obj.metadata as Obj).name = `p-cfg-${nameHash(r.obj)}`;
  }
  fixNameReferences(all);
  const spec = (deploy.obj.spec as { template: { spec: { serviceAccountName: string; containers: { envFrom: { configMapRef: { name: string } }[] }[] } } }).template.spec;
  assert.equal(spec.containers[0]!.envFrom[0]!.configMapRef.name, 'p-cfg-h29d89cmmt');
  assert.equal(spec.containers[0]!.envFrom[1]!.configMapRef.name, 'other');
  assert.equal(spec.serviceAccountName, 'p-sa');
  assert.deepEqual((svc.obj.spec as Obj).selector, { app: 'web' });
  assert.deepEqual(binding.obj.subjects, [{ kind: 'ServiceAccount', name: 'p-sa', namespace: 'ns' }]);
});

test('labels: commonLabels reach selectors and templates, plain labels only metadata', () => {
  const deploy = (): Resource => res({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { metadata: {} } } });
  const a = deploy();
  setCommonLabels([a], { app: 'x' });
  assert.deepEqual(a.obj, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', labels: { app: 'x' } }, spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } } } } });
  const b = deploy();
  setLabels([b], { pairs: { env: 'prod' } });
  assert.deepEqual((b.obj.spec as Obj).template, { metadata: {} });
  const c = deploy();
  setLabels([c], { pairs: { env: 'prod' }, includeTemplates: true });
  assert.deepEqual((c.obj.spec as Obj).template, { metadata: { labels: { env: 'prod' } } });
  assert.equal((c.obj.spec as Obj).selector, undefined);
});

test('generator behaviors: create refuses a duplicate, merge and replace change the existing object', async () => {
  const base = await generate('ConfigMap', { name: 'c', literals: ['a=1', 'b=2'] }, { labels: { g: 'l' } }, noFiles);
  const list = [base];
  await assert.rejects(async () => absorbGenerated(list, await generate('ConfigMap', { name: 'c', literals: ['x=1'] }, undefined, noFiles)), /exists; behavior must be merge or replace/);
  absorbGenerated(list, await generate('ConfigMap', { name: 'c', behavior: 'merge', literals: ['b=3', 'c=4'] }, undefined, noFiles));
  assert.deepEqual(base.obj.data, { a: '1', b: '3', c: '4' });
  assert.deepEqual((base.obj.metadata as Obj).labels, { g: 'l' });
  absorbGenerated(list, await generate('ConfigMap', { name: 'c', behavior: 'replace', literals: ['z=9'] }, undefined, noFiles));
  assert.deepEqual(base.obj.data, { z: '9' });
  assert.equal(list.length, 1);
  await assert.rejects(() => generate('ConfigMap', { name: 'c', literals: ['novalue'] }, undefined, noFiles), /invalid literal source novalue, expected key=value/);
});

test('kustomization files: unknown fields and kinds refused, deprecated fields folded in with warnings', () => {
  assert.throws(() => parseKustomization('resourcez: []\n', '/d'), (e: unknown) => e instanceof KustomizeError && e.message === 'invalid Kustomization: json: unknown field "resourcez"');
  assert.throws(() => parseKustomization('kind: Deployment\n', '/d'), /kind should be Kustomization or Component/);
  const { kustomization, warnings } = parseKustomization('bases: [a]\nresources: [b]\nimageTags: [{name: x}]\n', '/d');
  assert.deepEqual(kustomization.resources, ['b', 'a']);
  assert.deepEqual(kustomization.images, [{ name: 'x' }]);
  assert.equal(warnings[0], "# Warning: 'bases' is deprecated. Please use 'resources' instead. Run 'kustomize edit fix' to update your Kustomization automatically.");
});
