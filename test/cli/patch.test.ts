// tskubectl patch: strategic (lists merged by key), merge and JSON patches; YAML patches;
// "patched (no change)"; -f to pick the object; dry runs; kubectl's errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { tskubectlRun, type CliResult } from '../harness/tskubectl.js';
import { loadKubeconfig, resolveClientConfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';
import { resourceClient } from '../../client/resource-client.js';
import type { KubeObject } from '../../api/types/meta.js';

let cp: ControlPlane;
let rest: RestClient;

const run = (...args: string[]): Promise<CliResult> => tskubectlRun(cp, args);
const ok = async (...args: string[]): Promise<string> => {
  const r = await run(...args);
  assert.equal(r.code, 0, `tskubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

interface Pod extends KubeObject { spec: { containers: { name: string; image: string; env?: { name: string; value: string }[] }[]; activeDeadlineSeconds?: number } }

before(async () => {
  cp = await startControlPlane();
  rest = new RestClient(resolveClientConfig(loadKubeconfig({ kubeconfig: cp.kubeconfig })));
  await resourceClient(rest, 'pods').create('default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' },
    spec: { containers: [{ name: 'a', image: 'nginx', env: [{ name: 'X', value: '1' }] }, { name: 'b', image: 'busybox' }] },
  });
  await resourceClient(rest, 'configmaps').create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1', b: '2' } });
});
after(async () => {
  await rest?.destroy();
  await cp?.stop();
});

const pod = async (): Promise<Pod> => resourceClient(rest, 'pods').get('default', 'p') as Promise<Pod>;

test('strategic merge patch merges containers by name; no change is reported', async () => {
  const p = '{"spec":{"containers":[{"name":"b","image":"busybox:2"}]}}';
  assert.equal(await ok('patch', 'pod', 'p', '-p', p), 'pod/p patched\n');
  const got = await pod();
  assert.deepEqual(got.spec.containers.map((c) => [c.name, c.image]), [['a', 'nginx'], ['b', 'busybox:2']]);
  assert.deepEqual(got.spec.containers[0]!.env, [{ name: 'X', value: '1' }]);
  assert.equal(await ok('patch', 'pod', 'p', '-p', p), 'pod/p patched (no change)\n');
  // YAML is accepted too.
  assert.equal(await ok('patch', 'pod/p', '-p', 'spec: {activeDeadlineSeconds: 600}'), 'pod/p patched\n');
  assert.equal((await pod()).spec.activeDeadlineSeconds, 600);
});

test('merge and JSON patches, -o, -f, dry runs', async () => {
  assert.equal(await ok('patch', 'cm', 'c', '--type=merge', '-p', '{"data":{"a":null,"c":"3"}}'), 'configmap/c patched\n');
  assert.deepEqual((await resourceClient(rest, 'configmaps').get('default', 'c')).data, { b: '2', c: '3' });
  const out = JSON.parse(await ok('patch', 'cm', 'c', '--type=json', '-p', '[{"op":"replace","path":"/data/b","value":"20"}]', '-o', 'json')) as KubeObject;
  assert.deepEqual(out.data, { b: '20', c: '3' });
  // As the kubectl quick reference writes it: the shorthand with `=`.
  assert.equal(await ok('patch', 'cm', 'c', '--type=json', '-p=[{"op":"replace","path":"/data/b","value":"21"}]'), 'configmap/c patched\n');
  assert.equal(((await resourceClient(rest, 'configmaps').get('default', 'c')).data as Record<string, string>).b, '21');
  const dir = await mkdtemp(join(tmpdir(), 'tskubectl-patch-'));
  const f = join(dir, 'c.yaml');
  await writeFile(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n');
  const pf = join(dir, 'patch.yaml');
  await writeFile(pf, 'data:\n  d: "4"\n');
  assert.equal(await ok('patch', '-f', f, '--patch-file', pf), 'configmap/c patched\n');
  assert.equal(await ok('patch', 'cm', 'c', '-p', '{"data":{"d":"5"}}', '--dry-run=server'), 'configmap/c patched\n');
  assert.equal(await ok('patch', 'cm', 'c', '-p', '{"data":{"d":"6"}}', '--dry-run=client', '-o', 'jsonpath={.data.d}'), '6');
  assert.equal(((await resourceClient(rest, 'configmaps').get('default', 'c')).data as Record<string, string>).d, '4');
});

test('patch errors as kubectl prints them', async () => {
  const cases: [string[], string][] = [
    [['patch', 'cm', 'nope', '-p', '{"data":{}}'], 'Error from server (NotFound): configmaps "nope" not found\n'],
    [['patch', 'cm', 'c'], 'error: must specify --patch or --patch-file containing the contents of the patch\n'],
    [['patch', 'cm', 'c', '--type=foo', '-p', '{}'], 'error: --type must be one of [json merge strategic], not "foo"\n'],
    [['patch', 'cm', 'c', '--type=json', '-p', '[{"op":"remove","path":"/data/zz"}]'], 'The request is invalid: the patch could not be applied: remove operation does not apply: doc is missing path: "/data/zz": missing value\n'],
  ];
  for (const [args, stderr] of cases) {
    const r = await run(...args);
    assert.deepEqual([r.code, r.stderr], [1, stderr], args.join(' '));
  }
});

test('--subresource: the answer is named by its own kind (scale.autoscaling), status by the object\'s', async () => {
  await resourceClient(rest, 'deployments').create('default', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' },
    spec: { replicas: 1, selector: { matchLabels: { a: 'd' } }, template: { metadata: { labels: { a: 'd' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  });
  assert.equal(await ok('patch', 'deployment', 'd', '--subresource=scale', '--type=merge', '-p', '{"spec":{"replicas":2}}'), 'scale.autoscaling/d patched\n');
  assert.equal(((await resourceClient(rest, 'deployments').get('default', 'd')).spec as { replicas: number }).replicas, 2);
  assert.equal(await ok('patch', 'deployment', 'd', '--subresource=status', '--type=merge', '-p', '{"status":{"observedGeneration":7}}'), 'deployment.apps/d patched\n');
});
