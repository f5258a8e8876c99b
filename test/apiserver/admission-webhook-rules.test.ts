// The pure rules of admission webhooks: which requests a webhook's rules and selectors
// match, what a webhook's answer must look like, how a refusal reads, and the
// validation of configurations (Kubernetes' predicates/rules tests, request tests and
// validation tests, as tables).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { findResource } from '../../api/registry.js';
import type { RuleWithOperations, WebhookCommon } from '../../api/types/admissionregistration.js';
import { validateCreate } from '../../api/validation/index.js';
import type { AdmissionAttributes } from '../../apiserver/admission/chain.js';
import { WebhookClient } from '../../apiserver/admission/webhook/client.js';
import { callWebhook } from '../../apiserver/admission/webhook/dispatch.js';
import { isExemptResource, namespaceMatches, objectMatches, ruleMatches, type MatchAttributes } from '../../apiserver/admission/webhook/matching.js';
import { admissionReview, CallingWebhookError, denied, verifyResponse } from '../../apiserver/admission/webhook/review.js';
import { StatusError } from '../../api/errors.js';

const attrs = (over: Partial<MatchAttributes> = {}): MatchAttributes => ({
  operation: 'CREATE', group: '', version: 'v1', resource: 'pods', subresource: '', namespace: 'default', ...over,
});
const rule = (over: Partial<RuleWithOperations> = {}): RuleWithOperations => ({
  operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: '*', ...over,
});

describe('rules', () => {
  const cases: [string, RuleWithOperations, MatchAttributes, boolean][] = [
    ['exact', rule(), attrs(), true],
    ['other operation', rule(), attrs({ operation: 'UPDATE' }), false],
    ['operation *', rule({ operations: ['*'] }), attrs({ operation: 'DELETE' }), true],
    ['other group', rule(), attrs({ group: 'apps' }), false],
    ['group *', rule({ apiGroups: ['*'] }), attrs({ group: 'apps' }), true],
    ['other version', rule(), attrs({ version: 'v2' }), false],
    ['resource * has no subresources', rule({ resources: ['*'] }), attrs({ subresource: 'status' }), false],
    ['resource * matches every resource', rule({ resources: ['*'] }), attrs({ resource: 'configmaps' }), true],
    ['*/* matches subresources', rule({ resources: ['*/*'] }), attrs({ subresource: 'status' }), true],
    ['*/* matches resources', rule({ resources: ['*/*'] }), attrs(), true],
    ['pods/* matches pods/status', rule({ resources: ['pods/*'] }), attrs({ subresource: 'status' }), true],
    // As Kubernetes' matcher: a "*" subresource matches the resource itself too.
    ['pods/* matches pods too', rule({ resources: ['pods/*'] }), attrs(), true],
    ['*/status', rule({ resources: ['*/status'] }), attrs({ resource: 'deployments', subresource: 'status' }), true],
    ['*/scale is not status', rule({ resources: ['*/scale'] }), attrs({ subresource: 'status' }), false],
    ['pods does not match pods/status', rule(), attrs({ subresource: 'status' }), false],
    ['Namespaced: namespaced object', rule({ scope: 'Namespaced' }), attrs(), true],
    ['Namespaced: cluster-scoped object', rule({ scope: 'Namespaced', resources: ['nodes'] }), attrs({ resource: 'nodes', namespace: '' }), false],
    ['Namespaced: a namespace itself', rule({ scope: 'Namespaced', resources: ['namespaces'] }), attrs({ resource: 'namespaces', namespace: 'x' }), false],
    ['Cluster: a namespace itself', rule({ scope: 'Cluster', resources: ['namespaces'] }), attrs({ resource: 'namespaces', namespace: 'x' }), true],
    ['Cluster: namespaced object', rule({ scope: 'Cluster' }), attrs(), false],
    ['no scope is *', rule({ scope: undefined }), attrs(), true],
  ];
  for (const [name, r, a, want] of cases) it(name, () => assert.equal(ruleMatches(r, a), want));

  it('admissionregistration configurations are exempt', () => {
    assert.equal(isExemptResource('admissionregistration.k8s.io', 'validatingwebhookconfigurations'), true);
    assert.equal(isExemptResource('admissionregistration.k8s.io', 'mutatingwebhookconfigurations'), true);
    assert.equal(isExemptResource('', 'configmaps'), false);
  });
});

