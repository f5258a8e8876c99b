// Pure parts of `rollout`: the status line for a Deployment, its revision history from
// ReplicaSets, which ReplicaSet an undo goes back to and the patch it sends; plus the
// Go duration parser behind --timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, DeploymentStatus, ReplicaSet } from '../../api/types/apps.js';
import type { PodTemplateSpec } from '../../api/types/core.js';
import { deploymentRolloutStatus } from '../../kubectl/rollout-status.js';
import {
  allReplicaSets, deploymentReplicaSets, equalIgnoreHash, historyTable, revisionTemplates, rollbackPatch, rollbackTarget,
} from '../../kubectl/deployment-history.js';
import { parseGoDuration } from '../../api/duration.js';
import { describePodTemplateText } from '../../kubectl/pod-template-text.js';
import { rfc3339 } from '../../kubectl/commands/rollout.js';

const template = (image: string, hash?: string): PodTemplateSpec => ({
  metadata: { labels: { app: 'web', ...(hash ? { 'pod-template-hash': hash } : {}) } },
  spec: { containers: [{ name: 'main', image }] },
});

function deploy(status: DeploymentStatus, generation = 2, replicas: number | undefined = 3): Deployment {
  return {
    metadata: { name: 'web', uid: 'd-uid', generation, annotations: { 'deployment.kubernetes.io/revision': '2' } },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: template('nginx:2') },
    status,
  };
}

function rs(name: string, revision: string | undefined, image: string, opts: { owner?: string; created?: string; cause?: string } = {}): ReplicaSet {
  return {
    metadata: {
      name, creationTimestamp: opts.created ?? '2024-01-01T00:00:00Z',
      annotations: { ...(revision ? { 'deployment.kubernetes.io/revision': revision } : {}), ...(opts.cause ? { 'kubernetes.io/change-cause': opts.cause } : {}), 'deployment.kubernetes.io/desired-replicas': '3' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: opts.owner ?? 'd-uid', controller: true }],
    },
    spec: { selector: { matchLabels: { app: 'web' } }, template: template(image, name.slice(-3)) },
  };
}

test('status line: each stage of a rollout, in kubectl\'s words', () => {
  const cases: [DeploymentStatus, number, string, boolean][] = [
    [{ observedGeneration: 1 }, 2, 'Waiting for deployment spec update to be observed...\n', false],
    [{ observedGeneration: 2, replicas: 3, updatedReplicas: 1 }, 2, 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...\n', false],
    [{ observedGeneration: 2, replicas: 5, updatedReplicas: 3 }, 2, 'Waiting for deployment "web" rollout to finish: 2 old replicas are pending termination...\n', false],
    [{ observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 1 }, 2, 'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...\n', false],
    [{ observedGeneration: 3, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }, 2, 'deployment "web" successfully rolled out\n', true],
  ];
  for (const [status, generation, message, done] of cases) {
    assert.deepEqual(deploymentRolloutStatus(deploy(status, generation)), { message, done });
  }
  assert.throws(() => deploymentRolloutStatus(deploy({ observedGeneration: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] })),
    { message: 'deployment "web" exceeded its progress deadline' });
  // The deadline only counts once the spec is observed.
  assert.equal(deploymentRolloutStatus(deploy({ observedGeneration: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] })).done, false);
  assert.throws(() => deploymentRolloutStatus(deploy({ observedGeneration: 2 }), 5), { message: 'desired revision (5) is different from the running revision (2)' });
  assert.equal(deploymentRolloutStatus(deploy({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }), 2).done, true);
});

test('history: owned ReplicaSets by revision, the new one found by template, the table as kubectl pads it', () => {
  const d = deploy({});
  const list = [
    rs('web-bbb', '2', 'nginx:2', { created: '2024-01-02T00:00:00Z' }),
    rs('web-aaa', '1', 'nginx:1', { cause: 'first' }),
    rs('web-zzz', '9', 'nginx:9', { owner: 'someone-else' }),
  ];
  const split = deploymentReplicaSets(d, list);
  assert.equal(split.newRS?.metadata.name, 'web-bbb');
  assert.deepEqual(split.oldRSs.map((r) => r.metadata.name), ['web-aaa']);
  const history = revisionTemplates(allReplicaSets(split));
  assert.equal(historyTable(history), 'REVISION  CHANGE-CAUSE\n1         first\n2         <none>\n');
  assert.equal(historyTable(new Map()), 'No rollout history found.');
  const wide = new Map([[100000000000, template('x')]]);
  assert.equal(historyTable(wide), 'REVISION      CHANGE-CAUSE\n100000000000  <none>\n');
});

