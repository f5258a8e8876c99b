// `tskubectl describe` against a real apiserver, compared with the real kubectl 1.32:
// the same layout for pods, nodes, deployments, replica sets, services, namespaces,
// config maps, secrets, endpoints and any other kind, events included.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { tskubectl } from '../harness/tskubectl.js';
import type { RestClient } from '../../client/rest-client.js';
import type { KubeObject } from '../../api/types/meta.js';
import { clientFor, createFixtures, restFor, sameAsKubectl } from './get-fixtures.js';

let cp: ControlPlane;
let rest: RestClient;

before(async () => {
  cp = await startControlPlane();
  rest = restFor(cp);
  await createFixtures(rest);
  // kubectl prints config map and secret data in Go map order (random for several keys):
  // compare on one-key objects.
  await clientFor(rest, 'configmaps').create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one' }, data: { 'app.conf': 'a=1\nb=2\n' }, binaryData: { bin: Buffer.from([1, 2, 3]).toString('base64') } } as KubeObject);
  await clientFor(rest, 'secrets').create('default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'one', labels: { a: 'b' } }, type: 'Opaque', data: { password: Buffer.from('hunter2').toString('base64') } } as KubeObject);
});

after(async () => {
  await rest?.destroy();
  await cp?.stop();
});

async function compareAll(argLists: string[][]): Promise<void> {
  for (let i = 0; i < argLists.length; i += 2) await Promise.all(argLists.slice(i, i + 2).map((args) => sameAsKubectl(cp, args)));
}

test('pods, nodes, deployments and replica sets are described as kubectl describes them', async () => {
  await compareAll([
    ['describe', 'pod', 'api-5d4f8-x1'],
    ['describe', 'pod', 'api-5d4f8-x2'],
    ['describe', 'node', 'node-1'],
    ['describe', 'deployment', 'api'],
    ['describe', 'rs'],
    ['describe', 'pod', 'worker', '-n', 'team-a'],
  ]);
  // A node with no lease: kubectl says why in the Lease line.
  await clientFor(rest, 'nodes').create('', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'no-lease' } } as KubeObject);
  await compareAll([['describe', 'node', 'no-lease']]);
  const pod = await tskubectl(cp, 'describe', 'pod', 'api-5d4f8-x1');
  assert.match(pod, /^Name: +api-5d4f8-x1\nNamespace: +default\n/);
  assert.match(pod, /\nControlled By: +ReplicaSet\/api-5d4f8\n/);
  assert.match(pod, /\n {4}Last State: +Terminated\n {6}Reason: +OOMKilled\n/);
  assert.match(pod, /\nEvents:\n {2}Type +Reason +Age +From +Message\n {2}---- +------ +---- +---- +-------\n {2}Normal +Scheduled +30m +default-scheduler +Successfully assigned default\/api-5d4f8-x1 to node-1\n {2}Warning +BackOff +15m \(x7 over 25m\) +kubelet +Back-off restarting failed container side in pod api-5d4f8-x1\n$/);
  const deploy = await tskubectl(cp, 'describe', 'deploy', 'api');
  assert.match(deploy, /\nOldReplicaSets: +api-7c9b2 \(0\/0 replicas created\)\nNewReplicaSet: +api-5d4f8 \(2\/3 replicas created\)\n/);
  const node = await tskubectl(cp, 'describe', 'node', 'node-1');
  assert.match(node, /\nNon-terminated Pods: +\(2 in total\)\n/);
  assert.match(node, /\n {2}cpu +200m \(5%\) +1 \(25%\)\n {2}memory +128Mi \(1%\) +256Mi \(3%\)\n/);
});

