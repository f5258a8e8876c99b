// A container's environment: values, $(VAR) expansion, fieldRef, resourceFieldRef,
// configMap and secret keys, envFrom with prefixes, service links, and errors in the
// kubelet's words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Container, Pod, Secret, Service } from '../../api/types/core.js';
import { containerEnv, EnvError, expand, serviceLinks, type EnvSources } from '../../kubelet/container-env.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const configMaps: Record<string, ConfigMap> = { 'ns1/cfg': { metadata: { name: 'cfg', namespace: 'ns1' }, data: { MODE: 'prod', 'bad key': 'x', level: 'debug' } } };
const secrets: Record<string, Secret> = { 'ns1/creds': { metadata: { name: 'creds', namespace: 'ns1' }, data: { password: b64('s3cret'), USER: b64('admin') } } };
const services: Service[] = [
  { metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] } },
  { metadata: { name: 'my-db', namespace: 'ns1' }, spec: { clusterIP: '10.96.0.20', ports: [{ name: 'sql', port: 5432, protocol: 'TCP' }, { name: 'metrics', port: 9000, protocol: 'UDP' }] } },
  { metadata: { name: 'headless', namespace: 'ns1' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } },
  { metadata: { name: 'other', namespace: 'ns2' }, spec: { clusterIP: '10.96.0.30', ports: [{ port: 80 }] } },
];
const sources: EnvSources = {
  getConfigMap: async (ns, name) => configMaps[`${ns}/${name}`],
  getSecret: async (ns, name) => secrets[`${ns}/${name}`],
  services: async () => services,
};
const pod = (container: Container, extra: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  metadata: { name: 'web-1', namespace: 'ns1', uid: 'u-1', labels: { app: 'web' }, annotations: { note: 'hi' } },
  spec: { nodeName: 'node-a', serviceAccountName: 'default', containers: [container], ...extra },
  status: { podIP: '10.244.0.5', hostIP: '172.18.0.2' },
});

test('values, $(VAR) expansion, pod fields and resources', async () => {
  const c: Container = {
    name: 'app', image: 'x',
    resources: { limits: { memory: '64Mi' }, requests: { cpu: '250m' } },
    env: [
      { name: 'GREETING', value: 'hello' },
      { name: 'MSG', value: '$(GREETING) from $(POD_NAME) $$(GREETING) $(UNDEFINED)' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'LATE', value: '$(POD_NAME)' },
      { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'CPU_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu' } } },
      { name: 'CPU_LIMIT_M', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
    ],
  };
  const env = await containerEnv(pod(c), c, sources, { cpu: '2' });
  assert.equal(env.MSG, 'hello from $(POD_NAME) $(GREETING) $(UNDEFINED)', 'only names defined earlier expand');
  assert.equal(env.LATE, 'web-1');
  assert.equal(env.NS, 'ns1');
  assert.equal(env.IP, '10.244.0.5');
  assert.equal(env.NODE, 'node-a');
  assert.equal(env.APP, 'web');
  assert.equal(env.MEM_MI, '64');
  assert.equal(env.CPU_REQ, '1', 'cpu rounds up to whole cores');
  assert.equal(env.CPU_LIMIT_M, '2000', 'no limit: the node allocatable');
});

test('configMap and secret keys, envFrom with prefix; env overrides envFrom', async () => {
  const c: Container = {
    name: 'app', image: 'x',
    envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'DB_', secretRef: { name: 'creds' } }, { configMapRef: { name: 'missing', optional: true } }],
    env: [
      { name: 'level', value: 'override' },
      { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
      { name: 'MODE_COPY', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } },
      { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nope', optional: true } } },
    ],
  };
  const env = await containerEnv(pod(c, { enableServiceLinks: false }), c, { ...sources, services: undefined });
  assert.deepEqual(env, { MODE: 'prod', level: 'override', DB_password: 's3cret', DB_USER: 'admin', PASSWORD: 's3cret', MODE_COPY: 'prod' });
});