describe('selectors', () => {
  const hook = (over: Partial<WebhookCommon>): WebhookCommon => ({ name: 'h.example.com', clientConfig: {}, ...over });
  const labelsOf = (labels: Record<string, Record<string, string>>) => async (name: string) => labels[name];

  it('namespaceSelector: the namespace\'s labels; cluster-scoped objects always match; a namespace\'s create its own labels', async () => {
    const h = hook({ namespaceSelector: { matchLabels: { team: 'a' } } });
    const ns = labelsOf({ a: { team: 'a' }, b: { team: 'b' } });
    assert.equal(await namespaceMatches(h, attrs({ namespace: 'a' }), ns), true);
    assert.equal(await namespaceMatches(h, attrs({ namespace: 'b' }), ns), false);
    assert.equal(await namespaceMatches(h, attrs({ resource: 'nodes', namespace: '' }), ns), true);
    const nsObj = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'new', labels: { team: 'a' } } };
    assert.equal(await namespaceMatches(h, attrs({ resource: 'namespaces', namespace: '', object: nsObj }), ns), true);
    // A namespace's delete is matched on the stored namespace's labels.
    assert.equal(await namespaceMatches(h, attrs({ resource: 'namespaces', namespace: 'b', operation: 'DELETE' }), ns), false);
    assert.equal(await namespaceMatches(hook({ namespaceSelector: {} }), attrs({ namespace: 'b' }), async () => { throw new Error('not asked'); }), true);
  });

  it('objectSelector: the new or the old object', () => {
    const h = hook({ objectSelector: { matchExpressions: [{ key: 'x', operator: 'In', values: ['1'] }] } });
    const obj = (labels?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels } });
    assert.equal(objectMatches(h, attrs({ object: obj({ x: '1' }) })), true);
    assert.equal(objectMatches(h, attrs({ object: obj(), oldObject: obj({ x: '1' }) })), true);
    assert.equal(objectMatches(h, attrs({ object: obj({ x: '2' }) })), false);
    assert.equal(objectMatches(h, attrs({})), false);
    assert.equal(objectMatches(hook({ objectSelector: {} }), attrs({})), true);
  });
});

