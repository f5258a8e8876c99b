// The rules a CRD's openAPIV3Schema must follow, with the field paths and messages of
// apiextensions-apiserver (pkg/apis/apiextensions/validation/validation_test.go and
// pkg/apiserver/schema/validation_test.go): a CRD breaking them is refused with 422.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JSONSchemaProps } from '../../api/types/apiextensions.js';
import { validateStructural } from '../../api/apiextensions/schema/index.js';

const P = 'spec.versions[0].schema.openAPIV3Schema';
const errors = (schema: JSONSchemaProps, opts = {}): string[] =>
  validateStructural(schema, P, opts).map((e) => `${e.field}: ${e.message}`);
const root = (properties: Record<string, JSONSchemaProps>): JSONSchemaProps => ({ type: 'object', properties });

describe('validateStructural: structural schemas', () => {
  it('accepts a typical schema', () => {
    assert.deepEqual(errors(root({
      spec: {
        type: 'object', required: ['image'],
        properties: {
          image: { type: 'string', pattern: '^[a-z]' },
          replicas: { type: 'integer', minimum: 0, default: 1 },
          port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
          ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
          anything: { 'x-kubernetes-preserve-unknown-fields': true },
        },
        'x-kubernetes-validations': [{ rule: 'self.replicas >= 0', message: 'must not be negative' }],
      },
      status: { type: 'object', properties: { ready: { type: 'boolean' } } },
      metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 20 } } },
    })), []);
  });

  it('type is required at every level except under int-or-string and preserve-unknown-fields', () => {
    assert.deepEqual(errors({ properties: {} }), [`${P}.type: Required value: must not be empty at the root`]);
    assert.deepEqual(errors(root({ a: { properties: { b: { type: 'string' } } }, l: { type: 'array', items: {} } })), [
      `${P}.properties[a].type: Required value: must not be empty for specified object fields`,
      `${P}.properties[l].items.type: Required value: must not be empty for specified array items`,
    ]);
  });

  it('the root is an object without additionalProperties; arrays have items', () => {
    assert.deepEqual(errors({ type: 'string' }), [`${P}.type: Invalid value: "string": must be object at the root`]);
    assert.deepEqual(errors({ type: 'object', additionalProperties: { type: 'string' } }),
      [`${P}.additionalProperties: Forbidden: must not be used at the root`]);
    assert.deepEqual(errors(root({ l: { type: 'array' } })), [`${P}.properties[l].items: Required value: must be specified`]);
    assert.deepEqual(errors({ type: 'object', nullable: true }), [`${P}.nullable: Forbidden: nullable cannot be true at the root`]);
  });

  it('value validations (anyOf, allOf, oneOf, not) may not specify types, defaults, extensions or metadata', () => {
    assert.deepEqual(errors(root({ a: { type: 'string', anyOf: [{ type: 'string', description: 'x' }], not: { nullable: true, default: 'x' } } })), [
      `${P}.properties[a].anyOf[0].description: Forbidden: must be empty to be structural`,
      `${P}.properties[a].anyOf[0].type: Forbidden: must be empty to be structural`,
      `${P}.properties[a].not.default: Forbidden: must be undefined to be structural`,
      `${P}.properties[a].not.nullable: Forbidden: must be false to be structural`,
    ]);
    assert.deepEqual(errors(root({ a: { type: 'object', allOf: [{ properties: { metadata: {} } }] } })),
      [`${P}.properties[a].allOf[0].properties[metadata]: Forbidden: must not be specified in a nested context`]);
  });

  it('the int-or-string anyOf pattern is allowed', () => {
    assert.deepEqual(errors(root({ p: { 'x-kubernetes-int-or-string': true, allOf: [{ anyOf: [{ type: 'integer' }, { type: 'string' }] }, { pattern: 'x' }] } })), []);
    assert.deepEqual(errors(root({ p: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-preserve-unknown-fields': true } })),
      [`${P}.properties[p].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true`]);
  });

  it('metadata at the root may only restrict name and generateName', () => {
    assert.deepEqual(errors(root({ metadata: { type: 'object', properties: { name: { type: 'string', pattern: '^a' }, generateName: { type: 'string' } } } })), []);
    assert.deepEqual(errors(root({ metadata: { type: 'object', properties: { labels: { type: 'object' } } } })),
      [`${P}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`]);
    assert.deepEqual(errors(root({ metadata: { type: 'string' } })), [
      `${P}.properties[metadata].type: Invalid value: "string": must be object`,
    ]);
    assert.deepEqual(errors(root({ kind: { type: 'integer' } })), [`${P}.properties[kind].type: Invalid value: "integer": must be string`]);
  });

  it('embedded resources are objects with properties or preserve-unknown-fields', () => {
    assert.deepEqual(errors(root({ e: { type: 'object', 'x-kubernetes-embedded-resource': true } })),
      [`${P}.properties[e].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`]);
    assert.deepEqual(errors(root({ e: { type: 'string', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } })),
      [`${P}.properties[e].type: Invalid value: "string": must be object if x-kubernetes-embedded-resource is true`]);
  });
});

describe('validateStructural: the OpenAPI subset CRDs accept', () => {
  it('refuses $ref, items arrays, additionalProperties beside properties, and other unsupported keywords', () => {
    const e = errors(root({
      r: { type: 'object', $ref: '#/definitions/x' },
      i: { type: 'array', items: [{ type: 'string' }] },
      m: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } },
      u: { type: 'array', items: { type: 'string' }, uniqueItems: true },
      n: { type: 'null' },
      t: { type: 'date' },
    }));
    for (const want of [
      `${P}.properties[r].$ref: Forbidden: $ref is not supported`,
      `${P}.properties[i].items: Forbidden: items must be a schema object and not an array`,
      `${P}.properties[m].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
      `${P}.properties[u].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
      `${P}.properties[n].type: Forbidden: type cannot be set to null, use nullable as an alternative`,
      `${P}.properties[t].type: Unsupported value: "date": supported values: "array", "boolean", "integer", "number", "object", "string"`,
    ]) assert.ok(e.includes(want), `missing ${want} in\n${e.join('\n')}`);
  });

  it('defaults are forbidden in top-level metadata and must validate and be pruned', () => {
    assert.deepEqual(errors(root({ metadata: { type: 'object', default: {} } })),
      [`${P}.properties[metadata].default: Forbidden: must not be set in top-level metadata`]);
    assert.deepEqual(errors(root({ spec: { type: 'object', properties: { replicas: { type: 'integer', default: 'one' } } } })),
      [`${P}.properties[spec].properties[replicas].default: Invalid value: "string":  in body must be of type integer: "string"`]);
    assert.deepEqual(errors(root({ spec: { type: 'object', default: { a: 1, b: 2 }, properties: { a: { type: 'integer', minimum: 5 } } } })), [
      `${P}.properties[spec].default: Invalid value: map[string]interface {}{"a":1, "b":2}: must not have unknown fields`,
      `${P}.properties[spec].default.a: Invalid value: 1: a in body should be greater than or equal to 5`,
    ]);
  });

  it('x-kubernetes-list-type and map keys', () => {
    assert.deepEqual(errors(root({ l: { type: 'string', 'x-kubernetes-list-type': 'set' } })),
      [`${P}.properties[l].type: Invalid value: "string": must be array if x-kubernetes-list-type is specified`]);
    assert.deepEqual(errors(root({ l: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'bag' } })),
      [`${P}.properties[l].x-kubernetes-list-type: Unsupported value: "bag": supported values: "atomic", "set", "map"`]);
    assert.deepEqual(errors(root({ l: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } }, 'x-kubernetes-list-type': 'map' } })),
      [`${P}.properties[l].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`]);
    assert.deepEqual(errors(root({ l: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['a'] } })),
      [`${P}.properties[l].items.properties[a].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property`]);
    assert.deepEqual(errors(root({ l: { type: 'array', items: { type: 'object', required: ['b'], properties: { b: { type: 'string' } } }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['a'] } })),
      [`${P}.properties[l].x-kubernetes-list-map-keys: Invalid value: []string{"a"}: entries must all be names of item properties`]);
    assert.deepEqual(errors(root({ l: { type: 'array', items: { type: 'object' }, 'x-kubernetes-list-type': 'set' } })),
      [`${P}.properties[l].items.x-kubernetes-map-type: Invalid value: "set": must be atomic as item of a list with x-kubernetes-list-type=set`]);
    assert.deepEqual(errors(root({ m: { type: 'object', 'x-kubernetes-map-type': 'sometimes' } })),
      [`${P}.properties[m].x-kubernetes-map-type: Unsupported value: "sometimes": supported values: "atomic", "granular"`]);
  });

  it('preserve-unknown-fields may only be true; patterns must compile', () => {
    assert.deepEqual(errors(root({ a: { type: 'object', 'x-kubernetes-preserve-unknown-fields': false } })),
      [`${P}.properties[a].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined`]);
    const e = errors(root({ a: { type: 'string', pattern: '([a-z' } }));
    assert.equal(e.length, 1);
    assert.match(e[0], /^spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[a\]\.pattern: Invalid value: "\(\[a-z": must be a valid regular expression, but isn't: /);
  });

  it('with the status subresource only some keywords are allowed at the root', () => {
    assert.deepEqual(errors({ type: 'object', properties: {}, 'x-kubernetes-validations': [{ rule: 'true' }] }, { statusSubresource: true }), []);
    const e = errors({ type: 'object', anyOf: [{ required: ['spec'] }] }, { statusSubresource: true });
    assert.equal(e.length, 1);
    assert.match(e[0], /^spec\.versions\[0\]\.schema\.openAPIV3Schema: Invalid value: .*: only \[Description Type Format .*\] fields are allowed at the root of the schema if the status subresource is enabled$/);
  });
});

