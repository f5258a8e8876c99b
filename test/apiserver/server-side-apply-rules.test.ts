// The rules of server-side apply without I/O, following structured-merge-diff's own
// test cases (merge/set_test.go, leaf_test.go, key_test.go, multiple_appliers_test.go,
// fieldpath/serialize_test.go): field sets and their FieldsV1 encoding, ToFieldSet,
// Compare, Merge of sets and associative lists, pruning, conflicts and force, and the
// field manager's managedFields entries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet, pathString, type Path } from '../../api/managed-fields/fieldpath.js';
import { compare, merge, toFieldSet, validate, TypedError } from '../../api/managed-fields/typed.js';
import { typeFor, typeFromSchema, registerCustomType } from '../../api/managed-fields/types.js';
import { ConflictsError, Updater, type Managers } from '../../api/managed-fields/updater.js';
import { FieldManager, decodeManagedFields, encodeManagedFields, managerName } from '../../api/managed-fields/field-manager.js';
import { conflictMessage } from '../../api/managed-fields/conflict.js';
import { StatusError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { JSONSchemaProps } from '../../api/schemas/index.js';

const f = (field: string) => ({ field });
const k = (...kv: [string, unknown][]) => ({ key: kv });
const v = (value: unknown) => ({ value });

// A schema like SMD's test types: a set, an associative list keyed by name, leaves, an atomic list and map.
const SCHEMA: JSONSchemaProps = {
  type: 'object',
  properties: {
    numeric: { type: 'integer' },
    string: { type: 'string' },
    bool: { type: 'boolean' },
    list: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
    atomicList: { type: 'array', items: { type: 'string' } },
    items: {
      type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name', 'protocol'],
      items: { type: 'object', properties: { name: { type: 'string' }, protocol: { type: 'string', default: 'TCP' }, value: { type: 'string' }, sub: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } } } } },
    },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', properties: { a: { type: 'string' }, b: { type: 'string' } } },
    legacy: { type: 'array', 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'id', items: { type: 'object', properties: { id: { type: 'string' }, x: { type: 'string' } } } },
    free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};
const T = typeFromSchema(SCHEMA);

/** A tiny SMD fixture: one live object, managers by name, Apply and Update operations. */
class State {
  live: unknown = {};
  managers: Managers = new Map();
  private readonly u = new Updater({ type: T, ignored: new FieldSet() });

  apply(manager: string, config: unknown, force = false): void {
    validate(config, T);
    const next = this.u.apply(this.live, config, 'v1', this.managers, manager, force);
    if (next !== undefined) this.live = next;
  }

  update(manager: string, obj: unknown): void {
    this.u.updateManagers(this.live, obj, 'v1', this.managers, manager);
    this.live = obj;
  }

  owned(manager: string): string[] {
    return (this.managers.get(manager)?.set.paths() ?? []).map(pathString);
  }
}

test('FieldsV1: members, children and "." as Kubernetes serializes them, and back', () => {
  const s = FieldSet.of(
    [f('metadata'), f('labels')], [f('metadata'), f('labels'), f('app')],
    [f('spec'), f('containers'), k(['name', 'c'])], [f('spec'), f('containers'), k(['name', 'c']), f('image')],
    [f('spec'), f('finalizers'), v('x')], [f('spec'), f('ports'), k(['port', 80], ['protocol', 'TCP'])],
    [f('spec'), f('args'), { index: 0 }], [f('a')],
  );
  const json = s.toFieldsV1();
  assert.equal(JSON.stringify(json), JSON.stringify({
    'f:a': {},
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': {
      'f:args': { 'i:0': {} },
      'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {} } },
      'f:finalizers': { 'v:"x"': {} },
      'f:ports': { 'k:{"port":80,"protocol":"TCP"}': {} },
    },
  }));
  const back = FieldSet.fromFieldsV1(json);
  assert.ok(back.equals(s));
  assert.deepEqual(back.toFieldsV1(), json);
  assert.throws(() => FieldSet.fromFieldsV1({ 'x:y': {} }), /unknown path element type/);
  assert.throws(() => FieldSet.fromFieldsV1({ 'f': {} }), /key must be 2 characters long/);
});

