// Query parameters read as kube-apiserver reads them, and error bodies written byte for
// byte as it writes them. The expected texts are kube-apiserver's (apimachinery's
// conversions, ValidateListOptions, NewInvalid, json.Encoder), not ours.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES } from '../../api/registry.js';
import { parseListQuery, parsePodLogOptions, queryBool } from '../../apiserver/http/list-options.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';

const CM = '/api/v1/namespaces/default/configmaps';
const configmaps = RESOURCES.find((r) => r.plural === 'configmaps')!;

describe('query parameters, parsed', () => {
  it('reads booleans as Kubernetes converts them: only absent, "0" and "false" (any case) are false', () => {
    for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True', '', 'yes', 'maybe']) assert.equal(queryBool(v), true, v);
    for (const v of [undefined, '0', 'false', 'False', 'FALSE', 'fAlSe']) assert.equal(queryBool(v), false, String(v));
  });

  it('timeoutSeconds=0 is the default (undefined), not "end now"; a negative one is kept', () => {
    assert.equal(parseListQuery(configmaps, { watch: 'true', timeoutSeconds: '0' }).timeoutSeconds, undefined);
    assert.equal(parseListQuery(configmaps, { watch: 'true', timeoutSeconds: '30' }).timeoutSeconds, 30);
    assert.equal(parseListQuery(configmaps, { watch: 'true', timeoutSeconds: '-1' }).timeoutSeconds, -1);
  });

  it('exposes a valid resourceVersionMatch, and no page size for limit <= 0', () => {
    assert.equal(parseListQuery(configmaps, { resourceVersion: '5', resourceVersionMatch: 'Exact' }).resourceVersionMatch, 'Exact');
    assert.equal(parseListQuery(configmaps, { resourceVersion: '0', resourceVersionMatch: 'NotOlderThan' }).resourceVersionMatch, 'NotOlderThan');
    assert.equal(parseListQuery(configmaps, { watch: '1', sendInitialEvents: 'true', resourceVersionMatch: 'NotOlderThan' }).resourceVersionMatch, 'NotOlderThan');
    assert.equal(parseListQuery(configmaps, { limit: '-1' }).limit, undefined);
    assert.equal(parseListQuery(configmaps, { limit: '0' }).limit, undefined);
    assert.equal(parseListQuery(configmaps, { limit: '7' }).limit, 7);
  });
});

