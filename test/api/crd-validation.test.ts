// CustomResourceDefinition defaults and validation (pure): Kubernetes' SetDefaults and
// the messages and field paths of apiextensions' validation.go, and the naming
// controller's decisions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../../api/defaults.js';
import type { CustomResourceDefinition, CustomResourceDefinitionNames } from '../../api/types/apiextensions.js';
import { validateCRDCreate, validateCRDUpdate } from '../../api/validation/customresourcedefinition.js';
import { namesAndConditions } from '../../apiserver/crd/controller.js';

const crd = (over: Partial<CustomResourceDefinition['spec']> = {}, name = 'widgets.acme.example.com'): CustomResourceDefinition => {
  const c: CustomResourceDefinition = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name },
    spec: {
      group: 'acme.example.com', scope: '', names: { plural: 'widgets', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }], ...over,
    },
  };
  if (!over.scope) delete (c.spec as { scope?: string }).scope;
  applyDefaults(c);
  return c;
};
const messages = (c: CustomResourceDefinition): string[] => validateCRDCreate(c).map((e) => `${e.field}: ${e.message}`);

test('SetDefaults: scope, singular, listKind, conversion, storedVersions', () => {
  const c = crd();
  assert.equal(c.spec.scope, 'Namespaced');
  assert.equal(c.spec.names.singular, 'widget');
  assert.equal(c.spec.names.listKind, 'WidgetList');
  assert.deepEqual(c.spec.conversion, { strategy: 'None' });
  assert.deepEqual(c.status?.storedVersions, ['v1']);
  assert.deepEqual(messages(c), []);
});

test('the name, group, versions and names rules with Kubernetes\' messages', () => {
  assert.deepEqual(messages(crd({}, 'gadgets.acme.example.com')), ['metadata.name: Invalid value: "gadgets.acme.example.com": must be spec.names.plural+"."+spec.group']);
  assert.ok(messages(crd({ group: 'acme' }, 'widgets.acme')).includes('spec.group: Invalid value: "acme": should be a domain with at least one dot'));
  const two = messages(crd({ versions: [
    { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } },
    { name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', description: 'x' } } },
  ] }));
  assert.ok(two.some((m) => /^spec.versions: Invalid value: .*: must contain unique version names$/.test(m)), two.join('\n'));
  const none = messages(crd({ versions: [{ name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } }] }));
  assert.ok(none.some((m) => /must have exactly one version marked as storage version$/.test(m)));
  assert.ok(none.includes('status.storedVersions: Invalid value: []string{}: must have at least one stored version') || none.some((m) => m.startsWith('status.storedVersions: Invalid value:')), none.join('\n'));
  assert.ok(messages(crd({ names: { plural: 'widgets', kind: 'Widget', listKind: 'Widget' } })).includes('spec.names.listKind: Invalid value: "Widget": kind and listKind may not be the same'));
  assert.ok(messages(crd({ names: { plural: 'widgets', kind: 'Wid get' } })).some((m) => m.startsWith('spec.names.kind: Invalid value: "Wid get": may have mixed case, but should otherwise match: a DNS-1035 label')));
  assert.ok(messages(crd({ names: { plural: 'widgets', kind: 'Widget', categories: ['All'] } })).some((m) => m.startsWith('spec.names.categories[0]: Invalid value: "All": a DNS-1035 label')));
});

test('what all versions share is reported at the top level, as the v1 conversion hoists it', () => {
  const col = { name: 'X', type: 'color', jsonPath: '.spec.x' };
  const shared = messages(crd({ versions: [
    { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } }, additionalPrinterColumns: [col] },
    { name: 'v2', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } }, additionalPrinterColumns: [col] },
  ] }));
  assert.ok(shared.includes('spec.additionalPrinterColumns[0].type: Invalid value: "color": must be one of boolean,date,integer,number,string'), shared.join('\n'));
  const own = messages(crd({ versions: [
    { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } }, additionalPrinterColumns: [col] },
    { name: 'v2', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } },
  ] }));
  assert.ok(own.includes('spec.versions[0].additionalPrinterColumns[0].type: Invalid value: "color": must be one of boolean,date,integer,number,string'), own.join('\n'));
  const schema = messages(crd({ versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: {} } } } }] }));
  assert.ok(schema.some((m) => m.startsWith('spec.validation.openAPIV3Schema.properties[spec].type: Required value')), schema.join('\n'));
});

