// API aggregation against the real apiserver and the real kubectl: a test HTTPS server in
// this process serves wardle.example.com/v1alpha1 (flunders) behind an APIService; the
// apiserver proxies GET, LIST and WATCH to it with its front-proxy client certificate
// (verified here against the front-proxy CA it publishes in
// kube-system/extension-apiserver-authentication) and the caller's identity in
// X-Remote-User/X-Remote-Group, after authenticating and authorizing the caller itself.
// The Available condition follows the Service, its EndpointSlices and the server with
// Kubernetes' reasons; a server that is down is a 503; discovery lists the group while
// it is available. The built-in group versions are Local APIServices.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { createCertificateAuthority, signCertificate, type KeyPair } from '../../apiserver/tls.js';
import type { APIService } from '../../api/types/apiregistration.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { as, certificate } from '../harness/identity.js';
import { kubectl, kubectlFails } from '../harness/kubectl.js';
import { tskubectlRun } from '../harness/tskubectl.js';
import { waitFor } from '../harness/processes.js';

const GROUP = 'wardle.example.com';
const GV = `${GROUP}/v1alpha1`;

interface Seen { path: string; headers: IncomingHttpHeaders; cn?: string; authorized: boolean }

/** The aggregated server: discovery, flunders list/get/watch, and what it saw. */
async function startWardle(ca: KeyPair, frontProxyCA: string, port = 0): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const serving = await signCertificate(ca, { commonName: 'wardle', dnsNames: ['wardle.default.svc'], usages: ['server'] });
  const seen: Seen[] = [];
  const flunder = (name: string) => ({ kind: 'Flunder', apiVersion: GV, metadata: { name, namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' } });
  const server = createServer({ ...serving, ca: [frontProxyCA], requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate();
    seen.push({ path: req.url ?? '', headers: req.headers, cn: peer?.subject?.CN as string | undefined, authorized: socket.authorized });
    const url = new URL(req.url ?? '/', 'https://x');
    const json = (code: number, body: unknown): void => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
    if (url.pathname === `/apis/${GV}`) {
      return json(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: GV, resources: [
        { name: 'flunders', singularName: 'flunder', namespaced: true, kind: 'Flunder', verbs: ['get', 'list', 'watch'], shortNames: ['fl'] },
      ] });
    }
    if (url.pathname === `/apis/${GV}/namespaces/default/flunders` && url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.write(`${JSON.stringify({ type: 'ADDED', object: flunder('one') })}\n`);
      const t = setTimeout(() => res.write(`${JSON.stringify({ type: 'ADDED', object: flunder('two') })}\n`), 300);
      res.on('close', () => clearTimeout(t));
      return;
    }
    if (url.pathname === `/apis/${GV}/namespaces/default/flunders`) {
      return json(200, { kind: 'FlunderList', apiVersion: GV, metadata: { resourceVersion: '7' }, items: [flunder('one')] });
    }
    if (url.pathname === `/apis/${GV}/namespaces/default/flunders/one`) return json(200, flunder('one'));
    json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'not here', reason: 'NotFound', code: 404 });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port, seen };
}

const apiService = (name: string, spec: APIService['spec']): APIService => ({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name }, spec });