describe('query parameters against the real apiserver', () => {
  let cp: ControlPlane;
  before(async () => {
    cp = await startControlPlane();
    assert.equal((await http(cp.url, 'POST', CM, { metadata: { name: 'q' }, data: { a: 'b' } })).status, 201);
  });
  after(async () => { await cp?.stop(); });
  const get = (path: string, headers: Record<string, string> = {}) => http(cp.url, 'GET', path, undefined, undefined, headers);

  it('?watch= takes every value Kubernetes takes as true: True, 1, t, an empty value, even maybe', async () => {
    for (const v of ['True', 'TRUE', '1', 't', '', 'maybe']) {
      const r = await get(`${CM}?watch=${v}&timeoutSeconds=1`);
      assert.equal(r.status, 200, `watch=${v}: ${r.text}`);
      const first = JSON.parse(r.text.split('\n')[0]) as { type: string; object: { kind: string } };
      assert.deepEqual([first.type, first.object.kind], ['ADDED', 'ConfigMap'], `watch=${v} is a watch`);
    }
    for (const v of ['false', 'False', 'FALSE', '0']) {
      const r = await get(`${CM}?watch=${v}`);
      assert.equal(r.json?.kind, 'ConfigMapList', `watch=${v} is a list`);
    }
  });

  it('answers a malformed value with kube-apiserver\'s Status and message', async () => {
    assert.equal((await http(cp.url, 'POST', CM, { metadata: { name: 'q2' } })).status, 201);
    const token = (await get(`${CM}?limit=1`)).json.metadata.continue as string;
    assert.ok(token);
    const cases: [string, string, string, number, string][] = [
      ['limit not a number', 'GET', `${CM}?limit=ten`, 400, 'strconv.ParseInt: parsing "ten": invalid syntax'],
      ['limit too large', 'GET', `${CM}?limit=99999999999999999999`, 400, 'strconv.ParseInt: parsing "99999999999999999999": value out of range'],
      ['empty limit', 'GET', `${CM}?limit=`, 400, 'strconv.ParseInt: parsing "": invalid syntax'],
      ['timeoutSeconds not a number', 'GET', `${CM}?watch=true&timeoutSeconds=1s`, 400, 'strconv.ParseInt: parsing "1s": invalid syntax'],
      ['resourceVersion not a number', 'GET', `${CM}?resourceVersion=abc`, 400, 'invalid resource version: resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax'],
      ['resourceVersion with continue', 'GET', `${CM}?resourceVersion=5&continue=${encodeURIComponent(token)}&limit=1`, 400, 'specifying resource version is not allowed when using continue'],
      ['resourceVersionMatch without resourceVersion', 'GET', `${CM}?resourceVersionMatch=Exact`, 422,
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided'],
      ['resourceVersionMatch Exact with resourceVersion 0', 'GET', `${CM}?resourceVersion=0&resourceVersionMatch=Exact`, 422,
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"'],
      ['resourceVersionMatch unknown', 'GET', `${CM}?resourceVersion=1&resourceVersionMatch=Newest`, 422,
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""'],
      ['sendInitialEvents on a list', 'GET', `${CM}?sendInitialEvents=true`, 422, 'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list'],
      ['sendInitialEvents without resourceVersionMatch', 'GET', `${CM}?watch=1&sendInitialEvents=true`, 422,
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'],
      ['resourceVersionMatch on a plain watch', 'GET', `${CM}?watch=1&resourceVersion=5&resourceVersionMatch=NotOlderThan`, 422,
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'],
      ['dryRun other than All', 'POST', `${CM}?dryRun=yes`, 422,
        'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"yes"}: supported values: "All"'],
      ['fieldValidation unknown', 'POST', `${CM}?fieldValidation=strict`, 422,
        'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"'],
      ['fieldValidation unknown on update', 'PUT', `${CM}/q?fieldValidation=Loose`, 422,
        'UpdateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loose": supported values: "", "Ignore", "Strict", "Warn"'],
      ['force on a merge patch', 'PATCH', `${CM}/q?force=true`, 422, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch'],
      ['gracePeriodSeconds not a number', 'DELETE', `${CM}/q?gracePeriodSeconds=soon`, 400, 'strconv.ParseInt: parsing "soon": invalid syntax'],
      ['propagationPolicy unknown', 'DELETE', `${CM}/q?propagationPolicy=Sideways`, 422,
        'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil"'],
      ['orphanDependents with propagationPolicy', 'DELETE', `${CM}/q?orphanDependents=true&propagationPolicy=Orphan`, 422,
        'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set'],
    ];
    for (const [what, method, path, code, message] of cases) {
      const body = method === 'POST' || method === 'PUT' ? { metadata: { name: method === 'PUT' ? 'q' : 'new' } } : method === 'PATCH' ? { data: { c: 'd' } } : undefined;
      const r = await http(cp.url, method, path, body, method === 'PATCH' ? 'application/merge-patch+json' : 'application/json');
      assert.equal(r.status, code, `${what}: ${r.text}`);
      assert.equal(r.json?.kind, 'Status', what);
      assert.equal(r.json.message, message, what);
    }
    // Nothing the refused requests asked for happened.
    assert.equal((await get(`${CM}/new`)).status, 404);
    assert.deepEqual((await get(`${CM}/q`)).json.data, { a: 'b' });
  });

  it('reads a Table\'s includeObject, and refuses what is not one of its values', async () => {
    const table = { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' };
    const none = await get(`${CM}?includeObject=None`, table);
    assert.equal(none.json.kind, 'Table');
    assert.equal(none.json.rows[0].object, undefined);
    const bad = await get(`${CM}?includeObject=All`, table);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.message, 'Unable to convert to Table as requested: includeObject: Invalid value: "All": must be \'Metadata\', \'Object\', \'None\', or empty');
  });

  it('indents JSON for ?pretty=true, for curl, and never for a value ParseBool refuses', async () => {
    const pretty = await get(`${CM}/q?pretty=true`);
    assert.match(pretty.text, /^\{\n {2}"[a-zA-Z]+": /);
    assert.deepEqual(JSON.parse(pretty.text).data, { a: 'b' });
    assert.ok(!pretty.text.endsWith('\n'), 'json.MarshalIndent writes no newline at the end');
    assert.match((await get(`${CM}/q`, { 'user-agent': 'curl/8.5.0' })).text, /^\{\n {2}"/);
    assert.match((await get(`${CM}/q?pretty=maybe`, { 'user-agent': 'curl/8.5.0' })).text, /^\{"[a-zA-Z]+":/);
    assert.match((await get(`${CM}/q?pretty=0`, { 'user-agent': 'curl/8.5.0' })).text, /^\{"[a-zA-Z]+":/);
  });
});

describe('error bodies, byte for byte', () => {
  let cp: ControlPlane;
  before(async () => { cp = await startControlPlane(); });
  after(async () => { await cp?.stop(); });

  it('writes a Status with metav1.Status\'s field order, empty fields left out, and a newline at the end', async () => {
    const cases: [string, string, string, unknown, string][] = [
      ['NotFound', 'GET', '/api/v1/namespaces/default/pods/nope', undefined,
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","kind":"pods"},"code":404}\n'],
      ['a name that decodes to a percent sign', 'GET', '/api/v1/namespaces/default/pods/a%25zz', undefined,
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"a%zz\\" not found","reason":"NotFound","details":{"name":"a%zz","kind":"pods"},"code":404}\n'],
      ['NotFound in a group', 'GET', '/apis/apps/v1/namespaces/default/deployments/nope', undefined,
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","group":"apps","kind":"deployments"},"code":404}\n'],
      ['Invalid options', 'GET', '/api/v1/namespaces/default/pods?resourceVersionMatch=Exact', undefined,
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"ListOptions.meta.k8s.io \\"\\" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided","reason":"Invalid","details":{"group":"meta.k8s.io","kind":"ListOptions","causes":[{"reason":"FieldValueForbidden","message":"Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided","field":"resourceVersionMatch"}]},"code":422}\n'],
      ['a field of the wrong type', 'POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'p' }, spec: { containers: {} } },
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Pod in version \\"v1\\" cannot be handled as a Pod: json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container","reason":"BadRequest","code":400}\n'],
      ['a body that is not an object', 'POST', '/api/v1/namespaces/default/configmaps', [1],
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the object provided is unrecognized (must be of type ConfigMap): couldn\'t get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string \\"json:\\\\\\"apiVersion,omitempty\\\\\\"\\"; Kind string \\"json:\\\\\\"kind,omitempty\\\\\\"\\" } (5b315d)","reason":"BadRequest","code":400}\n'],
      ['malformed JSON', 'POST', '/api/v1/namespaces/default/configmaps', '{"metadata": {',
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the object provided is unrecognized (must be of type ConfigMap): couldn\'t get version/kind; json parse error: unexpected end of JSON input ({\\"metadata\\": {)","reason":"BadRequest","code":400}\n'],
      ['HTML-significant characters', 'GET', '/api/v1/namespaces/default/pods/%3Cb%3E%26', undefined,
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"\\u003cb\\u003e\\u0026\\" not found","reason":"NotFound","details":{"name":"\\u003cb\\u003e\\u0026","kind":"pods"},"code":404}\n'],
    ];
    for (const [what, method, path, body, expected] of cases) {
      const r = await http(cp.url, method, path, body);
      assert.equal(r.text, expected, what);
    }
  });

  it('ends every JSON response in a newline, as Go\'s json.Encoder does', async () => {
    for (const path of ['/api/v1/namespaces/default/configmaps', '/api/v1/namespaces/default', '/api', '/api/v1', '/apis', '/apis/apps/v1', '/version', '/nope']) {
      const r = await http(cp.url, 'GET', path);
      assert.ok(r.text.endsWith('}\n'), `${path}: ${JSON.stringify(r.text.slice(-20))}`);
    }
  });
});

describe('pods/log options, parsed', () => {
  const fails = (q: Record<string, string>): string => {
    try {
      parsePodLogOptions('web', q);
      return 'no error';
    } catch (err) {
      return `${(err as { code: number }).code} ${(err as Error).message}`;
    }
  };

  it('reads the booleans and numbers as Kubernetes converts them', () => {
    assert.deepEqual(parsePodLogOptions('web', { follow: 'True', previous: '0', timestamps: '', tailLines: '10', sinceTime: '2024-01-01T02:00:00+02:00', container: 'c' }), {
      container: 'c', follow: true, previous: false, timestamps: true, sinceSeconds: undefined, sinceTime: '2024-01-01T00:00:00Z', tailLines: 10, limitBytes: undefined,
    });
  });

  it('answers bad values with kube-apiserver\'s 400 and 422', () => {
    assert.equal(fails({ tailLines: 'ten' }), '400 strconv.ParseInt: parsing "ten": invalid syntax');
    assert.equal(fails({ sinceTime: 'yesterday' }), '400 parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"');
    assert.equal(fails({ tailLines: '-1' }), '422 PodLogOptions "web" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0');
    assert.equal(fails({ limitBytes: '0', sinceSeconds: '0' }), '422 PodLogOptions "web" is invalid: [limitBytes: Invalid value: 0: must be greater than 0, sinceSeconds: Invalid value: 0: must be greater than 0]');
    assert.equal(fails({ sinceSeconds: '5', sinceTime: '2024-01-01T00:00:00Z' }), '422 PodLogOptions "web" is invalid: []: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified');
  });
});
