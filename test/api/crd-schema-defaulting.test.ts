// Structural defaulting and pruning of custom resources, following Kubernetes'
// pkg/apiserver/schema/defaulting/algorithm_test.go and pruning/algorithm_test.go.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JSONSchemaProps } from '../../api/types/apiextensions.js';
import { applyDefaults, prune, pruneNonNullableNulls } from '../../api/apiextensions/schema/index.js';

const def = (schema: JSONSchemaProps | undefined, json: string): unknown => applyDefaults(schema, JSON.parse(json));

describe('applyDefaults (defaulting.Default)', () => {
  it('leaves scalars and scalar arrays alone', () => {
    assert.equal(def(undefined, 'null'), null);
    assert.equal(def({ default: 'foo' }, '4'), 4);
    assert.deepEqual(def({ items: { default: 'foo' } }, '[1,2]'), [1, 2]);
  });

  it('fills absent properties of objects in arrays', () => {
    const s: JSONSchemaProps = { items: { properties: { a: { default: 'A' }, b: { default: 'B' }, c: { default: 'C' } } } };
    assert.deepEqual(def(s, '[{"a":1},{"b":1},{"c":1}]'),
      [{ a: 1, b: 'B', c: 'C' }, { a: 'A', b: 1, c: 'C' }, { a: 'A', b: 'B', c: 1 }]);
  });

  it('descends into properties, items and additionalProperties', () => {
    const s: JSONSchemaProps = {
      properties: {
        array: { items: { properties: { a: { default: 'A' }, b: { default: 'B' } } } },
        object: { properties: { a: { default: 'N' }, b: { default: 'O' } } },
        additionalProperties: { additionalProperties: { properties: { a: { default: 'alpha' }, b: { default: 'beta' } } } },
        foo: { default: 'bar' },
      },
    };
    assert.deepEqual(
      def(s, '{"array":[{"a":1},{"b":2}],"object":{"a":1},"additionalProperties":{"x":{"a":1},"y":{"b":2}}}'),
      { array: [{ a: 1, b: 'B' }, { a: 'A', b: 2 }], object: { a: 1, b: 'O' }, additionalProperties: { x: { a: 1, b: 'beta' }, y: { a: 'alpha', b: 2 } }, foo: 'bar' },
    );
  });

  it('replaces only absent values and non-nullable nulls, not zero values', () => {
    const s: JSONSchemaProps = { items: { properties: { a: { default: 'A' } } } };
    assert.deepEqual(def(s, '[{},{"a":1},{"a":0},{"a":0.0},{"a":""},{"a":null},{"a":[]},{"a":{}}]'),
      [{ a: 'A' }, { a: 1 }, { a: 0 }, { a: 0 }, { a: '' }, { a: 'A' }, { a: [] }, { a: {} }]);
  });

  it('handles null by nullability, in lists, objects and maps', () => {
    assert.deepEqual(def({ nullable: true, items: { properties: { a: { default: 'A' } } } }, '[null]'), [null]);
    assert.deepEqual(def({ items: { default: 'A' } }, '[null]'), ['A']);
    assert.deepEqual(def({ properties: { a: { nullable: true, default: 'A' } } }, '{"a":null}'), { a: null });
    assert.deepEqual(def({ properties: { a: { default: 'A' } } }, '{"a":null}'), { a: 'A' });
    assert.deepEqual(def({ additionalProperties: { nullable: true, default: 'A' } }, '{"a":null}'), { a: null });
    assert.deepEqual(def({ additionalProperties: { default: 'A' } }, '{"a":null}'), { a: 'A' });
    assert.deepEqual(def({ additionalProperties: true }, '{"a":null}'), { a: null });
  });

  it('defaults inside a default it just set, and copies defaults', () => {
    const s: JSONSchemaProps = {
      type: 'object',
      properties: { spec: { type: 'object', default: {}, properties: { replicas: { type: 'integer', default: 1 }, tags: { type: 'array', items: { type: 'string' }, default: ['a'] } } } },
    };
    const a = applyDefaults(s, {} as Record<string, unknown>);
    assert.deepEqual(a, { spec: { replicas: 1, tags: ['a'] } });
    (a.spec as { tags: string[] }).tags.push('b');
    assert.deepEqual(applyDefaults(s, {}), { spec: { replicas: 1, tags: ['a'] } }, 'the schema default must not be shared');
  });
});

