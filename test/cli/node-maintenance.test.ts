// tskubectl cordon, uncordon, taint and drain against Node objects the test creates,
// with pods bound to them; the test plays the kubelet where a pod must finish its
// graceful deletion. Each step runs the same way with the real kubectl on a twin node,
// and both the printed text and the resulting node must match.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { kubectlRun } from '../harness/kubectl.js';
import { tskubectlRun, type CliResult } from '../harness/tskubectl.js';
import { loadKubeconfig, resolveClientConfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';
import { resourceClient, type ResourceClient } from '../../client/resource-client.js';
import type { Node, Pod, Taint } from '../../api/types/core.js';

let cp: ControlPlane;
let rest: RestClient;
let nodes: ResourceClient<Node>;
let pods: ResourceClient<Pod>;
const kubelets: AbortController[] = [];

const run = (...args: string[]): Promise<CliResult> => tskubectlRun(cp, args);
const kubectlResult = (...args: string[]): Promise<CliResult> => kubectlRun(cp, args);

/**
 * Runs args with our CLI on node `mine` and with kubectl on node `real` ({} in args
 * stands for the node); asserts the same exit code and text (with the names swapped).
 */
async function same(mine: string, real: string, ...args: string[]): Promise<CliResult> {
  const a = await run(...args.map((x) => x.replaceAll('{}', mine)));
  const b = await kubectlResult(...args.map((x) => x.replaceAll('{}', real)));
  const norm = (r: CliResult, name: string): CliResult => ({
    code: r.code, stdout: r.stdout.replaceAll(name, '{}'), stderr: r.stderr.replaceAll(name, '{}').replaceAll('tskubectl', 'kubectl'),
  });
  assert.deepEqual(norm(a, mine), norm(b, real), args.join(' '));
  return a;
}

async function node(name: string): Promise<Node> {
  return nodes.create('', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { pool: name.replace(/-\w+$/, '') } } });
}

function pod(name: string, nodeName: string, opts: { owner?: string; emptyDir?: boolean; namespace?: string } = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: opts.namespace ?? 'default',
      ...(opts.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: opts.owner, name: `${opts.owner.toLowerCase()}-1`, uid: `uid-${name}`, controller: true }] } : {}),
    },
    spec: {
      nodeName, containers: [{ name: 'c', image: 'busybox' }],
      ...(opts.emptyDir ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {}),
    },
  };
}

/**
 * Plays the kubelet of nodeName: a pod marked for graceful deletion is deleted for
 * good, as the kubelet does once its containers stopped.
 */
function kubelet(nodeName: string): void {
  const stop = new AbortController();
  kubelets.push(stop);
  void (async () => {
    while (!stop.signal.aborted) {
      try {
        for await (const ev of pods.watch('', { fieldSelector: `spec.nodeName=${nodeName}` }, stop.signal)) {
          const p = ev.object;
          if (ev.type !== 'DELETED' && p.metadata.deletionTimestamp) {
            await pods.delete(p.metadata.namespace!, p.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined);
          }
        }
      } catch {
        // aborted, or the watch broke: start again unless stopped
      }
    }
  })();
}

const names = async (nodeName: string): Promise<string[]> =>
  (await pods.list('', { fieldSelector: `spec.nodeName=${nodeName}` })).items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort();

before(async () => {
  cp = await startControlPlane();
  rest = new RestClient(resolveClientConfig(loadKubeconfig({ kubeconfig: cp.kubeconfig })));
  nodes = resourceClient<Node>(rest, 'nodes');
  pods = resourceClient<Pod>(rest, 'pods');
  await rest.request({ method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } } });
});
after(async () => {
  for (const k of kubelets) k.abort();
  await rest?.destroy();
  await cp?.stop();
});