test('services, namespaces, config maps, secrets, endpoints and other kinds', async () => {
  await compareAll([
    ['describe', 'svc', 'plain'],
    ['describe', 'ns', 'team-a'],
    ['describe', 'namespace'],
    ['describe', 'cm', 'one'],
    ['describe', 'secret', 'one'],
    ['describe', 'ep', 'np'],
    ['describe', 'lease', 'leader'],
    ['describe', 'lease', '-n', 'kube-node-lease'],
  ]);
  // kubectl 1.32 reads endpoints from EndpointSlices, and no controller writes any in
  // this test (so it shows <none>); we still read the Endpoints object, as older kubectl
  // did, until the CLI-parity issue moves describe to EndpointSlices.
  const svc = await tskubectl(cp, 'describe', 'svc', 'np');
  assert.match(svc, /\nPort: +http +80\/TCP\nTargetPort: +8080\/TCP\nNodePort: +http +\d+\/TCP\nEndpoints: +10\.0\.0\.1:8080,10\.0\.0\.2:8080,10\.0\.0\.3:8080 \+ 1 more\.\.\.\n/);
  assert.match(svc, /\nPort: +metrics +9090\/TCP\nTargetPort: +metrics\/TCP\n/);
  assert.match(svc, /\nExternal IPs: +1\.2\.3\.4\n/);
  // Several keys print sorted (kubectl: in map order).
  assert.match(await tskubectl(cp, 'describe', 'secret', 'sec'), /\nData\n====\ntoken: +12 bytes\nx: +1 bytes\n$/);
  assert.match(await tskubectl(cp, 'describe', 'cm', 'cfg'), /\nData\n====\na:\n----\nb\n\nconfig\.yaml:\n----\nx: 1\ny: 2\n\n\n\nBinaryData\n====\n\nEvents: +<none>\n$/);
});

test('several objects, name prefixes, selectors and errors', async () => {
  const all = await sameAsKubectl(cp, ['describe', 'pods']);
  assert.match(all.stdout, /Events: +<none>\n\n\nName: +api-5d4f8-x2\n|\n\n\nName: /);
  await compareAll([
    ['describe', 'pod', 'api-5d4f8'],
    ['describe', 'pods', '-l', 'app=worker', '-A'],
    ['describe', 'cm,secret', 'one'],
    ['describe', 'pod/api-5d4f8-x2', 'svc/plain'],
    ['describe', 'pod', 'nope'],
    ['describe', 'pod', 'api-5d4f8-x2', 'nope'],
    ['describe', 'deploy', '-n', 'team-a'],
    ['describe', 'foo'],
    ['describe', 'pod', 'api-5d4f8-x1', '--show-events=false'],
  ]);
});

test('pod disruption budgets and priority classes', async () => {
  const pdbs = clientFor(rest, 'poddisruptionbudgets');
  await pdbs.create('default', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'min' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'api' } } } } as KubeObject);
  await pdbs.create('default', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'max' }, spec: { maxUnavailable: '25%', selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] } } } as KubeObject);
  await pdbs.create('default', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'unset' }, spec: { maxUnavailable: 1 } } as KubeObject);
  await clientFor(rest, 'poddisruptionbudgets').patch('default', 'min', 'merge',
    { status: { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 } }, { subresource: 'status' });
  await clientFor(rest, 'priorityclasses').create('', {
    apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'batch-low', annotations: { owner: 'team-a' } },
    value: 100, description: 'Batch jobs, preempted first', preemptionPolicy: 'Never',
  } as KubeObject);
  await compareAll([
    ['describe', 'pdb', 'min'],
    ['describe', 'pdb', 'max'],
    ['describe', 'pdb', 'unset'],
    ['describe', 'pc', 'batch-low'],
    ['describe', 'priorityclass', 'system-node-critical'],
  ]);
  assert.match(await tskubectl(cp, 'describe', 'pdb', 'min'),
    /^Name: +min\nNamespace: +default\nMin available: +2\nSelector: +app=api\nStatus:\n {4}Allowed disruptions: +1\n {4}Current: +3\n {4}Desired: +2\n {4}Total: +3\nEvents: +<none>\n$/);
});