test('set operations: union, difference, intersection, recursive difference', () => {
  const a = FieldSet.of([f('a')], [f('b'), f('c')], [f('b'), f('d')]);
  const b = FieldSet.of([f('b'), f('c')], [f('e')]);
  assert.deepEqual(a.union(b).paths().map(pathString), ['.a', '.b.c', '.b.d', '.e']);
  assert.deepEqual(a.difference(b).paths().map(pathString), ['.a', '.b.d']);
  assert.deepEqual(a.intersection(b).paths().map(pathString), ['.b.c']);
  assert.deepEqual(a.recursiveDifference(FieldSet.of([f('b')])).paths().map(pathString), ['.a']);
  assert.deepEqual(a.difference(FieldSet.of([f('b')])).paths().map(pathString), ['.a', '.b.c', '.b.d']);
});

test('paths print as conflicts name them', () => {
  const p: Path = [f('spec'), f('containers'), k(['name', 'c']), f('ports'), k(['containerPort', 80], ['protocol', 'TCP']), f('hostPort')];
  assert.equal(pathString(p), '.spec.containers[name="c"].ports[containerPort=80,protocol="TCP"].hostPort');
  assert.equal(pathString([f('finalizers'), v('a')]), '.finalizers[="a"]');
  assert.equal(pathString([f('args'), { index: 2 }]), '.args[2]');
});

test('ToFieldSet: leaves, granular map keys, list items with ".", atomic values whole, key defaults', () => {
  const s = toFieldSet({
    numeric: 1, labels: { a: 'x' }, list: ['p', 'q'], atomicList: ['z'], selector: { a: '1' },
    items: [{ name: 'n', value: 'v', sub: { a: 'y' } }], free: { any: { thing: [1] } },
  }, T);
  assert.deepEqual(s.toFieldsV1(), {
    'f:atomicList': {},
    // Keys of a map without declared fields are members themselves: "." with children.
    'f:free': { 'f:any': { '.': {}, 'f:thing': {} } },
    'f:items': { 'k:{"name":"n","protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:sub': { 'f:a': {} }, 'f:value': {} } },
    'f:labels': { 'f:a': {} },
    'f:list': { 'v:"p"': {}, 'v:"q"': {} },
    'f:numeric': {},
    'f:selector': {},
  });
  // An empty struct value is owned as a leaf.
  assert.deepEqual(toFieldSet({ items: [{ name: 'n', sub: {} }] }, T).toFieldsV1(), { 'f:items': { 'k:{"name":"n","protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:sub': {} } } });
  // The patch strategy makes a list associative when it has no list type (kube-openapi's rule).
  assert.deepEqual(toFieldSet({ legacy: [{ id: 'a', x: '1' }] }, T).toFieldsV1(), { 'f:legacy': { 'k:{"id":"a"}': { '.': {}, 'f:id': {}, 'f:x': {} } } });
});

test('Compare: added, modified and removed paths', () => {
  const c = compare({ numeric: 1, labels: { a: 'x', b: 'y' }, list: ['p'] }, { numeric: 2, labels: { a: 'x', c: 'z' }, list: ['p', 'q'], string: 's' }, T);
  assert.deepEqual(c.added.paths().map(pathString), ['.labels.c', '.list[="q"]', '.string']);
  assert.deepEqual(c.modified.paths().map(pathString), ['.numeric']);
  assert.deepEqual(c.removed.paths().map(pathString), ['.labels.b']);
});

test('validate: wrong types, undeclared fields, duplicate keys, missing keys, in SMD\'s words', () => {
  const msg = (x: unknown): string => { try { validate(x, T); return ''; } catch (e) { assert.ok(e instanceof TypedError); return e.message; } };
  assert.equal(msg({ bogus: 1 }), '.bogus: field not declared in schema');
  assert.equal(msg({ numeric: 'x' }), '.numeric: expected numeric (int or float), got string');
  assert.equal(msg({ list: ['a', 'a'] }), '.list: duplicate entries for key [="a"]');
  assert.equal(msg({ legacy: [{ x: '1' }] }), '.legacy: element 0: associative list with keys has an element that omits all key fields ["id"] (and doesn\'t have default values for any key fields)');
  assert.equal(msg({ items: [{ value: 'x' }] }), '', 'protocol has a default: the item has a key');
  assert.equal(msg({ free: { anything: [1, { x: 2 }] } }), '');
  assert.match(msg({ numeric: 'x', bogus: 1 }), /^errors:\n {2}\.numeric: .*\n {2}\.bogus: field not declared in schema$/);
});