test('cordon and uncordon set spec.unschedulable and say so as kubectl does', async () => {
  await node('c-ours');
  await node('c-theirs');
  assert.equal((await same('c-ours', 'c-theirs', 'cordon', '{}')).stdout, 'node/c-ours cordoned\n');
  assert.equal((await nodes.get('', 'c-ours')).spec?.unschedulable, true);
  assert.equal((await same('c-ours', 'c-theirs', 'cordon', '{}')).stdout, 'node/c-ours already cordoned\n');
  assert.equal((await same('c-ours', 'c-theirs', 'uncordon', '{}')).stdout, 'node/c-ours uncordoned\n');
  assert.equal((await nodes.get('', 'c-ours')).spec?.unschedulable, undefined);
  await same('c-ours', 'c-theirs', 'uncordon', '{}');
  await same('c-ours', 'c-theirs', 'cordon', '{}', '--dry-run=client');
  await same('c-ours', 'c-theirs', 'cordon', '{}', '--dry-run=server');
  assert.equal((await nodes.get('', 'c-ours')).spec?.unschedulable, undefined, 'dry runs change nothing');
  await same('c-ours', 'c-theirs', 'cordon', 'nope-{}');
  await same('c-ours', 'c-theirs', 'cordon');

  // -l picks nodes by label.
  const sel = await run('cordon', '-l', 'pool=c');
  assert.equal(sel.stdout, 'node/c-ours cordoned\nnode/c-theirs cordoned\n');
  await run('uncordon', '-l', 'pool=c');
  assert.equal((await nodes.get('', 'c-theirs')).spec?.unschedulable, undefined);
});

test('taint adds, overwrites and removes taints with kubectl\'s messages and errors', async () => {
  await node('t-ours');
  await node('t-theirs');
  const steps: string[][] = [
    ['taint', 'nodes', '{}', 'dedicated=gpu:NoSchedule'],
    ['taint', 'nodes', '{}', 'dedicated=gpu:NoSchedule'],
    ['taint', 'node', '{}', 'dedicated=tpu:NoSchedule', '--overwrite'],
    ['taint', 'no', '{}', 'spot:PreferNoSchedule', 'evict=yes:NoExecute'],
    ['taint', 'nodes', '{}', 'dedicated:NoSchedule-'],
    ['taint', 'nodes', '{}', 'dedicated-'],
    ['taint', 'nodes', '{}', 'k:Bad'],
    ['taint', 'nodes', '{}', 'a=b=c:NoSchedule'],
    ['taint', 'nodes', '{}', 'k'],
    ['taint', 'nodes', '{}', 'a:NoSchedule', 'a:NoSchedule-'],
    ['taint', 'nodes', '{}', 'a:NoSchedule', 'oops'],
    ['taint', 'pods', '{}', 'a:NoSchedule'],
    ['taint', 'nodes', 'a:NoSchedule'],
    ['taint', '{}', 'a:NoSchedule'],
    ['taint', 'nodes', 'nope-{}', 'a:NoSchedule'],
  ];
  const outputs: string[] = [];
  for (const s of steps) {
    const r = await same('t-ours', 't-theirs', ...s);
    outputs.push(r.code === 0 ? r.stdout : `${r.code} ${r.stderr}`);
  }
  assert.deepEqual(outputs.slice(0, 6), [
    'node/t-ours tainted\n',
    '1 error: node t-ours already has dedicated taint(s) with same effect(s) and --overwrite is false\n',
    'node/t-ours modified\n',
    'node/t-ours tainted\n',
    'node/t-ours untainted\n',
    '1 error: taint "dedicated" not found\n',
  ]);
  const strip = (t: Taint[] | undefined): Taint[] => (t ?? []).map(({ key, value, effect }) => ({ key, value, effect }));
  assert.deepEqual(strip((await nodes.get('', 't-ours')).spec?.taints), strip((await nodes.get('', 't-theirs')).spec?.taints));
  assert.deepEqual(strip((await nodes.get('', 't-ours')).spec?.taints), [
    { key: 'spot', value: undefined, effect: 'PreferNoSchedule' }, { key: 'evict', value: 'yes', effect: 'NoExecute' },
  ]);
  assert.equal((await run('taint', 'nodes', 't-ours', 'spot-', 'evict-')).stdout, 'node/t-ours untainted\n');
  assert.equal((await nodes.get('', 't-ours')).spec?.taints, undefined);
});

