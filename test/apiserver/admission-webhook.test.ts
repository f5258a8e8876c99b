// Admission webhooks through the real apiserver and the real kubectl: an HTTPS webhook
// server in this process (its own CA, made with the repo's PKI helpers) answers the
// AdmissionReviews kube-apiserver sends; Mutating- and ValidatingWebhookConfigurations
// decide which requests go to it. Mutation by JSON patch, refusal by rule, failurePolicy
// with the webhook down or slow, selectors, dry runs, reinvocation, DELETE, Service
// references, bad configurations, and a misbehaving webhook.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createCertificateAuthority, signCertificate, type KeyPair } from '../../apiserver/tls.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http, type RawResponse } from '../harness/http.js';
import { kubectl, kubectlRun } from '../harness/kubectl.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reviews are checked field by field
type Review = any;
type Handler = (review: Review, req: { url: string }) => unknown | Promise<unknown>;

let cp: ControlPlane;
let ca: KeyPair;
let server: Server;
let port = 0;
let caBundle = '';
/** What each path answers, and the reviews it got. */
const handlers = new Map<string, Handler>();
const calls = new Map<string, Review[]>();
/** Raw answers (status, body) for misbehaviour tests, by path. */
const raw = new Map<string, (res: import('node:http').ServerResponse) => void>();

const api = (method: string, path: string, body?: unknown, contentType?: string): Promise<RawResponse> =>
  http(cp.url, method, path, body, contentType ?? (method === 'PATCH' ? 'application/merge-patch+json' : 'application/json'));

const AR = '/apis/admissionregistration.k8s.io/v1';

before(async () => {
  ca = await createCertificateAuthority('webhook-test-ca');
  const serving = await signCertificate(ca, { commonName: 'hooks', dnsNames: ['hooks.default.svc'], ips: ['127.0.0.1'], usages: ['server'] });
  caBundle = Buffer.from(ca.cert).toString('base64');
  server = createServer({ key: serving.key, cert: serving.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      const review = JSON.parse(Buffer.concat(chunks).toString()) as Review;
      review.url = req.url;
      calls.set(path, [...(calls.get(path) ?? []), review]);
      const rawAnswer = raw.get(path);
      if (rawAnswer) return rawAnswer(res);
      const handler = handlers.get(path) ?? allow;
      Promise.resolve(handler(review, { url: req.url ?? '' })).then((answer) => {
        if (answer === undefined) return; // never answers
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      }, (err: Error) => res.writeHead(500).end(err.message));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  cp = await startControlPlane({ args: ['--enable-aggregator-routing'] });
});

after(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await cp?.stop();
});

beforeEach(async () => {
  handlers.clear();
  calls.clear();
  raw.clear();
  for (const plural of ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']) {
    const r = await api('DELETE', `${AR}/${plural}`);
    assert.equal(r.status, 200, r.text);
  }
  await synced((await api('GET', `${AR}/validatingwebhookconfigurations`)).json.metadata.resourceVersion);
});

// ---------------------------------------------------------------- helpers

const response = (review: Review, extra: Record<string, unknown> = {}): unknown =>
  ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true, ...extra } });
const allow: Handler = (review) => response(review);
const patch = (review: Review, ops: unknown): unknown =>
  response(review, { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') });
/** A JSON patch adding one label, whether or not the object has labels yet. */
const addLabel = (review: Review, key: string, value: string): unknown => {
  const labels = review.request.object.metadata.labels;
  return patch(review, labels ? [{ op: 'add', path: `/metadata/labels/${key.replace('/', '~1')}`, value }] : [{ op: 'add', path: '/metadata/labels', value: { [key]: value } }]);
};

interface HookSpec {
  name: string;
  path?: string;
  url?: string;
  rules?: unknown[];
  [k: string]: unknown;
}

const RULE = (resources: string[], operations = ['CREATE', 'UPDATE'], apiGroups = ['']): unknown => ({ operations, apiGroups, apiVersions: ['v1'], resources });

function hook(h: HookSpec): Record<string, unknown> {
  const { path, url, ...rest } = h;
  return {
    clientConfig: { url: url ?? `https://127.0.0.1:${port}${path ?? '/hook'}`, caBundle },
    rules: [RULE(['configmaps'])], sideEffects: 'None', admissionReviewVersions: ['v1'], ...rest,
  };
}

/** Creates a configuration and waits until the apiserver's watch cache (what admission reads) has it. */
async function configure(kind: 'Mutating' | 'Validating', name: string, hooks: HookSpec[]): Promise<void> {
  const plural = `${kind.toLowerCase()}webhookconfigurations`;
  const r = await api('POST', `${AR}/${plural}`, {
    apiVersion: 'admissionregistration.k8s.io/v1', kind: `${kind}WebhookConfiguration`, metadata: { name }, webhooks: hooks.map(hook),
  });
  assert.equal(r.status, 201, r.text);
  await synced(r.json.metadata.resourceVersion);
}

/** A list at resourceVersion rv answers once the watch caches have reached rv. */
async function synced(rv: string): Promise<void> {
  const r = await api('GET', `${AR}/validatingwebhookconfigurations?resourceVersion=${rv}`);
  assert.equal(r.status, 200, r.text);
}

const configMap = (name: string, labels?: Record<string, string>): unknown => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels ? { labels } : {}) }, data: { a: 'b' } });

