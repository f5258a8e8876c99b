// KubeSchedulerConfiguration files as kube-scheduler reads them: defaults, profiles,
// strict decoding and validation errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSchedulerConfiguration } from '../../scheduler/component-config.js';
import { buildFramework } from '../../scheduler/config.js';

const HEAD = 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n';

describe('KubeSchedulerConfiguration', () => {
  it('defaults as v1 does: one default-scheduler profile, 1 s / 10 s backoff, leader election on kube-system/kube-scheduler', () => {
    const c = loadSchedulerConfiguration(HEAD);
    assert.deepEqual(c.profiles, [{ schedulerName: 'default-scheduler', percentageOfNodesToScore: undefined }]);
    assert.equal(c.podInitialBackoffSeconds, 1);
    assert.equal(c.podMaxBackoffSeconds, 10);
    assert.equal(c.parallelism, 16);
    assert.deepEqual(c.leaderElection, {
      leaderElect: true, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000,
      resourceLock: 'leases', resourceName: 'kube-scheduler', resourceNamespace: 'kube-system',
    });
  });

  it('reads profiles with plugins per extension point, and a top-level percentage as the profiles\' default', () => {
    const c = loadSchedulerConfiguration(`${HEAD}percentageOfNodesToScore: 30
podInitialBackoffSeconds: 2
podMaxBackoffSeconds: 20
leaderElection:
  leaderElect: false
profiles:
- schedulerName: default-scheduler
- schedulerName: no-scoring-scheduler
  percentageOfNodesToScore: 100
  plugins:
    preScore:
      disabled:
      - name: '*'
    score:
      disabled:
      - name: '*'
      enabled:
      - name: NodeResourcesBalancedAllocation
        weight: 7
    multiPoint:
      disabled:
      - name: ImageLocality
`);
    assert.equal(c.leaderElection.leaderElect, false);
    assert.equal(c.podMaxBackoffSeconds, 20);
    assert.deepEqual(c.profiles.map((p) => [p.schedulerName, p.percentageOfNodesToScore]), [['default-scheduler', 30], ['no-scoring-scheduler', 100]]);
    const fw = buildFramework(c.profiles[1]);
    assert.deepEqual(fw.score.map((s) => [s.plugin.name, s.weight]), [['NodeResourcesBalancedAllocation', 7]]);
    assert.deepEqual(fw.preScore, []);
    assert.equal(fw.percentageOfNodesToScore, 100);
  });

  it('refuses other versions, unknown fields and invalid values with kube-scheduler\'s wording', () => {
    assert.throws(() => loadSchedulerConfiguration('apiVersion: kubescheduler.config.k8s.io/v1beta3\nkind: KubeSchedulerConfiguration\n'),
      /no kind "KubeSchedulerConfiguration" is registered for version "kubescheduler.config.k8s.io\/v1beta3"/);
    assert.throws(() => loadSchedulerConfiguration(`${HEAD}profile:\n- schedulerName: x\n`), /strict decoding error: unknown field "profile"/);
    assert.throws(() => loadSchedulerConfiguration(`${HEAD}profiles:\n- schedulerName: x\n  plugins:\n    filters: {}\n`),
      /unknown field "profiles\[0\]\.plugins\.filters"/);
    assert.throws(() => loadSchedulerConfiguration(`${HEAD}profiles:\n- schedulerName: a\n- schedulerName: a\n`), /profiles\[1\]\.schedulerName: Duplicate value: "a"/);
    assert.throws(() => loadSchedulerConfiguration(`${HEAD}podInitialBackoffSeconds: 5\npodMaxBackoffSeconds: 2\n`),
      /podMaxBackoffSeconds: Invalid value: 2: must be greater than or equal to PodInitialBackoffSeconds/);
    assert.throws(() => loadSchedulerConfiguration(`${HEAD}percentageOfNodesToScore: 120\n`), /percentageOfNodesToScore: Invalid value: 120: not in valid range \[0-100\]/);
    assert.throws(() => loadSchedulerConfiguration(`${HEAD}profiles:\n- schedulerName: a\n- schedulerName: b\n  plugins:\n    queueSort:\n      disabled:\n      - name: '*'\n`),
      /queueSort must be the same for all profiles/);
    assert.throws(() => loadSchedulerConfiguration(`${HEAD}leaderElection:\n  leaseDuration: 5s\n  renewDeadline: 10s\n`), /LeaseDuration must be greater than RenewDeadline/);
    assert.throws(() => loadSchedulerConfiguration(`${HEAD}profiles:\n- plugins:\n    score:\n      enabled:\n      - weight: 2\n`), /profiles\[0\]\.plugins\.score\.enabled\[0\]\.name: Required value/);
    assert.throws(() => loadSchedulerConfiguration('{'), /couldn't decode as KubeSchedulerConfiguration/);
    assert.throws(() => loadSchedulerConfiguration(`${HEAD}parallelism: "many"\n`), /parallelism: Invalid value: "many": must be an integer/);
  });
});
