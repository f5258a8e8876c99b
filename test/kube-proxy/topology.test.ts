// usableEndpoints (Kubernetes' CategorizeEndpoints without hints): ready endpoints,
// the serving-terminating fallback, and the Local policies' node-only sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usableEndpoints } from '../../kube-proxy/topology.js';
import { servicePortKey, type Endpoint, type ServicePort } from '../../kube-proxy/types.js';

function ep(ip: string, o: Partial<Endpoint> = {}): Endpoint {
  return { ip, port: 80, key: `${ip}:80`, ready: true, serving: true, terminating: false, isLocal: false, ...o };
}

function svc(o: Partial<ServicePort> = {}): ServicePort {
  const name = { namespace: 'ns', name: 'web', port: '', protocol: 'TCP' as const };
  return {
    key: servicePortKey(name), name, type: 'NodePort', clusterIP: '10.96.0.10', port: 80, protocol: 'TCP',
    nodePort: 30080, sessionAffinity: { type: 'None' }, externalIPs: [], loadBalancerIPs: [],
    externalPolicyLocal: false, internalPolicyLocal: false, healthCheckNodePort: 0, ...o,
  };
}

const keys = (eps: readonly Endpoint[]): string[] => eps.map((e) => e.key);

const readyRemote = ep('10.0.0.1');
const readyLocal = ep('10.0.0.2', { isLocal: true });
const notReady = ep('10.0.0.3', { ready: false, serving: false });
const termServingRemote = ep('10.0.0.4', { ready: false, serving: true, terminating: true });
const termServingLocal = ep('10.0.0.5', { ready: false, serving: true, terminating: true, isLocal: true });
const termNotServingLocal = ep('10.0.0.6', { ready: false, serving: false, terminating: true, isLocal: true });
const notReadyNotTerminatingServing = ep('10.0.0.7', { ready: false, serving: true, terminating: false });

const cases: {
  name: string; svc: ServicePort; endpoints: Endpoint[];
  cluster: string[]; local: string[]; internal: string[]; external: string[];
}[] = [
  {
    name: 'no endpoints', svc: svc(), endpoints: [],
    cluster: [], local: [], internal: [], external: [],
  },
  {
    name: 'ready endpoints only; not-ready ones never used',
    svc: svc(), endpoints: [readyRemote, readyLocal, notReady],
    cluster: ['10.0.0.1:80', '10.0.0.2:80'], local: ['10.0.0.2:80'],
    internal: ['10.0.0.1:80', '10.0.0.2:80'], external: ['10.0.0.1:80', '10.0.0.2:80'],
  },
  {
    name: 'terminating endpoints are ignored while any endpoint is ready',
    svc: svc(), endpoints: [readyRemote, termServingRemote, termServingLocal],
    cluster: ['10.0.0.1:80'], local: ['10.0.0.5:80'],
    internal: ['10.0.0.1:80'], external: ['10.0.0.1:80'],
  },
  {
    name: 'only serving-terminating endpoints: they are used (fallback)',
    svc: svc(), endpoints: [termServingRemote, termServingLocal, termNotServingLocal, notReady],
    cluster: ['10.0.0.4:80', '10.0.0.5:80'], local: ['10.0.0.5:80'],
    internal: ['10.0.0.4:80', '10.0.0.5:80'], external: ['10.0.0.4:80', '10.0.0.5:80'],
  },
  {
    name: 'serving but not terminating and not ready is never a fallback',
    svc: svc(), endpoints: [notReadyNotTerminatingServing, termNotServingLocal],
    cluster: [], local: [], internal: [], external: [],
  },
  {
    name: 'externalTrafficPolicy Local with no local endpoint: external is empty, internal keeps cluster',
    svc: svc({ externalPolicyLocal: true }), endpoints: [readyRemote, notReady],
    cluster: ['10.0.0.1:80'], local: [], internal: ['10.0.0.1:80'], external: [],
  },
  {
    name: 'internalTrafficPolicy Local with no local endpoint: internal is empty',
    svc: svc({ internalPolicyLocal: true }), endpoints: [readyRemote],
    cluster: ['10.0.0.1:80'], local: [], internal: [], external: ['10.0.0.1:80'],
  },
  {
    name: 'both policies Local: only the local ready endpoint',
    svc: svc({ internalPolicyLocal: true, externalPolicyLocal: true }), endpoints: [readyRemote, readyLocal],
    cluster: ['10.0.0.1:80', '10.0.0.2:80'], local: ['10.0.0.2:80'], internal: ['10.0.0.2:80'], external: ['10.0.0.2:80'],
  },
  {
    name: 'local falls back on its own: remote ready, local only serving-terminating',
    svc: svc({ externalPolicyLocal: true }), endpoints: [readyRemote, termServingLocal],
    cluster: ['10.0.0.1:80'], local: ['10.0.0.5:80'], internal: ['10.0.0.1:80'], external: ['10.0.0.5:80'],
  },
  {
    name: 'mixed: a ready local endpoint wins over a local serving-terminating one',
    svc: svc({ internalPolicyLocal: true }), endpoints: [readyRemote, readyLocal, termServingLocal, termServingRemote, notReady],
    cluster: ['10.0.0.1:80', '10.0.0.2:80'], local: ['10.0.0.2:80'], internal: ['10.0.0.2:80'], external: ['10.0.0.1:80', '10.0.0.2:80'],
  },
];

for (const c of cases) {
  test(`usableEndpoints: ${c.name}`, () => {
    const got = usableEndpoints(c.svc, c.endpoints);
    assert.deepEqual(keys(got.cluster), c.cluster, 'cluster');
    assert.deepEqual(keys(got.local), c.local, 'local');
    assert.deepEqual(keys(got.internal), c.internal, 'internal');
    assert.deepEqual(keys(got.external), c.external, 'external');
  });
}

test('usableEndpoints keeps the given order and does not change its input', () => {
  const input = [ep('10.0.0.9'), ep('10.0.0.1', { isLocal: true }), ep('10.0.0.5')];
  const before = structuredClone(input);
  const got = usableEndpoints(svc(), input);
  assert.deepEqual(keys(got.cluster), ['10.0.0.9:80', '10.0.0.1:80', '10.0.0.5:80']);
  assert.deepEqual(input, before);
});
