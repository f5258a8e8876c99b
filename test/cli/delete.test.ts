// tskubectl delete: by name, TYPE/NAME, -l, --all, -f; --ignore-not-found; --force and
// --grace-period; --cascade; --dry-run; and --wait, which lasts until finalizers let go.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { waitFor } from '../harness/processes.js';
import { tskubectlRun, type CliResult } from '../harness/tskubectl.js';
import { loadKubeconfig, resolveClientConfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';
import { resourceClient } from '../../client/resource-client.js';
import type { KubeObject } from '../../api/types/meta.js';

let cp: ControlPlane;
let rest: RestClient;
let dir: string;

const run = (...args: string[]): Promise<CliResult> => tskubectlRun(cp, args);
const cms = () => resourceClient(rest, 'configmaps');
const makeCm = (name: string, labels: Record<string, string> = {}, finalizers?: string[]): Promise<KubeObject> =>
  cms().create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels, ...(finalizers ? { finalizers } : {}) } });
const exists = (name: string): Promise<boolean> => cms().get('default', name).then(() => true, () => false);

before(async () => {
  cp = await startControlPlane();
  rest = new RestClient(resolveClientConfig(loadKubeconfig({ kubeconfig: cp.kubeconfig })));
  dir = await mkdtemp(join(tmpdir(), 'tskubectl-delete-'));
});
after(async () => {
  await rest?.destroy();
  await cp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('delete TYPE NAME..., TYPE/NAME, NotFound and --ignore-not-found', async () => {
  for (const n of ['d1', 'd2', 'd3']) await makeCm(n);
  let r = await run('delete', 'cm', 'd1', 'd2');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'configmap "d1" deleted\nconfigmap "d2" deleted\n');
  assert.equal(await exists('d1'), false);
  r = await run('delete', 'configmap/d3', 'configmap/nope');
  assert.equal(r.code, 1);
  assert.equal(r.stdout, 'configmap "d3" deleted\n');
  assert.equal(r.stderr, 'Error from server (NotFound): configmaps "nope" not found\n');
  r = await run('delete', 'cm', 'nope', '--ignore-not-found');
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
  r = await run('delete', 'cm');
  assert.deepEqual([r.code, r.stderr], [1, 'error: resource(s) were provided, but no name was specified\n']);
  r = await run('delete');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: You must provide one or more resources by argument or filename\.\n/);
});

test('delete -l, --all, -f, and dry runs', async () => {
  await makeCm('s1', { tier: 'a' });
  await makeCm('s2', { tier: 'a' });
  await makeCm('s3', { tier: 'b' });
  let r = await run('delete', 'cm', '-l', 'tier=a', '--dry-run=server');
  assert.equal(r.stdout, 'configmap "s1" deleted (server dry run)\nconfigmap "s2" deleted (server dry run)\n');
  r = await run('delete', 'cm', '-l', 'tier=a', '--dry-run=client');
  assert.equal(r.stdout, 'configmap "s1" deleted (dry run)\nconfigmap "s2" deleted (dry run)\n');
  assert.ok(await exists('s1'));
  r = await run('delete', 'cm', '-l', 'tier=a');
  assert.equal(r.stdout, 'configmap "s1" deleted\nconfigmap "s2" deleted\n');
  assert.deepEqual([await exists('s1'), await exists('s3')], [false, true]);
  r = await run('delete', 'cm', '-l', 'tier=a');
  assert.deepEqual([r.code, r.stdout], [0, 'No resources found\n']);
  assert.equal((await run('delete', 'cm', '--all', '-l', 'x=y')).stderr, "error: setting 'all' parameter but found a non empty selector. \n");

  const f = join(dir, 'cm.yaml');
  await writeFile(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s3}\n');
  r = await run('delete', '-f', f, '-o', 'name');
  assert.deepEqual([r.code, r.stdout], [0, 'configmap/s3\n']);
  r = await run('delete', '-f', f);
  assert.equal(r.stderr, `Error from server (NotFound): error when deleting "${f}": configmaps "s3" not found\n`);
  r = await run('delete', 'cm', 'x', '-f', f);
  assert.equal(r.stderr, 'error: when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well\n');
  await makeCm('rest1');
  r = await run('delete', 'cm', '--all');
  assert.match(r.stdout, /configmap "rest1" deleted\n/);
  assert.equal((await cms().list('default')).items.length, 0);
});

test('delete --wait waits for finalizers; --wait=false does not; --cascade sets the propagation policy', async () => {
  await makeCm('held', {}, ['example.com/hold']);
  let r = await run('delete', 'cm', 'held', '--wait=false');
  assert.deepEqual([r.code, r.stdout], [0, 'configmap "held" deleted\n']);
  const held = await cms().get('default', 'held');
  assert.ok(held.metadata.deletionTimestamp, 'marked for deletion, kept by its finalizer');

  await cms().patch('default', 'held', 'merge', { metadata: { finalizers: null } });

  // With --wait (the default) the command returns once the finalizer lets the object go.
  await makeCm('held2', {}, ['example.com/hold']);
  const waiting = run('delete', 'cm', 'held2');
  await waitFor(async () => (await cms().get('default', 'held2')).metadata.deletionTimestamp !== undefined, { what: 'the delete to be sent' });
  await cms().patch('default', 'held2', 'merge', { metadata: { finalizers: null } });
  r = await waiting;
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'configmap "held2" deleted\n', '']);
  assert.equal(await exists('held2'), false);

  await makeCm('slow', {}, ['example.com/hold']);
  r = await run('delete', 'cm', 'slow', '--timeout=1s');
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'error: timed out waiting for the condition on configmaps/slow\n');
  await cms().patch('default', 'slow', 'merge', { metadata: { finalizers: null } });

  await makeCm('orphaned');
  r = await run('delete', 'cm', 'orphaned', '--cascade=orphan', '--wait=false');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual((await cms().get('default', 'orphaned')).metadata.finalizers, ['orphan']);
  await cms().patch('default', 'orphaned', 'merge', { metadata: { finalizers: null } });
  assert.equal((await run('delete', 'cm', 'x', '--cascade=bogus')).stderr, 'error: invalid cascade value (bogus). Must be "background", "foreground", or "orphan"\n');
});

test('delete --force with grace period 0 warns and deletes a pod at once', async () => {
  const pods = resourceClient(rest, 'pods');
  const pod = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] } });
  await pods.create('default', pod('bound'));
  let r = await run('delete', 'pod', 'bound', '--force', '--grace-period=0');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, 'Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n');
  assert.equal(r.stdout, 'pod "bound" force deleted\n');
  assert.equal(await pods.get('default', 'bound').then(() => true, () => false), false);

  // A bound pod without --force gets a grace period: marked, not gone.
  await pods.create('default', pod('graceful'));
  r = await run('delete', 'pod', 'graceful', '--grace-period=30', '--wait=false');
  assert.equal(r.stdout, 'pod "graceful" deleted\n');
  const p = await pods.get('default', 'graceful');
  assert.equal(p.metadata.deletionGracePeriodSeconds, 30);
  r = await run('delete', 'pod', 'graceful', '--now', '--grace-period=5');
  assert.equal(r.stderr, 'error: --now and --grace-period cannot be specified together\n');
  r = await run('delete', 'pod', 'graceful', '--force');
  assert.equal(r.stdout, 'pod "graceful" force deleted\n');
  assert.equal(await pods.get('default', 'graceful').then(() => true, () => false), false);
});