test('sets (set_test.go): apply twice; apply, update, apply without and with overlap', () => {
  let s = new State();
  s.apply('default', { list: ['a', 'c'] });
  s.apply('default', { list: ['a', 'b', 'c', 'd'] });
  assert.deepEqual(s.live, { list: ['a', 'b', 'c', 'd'] });
  assert.deepEqual(s.owned('default'), ['.list[="a"]', '.list[="b"]', '.list[="c"]', '.list[="d"]']);

  s = new State();
  s.apply('default', { list: ['a', 'c'] });
  s.update('controller', { list: ['a', 'b', 'c', 'd'] });
  s.apply('default', { list: ['a', 'aprime', 'c', 'cprime'] });
  assert.deepEqual(s.live, { list: ['a', 'b', 'aprime', 'c', 'd', 'cprime'] });
  assert.deepEqual(s.owned('default'), ['.list[="a"]', '.list[="aprime"]', '.list[="c"]', '.list[="cprime"]']);
  assert.deepEqual(s.owned('controller'), ['.list[="b"]', '.list[="d"]']);

  s = new State();
  s.apply('default', { list: ['a', 'c'] });
  s.update('controller', { list: ['a', 'b', 'c', 'd'] });
  s.apply('default', { list: ['a', 'b', 'c'] });
  assert.deepEqual(s.live, { list: ['a', 'b', 'c', 'd'] });
  assert.deepEqual(s.owned('default'), ['.list[="a"]', '.list[="b"]', '.list[="c"]']);
  assert.deepEqual(s.owned('controller'), ['.list[="b"]', '.list[="d"]']);
});

test('leaves (leaf_test.go): an updater\'s change conflicts with the applier until forced', () => {
  const s = new State();
  s.apply('default', { numeric: 1, string: 'string' });
  s.update('controller', { numeric: 1, string: 'controller string', bool: true });
  assert.deepEqual(s.owned('default'), ['.numeric']);
  assert.deepEqual(s.owned('controller'), ['.bool', '.string']);
  assert.throws(() => s.apply('default', { numeric: 2, string: 'user string' }), (err: unknown) => {
    assert.ok(err instanceof ConflictsError);
    assert.deepEqual(err.conflicts.map((c) => [c.manager, pathString(c.path)]), [['controller', '.string']]);
    return true;
  });
  s.apply('default', { numeric: 2, string: 'user string' }, true);
  assert.deepEqual(s.live, { numeric: 2, string: 'user string', bool: true });
  assert.deepEqual(s.owned('default'), ['.numeric', '.string']);
  assert.deepEqual(s.owned('controller'), ['.bool']);
});

test('multiple appliers: shared values are co-owned; a field leaves only when its last applier drops it', () => {
  const s = new State();
  s.apply('a', { string: 'x', numeric: 1 });
  s.apply('b', { string: 'x' });
  assert.deepEqual(s.owned('a'), ['.numeric', '.string']);
  assert.deepEqual(s.owned('b'), ['.string']);
  s.apply('a', { numeric: 1 });
  assert.deepEqual(s.live, { string: 'x', numeric: 1 });
  s.apply('b', {});
  assert.deepEqual(s.live, { numeric: 1 });
  assert.equal(s.managers.has('b'), false);
  // Updaters' fields are never pruned by an applier.
  s.update('ctl', { numeric: 1, bool: true });
  s.apply('a', { numeric: 1 });
  assert.equal((s.live as { bool?: boolean }).bool, true);
});

test('associative lists (key_test.go): items by keys, ordered, pruned per item, defaults complete keys', () => {
  const s = new State();
  s.apply('one', { items: [{ name: 'a', value: '1' }, { name: 'b', value: '2' }] });
  s.apply('two', { items: [{ name: 'c', value: '3' }] });
  assert.deepEqual((s.live as { items: { name: string }[] }).items.map((i) => i.name), ['a', 'b', 'c']);
  // TCP defaults the key: the same item.
  s.apply('two', { items: [{ name: 'a', protocol: 'TCP', value: '1' }, { name: 'c', value: '3' }] });
  assert.equal((s.live as { items: unknown[] }).items.length, 3);
  s.apply('one', { items: [{ name: 'a', value: '1' }] });
  assert.deepEqual((s.live as { items: { name: string }[] }).items.map((i) => i.name), ['a', 'c']);
  // Another item of the same name with another protocol is another item.
  s.apply('one', { items: [{ name: 'a', value: '1' }, { name: 'a', protocol: 'UDP', value: 'u' }] });
  assert.equal((s.live as { items: unknown[] }).items.length, 3);
  assert.throws(() => s.apply('one', { items: [{ name: 'c', value: 'changed' }] }), ConflictsError);
  // Atomic maps are replaced whole.
  s.apply('one', { selector: { a: '1', b: '2' } });
  s.apply('one', { selector: { a: '9' } }, true);
  assert.deepEqual((s.live as { selector: unknown }).selector, { a: '9' });
  // Merging keeps the live item's other fields.
  assert.deepEqual(merge({ items: [{ name: 'x', sub: { a: '1' } }] }, { items: [{ name: 'x', sub: { b: '2' } }] }, T), { items: [{ name: 'x', sub: { a: '1', b: '2' } }] });
});