describe('prune (pruning.Prune)', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          replicas: { type: 'integer' },
          template: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'object', properties: { a: { type: 'string' } } } } },
          ports: { type: 'array', items: { type: 'object', properties: { port: { type: 'integer' } } } },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          any: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          port: { 'x-kubernetes-int-or-string': true },
          embedded: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } } },
          raw: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    },
  };

  it('removes unknown fields, returns their paths, keeps apiVersion/kind/metadata at the root', () => {
    const obj = {
      apiVersion: 'example.com/v1', kind: 'Foo', metadata: { name: 'a', labels: { x: 'y' } },
      spec: {
        replicas: 1, foo: 'bar',
        ports: [{ port: 80, name: 'http' }, { port: 81 }],
        labels: { a: 'b' },
        any: { deep: { x: 1 } },
        port: '8080',
      },
      status: { ready: true },
    };
    const removed = prune(schema, obj);
    assert.deepEqual(removed, ['spec.foo', 'spec.ports[0].name', 'status']);
    assert.deepEqual(obj, {
      apiVersion: 'example.com/v1', kind: 'Foo', metadata: { name: 'a', labels: { x: 'y' } },
      spec: { replicas: 1, ports: [{ port: 80 }, { port: 81 }], labels: { a: 'b' }, any: { deep: { x: 1 } }, port: '8080' },
    });
  });

  it('keeps unknown fields under x-kubernetes-preserve-unknown-fields but prunes the known ones by their schema', () => {
    const obj = { spec: { template: { anything: { goes: [1, 2] }, known: { a: 'x', b: 'pruned' } } } };
    assert.deepEqual(prune(schema, obj), ['spec.template.known.b']);
    assert.deepEqual(obj, { spec: { template: { anything: { goes: [1, 2] }, known: { a: 'x' } } } });
  });

  it('keeps apiVersion, kind and metadata of embedded resources', () => {
    const obj = { spec: {
      embedded: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { a: 'x', b: 'y' }, status: {} },
      raw: { apiVersion: 'v1', kind: 'ConfigMap', data: { k: 'v' } },
    } };
    assert.deepEqual(prune(schema, obj), ['spec.embedded.spec.b', 'spec.embedded.status']);
    assert.deepEqual(obj.spec.embedded, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { a: 'x' } });
    assert.deepEqual(obj.spec.raw, { apiVersion: 'v1', kind: 'ConfigMap', data: { k: 'v' } });
  });

  it('prunes everything below a value whose schema has no fields, and lists of objects without items', () => {
    const obj = { spec: { replicas: { a: 1 } } };
    assert.deepEqual(prune(schema, obj), ['spec.replicas.a']);
    assert.deepEqual(obj, { spec: { replicas: {} } });
  });

  it('prunes a value that is not a resource root without keeping apiVersion/kind', () => {
    const v = { apiVersion: 'x', a: 1 };
    assert.deepEqual(prune({ type: 'object', properties: { a: { type: 'integer' } } }, v, { isResourceRoot: false }), ['apiVersion']);
    assert.deepEqual(v, { a: 1 });
  });

  it('a root with x-kubernetes-preserve-unknown-fields prunes nothing unknown', () => {
    const obj = { apiVersion: 'a/v1', kind: 'K', spec: { x: 1 }, other: true };
    assert.deepEqual(prune({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, obj), []);
    assert.deepEqual(obj, { apiVersion: 'a/v1', kind: 'K', spec: { x: 1 }, other: true });
  });

  it('drops nulls of non-nullable fields without a default (PruneNonNullableNullsWithoutDefaults), without reporting them', () => {
    const s: JSONSchemaProps = { type: 'object', properties: {
      a: { type: 'string' }, b: { type: 'string', nullable: true }, c: { type: 'string', default: 'C' },
      m: { type: 'object', additionalProperties: { type: 'string' } },
    } };
    const obj = { a: null, b: null, c: null, m: { x: null, y: 'v' } };
    assert.deepEqual(prune(s, obj), []);
    assert.deepEqual(obj, { b: null, c: null, m: { y: 'v' } });
    const kept = { a: null };
    pruneNonNullableNulls(kept, { type: 'object', properties: { a: { type: 'string', nullable: true } } });
    assert.deepEqual(kept, { a: null });
    const off = { a: null };
    prune(s, off, { pruneNulls: false });
    assert.deepEqual(off, { a: null });
  });
});