async function manifest(name: string, body: unknown): Promise<string> {
  const file = join(cp.dir, `${name}.json`);
  await writeFile(file, JSON.stringify(body));
  return file;
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

// ---------------------------------------------------------------- tests

describe('mutating webhooks', () => {
  it('add a label by JSON patch to pods and configmaps the real kubectl creates, from the AdmissionReview Kubernetes sends', async () => {
    handlers.set('/hook', (review) => addLabel(review, 'mutated-by', 'webhook'));
    await configure('Mutating', 'labeller', [{ name: 'labeller.example.com', rules: [RULE(['pods', 'configmaps'])] }]);
    const cmFile = await manifest('cm', configMap('cm1', { app: 'x' }));
    assert.match(await kubectl(cp, 'create', '-f', cmFile), /configmap\/cm1 created/);
    assert.equal(await kubectl(cp, 'get', 'configmap', 'cm1', '-o', 'jsonpath={.metadata.labels}'), '{"app":"x","mutated-by":"webhook"}');
    const podFile = await manifest('pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1' }, spec: { containers: [{ name: 'c', image: 'tskube.local/busybox:1.35' }] } });
    assert.match(await kubectl(cp, 'create', '-f', podFile), /pod\/p1 created/);
    assert.equal(await kubectl(cp, 'get', 'pod', 'p1', '-o', 'jsonpath={.metadata.labels.mutated-by}'), 'webhook');

    const [cmReview, podReview] = calls.get('/hook') ?? [];
    assert.equal(cmReview.apiVersion, 'admission.k8s.io/v1');
    assert.equal(cmReview.kind, 'AdmissionReview');
    assert.match(cmReview.url, /^\/hook\?timeout=10s$/);
    const rq = cmReview.request;
    assert.match(rq.uid, /^[0-9a-f-]{36}$/);
    assert.deepEqual(Object.keys(rq), ['uid', 'kind', 'resource', 'requestKind', 'requestResource', 'name', 'namespace', 'operation', 'userInfo', 'object', 'oldObject', 'dryRun', 'options']);
    assert.deepEqual(rq.kind, { group: '', version: 'v1', kind: 'ConfigMap' });
    assert.deepEqual(rq.resource, { group: '', version: 'v1', resource: 'configmaps' });
    assert.deepEqual([rq.requestKind, rq.requestResource], [rq.kind, rq.resource]);
    assert.deepEqual([rq.name, rq.namespace, rq.operation, rq.dryRun, rq.oldObject], ['cm1', 'default', 'CREATE', false, null]);
    assert.equal(rq.userInfo.username, 'admin');
    assert.ok(rq.userInfo.groups.includes('system:masters'));
    assert.deepEqual(rq.object.data, { a: 'b' });
    assert.equal(rq.object.metadata.name, 'cm1');
    assert.deepEqual(rq.options, { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' });
    assert.deepEqual([podReview.request.kind.kind, podReview.request.resource.resource], ['Pod', 'pods']);
    // The pod the webhook saw already had its defaults.
    assert.equal(podReview.request.object.spec.restartPolicy, 'Always');
  });

  it('run one after another in configuration name order, each seeing what the one before changed; patches apply in order', async () => {
    handlers.set('/a', (review) => addLabel(review, 'a', '1'));
    handlers.set('/b', (review) => {
      assert.equal(review.request.object.metadata.labels.a, '1');
      return patch(review, [{ op: 'add', path: '/metadata/labels/b', value: '2' }, { op: 'replace', path: '/data/a', value: 'patched' }]);
    });
    await configure('Mutating', 'z-second', [{ name: 'b.example.com', path: '/b' }]);
    await configure('Mutating', 'a-first', [{ name: 'a.example.com', path: '/a' }]);
    const r = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('ordered'));
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.metadata.labels, { a: '1', b: '2' });
    assert.deepEqual(r.json.data, { a: 'patched' });
    assert.ok(r.json.metadata.resourceVersion);
  });

  it('reinvocationPolicy IfNeeded calls a webhook once more when a later one changed the object; Never does not', async () => {
    handlers.set('/again', (review) => {
      const n = (calls.get('/again') ?? []).length;
      return n === 1 ? addLabel(review, 'again', 'first') : response(review);
    });
    handlers.set('/once', (review) => addLabel(review, 'once', 'yes'));
    handlers.set('/later', (review) => addLabel(review, 'later', 'yes'));
    await configure('Mutating', 'a', [
      { name: 'again.example.com', path: '/again', reinvocationPolicy: 'IfNeeded' },
      { name: 'once.example.com', path: '/once', reinvocationPolicy: 'Never' },
    ]);
    await configure('Mutating', 'b', [{ name: 'later.example.com', path: '/later' }]);
    const r = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('reinvoked'));
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.metadata.labels, { again: 'first', once: 'yes', later: 'yes' });
    const again = calls.get('/again') ?? [];
    assert.equal(again.length, 2);
    // The second call sees what the later webhooks did.
    assert.deepEqual(again[1].request.object.metadata.labels, { again: 'first', once: 'yes', later: 'yes' });
    assert.equal(again[0].request.uid === again[1].request.uid, false);
    assert.equal((calls.get('/once') ?? []).length, 1);
    assert.equal((calls.get('/later') ?? []).length, 1);
  });

  it('a patch that cannot be applied, or a webhook changing the kind, is an internal error whatever the failurePolicy', async () => {
    handlers.set('/hook', (review) => patch(review, [{ op: 'replace', path: '/metadata/labels/missing', value: 'x' }]));
    await configure('Mutating', 'bad-patch', [{ name: 'badpatch.example.com', failurePolicy: 'Ignore' }]);
    const r = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('badpatch'));
    assert.equal(r.status, 500, r.text);
    assert.equal(r.json.reason, 'InternalError');
    assert.match(r.json.message, /^Internal error occurred: replace operation does not apply: doc is missing (path|key): /);
    handlers.set('/hook', (review) => patch(review, [{ op: 'replace', path: '/kind', value: 'Secret' }]));
    const k = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('kindchange'));
    assert.equal(k.status, 500, k.text);
    assert.equal((await api('GET', '/api/v1/namespaces/default/configmaps/kindchange')).status, 404);
  });

  it('an undecodable patch follows the failurePolicy', async () => {
    handlers.set('/hook', (review) => response(review, { patchType: 'JSONPatch', patch: Buffer.from('{"not":"a list"}').toString('base64') }));
    await configure('Mutating', 'undecodable', [{ name: 'undecodable.example.com', failurePolicy: 'Fail' }]);
    const r = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('undecodable'));
    assert.equal(r.status, 500, r.text);
    assert.match(r.json.message, /^Internal error occurred: failed calling webhook "undecodable.example.com": received undecodable patch in webhook response: /);
  });
});

