// Custom resources against their schema: the field and message of each error as the
// real kube-apiserver answers them in a 422 (kube-openapi's validator messages turned
// into field errors by apiextensions-apiserver's kubeOpenAPIResultToFieldErrors, and the
// listtype and objectmeta checks), e.g. as `kubectl apply` prints:
//   spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JSONSchemaProps } from '../../api/types/apiextensions.js';
import { validateObject } from '../../api/apiextensions/schema/index.js';

/** "field: message" of each error, as kubectl prints them. */
const errors = (schema: JSONSchemaProps, obj: unknown, old?: unknown): string[] =>
  validateObject(schema, obj, old).map((e) => `${e.field}: ${e.message}`);

const spec = (properties: Record<string, JSONSchemaProps>, extra: JSONSchemaProps = {}): JSONSchemaProps => ({
  type: 'object',
  properties: { spec: { type: 'object', properties, ...extra } },
});

describe('validateObject: types', () => {
  const s = spec({
    replicas: { type: 'integer' }, ratio: { type: 'number' }, name: { type: 'string' }, on: { type: 'boolean' },
    list: { type: 'array', items: { type: 'string' } }, obj: { type: 'object' },
  });

  it('accepts matching types; integers are numbers', () => {
    assert.deepEqual(errors(s, { spec: { replicas: 3, ratio: 1, name: 'x', on: true, list: ['a'], obj: {} } }), []);
    assert.deepEqual(errors(s, { spec: { ratio: 0.5 } }), []);
  });

  it('reports the JSON type found, with kube-openapi wording and reason FieldValueTypeInvalid', () => {
    assert.deepEqual(errors(s, { spec: { replicas: 'string' } }),
      ['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"']);
    assert.deepEqual(errors(s, { spec: { replicas: 1.5 } }),
      ['spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"']);
    assert.deepEqual(errors(s, { spec: { name: 5, on: 'yes', list: {}, obj: [] } }), [
      'spec.name: Invalid value: "integer": spec.name in body must be of type string: "integer"',
      'spec.on: Invalid value: "string": spec.on in body must be of type boolean: "string"',
      'spec.list: Invalid value: "object": spec.list in body must be of type array: "object"',
      'spec.obj: Invalid value: "array": spec.obj in body must be of type object: "array"',
    ]);
    assert.equal(validateObject(s, { spec: { replicas: 'x' } })[0].reason, 'FieldValueTypeInvalid');
  });

  it('null is refused unless nullable', () => {
    assert.deepEqual(errors(s, { spec: { name: null } }),
      ['spec.name: Invalid value: "null": spec.name in body must be of type string: "null"']);
    assert.deepEqual(errors(spec({ name: { type: 'string', nullable: true } }), { spec: { name: null } }), []);
  });

  it('x-kubernetes-int-or-string accepts integers and strings only', () => {
    const ios = spec({ port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } });
    assert.deepEqual(errors(ios, { spec: { port: 80 } }), []);
    assert.deepEqual(errors(ios, { spec: { port: 'http' } }), []);
    assert.deepEqual(errors(ios, { spec: { port: true } })[0],
      'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"');
  });

  it('items and nested paths use [i] and dots', () => {
    assert.deepEqual(errors(s, { spec: { list: ['a', 1] } }),
      ['spec.list[1]: Invalid value: "integer": spec.list[1] in body must be of type string: "integer"']);
  });
});

