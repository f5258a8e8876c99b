// tskubectl wait: the CLI waits while the test changes the world (pod conditions and
// phase written through the status subresource, deletions), next to the real kubectl
// waiting for the same thing; timeouts, selectors and kubectl's errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { componentCommand, startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { kubectlEnv } from '../harness/kubectl.js';
import { waitFor } from '../harness/processes.js';
import { tskubectlRun, type CliResult } from '../harness/tskubectl.js';
import { loadKubeconfig, resolveClientConfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';
import { resourceClient, type ResourceClient } from '../../client/resource-client.js';
import type { Pod, PodStatus } from '../../api/types/core.js';
import type { Deployment } from '../../api/types/apps.js';

let cp: ControlPlane;
let rest: RestClient;
let pods: ResourceClient<Pod>;

const run = (...args: string[]): Promise<CliResult> => tskubectlRun(cp, args);

interface Running {
  done: Promise<CliResult>;
}

function background(command: string, args: string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
  return {
    done: new Promise<CliResult>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, stdout, stderr });
      });
    }),
  };
}
const ours = (...args: string[]): Running =>
  background(process.execPath, [...componentCommand('kubectl'), ...args], { ...process.env, KUBECONFIG: cp.kubeconfig, HOME: cp.dir });
const theirs = (...args: string[]): Running => background('kubectl', args, kubectlEnv(cp));
const kubectlResult = (...args: string[]): Promise<CliResult> => theirs(...args).done;

/**
 * Both CLIs wait with args; `change` runs once both are watching (nothing else in this
 * file keeps a watch open, so "watching" is: two watches of the resource registered).
 * Their results must agree.
 */
async function bothWait(args: string[], resource: string, change: () => Promise<void>): Promise<CliResult> {
  await waitFor(async () => (await watchers(resource)) === 0, { what: `earlier watches of ${resource} to end`, timeoutMs: 15_000 });
  const mine = ours(...args);
  const real = theirs(...args);
  await waitFor(async () => (await watchers(resource)) >= 2, { what: 'both CLIs to watch', timeoutMs: 15_000 });
  await change();
  const [a, b] = await Promise.all([mine.done, real.done]);
  assert.deepEqual(a, b, `tskubectl and kubectl differ for ${args.join(' ')}`);
  return a;
}

