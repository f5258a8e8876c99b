// `top` against an apiserver that does not serve the Metrics API
// (--runtime-config metrics.k8s.io/v1beta1=false): the real kubectl and ours say so
// the same way. (With metrics: test/kubelet/top-e2e.test.ts.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { kubectlRun } from '../harness/kubectl.js';
import { tskubectlRun } from '../harness/tskubectl.js';

describe('top without the Metrics API', { timeout: 60_000 }, () => {
  let cp: ControlPlane;
  before(async () => { cp = await startControlPlane({ args: ['--runtime-config', 'metrics.k8s.io/v1beta1=false'] }); });
  after(async () => { await cp?.stop(); });

  it('is not in discovery and not served', async () => {
    const groups = (await http(cp.url, 'GET', '/apis')).json as { groups: { name: string }[] };
    assert.ok(!groups.groups.some((g) => g.name === 'metrics.k8s.io'));
    assert.equal((await http(cp.url, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes')).status, 404);
  });

  it('kubectl top and ours: error: Metrics API not available', async () => {
    for (const args of [['top', 'pods'], ['top', 'nodes'], ['top', 'pod', 'x', '-n', 'kube-system']]) {
      const theirs = await kubectlRun(cp, args);
      assert.equal(theirs.stderr, 'error: Metrics API not available\n', args.join(' '));
      assert.equal(theirs.code, 1);
      const ours = await tskubectlRun(cp, args);
      assert.equal(ours.stderr, theirs.stderr, args.join(' '));
      assert.equal(ours.code, 1);
    }
  });

  it('bad flags are refused before anything is asked, as kubectl refuses them', async () => {
    const theirs = await kubectlRun(cp, ['top', 'pods', '--sort-by', 'age']);
    const ours = await tskubectlRun(cp, ['top', 'pods', '--sort-by', 'age']);
    assert.equal(ours.stderr, theirs.stderr);
    assert.equal(ours.stderr, 'error: --sort-by accepts only cpu or memory\n');
  });
});