describe('API aggregation: APIService, the proxy, availability and discovery', { timeout: 120_000 }, () => {
  let cp: ControlPlane;
  let ca: KeyPair;
  let wardle: Awaited<ReturnType<typeof startWardle>>;
  let frontProxyCA: string;
  const api = (method: string, path: string, body?: unknown, ct?: string) => http(cp.url, method, path, body, ct);
  const available = async (name: string) => ((await api('GET', `/apis/apiregistration.k8s.io/v1/apiservices/${name}`)).json as APIService).status?.conditions?.find((c) => c.type === 'Available');

  before(async () => {
    cp = await startControlPlane({ args: ['--enable-aggregator-routing'] });
    ca = await createCertificateAuthority('wardle-ca');
    const cm = (await api('GET', '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication')).json as { data: Record<string, string> };
    frontProxyCA = cm.data['requestheader-client-ca-file'];
    wardle = await startWardle(ca, frontProxyCA);
    await api('POST', '/api/v1/namespaces/default/services', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'wardle' }, spec: { ports: [{ name: 'https', port: 443, targetPort: wardle.port }] },
    });
    await api('POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'wardle-1', labels: { 'kubernetes.io/service-name': 'wardle' } },
      addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }], ports: [{ name: 'https', port: wardle.port, protocol: 'TCP' }],
    });
    const created = await api('POST', '/apis/apiregistration.k8s.io/v1/apiservices', apiService(`v1alpha1.${GROUP}`, {
      group: GROUP, version: 'v1alpha1', service: { namespace: 'default', name: 'wardle' },
      caBundle: Buffer.from(ca.cert).toString('base64'), groupPriorityMinimum: 1000, versionPriority: 15,
    }));
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.spec.service.port, 443);
    assert.deepEqual(created.json.status, {});
    await waitFor(async () => (await available(`v1alpha1.${GROUP}`))?.status === 'True', { timeoutMs: 15_000, what: 'the APIService to become available' });
  });
  after(async () => {
    wardle?.server.closeAllConnections();
    wardle?.server.close();
    await cp?.stop();
  });

  it('publishes the front-proxy trust in kube-system/extension-apiserver-authentication', async () => {
    const cm = (await api('GET', '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication')).json as { data: Record<string, string> };
    assert.deepEqual(Object.keys(cm.data).sort(), ['client-ca-file', 'requestheader-allowed-names', 'requestheader-client-ca-file',
      'requestheader-extra-headers-prefix', 'requestheader-group-headers', 'requestheader-username-headers']);
    assert.equal(cm.data['client-ca-file'], cp.ca);
    assert.equal(cm.data['requestheader-allowed-names'], '["front-proxy-client"]');
    assert.equal(cm.data['requestheader-username-headers'], '["X-Remote-User"]');
    assert.equal(cm.data['requestheader-group-headers'], '["X-Remote-Group"]');
    assert.equal(cm.data['requestheader-extra-headers-prefix'], '["X-Remote-Extra-"]');
    assert.match(frontProxyCA, /^-----BEGIN CERTIFICATE-----/);
  });

  it('the built-in group versions are Local APIServices, and kubectl lists them', async () => {
    const core = (await api('GET', '/apis/apiregistration.k8s.io/v1/apiservices/v1.')).json as APIService;
    assert.deepEqual(core.spec, { group: '', version: 'v1', groupPriorityMinimum: 18000, versionPriority: 1 });
    assert.equal(core.metadata.labels?.['kube-aggregator.kubernetes.io/automanaged'], 'onstart');
    await waitFor(async () => (await available('v1.apps'))?.reason === 'Local', { timeoutMs: 10_000, what: 'v1.apps to be Local' });
    const cond = await available('v1.apps');
    assert.equal(cond?.status, 'True');
    assert.equal(cond?.message, 'Local APIServices are always available');
    const out = await kubectl(cp, 'get', 'apiservices');
    assert.match(out, /^NAME\s+SERVICE\s+AVAILABLE\s+AGE\s*\n/);
    assert.match(out, /\nv1\.\s+Local\s+True\s+\d+s\n/);
    assert.match(out, /\nv1\.apps\s+Local\s+True\s+/);
    assert.match(out, /\nv2\.autoscaling\s+Local\s+True\s+/);
    assert.match(out, new RegExp(`\\nv1alpha1\\.wardle\\.example\\.com\\s+default/wardle\\s+True\\s+`));
    // Ours prints the server's Table as kubectl does.
    const ours = await tskubectlRun(cp, ['get', 'apiservices']);
    assert.equal(ours.code, 0, ours.stderr);
    assert.match(ours.stdout, /^NAME\s+SERVICE\s+AVAILABLE\s+AGE\s*\n/);
    assert.match(ours.stdout, new RegExp(`\\nv1alpha1\\.wardle\\.example\\.com\\s+default/wardle\\s+True\\s+`));
    // kubectl explain reads the OpenAPI document.
    assert.match(await kubectl(cp, 'explain', 'apiservice.spec.service'), /Service is a reference to the service for this API server/);
    const passed = await available(`v1alpha1.${GROUP}`);
    assert.equal(passed?.reason, 'Passed');
    assert.equal(passed?.message, 'all checks passed');
  });

  it('discovery lists the aggregated group; kubectl api-resources and get go through the proxy', async () => {
    const groups = (await api('GET', '/apis')).json as { groups: { name: string; preferredVersion: { groupVersion: string } }[] };
    assert.deepEqual(groups.groups.find((g) => g.name === GROUP)?.preferredVersion, { groupVersion: GV, version: 'v1alpha1' });
    assert.deepEqual((await api('GET', `/apis/${GROUP}`)).json, {
      kind: 'APIGroup', apiVersion: 'v1', name: GROUP, versions: [{ groupVersion: GV, version: 'v1alpha1' }], preferredVersion: { groupVersion: GV, version: 'v1alpha1' },
    });
    assert.match(await kubectl(cp, 'api-resources', '--api-group', GROUP),
      /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND\s*\nflunders\s+fl\s+wardle\.example\.com\/v1alpha1\s+true\s+Flunder\s*\n$/);
    const before = wardle.seen.length;
    assert.match(await kubectl(cp, 'get', 'flunders'), /^NAME\s+AGE\s*\none\s+/);
    const seen = wardle.seen.slice(before).filter((s) => s.path.startsWith(`/apis/${GV}/namespaces/default/flunders`));
    assert.ok(seen.length > 0, 'the list reached the aggregated server');
    for (const s of seen) {
      assert.equal(s.cn, 'front-proxy-client');
      assert.equal(s.authorized, true, 'the front-proxy client certificate chains to the published CA');
      assert.equal(s.headers['x-remote-user'], 'admin');
      assert.deepEqual(String(s.headers['x-remote-group']).split(', ').sort(), ['system:authenticated', 'system:masters']);
      assert.equal(s.headers.authorization, undefined, 'the caller\'s credentials stay at the apiserver');
    }
  });

  it('the caller is authorized by the apiserver first, then proxied with their identity (impersonated too)', async () => {
    const cert = await certificate(cp, 'alice', ['devs']);
    const alice = as(cp, cert);
    try {
      const denied = await alice('GET', `/apis/${GV}/namespaces/default/flunders`);
      assert.equal(denied.status, 403);
      assert.equal(denied.json.message, 'flunders.wardle.example.com is forbidden: User "alice" cannot list resource "flunders" in API group "wardle.example.com" in the namespace "default"');
      await api('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'flunder-reader' },
        rules: [{ apiGroups: [GROUP], resources: ['flunders'], verbs: ['get', 'list', 'watch'] }],
      });
      await api('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'flunder-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'flunder-reader' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'devs' }],
      });
      await waitFor(async () => (await alice('GET', `/apis/${GV}/namespaces/default/flunders/one`)).status === 200, { timeoutMs: 10_000, what: 'alice to be allowed' });
      const last = wardle.seen[wardle.seen.length - 1];
      assert.equal(last.path, `/apis/${GV}/namespaces/default/flunders/one`);
      assert.equal(last.headers['x-remote-user'], 'alice');
      assert.deepEqual(String(last.headers['x-remote-group']).split(', ').sort(), ['devs', 'system:authenticated']);
      // Headers a caller sends itself are not passed on as an identity.
      await alice('GET', `/apis/${GV}/namespaces/default/flunders/one`, undefined, { 'x-remote-user': 'system:admin', 'x-remote-group': 'system:masters' });
      assert.equal(wardle.seen[wardle.seen.length - 1].headers['x-remote-user'], 'alice');
      // Impersonation: admin acting as bob (in devs) with an extra.
      const out = await kubectl(cp, 'get', 'flunders', 'one', '--as', 'bob', '--as-group', 'devs', '-o', 'name');
      assert.equal(out, 'flunder.wardle.example.com/one\n');
      const bob = wardle.seen[wardle.seen.length - 1];
      assert.equal(bob.headers['x-remote-user'], 'bob');
      assert.deepEqual(String(bob.headers['x-remote-group']).split(', ').sort(), ['devs', 'system:authenticated']);
    } finally {
      await alice.close();
    }
  });

  it('WATCH streams through the proxy as the server writes it', async () => {
    const admin = as(cp, await certificate(cp, 'watcher', ['system:masters']));
    try {
      const { request, Agent } = await import('undici');
      const agent = new Agent({ connect: { ca: cp.ca, ...(await certificate(cp, 'watcher', ['system:masters'])) } });
      const res = await request(`${cp.secureUrl}/apis/${GV}/namespaces/default/flunders?watch=true`, { dispatcher: agent });
      assert.equal(res.statusCode, 200);
      let text = '';
      const started = Date.now();
      let firstAt = 0;
      for await (const chunk of res.body) {
        text += chunk.toString();
        if (!firstAt && text.includes('"one"')) firstAt = Date.now();
        if (text.includes('"two"')) break;
      }
      res.body.destroy();
      await agent.close();
      const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } });
      assert.deepEqual(lines.map((l) => `${l.type} ${l.object.metadata.name}`), ['ADDED one', 'ADDED two']);
      assert.ok(firstAt - started < 250, 'the first event came before the stream ended');
    } finally {
      await admin.close();
    }
  });

  it('Available follows the Service, its endpoints and the server, with Kubernetes\' reasons', async () => {
    const register = (name: string, group: string, service: string, port?: number) => api('POST', '/apis/apiregistration.k8s.io/v1/apiservices', apiService(name, {
      group, version: 'v1', service: { namespace: 'default', name: service, ...(port ? { port } : {}) }, insecureSkipTLSVerify: true, groupPriorityMinimum: 100, versionPriority: 10,
    }));
    await register('v1.missing.example.com', 'missing.example.com', 'nosuch');
    await waitFor(async () => (await available('v1.missing.example.com'))?.reason === 'ServiceNotFound', { timeoutMs: 10_000, what: 'ServiceNotFound' });
    assert.equal((await available('v1.missing.example.com'))?.message, 'service/nosuch in "default" is not present');
    assert.match(await kubectl(cp, 'get', 'apiservice', 'v1.missing.example.com'), /\nv1\.missing\.example\.com\s+default\/nosuch\s+False \(ServiceNotFound\)\s+\d+s\n$/);

    await register('v1.port.example.com', 'port.example.com', 'wardle', 8443);
    await waitFor(async () => (await available('v1.port.example.com'))?.reason === 'ServicePortError', { timeoutMs: 10_000, what: 'ServicePortError' });
    assert.equal((await available('v1.port.example.com'))?.message, 'service/wardle in "default" is not listening on port 8443');

    await api('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'empty' }, spec: { ports: [{ name: 'https', port: 443 }] } });
    await register('v1.empty.example.com', 'empty.example.com', 'empty');
    await waitFor(async () => (await available('v1.empty.example.com'))?.reason === 'EndpointsNotFound', { timeoutMs: 10_000, what: 'EndpointsNotFound' });
    assert.equal((await available('v1.empty.example.com'))?.message, 'cannot find endpointslices for service/empty in "default"');
    // A slice whose only endpoint is not ready: no address on the port.
    await api('POST', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'empty-1', labels: { 'kubernetes.io/service-name': 'empty' } },
      addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: false } }], ports: [{ name: 'https', port: 1, protocol: 'TCP' }],
    });
    await waitFor(async () => (await available('v1.empty.example.com'))?.reason === 'MissingEndpoints', { timeoutMs: 10_000, what: 'MissingEndpoints' });
    assert.equal((await available('v1.empty.example.com'))?.message, 'endpointslices for service/empty in "default" have no addresses with port name "https"');
    // Unavailable group versions are neither listed nor served.
    const groups = (await api('GET', '/apis')).json as { groups: { name: string }[] };
    assert.ok(!groups.groups.some((g) => g.name === 'empty.example.com'));
    assert.equal((await api('GET', '/apis/empty.example.com')).status, 404);
    const unavailable = await api('GET', '/apis/empty.example.com/v1/things');
    assert.equal(unavailable.status, 503);
    assert.equal(unavailable.text, 'service unavailable\n');
    assert.match(await kubectlFails(cp, 'get', '--raw', '/apis/empty.example.com/v1'), /the server is currently unable to handle the request/);
  });

  it('a server that goes down: 503, FailedDiscoveryCheck, and back when it returns', async () => {
    const port = wardle.port;
    wardle.server.closeAllConnections();
    await new Promise((r) => wardle.server.close(r));
    const down = await api('GET', `/apis/${GV}/namespaces/default/flunders`);
    assert.equal(down.status, 503);
    await waitFor(async () => (await available(`v1alpha1.${GROUP}`))?.reason === 'FailedDiscoveryCheck', { timeoutMs: 15_000, what: 'FailedDiscoveryCheck' });
    const cond = await available(`v1alpha1.${GROUP}`);
    assert.equal(cond?.status, 'False');
    assert.equal(cond?.message, `failing or missing response from https://127.0.0.1:${port}/apis/${GV}: Get "https://127.0.0.1:${port}/apis/${GV}": dial tcp 127.0.0.1:${port}: connect: connection refused`);
    const unavailable = await api('GET', `/apis/${GV}/namespaces/default/flunders`);
    assert.equal(unavailable.status, 503);
    assert.equal(unavailable.text, 'service unavailable\n');
    assert.ok(!((await api('GET', '/apis')).json as { groups: { name: string }[] }).groups.some((g) => g.name === GROUP));
    assert.match(await kubectl(cp, 'get', 'apiservice', `v1alpha1.${GROUP}`), /False \(FailedDiscoveryCheck\)/);
    // Back on the same port: the next check (the 30 s resync, or any change of the APIService) finds it.
    wardle = await startWardle(ca, frontProxyCA, port);
    await api('PATCH', `/apis/apiregistration.k8s.io/v1/apiservices/v1alpha1.${GROUP}`, { metadata: { labels: { poke: 'yes' } } }, 'application/merge-patch+json');
    await waitFor(async () => (await available(`v1alpha1.${GROUP}`))?.status === 'True', { timeoutMs: 15_000, what: 'the APIService to be available again' });
    assert.equal((await api('GET', `/apis/${GV}/namespaces/default/flunders/one`)).json.metadata.name, 'one');
  });

  it('refuses invalid APIServices with kube-aggregator\'s messages', async () => {
    const bad = await api('POST', '/apis/apiregistration.k8s.io/v1/apiservices', apiService('v1.wrong', {
      group: 'right.example.com', version: 'v1', groupPriorityMinimum: 0, versionPriority: 2000, caBundle: Buffer.from('abc').toString('base64'),
    }));
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.json.details.causes, [
      { reason: 'FieldValueInvalid', message: 'Invalid value: "v1.wrong": must be `spec.version+"."+spec.group`: "v1.right.example.com"', field: 'metadata.name' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: 0: must be positive and less than 20000', field: 'spec.groupPriorityMinimum' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: 2000: must be positive and less than 1000', field: 'spec.versionPriority' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: "3 bytes": local APIServices may not have a caBundle', field: 'spec.caBundle' },
    ]);
    const remote = await api('POST', '/apis/apiregistration.k8s.io/v1/apiservices', apiService('v2.', {
      group: '', version: 'v2', service: {}, insecureSkipTLSVerify: true, caBundle: Buffer.from('abc').toString('base64'), groupPriorityMinimum: 1, versionPriority: 1,
    }));
    assert.equal(remote.status, 422);
    assert.deepEqual(remote.json.details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`), [
      'spec.group: Required value: only v1 may have an empty group and it better be legacy kube',
      'spec.service.namespace: Required value',
      'spec.service.name: Required value',
      'spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present',
    ]);
  });
});
