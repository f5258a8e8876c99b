// The shape check and the Go value readers behind it: each expected text is what Go's
// decoding (encoding/json, time.Parse, base64, fmt) says for the same input.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError, goQuote, makeStatus, orderedStatus } from '../../api/errors.js';
import { goBase64Error, goFormat, parseGoTime } from '../../api/schemas/go-values.js';
import { checkPatchedShape, checkShape, MAX_NESTING_DEPTH, nestingDepth, shapeError } from '../../api/schemas/shape.js';
import type { Status } from '../../api/types/meta.js';

const POD = { group: '', version: 'v1', kind: 'Pod' };
const pod = (spec: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec, ...extra });

describe('shapeError, as encoding/json reads a body into the API struct', () => {
  it('names the innermost struct, the JSON path from the root and the Go type', () => {
    const cases: [unknown, string][] = [
      [pod({ containers: {} }), 'json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container'],
      [pod({ containers: [5] }), 'json: cannot unmarshal number into Go struct field PodSpec.spec.containers of type v1.Container'],
      [pod({ containers: [{ name: 5 }] }), 'json: cannot unmarshal number into Go struct field Container.spec.containers.name of type string'],
      [pod({ containers: [{ name: 'a', ports: [{ containerPort: 1.5 }] }] }), 'json: cannot unmarshal number 1.5 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32'],
      [pod({ containers: [{ name: 'a', ports: [{ containerPort: 2147483648 }] }] }), 'json: cannot unmarshal number 2147483648 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32'],
      [pod({ restartPolicy: true }), 'json: cannot unmarshal bool into Go struct field PodSpec.spec.restartPolicy of type v1.RestartPolicy'],
      [pod({ containers: [{ name: 'a', resources: { limits: [] } }] }), 'json: cannot unmarshal array into Go struct field ResourceRequirements.spec.containers.resources.limits of type v1.ResourceList'],
      [{ metadata: 'x' }, 'json: cannot unmarshal string into Go struct field Pod.metadata of type v1.ObjectMeta'],
      [{ metadata: { labels: { a: 5 } } }, 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string'],
      [pod({ containers: [{ name: 'a', livenessProbe: { httpGet: { port: {} } } }] }), 'json: cannot unmarshal object into Go value of type int32'],
      [pod({ containers: [{ name: 'a', resources: { limits: { cpu: 'lots' } } }] }), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
      [{ metadata: { creationTimestamp: 5 } }, 'json: cannot unmarshal number into Go value of type string'],
      [{ metadata: { creationTimestamp: 'yesterday' } }, 'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"'],
    ];
    for (const [obj, message] of cases) assert.equal(shapeError(POD, obj as Record<string, unknown>), message, JSON.stringify(obj));
    assert.equal(shapeError({ group: '', version: 'v1', kind: 'Secret' }, { data: { k: 'no!' } }), 'illegal base64 data at input byte 2');
    assert.equal(shapeError({ group: 'apps', version: 'v1', kind: 'Deployment' }, { spec: { replicas: '3' } }), 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
  });

  it('reports the first error in document order, as Go does', () => {
    assert.equal(shapeError(POD, { spec: { restartPolicy: 1, containers: {} } }), 'json: cannot unmarshal number into Go struct field PodSpec.spec.restartPolicy of type v1.RestartPolicy');
    assert.equal(shapeError(POD, { spec: { containers: {}, restartPolicy: 1 } }), 'json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container');
  });

  it('normalizes what decoding normalizes: nulls, lone surrogates, times, base64', () => {
    const obj = pod({ containers: [null, { name: 'a\ud800', ports: null }], nodeSelector: { k: null } }, {
      status: { startTime: '2024-01-01T10:00:00.5+02:00', conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null }] },
    });
    assert.equal(shapeError(POD, obj), undefined);
    assert.deepEqual(obj.spec, { containers: [{}, { name: 'a\ufffd' }], nodeSelector: { k: '' } });
    assert.deepEqual(obj.status, { startTime: '2024-01-01T08:00:00Z', conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null }] });
    const secret = { data: { k: 'aGk\n=' } };
    assert.equal(shapeError({ group: '', version: 'v1', kind: 'Secret' }, secret), undefined);
    assert.deepEqual(secret.data, { k: 'aGk=' });
  });

  it('leaves fields the schema does not know alone, and kinds it does not know', () => {
    const obj = pod({ containers: [{ name: 'a', bogus: { deep: [1, 'x'] } }] }, { extra: 5 });
    assert.equal(shapeError(POD, obj), undefined);
    assert.equal(obj.extra, 5);
    assert.equal(shapeError({ group: 'x.io', version: 'v1', kind: 'Widget' }, { spec: 5 }), undefined);
  });

  it('speaks as the unstructured converter for a strategic merge patch', () => {
    assert.equal(shapeError(POD, pod({ containers: {} }), 'unstructured'), 'cannot restore slice from map');
    assert.equal(shapeError(POD, { metadata: 'x' }, 'unstructured'), 'cannot restore struct from: string');
    assert.equal(shapeError(POD, { metadata: { name: 5 } }, 'unstructured'), 'cannot convert int64 to string');
    assert.equal(shapeError(POD, { metadata: { name: true } }, 'unstructured'), 'unrecognized type: string');
    assert.equal(shapeError(POD, { metadata: { labels: [] } }, 'unstructured'), 'cannot restore map from slice');
  });
});