test('field manager: managedFields entries, merged per manager, subresource, stripped metadata, reset', () => {
  const fm = new FieldManager({ group: '', version: 'v1', kind: 'ConfigMap', hasStatus: false });
  const cm = (data: Record<string, string>, extra: Partial<KubeObject> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd', uid: 'u', ...extra.metadata }, data } as KubeObject);
  const created = cm({ a: '1' });
  fm.update(undefined, created, 'creator');
  assert.deepEqual(created.metadata.managedFields?.map((e) => [e.manager, e.operation, e.apiVersion, e.fieldsType]), [['creator', 'Update', 'v1', 'FieldsV1']]);
  assert.deepEqual(created.metadata.managedFields?.[0].fieldsV1, { 'f:data': { '.': {}, 'f:a': {} } });
  const next = cm({ a: '1', b: '2' }, { metadata: { managedFields: created.metadata.managedFields } });
  fm.update(created, next, 'creator');
  assert.equal(next.metadata.managedFields?.length, 1);
  assert.deepEqual(next.metadata.managedFields?.[0].fieldsV1, { 'f:data': { '.': {}, 'f:a': {}, 'f:b': {} } });
  // [{}] resets: only what this write changed is recorded (nothing here).
  const reset = cm({ a: '1', b: '2' }, { metadata: { managedFields: [{}] } });
  fm.update(next, reset, 'x');
  assert.equal(reset.metadata.managedFields, undefined);

  const deployStatus = new FieldManager({ group: 'apps', version: 'v1', kind: 'Deployment', subresource: 'status', hasStatus: true });
  const d0 = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 1 }, status: {} } as unknown as KubeObject;
  const d1 = { ...structuredClone(d0), status: { replicas: 1 } } as unknown as KubeObject;
  deployStatus.update(d0, d1, 'ctrl');
  assert.deepEqual(d1.metadata.managedFields?.map((e) => [e.manager, e.subresource, JSON.stringify(e.fieldsV1)]), [['ctrl', 'status', '{"f:status":{"f:replicas":{}}}']]);

  // Entries sort by operation, then time, then manager.
  const d = decodeManagedFields([
    { manager: 'z', operation: 'Update', apiVersion: 'v1', time: '2020-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:a': {} } },
    { manager: 'b', operation: 'Apply', apiVersion: 'v1', time: '2021-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:b': {} } },
    { manager: 'a', operation: 'Update', apiVersion: 'v1', time: '2020-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:c': {} } },
  ]);
  assert.deepEqual(encodeManagedFields(d)?.map((e) => e.manager), ['b', 'a', 'z']);
  assert.throws(() => decodeManagedFields([{ manager: 'a', operation: 'Patch', apiVersion: 'v1', fieldsType: 'FieldsV1' }]), /operation must be `Apply` or `Update`/);
  assert.throws(() => decodeManagedFields([{ manager: 'a', operation: 'Update', apiVersion: 'v1' }]), /missing fieldsType in managed fields entry 0/);
});

