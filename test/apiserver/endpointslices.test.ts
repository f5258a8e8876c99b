// discovery.k8s.io/v1 EndpointSlices against the real apiserver and the real kubectl:
// the `kubernetes` slice the apiserver writes (and keeps right across restarts),
// defaults and Go's encoding, validation with Kubernetes' limits and messages,
// generation, Table columns, discovery, and the kubernetes.io/service-name label on
// list and watch.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { kubectl as runKubectl } from '../harness/kubectl.js';
import { tskubectlRun } from '../harness/tskubectl.js';
import { openWatch } from '../harness/watch-reader.js';

let cp: ControlPlane;
before(async () => { cp = await startControlPlane(); });
after(async () => { await cp?.stop(); });

const kubectl = (...args: string[]): Promise<string> => runKubectl(cp, ...args);
const api = (method: string, path: string, body?: unknown, type?: string) => http(cp.url, method, path, body, type);
const SLICES = '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices';

type Json = Record<string, unknown>;
const slice = (name: string, fields: Json, labels: Record<string, string> = {}): Json =>
  ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, labels }, ...fields });
const ips = (n: number, from = 1): string[] => Array.from({ length: n }, (_, i) => `10.0.${Math.floor((i + from) / 250)}.${(i + from) % 250 + 1}`);

/** The causes of a 422, as [field, message] pairs. */
async function invalid(body: Json, method = 'POST', path = SLICES): Promise<[string, string][]> {
  const r = await api(method, path, body);
  assert.equal(r.status, 422, r.text);
  return r.json.details.causes.map((c: { field: string; message: string }) => [c.field, c.message]);
}

test('the apiserver writes the kubernetes EndpointSlice next to the kubernetes Endpoints', async () => {
  const r = await api('GET', `${SLICES}/kubernetes`);
  assert.equal(r.status, 200, r.text);
  const s = r.json;
  assert.deepEqual(s.metadata.labels, { 'kubernetes.io/service-name': 'kubernetes' });
  assert.equal(s.addressType, 'IPv4');
  assert.deepEqual(s.endpoints, [{ addresses: ['127.0.0.1'], conditions: { ready: true } }]);
  assert.deepEqual(s.ports, [{ name: 'https', port: cp.securePort, protocol: 'TCP' }]);
  const ep = (await api('GET', '/api/v1/namespaces/default/endpoints/kubernetes')).json;
  assert.equal(ep.subsets[0].addresses[0].ip, s.endpoints[0].addresses[0]);
  assert.equal(ep.subsets[0].ports[0].port, s.ports[0].port);
  // Found the way kube-proxy and kubectl describe find a service's slices.
  const listed = await api('GET', '/apis/discovery.k8s.io/v1/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dkubernetes');
  assert.deepEqual(listed.json.items.map((i: Json) => (i.metadata as Json).name), ['kubernetes']);
});

test('restarts keep the kubernetes EndpointSlice right: untouched when it is, repaired when it is not', async () => {
  const before = (await api('GET', `${SLICES}/kubernetes`)).json;
  await cp.restartApiserver();
  const same = (await api('GET', `${SLICES}/kubernetes`)).json;
  assert.equal(same.metadata.resourceVersion, before.metadata.resourceVersion, 'an unchanged slice is not rewritten');
  // Someone broke it: a wrong port, then a slice of another address type under its name.
  await api('PATCH', `${SLICES}/kubernetes`, { ports: [{ name: 'https', port: 1, protocol: 'TCP' }] }, 'application/merge-patch+json');
  await cp.restartApiserver();
  assert.deepEqual((await api('GET', `${SLICES}/kubernetes`)).json.ports, [{ name: 'https', port: cp.securePort, protocol: 'TCP' }]);
  assert.equal((await api('DELETE', `${SLICES}/kubernetes`)).status, 200);
  const v6 = await api('POST', SLICES, slice('kubernetes', { addressType: 'IPv6', endpoints: [{ addresses: ['2001:db8::1'] }] }));
  assert.equal(v6.status, 201, v6.text);
  await cp.restartApiserver();
  const fixed = (await api('GET', `${SLICES}/kubernetes`)).json;
  assert.equal(fixed.addressType, 'IPv4');
  assert.deepEqual(fixed.endpoints, [{ addresses: ['127.0.0.1'], conditions: { ready: true } }]);
});

