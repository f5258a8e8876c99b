// The pure rules of aggregation: the availability pre-checks and their reasons, the
// Available condition's transition time, kube-like version order for discovery, the
// extension server's request-header and client-certificate authentication, and which
// kubelet address metrics-server scrapes.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { compareKubeVersions } from '../../apiserver/aggregator/aggregator.js';
import { preCheck, withAvailable } from '../../apiserver/aggregator/available.js';
import type { ServiceLookup } from '../../apiserver/aggregator/resolve.js';
import { resolveCluster, resolveEndpoint } from '../../apiserver/aggregator/resolve.js';
import { authenticateCertificate, trustFromConfigMap } from '../../apiserver/extension/request-header.js';
import { createCertificateAuthority, signCertificate } from '../../apiserver/tls.js';
import type { APIService } from '../../api/types/apiregistration.js';
import type { Service } from '../../api/types/core.js';
import type { EndpointSlice } from '../../api/types/discovery.js';
import { kubeletAddress } from '../../metrics-server/kubelet-address.js';

const remote = (port?: number): APIService => ({
  metadata: { name: 'v1.x.io' }, spec: { group: 'x.io', version: 'v1', service: { namespace: 'ns', name: 'api', ...(port ? { port } : {}) } },
});
const svc = (ports: { name?: string; port: number }[], extra: Partial<Service['spec']> = {}): Service =>
  ({ metadata: { name: 'api', namespace: 'ns' }, spec: { ports, clusterIP: '10.96.0.9', ...extra } } as Service);
const slice = (ready: boolean, portName = 'https', port = 8443): EndpointSlice => ({
  metadata: { name: 'api-1', namespace: 'ns' }, addressType: 'IPv4',
  endpoints: [{ addresses: ['10.0.0.5'], conditions: { ready } }], ports: [{ name: portName, port, protocol: 'TCP' }],
});
const lookup = (s?: Service, slices: EndpointSlice[] = []): ServiceLookup => ({ service: () => s, endpointSlices: () => slices });
const reason = (s: APIService, l: ServiceLookup): string => { const r = preCheck(s, l); return 'condition' in r ? `${r.condition.reason}: ${r.condition.message}` : 'discover'; };

describe('availability pre-checks', () => {
  it('gives Kubernetes\' reasons and messages in the order it checks them', () => {
    assert.equal(reason({ metadata: { name: 'v1.apps' }, spec: { group: 'apps', version: 'v1' } }, lookup()), 'Local: Local APIServices are always available');
    assert.equal(reason(remote(), lookup()), 'ServiceNotFound: service/api in "ns" is not present');
    assert.equal(reason(remote(8443), lookup(svc([{ name: 'https', port: 443 }]))), 'ServicePortError: service/api in "ns" is not listening on port 8443');
    assert.equal(reason(remote(), lookup(svc([{ name: 'https', port: 443 }]))), 'EndpointsNotFound: cannot find endpointslices for service/api in "ns"');
    assert.equal(reason(remote(), lookup(svc([{ name: 'https', port: 443 }]), [slice(false)])), 'MissingEndpoints: endpointslices for service/api in "ns" have no addresses with port name "https"');
    assert.equal(reason(remote(), lookup(svc([{ name: 'https', port: 443 }]), [slice(true, 'other')])), 'MissingEndpoints: endpointslices for service/api in "ns" have no addresses with port name "https"');
    assert.equal(reason(remote(), lookup(svc([{ name: 'https', port: 443 }]), [slice(true)])), 'discover');
    // Only ClusterIP services are checked for ports and endpoints.
    assert.equal(reason(remote(8443), lookup(svc([], { type: 'ExternalName', externalName: 'api.example.com' }))), 'discover');
  });

  it('keeps lastTransitionTime while the status stays, moves it when it changes', () => {
    const s: APIService = { metadata: {}, status: { conditions: [{ type: 'Available', status: 'False', reason: 'A', lastTransitionTime: '2024-01-01T00:00:00Z' }] } };
    const now = new Date('2025-06-01T12:00:00.123Z');
    assert.equal(withAvailable(s, { type: 'Available', status: 'False', reason: 'B' }, now)?.conditions?.[0].lastTransitionTime, '2024-01-01T00:00:00Z');
    assert.deepEqual(withAvailable(s, { type: 'Available', status: 'True', reason: 'Passed', message: 'all checks passed' }, now)?.conditions,
      [{ type: 'Available', status: 'True', lastTransitionTime: '2025-06-01T12:00:00Z', reason: 'Passed', message: 'all checks passed' }]);
  });

  it('resolves an endpoint on the named port, or the ClusterIP', () => {
    const l = lookup(svc([{ name: 'https', port: 443 }]), [slice(false), { ...slice(true), endpoints: [{ addresses: ['10.0.0.6'], conditions: { ready: true } }] }]);
    assert.deepEqual(resolveEndpoint(l, 'ns', 'api', 443), { host: '10.0.0.6', port: 8443 });
    assert.deepEqual(resolveCluster(l, 'ns', 'api', 443), { host: '10.96.0.9', port: 443 });
    assert.throws(() => resolveEndpoint(l, 'ns', 'api', 80), /no service port 80 found for service "api"/);
    assert.throws(() => resolveEndpoint(lookup(svc([{ name: 'https', port: 443 }]), [slice(false)]), 'ns', 'api', 443), /no endpoints available for service "api"/);
  });
});

