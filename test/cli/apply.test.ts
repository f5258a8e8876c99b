// tskubectl apply: created / configured / unchanged, fields removed from the
// configuration removed from the object while fields others set stay, -R directories,
// stdin, several documents, and interop with the real kubectl both ways: the same
// last-applied annotation byte for byte, and the same three-way patch.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { kubectl, kubectlEnv } from '../harness/kubectl.js';
import { tskubectlRun, type CliResult } from '../harness/tskubectl.js';
import { loadKubeconfig, resolveClientConfig } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest-client.js';
import { resourceClient } from '../../client/resource-client.js';
import type { KubeObject } from '../../api/types/meta.js';
import { createApplyPatch, goJson, LAST_APPLIED_ANNOTATION, lastAppliedOf, withLastApplied } from '../../kubectl/apply-patch.js';
import { parseManifestText } from '../../kubectl/manifests.js';

let cp: ControlPlane;
let rest: RestClient;
let dir: string;

const run = (args: string[], input?: string): Promise<CliResult> => tskubectlRun(cp, args, { input });
const ok = async (...args: string[]): Promise<string> => {
  const r = await run(args);
  assert.equal(r.code, 0, `tskubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const get = (resource: string, name: string, ns = 'default'): Promise<KubeObject> => resourceClient(rest, resource).get(ns, name);
const file = async (name: string, text: string): Promise<string> => {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
};

interface Deployment extends KubeObject {
  spec: { replicas?: number; template: { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: { containers: { name: string; image: string; env?: { name: string; value: string }[]; ports?: { containerPort: number }[] }[] } } };
}

function deployment(name: string, opts: { labels: Record<string, string>; image: string; env: Record<string, string>; replicas?: number; ports?: number[] }): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, labels: opts.labels },
    spec: {
      ...(opts.replicas !== undefined ? { replicas: opts.replicas } : {}),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{
            name: 'main', image: opts.image,
            ...(Object.keys(opts.env).length ? { env: Object.entries(opts.env).map(([k, v]) => ({ name: k, value: v })) } : {}),
            ...(opts.ports ? { ports: opts.ports.map((p) => ({ containerPort: p })) } : {}),
          }],
        },
      },
    },
  });
}

before(async () => {
  cp = await startControlPlane();
  rest = new RestClient(resolveClientConfig(loadKubeconfig({ kubeconfig: cp.kubeconfig })));
  dir = await mkdtemp(join(tmpdir(), 'tskubectl-apply-'));
});
after(async () => {
  await rest?.destroy();
  await cp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('apply creates with the last-applied annotation, then reports unchanged', async () => {
  const f = await file('app.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  labels: {tier: web}\ndata:\n  color: blue\n  html: "<b>&</b>"\n');
  assert.equal(await ok('apply', '-f', f), 'configmap/app created\n');
  const live = await get('configmaps', 'app');
  assert.deepEqual(live.data, { color: 'blue', html: '<b>&</b>' });
  // Go's encoder: sorted keys, HTML escaped, trailing newline, empty annotations kept.
  assert.equal(live.metadata.annotations?.[LAST_APPLIED_ANNOTATION],
    '{"apiVersion":"v1","data":{"color":"blue","html":"\\u003cb\\u003e\\u0026\\u003c/b\\u003e"},"kind":"ConfigMap","metadata":{"annotations":{},"labels":{"tier":"web"},"name":"app","namespace":"default"}}\n');
  assert.equal(await ok('apply', '-f', f), 'configmap/app unchanged\n');
  assert.equal((await get('configmaps', 'app')).metadata.resourceVersion, live.metadata.resourceVersion);
  assert.equal(await ok('apply', '-f', f, '-o', 'name'), 'configmap/app\n');
});

test('apply configures: removed fields go, fields set by others stay', async () => {
  const v1 = await file('web-v1.json', deployment('web', { labels: { app: 'web', stage: 'beta' }, image: 'nginx:1', env: { A: '1', B: '2' }, replicas: 2, ports: [80] }));
  assert.equal(await ok('apply', '-f', v1), 'deployment.apps/web created\n');
  // Someone else labels the deployment, scales it and annotates its template.
  await resourceClient(rest, 'deployments').patch('default', 'web', 'merge', {
    metadata: { labels: { owner: 'ops' } },
    spec: { replicas: 5, template: { metadata: { annotations: { 'restarted-at': 'now' } } } },
  });
  const v2 = await file('web-v2.json', deployment('web', { labels: { app: 'web' }, image: 'nginx:2', env: { B: '3', C: '4' }, ports: [8080, 80] }));
  assert.equal(await ok('apply', '-f', v2), 'deployment.apps/web configured\n');
  const d = await get('deployments', 'web') as Deployment;
  assert.deepEqual(d.metadata.labels, { app: 'web', owner: 'ops' }, 'stage removed, owner kept');
  // replicas left the configuration, so apply removes it and the default (1) applies.
  assert.equal(d.spec.replicas, 1);
  assert.deepEqual(d.spec.template.metadata.annotations, { 'restarted-at': 'now' });
  const [c] = d.spec.template.spec.containers;
  assert.equal(c!.image, 'nginx:2');
  assert.deepEqual(c!.env, [{ name: 'B', value: '3' }, { name: 'C', value: '4' }]);
  assert.deepEqual(c!.ports!.map((p) => p.containerPort), [8080, 80]);
  assert.equal(await ok('apply', '-f', v2), 'deployment.apps/web unchanged\n');

  // Dry runs change nothing.
  assert.equal(await ok('apply', '-f', v1, '--dry-run=client'), 'deployment.apps/web configured (dry run)\n');
  assert.equal(await ok('apply', '-f', v1, '--dry-run=server'), 'deployment.apps/web configured (server dry run)\n');
  assert.equal((await get('deployments', 'web') as Deployment).spec.template.spec.containers[0]!.image, 'nginx:2');
});

test('apply -R a directory, stdin and several documents; objects made without apply get a warning', async () => {
  const d = join(dir, 'tree');
  await mkdir(join(d, 'nested'), { recursive: true });
  await writeFile(join(d, 'ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n');
  await writeFile(join(d, 'nested', 'cms.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c1, namespace: shop}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c2, namespace: shop}\ndata: {k: v}\n');
  assert.equal(await ok('apply', '-f', d), 'namespace/shop created\n');
  // Lexical order, as Go's filepath.Walk: nested/ comes before ns.yaml.
  assert.equal(await ok('apply', '-R', '-f', d), 'configmap/c1 created\nconfigmap/c2 created\nnamespace/shop unchanged\n');
  const ns = await get('namespaces', 'shop', '');
  assert.equal(ns.metadata.annotations?.[LAST_APPLIED_ANNOTATION], '{"apiVersion":"v1","kind":"Namespace","metadata":{"annotations":{},"name":"shop"}}\n');

  const r = await run(['apply', '-f', '-', '-n', 'shop'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c2}\ndata: {k: w}\n');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'configmap/c2 configured\n');
  assert.deepEqual((await get('configmaps', 'c2', 'shop')).data, { k: 'w' });

  await resourceClient(rest, 'configmaps').create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain' }, data: { a: '1' } });
  const w = await run(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\ndata: {b: "2"}\n');
  assert.equal(w.stdout, 'configmap/plain configured\n');
  assert.match(w.stderr, /^Warning: resource configmaps\/plain is missing the kubectl.kubernetes.io\/last-applied-configuration annotation which is required by tskubectl apply\./);
  // Without a last-applied configuration nothing is known to be removed.
  assert.deepEqual((await get('configmaps', 'plain')).data, { a: '1', b: '2' });
});

test('apply errors: missing file, bad YAML, no -f, a namespace mismatch', async () => {
  const missing = join(dir, 'missing.yaml');
  let r = await run(['apply', '-f', missing]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `error: the path "${missing}" does not exist\n`);
  const bad = await file('bad.yaml', 'kind: ConfigMap\nmetadata: [\n');
  r = await run(['apply', '-f', bad]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^error: error parsing ${bad}: error converting YAML to JSON: yaml: line \\d+: `));
  r = await run(['apply']);
  assert.equal(r.stderr, 'error: must specify one of -f and -k\n');
  r = await run(['apply', '-n', 'default', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: other}\n');
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'error: the namespace from the provided object "other" does not match the namespace "default". You must pass \'--namespace=other\' to perform this operation.\n');
});

