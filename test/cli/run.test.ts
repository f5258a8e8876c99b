// tskubectl run: the Pod kubectl run makes (checked against the real kubectl's), sent
// to the server, and kubectl's errors.
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

interface Pod extends KubeObject {
  spec: { restartPolicy: string; containers: { name: string; image: string; args?: string[]; command?: string[]; env?: unknown[]; ports?: unknown[] }[] };
  status: { phase: string };
}

before(async () => {
  cp = await startControlPlane();
  rest = new RestClient(resolveClientConfig(loadKubeconfig({ kubeconfig: cp.kubeconfig })));
});
after(async () => {
  await rest?.destroy();
  await cp?.stop();
});

test('run builds the pod kubectl run builds', async () => {
  const cases: string[][] = [
    ['run', 'box', '--image=busybox'],
    ['run', 'box', '--image=busybox', '--port=80', '--env=A=1', '--env=B=x=y', '--labels=a=b,c=d', '--restart=Never', '--command', '--', 'sleep', '10'],
    ['run', 'box', '--image=busybox', '--restart=OnFailure', '--annotations=k=v', '--image-pull-policy=IfNotPresent', '-n', 'kube-system', '--', 'echo', 'hi'],
  ];
  for (const args of cases) {
    const dash = args.includes('--') ? args.indexOf('--') : args.length;
    const full = [...args.slice(0, dash), '--dry-run=client', '-o', 'json', ...args.slice(dash)];
    const r = await run(...full);
    assert.equal(r.code, 0, r.stderr);
    const theirs = JSON.parse(await kubectl(cp, ...full)) as unknown;
    assert.deepEqual(JSON.parse(r.stdout), theirs, args.join(' '));
  }
});

test('run creates the pod; errors as kubectl prints them', async () => {
  let r = await run('run', 'web', '--image=nginx', '--port=8080', '--env=MODE=prod', '--', '--verbose');
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'pod/web created\n', '']);
  const p = await resourceClient(rest, 'pods').get('default', 'web') as Pod;
  assert.deepEqual(p.metadata.labels, { run: 'web' });
  assert.equal(p.spec.restartPolicy, 'Always');
  const [c] = p.spec.containers;
  assert.deepEqual([c!.name, c!.image, c!.args], ['web', 'nginx', ['--verbose']]);
  assert.deepEqual(c!.env, [{ name: 'MODE', value: 'prod' }]);
  assert.deepEqual(c!.ports, [{ containerPort: 8080, protocol: 'TCP' }]);
  assert.equal(p.status.phase, 'Pending');

  r = await run('run', 'web', '--image=nginx');
  assert.deepEqual([r.code, r.stderr], [1, 'Error from server (AlreadyExists): pods "web" already exists\n']);
  r = await run('run', 'x');
  assert.deepEqual([r.code, r.stderr], [1, 'error: required flag(s) "image" not set\n']);
  r = await run('run', 'x', '--image=a', '--restart=Sometimes');
  assert.deepEqual([r.code, r.stderr], [1, 'error: invalid restart policy: Sometimes, valid values are: Always, OnFailure, Never\n']);
  r = await run('run', 'dry', '--image=a', '--dry-run=server');
  assert.deepEqual([r.code, r.stdout], [0, 'pod/dry created (server dry run)\n']);
  assert.equal(await resourceClient(rest, 'pods').get('default', 'dry').then(() => true, () => false), false);
});
