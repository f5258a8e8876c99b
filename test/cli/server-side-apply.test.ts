// tskubectl apply --server-side (--force-conflicts, --field-manager), diff (exit status
// 0/1, KUBECTL_EXTERNAL_DIFF) and managedFields hidden from -o yaml unless
// --show-managed-fields, against real etcd and the apiserver.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { kubectlRun } from '../harness/kubectl.js';
import { tskubectlRun, type CliResult } from '../harness/tskubectl.js';

let cp: ControlPlane;
const run = (args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> => tskubectlRun(cp, args, env ? { env: { ...process.env, ...env } } : {});
const ok = async (...args: string[]): Promise<string> => {
  const r = await run(args);
  assert.equal(r.code, 0, `tskubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const file = async (name: string, text: string): Promise<string> => {
  const p = join(cp.dir, name);
  await writeFile(p, text);
  return p;
};
const deployment = (replicas: number, image = 'nginx'): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: cli-ssa
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: cli-ssa}
  template:
    metadata:
      labels: {app: cli-ssa}
    spec:
      containers:
      - name: web
        image: ${image}
`;

before(async () => { cp = await startControlPlane(); });
after(async () => { await cp?.stop(); });

test('apply --server-side creates and updates; a second manager conflicts until --force-conflicts', async () => {
  const f = await file('d1.yaml', deployment(2));
  assert.equal(await ok('apply', '--server-side', '-f', f), 'deployment.apps/cli-ssa serverside-applied\n');
  const obj = JSON.parse(await ok('get', 'deployment', 'cli-ssa', '-o', 'json', '--show-managed-fields'));
  assert.deepEqual(obj.metadata.managedFields.map((m: { manager: string; operation: string }) => `${m.manager}/${m.operation}`), ['kubectl/Apply']);

  const g = await file('d2.yaml', deployment(3));
  const r = await run(['apply', '--server-side', '--field-manager=ops', '-f', g]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: Apply failed with 1 conflict: conflict with "kubectl": \.spec\.replicas\nPlease review the fields above--they currently have other managers\./);
  assert.equal(await ok('apply', '--server-side', '--field-manager=ops', '--force-conflicts', '-f', g), 'deployment.apps/cli-ssa serverside-applied\n');
  const after2 = JSON.parse(await ok('get', 'deployment', 'cli-ssa', '-o', 'json'));
  assert.equal(after2.spec.replicas, 3);
  assert.equal(after2.metadata.managedFields, undefined, 'hidden without --show-managed-fields');

  const dry = await run(['apply', '--server-side', '--dry-run=server', '--force-conflicts', '--field-manager=ops', '-f', await file('d3.yaml', deployment(3, 'busybox'))]);
  assert.equal(dry.stdout, 'deployment.apps/cli-ssa serverside-applied (server dry run)\n', dry.stderr);
  assert.equal(JSON.parse(await ok('get', 'deployment', 'cli-ssa', '-o', 'json')).spec.template.spec.containers[0].image, 'nginx');
  const bad = await run(['apply', '--force-conflicts', '-f', g]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'error: --force-conflicts only works with --server-side\n');
});

test('get -o yaml hides managedFields unless --show-managed-fields', async () => {
  const yaml = await ok('get', 'deployment', 'cli-ssa', '-o', 'yaml');
  assert.doesNotMatch(yaml, /managedFields/);
  const shown = await ok('get', 'deployment', 'cli-ssa', '-o', 'yaml', '--show-managed-fields');
  assert.match(shown, /managedFields:\n {2}- apiVersion: apps\/v1\n {4}fieldsType: FieldsV1\n {4}fieldsV1:\n/);
  assert.match(shown, /f:replicas: \{\}/);
});

test('diff: 0 when the same, 1 when different, KUBECTL_EXTERNAL_DIFF honoured', async () => {
  const same = await file('same.yaml', deployment(3));
  let r = await run(['diff', '--server-side', '--field-manager=ops', '-f', same]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  r = await run(['diff', '-f', same]);
  assert.deepEqual([r.code, r.stdout], [0, ''], r.stderr);

  const changed = await file('changed.yaml', deployment(5));
  r = await run(['diff', '--server-side', '--field-manager=ops', '-f', changed]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^diff -u -N \/tmp\/LIVE-\w+\/apps\.v1\.Deployment\.default\.cli-ssa \/tmp\/MERGED-\w+\/apps\.v1\.Deployment\.default\.cli-ssa\n/);
  assert.match(r.stdout, /\n- {2}replicas: 3\n\+ {2}replicas: 5\n/);
  assert.doesNotMatch(r.stdout, /managedFields/);
  // Nothing was written.
  assert.equal(JSON.parse(await ok('get', 'deployment', 'cli-ssa', '-o', 'json')).spec.replicas, 3);

  // An object applied client-side keeps its last-applied-configuration in MERGED too.
  const cm = await file('applied.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  k: v\n');
  await ok('apply', '-f', cm);
  r = await run(['diff', '-f', cm]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
  assert.equal((await kubectlRun(cp, ['diff', '-f', cm])).code, 0);

  // A new object is all additions.
  r = await run(['diff', '-f', await file('new.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fresh\ndata:\n  k: v\n')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /\+ {2}name: fresh/);

  // KUBECTL_EXTERNAL_DIFF: the program and its flag words get both directories.
  const script = join(cp.dir, 'mydiff.sh');
  await writeFile(script, '#!/bin/sh\necho "args: $*" | sed -e "s#/tmp/LIVE-[A-Za-z0-9]*#LIVE#" -e "s#/tmp/MERGED-[A-Za-z0-9]*#MERGED#"\nexit 1\n');
  await chmod(script, 0o755);
  r = await run(['diff', '-f', changed], { KUBECTL_EXTERNAL_DIFF: `${script} --brief bad;word` });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, 'args: LIVE MERGED --brief\n');
});