test('interop: objects applied by the real kubectl and by tskubectl, in turns', async () => {
  const v1 = await file('shared-v1.json', deployment('shared', { labels: { app: 'shared', x: '1' }, image: 'redis:6', env: { A: '1' } }));
  const v2 = await file('shared-v2.json', deployment('shared', { labels: { app: 'shared' }, image: 'redis:7', env: { A: '1', B: '2' } }));
  const v3 = await file('shared-v3.json', deployment('shared', { labels: { app: 'shared', y: '2' }, image: 'redis:7', env: {} }));
  assert.equal(await kubectl(cp, 'apply', '-f', v1), 'deployment.apps/shared created\n');
  const theirs = (await get('deployments', 'shared')).metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  assert.equal(await ok('apply', '-f', v1), 'deployment.apps/shared unchanged\n', 'same annotation bytes as kubectl writes');
  assert.equal(await ok('apply', '-f', v2), 'deployment.apps/shared configured\n');
  assert.equal(await kubectl(cp, 'apply', '-f', v2), 'deployment.apps/shared unchanged\n');
  assert.equal(await kubectl(cp, 'apply', '-f', v3), 'deployment.apps/shared configured\n');
  assert.equal(await ok('apply', '-f', v3), 'deployment.apps/shared unchanged\n');
  const d = await get('deployments', 'shared') as Deployment;
  assert.deepEqual(d.metadata.labels, { app: 'shared', y: '2' });
  assert.equal(d.spec.template.spec.containers[0]!.env, undefined);
  assert.ok(theirs?.endsWith('\n'));
  assert.equal(await ok('apply', '-f', v1), 'deployment.apps/shared configured\n');
  assert.equal((await get('deployments', 'shared')).metadata.annotations?.[LAST_APPLIED_ANNOTATION], theirs);
});