test('defaults: port protocol TCP and name "", conditions {}, absent endpoints and ports are null', async () => {
  const r = await api('POST', SLICES, slice('defaults', {
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.1.0.5'], nodeName: 'node-1', zone: 'a', deprecatedTopology: { 'kubernetes.io/hostname': 'node-1' } }],
    ports: [{ port: 8080 }, { name: 'dns', port: 53, protocol: 'UDP', appProtocol: 'dns' }],
  }));
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.ports, [{ name: '', port: 8080, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP', appProtocol: 'dns' }]);
  // deprecatedTopology is not writable through v1.
  assert.deepEqual(r.json.endpoints, [{ addresses: ['10.1.0.5'], conditions: {}, nodeName: 'node-1', zone: 'a' }]);
  assert.equal(r.json.metadata.generation, 1);
  const empty = await api('POST', SLICES, slice('empty', { addressType: 'FQDN' }));
  assert.equal(empty.status, 201, empty.text);
  assert.match(empty.text, /"endpoints":null/);
  assert.match(empty.text, /"ports":null/);
});

test('validation: address types, addresses, limits, ports and hints with Kubernetes\' messages', async () => {
  assert.deepEqual(await invalid(slice('no-type', {})), [['addressType', 'Required value']]);
  assert.deepEqual(await invalid(slice('bad-type', { addressType: 'IPv5' })), [['addressType', 'Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"']]);
  assert.deepEqual(await invalid(slice('bad-ips', {
    addressType: 'IPv4',
    endpoints: [{ addresses: [] }, { addresses: ['abc', '2001:db8::1', '0.0.0.0', '169.254.1.1'] }],
  })), [
    ['endpoints[0].addresses', 'Required value: must contain at least 1 address'],
    ['endpoints[1].addresses[0]', 'Invalid value: "abc": must be a valid IPv4 address'],
    ['endpoints[1].addresses[0]', 'Invalid value: "abc": must be a valid IP address'],
    ['endpoints[1].addresses[1]', 'Invalid value: "2001:db8::1": must be a valid IPv4 address'],
    ['endpoints[1].addresses[2]', 'Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)'],
    ['endpoints[1].addresses[3]', 'Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)'],
  ]);
  assert.deepEqual(await invalid(slice('bad-v6', { addressType: 'IPv6', endpoints: [{ addresses: ['10.0.0.1'] }] })), [
    ['endpoints[0].addresses[0]', 'Invalid value: "10.0.0.1": must be a valid IPv6 address'],
  ]);
  assert.deepEqual(await invalid(slice('bad-fqdn', { addressType: 'FQDN', endpoints: [{ addresses: ['localhost', 'Web.example.com', 'ok.example.com.'] }] })), [
    ['endpoints[0].addresses[0]', 'Invalid value: "localhost": should be a domain with at least two segments separated by dots'],
    ['endpoints[0].addresses[1]', 'Invalid value: "Web.example.com": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')'],
  ]);
  assert.deepEqual(await invalid(slice('too-many', { addressType: 'IPv4', endpoints: ips(1001).map((a) => ({ addresses: [a] })) })), [
    ['endpoints', 'Too many: 1001: must have at most 1000 items'],
  ]);
  assert.deepEqual(await invalid(slice('wide', { addressType: 'IPv4', endpoints: [{ addresses: ips(101) }] })), [
    ['endpoints[0].addresses', 'Too many: 101: must have at most 100 items'],
  ]);
  assert.deepEqual(await invalid(slice('bad-endpoint', {
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.0.0.1'], hostname: 'Bad_Host', nodeName: 'Node_1', hints: { forZones: [{ name: 'a' }, { name: 'a' }] } }],
  })).then((c) => c.map(([f]) => f)), ['endpoints[0].nodeName', 'endpoints[0].hostname', 'endpoints[0].hints.forZones[1].name']);
  assert.deepEqual(await invalid(slice('bad-ports', {
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }, { name: 'x', port: 1, protocol: 'ICMP' }, { name: 'y', port: 2, appProtocol: 'a/b/c' }],
  })).then((c) => c.slice(0, 2)), [
    ['ports[1].name', 'Duplicate value: "http"'],
    ['ports[2].protocol', 'Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
  ]);
  // addressType is immutable; up to 1000 endpoints and 100 addresses each are fine.
  assert.equal((await api('POST', SLICES, slice('big', { addressType: 'IPv4', endpoints: [{ addresses: ips(100) }, ...ips(999, 200).map((a) => ({ addresses: [a] }))] }))).status, 201);
  const cur = (await api('GET', `${SLICES}/big`)).json;
  assert.deepEqual(await invalid({ ...cur, addressType: 'FQDN', endpoints: [{ addresses: ['a.example.com'] }] }, 'PUT', `${SLICES}/big`), [
    ['addressType', 'Invalid value: "FQDN": field is immutable'],
  ]);
});

test('generation counts endpoints, ports and labels, not annotations', async () => {
  const path = `${SLICES}/defaults`;
  const patch = async (p: Json): Promise<number> => {
    const r = await api('PATCH', path, p, 'application/merge-patch+json');
    assert.equal(r.status, 200, r.text);
    return r.json.metadata.generation;
  };
  assert.equal(await patch({ metadata: { annotations: { note: 'x' } } }), 1);
  assert.equal(await patch({ endpoints: [{ addresses: ['10.1.0.6'], conditions: { ready: false, serving: true, terminating: true } }] }), 2);
  assert.equal(await patch({ metadata: { labels: { 'kubernetes.io/service-name': 'web' } } }), 3);
  assert.equal(await patch({ ports: [{ name: 'http', port: 80 }] }), 4);
});

test('kubectl get endpointslices prints ADDRESSTYPE PORTS ENDPOINTS as kubectl formats them; api-resources lists them', async () => {
  await api('POST', SLICES, slice('many', {
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.0.0.1', '10.0.0.2'] }, { addresses: ['10.0.0.3'] }, { addresses: ['10.0.0.4'] }, { addresses: ['10.0.0.5'] }],
    ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }],
  }));
  const out = (await kubectl('get', 'endpointslices')).trimEnd().split('\n');
  assert.deepEqual(out[0].split(/\s+/), ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']);
  const row = (name: string): string[] => (out.find((l) => l.startsWith(`${name} `)) ?? '').split(/\s{2,}/);
  assert.deepEqual(row('many').slice(0, 4), ['many', 'IPv4', '80,443', '10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...']);
  assert.deepEqual(row('empty').slice(0, 4), ['empty', 'FQDN', '<unset>', '<unset>']);
  assert.deepEqual(row('kubernetes').slice(0, 4), ['kubernetes', 'IPv4', String(cp.securePort), '127.0.0.1']);
  const resources = await kubectl('api-resources', '--api-group=discovery.k8s.io');
  assert.match(resources, /^endpointslices\s+discovery\.k8s\.io\/v1\s+true\s+EndpointSlice$/m);
  const ours = await tskubectlRun(cp, ['get', 'endpointslices', 'many']);
  assert.equal(ours.code, 0, ours.stderr);
  assert.match(ours.stdout, /^many\s+IPv4\s+80,443\s+10\.0\.0\.1,10\.0\.0\.2,10\.0\.0\.3 \+ 2 more\.\.\.\s/m);
});