describe('validateStructural: x-kubernetes-validations', () => {
  it('checks the rule shape and reason', () => {
    assert.deepEqual(errors(root({ a: { type: 'string', 'x-kubernetes-validations': [{ rule: ' ' }, { rule: 'self == "x"', reason: 'FieldValueWrong' }, { rule: 'true', message: ' ' }] } })), [
      `${P}.properties[a].x-kubernetes-validations[0].rule: Required value: rule is not specified`,
      `${P}.properties[a].x-kubernetes-validations[1].reason: Unsupported value: "FieldValueWrong": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"`,
      `${P}.properties[a].x-kubernetes-validations[2].message: Invalid value: " ": message must be non-empty if specified`,
    ]);
  });

  it('reports compile errors as "compilation failed"', () => {
    const e = validateStructural(root({ a: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self ==' }] } }), P);
    assert.equal(e.length, 1);
    assert.equal(e[0].field, `${P}.properties[a].x-kubernetes-validations[0].rule`);
    assert.match(e[0].message, /^Invalid value: apiextensions\.ValidationRule\{Rule:"self ==", Message:"", .*\}: compilation failed: ERROR: <input>/);
    const undef = validateStructural(root({ a: { type: 'string', 'x-kubernetes-validations': [{ rule: 'foo == 1' }] } }), P);
    assert.equal(undef.length, 1);
    assert.match(undef[0].message, /compilation failed: ERROR: <input>:.*undeclared reference to 'foo'|compilation failed: .*foo/);
  });

  it('field selections on self are checked against the schema, as Kubernetes\' type checker does', () => {
    const s = (rule: string): string[] => validateStructural({
      type: 'object',
      properties: { spec: { type: 'object', properties: {
        replicas: { type: 'integer' }, 'max-surge': { type: 'string' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      } } },
      'x-kubernetes-validations': [{ rule }],
    }, P).map((e) => e.message.replace(/^Invalid value: apiextensions\.ValidationRule\{.*?\}: /, ''));
    for (const ok of ['self.spec.replicas > 0', 'self.spec.max__dash__surge != ""', "self.spec.labels.app == 'x'", 'self.spec.raw.anything.goes', "self.metadata.name != '' && self.kind == 'X'", 'has(self.spec.replicas)']) {
      assert.deepEqual(s(ok), [], ok);
    }
    assert.deepEqual(s('self.spec.replica > 0'), ["compilation failed: ERROR: <input>:1:10: undefined field 'replica'\n | self.spec.replica > 0\n | .........^"]);
    assert.deepEqual(s('self.spec.replicas.x'), ["compilation failed: ERROR: <input>:1:19: type 'int' does not support field selection\n | self.spec.replicas.x\n | ..................^"]);
    assert.deepEqual(s("self.metadata.labels['a'] == 'b'"), ["compilation failed: ERROR: <input>:1:14: undefined field 'labels'\n | self.metadata.labels['a'] == 'b'\n | .............^"]);
  });

  it('oldSelf only where old and new values correlate; optionalOldSelf only with oldSelf', () => {
    assert.deepEqual(errors(root({ l: { type: 'array', items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] } } })),
      [`${P}.properties[l].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within ${P}.properties[l]`]);
    assert.deepEqual(errors(root({
      l: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'], items: { type: 'object', required: ['k'], properties: { k: { type: 'string' } }, 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] } },
    })), []);
    assert.deepEqual(errors(root({ a: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == "x"', optionalOldSelf: true }] } })),
      [`${P}.properties[a].x-kubernetes-validations[0].optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule`]);
  });

  it('fieldPath must name a field of the schema', () => {
    const s = (fieldPath: string): JSONSchemaProps => root({ spec: { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'string' } } }, m: { type: 'object', additionalProperties: { type: 'string' } } }, 'x-kubernetes-validations': [{ rule: 'true', fieldPath }] } });
    assert.deepEqual(errors(s('.a.b')), []);
    assert.deepEqual(errors(s(".m['some.key']")), []);
    assert.deepEqual(errors(s('.c')), [`${P}.properties[spec].x-kubernetes-validations[0].fieldPath: Invalid value: ".c": fieldPath must be a valid path`]);
    assert.equal(errors(s('.a[0]')).length, 1, 'list indices are not field paths');
  });
});