test('drain refuses pods it may not delete, naming them, and leaves the node cordoned', async () => {
  await node('r-ours');
  await node('r-theirs');
  for (const n of ['r-ours', 'r-theirs']) {
    await pods.create('default', pod(`${n}-bare`, n));
    await pods.create('default', pod(`${n}-scratch`, n, { owner: 'ReplicaSet', emptyDir: true }));
  }
  // Two refusals: kubectl prints them in Go map order, so only ours is checked literally.
  const r = await run('drain', 'r-ours');
  assert.equal(r.code, 1);
  assert.equal(r.stdout, 'node/r-ours cordoned\n');
  assert.equal(r.stderr, [
    'error: unable to drain node "r-ours" due to error: [cannot delete cannot delete Pods that declare no controller (use --force to override): default/r-ours-bare, cannot delete Pods with local storage (use --delete-emptydir-data to override): default/r-ours-scratch], continuing command...',
    'There are pending nodes to be drained:',
    ' r-ours',
    'cannot delete cannot delete Pods that declare no controller (use --force to override): default/r-ours-bare',
    'cannot delete Pods with local storage (use --delete-emptydir-data to override): default/r-ours-scratch',
    '',
  ].join('\n'));
  await kubectlResult('drain', 'r-theirs');
  // One refusal each: the whole text is kubectl's.
  await same('r-ours', 'r-theirs', 'drain', '{}', '--force');
  await same('r-ours', 'r-theirs', 'drain', '{}', '--delete-emptydir-data');
  assert.equal((await nodes.get('', 'r-ours')).spec?.unschedulable, true);
  assert.deepEqual(await names('r-ours'), ['default/r-ours-bare', 'default/r-ours-scratch']);

  // A DaemonSet pod whose DaemonSet the server does not know.
  await pods.create('default', pod('r-ours-ds', 'r-ours', { owner: 'DaemonSet' }));
  await pods.create('default', pod('r-theirs-ds', 'r-theirs', { owner: 'DaemonSet' }));
  await same('r-ours', 'r-theirs', 'drain', '{}', '--force', '--delete-emptydir-data', '--ignore-daemonsets', '--dry-run=client');
  await same('r-ours', 'r-theirs', 'drain', 'nope-{}');
  await same('r-ours', 'r-theirs', 'drain');
});

// Drains through pods/eviction (and PodDisruptionBudgets) are test/controller-manager/disruption-integration's.
test('drain --disable-eviction deletes the node\'s pods, waits until they are gone, and prints kubectl\'s lines', async () => {
  for (const n of ['d-ours', 'd-theirs']) {
    await node(n);
    kubelet(n);
    await pods.create('default', pod(`${n}-web`, n, { owner: 'ReplicaSet' }));
    await pods.create('other', pod(`${n}-bare`, n, { namespace: 'other' }));
    await pods.create('default', pod(`${n}-scratch`, n, { owner: 'ReplicaSet', emptyDir: true }));
  }
  await pods.create('default', pod('elsewhere', 'r-ours', { owner: 'ReplicaSet' }));
  const r = await same('d-ours', 'd-theirs', 'drain', '{}', '--force', '--delete-emptydir-data', '--disable-eviction');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, [
    'node/d-ours cordoned',
    'pod/d-ours-scratch deleted',
    'pod/d-ours-web deleted',
    'pod/d-ours-bare deleted',
    'node/d-ours drained',
    '',
  ].join('\n'));
  assert.equal(r.stderr, 'Warning: deleting Pods that declare no controller: other/d-ours-bare\n');
  assert.deepEqual(await names('d-ours'), []);
  assert.equal((await nodes.get('', 'd-ours')).spec?.unschedulable, true);
  assert.ok((await names('r-ours')).includes('default/elsewhere'), 'pods of other nodes stay');

  // Nothing left: cordoned already, drained at once.
  assert.equal((await run('drain', 'd-ours')).stdout, 'node/d-ours already cordoned\nnode/d-ours drained\n');
});

test('drain --disable-eviction --grace-period=0 deletes at once; --timeout gives up on pods that do not go', async () => {
  await node('g-ours');
  await pods.create('default', pod('g-now', 'g-ours', { owner: 'ReplicaSet' }));
  const now = await run('drain', 'g-ours', '--grace-period=0', '--disable-eviction');
  assert.deepEqual([now.code, now.stdout], [0, 'node/g-ours cordoned\npod/g-now deleted\nnode/g-ours drained\n']);

  // No kubelet finishes this pod's graceful deletion.
  await pods.create('default', pod('g-stuck', 'g-ours', { owner: 'ReplicaSet' }));
  const started = Date.now();
  const stuck = await run('drain', 'g-ours', '--timeout=2s', '--disable-eviction');
  assert.ok(Date.now() - started < 15_000);
  assert.equal(stuck.code, 1);
  assert.equal(stuck.stdout, 'node/g-ours already cordoned\n');
  assert.equal(stuck.stderr, [
    'There are pending pods in node "g-ours" when an error occurred: context deadline exceeded',
    'pod/g-stuck',
    'error: unable to drain node "g-ours" due to error: context deadline exceeded, continuing command...',
    'There are pending nodes to be drained:',
    ' g-ours',
    'error: context deadline exceeded',
    '',
  ].join('\n'));
  assert.ok((await pods.get('default', 'g-stuck')).metadata.deletionTimestamp, 'the pod was deleted gracefully');
});