test('a watch with the kubernetes.io/service-name label sees only that service\'s slices', async () => {
  const rv = (await api('GET', SLICES)).json.metadata.resourceVersion;
  const w = await openWatch(cp.url, `${SLICES}?watch=true&resourceVersion=${rv}&labelSelector=${encodeURIComponent('kubernetes.io/service-name=web')}`);
  try {
    assert.equal(w.status, 200);
    const one = (name: string, service: string) => slice(name, { addressType: 'IPv4', endpoints: [{ addresses: ['10.2.0.1'] }] }, { 'kubernetes.io/service-name': service });
    assert.equal((await api('POST', SLICES, one('web-abc', 'web'))).status, 201);
    assert.equal((await api('POST', SLICES, one('db-abc', 'db'))).status, 201);
    assert.equal((await api('POST', SLICES, one('web-def', 'web'))).status, 201);
    const events = await w.waitForCount(2);
    assert.deepEqual(events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'web-abc'], ['ADDED', 'web-def']]);
  } finally {
    w.close();
  }
  const listed = await api('GET', `${SLICES}?labelSelector=${encodeURIComponent('kubernetes.io/service-name=web')}`);
  assert.deepEqual(listed.json.items.map((i: Json) => (i.metadata as Json).name).sort(), ['defaults', 'web-abc', 'web-def']);
});