/** Open watches of a resource, from the apiserver's metrics: the CLIs are watching once it rises. */
async function watchers(resource: string): Promise<number> {
  const text = await rest.requestText({ path: '/metrics' });
  const m = new RegExp(`^apiserver_registered_watchers\\{resource="${resource}"\\} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

function pod(name: string, labels: Record<string, string> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
}

async function setPodStatus(name: string, status: PodStatus): Promise<void> {
  const p = await pods.get('default', name);
  await pods.updateStatus('default', { ...p, status: { ...p.status, ...status } });
}

before(async () => {
  cp = await startControlPlane();
  rest = new RestClient(resolveClientConfig(loadKubeconfig({ kubeconfig: cp.kubeconfig })));
  pods = resourceClient<Pod>(rest, 'pods');
});
after(async () => {
  await rest?.destroy();
  await cp?.stop();
});

test('wait --for=condition=Ready returns once the pod becomes Ready', async () => {
  await pods.create('default', pod('ready-me'));
  const r = await bothWait(['wait', '--for=condition=Ready', 'pod/ready-me', '--timeout=20s'], 'pods', async () => {
    await setPodStatus('ready-me', { conditions: [{ type: 'Ready', status: 'False' }] });
    await setPodStatus('ready-me', { conditions: [{ type: 'Ready', status: 'True' }] });
  });
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'pod/ready-me condition met\n', '']);
  // Already met: answered from the first list; Ready=false is not met.
  assert.equal((await run('wait', '--for=condition=ready=TRUE', 'pods', 'ready-me')).stdout, 'pod/ready-me condition met\n');
  const notFalse = await run('wait', '--for=condition=Ready=false', 'pod/ready-me', '--timeout=0');
  assert.deepEqual(notFalse, await kubectlResult('wait', '--for=condition=Ready=false', 'pod/ready-me', '--timeout=0'));
  assert.equal(notFalse.stderr, 'error: condition not met for pods/ready-me\n');
});

test('wait --for=jsonpath waits for a value, or for the field to exist', async () => {
  await pods.create('default', pod('phase'));
  const r = await bothWait(['wait', '--for=jsonpath={.status.phase}=Running', 'pod/phase'], 'pods', async () => {
    await setPodStatus('phase', { phase: 'Running' });
  });
  assert.deepEqual([r.code, r.stdout], [0, 'pod/phase condition met\n']);
  assert.equal((await run('wait', "--for=jsonpath={.status.phase}='Running'", 'pod/phase')).stdout, 'pod/phase condition met\n');
  // Quotes a shell would have removed are not part of a JSONPath.
  const quoted = ['wait', "--for=jsonpath='{.status.phase}'=Running", 'pod/phase'];
  assert.deepEqual(await run(...quoted), await kubectlResult(...quoted));
  assert.equal((await run('wait', '--for=jsonpath=.spec.containers[0].name=c', 'pod/phase')).stdout, 'pod/phase condition met\n');
  assert.equal((await run('wait', '--for=jsonpath={.status.podIP}', 'pod/phase', '--timeout=0')).stderr, 'error: condition not met for pods/phase\n');
});

test('wait --for=delete returns once the object is gone, at once when it already is', async () => {
  await pods.create('default', pod('doomed'));
  const r = await bothWait(['wait', '--for=delete', 'pod/doomed', '--timeout=20s'], 'pods', async () => {
    await pods.delete('default', 'doomed');
  });
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'pod/doomed condition met\n', '']);
  const gone = await run('wait', '--for=delete', 'pod/doomed');
  assert.deepEqual(gone, { code: 0, stdout: '', stderr: '' });
});

test('wait times out with kubectl\'s message; selectors and --all pick the objects', async () => {
  await pods.create('default', pod('sel-a', { tier: 'x' }));
  await pods.create('default', pod('sel-b', { tier: 'x' }));
  await setPodStatus('sel-a', { conditions: [{ type: 'Ready', status: 'True' }] });

  const started = Date.now();
  const slow = await run('wait', '--for=condition=Ready', 'pod/sel-b', '--timeout=1s');
  assert.deepEqual([slow.code, slow.stdout, slow.stderr], [1, '', 'error: timed out waiting for the condition on pods/sel-b\n']);
  assert.ok(Date.now() - started < 10_000);

  // One deadline for all: sel-a is met and printed, sel-b times out.
  const both = await run('wait', '--for=condition=Ready', 'pod', '-l', 'tier=x', '--timeout=1s');
  assert.deepEqual([both.code, both.stdout, both.stderr], [1, 'pod/sel-a condition met\n', 'error: timed out waiting for the condition on pods/sel-b\n']);

  const once = await run('wait', '--for=condition=Ready', 'pod', '--all', '--timeout=0');
  const real = await kubectlResult('wait', '--for=condition=Ready', 'pod', '--all', '--timeout=0');
  assert.deepEqual(once, real);

  await setPodStatus('sel-b', { conditions: [{ type: 'Ready', status: 'True' }] });
  assert.equal((await run('wait', '--for=condition=Ready', 'pod', '-l', 'tier=x')).stdout, 'pod/sel-a condition met\npod/sel-b condition met\n');
});

test('wait on a Deployment condition names it deployment.apps', async () => {
  const deployments = resourceClient<Deployment>(rest, 'deployments');
  await deployments.create('default', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'avail' },
    spec: { selector: { matchLabels: { app: 'avail' } }, template: { metadata: { labels: { app: 'avail' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  });
  const r = await bothWait(['wait', '--for=condition=Available', 'deployment/avail'], 'deployments', async () => {
    const d = await deployments.get('default', 'avail');
    await deployments.updateStatus('default', { ...d, status: { observedGeneration: d.metadata.generation, conditions: [{ type: 'Available', status: 'True' }] } });
  });
  assert.deepEqual([r.code, r.stdout], [0, 'deployment.apps/avail condition met\n']);
  const json = JSON.parse((await run('wait', '--for=condition=Available', 'deploy/avail', '-o', 'json')).stdout) as Deployment;
  assert.equal(json.metadata.name, 'avail');
});

test('wait errors are kubectl\'s', async () => {
  for (const args of [
    ['wait', '--for=condition=Ready', 'pod/nope', '--timeout=1s'],
    ['wait', '--for=condition=Ready', 'pod', '-l', 'none=here'],
    ['wait', '--for=bogus', 'pod/x'],
    ['wait', 'pod/x'],
    ['wait', '--for=delete', 'pod'],
    ['wait', '--for=delete', 'pod/x', '-l', 'a=b'],
  ]) {
    const mine = await run(...args);
    const real = await kubectlResult(...args);
    assert.deepEqual(mine, real, args.join(' '));
  }
});

