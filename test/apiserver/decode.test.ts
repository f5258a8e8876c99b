// Decoding request bodies and encoding responses as kube-apiserver does, without a
// server: Go's json scanner errors, the meta factory's and the decoders' messages,
// the nesting limit, json.Encoder's output, and the warning recorder's headers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../api/errors.js';
import { decodeObject, decodePatch, encodeJSON, warningHeaders } from '../../apiserver/http/body.js';
import { goSyntaxError, MAX_NESTING_DEPTH, quoteChar } from '../../apiserver/http/go-json.js';

const b = (s: string): Buffer => Buffer.from(s);
const message = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return `${err.code} ${err.status.message}`;
    throw err;
  }
  return 'no error';
};

describe('Go\'s JSON scanner', () => {
  it('says what encoding/json says about bad JSON', () => {
    const cases: [string, string | undefined][] = [
      ['{"a":1}', undefined],
      [' [1, 2.5e-3, "x\\u00e9", true, false, null] ', undefined],
      ['', 'unexpected end of JSON input'],
      ['{"metadata": {', 'unexpected end of JSON input'],
      ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
      ['{"a" 1}', "invalid character '1' after object key"],
      ['{"a":1 "b"}', "invalid character '\"' after object key:value pair"],
      ['[1 2]', "invalid character '2' after array element"],
      ['{"a":1}x', "invalid character 'x' after top-level value"],
      ['01', "invalid character '1' after top-level value"],
      ['"\\x"', "invalid character 'x' in string escape code"],
      ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
      ["{'a':1}", "invalid character '\\'' looking for beginning of object key string"],
      ['"a\tb"', "invalid character '\\t' in string literal"],
      ['"\u0000"', "invalid character '\\x00' in string literal"],
      ['tru', "invalid character ' ' in literal true (expecting 'e')"],
      ['nul!', "invalid character '!' in literal null (expecting 'l')"],
      ['-', "invalid character ' ' in numeric literal"],
      ['1.e5', "invalid character 'e' after decimal point in numeric literal"],
      ['1e+', "invalid character ' ' in exponent of numeric literal"],
      ['\u00ff', "invalid character 'Ã' looking for beginning of value"],
      ['['.repeat(MAX_NESTING_DEPTH + 1), "invalid character '[' exceeded max depth"],
      ['['.repeat(MAX_NESTING_DEPTH) + ']'.repeat(MAX_NESTING_DEPTH), undefined],
    ];
    for (const [text, want] of cases) assert.equal(goSyntaxError(b(text)), want, JSON.stringify(text));
    assert.equal(quoteChar(0xa0), "'\\u00a0'");
    assert.equal(quoteChar(0x5c), "'\\\\'");
  });
});

describe('decodeObject', () => {
  it('answers what kube-apiserver answers for a body it cannot find a kind in', () => {
    const cases: [string, string, string][] = [
      ['application/json', '', "400 the object provided is unrecognized (must be of type Pod): couldn't get version/kind; json parse error: unexpected end of JSON input (<empty>)"],
      ['application/json', '{"metadata": {"name": "a-very-long-name-indeed"}', "400 the object provided is unrecognized (must be of type Pod): couldn't get version/kind; json parse error: unexpected end of JSON input ({\"metadata\": {\"name\": \"a-very- ...)"],
      ['application/json', '"pod"', "400 the object provided is unrecognized (must be of type Pod): couldn't get version/kind; json parse error: json: cannot unmarshal string into Go value of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" } (22706f6422)"],
      ['application/json', '{"kind":["Pod"]}', "400 the object provided is unrecognized (must be of type Pod): couldn't get version/kind; json parse error: json: cannot unmarshal array into Go struct field .kind of type string ({\"kind\":[\"Pod\"]})"],
      ['application/json', '{"apiVersion":"a/b/c"}', '400 the object provided is unrecognized (must be of type Pod): unexpected GroupVersion string: a/b/c ({"apiVersion":"a/b/c"})'],
      ['application/yaml', `a: ${'['.repeat(MAX_NESTING_DEPTH + 1)}`, `400 the object provided is unrecognized (must be of type Pod): error converting YAML to JSON: yaml: while increasing flow level at line 1, column ${MAX_NESTING_DEPTH + 4}: exceeded max depth of ${MAX_NESTING_DEPTH} (613a205b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b ...)`],
      ['application/yaml', `${'- '.repeat(MAX_NESTING_DEPTH + 1)}x`, `400 the object provided is unrecognized (must be of type Pod): error converting YAML to JSON: yaml: while increasing indent level at line 1, column ${2 * MAX_NESTING_DEPTH - 1}: exceeded max depth of ${MAX_NESTING_DEPTH} (2d202d202d202d202d202d202d202d202d202d202d202d202d202d202d20 ...)`],
      ['application/yaml', 'a: &x [*x]', '400 the object provided is unrecognized (must be of type Pod): error converting YAML to JSON: yaml: Converting circular structure to JSON (613a202678205b2a785d)'],
      ['text/html', '{}', '415 the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got "text/html")'],
    ];
    for (const [ct, body, want] of cases) assert.equal(message(() => decodeObject(ct, b(body), 'Pod')), want, body.slice(0, 40));
  });

  it('decodes null as the empty object and YAML as its JSON', () => {
    assert.deepEqual(decodeObject('application/json', b('null'), 'Pod'), {});
    assert.deepEqual(decodeObject('application/yaml', b('metadata:\n  name: x\n'), 'Pod'), { metadata: { name: 'x' } });
  });
});

