// tskubectl on custom resources, against a real etcd + apiserver, compared with the real
// kubectl on the same objects: a CRD with printer columns (one of priority 1), two
// versions, status and scale subresources, a short name and the category "all"; get
// (Table, -o wide/yaml/json/name/jsonpath/custom-columns, kind.group and
// resource.version.group names, get all), describe, create/apply -f (last-applied
// annotation, merge patches), label/annotate/patch (strategic refused), scale, wait,
// delete, and explain (a CR and a built-in kind) give the same stdout, stderr and exit
// codes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { spawn } from 'node:child_process';
import { tskubectlRun, tskubectlStart, type CliResult } from '../harness/tskubectl.js';
import { kubectlEnv } from '../harness/kubectl.js';
import { waitFor } from '../harness/processes.js';
import { http } from '../harness/http.js';
import { kubectlRun, normalizeAges, sameAsKubectl } from './get-fixtures.js';

let cp: ControlPlane;

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: websites.example.com
spec:
  group: example.com
  scope: Namespaced
  names:
    plural: websites
    singular: website
    kind: Website
    shortNames: [ws]
    categories: [all]
  versions:
  - name: v1beta1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        description: A Website serves static pages from a git repository.
        properties:
          spec:
            type: object
            description: What to serve and how many copies.
            required: [gitRepo]
            properties:
              gitRepo:
                type: string
                description: The repository to serve.
              replicas:
                type: integer
                minimum: 0
                description: How many servers.
              tls:
                type: object
                description: TLS settings.
                properties:
                  secretName:
                    type: string
                  hosts:
                    type: array
                    items:
                      type: string
          status:
            type: object
            properties:
              replicas:
                type: integer
              selector:
                type: string
              conditions:
                type: array
                items:
                  type: object
                  properties:
                    type: {type: string}
                    status: {type: string}
                    reason: {type: string}
                    message: {type: string}
                    lastTransitionTime: {type: string, format: date-time}
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
        labelSelectorPath: .status.selector
    additionalPrinterColumns:
    - name: Repo
      type: string
      jsonPath: .spec.gitRepo
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Secret
      type: string
      priority: 1
      jsonPath: .spec.tls.secretName
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
`;

const site = (name: string, extra = ''): string => `apiVersion: example.com/v1
kind: Website
metadata:
  name: ${name}
  labels:
    app: ${name}
spec:
  gitRepo: https://example.com/${name}.git
  replicas: 2
  tls:
    secretName: ${name}-tls
    hosts: [${name}.example.com]