test('the three-way patch equals the one the real kubectl sends', async () => {
  const a = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cmp\n  labels: {app: cmp, tier: web}\n  finalizers: [a.io/x, b.io/z]\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: cmp}}\n  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1}}\n  template:\n    metadata: {labels: {app: cmp}}\n    spec:\n      containers:\n      - {name: a, image: nginx, args: [p, q], env: [{name: A, value: "1"}, {name: B, value: "2"}], ports: [{containerPort: 80}]}\n      - {name: b, image: busybox}\n      volumes: [{name: v1, emptyDir: {}}]\n';
  const b = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cmp\n  labels: {app: cmp}\n  finalizers: [c.io/w, a.io/x]\nspec:\n  selector: {matchLabels: {app: cmp}}\n  strategy: {type: Recreate}\n  template:\n    metadata: {labels: {app: cmp}, annotations: {note: hi}}\n    spec:\n      containers:\n      - {name: c, image: redis}\n      - {name: a, image: "nginx:2", args: [q], env: [{name: B, value: "3"}, {name: C, value: "4"}], ports: [{containerPort: 8080}, {containerPort: 80}]}\n      volumes: [{name: v2, configMap: {name: foo}}]\n';
  const fa = await file('cmp-a.yaml', a);
  const fb = await file('cmp-b.yaml', b);
  await kubectl(cp, 'apply', '-f', fa);
  await kubectl(cp, 'patch', 'deployment', 'cmp', '--type=merge', '-p', '{"metadata":{"labels":{"other":"x"}},"spec":{"template":{"spec":{"terminationGracePeriodSeconds":5}}}}');
  const current = await get('deployments', 'cmp');
  // -v=10 logs request bodies: pick the PATCH's.
  const { stderr } = await promisify(execFile)('kubectl', ['apply', '-f', fb, '-v=10'], { env: kubectlEnv(cp), maxBuffer: 64 << 20 });
  const line = stderr.split('\n').find((l) => l.includes('"Request Body"') && l.includes('setElementOrder'));
  assert.ok(line, 'kubectl logged its patch');
  const theirs = JSON.parse(JSON.parse(line.slice(line.indexOf('body=') + 5))) as unknown;
  const modified = parseManifestText(b)[0] as KubeObject;
  modified.metadata.namespace = 'default';
  const ours = createApplyPatch('Deployment', lastAppliedOf(current), withLastApplied(modified).annotated as Record<string, unknown>, current as Record<string, unknown>);
  assert.equal(ours.type, 'strategic');
  assert.equal(goJson(ours.patch), goJson(theirs));
  // Finalizers hold the object: let it go.
  await resourceClient(rest, 'deployments').patch('default', 'cmp', 'merge', { metadata: { finalizers: null } });
});
