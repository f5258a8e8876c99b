// tskubectl label and annotate: add, overwrite (and the error without --overwrite),
// remove, --list, -l, --all, several objects with one missing, and kubectl's messages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { tskubectlRun, type CliResult } from '../harness/tskubectl.js';
import { loadKubeconfig, resolveClientConfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';
import { resourceClient } from '../../client/resource-client.js';
import type { KubeObject } from '../../api/types/meta.js';

let cp: ControlPlane;
let rest: RestClient;

const run = (...args: string[]): Promise<CliResult> => tskubectlRun(cp, args);
const expect = async (args: string[], code: number, stdout: string, stderr = ''): Promise<void> => {
  const r = await run(...args);
  assert.deepEqual([r.code, r.stdout, r.stderr], [code, stdout, stderr], args.join(' '));
};
const cm = (name: string): Promise<KubeObject> => resourceClient(rest, 'configmaps').get('default', name);

before(async () => {
  cp = await startControlPlane();
  rest = new RestClient(resolveClientConfig(loadKubeconfig({ kubeconfig: cp.kubeconfig })));
  for (const name of ['one', 'two']) {
    await resourceClient(rest, 'configmaps').create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { group: 'g' } } });
  }
});
after(async () => {
  await rest?.destroy();
  await cp?.stop();
});

test('label: add, conflict without --overwrite, overwrite, remove', async () => {
  await expect(['label', 'cm', 'one', 'tier=web'], 0, 'configmap/one labeled\n');
  assert.deepEqual((await cm('one')).metadata.labels, { group: 'g', tier: 'web' });
  await expect(['label', 'cm', 'one', 'tier=db'], 1, '', "error: 'tier' already has a value (web), and --overwrite is false\n");
  await expect(['label', 'cm', 'one', 'tier=web'], 0, 'configmap/one not labeled\n');
  await expect(['label', '--overwrite', 'cm', 'one', 'tier=db'], 0, 'configmap/one labeled\n');
  assert.equal((await cm('one')).metadata.labels?.tier, 'db');
  await expect(['label', 'cm', 'one', 'tier-'], 0, 'configmap/one unlabeled\n');
  assert.deepEqual((await cm('one')).metadata.labels, { group: 'g' });
  await expect(['label', 'cm', 'one', 'tier-'], 0, 'label "tier" not found.\nconfigmap/one not labeled\n');
  await expect(['label', 'cm', 'one', '--list'], 0, 'group=g\n');
});

test('label -l, --all, TYPE/NAME with a missing object, dry run; usage errors', async () => {
  await expect(['label', 'cm', '-l', 'group=g', 'sel=1'], 0, 'configmap/one labeled\nconfigmap/two labeled\n');
  await expect(['label', 'cm', '--all', 'sel=2', '--overwrite=true'], 0, 'configmap/one labeled\nconfigmap/two labeled\n');
  assert.equal((await cm('two')).metadata.labels?.sel, '2');
  await expect(['label', 'cm/one', 'cm/nope', 'x=1'], 1, 'configmap/one labeled\n', 'Error from server (NotFound): configmaps "nope" not found\n');
  await expect(['label', 'cm', 'two', 'd=1', '--dry-run=server'], 0, 'configmap/two labeled (server dry run)\n');
  assert.equal((await cm('two')).metadata.labels?.d, undefined);
  await expect(['label', 'cm', 'one'], 1, '', 'error: at least one label update is required\n');
  await expect(['label', 'cm', 'one', 'a=b=c'], 1, '', 'error: invalid label spec: a=b=c\n');
  await expect(['label', 'cm', 'one', 'a=b', 'a-'], 1, '', 'error: can not both modify and remove a label in the same command\n');
});

test('annotate: add, conflict, overwrite, remove, --list', async () => {
  await expect(['annotate', 'cm', 'one', 'note=hello world', 'url=http://x/?a=b'], 0, 'configmap/one annotated\n');
  assert.deepEqual((await cm('one')).metadata.annotations, { note: 'hello world', url: 'http://x/?a=b' });
  await expect(['annotate', 'cm', 'one', 'note=bye'], 1, '', "error: --overwrite is false but found the following declared annotation(s): 'note' already has a value (hello world)\n");
  await expect(['annotate', 'cm', 'one', 'note=bye', '--overwrite'], 0, 'configmap/one annotated\n');
  await expect(['annotate', 'cm', 'one', 'url-'], 0, 'configmap/one annotated\n');
  await expect(['annotate', 'cm', 'one', '--list'], 0, 'note=bye\n');
  assert.deepEqual((await cm('one')).metadata.annotations, { note: 'bye' });
  await expect(['annotate', 'cm', 'one'], 1, '', 'error: at least one annotation update is required\n');
});
