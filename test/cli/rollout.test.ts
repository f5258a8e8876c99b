// tskubectl rollout: status (the test plays the deployment controller by writing the
// Deployment's status, and checks the lines appear in order, next to the real
// kubectl watching the same Deployment), history and undo from ReplicaSets the test
// creates as the controller would, restart, pause and resume; what each printed and
// what changed on the server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { componentCommand, startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { kubectl, kubectlEnv, kubectlRun } from '../harness/kubectl.js';
import { waitFor } from '../harness/processes.js';
import { tskubectlRun, type CliResult } from '../harness/tskubectl.js';
import { loadKubeconfig, resolveClientConfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';
import { resourceClient, type ResourceClient } from '../../client/resource-client.js';
import type { Deployment, DeploymentStatus, ReplicaSet } from '../../api/types/apps.js';

let cp: ControlPlane;
let rest: RestClient;
let deployments: ResourceClient<Deployment>;
let replicaSets: ResourceClient<ReplicaSet>;

const run = (...args: string[]): Promise<CliResult> => tskubectlRun(cp, args);
const ok = async (...args: string[]): Promise<string> => {
  const r = await run(...args);
  assert.equal(r.code, 0, `tskubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const fails = async (...args: string[]): Promise<string> => {
  const r = await run(...args);
  assert.equal(r.code, 1, `tskubectl ${args.join(' ')} should fail: ${r.stdout}`);
  return r.stderr;
};
/** The real kubectl's stderr and exit code, for commands expected to fail. */
const kubectlResult = (...args: string[]): Promise<CliResult> => kubectlRun(cp, args);

/** A CLI left running (rollout status): its output so far, and its result once it ends. */
interface Running {
  stdout(): string;
  done: Promise<CliResult>;
}

function background(command: string, args: string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
  return { stdout: () => stdout, done };
}

const ours = (...args: string[]): Running =>
  background(process.execPath, [...componentCommand('kubectl'), ...args], { ...process.env, KUBECONFIG: cp.kubeconfig, HOME: cp.dir });
const theirs = (...args: string[]): Running => background('kubectl', args, kubectlEnv(cp));

function deployment(name: string, image: string, replicas = 3): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image }] } },
    },
  };
}

/** Writes status as the deployment controller would, for the Deployment's current generation. */
async function setStatus(name: string, status: DeploymentStatus): Promise<void> {
  const d = await deployments.get('default', name);
  await deployments.updateStatus('default', { ...d, status: { observedGeneration: d.metadata.generation, ...status } });
}

/**
 * Plays the deployment controller for a revision: a ReplicaSet named <deploy>-<hash>
 * with the Deployment's current template plus the hash label, owned by it, and the
 * Deployment annotated with that revision.
 */
async function recordRevision(name: string, hash: string, revision: number, changeCause?: string): Promise<ReplicaSet> {
  const d = await deployments.get('default', name);
  const template = structuredClone(d.spec!.template);
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, 'pod-template-hash': hash } };
  const rs = await replicaSets.create('default', {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: {
      name: `${name}-${hash}`, labels: template.metadata.labels,
      annotations: { 'deployment.kubernetes.io/revision': String(revision), ...(changeCause ? { 'kubernetes.io/change-cause': changeCause } : {}) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: { replicas: 0, selector: { matchLabels: template.metadata.labels! }, template },
  });
  await deployments.patch('default', name, 'merge', { metadata: { annotations: { 'deployment.kubernetes.io/revision': String(revision) } } });
  return rs;
}

async function setImage(name: string, image: string): Promise<void> {
  await deployments.patch('default', name, 'strategic', { spec: { template: { spec: { containers: [{ name: 'main', image }] } } } });
}

before(async () => {
  cp = await startControlPlane();
  rest = new RestClient(resolveClientConfig(loadKubeconfig({ kubeconfig: cp.kubeconfig })));
  deployments = resourceClient<Deployment>(rest, 'deployments');
  replicaSets = resourceClient<ReplicaSet>(rest, 'replicasets');
});
after(async () => {
  await rest?.destroy();
  await cp?.stop();
});

test('rollout status follows the rollout line by line, as kubectl does, and ends when it is done', async () => {
  await deployments.create('default', deployment('web', 'nginx:1'));
  const mine = ours('rollout', 'status', 'deployment/web');
  const real = theirs('rollout', 'status', 'deploy', 'web');
  const expect = async (line: string): Promise<void> => {
    await waitFor(() => mine.stdout().endsWith(`${line}\n`) && real.stdout().endsWith(`${line}\n`), { what: line, timeoutMs: 15_000 });
  };
  await expect('Waiting for deployment spec update to be observed...');
  await setStatus('web', { replicas: 3, updatedReplicas: 1 });
  await expect('Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...');
  await setStatus('web', { replicas: 4, updatedReplicas: 3 });
  await expect('Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...');
  await setStatus('web', { replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 2 });
  await expect('Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...');
  await setStatus('web', { replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
  const [a, b] = await Promise.all([mine.done, real.done]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(a.stdout, b.stdout);
  assert.equal(a.stdout, [
    'Waiting for deployment spec update to be observed...',
    'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
    'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
    'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
    'deployment "web" successfully rolled out',
    '',
  ].join('\n'));

  // Done already: one line, exit 0.
  assert.equal(await ok('rollout', 'status', 'deploy/web'), 'deployment "web" successfully rolled out\n');
});

test('rollout status: --watch=false, --timeout, a missed progress deadline, bad arguments', async () => {
  await deployments.create('default', deployment('stuck', 'nginx:1', 2));
  await setStatus('stuck', { replicas: 2, updatedReplicas: 1 });
  const waiting = 'Waiting for deployment "stuck" rollout to finish: 1 out of 2 new replicas have been updated...\n';
  assert.equal(await ok('rollout', 'status', 'deploy/stuck', '--watch=false'), waiting);

  const started = Date.now();
  const timedOut = await run('rollout', 'status', 'deploy/stuck', '--timeout=1s');
  assert.equal(timedOut.code, 1);
  assert.equal(timedOut.stdout, waiting);
  assert.equal(timedOut.stderr, 'error: timed out waiting for the condition\n');
  assert.ok(Date.now() - started < 10_000);

  await setStatus('stuck', {
    replicas: 2, updatedReplicas: 1,
    conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "stuck-1" has timed out progressing.' }],
  });
  const exceeded = await run('rollout', 'status', 'deploy/stuck');
  const real = await kubectlResult('rollout', 'status', 'deploy/stuck');
  assert.equal(exceeded.code, 1);
  assert.equal(exceeded.stderr, 'error: deployment "stuck" exceeded its progress deadline\n');
  assert.equal(exceeded.stderr, real.stderr);
  assert.equal(exceeded.stdout, real.stdout);

  for (const args of [['rollout', 'status'], ['rollout', 'status', 'deploy/nope'], ['rollout', 'status', 'deploy', 'stuck', '--revision=3']]) {
    const r = await kubectlResult(...args);
    assert.equal(await fails(...args), r.stderr, args.join(' '));
  }
  assert.equal(await fails('rollout', 'status', 'deploy/stuck', '--timeout=5'), 'error: invalid argument "5" for "--timeout" flag: time: missing unit in duration "5"\n');
});

test('rollout history lists the revisions of the ReplicaSets the Deployment owns, byte for byte as kubectl', async () => {
  const rich = deployment('hist', 'nginx:1');
  const spec = rich.spec!.template.spec!;
  Object.assign(spec.containers[0]!, {
    ports: [{ containerPort: 80 }], args: ['--verbose'], env: [{ name: 'MODE', value: 'fast' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
    resources: { requests: { cpu: '100m', memory: '64Mi' } }, volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
    readinessProbe: { httpGet: { path: '/healthz', port: 80 } },
  });
  Object.assign(spec, { volumes: [{ name: 'cache', emptyDir: {} }], nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }] });
  await deployments.create('default', rich);
  await recordRevision('hist', 'aaa', 1, 'kubectl create deployment hist --image=nginx:1');
  await setImage('hist', 'nginx:2');
  await recordRevision('hist', 'bbb', 2);
  // A ReplicaSet with the same labels that another owner controls is not history.
  await replicaSets.create('default', {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: { name: 'hist-stranger', labels: { app: 'hist' }, annotations: { 'deployment.kubernetes.io/revision': '7' } },
    spec: { replicas: 0, selector: { matchLabels: { app: 'hist' } }, template: { metadata: { labels: { app: 'hist' } }, spec: { containers: [{ name: 'main', image: 'x' }] } } },
  });

  const table = await ok('rollout', 'history', 'deployment/hist');
  assert.equal(table, 'deployment.apps/hist \nREVISION  CHANGE-CAUSE\n1         kubectl create deployment hist --image=nginx:1\n2         <none>\n\n');
  assert.equal(table, await kubectl(cp, 'rollout', 'history', 'deployment/hist'));
  assert.equal(await ok('rollout', 'history', 'deploy', 'hist'), table);

  const rev1 = await ok('rollout', 'history', 'deploy/hist', '--revision=1');
  assert.match(rev1, /^deployment\.apps\/hist with revision #1\nPod Template:\n/);
  assert.match(rev1, /Image:\tnginx:1\n/);
  assert.equal(rev1, await kubectl(cp, 'rollout', 'history', 'deploy/hist', '--revision=1'));

  for (const args of [['rollout', 'history', 'deploy/hist', '--revision=5'], ['rollout', 'history', 'deploy/nope']]) {
    const r = await kubectlResult(...args);
    assert.equal(await fails(...args), r.stderr, args.join(' '));
  }
  const json = JSON.parse(await ok('rollout', 'history', 'deploy/hist', '--revision=2', '-o', 'json')) as ReplicaSet;
  assert.equal(json.metadata.name, 'hist-bbb');
});

test('rollout undo restores the previous revision\'s template, or the one asked for', async () => {
  await deployments.create('default', deployment('undo', 'nginx:1'));
  await deployments.patch('default', 'undo', 'merge', { metadata: { annotations: { keep: 'me' } } });
  await recordRevision('undo', 'aaa', 1, 'first');
  await setImage('undo', 'nginx:2');
  await recordRevision('undo', 'bbb', 2);
  const generation = (await deployments.get('default', 'undo')).metadata.generation!;

  assert.equal(await ok('rollout', 'undo', 'deployment/undo'), 'deployment.apps/undo rolled back\n');
  let d = await deployments.get('default', 'undo');
  assert.equal(d.spec!.template.spec!.containers[0]!.image, 'nginx:1');
  assert.deepEqual(d.spec!.template.metadata!.labels, { app: 'undo' }, 'the pod-template-hash label is not copied');
  assert.equal(d.metadata.generation, generation + 1);
  // Annotations come from the ReplicaSet, except the Deployment's own (revision).
  assert.deepEqual(d.metadata.annotations, { 'deployment.kubernetes.io/revision': '2', 'kubernetes.io/change-cause': 'first' });

  assert.equal(await ok('rollout', 'undo', 'deploy/undo', '--to-revision=1'), 'deployment.apps/undo skipped rollback (current template already matches revision 1)\n');
  assert.equal(await ok('rollout', 'undo', 'deploy/undo', '--to-revision=2'), 'deployment.apps/undo rolled back\n');
  d = await deployments.get('default', 'undo');
  assert.equal(d.spec!.template.spec!.containers[0]!.image, 'nginx:2');

  for (const args of [['rollout', 'undo', 'deploy/undo', '--to-revision=9'], ['rollout', 'undo', 'deploy/nope']]) {
    const r = await kubectlResult(...args);
    assert.equal(await fails(...args), r.stderr, args.join(' '));
  }
});

test('rollout restart, pause and resume patch the Deployment; kubectl\'s errors when there is nothing to do', async () => {
  await deployments.create('default', deployment('ctl', 'nginx:1'));
  const before = Date.now();
  assert.equal(await ok('rollout', 'restart', 'deployment/ctl'), 'deployment.apps/ctl restarted\n');
  const afterwards = Date.now();
  const restartedAt = (await deployments.get('default', 'ctl')).spec!.template.metadata!.annotations!['kubectl.kubernetes.io/restartedAt']!;
  assert.match(restartedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
  // Whole seconds: the time is within the run, rounded down.
  assert.ok(Date.parse(restartedAt) > before - 1000 && Date.parse(restartedAt) <= afterwards, restartedAt);

  assert.equal(await ok('rollout', 'pause', 'deploy/ctl'), 'deployment.apps/ctl paused\n');
  assert.equal((await deployments.get('default', 'ctl')).spec!.paused, true);
  for (const args of [['rollout', 'pause', 'deploy/ctl'], ['rollout', 'restart', 'deploy/ctl'], ['rollout', 'undo', 'deploy/ctl']]) {
    const r = await kubectlResult(...args);
    assert.equal(await fails(...args), r.stderr, args.join(' '));
  }
  assert.equal(await fails('rollout', 'pause', 'deploy/ctl'), 'error: deployments.apps "ctl" is already paused\n');

  assert.equal(await ok('rollout', 'resume', 'deploy', 'ctl'), 'deployment.apps/ctl resumed\n');
  assert.equal((await deployments.get('default', 'ctl')).spec!.paused, undefined);
  assert.equal(await fails('rollout', 'resume', 'deploy/ctl'), (await kubectlResult('rollout', 'resume', 'deploy/ctl')).stderr);

  // A label selector picks the Deployments; none matching is not an error.
  const sel = await run('rollout', 'pause', 'deploy', '-l', 'app=nothing');
  assert.deepEqual([sel.code, sel.stdout, sel.stderr], [0, '', 'No resources found in default namespace.\n']);
  assert.equal(await ok('rollout', 'pause', 'deploy', '-l', 'app=ctl'), 'deployment.apps/ctl paused\n');
  await ok('rollout', 'resume', 'deploy/ctl');

  // Pods have no rollout.
  await rest.request({ method: 'POST', path: '/api/v1/namespaces/default/pods', body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'lonely' }, spec: { containers: [{ name: 'c', image: 'x' }] } } });
  for (const args of [['rollout', 'pause', 'pod/lonely'], ['rollout', 'restart', 'pod/lonely'], ['rollout', 'history', 'pod/lonely'], ['rollout', 'undo', 'pod/lonely'], ['rollout', 'status', 'pod/lonely']]) {
    const r = await kubectlResult(...args);
    assert.equal(await fails(...args), r.stderr, args.join(' '));
  }
});
