// `tskubectl get` against a real apiserver, compared with the real kubectl 1.32 on the
// same objects: same columns and values (ages may tick), same errors and exit codes;
// and `get -w` printing a row per change as kubectl does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { componentCommand, startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { kubectlEnv } from '../harness/kubectl.js';
import { waitFor } from '../harness/processes.js';
import { tskubectlRun } from '../harness/tskubectl.js';
import type { RestClient } from '../../client/rest-client.js';
import { clientFor, createFixtures, normalizeAges, restFor, sameAsKubectl } from './get-fixtures.js';
import type { KubeObject } from '../../api/types/meta.js';

let cp: ControlPlane;
let rest: RestClient;

before(async () => {
  cp = await startControlPlane();
  rest = restFor(cp);
  await createFixtures(rest);
});

after(async () => {
  await rest?.destroy();
  await cp?.stop();
});

/** Independent comparisons, a few at a time (each runs two processes). */
async function compareAll(argLists: string[][]): Promise<void> {
  for (let i = 0; i < argLists.length; i += 2) await Promise.all(argLists.slice(i, i + 2).map((args) => sameAsKubectl(cp, args)));
}

test('every resource type prints the same table as kubectl', async () => {
  await compareAll(['pods', 'deployments', 'services', 'nodes', 'namespaces', 'configmaps', 'secrets', 'events', 'leases', 'replicasets', 'endpoints']
    .map((type) => ['get', type]));
  // Short names, singular and kind spellings, all types in one command.
  await compareAll([['get', 'po,deploy,rs,svc,ep,no,ns,cm,secret,ev,lease'], ['get', 'Deployment,deployment.apps,pod,configmap']]);
});

test('-o wide, -A, --show-labels, -L, -l, --field-selector, --sort-by, --no-headers', async () => {
  await compareAll([
    ['get', 'pods', '-o', 'wide'],
    ['get', 'no,deploy,rs,svc,ev', '-o', 'wide'],
    ['get', 'pods', '-A'],
    ['get', 'pods,svc', '--all-namespaces', '-o', 'wide'],
    ['get', 'nodes', '-A'],
    ['get', 'pods', '--show-labels'],
    ['get', 'pods', '-A', '--show-labels', '-L', 'app,tier'],
    ['get', 'pods', '-l', 'app=api'],
    ['get', 'pods', '-l', 'app in (api,worker)', '-A'],
    ['get', 'pods', '--field-selector', 'spec.nodeName=node-1', '-o', 'wide'],
    ['get', 'pods', '-A', '--sort-by', '.metadata.name'],
    ['get', 'rs', '--sort-by={.spec.replicas}'],
    ['get', 'pods', '--no-headers'],
    ['get', 'deploy', '--show-kind'],
    ['get', 'deployment', 'api', '--subresource=status'],
    ['get', 'deployment', 'api', '--subresource', 'scale'],
    ['get', 'deployment', 'api', '--subresource=scale', '-o', 'json'],
  ]);
});

test('several types: one table each, blank line between, names prefixed with their type', async () => {
  const out = await sameAsKubectl(cp, ['get', 'po,svc']);
  assert.match(out.stdout, /^NAME +READY .*\npod\/api-5d4f8-x1 .*\n[^]*\n\nNAME +TYPE .*\nservice\/kubernetes /);
  await sameAsKubectl(cp, ['get', 'deploy,rs,cm', '-o', 'wide']);
  await sameAsKubectl(cp, ['get', 'pod/api-5d4f8-x1', 'svc/np', 'pod/api-5d4f8-x2']);
  await sameAsKubectl(cp, ['get', 'pods', 'api-5d4f8-x1', 'api-5d4f8-x2']);
  await sameAsKubectl(cp, ['get', 'pods,deploy', 'api']);
  // Types with nothing to show print nothing (and no blank line).
  await sameAsKubectl(cp, ['get', 'po,svc,ev', '-n', 'team-a']);
  const all = await sameAsKubectl(cp, ['get', 'all']);
  assert.match(all.stdout, /deployment\.apps\/api /);
  await sameAsKubectl(cp, ['get', 'all', '-A']);
});

