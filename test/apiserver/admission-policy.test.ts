// ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding through the real
// apiserver and the real kubectl: CEL validations with message and messageExpression,
// validationActions Deny and Warn, params from a ConfigMap named by paramRef (and
// parameterNotFoundAction), failurePolicy on expressions that error, matchConstraints,
// and configurations refused with Kubernetes' messages.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http, type RawResponse } from '../harness/http.js';
import { kubectl, kubectlRun } from '../harness/kubectl.js';

let cp: ControlPlane;
const AR = '/apis/admissionregistration.k8s.io/v1';
const api = (method: string, path: string, body?: unknown): Promise<RawResponse> =>
  http(cp.url, method, path, body, method === 'PATCH' ? 'application/merge-patch+json' : 'application/json');

before(async () => { cp = await startControlPlane(); });
after(async () => { await cp?.stop(); });

beforeEach(async () => {
  for (const plural of ['validatingadmissionpolicybindings', 'validatingadmissionpolicies']) {
    assert.equal((await api('DELETE', `${AR}/${plural}`)).status, 200);
  }
  await synced((await api('GET', `${AR}/validatingadmissionpolicies`)).json.metadata.resourceVersion);
});

async function synced(rv: string): Promise<void> {
  assert.equal((await api('GET', `${AR}/validatingadmissionpolicies?resourceVersion=${rv}`)).status, 200);
}

const RULES = { resourceRules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }] };

async function policy(name: string, spec: Record<string, unknown>): Promise<RawResponse> {
  const r = await api('POST', `${AR}/validatingadmissionpolicies`, { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name }, spec: { matchConstraints: RULES, ...spec } });
  assert.equal(r.status, 201, r.text);
  return r;
}

async function binding(name: string, spec: Record<string, unknown>): Promise<void> {
  const r = await api('POST', `${AR}/validatingadmissionpolicybindings`, { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name }, spec });
  assert.equal(r.status, 201, r.text);
  await synced(r.json.metadata.resourceVersion);
}

const configMap = (name: string, data: Record<string, string>, namespace = 'default'): unknown => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });

describe('ValidatingAdmissionPolicy', () => {
  it('denies what a CEL validation refuses, as the real kubectl shows it', async () => {
    await policy('max-keys', { validations: [{ expression: 'size(object.data) <= 2', message: 'at most two keys' }] });
    await binding('max-keys-binding', { policyName: 'max-keys', validationActions: ['Deny'] });
    const file = join(cp.dir, 'big.json');
    await writeFile(file, JSON.stringify(configMap('big', { a: '1', b: '2', c: '3' })));
    const res = await kubectlRun(cp, ['create', '-f', file]);
    assert.equal(res.code, 1);
    assert.equal(res.stderr.trim(), 'The configmaps "big" is invalid: : ValidatingAdmissionPolicy \'max-keys\' with binding \'max-keys-binding\' denied request: at most two keys');
    assert.match(await kubectl(cp, 'create', 'configmap', 'small', '--from-literal=a=1'), /created/);
    const r = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('big2', { a: '1', b: '2', c: '3' }));
    assert.equal(r.status, 422);
    assert.deepEqual(r.json.details, { name: 'big2', kind: 'configmaps', causes: [{ message: "ValidatingAdmissionPolicy 'max-keys' with binding 'max-keys-binding' denied request: at most two keys" }] });
    // Without a message: "failed expression: <expression>"; a reason sets the code.
    await policy('no-x', { validations: [{ expression: '!has(object.data.x)', reason: 'Forbidden' }] });
    await binding('no-x', { policyName: 'no-x', validationActions: ['Deny'] });
    const x = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('hasx', { x: '1' }));
    assert.equal(x.status, 403);
    assert.equal(x.json.message, 'configmaps "hasx" is forbidden: ValidatingAdmissionPolicy \'no-x\' with binding \'no-x\' denied request: failed expression: !has(object.data.x)');
  });

  it('see oldObject on updates and the request', async () => {
    await policy('immutable-a', {
      matchConditions: [{ name: 'updates', expression: 'request.operation == "UPDATE" && oldObject.kind == "ConfigMap"' }],
      validations: [{ expression: 'object.data.a == oldObject.data.a', message: 'data.a is immutable' }],
    });
    await binding('immutable-a', { policyName: 'immutable-a', validationActions: ['Deny'] });
    assert.equal((await api('POST', '/api/v1/namespaces/default/configmaps', configMap('imm', { a: '1' }))).status, 201);
    const r = await api('PATCH', '/api/v1/namespaces/default/configmaps/imm', { data: { a: '2' } });
    assert.equal(r.status, 422);
    assert.match(r.json.message, /denied request: data\.a is immutable$/);
    assert.equal((await api('PATCH', '/api/v1/namespaces/default/configmaps/imm', { data: { b: '2' } })).status, 200);
  });

  it('Warn answers with a warning and lets the request through', async () => {
    await policy('warned', { validations: [{ expression: 'object.metadata.name.startsWith("ok-")', messageExpression: '"name " + object.metadata.name + " should start with ok-"' }] });
    await binding('warned', { policyName: 'warned', validationActions: ['Warn', 'Audit'] });
    const res = await kubectlRun(cp, ['create', 'configmap', 'plain']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /Warning: Validation failed for ValidatingAdmissionPolicy 'warned' with binding 'warned': name plain should start with ok-/);
  });

  it('params from the ConfigMap paramRef names; no params with parameterNotFoundAction Deny refuses', async () => {
    assert.equal((await api('POST', '/api/v1/namespaces/default/configmaps', configMap('limits', { max: '1' }))).status, 201);
    await policy('limited', {
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      matchConstraints: { ...RULES, objectSelector: { matchLabels: { limited: 'yes' } } },
      variables: [{ name: 'keys', expression: 'size(object.data)' }],
      validations: [{ expression: 'variables.keys <= int(params.data.max)', messageExpression: '"at most " + params.data.max + " keys"' }],
    });
    await binding('limited', { policyName: 'limited', validationActions: ['Deny'], paramRef: { name: 'limits', parameterNotFoundAction: 'Deny' } });
    const labelled = (name: string, data: Record<string, string>, namespace = 'default') => ({ ...configMap(name, data, namespace) as object, metadata: { name, namespace, labels: { limited: 'yes' } } });
    assert.equal((await api('POST', '/api/v1/namespaces/default/configmaps', labelled('one', { a: '1' }))).status, 201);
    const two = await api('POST', '/api/v1/namespaces/default/configmaps', labelled('two', { a: '1', b: '2' }));
    assert.equal(two.status, 422);
    assert.match(two.json.message, /denied request: at most 1 keys$/);
    // In a namespace without the params object.
    assert.equal((await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } })).status, 201);
    const none = await api('POST', '/api/v1/namespaces/other/configmaps', labelled('one', { a: '1' }, 'other'));
    assert.equal(none.status, 422);
    assert.match(none.json.message, /denied request: no params found for policy binding with `Deny` parameterNotFoundAction$/);
  });

  it('an expression that errors refuses with failurePolicy Fail and is ignored with Ignore', async () => {
    await policy('erring', { failurePolicy: 'Fail', validations: [{ expression: 'object.data.missing == "x"' }] });
    await binding('erring', { policyName: 'erring', validationActions: ['Deny'] });
    const r = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('e1', { a: '1' }));
    assert.equal(r.status, 422);
    assert.match(r.json.message, /denied request: expression 'object\.data\.missing == "x"' resulted in error: /);
    const cur = (await api('GET', `${AR}/validatingadmissionpolicies/erring`)).json;
    assert.equal(cur.spec.failurePolicy, 'Fail');
    const u = await api('PATCH', `${AR}/validatingadmissionpolicies/erring`, { spec: { failurePolicy: 'Ignore' } });
    assert.equal(u.status, 200, u.text);
    await synced(u.json.metadata.resourceVersion);
    assert.equal((await api('POST', '/api/v1/namespaces/default/configmaps', configMap('e2', { a: '1' }))).status, 201);
  });

  it('are defaulted, listed with their columns, and refused with Kubernetes\' messages when bad', async () => {
    const p = await policy('listed', { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: 'true' }, { expression: 'true' }] });
    assert.equal(p.json.spec.failurePolicy, 'Fail');
    assert.deepEqual(p.json.spec.matchConstraints, { ...RULES, resourceRules: [{ ...RULES.resourceRules[0], scope: '*' }], namespaceSelector: {}, objectSelector: {}, matchPolicy: 'Equivalent' });
    await binding('listed', { policyName: 'listed', validationActions: ['Audit'], paramRef: { name: 'x', namespace: 'default', parameterNotFoundAction: 'Allow' } });
    assert.match(await kubectl(cp, 'get', 'validatingadmissionpolicies'), /^NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE\nlisted\s+2\s+v1\/ConfigMap\s+\d+s\n$/);
    assert.match(await kubectl(cp, 'get', 'validatingadmissionpolicybindings'), /^NAME\s+POLICYNAME\s+PARAMREF\s+AGE\nlisted\s+listed\s+default\/x\s+\d+s\n$/);

    const bad = await api('POST', `${AR}/validatingadmissionpolicies`, {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'bad' },
      spec: { matchConstraints: { resourceRules: [] }, validations: [{ expression: 'object.', reason: 'Teapot', message: 'two\nlines' }] },
    });
    assert.equal(bad.status, 422);
    const causes = bad.json.details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`);
    assert.equal(causes[0], 'spec.matchConstraints.resourceRules: Required value');
    assert.match(causes[1], /^spec\.validations\[0\]\.expression: Invalid value: "object\.": compilation failed: ERROR: <input>/);
    assert.deepEqual(causes.slice(2), [
      'spec.validations[0].message: Invalid value: "two\\nlines": message must not contain line breaks',
      'spec.validations[0].reason: Unsupported value: "Teapot": supported values: "Forbidden", "Invalid", "RequestEntityTooLarge"',
    ]);
    const badBinding = await api('POST', `${AR}/validatingadmissionpolicybindings`, {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'bad' },
      spec: { policyName: 'listed', validationActions: ['Deny', 'Warn'], paramRef: { name: 'a', selector: {} } },
    });
    assert.equal(badBinding.status, 422);
    assert.deepEqual(badBinding.json.details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`), [
      'spec.paramRef.name: Forbidden: name and selector are mutually exclusive',
      'spec.paramRef.selector: Forbidden: name and selector are mutually exclusive',
      'spec.paramRef.parameterNotFoundAction: Required value',
      'spec.validationActions: Invalid value: []admissionregistration.ValidationAction{"Deny", "Warn"}: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)',
    ]);
  });
});