describe('decodePatch', () => {
  it('answers a patch of the wrong shape with the words of the Go library that reads it', () => {
    const merge = 'application/merge-patch+json';
    const json = 'application/json-patch+json';
    const smp = 'application/strategic-merge-patch+json';
    const cases: [string, string, string][] = [
      [merge, '{data:', '400 invalid JSON patch'],
      [merge, `{"a":${'['.repeat(MAX_NESTING_DEPTH + 1)}`, '400 invalid JSON patch'],
      [merge, '"x"', '400 Invalid JSON Patch'],
      [merge, 'null', '400 Invalid JSON Patch'],
      [json, '{"op":"add"}', '400 json: cannot unmarshal object into Go value of type jsonpatch.Patch'],
      [json, '[1]', '400 json: cannot unmarshal number into Go value of type jsonpatch.Operation'],
      [smp, '[1]', '400 json: cannot unmarshal array into Go value of type map[string]interface {}'],
      [merge, '{"a":{"__proto__":{"x":1}}}', '400 the patch may not contain the key "__proto__"'],
      ['application/xml', '{}', '415 the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got "application/xml")'],
    ];
    for (const [ct, body, want] of cases) assert.equal(message(() => decodePatch(ct, b(body))), want, `${ct} ${body.slice(0, 30)}`);
    assert.deepEqual(decodePatch(smp, b('null')).patch, {});
    assert.deepEqual(decodePatch(json, b('null')).patch, []);
  });
});

describe('responses', () => {
  it('encodes JSON as json.Encoder: HTML characters escaped, a newline at the end; MarshalIndent when pretty', () => {
    assert.equal(encodeJSON({ a: '<b>&\u2028' }), '{"a":"\\u003cb\\u003e\\u0026\\u2028"}\n');
    assert.equal(encodeJSON({ a: [], b: {} }, true), '{\n  "a": [],\n  "b": {}\n}');
    assert.equal(encodeJSON({ code: 404, kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure' }), '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","code":404}\n');
  });

  it('writes Warning headers as kube-apiserver\'s recorder: one each, once each, truncated past 4 KiB', () => {
    assert.deepEqual(warningHeaders(['unknown field "spec.x"', 'unknown field "spec.x"', 'a\\b', 'bad\ncontrol', 'é']),
      ['299 - "unknown field \\"spec.x\\""', '299 - "a\\\\b"', Buffer.from('299 - "é"').toString('latin1')]);
    const many = Array.from({ length: 40 }, (_, i) => `${i}:${'x'.repeat(300)}`);
    const headers = warningHeaders(many);
    assert.ok(headers.length < many.length, 'the rest are dropped');
    assert.ok(headers.every((h) => h.length <= 256 + 8), 'each is truncated to 256 characters');
    assert.ok(headers.reduce((n, h) => n + h.length - 8, 0) <= 4096 + 256);
  });
});