test('-o name, -o jsonpath, -o json and yaml, custom columns', async () => {
  await compareAll([
    ['get', 'pods', '-o', 'name'],
    ['get', 'all', '-o', 'name'],
    ['get', 'deploy/api', 'svc/np', '-o', 'name'],
    ['get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}'],
    ['get', 'pods', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}'],
    ['get', 'pod', 'api-5d4f8-x1', '-o', 'jsonpath={.status.containerStatuses[?(@.name=="main")].restartCount}'],
    ['get', 'nodes', '-o', 'jsonpath={.items[0].status.addresses[?(@.type=="InternalIP")].address}'],
    ['get', 'deploy', 'api', '-o', 'jsonpath={.spec.template.spec.containers[0]}'],
    ['get', 'pods', '-o', 'jsonpath-as-json={.items[*].metadata.name}'],
    ['get', 'deploy', 'api', '-o', 'json'],
    ['get', 'cm,secret', '-o', 'yaml'],
    ['get', 'pods', '-o', 'custom-columns=NAME:.metadata.name,IMAGES:.spec.containers[*].image,IP:.status.podIP'],
    ['get', 'pods', '--sort-by', '.metadata.name', '-o', 'name'],
  ]);
});

test('errors: NotFound after what was found, unknown types, usage', async () => {
  const r = await sameAsKubectl(cp, ['get', 'pods', 'api-5d4f8-x1', 'nope']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'Error from server (NotFound): pods "nope" not found\n');
  assert.match(r.stdout, /^NAME .*\napi-5d4f8-x1 /);
  await sameAsKubectl(cp, ['get', 'pod', 'nope']);
  await sameAsKubectl(cp, ['get', 'pod', 'nope', '-o', 'json']);
  await sameAsKubectl(cp, ['get', 'deploy', 'nope', '--ignore-not-found']);
  const unknown = await sameAsKubectl(cp, ['get', 'foo']);
  assert.equal(unknown.stderr, 'error: the server doesn\'t have a resource type "foo"\n');
  await sameAsKubectl(cp, ['get', 'pods', 'web', 'svc/x']);
  await sameAsKubectl(cp, ['get', 'pods', 'x', '-l', 'app=api']);
  await sameAsKubectl(cp, ['get', 'pods', 'x', '-A']);
  await sameAsKubectl(cp, ['get', 'pods', '-o', 'jsonpath={.items[}']);
  await sameAsKubectl(cp, ['get', 'pods', '-o', 'bogus']);
  const none = await sameAsKubectl(cp, ['get', 'deploy', '-n', 'team-a']);
  assert.equal(none.stderr, 'No resources found in team-a namespace.\n');
  await sameAsKubectl(cp, ['get', 'pods', '-A', '-l', 'nothing=here']);
  await sameAsKubectl(cp, ['get', 'nodes', '-l', 'nothing=here']);
  const usage = await tskubectlRun(cp, ['get']);
  assert.equal(usage.code, 1);
  assert.match(usage.stderr, /^You must specify the type of resource to get\. Use "tskubectl api-resources" for a complete list of supported resources\.\n\nerror: Required resource not specified\.\n/);
});

/** A long-running CLI (get -w) whose stdout is collected as it arrives. */
function startWatch(cmd: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; out: () => string } {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  return { child, out: () => out };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

test('get -w prints the current rows, then a row per change, as kubectl does', async () => {
  const env = kubectlEnv(cp);
  const args = ['get', 'pods', '-w', '-n', 'team-a'];
  const ours = startWatch(process.execPath, [...componentCommand('kubectl'), ...args], env);
  const theirs = startWatch('kubectl', args, env);
  try {
    // The watches start at the listed resourceVersion, so changes made before they are
    // open still arrive; only the --watch-only one must have seen nothing yet.
    await waitFor(() => ours.out().includes('worker') && theirs.out().includes('worker'), { what: 'the initial rows', timeoutMs: 15_000 });
    const pods = clientFor(rest, 'pods');
    await pods.create('team-a', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'late-arrival-with-a-long-name' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } as KubeObject);
    await pods.patch('team-a', 'worker', 'merge', { status: { phase: 'Failed', reason: 'Evicted' } }, { subresource: 'status' });
    await waitFor(() => ours.out().includes('Evicted') && theirs.out().includes('Evicted'),
      { what: 'the changes to show as new rows', timeoutMs: 15_000 });
  } finally {
    await Promise.all([stop(ours.child), stop(theirs.child)]);
  }
  const lines = ours.out().trimEnd().split('\n');
  assert.match(lines[0]!, /^NAME +READY +STATUS +RESTARTS +AGE$/);
  assert.match(lines[1]!, /^worker +0\/1 +Pending +0 +\S+$/);
  assert.match(lines[2]!, /^late-arrival-with-a-long-name +0\/1 +Pending +0 +\S+$/);
  assert.match(lines[3]!, /^worker +0\/1 +Evicted +0 +\S+$/);
  assert.equal(lines.length, 4);
  // The header is printed once and the rows stay aligned with it, exactly as kubectl.
  assert.equal(normalizeAges(ours.out()), normalizeAges(theirs.out()));
});