test('missing sources are CreateContainerConfigError messages', async () => {
  const run = (env: Container['env'], envFrom?: Container['envFrom']) => {
    const c: Container = { name: 'app', image: 'x', env, envFrom };
    return containerEnv(pod(c), c, sources);
  };
  await assert.rejects(run([{ name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }]), (e: unknown) => e instanceof EnvError && e.message === 'configmap "nope" not found');
  await assert.rejects(run([{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }]), /^EnvError: couldn't find key k in ConfigMap ns1\/cfg$/);
  await assert.rejects(run([{ name: 'A', valueFrom: { secretKeyRef: { name: 'creds', key: 'k' } } }]), /couldn't find key k in Secret ns1\/creds/);
  await assert.rejects(run([], [{ secretRef: { name: 'gone' } }]), /secret "gone" not found/);
});

test('service links: the namespace\'s services and default/kubernetes, as Docker links name them', async () => {
  const env = serviceLinks(services, 'ns1');
  assert.equal(env.KUBERNETES_SERVICE_HOST, '10.96.0.1');
  assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
  assert.equal(env.KUBERNETES_SERVICE_PORT_HTTPS, '443');
  assert.equal(env.MY_DB_SERVICE_HOST, '10.96.0.20');
  assert.equal(env.MY_DB_SERVICE_PORT, '5432');
  assert.equal(env.MY_DB_SERVICE_PORT_METRICS, '9000');
  assert.equal(env.MY_DB_PORT, 'tcp://10.96.0.20:5432');
  assert.equal(env.MY_DB_PORT_9000_UDP, 'udp://10.96.0.20:9000');
  assert.equal(env.MY_DB_PORT_5432_TCP_ADDR, '10.96.0.20');
  assert.equal(env.MY_DB_PORT_5432_TCP_PROTO, 'tcp');
  assert.equal(env.HEADLESS_SERVICE_HOST, undefined);
  assert.equal(env.OTHER_SERVICE_HOST, undefined);
});

test('enableServiceLinks false: no links of the namespace\'s services, but always the kubernetes service\'s', async () => {
  const c: Container = { name: 'app', image: 'x', env: [{ name: 'API', value: 'https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)' }] };
  const env = await containerEnv(pod(c, { enableServiceLinks: false }), c, sources);
  assert.deepEqual(env, {
    KUBERNETES_SERVICE_HOST: '10.96.0.1',
    KUBERNETES_SERVICE_PORT: '443',
    KUBERNETES_SERVICE_PORT_HTTPS: '443',
    KUBERNETES_PORT: 'tcp://10.96.0.1:443',
    KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443',
    KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
    KUBERNETES_PORT_443_TCP_PORT: '443',
    KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
    API: 'https://10.96.0.1:443',
  });
  // In the default namespace too: the master service only, none of default's other services.
  const inDefault = serviceLinks([...services, { metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.40', ports: [{ port: 80 }] } }], 'default', false);
  assert.equal(inDefault.KUBERNETES_SERVICE_HOST, '10.96.0.1');
  assert.equal(inDefault.WEB_SERVICE_HOST, undefined);
  // With links enabled, a service of the pod's namespace named kubernetes replaces the master's, whole.
  const own: Service = { metadata: { name: 'kubernetes', namespace: 'ns1' }, spec: { clusterIP: '10.96.0.50', ports: [{ port: 8080 }] } };
  const shadowed = serviceLinks([...services, own], 'ns1');
  assert.equal(shadowed.KUBERNETES_SERVICE_HOST, '10.96.0.50');
  assert.equal(shadowed.KUBERNETES_SERVICE_PORT_HTTPS, undefined);
  assert.equal(serviceLinks([...services, own], 'ns1', false).KUBERNETES_SERVICE_HOST, '10.96.0.1');
});

test('expand', () => {
  assert.equal(expand('$(A)-$(B)', { A: '1' }), '1-$(B)');
  assert.equal(expand('$$(A) $', { A: '1' }), '$(A) $');
  assert.equal(expand('$(A', { A: '1' }), '$(A');
});