describe('validating webhooks', () => {
  it('deny by rule with the message the real kubectl prints', async () => {
    handlers.set('/deny', (review) => (review.request.object.metadata.name.startsWith('bad-')
      ? response(review, { allowed: false, status: { code: 403, reason: 'Forbidden', message: 'configmaps named bad-* are not allowed' } })
      : response(review)));
    await configure('Validating', 'policy', [{ name: 'deny.example.com', path: '/deny' }]);
    const file = await manifest('bad', configMap('bad-one'));
    const res = await kubectlRun(cp, ['create', '-f', file]);
    assert.equal(res.code, 1);
    assert.equal(res.stderr.trim(), `Error from server (Forbidden): error when creating "${file}": admission webhook "deny.example.com" denied the request: configmaps named bad-* are not allowed`);
    assert.match(await kubectl(cp, 'create', 'configmap', 'good-one', '--from-literal=a=b'), /configmap\/good-one created/);
    const byCreate = await kubectlRun(cp, ['create', 'configmap', 'bad-two']);
    assert.equal(byCreate.stderr.trim(), 'error: failed to create configmap: admission webhook "deny.example.com" denied the request: configmaps named bad-* are not allowed');
    // A refusal without code or message: 400 "without explanation", as ToStatusErr words it.
    handlers.set('/deny', (review) => response(review, { allowed: false }));
    const r = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('plain'));
    assert.equal(r.status, 400);
    assert.equal(r.json.message, 'admission webhook "deny.example.com" denied the request without explanation');
  });

  it('run at once; warnings reach the client; any refusal refuses', async () => {
    let inFlight = 0;
    let most = 0;
    const slowAllow = (warning: string): Handler => async (review) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 300));
      inFlight--;
      return response(review, { warnings: [warning] });
    };
    handlers.set('/one', slowAllow('first warning'));
    handlers.set('/two', slowAllow('second warning'));
    await configure('Validating', 'parallel', [{ name: 'one.example.com', path: '/one' }, { name: 'two.example.com', path: '/two' }]);
    const res = await kubectlRun(cp, ['create', 'configmap', 'warned']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /Warning: first warning/);
    assert.match(res.stderr, /Warning: second warning/);
    assert.equal(most, 2);
  });

  it('see DELETE with the old object and the DeleteOptions, and may refuse it', async () => {
    await api('POST', '/api/v1/namespaces/default/configmaps', configMap('keep-me'));
    handlers.set('/deny', (review) => response(review, { allowed: false, status: { code: 403, reason: 'Forbidden', message: 'not today' } }));
    await configure('Validating', 'no-delete', [{ name: 'nodelete.example.com', path: '/deny', rules: [RULE(['configmaps'], ['DELETE'])] }]);
    const res = await kubectlRun(cp, ['delete', 'configmap', 'keep-me']);
    assert.equal(res.stderr.trim(), 'Error from server (Forbidden): admission webhook "nodelete.example.com" denied the request: not today');
    const rq = (calls.get('/deny') ?? [])[0].request;
    assert.deepEqual([rq.operation, rq.name, rq.object, rq.oldObject.metadata.name], ['DELETE', 'keep-me', null, 'keep-me']);
    assert.deepEqual([rq.oldObject.apiVersion, rq.oldObject.kind, typeof rq.oldObject.metadata.resourceVersion], ['v1', 'ConfigMap', 'string']);
    assert.equal(rq.options.kind, 'DeleteOptions');
    assert.equal(rq.options.apiVersion, 'meta.k8s.io/v1');
    assert.equal((await api('GET', '/api/v1/namespaces/default/configmaps/keep-me')).status, 200);
  });

  it('are picked up, changed and dropped live', async () => {
    handlers.set('/deny', (review) => response(review, { allowed: false, status: { message: 'no' } }));
    await configure('Validating', 'live', [{ name: 'live.example.com', path: '/deny', rules: [RULE(['secrets'])] }]);
    assert.equal((await api('POST', '/api/v1/namespaces/default/configmaps', configMap('live1'))).status, 201);
    const cur = (await api('GET', `${AR}/validatingwebhookconfigurations/live`)).json;
    cur.webhooks[0].rules = [RULE(['configmaps'])];
    const u = await api('PUT', `${AR}/validatingwebhookconfigurations/live`, cur);
    assert.equal(u.status, 200, u.text);
    await synced(u.json.metadata.resourceVersion);
    assert.equal((await api('POST', '/api/v1/namespaces/default/configmaps', configMap('live2'))).status, 400);
    const d = await api('DELETE', `${AR}/validatingwebhookconfigurations/live`);
    assert.equal(d.status, 200);
    await synced((await api('GET', `${AR}/validatingwebhookconfigurations`)).json.metadata.resourceVersion);
    assert.equal((await api('POST', '/api/v1/namespaces/default/configmaps', configMap('live3'))).status, 201);
  });

  it('are never called for webhook configurations, so a broken webhook can always be removed', async () => {
    const dead = await deadPort();
    await configure('Validating', 'broken', [{
      name: 'broken.example.com', url: `https://127.0.0.1:${dead}/x`, rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*/*'] }],
    }]);
    const r = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('blocked'));
    assert.equal(r.status, 500);
    assert.equal(r.json.message, `Internal error occurred: failed calling webhook "broken.example.com": failed to call webhook: Post "https://127.0.0.1:${dead}/x?timeout=10s": dial tcp 127.0.0.1:${dead}: connect: connection refused`);
    assert.equal((await api('DELETE', `${AR}/validatingwebhookconfigurations/broken`)).status, 200);
  });
});

describe('failurePolicy', () => {
  it('Ignore lets the request through and Fail refuses it when the webhook is down', async () => {
    const dead = await deadPort();
    await configure('Validating', 'down', [
      { name: 'ignore.example.com', url: `https://127.0.0.1:${dead}/v`, failurePolicy: 'Ignore', rules: [RULE(['configmaps'])] },
      { name: 'fail.example.com', url: `https://127.0.0.1:${dead}/v`, failurePolicy: 'Fail', rules: [RULE(['secrets'])] },
    ]);
    assert.match(await kubectl(cp, 'create', 'configmap', 'through'), /created/);
    const res = await kubectlRun(cp, ['create', 'secret', 'generic', 'refused', '--from-literal=a=b']);
    assert.equal(res.stderr.trim(), `error: failed to create secret Internal error occurred: failed calling webhook "fail.example.com": failed to call webhook: Post "https://127.0.0.1:${dead}/v?timeout=10s": dial tcp 127.0.0.1:${dead}: connect: connection refused`);
    // Mutating webhooks too.
    await configure('Mutating', 'mdown', [{ name: 'mfail.example.com', url: `https://127.0.0.1:${dead}/m`, rules: [RULE(['services'])] }]);
    const svc = await api('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });
    assert.equal(svc.status, 500);
    assert.equal(svc.json.reason, 'InternalError');
    assert.deepEqual(svc.json.details.causes, [{ message: svc.json.message.replace('Internal error occurred: ', '') }]);
  });

  it('Ignore and Fail when the webhook times out (timeoutSeconds)', async () => {
    handlers.set('/slow', () => new Promise(() => undefined));
    await configure('Validating', 'slow', [
      { name: 'slow-ignore.example.com', path: '/slow', timeoutSeconds: 1, failurePolicy: 'Ignore', rules: [RULE(['configmaps'])] },
      { name: 'slow-fail.example.com', path: '/slow', timeoutSeconds: 1, failurePolicy: 'Fail', rules: [RULE(['secrets'])] },
    ]);
    const started = Date.now();
    assert.equal((await api('POST', '/api/v1/namespaces/default/configmaps', configMap('late'))).status, 201);
    assert.ok(Date.now() - started >= 900);
    const r = await api('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'late' } });
    assert.equal(r.status, 500);
    assert.equal(r.json.message, `Internal error occurred: failed calling webhook "slow-fail.example.com": failed to call webhook: Post "https://127.0.0.1:${port}/slow?timeout=1s": context deadline exceeded`);
  });

  it('a serving certificate from another CA is a failure to call', async () => {
    const other = await createCertificateAuthority('other-ca');
    await configure('Validating', 'untrusted', [{ name: 'untrusted.example.com', path: '/hook' }]);
    const cur = (await api('GET', `${AR}/validatingwebhookconfigurations/untrusted`)).json;
    cur.webhooks[0].clientConfig.caBundle = Buffer.from(other.cert).toString('base64');
    const u = await api('PUT', `${AR}/validatingwebhookconfigurations/untrusted`, cur);
    await synced(u.json.metadata.resourceVersion);
    const r = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('untrusted'));
    assert.equal(r.status, 500);
    assert.match(r.json.message, /: tls: failed to verify certificate: x509: certificate signed by unknown authority$/);
    // A caBundle that holds no certificate.
    const again = (await api('GET', `${AR}/validatingwebhookconfigurations/untrusted`)).json;
    again.webhooks[0].clientConfig.caBundle = Buffer.from('garbage').toString('base64');
    const g = await api('PUT', `${AR}/validatingwebhookconfigurations/untrusted`, again);
    assert.equal(g.status, 200, g.text);
    await synced(g.json.metadata.resourceVersion);
    const r2 = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('untrusted2'));
    assert.equal(r2.json.message, 'Internal error occurred: failed calling webhook "untrusted.example.com": could not get REST client: unable to load root certificates: unable to parse bytes as PEM block');
  });
});

describe('selectors', () => {
  it('namespaceSelector matches the namespace\'s labels (a namespace\'s own, for namespace requests); objectSelector the old or new object\'s', async () => {
    handlers.set('/hook', (review) => addLabel(review, 'seen', 'yes'));
    for (const [name, labels] of [['team-a', { team: 'a' }], ['team-b', { team: 'b' }]] as const) {
      assert.equal((await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } })).status, 201);
    }
    await configure('Mutating', 'selective', [
      { name: 'ns.example.com', namespaceSelector: { matchLabels: { team: 'a' } }, rules: [RULE(['configmaps', 'namespaces'])] },
    ]);
    const inA = await api('POST', '/api/v1/namespaces/team-a/configmaps', configMap('x'));
    const inB = await api('POST', '/api/v1/namespaces/team-b/configmaps', configMap('x'));
    assert.deepEqual([inA.json.metadata.labels, inB.json.metadata.labels], [{ seen: 'yes' }, undefined]);
    const ns = await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a2', labels: { team: 'a' } } });
    assert.equal(ns.json.metadata.labels.seen, 'yes');
    const nsReview = (calls.get('/hook') ?? []).find((c: Review) => c.request.resource.resource === 'namespaces');
    assert.equal(nsReview.request.namespace, undefined);
    // A namespace that does not exist is the request's 404.
    const missing = await api('POST', '/api/v1/namespaces/nowhere/configmaps', configMap('x'));
    assert.equal(missing.status, 404);

    await configure('Validating', 'objects', [
      { name: 'obj.example.com', path: '/deny', objectSelector: { matchExpressions: [{ key: 'guarded', operator: 'Exists' }] }, rules: [RULE(['configmaps'], ['UPDATE', 'DELETE'])] },
    ]);
    handlers.set('/deny', (review) => response(review, { allowed: false, status: { code: 403, reason: 'Forbidden', message: 'guarded' } }));
    await api('POST', '/api/v1/namespaces/default/configmaps', configMap('guarded', { guarded: 'true' }));
    await api('POST', '/api/v1/namespaces/default/configmaps', configMap('free'));
    // Removing the label is still seen: the old object matches.
    const unlabel = await api('PATCH', '/api/v1/namespaces/default/configmaps/guarded', { metadata: { labels: { guarded: null } } });
    assert.equal(unlabel.status, 403, unlabel.text);
    assert.equal((await api('PATCH', '/api/v1/namespaces/default/configmaps/free', { data: { c: 'd' } })).status, 200);
    const update = (calls.get('/deny') ?? [])[0].request;
    assert.deepEqual([update.operation, update.object.metadata.labels ?? {}, update.oldObject.metadata.labels, update.oldObject.kind, update.options.kind],
      ['UPDATE', {}, { guarded: 'true' }, 'ConfigMap', 'UpdateOptions']);
    assert.equal((await api('DELETE', '/api/v1/namespaces/default/configmaps/guarded')).status, 403);
  });

  it('rules: operations, groups, versions, resources with subresources, scope', async () => {
    await configure('Validating', 'rules', [
      { name: 'status.example.com', path: '/deny', rules: [{ operations: ['UPDATE'], apiGroups: ['apps'], apiVersions: ['*'], resources: ['*/status'], scope: 'Namespaced' }] },
      { name: 'cluster.example.com', path: '/deny', rules: [{ operations: ['CREATE'], apiGroups: ['*'], apiVersions: ['v1'], resources: ['*'], scope: 'Cluster' }] },
    ]);
    handlers.set('/deny', (review) => response(review, { allowed: false, status: { code: 403, message: `${review.request.resource.resource}/${review.request.subResource ?? ''}` } }));
    const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } };
    assert.equal((await api('POST', '/apis/apps/v1/namespaces/default/deployments', deploy)).status, 201);
    const d = (await api('GET', '/apis/apps/v1/namespaces/default/deployments/d')).json;
    const st = await api('PUT', '/apis/apps/v1/namespaces/default/deployments/d/status', { ...d, status: { observedGeneration: 1 } });
    assert.equal(st.status, 403);
    assert.equal(st.json.message, 'admission webhook "status.example.com" denied the request: deployments/status');
    // Namespaced objects do not match a Cluster rule; cluster-scoped ones do.
    assert.equal((await api('POST', '/api/v1/namespaces/default/configmaps', configMap('scoped'))).status, 201);
    const pv = await api('POST', '/apis/storage.k8s.io/v1/storageclasses', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'sc' }, provisioner: 'x' });
    assert.equal(pv.status, 403);
    assert.equal(pv.json.message, 'admission webhook "cluster.example.com" denied the request: storageclasses/');
  });
});

