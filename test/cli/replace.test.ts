// tskubectl replace and api-versions against the real kubectl: the same sequence of
// commands run by each in a namespace of its own must answer the same (exit status,
// stdout, stderr) and leave the same objects: PUT over the live object, a missing one,
// -f -, directories, dry runs, --save-config, --subresource, --force (delete, wait,
// create) and the flag errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { tskubectlRun } from '../harness/tskubectl.js';
import { kubectlWithInput, runBoth } from './kubectl-compare.js';
import { loadKubeconfig, resolveClientConfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';
import { resourceClient } from '../../client/resource-client.js';
import type { KubeObject } from '../../api/types/meta.js';

let cp: ControlPlane;
let rest: RestClient;
let dir: string;

const cmYaml = (value: string, extra = ''): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg${extra}\ndata:\n  key: ${value}\n`;
const podYaml = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod\n  labels: {app: web}\nspec:\n  containers:\n  - name: c\n    image: nginx\n';

before(async () => {
  cp = await startControlPlane();
  rest = new RestClient(resolveClientConfig(loadKubeconfig({ kubeconfig: cp.kubeconfig })));
  dir = await mkdtemp(join(tmpdir(), 'replace-test-'));
  await writeFile(join(dir, 'cm1.yaml'), cmYaml('one'));
  await writeFile(join(dir, 'cm2.yaml'), cmYaml('two'));
  await writeFile(join(dir, 'pod.yaml'), podYaml);
  await writeFile(join(dir, 'bad.yaml'), 'apiVersion: v1\nmetadata:\n  name: cfg\ndata: {}\n');
  await mkdir(join(dir, 'all'));
  await writeFile(join(dir, 'all', 'a.yaml'), cmYaml('three'));
  await writeFile(join(dir, 'all', 'b.yaml'), podYaml.replace('image: nginx', 'image: nginx:2'));
  for (const ns of ['r-k', 'r-t']) await resourceClient(rest, 'namespaces').create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
  await rest?.destroy();
  await cp?.stop();
});

/** The ConfigMap and Pod the commands left, without what the server made. */
async function state(ns: string): Promise<unknown> {
  const strip = (o: KubeObject | undefined): unknown => o && { labels: o.metadata.labels, annotations: o.metadata.annotations, data: o.data, spec: (o as { spec?: { containers?: { image?: string }[] } }).spec?.containers?.map((c) => c.image) };
  const get = (r: string, name: string): Promise<KubeObject | undefined> => resourceClient(rest, r).get(ns, name).catch(() => undefined);
  return JSON.parse(JSON.stringify([strip(await get('configmaps', 'cfg')), strip(await get('pods', 'pod'))]).replaceAll(ns, 'NS')) as unknown;
}

/** One step of the sequence, run by both in their namespace (r-k, r-t), compared. */
async function step(args: string[], input?: string): Promise<void> {
  const { kubectl, ours } = await runBoth(cp, 'r', args, { input });
  assert.deepEqual(ours, kubectl, args.join(' '));
  assert.deepEqual(await state('r-t'), await state('r-k'), `objects after ${args.join(' ')}`);
}

test('replace: PUT over the live object, the errors, dry runs, -o, --save-config', async () => {
  const f = (name: string): string => join(dir, name);
  await step(['replace', '-f', f('cm1.yaml')]);
  await step(['create', '-f', f('cm1.yaml')]);
  await step(['replace', '-f', f('cm2.yaml')]);
  await step(['replace', '-f', f('cm1.yaml'), '-o', 'name']);
  await step(['replace', '-f', f('cm2.yaml'), '--dry-run=client']);
  await step(['replace', '-f', f('cm2.yaml'), '--dry-run=server']);
  await step(['replace', '-f', f('cm2.yaml'), '--save-config']);
  await step(['replace', '-f', '-'], cmYaml('stdin'));
  await step(['replace', '-f', '-', '-o', 'jsonpath={.data.key}'], cmYaml('piped'));
  await step(['replace', 'cm', 'cfg', '-f', f('cm1.yaml')]);
  await step(['replace']);
  await step(['replace', '-f', f('nope.yaml')]);
  await step(['replace', '-f', f('bad.yaml')]);
  await step(['replace', '-f', f('cm1.yaml'), '--grace-period=1']);
  await step(['replace', '-f', f('cm1.yaml'), '--timeout=1s']);
  await step(['replace', '-f', f('cm1.yaml'), '--force', '--dry-run=server']);
  await step(['replace', '-f', f('cm1.yaml'), '--dry-run=maybe']);
  await step(['replace', '-f', '-'], cmYaml('v', '\n  namespace: elsewhere'));
});

test('replace --force deletes, waits and creates; directories; --subresource', async () => {
  const f = (name: string): string => join(dir, name);
  await step(['replace', '--force', '-f', f('pod.yaml')]);
  await step(['replace', '--force', '-f', f('pod.yaml')]);
  await step(['replace', '--force', '--grace-period=0', '-f', f('pod.yaml'), '-o', 'name']);
  // (--cascade=orphan and foreground wait on a garbage collector this control plane does not run.)
  await step(['replace', '--force', '--cascade=background', '-f', f('cm2.yaml')]);
  await step(['replace', '--force', 'cm', 'cfg', '-f', f('cm2.yaml')]);
  await step(['replace', '-f', f('all')]);
  await step(['replace', '-f', f('pod.yaml'), '--subresource=status']);
  await step(['replace', '--force', '-f', '-'], cmYaml('forced'));
});

test('api-versions lists every served group/version, sorted', async () => {
  const [theirs, ours] = await Promise.all([kubectlWithInput(cp, ['api-versions']), tskubectlRun(cp, ['api-versions'])]);
  assert.deepEqual(ours, theirs);
  assert.match(ours.stdout, /^admissionregistration\.k8s\.io\/v1\n[\s\S]*\napps\/v1\n[\s\S]*\nv1\n$/);
  const [theirErr, ourErr] = await Promise.all([kubectlWithInput(cp, ['api-versions', 'extra']), tskubectlRun(cp, ['api-versions', 'extra'])]);
  assert.deepEqual({ ...ourErr, stderr: ourErr.stderr.replace('tskubectl', 'kubectl') }, theirErr);
});
