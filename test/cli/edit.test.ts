// tskubectl edit with an EDITOR script: the header and object the editor sees, the
// change sent back, cancelling, a rejected change reopened then kept in a copy, and
// the last-applied annotation kept in step.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { tskubectlRun, type CliResult } from '../harness/tskubectl.js';
import { loadKubeconfig, resolveClientConfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';
import { resourceClient } from '../../client/resource-client.js';
import { LAST_APPLIED_ANNOTATION } from '../../kubectl/apply-patch.js';
import type { KubeObject } from '../../api/types/meta.js';

let cp: ControlPlane;
let rest: RestClient;
let dir: string;

const edit = (editor: string, ...args: string[]): Promise<CliResult> => tskubectlRun(cp, ['edit', ...args], { env: { EDITOR: editor, KUBE_EDITOR: '' } });
const cm = (name: string): Promise<KubeObject> => resourceClient(rest, 'configmaps').get('default', name);

before(async () => {
  cp = await startControlPlane();
  rest = new RestClient(resolveClientConfig(loadKubeconfig({ kubeconfig: cp.kubeconfig })));
  dir = await mkdtemp(join(tmpdir(), 'tskubectl-edit-test-'));
  await resourceClient(rest, 'configmaps').create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'conf' }, data: { color: 'blue', size: 'L' } });
});
after(async () => {
  await rest?.destroy();
  await cp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('the editor gets the header and the object; a change is saved', async () => {
  const seen = join(dir, 'seen.yaml');
  const script = join(dir, 'copy-and-edit.sh');
  await writeFile(script, `#!/bin/sh\ncp "$1" ${seen}\nsed -i 's/color: blue/color: green/; /size: L/d' "$1"\n`);
  await chmod(script, 0o755);
  const r = await edit(script, 'configmap', 'conf');
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'configmap/conf edited\n', '']);
  const text = await readFile(seen, 'utf8');
  assert.ok(text.startsWith("# Please edit the object below. Lines beginning with a '#' will be ignored,\n# and an empty file will abort the edit. If an error occurs while saving this file will be\n# reopened with the relevant failures.\n#\n"));
  const shown = parseYaml(text) as KubeObject;
  assert.equal(shown.metadata.name, 'conf');
  assert.deepEqual((await cm('conf')).data, { color: 'green' });
});

test('no change cancels; an empty file cancels', async () => {
  let r = await edit('true', 'cm/conf');
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', 'Edit cancelled, no changes made.\n']);
  const empty = join(dir, 'empty.sh');
  await writeFile(empty, '#!/bin/sh\n: > "$1"\n');
  await chmod(empty, 0o755);
  r = await edit(empty, 'cm', 'conf');
  assert.deepEqual([r.code, r.stderr], [0, 'Edit cancelled, saved file was empty.\n']);
});

test('a rejected change is reopened with the error, then kept in a copy', async () => {
  // Renaming is not allowed; the same sed finds nothing to change the second time.
  const r = await edit("sed -i 's/name: conf/name: other/'", 'cm', 'conf');
  assert.equal(r.code, 1);
  const m = /^Edit cancelled, no changes made\.\nA copy of your changes has been stored to "(.+)"\nerror: At least one of apiVersion, kind and name was changed\n$/.exec(r.stderr);
  assert.ok(m, r.stderr);
  assert.ok(existsSync(m[1]!));
  const copy = await readFile(m[1]!, 'utf8');
  assert.match(copy, /^# error: At least one of apiVersion, kind and name was changed$/m);
  assert.match(copy, /name: other/);
  assert.equal((await cm('conf')).metadata.name, 'conf');
  await rm(dirname(m[1]!), { recursive: true, force: true });
});

test('a change the server rejects is reopened with its causes, then given up', async () => {
  const r = await edit(`sed -i 's/^  color: green/  bad key: green/'`, 'cm', 'conf');
  assert.equal(r.code, 1);
  const m = /^error: configmaps "conf" is invalid\nA copy of your changes has been stored to "(.+)"\nerror: Edit cancelled, no valid changes were saved\.\n$/.exec(r.stderr);
  assert.ok(m, r.stderr);
  const copy = await readFile(m[1]!, 'utf8');
  assert.match(copy, /^# configmaps "conf" was not valid:\n# \* data\[bad key\]: Invalid value: "bad key": /m);
  assert.deepEqual((await cm('conf')).data, { color: 'green' });
  await rm(dirname(m[1]!), { recursive: true, force: true });
});

test('edit keeps the last-applied annotation in step', async () => {
  const r0 = await tskubectlRun(cp, ['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: applied}\ndata: {k: one}\n' });
  assert.equal(r0.code, 0, r0.stderr);
  const r = await edit("sed -i 's/k: one/k: two/'", 'cm', 'applied');
  assert.deepEqual([r.code, r.stdout], [0, 'configmap/applied edited\n']);
  const live = await cm('applied');
  assert.deepEqual(live.data, { k: 'two' });
  const last = JSON.parse(live.metadata.annotations![LAST_APPLIED_ANNOTATION]!) as KubeObject;
  assert.deepEqual(last.data, { k: 'two' });
});