test('get --watch-only prints changes only, with the header before the first', async () => {
  const ours = startWatch(process.execPath, [...componentCommand('kubectl'), 'get', 'configmaps', '--watch-only', '-l', 'app=api'], kubectlEnv(cp));
  const cms = clientFor(rest, 'configmaps');
  try {
    let n = 0;
    await waitFor(async () => {
      await cms.patch('default', 'cfg', 'merge', { metadata: { annotations: { touched: String(n++) } } });
      return ours.out().includes('cfg');
    }, { what: 'a change', timeoutMs: 15_000, intervalMs: 200 });
  } finally {
    await stop(ours.child);
  }
  const lines = ours.out().trimEnd().split('\n');
  assert.match(lines[0]!, /^NAME +DATA +AGE$/);
  for (const line of lines.slice(1)) assert.match(line, /^cfg +\d+ +\S+$/);
});

test('get -w on one object skips the replayed ADDED event; several types cannot be watched', async () => {
  const env = kubectlEnv(cp);
  const ours = startWatch(process.execPath, [...componentCommand('kubectl'), 'get', 'cm', 'cfg', '-w'], env);
  const cms = clientFor(rest, 'configmaps');
  try {
    await waitFor(() => ours.out().includes('cfg'), { what: 'the object', timeoutMs: 15_000 });
    // A watch of one object starts at "now" (resourceVersion 0): change it until a
    // change arrives after the watch opened.
    let n = 0;
    await waitFor(async () => {
      await cms.patch('default', 'cfg', 'merge', { data: { [`k${n++}`]: 'v' } });
      return ours.out().split('\n').length > 3;
    }, { what: 'a change as a new row', timeoutMs: 15_000, intervalMs: 200 });
  } finally {
    await stop(ours.child);
  }
  const lines = ours.out().trimEnd().split('\n');
  assert.match(lines[0]!, /^NAME +DATA +AGE$/);
  assert.match(lines[1]!, /^cfg +2 +\S+$/, 'the current object, once');
  for (const line of lines.slice(2)) assert.match(line, /^cfg +[3-9]\d* +\S+$/, 'then only changes');
  await sameAsKubectl(cp, ['get', 'po,svc', '-w']);
  await sameAsKubectl(cp, ['get', 'pods', 'api-5d4f8-x1', 'api-5d4f8-x2', '-w']);
});

test('get -w --output-watch-events: an EVENT column (and {type, object} for -o json), as kubectl', async () => {
  const env = kubectlEnv(cp);
  const cms = clientFor(rest, 'configmaps');
  await cms.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ev-cm', labels: { ev: '1' } }, data: { a: '1' } } as KubeObject);
  const args = ['get', 'cm', '-l', 'ev=1', '-w', '--output-watch-events'];
  const jsonArgs = [...args, '-o', 'json'];
  const watches = [args, jsonArgs].flatMap((a) => [
    startWatch(process.execPath, [...componentCommand('kubectl'), ...a], env),
    startWatch('kubectl', a, env),
  ]);
  try {
    await waitFor(() => watches.every((w) => w.out().includes('ev-cm')), { what: 'the initial events', timeoutMs: 15_000 });
    await cms.patch('default', 'ev-cm', 'merge', { data: { a: '2' } });
    await cms.delete('default', 'ev-cm');
    await waitFor(() => watches.every((w) => /DELETED/.test(w.out())), { what: 'the deletion', timeoutMs: 15_000 });
  } finally {
    await Promise.all(watches.map((w) => stop(w.child)));
  }
  const [ours, theirs, oursJson, theirsJson] = watches.map((w) => w.out());
  assert.match(ours!, /^EVENT +NAME +DATA +AGE\nADDED +ev-cm +1 +\S+\nMODIFIED +ev-cm +1 +\S+\nDELETED +ev-cm +1 +\S+\n$/);
  assert.equal(normalizeAges(ours!), normalizeAges(theirs!));
  // One compact WatchEvent per line, managedFields kept: the same bytes as kubectl's.
  assert.equal(oursJson, theirsJson);
  const events = (text: string) => text.trimEnd().split('\n').map((t) => JSON.parse(t) as { type: string; object: KubeObject }).map((e) => [e.type, Object.keys(e)]);
  assert.deepEqual(events(oursJson!), [['ADDED', ['type', 'object']], ['MODIFIED', ['type', 'object']], ['DELETED', ['type', 'object']]]);
  assert.deepEqual(events(oursJson!).map((e) => e[0]), ['ADDED', 'MODIFIED', 'DELETED']);
});