describe('matchConditions', () => {
  it('CEL conditions on object, oldObject and request: false skips the webhook; an error skips it (Ignore) or refuses the request (Fail)', async () => {
    handlers.set('/hook', (review) => addLabel(review, 'matched', 'yes'));
    await configure('Mutating', 'conditions', [{
      name: 'mc.example.com', rules: [RULE(['configmaps'])],
      matchConditions: [
        { name: 'prefixed', expression: 'object.metadata.name.startsWith("mc-")' },
        { name: 'create', expression: 'request.operation == "CREATE" && oldObject == null && size(object.data) >= 1' },
      ],
    }]);
    const hit = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('mc-one'));
    const miss = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('other'));
    assert.deepEqual([hit.json.metadata.labels, miss.json.metadata.labels], [{ matched: 'yes' }, undefined]);
    await configure('Validating', 'erring', [
      { name: 'err-ignore.example.com', failurePolicy: 'Ignore', rules: [RULE(['configmaps'])], matchConditions: [{ name: 'bad', expression: 'object.data.missing == "x"' }] },
      { name: 'err-fail.example.com', failurePolicy: 'Fail', rules: [RULE(['secrets'])], matchConditions: [{ name: 'bad', expression: 'object.data.missing == "x"' }] },
    ]);
    assert.equal((await api('POST', '/api/v1/namespaces/default/configmaps', configMap('mc-two'))).status, 201);
    const r = await api('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mc' }, data: { a: 'Yg==' } });
    assert.equal(r.status, 403, r.text);
    assert.match(r.json.message, /^secrets "mc" is forbidden: expression 'object\.data\.missing == "x"' resulted in error: /);
    assert.equal((calls.get('/hook') ?? []).filter((c: Review) => c.request.resource.resource === 'secrets').length, 0);
  });

  it('that do not compile are refused', async () => {
    const r = await api('POST', `${AR}/validatingwebhookconfigurations`, {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'nocompile' },
      webhooks: [hook({ name: 'nc.example.com', matchConditions: [{ name: 'x', expression: 'object.metadata.name ==' }] })],
    });
    assert.equal(r.status, 422);
    assert.match(r.json.message, /webhooks\[0\]\.matchConditions\[0\]\.expression: Invalid value: "object\.metadata\.name ==": compilation failed: ERROR: <input>/);
  });
});