${extra}`;

const ours = (...args: string[]): Promise<CliResult> => tskubectlRun(cp, args);
const same = (...args: string[]): Promise<CliResult> => sameAsKubectl(cp, args);
const api = (method: string, path: string, body?: unknown, contentType?: string) => http(cp.url, method, path, body, contentType);

async function file(name: string, text: string): Promise<string> {
  const path = join(cp.dir, name);
  await writeFile(path, text);
  return path;
}

/**
 * A command that changes things, run by our CLI on object `a` and by kubectl on object
 * `b` (args use NAME for the object's name): same exit code and output, names swapped.
 */
async function sameOnTwins(a: string, b: string, args: string[]): Promise<CliResult> {
  const mine = await tskubectlRun(cp, args.map((s) => s.replaceAll('NAME', a)));
  const theirs = await kubectlRun(cp, args.map((s) => s.replaceAll('NAME', b)));
  const norm = (s: string, n: string): string => normalizeAges(s.replaceAll(n, 'NAME').replaceAll('tskubectl', 'kubectl'));
  assert.deepEqual(
    [mine.code, norm(mine.stdout, a), norm(mine.stderr, a)],
    [theirs.code, norm(theirs.stdout, b), norm(theirs.stderr, b)],
    `tskubectl ${args.join(' ')}`,
  );
  return mine;
}

before(async () => {
  cp = await startControlPlane();
  const r = await kubectlRun(cp, ['apply', '-f', await file('crd.yaml', CRD)]);
  assert.equal(r.code, 0, r.stderr);
  await waitFor(async () => (await api('GET', '/apis/example.com/v1/namespaces/default/websites')).status === 200, { timeoutMs: 10_000, what: 'websites served' });
  for (const name of ['alpha', 'beta']) {
    const made = await kubectlRun(cp, ['create', '-f', await file(`${name}.yaml`, site(name))]);
    assert.equal(made.code, 0, made.stderr);
  }
  const status = await api('PATCH', '/apis/example.com/v1/namespaces/default/websites/alpha/status', {
    status: { replicas: 2, selector: 'app=alpha', conditions: [{ type: 'Ready', status: 'True', reason: 'Serving', message: 'all servers up', lastTransitionTime: '2026-01-02T03:04:05Z' }] },
  }, 'application/merge-patch+json');
  assert.equal(status.status, 200);
});
after(async () => { await cp?.stop(); });

test('get: printer columns, wide, names by short name, kind.group and resource.version.group', async () => {
  for (const args of [
    ['get', 'websites'],
    ['get', 'ws'],
    ['get', 'website', 'alpha'],
    ['get', 'ws/alpha', '-o', 'wide'],
    ['get', 'websites.example.com'],
    ['get', 'website.example.com'],
    ['get', 'Website'],
    ['get', 'websites.v1beta1.example.com', 'alpha'],
    ['get', 'websites.v1.example.com', 'alpha', '-o', 'yaml'],
    ['get', 'websites.v1beta1.example.com', 'alpha', '-o', 'json'],
    ['get', 'ws', '-o', 'name'],
    ['get', 'ws', '-o', 'jsonpath={.items[*].spec.gitRepo}'],
    ['get', 'ws', '-o', 'custom-columns=NAME:.metadata.name,REPO:.spec.gitRepo,READY:.status.conditions[0].status'],
    ['get', 'ws', '-l', 'app=beta'],
    ['get', 'ws', 'nope'],
    ['get', 'ws', '-A'],
    ['get', 'all'],
    ['get', 'all', '-o', 'name'],
    ['get', 'ws,deploy'],
    ['get', 'websites.nope.example.com'],
    ['get', '-f', join(cp.dir, 'alpha.yaml')],
    ['get', '-f', join(cp.dir, 'beta.yaml'), '-o', 'name'],
    ['get', '-f', join(cp.dir, 'crd.yaml'), '-o', 'wide'],
  ]) await same(...args);
});

test('get -w: the current rows, then a row per change, as kubectl prints them', async () => {
  const args = ['get', 'ws', '-w', '-o', 'wide'];
  const mine = tskubectlStart(cp, args);
  const theirs = spawn('kubectl', args, { env: kubectlEnv(cp) });
  let theirOut = '';
  theirs.stdout.setEncoding('utf8').on('data', (d: string) => { theirOut += d; });
  try {
    await waitFor(() => mine.stdout().includes('beta') && theirOut.includes('beta'), { what: 'the initial rows', timeoutMs: 15_000 });
    const r = await api('PATCH', '/apis/example.com/v1/namespaces/default/websites/beta', { spec: { replicas: 9 } }, 'application/merge-patch+json');
    assert.equal(r.status, 200);
    await waitFor(() => mine.stdout().split('\n').length > 4 && theirOut.split('\n').length > 4, { what: 'the change as a new row', timeoutMs: 15_000 });
  } finally {
    const exited = new Promise((resolve) => theirs.once('exit', resolve));
    theirs.kill('SIGTERM');
    await Promise.all([mine.stop('SIGTERM'), exited]);
  }
  assert.match(mine.stdout(), /^NAME +REPO +REPLICAS +SECRET +AGE\nalpha .*\nbeta .*\nbeta +https:\/\/example.com\/beta.git +9 +beta-tls +\S+\n$/);
  assert.equal(normalizeAges(mine.stdout()), normalizeAges(theirOut));
});

test('describe: the generic describer for a custom resource', async () => {
  await same('describe', 'website', 'alpha');
  await same('describe', 'ws', 'beta');
  await same('describe', 'ws', '-l', 'app=alpha');
  await same('describe', 'ws', 'nope');
  await same('describe', '-f', join(cp.dir, 'alpha.yaml'));
});

test('explain: a custom resource and a built-in kind from the server\'s OpenAPI', async () => {
  for (const args of [
    ['explain', 'websites'],
    ['explain', 'ws.spec'],
    ['explain', 'websites.spec.tls'],
    ['explain', 'website.spec.tls.hosts'],
    ['explain', 'websites', '--recursive'],
    ['explain', 'websites', '--api-version=example.com/v1beta1'],
    ['explain', 'websites.spec.nope'],
    ['explain', 'pods.spec.containers'],
    ['explain', 'deployments.spec.strategy'],
    ['explain', 'pods.spec.containers.resources', '--recursive'],
    ['explain', 'nope'],
    ['explain'],
  ]) await same(...args);
});

test('create/apply -f, label, annotate, patch, scale, wait, delete: as kubectl does them', async () => {
  const t = (n: string) => file(`${n}.yaml`, site(n));
  for (const n of ['gamma', 'delta']) await t(n);
  const f = (n: string): string => join(cp.dir, `${n}.yaml`);
  const mine = await ours('create', '-f', f('gamma'));
  assert.equal(mine.stdout, 'website.example.com/gamma created\n');
  assert.equal((await kubectlRun(cp, ['create', '-f', f('delta')])).stdout, 'website.example.com/delta created\n');
  // apply of an object created without apply: the warning, then configured.
  await sameOnTwins('gamma', 'delta', ['apply', '-f', join(cp.dir, 'NAME.yaml')]);
  await writeFile(f('gamma'), site('gamma').replace('replicas: 2', 'replicas: 3'));
  await writeFile(f('delta'), site('delta').replace('replicas: 2', 'replicas: 3'));
  await sameOnTwins('gamma', 'delta', ['apply', '-f', join(cp.dir, 'NAME.yaml')]);
  await sameOnTwins('gamma', 'delta', ['apply', '-f', join(cp.dir, 'NAME.yaml')]);
  // Removing a field from the file removes it from the object (merge patch with null).
  await writeFile(f('gamma'), site('gamma').replace(/ {2}tls:\n.*\n.*\n/, ''));
  await writeFile(f('delta'), site('delta').replace(/ {2}tls:\n.*\n.*\n/, ''));
  await sameOnTwins('gamma', 'delta', ['apply', '-f', join(cp.dir, 'NAME.yaml')]);
  await sameOnTwins('gamma', 'delta', ['get', 'ws', 'NAME', '-o', 'jsonpath={.spec}']);
  await sameOnTwins('gamma', 'delta', ['get', 'ws', 'NAME', '-o', 'jsonpath={.metadata.annotations}']);
  // Invalid objects are refused with the field named.
  await writeFile(f('bad'), site('bad').replace('replicas: 2', 'replicas: -1'));
  await same('apply', '-f', f('bad'));
  await same('create', '-f', f('bad'));

  await sameOnTwins('gamma', 'delta', ['label', 'ws', 'NAME', 'tier=web']);
  await sameOnTwins('gamma', 'delta', ['label', 'ws', 'NAME', 'tier=db']);
  await sameOnTwins('gamma', 'delta', ['label', 'ws', 'NAME', 'tier=db', '--overwrite']);
  await sameOnTwins('gamma', 'delta', ['annotate', 'website/NAME', 'note=hi']);
  await sameOnTwins('gamma', 'delta', ['patch', 'ws', 'NAME', '-p', '{"spec":{"replicas":4}}']);
  await sameOnTwins('gamma', 'delta', ['patch', 'ws', 'NAME', '--type=merge', '-p', '{"spec":{"replicas":4}}']);
  await sameOnTwins('gamma', 'delta', ['patch', 'ws', 'NAME', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":5}]']);
  await sameOnTwins('gamma', 'delta', ['patch', 'ws', 'NAME', '--type=strategic', '-p', '{"spec":{"replicas":6}}']);
  await sameOnTwins('gamma', 'delta', ['patch', 'ws', 'NAME', '-p', '{"spec":{"replicas":-3}}']);
  await sameOnTwins('gamma', 'delta', ['get', 'ws', 'NAME']);

  await sameOnTwins('gamma', 'delta', ['scale', 'ws', 'NAME', '--replicas=7']);
  await sameOnTwins('gamma', 'delta', ['scale', 'ws', 'NAME', '--replicas=8', '--current-replicas=1']);
  await sameOnTwins('gamma', 'delta', ['get', 'ws', 'NAME', '-o', 'jsonpath={.spec.replicas}']);

  // wait --for=condition on a CR: met, and timed out.
  for (const n of ['gamma', 'delta']) {
    const r = await api('PATCH', `/apis/example.com/v1/namespaces/default/websites/${n}/status`, {
      status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Serving', message: 'up', lastTransitionTime: '2026-01-02T03:04:05Z' }] },
    }, 'application/merge-patch+json');
    assert.equal(r.status, 200);
  }
  await sameOnTwins('gamma', 'delta', ['wait', '--for=condition=Ready', 'ws/NAME', '--timeout=5s']);
  await sameOnTwins('gamma', 'delta', ['wait', '--for=condition=Degraded', 'ws/NAME', '--timeout=1s']);
  await sameOnTwins('gamma', 'delta', ['wait', '--for=jsonpath={.spec.replicas}=8', 'website/NAME', '--timeout=5s']);

  await sameOnTwins('gamma', 'delta', ['delete', 'ws', 'NAME']);
  await sameOnTwins('gamma', 'delta', ['delete', 'ws', 'NAME']);
  await sameOnTwins('gamma', 'delta', ['delete', 'ws', 'NAME', '--ignore-not-found']);
});

test('a CRD created after the CLI started and short names that collide with built-ins', async () => {
  // A CRD whose short name "po" and kind collide with pods: the built-in wins, as
  // kubectl's RESTMapper prefers the built-in groups.
  const clash = CRD.replaceAll('websites', 'pods').replaceAll('website', 'pod').replaceAll('Website', 'Pod')
    .replace('shortNames: [ws]', 'shortNames: [po, wp]').replaceAll('example.com', 'clash.example.com');
  const r = await kubectlRun(cp, ['apply', '-f', await file('clash.yaml', clash)]);
  assert.equal(r.code, 0, r.stderr);
  await waitFor(async () => (await api('GET', '/apis/clash.example.com/v1/namespaces/default/pods')).status === 200, { timeoutMs: 10_000, what: 'clash served' });
  // The real kubectl caches discovery for hours; ours asks each time. Drop kubectl's
  // cache so both see the new CRD.
  await rm(join(cp.dir, '.kube', 'cache'), { recursive: true, force: true });
  await same('get', 'po');
  await same('get', 'pods');
  await same('get', 'wp');
  await same('get', 'pods.clash.example.com');
  await same('explain', 'pods.clash.example.com');
  await same('explain', 'pods.clash.example.com.spec');
  await same('explain', 'po');
  await same('get', 'pods.v1.clash.example.com');
});