test('field manager apply: conflicts worded as Kubernetes, force, kubectl over its last-applied configuration', () => {
  const fm = new FieldManager({ group: 'apps', version: 'v1', kind: 'Deployment', hasStatus: true });
  const live = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'n', annotations: {} as Record<string, string> }, spec: { replicas: 1, paused: false } } as unknown as KubeObject;
  const last = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'n' }, spec: { replicas: 1, paused: false } };
  live.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration'] = JSON.stringify(last);
  const updated = structuredClone(live);
  fm.update(undefined, updated, 'kubectl-client-side-apply');
  const config = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 2 } };
  assert.throws(() => fm.apply(updated, config, 'other', false), (err: unknown) => {
    assert.ok(err instanceof StatusError);
    assert.equal(err.status.code, 409);
    assert.equal(err.status.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    return true;
  });
  const forced = fm.apply(updated, config, 'other', true);
  assert.equal((forced as unknown as { spec: { replicas: number } }).spec.replicas, 2);
  // kubectl applying the values its last-applied configuration set takes them without a conflict, and keeps the annotation up to date.
  const same = fm.apply(updated, { ...last, spec: { replicas: 1, paused: true } }, 'kubectl', false);
  assert.equal((same as unknown as { spec: { paused: boolean } }).spec.paused, true);
  assert.equal(same.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'],
    '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"n"},"spec":{"paused":true,"replicas":1}}\n');
  assert.throws(() => fm.apply(updated, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'd' } }, 'x', false), /invalid object type: \/v1, Kind=Pod/);

  assert.equal(conflictMessage([{ manager: '{"manager":"a","operation":"Apply"}', path: '.x' }, { manager: '{"manager":"b","operation":"Update","apiVersion":"v1","subresource":"status"}', path: '.y' }, { manager: '{"manager":"a","operation":"Apply"}', path: '.z' }]),
    'Apply failed with 3 conflicts: conflicts with "a":\n- .x\n- .z\nconflicts with "b" with subresource "status" using v1:\n- .y');
});

test('manager names: fieldManager, else the User-Agent before its first "/"', () => {
  assert.equal(managerName('mine', 'kubectl/v1.32.0'), 'mine');
  assert.equal(managerName(undefined, 'kubectl/v1.32.0 (linux/amd64) kubernetes/abc'), 'kubectl');
  assert.equal(managerName(undefined, 'kube-controller-manager/v1.32.0 (linux/amd64)/system:serviceaccount'), 'kube-controller-manager');
  assert.equal(managerName(undefined, 'a\u0007b/1'), 'ab');
  assert.equal(managerName(undefined, 'x'.repeat(200)).length, 128);
});

test('custom resources: the registered schema gives list and map types, deduced without one', () => {
  registerCustomType('example.com', 'v1', 'Widget', {
    type: 'object',
    properties: { spec: { type: 'object', properties: { ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port'], items: { type: 'object', properties: { port: { type: 'integer' }, name: { type: 'string' } } } } } } },
  });
  const t = typeFor('example.com', 'v1', 'Widget');
  assert.deepEqual(toFieldSet({ metadata: { labels: { a: 'b' } }, spec: { ports: [{ port: 80, name: 'h' }] } }, t).toFieldsV1(), {
    'f:metadata': { 'f:labels': { 'f:a': {} } },
    'f:spec': { 'f:ports': { 'k:{"port":80}': { '.': {}, 'f:name': {}, 'f:port': {} } } },
  });
  registerCustomType('example.com', 'v1', 'Widget', null);
  // Without a schema: deduced, maps granular, lists atomic.
  assert.deepEqual(toFieldSet({ spec: { ports: [{ port: 80 }] } }, typeFor('example.com', 'v1', 'Widget')).toFieldsV1(), { 'f:spec': { '.': {}, 'f:ports': {} } });
  assert.deepEqual(typeFor('', 'v1', 'Pod')().kind, 'map');
});

test('more than 10 updaters: the oldest merge into "ancient-changes"', () => {
  const fm = new FieldManager({ group: '', version: 'v1', kind: 'ConfigMap', hasStatus: false });
  let obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: {} as Record<string, string> } as unknown as KubeObject & { data: Record<string, string> };
  for (let i = 0; i < 12; i++) {
    const next = structuredClone(obj);
    next.data[`k${i}`] = 'v';
    fm.update(i === 0 ? undefined : obj, next, `m${i}`);
    // Distinct times: entries sort by time, oldest first.
    next.metadata.managedFields!.forEach((e) => { if (e.manager === `m${i}`) e.time = new Date(Date.UTC(2020, 0, 1, 0, 0, i)).toISOString().replace('.000', ''); });
    obj = next;
  }
  const managers = obj.metadata.managedFields!.map((e) => e.manager);
  assert.equal(managers.length, 10);
  assert.ok(managers.includes('ancient-changes'));
  // The 11th merged m0 and m1 into the bucket; the 12th merged m2 into it (the bucket, as old as m1, is the oldest).
  assert.ok(!managers.includes('m0') && !managers.includes('m2') && managers.includes('m3') && managers.includes('m11'));
  const ancient = obj.metadata.managedFields!.find((e) => e.manager === 'ancient-changes')!;
  assert.deepEqual(ancient.fieldsV1, { 'f:data': { '.': {}, 'f:k0': {}, 'f:k1': {}, 'f:k2': {} } });
});
