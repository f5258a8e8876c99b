// `cluster-info dump` against a control plane without kubelets: the same lists in the
// same order as the real kubectl's, the same --output-directory layout, and the pod log
// requests failing with the same line (no node runs the pod).
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { kubectl, kubectlRun } from '../harness/kubectl.js';
import { tskubectlRun } from '../harness/tskubectl.js';

async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

describe('cluster-info dump', { timeout: 120_000 }, () => {
  let cp: ControlPlane;
  let out: string;
  before(async () => {
    cp = await startControlPlane();
    await kubectl(cp, 'create', 'deployment', 'web', '--image=tskube.local/busybox:1.35');
    await kubectl(cp, 'run', 'p1', '--image=tskube.local/busybox:1.35');
    out = await mkdtemp(join(tmpdir(), 'dump-'));
  });
  after(async () => {
    await cp?.stop();
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('to stdout: the lists kubectl prints, in its order, and the log errors', async () => {
    const [ours, theirs] = await Promise.all([tskubectlRun(cp, ['cluster-info', 'dump']), kubectlRun(cp, ['cluster-info', 'dump'])]);
    assert.equal(ours.code, 0, ours.stderr);
    const kinds = (s: string): string[] => [...s.matchAll(/^ {4}"kind": "(\w+List)"/gm)].map((m) => m[1]!);
    assert.deepEqual(kinds(ours.stdout), kinds(theirs.stdout));
    assert.equal(kinds(ours.stdout).length, 15, 'nodes, then 7 lists for kube-system and for default');
    const logs = (s: string): string => s.slice(s.indexOf('==== START'));
    assert.equal(logs(ours.stdout), logs(theirs.stdout));
    assert.match(ours.stdout, /==== START logs for container p1 of pod default\/p1 ====\nRequest log error: the server rejected our request for an unknown reason \(get pods p1\)\n==== END/);
    assert.match(ours.stdout, /"name": "web"/);
    assert.doesNotMatch(ours.stdout, /managedFields/);
  });

  it('--output-directory: kubectl\'s files; -A and --namespaces; -o yaml', async () => {
    const [ours, theirs] = [join(out, 'ours'), join(out, 'theirs')];
    const r = await tskubectlRun(cp, ['cluster-info', 'dump', '--output-directory', ours]);
    assert.equal(r.stdout, `Cluster info dumped to ${ours}\n`);
    await kubectlRun(cp, ['cluster-info', 'dump', '--output-directory', theirs]);
    assert.deepEqual(await tree(ours), await tree(theirs));
    assert.equal(await readFile(join(ours, 'default/p1/logs.txt'), 'utf8'), await readFile(join(theirs, 'default/p1/logs.txt'), 'utf8'));
    const all = join(out, 'all');
    await tskubectlRun(cp, ['cluster-info', 'dump', '-A', '--output-directory', all, '-o', 'yaml']);
    const allTheirs = join(out, 'all-theirs');
    await kubectlRun(cp, ['cluster-info', 'dump', '-A', '--output-directory', allTheirs, '-o', 'yaml']);
    assert.deepEqual(await tree(all), await tree(allTheirs));
    assert.match(await readFile(join(all, 'kube-public/services.yaml'), 'utf8'), /^apiVersion: v1\nitems: \[\]\nkind: ServiceList\n/);
    const some = await tskubectlRun(cp, ['cluster-info', 'dump', '--namespaces', 'kube-public,default']);
    assert.equal([...some.stdout.matchAll(/"kind": "EventList"/g)].length, 2);
  });
});