describe('responses', () => {
  const ok = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' };
  const cases: [string, unknown, boolean, string][] = [
    ['absent', { ...ok }, false, 'webhook response was absent'],
    ['wrong uid', { ...ok, response: { uid: 'x', allowed: true } }, false, 'expected response.uid="u1", got "x"'],
    ['wrong kind', { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', response: { uid: 'u1', allowed: true } }, false,
      'expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got admission.k8s.io/v1beta1, Kind=AdmissionReview'],
    ['patch without type', { ...ok, response: { uid: 'u1', allowed: true, patch: 'W10=' } }, true, 'webhook returned response.patch but not response.patchType'],
    ['type without patch', { ...ok, response: { uid: 'u1', allowed: true, patchType: 'JSONPatch' } }, true, 'webhook returned response.patchType but not response.patch'],
    ['validating patch', { ...ok, response: { uid: 'u1', allowed: true, patch: 'W10=' } }, false, 'validating webhook may not return response.patch'],
    ['validating patchType', { ...ok, response: { uid: 'u1', allowed: true, patchType: 'JSONPatch' } }, false, 'validating webhook may not return response.patchType'],
  ];
  for (const [name, body, mutating, message] of cases) {
    it(name, () => assert.throws(() => verifyResponse(body, 'u1', 'v1', mutating), { message }));
  }

  it('a usable answer: allowed, the decoded patch, warnings', () => {
    const r = verifyResponse({ ...ok, response: { uid: 'u1', allowed: true, patchType: 'JSONPatch', patch: Buffer.from('[]').toString('base64'), warnings: ['w'] } }, 'u1', 'v1', true);
    assert.deepEqual([r.allowed, r.patch, r.warnings], [true, '[]', ['w']]);
  });

  it('refusals read as ToStatusErr words them', () => {
    const d = (result?: Record<string, unknown>) => denied('x.example.com', result).status;
    assert.deepEqual(d({ code: 403, reason: 'Forbidden', message: 'no' }), {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'admission webhook "x.example.com" denied the request: no', reason: 'Forbidden', code: 403,
    });
    assert.equal(d({ reason: 'Because' }).message, 'admission webhook "x.example.com" denied the request: Because');
    assert.equal(d().message, 'admission webhook "x.example.com" denied the request without explanation');
    assert.equal(d({ code: 200 }).code, 400);
  });
});

describe('calls', () => {
  const deps = {
    client: new WebhookClient(), services: {} as never, routing: 'cluster-ip' as const,
    namespaceLabels: async () => undefined, log: pino({ level: 'silent' }),
  };
  const a = (dryRun: boolean): AdmissionAttributes => ({
    operation: 'CREATE', resource: findResource('', 'v1', 'configmaps')!, namespace: 'default', name: 'c', dryRun,
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' } }, warn: () => undefined,
  });
  const hook = (over: Partial<WebhookCommon>): WebhookCommon => ({
    name: 'h.example.com', clientConfig: { url: 'https://127.0.0.1:1/' }, sideEffects: 'None', admissionReviewVersions: ['v1'], ...over,
  });

  it('a dry run never reaches a webhook that may have side effects (400, whatever the failurePolicy)', async () => {
    for (const sideEffects of ['Some', 'Unknown'] as const) {
      await assert.rejects(callWebhook(hook({ sideEffects, failurePolicy: 'Ignore' }), a(true), false, deps), (err: unknown) => {
        assert.ok(err instanceof StatusError);
        assert.equal(err.code, 400);
        assert.equal(err.status.message, 'admission webhook "h.example.com" does not support dry run');
        return true;
      });
    }
  });

  it('a webhook that speaks no AdmissionReview version this server sends cannot be called', async () => {
    await assert.rejects(callWebhook(hook({ admissionReviewVersions: ['v2'] }), a(false), false, deps), (err: unknown) => {
      assert.ok(err instanceof CallingWebhookError);
      assert.equal(err.message, 'failed calling webhook "h.example.com": could not create admission objects: webhook does not accept known AdmissionReview versions (v1, v1beta1)');
      return true;
    });
  });

  it('the review names a namespace request by the namespace, and a subresource\'s kind', () => {
    const ns = findResource('', 'v1', 'namespaces')!;
    const body = JSON.parse(admissionReview({ operation: 'UPDATE', resource: ns, name: 'team', dryRun: false, warn: () => undefined }, 'v1').body);
    assert.equal(body.request.namespace, 'team');
    const deploy = findResource('apps', 'v1', 'deployments')!;
    const scale = JSON.parse(admissionReview({ operation: 'UPDATE', resource: deploy, subresource: 'scale', namespace: 'd', name: 'x', dryRun: true, warn: () => undefined }, 'v1beta1').body);
    assert.equal(scale.apiVersion, 'admission.k8s.io/v1beta1');
    assert.deepEqual([scale.request.kind, scale.request.subResource, scale.request.options], [{ group: 'autoscaling', version: 'v1', kind: 'Scale' }, 'scale', { kind: 'UpdateOptions', apiVersion: 'meta.k8s.io/v1', dryRun: ['All'] }]);
  });
});

describe('validation', () => {
  const cfg = (webhook: Record<string, unknown>) => ({
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'c' },
    webhooks: [{ name: 'a.example.com', clientConfig: { url: 'https://x.example.com' }, sideEffects: 'None', admissionReviewVersions: ['v1'], ...webhook }],
  });
  const messages = (webhook: Record<string, unknown>) => validateCreate(cfg(webhook)).map((c) => `${c.field}: ${c.message}`);

  it('accepts a well-formed configuration', () => assert.deepEqual(messages({}), []));
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['a name without three segments', { name: 'webhook' }, ['webhooks[0].name: Invalid value: "webhook": should be a domain with at least three segments separated by dots']],
    ['a name that is no DNS subdomain', { name: 'A_b.example.com' }, [
      'webhooks[0].name: Invalid value: "A_b.example.com": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')']],
    ['an unknown reinvocation policy', { reinvocationPolicy: 'Always' }, ['webhooks[0].reinvocationPolicy: Unsupported value: "Always": supported values: "IfNeeded", "Never"']],
    ['a service path with an empty segment', { clientConfig: { service: { namespace: 'n', name: 's', path: '/a//b' } } }, ['webhooks[0].clientConfig.service.path: Invalid value: "/a//b": segment[1] may not be empty']],
    ['a URL without host', { clientConfig: { url: 'https:///x' } }, ['webhooks[0].clientConfig.url: Invalid value: "": host must be provided; desired format: https://host[/path]']],
    ['user information', { clientConfig: { url: 'https://u:p@x.example.com' } }, ['webhooks[0].clientConfig.url: Invalid value: "u:p": user information is not permitted in the URL']],
    ['no review versions', { admissionReviewVersions: [] }, ['webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1']],
    ['match conditions', { matchConditions: [{ name: 'a', expression: 'true' }, { name: 'a', expression: ' ' }] }, [
      'webhooks[0].matchConditions[1].expression: Required value', 'webhooks[0].matchConditions[1].name: Duplicate value: "a"']],
    ['a bad selector', { namespaceSelector: { matchExpressions: [{ key: 'k', operator: 'In' }] } }, [
      'webhooks[0].namespaceSelector.matchExpressions[0].values: Required value: must be specified when `operator` is \'In\' or \'NotIn\'']],
    ['rules', { rules: [{ operations: [], apiGroups: ['*', 'apps'], apiVersions: [''], resources: ['pods/*', 'pods/status', '*'] }] }, [
      'webhooks[0].rules[0].operations: Required value',
      'webhooks[0].rules[0].apiGroups: Invalid value: []string{"*", "apps"}: if \'*\' is present, must not specify other API groups',
      'webhooks[0].rules[0].apiVersions[0]: Required value',
      'webhooks[0].rules[0].resources[1]: Invalid value: "pods/status": if \'pods/*\' is present, must not specify pods/status',
    ]],
  ];
  for (const [name, webhook, want] of cases) it(name, () => assert.deepEqual(messages(webhook), want));
});
