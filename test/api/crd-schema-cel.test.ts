// x-kubernetes-validations: CEL rules on custom resources, following
// apiextensions-apiserver pkg/apiserver/schema/cel/validation_test.go: messages,
// reasons, fieldPath, transition rules (oldSelf), optionalOldSelf, Kubernetes'
// libraries, and the cost limit that stops a rule which would run (practically) forever.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JSONSchemaProps, ValidationRule } from '../../api/types/apiextensions.js';
import { validateObject, validateRules, CostBudget } from '../../api/apiextensions/schema/index.js';
import { CelEnvironment, CompileError } from '../../api/cel/env.js';

const errors = (schema: JSONSchemaProps, obj: unknown, old?: unknown): string[] =>
  validateObject(schema, obj, old).map((e) => `${e.field}: ${e.message}`);

const withRules = (rules: ValidationRule[], properties: Record<string, JSONSchemaProps> = {
  replicas: { type: 'integer' }, maxReplicas: { type: 'integer' }, name: { type: 'string' },
}): JSONSchemaProps => ({
  type: 'object',
  properties: { spec: { type: 'object', properties, 'x-kubernetes-validations': rules } },
});

describe('CEL rules: results and messages', () => {
  it('a failing rule is Invalid with the schema type as value and "failed rule: <rule>"', () => {
    const s = withRules([{ rule: 'self.replicas <= self.maxReplicas' }]);
    assert.deepEqual(errors(s, { spec: { replicas: 3, maxReplicas: 5 } }), []);
    assert.deepEqual(validateObject(s, { spec: { replicas: 6, maxReplicas: 5 } }), [{
      reason: 'FieldValueInvalid', field: 'spec',
      message: 'Invalid value: "object": failed rule: self.replicas <= self.maxReplicas',
    }]);
  });

  it('message and messageExpression replace the default text', () => {
    const s = withRules([
      { rule: 'self.replicas <= self.maxReplicas', message: 'replicas must not exceed maxReplicas' },
      { rule: 'self.replicas >= 1', messageExpression: "'replicas is ' + string(self.replicas) + ', want at least 1'" },
      { rule: 'self.name != ""', message: 'fallback', messageExpression: 'self.noSuchField' },
    ]);
    assert.deepEqual(errors(s, { spec: { replicas: 0, maxReplicas: -1, name: '' } }), [
      'spec: Invalid value: "object": replicas must not exceed maxReplicas',
      'spec: Invalid value: "object": replicas is 0, want at least 1',
      'spec: Invalid value: "object": fallback',
    ]);
  });

  it('reason and fieldPath pick the error type and field', () => {
    const s = withRules([
      { rule: 'has(self.name)', reason: 'FieldValueRequired', fieldPath: '.name', message: 'name is required' },
      { rule: 'self.replicas < 100', reason: 'FieldValueForbidden', fieldPath: '.replicas', message: 'too many replicas' },
      { rule: 'false', reason: 'FieldValueDuplicate' },
    ]);
    assert.deepEqual(validateObject(s, { spec: { replicas: 100 } }), [
      { reason: 'FieldValueRequired', field: 'spec.name', message: 'Required value: name is required' },
      { reason: 'FieldValueForbidden', field: 'spec.replicas', message: 'Forbidden: too many replicas' },
      { reason: 'FieldValueDuplicate', field: 'spec', message: 'Duplicate value: "object"' },
    ]);
  });

  it('rules at the root see apiVersion, kind and metadata.name; their errors have the nil path', () => {
    const s: JSONSchemaProps = {
      type: 'object',
      'x-kubernetes-validations': [{ rule: "self.metadata.name.startsWith('web-') && self.kind == 'App'", message: 'name must start with web-' }],
      properties: { spec: { type: 'object' } },
    };
    assert.deepEqual(errors(s, { apiVersion: 'x.io/v1', kind: 'App', metadata: { name: 'web-1' }, spec: {} }), []);
    assert.deepEqual(errors(s, { apiVersion: 'x.io/v1', kind: 'App', metadata: { name: 'db-1' }, spec: {} }),
      ['<nil>: Invalid value: "object": name must start with web-']);
  });

  it('rules run on map values and list items with [key] and [i] paths, and not on null', () => {
    const s = withRules([], {
      labels: { type: 'object', additionalProperties: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.size() <= 3' }] } },
      ports: { type: 'array', items: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self > 0', message: 'must be positive' }] } },
      opt: { type: 'string', nullable: true, 'x-kubernetes-validations': [{ rule: 'self == "x"' }] },
    });
    assert.deepEqual(errors(s, { spec: { labels: { a: 'ok', b: 'long' }, ports: [80, 0], opt: null } }), [
      'spec.labels[b]: Invalid value: "string": failed rule: self.size() <= 3',
      'spec.ports[1]: Invalid value: "integer": must be positive',
    ]);
  });

  it('runtime errors are reported with the rule', () => {
    const s = withRules([{ rule: 'self.replicas / self.maxReplicas > 0' }, { rule: 'self.name == "a"' }]);
    assert.deepEqual(errors(s, { spec: { replicas: 1, maxReplicas: 0 } }), [
      'spec: Invalid value: "object": division by zero evaluating rule: self.replicas / self.maxReplicas > 0',
      'spec: Invalid value: "object": no such key: name evaluating rule: self.name == "a"',
    ]);
  });

  it('int64 semantics: integers are int, overflow is an error, number fields are double', () => {
    const s = withRules([{ rule: 'self.replicas * 9223372036854775807 > 0' }, { rule: 'self.ratio * 2.0 == 1.0' }], {
      replicas: { type: 'integer' }, ratio: { type: 'number' },
    });
    assert.deepEqual(errors(s, { spec: { replicas: 1, ratio: 0.5 } }), []);
    assert.deepEqual(errors(s, { spec: { replicas: 2, ratio: 1 } }), [
      'spec: Invalid value: "object": integer overflow evaluating rule: self.replicas * 9223372036854775807 > 0',
      'spec: Invalid value: "object": failed rule: self.ratio * 2.0 == 1.0',
    ]);
  });
});

describe('CEL rules: typed values', () => {
  it('date-time strings are timestamps and duration strings durations', () => {
    const s = withRules([
      { rule: "self.start < self.end && self.end - self.start == duration('1h')" },
      { rule: "self.timeout > duration('1m') && self.timeout.getSeconds() == 90" },
    ], { start: { type: 'string', format: 'date-time' }, end: { type: 'string', format: 'date-time' }, timeout: { type: 'string', format: 'duration' } });
    assert.deepEqual(errors(s, { spec: { start: '2024-01-01T00:00:00Z', end: '2024-01-01T01:00:00Z', timeout: '90s' } }), []);
    assert.deepEqual(errors(s, { spec: { start: '2024-01-01T00:00:00Z', end: '2024-01-01T02:00:00Z', timeout: '30s' } }).length, 2);
  });
});

describe('CEL rules: transition rules', () => {
  const immutable = withRules([{ rule: 'self.name == oldSelf.name', message: 'name is immutable' }]);

  it('rules using oldSelf do not run on create', () => {
    assert.deepEqual(errors(immutable, { spec: { name: 'a' } }), []);
  });

  it('they run on update, with oldSelf the old value at the same place', () => {
    assert.deepEqual(errors(immutable, { spec: { name: 'a' } }, { spec: { name: 'a' } }), []);
    assert.deepEqual(errors(immutable, { spec: { name: 'b' } }, { spec: { name: 'a' } }),
      ['spec: Invalid value: "object": name is immutable']);
    assert.deepEqual(errors(immutable, { spec: { name: 'b' } }, {}), [], 'no old spec: nothing to compare');
  });

  it('optionalOldSelf runs the rule on create with oldSelf an optional', () => {
    const s = withRules([{ rule: '!oldSelf.hasValue() || self.replicas >= oldSelf.value().replicas', optionalOldSelf: true, message: 'may not scale down' }]);
    assert.deepEqual(errors(s, { spec: { replicas: 1 } }), []);
    assert.deepEqual(errors(s, { spec: { replicas: 3 } }, { spec: { replicas: 2 } }), []);
    assert.deepEqual(errors(s, { spec: { replicas: 1 } }, { spec: { replicas: 2 } }), ['spec: Invalid value: "object": may not scale down']);
  });

  it('list-type=map items correlate with the old item of the same key', () => {
    const s = withRules([], {
      ports: {
        type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
        items: {
          type: 'object', required: ['name'],
          properties: { name: { type: 'string' }, port: { type: 'integer' } },
          'x-kubernetes-validations': [{ rule: 'self.port == oldSelf.port', message: 'port is immutable' }],
        },
      },
    });
    const old = { spec: { ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] } };
    assert.deepEqual(errors(s, { spec: { ports: [{ name: 'https', port: 443 }, { name: 'http', port: 80 }, { name: 'new', port: 1 }] } }, old), []);
    assert.deepEqual(errors(s, { spec: { ports: [{ name: 'https', port: 8443 }] } }, old),
      ['spec.ports[0]: Invalid value: "object": port is immutable']);
  });
});

describe('CEL rules: Kubernetes libraries', () => {
  const lib = (rule: string, spec: Record<string, unknown>): string[] => errors(withRules([{ rule }], {
    name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } }, nums: { type: 'array', items: { type: 'integer' } }, url: { type: 'string' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
  }), { spec });

  it('strings, regex, lists, url', () => {
    for (const [rule, spec] of [
      ["self.name.matches('^[a-z]+-[0-9]+$')", { name: 'web-1' }],
      ["self.name.find('[0-9]+') == '12'", { name: 'a12b' }],
      ["self.name.findAll('[0-9]') == ['1', '2']", { name: 'a1b2' }],
      ["self.name.lowerAscii() == 'abc' && self.name.upperAscii() == 'ABC'", { name: 'aBc' }],
      ["self.name.split('-').size() == 3 && self.name.replace('-', '.') == 'a.b.c'", { name: 'a-b-c' }],
      ["self.name.indexOf('b') == 1 && self.name.substring(1, 2) == 'b' && self.name.trim() == 'abc'", { name: 'abc' }],
      ['self.tags.isSorted() && self.nums.sum() == 6 && self.nums.max() == 3 && self.nums.min() == 1', { tags: ['a', 'b'], nums: [1, 2, 3] }],
      ["self.tags.indexOf('b') == 1 && self.tags.lastIndexOf('z') == -1", { tags: ['a', 'b'] }],
      ['self.nums.all(n, n > 0) && self.nums.exists_one(n, n == 2) && self.nums.filter(n, n > 1).size() == 2 && self.nums.map(n, n * 2)[2] == 6', { nums: [1, 2, 3] }],
      ["self.labels.all(k, k.startsWith('app')) && 'app' in self.labels && self.labels['app'] == 'x'", { labels: { app: 'x', appVersion: '1' } }],
      ["isURL(self.url) && url(self.url).getHost() == 'example.com:8080' && url(self.url).getScheme() == 'https'", { url: 'https://example.com:8080/path' }],
      ["has(self.name) && !has(self.tags) && self.?tags.orValue([]).size() == 0", { name: 'x' }],
      ["isQuantity(self.name) && quantity(self.name).isLessThan(quantity('1Gi')) && quantity(self.name).compareTo(quantity('512Mi')) == 0 && quantity('1.5').isInteger() == false && quantity('2k').asInteger() == 2000 && quantity('1').add(quantity('500m')) == quantity('1500m')", { name: '512Mi' }],
      ["!isQuantity('12x') && quantity('250m').asApproximateFloat() == 0.25 && quantity('-1').sign() == -1", {}],
      ["self.name.charAt(1) == 'b' && self.name.reverse() == 'cba' && self.name.replace('b', 'x', 1) == 'axc'", { name: 'abc' }],
      ["self.tags.slice(1, 2) == ['b'] && sets.contains(self.tags, ['a']) && sets.intersects(self.tags, ['z', 'b']) && sets.equivalent(self.tags, ['b', 'a'])", { tags: ['a', 'b'] }],
    ] as [string, Record<string, unknown>][]) {
      assert.deepEqual(lib(rule, spec), [], rule);
    }
    assert.deepEqual(lib('self.tags.isSorted()', { tags: ['b', 'a'] }), ['spec: Invalid value: "object": failed rule: self.tags.isSorted()']);
  });
});

