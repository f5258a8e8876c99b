// `tskubectl api-resources`, `version` and `cluster-info` against a real apiserver,
// compared with the real kubectl 1.32.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { tskubectl, tskubectlRun } from '../harness/tskubectl.js';
import { kubectl } from '../harness/kubectl.js';
import type { RestClient } from '../../client/rest-client.js';
import type { KubeObject } from '../../api/types/meta.js';
import { serviceLine } from '../../kubectl/commands/cluster-info.js';
import { clientFor, restFor, sameAsKubectl } from './get-fixtures.js';

let cp: ControlPlane;
let rest: RestClient;

before(async () => {
  cp = await startControlPlane();
  rest = restFor(cp);
});

after(async () => {
  await rest?.destroy();
  await cp?.stop();
});

test('api-resources lists what discovery serves, as kubectl does', async () => {
  const table = await sameAsKubectl(cp, ['api-resources']);
  assert.match(table.stdout, /^NAME +SHORTNAMES +APIVERSION +NAMESPACED +KIND\n/);
  assert.match(table.stdout, /\ndeployments +deploy +apps\/v1 +true +Deployment\n/);
  for (const args of [
    ['api-resources', '-o', 'wide'],
    ['api-resources', '-o', 'name'],
    ['api-resources', '--namespaced=false'],
    ['api-resources', '--namespaced=true', '--no-headers'],
    ['api-resources', '--api-group=apps'],
    ['api-resources', '--api-group='],
    ['api-resources', '--verbs=list,watch', '--sort-by=kind'],
    ['api-resources', '--sort-by=name', '-o', 'wide'],
    ['api-resources', '--categories=all'],
    ['api-resources', '-o', 'json'],
  ]) await sameAsKubectl(cp, args);
});

test('version prints the client and the server version', async () => {
  const out = await tskubectl(cp, 'version');
  const real = await kubectl(cp, 'version');
  const serverLine = real.split('\n').find((l) => l.startsWith('Server Version:'));
  assert.match(out, /^Client Version: v1\.32\.\d+\S*\n/);
  assert.ok(serverLine);
  assert.equal(out.split('\n')[1], serverLine);
  const json = JSON.parse(await tskubectl(cp, 'version', '-o', 'json')) as { clientVersion: { major: string; minor: string }; serverVersion: unknown };
  const realJson = JSON.parse(await kubectl(cp, 'version', '-o', 'json')) as { serverVersion: unknown };
  assert.deepEqual(json.serverVersion, realJson.serverVersion);
  assert.equal(json.clientVersion.major, '1');
  assert.match(await tskubectl(cp, 'version', '-o', 'yaml'), /^clientVersion:\n {2}buildDate: .*\nserverVersion:\n {2}buildDate: /s);
  // --client needs no server at all.
  const client = await tskubectlRun(undefined, ['version', '--client'], { env: { KUBECONFIG: '/nonexistent/kubeconfig' } });
  assert.equal(client.code, 0);
  assert.match(client.stdout, /^Client Version: v1\.32\.\S+\n$/);
  const bad = await tskubectlRun(cp, ['version', '-o', 'xml']);
  assert.equal(bad.code, 1);
});

test('cluster-info names the control plane and the cluster services', async () => {
  await sameAsKubectl(cp, ['cluster-info']);
  await clientFor(rest, 'services').create('kube-system', {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'kube-dns', labels: { 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' } },
    spec: { selector: { k8s: 'dns' }, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] },
  } as KubeObject);
  await clientFor(rest, 'services').create('kube-system', {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'metrics', labels: { 'kubernetes.io/cluster-service': 'true' } },
    spec: { selector: { k8s: 'metrics' }, ports: [{ name: 'https', port: 443 }] },
  } as KubeObject);
  const r = await sameAsKubectl(cp, ['cluster-info']);
  assert.equal(r.stdout, [
    `Kubernetes control plane is running at ${cp.secureUrl}`,
    `CoreDNS is running at ${cp.secureUrl}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy`,
    `metrics is running at ${cp.secureUrl}/api/v1/namespaces/kube-system/services/https:metrics:https/proxy`,
    '',
    'To further debug and diagnose cluster problems, use \'kubectl cluster-info dump\'.',
    '',
  ].join('\n'));
  // On a terminal the names and addresses are coloured as kubectl colours them.
  assert.equal(serviceLine('CoreDNS', 'https://x', true), '\x1b[0;32mCoreDNS\x1b[0m is running at \x1b[0;33mhttps://x\x1b[0m');
  assert.equal(serviceLine('CoreDNS', 'https://x', false), 'CoreDNS is running at https://x');
});