describe('dry runs and side effects', () => {
  it('webhooks without side effects are called with dryRun true and change nothing stored', async () => {
    handlers.set('/hook', (review) => addLabel(review, 'dry', String(review.request.dryRun)));
    await configure('Mutating', 'dry', [{ name: 'dry.example.com', sideEffects: 'NoneOnDryRun' }]);
    const out = await kubectl(cp, 'create', 'configmap', 'drycm', '--dry-run=server', '-o', 'jsonpath={.metadata.labels.dry}');
    assert.equal(out, 'true');
    assert.equal((await api('GET', '/api/v1/namespaces/default/configmaps/drycm')).status, 404);
    const rq = (calls.get('/hook') ?? [])[0].request;
    assert.equal(rq.dryRun, true);
    assert.deepEqual(rq.options, { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', dryRun: ['All'] });
  });

  it('configurations may only declare None or NoneOnDryRun side effects', async () => {
    const r = await api('POST', `${AR}/validatingwebhookconfigurations`, {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'some' }, webhooks: [hook({ name: 'some.example.com', sideEffects: 'Some' })],
    });
    assert.equal(r.status, 422);
    assert.equal(r.json.message, 'ValidatingWebhookConfiguration.admissionregistration.k8s.io "some" is invalid: webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"');
  });
});

describe('Service references', () => {
  it('are called as <name>.<namespace>.svc at an endpoint of the Service (--enable-aggregator-routing)', async () => {
    const svc = await api('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hooks' }, spec: { ports: [{ name: 'https', port: 443, targetPort: port }] } });
    assert.equal(svc.status, 201, svc.text);
    const eps = await api('POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'hooks-1', labels: { 'kubernetes.io/service-name': 'hooks' } },
      addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }], ports: [{ name: 'https', port }],
    });
    assert.equal(eps.status, 201, eps.text);
    handlers.set('/svc', (review) => addLabel(review, 'via', 'service'));
    const r = await api('POST', `${AR}/mutatingwebhookconfigurations`, {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'svc' },
      webhooks: [{ name: 'svc.example.com', clientConfig: { service: { namespace: 'default', name: 'hooks', path: '/svc' }, caBundle }, rules: [RULE(['configmaps'])], sideEffects: 'None', admissionReviewVersions: ['v1'] }],
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.webhooks[0].clientConfig.service.port, 443);
    await synced(r.json.metadata.resourceVersion);
    const cm = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('via-svc'));
    assert.equal(cm.json.metadata.labels?.via, 'service', cm.text);
    // A Service without a port 443 is a failure to call, in Kubernetes' words.
    await configure('Validating', 'noport', [{ name: 'noport.example.com', url: undefined, rules: [RULE(['secrets'])] }]);
    const cur = (await api('GET', `${AR}/validatingwebhookconfigurations/noport`)).json;
    cur.webhooks[0].clientConfig = { service: { namespace: 'default', name: 'hooks', port: 8443 }, caBundle };
    const u = await api('PUT', `${AR}/validatingwebhookconfigurations/noport`, cur);
    await synced(u.json.metadata.resourceVersion);
    const s = await api('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } });
    assert.equal(s.json.message, 'Internal error occurred: failed calling webhook "noport.example.com": could not get REST client: no service port 8443 found for service "hooks"');
  });
});

