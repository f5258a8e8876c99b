// A CRD version's schema as /openapi/v3 and /openapi/v2 publish it (apiextensions-apiserver
// pkg/controller/openapi/builder and v2/conversion_test.go): v3 is the schema as given;
// v2 drops what OpenAPI v2 and kubectl's client-side validation cannot express.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JSONSchemaProps } from '../../api/types/apiextensions.js';
import { toOpenAPIV2, toOpenAPIV3 } from '../../api/apiextensions/schema/index.js';

const schema: JSONSchemaProps = {
  type: 'object',
  description: 'A Foo',
  properties: {
    spec: {
      type: 'object',
      required: ['image', 'note'],
      properties: {
        image: { type: 'string', description: 'The image', format: 'not-a-known-format' },
        note: { type: 'string', nullable: true },
        at: { type: 'string', format: 'date-time' },
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        opt: { type: 'object', nullable: true, properties: { a: { type: 'string' } } },
        raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { k: { type: 'string' } } },
        list: { type: 'array', 'x-kubernetes-preserve-unknown-fields': true, items: { type: 'string' } },
        value: { type: 'integer', not: { multipleOf: 3 }, default: 1 },
        count: { type: 'integer', format: 'int32' },
      },
      'x-kubernetes-validations': [{ rule: 'self.image != ""' }],
    },
  },
};

describe('toOpenAPIV3', () => {
  it('keeps the schema, with its extensions, dropping only formats the apiserver does not know', () => {
    const v3 = toOpenAPIV3(schema);
    const spec = v3.properties!.spec;
    assert.equal(spec.properties!.image.format, undefined);
    assert.equal(spec.properties!.image.description, 'The image');
    assert.equal(spec.properties!.at.format, 'date-time');
    assert.equal(spec.properties!.count.format, 'int32');
    assert.equal(spec.properties!.note.nullable, true);
    assert.deepEqual(spec.properties!.port, schema.properties!.spec.properties!.port);
    assert.deepEqual(spec['x-kubernetes-validations'], [{ rule: 'self.image != ""' }]);
    assert.equal(schema.properties!.spec.properties!.image.format, 'not-a-known-format', 'the input is not changed');
  });
});

describe('toOpenAPIV2 (ToStructuralOpenAPIV2)', () => {
  const v2 = toOpenAPIV2(schema);
  const spec = v2.properties!.spec;

  it('drops allOf/anyOf/oneOf/not', () => {
    assert.deepEqual(spec.properties!.port, { 'x-kubernetes-int-or-string': true });
    assert.deepEqual(spec.properties!.value, { type: 'integer', default: 1 });
  });

  it('nullable fields lose type, items and properties and are no longer required', () => {
    assert.deepEqual(spec.properties!.note, {});
    assert.deepEqual(spec.properties!.opt, {});
    assert.deepEqual(spec.required, ['image']);
  });

  it('x-kubernetes-preserve-unknown-fields drops properties and items; an array without items loses its type', () => {
    assert.deepEqual(spec.properties!.raw, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    assert.deepEqual(spec.properties!.list, { 'x-kubernetes-preserve-unknown-fields': true });
  });

  it('keeps descriptions and types kubectl explain shows', () => {
    assert.equal(v2.description, 'A Foo');
    assert.deepEqual(spec.properties!.image, { type: 'string', description: 'The image' });
  });
});
