// tskubectl expose: Services for deployments and pods as kubectl expose makes them
// (checked against the real kubectl's), created on the server, and kubectl's errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { kubectl } from '../harness/kubectl.js';
import { tskubectlRun, type CliResult } from '../harness/tskubectl.js';
import { loadKubeconfig, resolveClientConfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';
import { resourceClient } from '../../client/resource-client.js';
import type { KubeObject } from '../../api/types/meta.js';

let cp: ControlPlane;
let rest: RestClient;

const run = (...args: string[]): Promise<CliResult> => tskubectlRun(cp, args);

interface Service extends KubeObject {
  spec: { type: string; clusterIP: string; selector: Record<string, string>; ports: { name?: string; port: number; targetPort: number | string; protocol: string; nodePort?: number }[] };
}

before(async () => {
  cp = await startControlPlane();
  rest = new RestClient(resolveClientConfig(loadKubeconfig({ kubeconfig: cp.kubeconfig })));
  const template = (app: string, ports: unknown[]) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'nginx', ports }] } });
  const deploy = resourceClient(rest, 'deployments');
  await deploy.create('default', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'dns', labels: { app: 'dns', team: 'net' } },
    spec: { selector: { matchLabels: { app: 'dns' } }, template: template('dns', [{ containerPort: 53, protocol: 'UDP' }, { containerPort: 53, protocol: 'TCP' }, { containerPort: 9153 }]) },
  });
  await deploy.create('default', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'noports' },
    spec: { selector: { matchLabels: { app: 'np' } }, template: template('np', []) },
  });
  await resourceClient(rest, 'pods').create('default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo', labels: { role: 'solo' } },
    spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 81 }] }] },
  });
});
after(async () => {
  await rest?.destroy();
  await cp?.stop();
});

test('expose builds the service kubectl expose builds', async () => {
  const cases: string[][] = [
    ['expose', 'deployment', 'dns'],
    ['expose', 'deployment', 'dns', '--port=80', '--target-port=http', '--name=dns-web', '--type=NodePort', '--protocol=TCP'],
    ['expose', 'pod', 'solo'],
    ['expose', 'pod/solo', '--port=90', '--cluster-ip=None', '--labels=x=y', '--session-affinity=ClientIP', '-n', 'default'],
  ];
  for (const args of cases) {
    const r = await run(...args, '--dry-run=client', '-o', 'json');
    assert.equal(r.code, 0, r.stderr);
    const theirs = JSON.parse(await kubectl(cp, ...args, '--dry-run=client', '-o', 'json')) as unknown;
    assert.deepEqual(JSON.parse(r.stdout), theirs, args.join(' '));
  }
});

test('expose creates the service; errors as kubectl prints them', async () => {
  let r = await run('expose', 'deployment', 'dns', '--port=80', '--target-port=8053', '--type=NodePort');
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'service/dns exposed\n', '']);
  const svc = await resourceClient(rest, 'services').get('default', 'dns') as Service;
  assert.equal(svc.spec.type, 'NodePort');
  assert.deepEqual(svc.spec.selector, { app: 'dns' });
  assert.deepEqual(svc.metadata.labels, { app: 'dns', team: 'net' });
  assert.equal(svc.spec.ports.length, 1);
  assert.deepEqual([svc.spec.ports[0]!.port, svc.spec.ports[0]!.targetPort, svc.spec.ports[0]!.protocol], [80, 8053, 'TCP']);
  assert.ok(svc.spec.ports[0]!.nodePort);
  assert.match(svc.spec.clusterIP, /^\d+\.\d+\.\d+\.\d+$/);

  const cases: [string[], string][] = [
    [['expose', 'deployment', 'dns', '--port=80'], 'Error from server (AlreadyExists): services "dns" already exists\n'],
    [['expose', 'deployment', 'nope', '--port=80'], 'Error from server (NotFound): deployments.apps "nope" not found\n'],
    [['expose', 'deployment', 'noports'], "error: couldn't find port via --port flag or introspection\n"],
    [['expose', 'namespace', 'default', '--port=80'], 'error: cannot expose a Namespace\n'],
  ];
  for (const [args, stderr] of cases) {
    r = await run(...args);
    assert.deepEqual([r.code, r.stderr], [1, stderr], args.join(' '));
  }
});