describe('CEL rules: cost limits', () => {
  it('a rule that would run for ages is stopped by the per-call cost limit, quickly, and stops further rules', () => {
    const s = withRules([
      { rule: 'self.nums.all(a, self.nums.all(b, self.nums.all(c, a + b + c >= 0)))' },
      { rule: 'false', message: 'never reached' },
    ], { nums: { type: 'array', items: { type: 'integer' } } });
    const nums = Array.from({ length: 1000 }, (_, i) => i);
    const t0 = Date.now();
    const errs = errors(s, { spec: { nums } });
    const took = Date.now() - t0;
    assert.deepEqual(errs, ["spec: Invalid value: \"object\": 'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: self.nums.all(a, self.nums.all(b, self.nums.all(c, a + b + c >= 0)))"]);
    assert.ok(took < 5000, `took ${took} ms`);
  });

  it('the object-wide budget stops validation once spent', () => {
    const s = withRules([], {
      items: { type: 'array', items: { type: 'object', properties: { v: { type: 'array', items: { type: 'integer' } } }, 'x-kubernetes-validations': [{ rule: 'self.v.all(x, x >= 0)' }] } },
    });
    const obj = { spec: { items: Array.from({ length: 20 }, () => ({ v: Array.from({ length: 100 }, (_, i) => i) })) } };
    assert.deepEqual(validateRules(s, obj), []);
    const errs = validateRules(s, obj, undefined, new CostBudget(500));
    assert.equal(errs.length, 1);
    assert.equal(errs[0].message, 'Invalid value: "object": validation failed due to running out of cost budget, no further validation rules will be run');
  });
});

describe('api/cel environment', () => {
  it('compiles once and caches, and reports undeclared variables', () => {
    const env = new CelEnvironment({ variables: { object: 'dyn' } });
    const p = env.compile('object.a == 1');
    assert.ok(!(p instanceof CompileError));
    assert.equal(env.compile('object.a == 1'), p);
    const bad = env.compile('request.user == "x"');
    assert.ok(bad instanceof CompileError);
    assert.match(bad.message, /^compilation failed: ERROR: <input>:1:1: undeclared reference to 'request' \(in container ''\)/);
  });
});