describe('discovery order of versions', () => {
  it('sorts as CompareKubeAwareVersionStrings', () => {
    const want = ['v10', 'v2', 'v1', 'v11beta2', 'v10beta3', 'v3beta1', 'v12alpha1', 'v11alpha2', 'foo1', 'foo10'];
    assert.deepEqual([...want].reverse().sort(compareKubeVersions), want);
  });
});

describe('the extension server\'s authentication', async () => {
  const frontProxyCA = await createCertificateAuthority('front-proxy-ca');
  const clientCA = await createCertificateAuthority('cluster-ca');
  const otherCA = await createCertificateAuthority('other');
  const proxy = await signCertificate(frontProxyCA, { commonName: 'front-proxy-client', usages: ['client'] });
  const stranger = await signCertificate(frontProxyCA, { commonName: 'someone-else', usages: ['client'] });
  const alice = await signCertificate(clientCA, { commonName: 'alice', organizations: ['devs'], usages: ['client'] });
  const mallory = await signCertificate(otherCA, { commonName: 'mallory', usages: ['client'] });
  const trust = trustFromConfigMap({
    'client-ca-file': clientCA.cert, 'requestheader-client-ca-file': frontProxyCA.cert, 'requestheader-allowed-names': '["front-proxy-client"]',
    'requestheader-username-headers': '["X-Remote-User"]', 'requestheader-group-headers': '["X-Remote-Group"]', 'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
  });
  const request = (pem: string | undefined, headers: Record<string, string | string[]> = {}): IncomingMessage => ({
    headers, socket: { getPeerCertificate: () => (pem ? { raw: Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64') } : {}) },
  }) as unknown as IncomingMessage;

  it('a front-proxy certificate with an allowed name: the user of the X-Remote headers', () => {
    const r = authenticateCertificate(request(proxy.cert, { 'x-remote-user': 'bob', 'x-remote-group': 'devs, system:authenticated', 'x-remote-extra-scopes%2fa': 'read' }), trust);
    assert.deepEqual(r, { kind: 'user', via: 'requestheader', user: { name: 'bob', groups: ['devs', 'system:authenticated'], extra: { 'scopes/a': ['read'] } } });
  });
  it('refuses a front-proxy certificate of another name, and one without a user header', () => {
    assert.equal(authenticateCertificate(request(stranger.cert, { 'x-remote-user': 'bob' }), trust).kind, 'rejected');
    assert.equal(authenticateCertificate(request(proxy.cert), trust).kind, 'rejected');
  });
  it('a client certificate of the client CA is its own user; X-Remote headers are ignored then', () => {
    assert.deepEqual(authenticateCertificate(request(alice.cert, { 'x-remote-user': 'root' }), trust),
      { kind: 'user', via: 'x509', user: { name: 'alice', groups: ['devs', 'system:authenticated'] } });
  });
  it('a certificate no trusted CA signed is refused; no certificate is nobody', () => {
    assert.equal(authenticateCertificate(request(mallory.cert, { 'x-remote-user': 'root' }), trust).kind, 'rejected');
    assert.deepEqual(authenticateCertificate(request(undefined), trust), { kind: 'none' });
  });
});

describe('the kubelet address metrics-server scrapes', () => {
  const node = { metadata: { name: 'n1' }, status: { addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '10.0.0.7' }], daemonEndpoints: { kubeletEndpoint: { Port: 10251 } } } };
  it('takes the first preferred type the node has, and its status port', () => {
    assert.equal(kubeletAddress(node, { preferredAddressTypes: ['InternalIP', 'Hostname'], useNodeStatusPort: true, port: 10250 }), '10.0.0.7:10251');
    assert.equal(kubeletAddress(node, { preferredAddressTypes: ['ExternalIP', 'Hostname'], useNodeStatusPort: false, port: 10250 }), 'n1:10250');
    assert.throws(() => kubeletAddress(node, { preferredAddressTypes: ['ExternalIP'], useNodeStatusPort: true, port: 10250 }), /node n1 has no valid hostname and\/or IP address: ExternalIP/);
  });
});