describe('checkShape and checkPatchedShape', () => {
  const fails = (fn: () => void): StatusError => {
    try {
      fn();
    } catch (err) {
      if (err instanceof StatusError) return err;
      throw err;
    }
    throw new Error('no error');
  };

  it('answers a body that does not decode with kube-apiserver\'s 400', () => {
    const err = fails(() => checkShape(POD, { spec: { containers: 'x' } }));
    assert.equal(err.code, 400);
    assert.equal(err.status.message, 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container');
    // Another kind in the body is the type check's to refuse, not the shape check's.
    checkShape(POD, { kind: 'Service', spec: { containers: 'x' } });
  });

  it('answers a patched object that does not decode with the 422 on "patch"', () => {
    const json = fails(() => checkPatchedShape(POD, 'application/merge-patch+json', { spec: { containers: 5 } }, { spec: { containers: 5 } }));
    assert.equal(json.code, 422);
    assert.equal(json.status.message, ' "" is invalid: patch: Invalid value: "{\\"spec\\":{\\"containers\\":5}}": json: cannot unmarshal number into Go struct field PodSpec.spec.containers of type []v1.Container');
    const smp = fails(() => checkPatchedShape(POD, 'application/strategic-merge-patch+json', { spec: { containers: 5 } }, { spec: { containers: 5, x: 1.5 } }));
    assert.equal(smp.status.message, ' "" is invalid: patch: Invalid value: "map[spec:map[containers:5 x:1.5]]": cannot restore slice from int64');
    assert.deepEqual(smp.status.details, { causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: "map[spec:map[containers:5 x:1.5]]": cannot restore slice from int64', field: 'patch' }] });
  });

  it('refuses a patched object nested past the limit, and measures depth without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.equal(nestingDepth(deep), 100_000);
    assert.equal(nestingDepth({ a: [] }), 2);
    assert.equal(nestingDepth('x'), 0);
    assert.equal(fails(() => checkPatchedShape(POD, 'application/json-patch+json', { metadata: { x: deep } }, [])).code, 422);
    let ok: unknown = 1;
    for (let i = 0; i < MAX_NESTING_DEPTH - 2; i++) ok = [ok];
    checkPatchedShape(POD, 'application/json-patch+json', { metadata: {}, x: ok }, []);
  });
});

describe('Go values', () => {
  it('parses times as time.Parse does with RFC 3339 layouts, and writes them back in UTC', () => {
    const cases: [string, boolean, string | null | { error: string }][] = [
      ['2024-01-01T00:00:00Z', false, '2024-01-01T00:00:00Z'],
      ['2024-01-01T00:00:00.999+01:30', false, '2023-12-31T22:30:00Z'],
      ['2024-01-01T5:00:00Z', false, '2024-01-01T05:00:00Z'],
      ['2024-01-01T00:00:00.123456Z', true, '2024-01-01T00:00:00.123456Z'],
      ['0001-01-01T00:00:00Z', false, null],
      ['2024-13-01T00:00:00Z', false, { error: 'parsing time "2024-13-01T00:00:00Z": month out of range' }],
      ['2024-02-30T00:00:00Z', false, { error: 'parsing time "2024-02-30T00:00:00Z": day out of range' }],
      ['2024-01-01 00:00:00Z', false, { error: 'parsing time "2024-01-01 00:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse " 00:00:00Z" as "T"' }],
      ['2024-01-01T00:00:00', false, { error: 'parsing time "2024-01-01T00:00:00" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "Z07:00"' }],
      ['2024-01-01T00:00:00Zjunk', false, { error: 'parsing time "2024-01-01T00:00:00Zjunk": extra text: "junk"' }],
      ['2024-01-01T00:00:00Z', true, { error: 'parsing time "2024-01-01T00:00:00Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"' }],
      ['é', false, { error: 'parsing time "\\xc3\\xa9" as "2006-01-02T15:04:05Z07:00": cannot parse "\\xc3\\xa9" as "2006"' }],
    ];
    for (const [s, micro, want] of cases) {
      const got = parseGoTime(s, micro);
      assert.deepEqual(got, want !== null && typeof want === 'object' ? want : { value: want }, s);
    }
  });

  it('decodes base64 as base64.StdEncoding does', () => {
    for (const ok of ['', 'aGk=', 'aGVsbG8=', 'aG\nVs\r\nbG8=']) assert.equal(goBase64Error(ok), undefined, ok);
    const bad: [string, number][] = [['aGk', 0], ['a', 0], ['!!!!', 0], ['aGk=x', 4], ['a===', 1], ['aG==x', 4], ['aGVsbG8', 4]];
    for (const [s, at] of bad) assert.equal(goBase64Error(s), `illegal base64 data at input byte ${at}`, s);
  });

  it('prints a decoded patch as fmt\'s %+v', () => {
    assert.equal(goFormat({ spec: { replicas: 3, f: 1.5, big: 1234567.5, tiny: 0.00001, n: null, l: ['a', true], m: {} }, a: 'x y' }),
      'map[a:x y spec:map[big:1.2345675e+06 f:1.5 l:[a true] m:map[] n:<nil> replicas:3 tiny:1e-05]]');
  });
});

describe('Status encoding', () => {
  it('orders a Status as metav1.Status and leaves out what omitempty leaves out', () => {
    const s = { code: 409, details: { causes: [{ field: '', message: 'm', reason: 'r' }], kind: 'pods', group: '', name: 'n' }, reason: 'AlreadyExists', message: 'x', status: 'Failure', metadata: {}, apiVersion: 'v1', kind: 'Status' } as unknown as Status;
    assert.equal(JSON.stringify(orderedStatus(s)), '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"x","reason":"AlreadyExists","details":{"name":"n","kind":"pods","causes":[{"reason":"r","message":"m"}]},"code":409}');
    assert.equal(JSON.stringify(makeStatus(400, '', 'm')), '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"m","code":400}');
  });

  it('quotes as strconv.Quote', () => {
    assert.equal(goQuote('a"b\\c\n\t\u0000\u007f é😀\u00ad\u2028\ud800'), '"a\\"b\\\\c\\n\\t\\x00\\x7f é😀\\u00ad\\u2028\ufffd"');
  });
});