describe('validateObject: value validations', () => {
  it('required: "Required value"', () => {
    const s = spec({ image: { type: 'string' }, size: { type: 'integer' } }, { required: ['image', 'size'] });
    const errs = validateObject(s, { spec: { size: 1 } });
    assert.deepEqual(errs, [{ reason: 'FieldValueRequired', field: 'spec.image', message: 'Required value' }]);
    assert.deepEqual(errors({ type: 'object', required: ['spec'], properties: { spec: { type: 'object' } } }, {}), ['spec: Required value']);
  });

  it('enum: "Unsupported value" with the supported values quoted, non-strings as JSON', () => {
    const s = spec({ mode: { type: 'string', enum: ['a', 'b'] }, level: { type: 'integer', enum: [1, 2] } });
    assert.deepEqual(errors(s, { spec: { mode: 'x' } }), ['spec.mode: Unsupported value: "x": supported values: "a", "b"']);
    assert.deepEqual(errors(s, { spec: { level: 3 } }), ['spec.level: Unsupported value: 3: supported values: "1", "2"']);
    assert.deepEqual(errors(s, { spec: { mode: 'a', level: 2 } }), []);
    assert.equal(validateObject(s, { spec: { mode: 'x' } })[0].reason, 'FieldValueNotSupported');
  });

  it('minimum/maximum with exclusive bounds', () => {
    const s = spec({
      replicas: { type: 'integer', minimum: 1, maximum: 10 },
      ratio: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1.5, exclusiveMaximum: true },
    });
    assert.deepEqual(errors(s, { spec: { replicas: 0 } }),
      ['spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1']);
    assert.deepEqual(errors(s, { spec: { replicas: 11 } }),
      ['spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10']);
    assert.deepEqual(errors(s, { spec: { ratio: 0 } }), ['spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0']);
    assert.deepEqual(errors(s, { spec: { ratio: 1.5 } }), ['spec.ratio: Invalid value: 1.5: spec.ratio in body should be less than 1.5']);
    assert.deepEqual(errors(s, { spec: { replicas: 1, ratio: 0.5 } }), []);
  });

  it('multipleOf', () => {
    assert.deepEqual(errors(spec({ n: { type: 'integer', multipleOf: 5 } }), { spec: { n: 7 } }),
      ['spec.n: Invalid value: 7: spec.n in body should be a multiple of 5']);
    assert.deepEqual(errors(spec({ n: { type: 'number', multipleOf: 0.5 } }), { spec: { n: 1.5 } }), []);
  });

  it('strings: maxLength is "Too long", minLength and pattern are Invalid (runes counted)', () => {
    const s = spec({ name: { type: 'string', minLength: 2, maxLength: 5, pattern: '^[a-z]+$' } });
    assert.deepEqual(validateObject(s, { spec: { name: 'abcdef' } }),
      [{ reason: 'FieldValueTooLong', field: 'spec.name', message: 'Too long: may not be more than 5 bytes' }]);
    assert.deepEqual(errors(s, { spec: { name: 'a' } }), ['spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long']);
    assert.deepEqual(errors(s, { spec: { name: 'AB' } }), ['spec.name: Invalid value: "AB": spec.name in body should match \'^[a-z]+$\'']);
    assert.deepEqual(errors(spec({ name: { type: 'string', maxLength: 3 } }), { spec: { name: 'äöü' } }), []);
  });

  it('arrays: maxItems is "Too many", minItems Invalid with the count, uniqueItems', () => {
    const s = spec({ tags: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 3, uniqueItems: true } });
    assert.deepEqual(validateObject(s, { spec: { tags: ['a', 'b', 'c', 'd'] } }),
      [{ reason: 'FieldValueTooMany', field: 'spec.tags', message: 'Too many: 4: must have at most 3 items' }]);
    assert.deepEqual(errors(s, { spec: { tags: ['a'] } }), ['spec.tags: Invalid value: 1: spec.tags in body should have at least 2 items']);
    assert.deepEqual(errors(s, { spec: { tags: ['a', 'a'] } }), ['spec.tags: Invalid value: "": spec.tags in body shouldn\'t contain duplicates']);
  });

  it('objects: min/maxProperties', () => {
    const s = spec({ m: { type: 'object', additionalProperties: { type: 'string' }, minProperties: 1, maxProperties: 2 } });
    assert.deepEqual(errors(s, { spec: { m: {} } }), ['spec.m: Invalid value: 0: spec.m in body should have at least 1 properties']);
    assert.deepEqual(errors(s, { spec: { m: { a: '1', b: '2', c: '3' } } }), ['spec.m: Too many: 3: must have at most 2 items']);
  });

  it('additionalProperties schema validates map values, with kube-openapi map paths', () => {
    const s = spec({ labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 3 } } });
    assert.deepEqual(errors(s, { spec: { labels: { a: 'x', b: 1 } } }),
      ['spec.labels.b: Invalid value: "integer": spec.labels.b in body must be of type string: "integer"']);
  });

  it('formats the apiserver supports (date-time, uuid, ipv4, ...) and ignores others', () => {
    const s = spec({ at: { type: 'string', format: 'date-time' }, id: { type: 'string', format: 'uuid' }, ip: { type: 'string', format: 'ipv4' }, x: { type: 'string', format: 'something-else' } });
    assert.deepEqual(errors(s, { spec: { at: '2024-01-02T03:04:05Z', id: '123e4567-e89b-12d3-a456-426614174000', ip: '10.0.0.1', x: '?' } }), []);
    assert.deepEqual(errors(s, { spec: { at: 'yesterday', ip: '10.0.0.256' } }), [
      'spec.at: Invalid value: "yesterday": spec.at in body must be of type date-time: "yesterday"',
      'spec.ip: Invalid value: "10.0.0.256": spec.ip in body must be of type ipv4: "10.0.0.256"',
    ]);
  });

  it('anyOf / oneOf / not as value validations', () => {
    const s = spec({ v: { type: 'string', anyOf: [{ pattern: '^a' }, { pattern: '^b' }] }, w: { type: 'integer', not: { minimum: 5 } } });
    assert.deepEqual(errors(s, { spec: { v: 'b', w: 1 } }), []);
    const e = errors(s, { spec: { v: 'c', w: 7 } });
    assert.ok(e.includes('<nil>: Invalid value: "": "spec.v" must validate at least one schema (anyOf)'), e.join('\n'));
    assert.ok(e.includes('<nil>: Invalid value: "": "spec.w" must not validate the schema (not)'), e.join('\n'));
  });
});

