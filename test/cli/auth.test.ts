// `auth can-i`, `auth whoami`, the --as/--as-group/--as-uid impersonation flags and -v
// request logging, compared with the real kubectl 1.32 against the same control plane:
// the admin, a user with one Role (client certificate) and impersonated users.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { certificate, kubeconfigFor } from '../harness/identity.js';
import { kubectl, kubectlRun, type KubectlTarget } from '../harness/kubectl.js';
import { tskubectlRun } from '../harness/tskubectl.js';

const unbrand = (s: string): string => s.replaceAll('tskubectl', 'kubectl');

/** Both CLIs, same arguments and identity: same stdout, stderr and exit code. */
async function same(target: KubectlTarget, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [ours, theirs] = await Promise.all([
    tskubectlRun(undefined, args, { env: { KUBECONFIG: target.kubeconfig, HOME: target.dir } }),
    kubectlRun(target, args),
  ]);
  const what = `tskubectl ${args.join(' ')}`;
  assert.equal(ours.stdout, theirs.stdout, `${what}: stdout`);
  assert.equal(unbrand(ours.stderr), theirs.stderr, `${what}: stderr`);
  assert.equal(ours.code, theirs.code, `${what}: exit code`);
  return ours;
}

describe('auth can-i and whoami', { timeout: 120_000 }, () => {
  let cp: ControlPlane;
  let alice: KubectlTarget;
  before(async () => {
    cp = await startControlPlane();
    alice = await kubeconfigFor(cp, 'alice.kubeconfig', await certificate(cp, 'alice', ['devs']));
    await kubectl(cp, 'create', 'namespace', 'team');
    await kubectl(cp, 'create', 'role', 'reader', '-n', 'team', '--verb=get,list,watch', '--resource=pods,deployments.apps', '--resource-name=web', '--resource-name=api');
    await kubectl(cp, 'create', 'role', 'logs', '-n', 'team', '--verb=get', '--resource=pods/log,configmaps');
    await kubectl(cp, 'create', 'rolebinding', 'alice-reader', '-n', 'team', '--role=reader', '--user=alice');
    await kubectl(cp, 'create', 'rolebinding', 'devs-logs', '-n', 'team', '--role=logs', '--group=devs');
    await kubectl(cp, 'create', 'clusterrole', 'impersonator', '--verb=impersonate', '--resource=users,groups');
    await kubectl(cp, 'create', 'clusterrolebinding', 'alice-impersonates', '--clusterrole=impersonator', '--user=alice');
  });
  after(async () => { await cp?.stop(); });

  it('yes and no, with exit codes 0 and 1, as each user', async () => {
    const yes = await same(cp, ['auth', 'can-i', 'create', 'pods', '--all-namespaces']);
    assert.equal(yes.stdout, 'yes\n');
    await same(alice, ['auth', 'can-i', 'get', 'pods/web', '-n', 'team']);
    const no = await same(alice, ['auth', 'can-i', 'get', 'pods/other', '-n', 'team']);
    assert.equal(no.code, 1);
    assert.match(no.stdout, /^no/);
    await same(alice, ['auth', 'can-i', 'list', 'deployments.apps', '-n', 'team']);
    await same(alice, ['auth', 'can-i', 'get', 'pods', '--subresource=log', '-n', 'team']);
    await same(alice, ['auth', 'can-i', 'get', 'cm', '-n', 'team']);
    await same(alice, ['auth', 'can-i', 'get', 'pods', '-q', '-n', 'team']);
    await same(alice, ['auth', 'can-i', 'get', '/api']);
    await same(alice, ['auth', 'can-i', 'get', '/logs/']);
    await same(alice, ['auth', 'can-i', '*', '*']);
  });

  it('kubectl\'s warnings and usage errors', async () => {
    const scope = await same(cp, ['auth', 'can-i', 'get', 'nodes']);
    assert.equal(scope.stderr, 'Warning: resource \'nodes\' is not namespace scoped\n\n');
    await same(cp, ['auth', 'can-i', 'get', 'clusterroles']);
    const unknown = await same(cp, ['auth', 'can-i', 'get', 'foos']);
    assert.equal(unknown.stderr, 'Warning: the server doesn\'t have a resource type \'foos\'\n\n');
    await same(cp, ['auth', 'can-i', 'get', 'foos.bar.example.com']);
    await same(cp, ['auth', 'can-i', 'frob', 'pods']);
    await same(cp, ['auth', 'can-i', 'frob', '/logs']);
    await same(cp, ['auth', 'can-i', 'get', 'nodes', '-A']);
    await same(cp, ['auth', 'can-i', 'impersonate', 'users']);
    await same(cp, ['auth', 'can-i', 'get']);
    await same(cp, ['auth', 'can-i', 'get', 'pods', 'extra']);
    await same(cp, ['auth', 'can-i', '--list', 'get']);
    await same(cp, ['auth', 'can-i', '--list', '-A']);
    await same(cp, ['auth', 'can-i', 'get', 'pods', '--no-headers']);
    await same(cp, ['auth', 'can-i', 'get', '/logs', '--subresource=x']);
  });

  it('--list prints the rules table as kubectl compacts and sorts it', async () => {
    const admin = await same(cp, ['auth', 'can-i', '--list']);
    assert.match(admin.stdout, /^Resources +Non-Resource URLs +Resource Names +Verbs\n\*\.\* +\[\] +\[\] +\[\*\]\n/);
    const list = await same(alice, ['auth', 'can-i', '--list', '-n', 'team']);
    assert.match(list.stdout, /\npods +\[\] +\[web\] +\[get list watch\]\n/);
    assert.match(list.stdout, /\npods\/log +\[\] +\[\] +\[get\]\n/);
    assert.match(list.stdout, /\ndeployments\.apps +\[\] +\[api\] +\[get list watch\]\n/);
    await same(alice, ['auth', 'can-i', '--list', '-n', 'team', '--no-headers']);
    await same(alice, ['auth', 'can-i', '--list']);
  });

  it('whoami: the table, -o json and -o yaml', async () => {
    const table = await same(alice, ['auth', 'whoami']);
    assert.equal(table.stdout, 'ATTRIBUTE   VALUE\nUsername    alice\nGroups      [devs system:authenticated]\n');
    // creationTimestamp is the moment of each request: compare without it.
    for (const o of ['json', 'yaml']) {
      const args = ['auth', 'whoami', '--as=bob', '--as-uid=u-1', '--as-group=g1', '--as-group=g2', '-o', o];
      const ours = await tskubectlRun(cp, args);
      const theirs = await kubectlRun(cp, args);
      const strip = (s: string): string => s.replace(/"?creationTimestamp"?: "[^"]*"/, 'creationTimestamp: X');
      assert.equal(strip(ours.stdout), strip(theirs.stdout), `whoami -o ${o}`);
      assert.equal(ours.code, 0);
    }
  });

  it('--as, --as-group and --as-uid impersonate (repeated groups stay apart), refused without the right', async () => {
    const bob = await same(cp, ['auth', 'whoami', '--as=bob', '--as-group=g1', '--as-group=g2']);
    assert.equal(bob.stdout, 'ATTRIBUTE   VALUE\nUsername    bob\nGroups      [g1 g2 system:authenticated]\n');
    await same(cp, ['auth', 'whoami', '--as=bob', '--as-uid=u1']);
    await same(cp, ['auth', 'can-i', 'get', 'pods', '--as=bob']);
    await same(cp, ['auth', 'can-i', '--list', '--as=bob']);
    await same(cp, ['auth', 'can-i', 'list', 'pods', '-n', 'team', '--as=system:serviceaccount:team:default']);
    // alice may impersonate; the impersonated user has alice's role only when it is alice.
    await same(alice, ['auth', 'can-i', 'get', 'pods/web', '-n', 'team', '--as=carol']);
    await same(alice, ['get', 'pods', '-n', 'team', '--as=alice', '--as-group=devs']);
    await same(cp, ['auth', 'whoami', '--as-group=x']);
    await same(cp, ['get', 'pods', '--as-uid=x']);
  });

  it('-v=6 logs each request as kubectl\'s klog lines; -v=7 and 8 headers and bodies; tokens masked', async () => {
    const klog = /^I\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ [\w.]+\.go:\d+\] /;
    const v6 = await tskubectlRun(cp, ['get', 'ns', 'team', '-v=6']);
    assert.equal(v6.code, 0);
    const lines = v6.stderr.trimEnd().split('\n');
    assert.ok(lines.every((l) => klog.test(l)), v6.stderr);
    assert.match(v6.stderr, /loader\.go:\d+\] Config loaded from file: {2}\S+kubeconfig\n/);
    assert.match(v6.stderr, /round_trippers\.go:\d+\] GET https:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/team 200 OK in \d+ milliseconds\n/);
    const theirs = await kubectlRun(cp, ['get', 'ns', 'team', '-v=6']);
    assert.match(theirs.stderr, /round_trippers\.go:\d+\] GET https:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/team 200 OK in \d+ milliseconds\n/);

    const v7 = await tskubectlRun(cp, ['get', 'ns', 'team', '--v', '7', '--token', 'sekret-token-123', '--as=bob']);
    assert.doesNotMatch(v7.stderr, /sekret-token-123/);
    assert.match(v7.stderr, /\] {5}Authorization: Bearer <masked>\n/);
    assert.match(v7.stderr, /\] {5}Impersonate-User: bob\n/);
    assert.match(v7.stderr, /\] GET https:\/\/\S+\/api\/v1\/namespaces\/team\n/);
    assert.match(v7.stderr, /\] Response Status: \d{3} [A-Z][\w ]+ in \d+ milliseconds\n/);

    const v8 = await tskubectlRun(cp, ['get', 'ns', 'team', '-v8', '-o', 'name']);
    assert.equal(v8.stdout, 'namespace/team\n');
    assert.match(v8.stderr, /\] Response Headers:\n/);
    assert.match(v8.stderr, /\] {5}Content-Type: application\/json/);
    assert.match(v8.stderr, /\] "Response Body" body="\{\\"kind\\":\\"Namespace\\"/);
    const quiet = await tskubectlRun(cp, ['get', 'ns', 'team', '-o', 'name']);
    assert.equal(quiet.stderr, '');
  });
});