test('status subresource: only some fields at the schema root; scale paths', () => {
  const m = messages(crd({ versions: [{
    name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'array', items: { type: 'string' } } },
    subresources: { status: {}, scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: '.spec.replicas', labelSelectorPath: '.metadata.x' } },
  }] }));
  assert.ok(m.includes('spec.validation.openAPIV3Schema.type: Invalid value: "array": only "object" is allowed as the type at the root of the schema if the status subresource is enabled'), m.join('\n'));
  assert.ok(m.includes('spec.subresources.scale.specReplicasPath: Invalid value: "spec.replicas": must be a simple json path starting with .'));
  assert.ok(m.includes('spec.subresources.scale.statusReplicasPath: Invalid value: ".spec.replicas": should be a json path under .status'));
  assert.ok(m.includes('spec.subresources.scale.labelSelectorPath: Invalid value: ".metadata.x": should be a json path under either .spec or .status'));
});

test('updates: group and plural never change; scope and kind not once Established', () => {
  const old = crd();
  old.status = { ...old.status, conditions: [{ type: 'Established', status: 'True' }] };
  const next = structuredClone(old);
  next.spec.scope = 'Cluster';
  next.spec.names.kind = 'Gizmo';
  const m = validateCRDUpdate(next, old).map((e) => `${e.field}: ${e.message}`);
  assert.ok(m.includes('spec.scope: Invalid value: "Cluster": field is immutable'));
  assert.ok(m.includes('spec.names.kind: Invalid value: "Gizmo": field is immutable'));
  const fresh = structuredClone(old);
  fresh.status = { storedVersions: ['v1'] };
  const again = structuredClone(fresh);
  again.spec.scope = 'Cluster';
  assert.deepEqual(validateCRDUpdate(again, fresh), [], 'before Established the scope may change');
});

test('protected groups need the api-approved annotation', () => {
  const m = messages(crd({ group: 'widgets.k8s.io' }, 'widgets.widgets.k8s.io'));
  assert.ok(m.includes('metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111'), m.join('\n'));
});

test('naming: accepted names, conflicts reported as the naming controller does, Established after', () => {
  const a = crd();
  const first = namesAndConditions(a, []);
  assert.ok(first);
  assert.deepEqual(first.acceptedNames, { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' });
  assert.deepEqual(first.conditions?.map((c) => [c.type, c.status, c.reason]), [['NamesAccepted', 'True', 'NoConflicts'], ['Established', 'True', 'InitialNamesAccepted']]);
  a.status = first;
  assert.equal(namesAndConditions(a, [first.acceptedNames as CustomResourceDefinitionNames]), undefined, 'nothing changes the second time');
  const b = crd({ names: { plural: 'gadgets', kind: 'Gadget', shortNames: ['w'] } }, 'gadgets.acme.example.com');
  const taken: CustomResourceDefinitionNames = { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['w'] };
  const second = namesAndConditions(b, [taken]);
  const cond = second?.conditions?.find((c) => c.type === 'NamesAccepted');
  assert.deepEqual([cond?.status, cond?.reason, cond?.message], ['False', 'ShortNamesConflict', '"w" is already in use']);
  const est = second?.conditions?.find((c) => c.type === 'Established');
  assert.deepEqual([est?.status, est?.reason, est?.message], ['False', 'NotAccepted', 'not all names are accepted']);
  assert.equal(second?.acceptedNames?.plural, 'gadgets', 'the names without conflict are accepted');
  assert.equal(second?.acceptedNames?.shortNames, undefined);
});