describe('configurations', () => {
  it('are defaulted as Kubernetes defaults them and listed with their webhook count', async () => {
    await configure('Mutating', 'defaults', [{ name: 'd.example.com' }, { name: 'e.example.com' }]);
    const got = (await api('GET', `${AR}/mutatingwebhookconfigurations/defaults`)).json.webhooks[0];
    assert.deepEqual(
      [got.failurePolicy, got.matchPolicy, got.namespaceSelector, got.objectSelector, got.timeoutSeconds, got.reinvocationPolicy, got.rules[0].scope],
      ['Fail', 'Equivalent', {}, {}, 10, 'Never', '*']);
    const table = await kubectl(cp, 'get', 'mutatingwebhookconfigurations');
    assert.match(table, /^NAME\s+WEBHOOKS\s+AGE\ndefaults\s+2\s+\d+s\n$/);
    // kubectl apply twice: the second is a strategic merge patch (webhooks merge by name).
    const applied = (timeoutSeconds: number) => ({
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'applied' },
      webhooks: [hook({ name: 'applied.example.com', timeoutSeconds })],
    });
    assert.match(await kubectl(cp, 'apply', '-f', await manifest('applied', applied(5))), /validatingwebhookconfiguration.admissionregistration.k8s.io\/applied created/);
    assert.match(await kubectl(cp, 'apply', '-f', await manifest('applied', applied(7))), /configured/);
    assert.equal(await kubectl(cp, 'get', 'validatingwebhookconfiguration', 'applied', '-o', 'jsonpath={.webhooks[0].timeoutSeconds}'), '7');
    const explain = await kubectl(cp, 'explain', 'validatingwebhookconfiguration.webhooks.sideEffects');
    assert.match(explain, /SideEffects states whether this webhook has side effects/);
  });

  it('bad configurations are refused with Kubernetes\' messages', async () => {
    const bad = {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'bad' },
      webhooks: [
        { name: 'two.segments', clientConfig: { url: 'http://example.com/x?q=1#f' }, rules: [{ operations: ['*', 'CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['*/*', 'pods'], scope: 'Somewhere' }], admissionReviewVersions: ['v2'], timeoutSeconds: 31 },
        { name: 'dup.example.com', clientConfig: { service: { namespace: 'default', name: 'svc', path: 'no-slash' }, url: 'https://x.example.com' }, sideEffects: 'None', admissionReviewVersions: ['v1'] },
        { name: 'dup.example.com', clientConfig: { service: { namespace: '', name: 'svc', port: 70000 } }, sideEffects: 'None', admissionReviewVersions: ['v1'] },
      ],
    };
    const file = await manifest('badcfg', bad);
    const res = await kubectlRun(cp, ['create', '-f', file]);
    assert.equal(res.code, 1);
    const causes = [
      'webhooks[0].name: Invalid value: "two.segments": should be a domain with at least three segments separated by dots',
      'webhooks[0].rules[0].operations: Invalid value: []admissionregistration.OperationType{"*", "CREATE"}: if \'*\' is present, must not specify other operations',
      'webhooks[0].rules[0].resources: Invalid value: []string{"*/*", "pods"}: if \'*/*\' is present, must not specify other resources',
      'webhooks[0].rules[0].scope: Unsupported value: "Somewhere": supported values: "*", "Cluster", "Namespaced"',
      'webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun',
      'webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds',
      'webhooks[0].clientConfig.url: Invalid value: "http": \'https\' is the only allowed URL scheme; desired format: https://host[/path]',
      'webhooks[0].clientConfig.url: Invalid value: "f": fragments are not permitted in the URL',
      'webhooks[0].clientConfig.url: Invalid value: "q=1": query parameters are not permitted in the URL',
      'webhooks[0].admissionReviewVersions: Invalid value: []string{"v2"}: must include at least one of v1, v1beta1',
      'webhooks[1].clientConfig: Required value: exactly one of url or service is required',
      'webhooks[2].clientConfig.service.namespace: Required value: service namespace is required',
      'webhooks[2].clientConfig.service.port: Invalid value: 70000: port is not valid: must be between 1 and 65535, inclusive',
      'webhooks[2].name: Duplicate value: "dup.example.com"',
    ];
    assert.equal(res.stderr.trim(), `The ValidatingWebhookConfiguration "bad" is invalid: \n* ${causes.join('\n* ')}`);
  });
});

describe('a misbehaving webhook', () => {
  const cases: [string, (res: import('node:http').ServerResponse) => void, RegExp][] = [
    ['bad JSON', (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"apiVersion":'), /failed to call webhook: couldn't get version\/kind; json parse error: /],
    ['wrong uid', (res) => res.writeHead(200).end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'nope', allowed: true } })),
      /received invalid webhook response: expected response\.uid="[0-9a-f-]+", got "nope"$/],
    ['no response', (res) => res.writeHead(200).end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' })), /received invalid webhook response: webhook response was absent$/],
    ['wrong kind', (res) => res.writeHead(200).end(JSON.stringify({ apiVersion: 'v1', kind: 'Status', response: {} })), /received invalid webhook response: expected response\.uid=/],
    ['a huge response', (res) => { res.writeHead(200); res.end(`{"x":"${'a'.repeat(4 * 1024 * 1024)}"}`); }, /response body too large/],
    ['HTTP 500', (res) => res.writeHead(500).end('boom'), /failed to call webhook: an error on the server \("boom"\) has prevented the request from succeeding$/],
    ['a dropped connection', (res) => res.socket?.destroy(), /failed to call webhook: Post "https:\/\/127\.0\.0\.1:\d+\/misbehave\?timeout=10s": EOF$/],
  ];

  it('fails open with Ignore, and with Fail is Kubernetes\' InternalError naming the webhook; the apiserver keeps serving', async () => {
    await configure('Mutating', 'misbehave', [
      { name: 'ignore.misbehave.example.com', path: '/misbehave', failurePolicy: 'Ignore', rules: [RULE(['configmaps'])] },
      { name: 'fail.misbehave.example.com', path: '/misbehave', failurePolicy: 'Fail', rules: [RULE(['secrets'])] },
    ]);
    for (const [what, answer, message] of cases) {
      raw.set('/misbehave', answer);
      const ok = await api('POST', '/api/v1/namespaces/default/configmaps', configMap(`open-${what.replace(/[^a-z0-9]/g, '')}`));
      assert.equal(ok.status, 201, `${what}: ${ok.text}`);
      const r = await api('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'closed' } });
      assert.equal(r.status, 500, `${what}: ${r.text}`);
      assert.equal(r.json.kind, 'Status', what);
      assert.equal(r.json.reason, 'InternalError', what);
      assert.ok(r.json.message.startsWith('Internal error occurred: failed calling webhook "fail.misbehave.example.com": '), `${what}: ${r.json.message}`);
      assert.match(r.json.message, message, what);
    }
    assert.equal((await api('GET', '/healthz')).status, 200);
  });
});