describe('validateObject: list types and embedded resources', () => {
  it('x-kubernetes-list-type=set: duplicates are "Duplicate value" at their index', () => {
    const s = spec({ tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } } });
    assert.deepEqual(validateObject(s, { spec: { tags: ['a', 'b', 'a', 'a'] } }),
      [{ reason: 'FieldValueDuplicate', field: 'spec.tags[2]', message: 'Duplicate value: "a"' }]);
  });

  it('x-kubernetes-list-type=set: each repeated value once, compounds by their JSON', () => {
    const s = spec({ sets: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'object', 'x-kubernetes-map-type': 'atomic', additionalProperties: { type: 'string' } } } });
    assert.deepEqual(errors(s, { spec: { sets: [{ a: 'b' }, { a: 'b' }, { a: 'b' }, { c: 'd' }] } }),
      ['spec.sets[1]: Duplicate value: map[string]interface {}{"a":"b"}']);
  });

  it('x-kubernetes-list-type=map: duplicate keys, one or several', () => {
    const one = spec({ containers: {
      type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
      items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, image: { type: 'string' } } },
    } });
    assert.deepEqual(errors(one, { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'a', image: 'y' }] } }),
      ['spec.containers[1]: Duplicate value: map[string]interface {}{"name":"a"}']);
    const s = spec({ ports: {
      type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port', 'protocol'],
      items: { type: 'object', required: ['port'], properties: { port: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' } } },
    } });
    assert.deepEqual(errors(s, { spec: { ports: [{ port: 80, protocol: 'TCP' }, { port: 80, protocol: 'UDP' }] } }), []);
    assert.deepEqual(errors(s, { spec: { ports: [{ protocol: 'TCP', port: 80 }, { port: 80, protocol: 'TCP' }] } }),
      ['spec.ports[1]: Duplicate value: map[string]interface {}{"port":80, "protocol":"TCP"}']);
    assert.deepEqual(errors(s, { spec: { ports: [{ port: 80 }, 'x'] } }), [
      'spec.ports[1]: Invalid value: "string": spec.ports[1] in body must be of type object: "string"',
      'spec.ports[1]: Invalid value: "x": must be an object for an array of list-type map',
    ]);
  });

  it('list types are checked inside maps with [key] paths', () => {
    const s = spec({ groups: { type: 'object', additionalProperties: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'integer' } } } });
    assert.deepEqual(errors(s, { spec: { groups: { g1: [1, 2, 1] } } }), ['spec.groups[g1][2]: Duplicate value: 1']);
  });

  it('embedded resources need apiVersion and kind', () => {
    const s = spec({ template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } });
    assert.deepEqual(errors(s, { spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: {} } } }), []);
    assert.deepEqual(errors(s, { spec: { template: {} } }), [
      'spec.template.apiVersion: Required value: must not be empty',
      'spec.template.kind: Required value: must not be empty',
    ]);
    const bad = errors(s, { spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { labels: { 'bad key!': 'x' } } } } });
    assert.equal(bad.length, 1);
    assert.match(bad[0], /^spec\.template\.metadata\.labels: Invalid value: "bad key!": /);
    assert.deepEqual(errors(s, { spec: { template: { apiVersion: 'a/b/c', kind: 'no_underscores' } } }), [
      'spec.template.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c',
      'spec.template.kind: Invalid value: "no_underscores": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
    ]);
  });
});

describe('validateObject: ratcheting on update (CRDValidationRatcheting)', () => {
  const s = spec({
    name: { type: 'string', maxLength: 3 },
    replicas: { type: 'integer', minimum: 1 },
    ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer', maximum: 100 } } } },
  });

  it('values unchanged from the old object are not refused again, changed ones are', () => {
    const old = { spec: { name: 'toolong', replicas: 0, ports: [{ name: 'a', port: 8080 }] } };
    assert.deepEqual(errors(s, { spec: { name: 'toolong', replicas: 0, ports: [{ name: 'a', port: 8080 }] } }, old), []);
    assert.deepEqual(errors(s, { spec: { name: 'toolong', replicas: 0, ports: [{ name: 'b', port: 9090 }, { name: 'a', port: 8080 }] } }, old),
      ['spec.ports[0].port: Invalid value: 9090: spec.ports[0].port in body should be less than or equal to 100']);
    assert.deepEqual(errors(s, { spec: { name: 'stilltoolong', replicas: 0, ports: [] } }, old),
      ['spec.name: Too long: may not be more than 3 bytes']);
    assert.equal(errors(s, { spec: { name: 'toolong' } }).length, 1, 'on create everything is checked');
  });

  it('CEL rules without oldSelf ratchet too', () => {
    const r: JSONSchemaProps = { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'integer' } }, 'x-kubernetes-validations': [{ rule: 'self.a < self.b', message: 'a must be less than b' }] } } };
    assert.deepEqual(errors(r, { spec: { a: 2, b: 1 } }, { spec: { a: 2, b: 1 } }), []);
    assert.deepEqual(errors(r, { spec: { a: 3, b: 1 } }, { spec: { a: 2, b: 1 } }), ['spec: Invalid value: "object": a must be less than b']);
  });
});