test('undo: the previous revision or the one asked for, and the JSON patch restoring it', () => {
  const d = deploy({});
  d.metadata.annotations = { ...d.metadata.annotations, 'kubectl.kubernetes.io/last-applied-configuration': '{}', team: 'x' };
  const rss = [rs('web-aaa', '1', 'nginx:1', { cause: 'first' }), rs('web-ccc', '3', 'nginx:3'), rs('web-bbb', '2', 'nginx:2')];
  assert.equal(rollbackTarget(d, rss, 0).metadata.name, 'web-bbb');
  assert.equal(rollbackTarget(d, rss, 1).metadata.name, 'web-aaa');
  assert.throws(() => rollbackTarget(d, rss, 7), { message: 'unable to find specified revision 7 in history' });
  assert.throws(() => rollbackTarget(d, [rss[0]!], 0), { message: 'no rollout history found for deployment "web"' });
  assert.deepEqual(rollbackPatch(d, rss[0]!), [
    { op: 'replace', path: '/spec/template', value: template('nginx:1') },
    {
      op: 'replace', path: '/metadata/annotations',
      value: {
        'kubectl.kubernetes.io/last-applied-configuration': '{}', 'deployment.kubernetes.io/revision': '2',
        'kubernetes.io/change-cause': 'first',
      },
    },
  ]);
});

test('templates are compared as Go structs are: the hash label, empty and zero values do not count', () => {
  assert.ok(equalIgnoreHash(template('a', 'h1'), template('a')));
  assert.ok(equalIgnoreHash(template('a'), { metadata: { labels: { app: 'web' }, annotations: {} }, spec: { containers: [{ name: 'main', image: 'a', resources: {}, args: [] }] } }));
  assert.ok(!equalIgnoreHash(template('a'), template('b')));
  assert.ok(!equalIgnoreHash(template('a'), { ...template('a'), metadata: { labels: { app: 'other' } } }));
});

test('--revision shows the pod template as kubectl\'s describer writes it', () => {
  const t: PodTemplateSpec = {
    metadata: { labels: { app: 'web', 'pod-template-hash': 'aaa' }, annotations: { 'kubernetes.io/change-cause': 'first' } },
    spec: {
      containers: [{
        name: 'main', image: 'nginx:1', ports: [{ containerPort: 80, protocol: 'TCP' }], command: ['sh', '-c'],
        env: [{ name: 'A', value: '1' }, { name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
        resources: { limits: { memory: '64Mi', cpu: '1' } }, volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
      }],
      volumes: [{ name: 'data', emptyDir: {} }],
      nodeSelector: { disk: 'ssd' },
      tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
    },
  };
  assert.equal(describePodTemplateText(t), [
    'Pod Template:',
    '  Labels:\tapp=web',
    '\tpod-template-hash=aaa',
    '  Annotations:\tkubernetes.io/change-cause: first',
    '  Containers:',
    '   main:',
    '    Image:\tnginx:1',
    '    Port:\t80/TCP',
    '    Host Port:\t0/TCP',
    '    Command:',
    '      sh',
    '      -c',
    '    Limits:',
    '      cpu:\t1',
    '      memory:\t64Mi',
    '    Environment:',
    '      A:\t1',
    "      S:\t<set to the key 'k' in secret 's'>\tOptional: false",
    '    Mounts:',
    '      /data from data (ro)',
    '  Volumes:',
    '   data:',
    '    Type:\tEmptyDir (a temporary directory that shares a pod\'s lifetime)',
    '    Medium:\t',
    '    SizeLimit:\t<unset>',
    '  Node-Selectors:\tdisk=ssd',
    '  Tolerations:\tk:NoSchedule op=Exists',
    '',
  ].join('\n'));
});

test('Go durations and RFC 3339 times as kubectl reads and writes them', () => {
  assert.equal(parseGoDuration('30s'), 30_000);
  assert.equal(parseGoDuration('1m30s'), 90_000);
  assert.equal(parseGoDuration('1.5h'), 5_400_000);
  assert.equal(parseGoDuration('250ms'), 250);
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('-1s'), -1000);
  assert.throws(() => parseGoDuration('5'), { message: 'time: missing unit in duration "5"' });
  assert.throws(() => parseGoDuration('5y'), { message: 'time: unknown unit "y" in duration "5y"' });
  assert.throws(() => parseGoDuration(''), { message: 'time: invalid duration ""' });
  assert.match(rfc3339(new Date('2024-05-01T12:00:00.123Z')), /^2024-05-01T\d\d:\d\d:00(Z|[+-]\d\d:\d\d)$/);
});
