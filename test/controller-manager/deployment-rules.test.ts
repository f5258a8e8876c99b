// The Deployment controller's rules without I/O: the surge/unavailable arithmetic and
// the proportional split as table tests, the pod-template-hash against values computed
// by Kubernetes' own ComputeHash (go-spew + FNV-1a), the annotation and condition
// helpers, and reconcile decisions with filled caches, a client that records what it
// was asked, and a FakeClock (the progress deadline).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { pino } from 'pino';
import { alreadyExists, conflict } from '../../api/errors.js';
import { rfc3339 } from '../../api/helpers/time.js';
import type { Deployment, DeploymentStatus, ReplicaSet } from '../../api/types/apps.js';
import type { Pod, PodTemplateSpec } from '../../api/types/core.js';
import type { KubeObject } from '../../api/types/meta.js';
import { FakeClock } from '../../client/clock.js';
import type { Informer } from '../../client/informer.js';
import { DeploymentController } from '../../controller-manager/deployment/controller.js';
import { computeHash, safeEncodeString, templateRepr } from '../../controller-manager/deployment/hash.js';
import { fnv32a, goParseQuantity } from '../../controller-manager/go-spew.js';
import { oldPodsRunning } from '../../controller-manager/deployment/recreate.js';
import { calculateStatus, type DeploymentClient } from '../../controller-manager/deployment/sync.js';
import {
  DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, deploymentTimedOut,
  equalIgnoreHash, findActiveOrLatest, findNewReplicaSet, findOldReplicaSets, lastRevision, maxScaledDown, maxSurge,
  maxUnavailable, newRSNewReplicas, proportionalScale, replicaSetFraction, replicaSetProportion, resolveFenceposts,
  roundToInt32, scaledValueFromIntOrPercent, setDeploymentCondition, setNewReplicaSetAnnotations,
} from '../../controller-manager/deployment/util.js';
import { filledInformer } from '../harness/filled-informer.js';

const silent = pino({ level: 'silent' });
const T0 = Date.UTC(2026, 0, 1);

// ---------------------------------------------------------------- fixtures

const template = (image = 'nginx:1'): PodTemplateSpec => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image }] },
});

interface DOpts {
  replicas?: number;
  image?: string;
  strategy?: 'RollingUpdate' | 'Recreate';
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  paused?: boolean;
  progressDeadlineSeconds?: number;
  revisionHistoryLimit?: number;
  revision?: string;
  status?: DeploymentStatus;
}

function deployment(o: DOpts = {}): Deployment {
  const strategy = o.strategy ?? 'RollingUpdate';
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: {
      name: 'web', namespace: 'default', uid: 'd-uid', generation: 1, resourceVersion: '5', creationTimestamp: rfc3339(T0),
      ...(o.revision ? { annotations: { [REVISION_ANNOTATION]: o.revision } } : {}),
    },
    spec: {
      replicas: o.replicas ?? 4,
      selector: { matchLabels: { app: 'web' } },
      template: template(o.image),
      strategy: strategy === 'Recreate' ? { type: 'Recreate' }
        : { type: 'RollingUpdate', rollingUpdate: { maxSurge: o.maxSurge ?? '25%', maxUnavailable: o.maxUnavailable ?? '25%' } },
      revisionHistoryLimit: o.revisionHistoryLimit ?? 10,
      progressDeadlineSeconds: o.progressDeadlineSeconds ?? 600,
      ...(o.paused ? { paused: true } : {}),
    },
    ...(o.status ? { status: o.status } : {}),
  };
}

interface RSOpts {
  image?: string;
  replicas?: number;
  statusReplicas?: number;
  available?: number;
  revision?: number;
  desired?: number;
  max?: number;
  createdSec?: number;
  owner?: string | null;
  name?: string;
}

function replicaSet(o: RSOpts = {}): ReplicaSet {
  const t = template(o.image);
  const hash = computeHash(t);
  const replicas = o.replicas ?? 0;
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: {
      name: o.name ?? `web-${hash}`, namespace: 'default', uid: `rs-${o.name ?? hash}`, generation: 1, resourceVersion: '7',
      creationTimestamp: rfc3339(T0 + (o.createdSec ?? 0) * 1000),
      labels: { app: 'web', 'pod-template-hash': hash },
      annotations: {
        ...(o.revision !== undefined ? { [REVISION_ANNOTATION]: String(o.revision) } : {}),
        ...(o.desired !== undefined ? { [DESIRED_REPLICAS_ANNOTATION]: String(o.desired), [MAX_REPLICAS_ANNOTATION]: String(o.max) } : {}),
      },
      ...(o.owner === null ? {} : { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: o.owner ?? 'd-uid', controller: true, blockOwnerDeletion: true }] }),
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } },
      template: { ...t, metadata: { labels: { app: 'web', 'pod-template-hash': hash } } },
    },
    status: { replicas: o.statusReplicas ?? replicas, availableReplicas: o.available ?? replicas, readyReplicas: o.available ?? replicas, observedGeneration: 1 },
  };
}

const stop = new AbortController();
after(() => stop.abort());
const filled = <T extends KubeObject>(items: T[]): Promise<Informer<T>> => filledInformer(items, stop.signal);

/** Records every write as a line and answers as the apiserver would (new resourceVersion, uid on create). */
class RecordingClient implements DeploymentClient {
  readonly actions: string[] = [];
  readonly statuses: DeploymentStatus[] = [];
  readonly written: Record<string, ReplicaSet> = {};
  private rv = 100;
  constructor(private readonly taken = new Set<string>()) {}
  private stored<T extends KubeObject>(o: T): T {
    return { ...structuredClone(o), metadata: { ...structuredClone(o.metadata), resourceVersion: String(++this.rv) } };
  }
  async createReplicaSet(ns: string, rs: ReplicaSet): Promise<ReplicaSet> {
    this.actions.push(`create ${ns}/${rs.metadata.name} replicas=${rs.spec?.replicas}`);
    if (this.taken.has(rs.metadata.name as string)) throw alreadyExists({ group: 'apps', resource: 'replicasets' }, rs.metadata.name as string);
    const out = this.stored(rs);
    out.metadata.uid = `uid-${rs.metadata.name}`;
    out.metadata.creationTimestamp = rfc3339(T0 + 60_000);
    this.written[rs.metadata.name as string] = out;
    return out;
  }
  async updateReplicaSet(ns: string, rs: ReplicaSet): Promise<ReplicaSet> {
    this.actions.push(`update ${ns}/${rs.metadata.name} replicas=${rs.spec?.replicas}`);
    this.written[rs.metadata.name as string] = this.stored(rs);
    return this.written[rs.metadata.name as string];
  }
  async patchReplicaSet(ns: string, name: string, patch: unknown): Promise<ReplicaSet> {
    this.actions.push(`patch ${ns}/${name} ${JSON.stringify(patch)}`);
    return { metadata: { name, namespace: ns } };
  }
  async deleteReplicaSet(ns: string, name: string): Promise<void> {
    this.actions.push(`delete ${ns}/${name}`);
  }
  async getDeployment(ns: string, name: string): Promise<Deployment> {
    this.actions.push(`get deployment ${ns}/${name}`);
    return deployment();
  }
  async updateDeployment(ns: string, d: Deployment): Promise<Deployment> {
    this.actions.push(`update deployment ${ns}/${d.metadata.name}`);
    return this.stored(d);
  }
  async updateDeploymentStatus(ns: string, d: Deployment): Promise<Deployment> {
    this.actions.push(`update-status ${ns}/${d.metadata.name}`);
    this.statuses.push(structuredClone(d.status ?? {}));
    return this.stored(d);
  }
  /** The RS writes only (creates, updates, patches, deletes). */
  rsActions(): string[] {
    return this.actions.filter((a) => !a.startsWith('update-status') && !a.startsWith('get'));
  }
}

interface Harness {
  dc: DeploymentController;
  client: RecordingClient;
  events: string[];
  clock: FakeClock;
}

async function harness(d: Deployment, rss: ReplicaSet[], o: { pods?: Pod[]; taken?: string[]; clock?: FakeClock } = {}): Promise<Harness> {
  const client = new RecordingClient(new Set(o.taken ?? []));
  const events: string[] = [];
  const clock = o.clock ?? new FakeClock(T0 + 60_000);
  const dc = new DeploymentController({
    deployments: await filled([d]), replicaSets: await filled(rss), pods: await filled(o.pods ?? []),
    client, recorder: { event: (_obj, type, reason, message) => events.push(`${type} ${reason} ${message}`) },
    clock, log: silent, workers: 1,
  });
  return { dc, client, events, clock };
}

const cond = (s: DeploymentStatus | undefined, type: string) => s?.conditions?.find((c) => c.type === type);
const lastStatus = (c: RecordingClient): DeploymentStatus => c.statuses[c.statuses.length - 1];

// ---------------------------------------------------------------- arithmetic

describe('surge and unavailable arithmetic', () => {
  test('scaledValueFromIntOrPercent rounds percentages up or down; ints stay', () => {
    const table: [number | string, number, boolean, number][] = [
      ['25%', 10, true, 3], ['25%', 10, false, 2], ['25%', 4, true, 1], ['25%', 4, false, 1], ['0%', 5, true, 0],
      ['100%', 3, false, 3], ['33%', 10, true, 4], ['33%', 10, false, 3], [2, 10, true, 2], [0, 10, false, 0],
    ];
    for (const [v, total, up, want] of table) assert.equal(scaledValueFromIntOrPercent(v, total, up), want, `${v} of ${total}`);
    assert.throws(() => scaledValueFromIntOrPercent('25', 10, true), /string is not a percentage/);
    assert.throws(() => scaledValueFromIntOrPercent('x%', 10, true), /invalid value "x%"/);
  });

  test('resolveFenceposts: surge up, unavailable down, both zero makes unavailable 1', () => {
    const table: [number | string, number | string, number, [number, number]][] = [
      ['25%', '25%', 10, [3, 2]], ['25%', '25%', 4, [1, 1]], ['25%', '25%', 1, [1, 0]], [0, '10%', 3, [0, 1]],
      [0, 0, 5, [0, 1]], [3, 2, 10, [3, 2]], ['100%', 0, 2, [2, 0]], ['25%', '25%', 0, [0, 1]],
    ];
    for (const [s, u, desired, want] of table) assert.deepEqual(resolveFenceposts(s, u, desired), want, `${s}/${u} of ${desired}`);
  });

  test('maxUnavailable is at most replicas and 0 for Recreate; maxSurge 0 for Recreate', () => {
    assert.equal(maxUnavailable(deployment({ replicas: 4 })), 1);
    assert.equal(maxUnavailable(deployment({ replicas: 2, maxUnavailable: 5 })), 2);
    assert.equal(maxUnavailable(deployment({ replicas: 0 })), 0);
    assert.equal(maxUnavailable(deployment({ strategy: 'Recreate' })), 0);
    assert.equal(maxSurge(deployment({ replicas: 10 })), 3);
    assert.equal(maxSurge(deployment({ strategy: 'Recreate' })), 0);
  });

  test('newRSNewReplicas grows the new ReplicaSet within replicas + maxSurge', () => {
    const d = deployment({ replicas: 10, maxSurge: 3, maxUnavailable: 2 });
    const rs = (replicas: number) => replicaSet({ replicas });
    const table: [number, number, number][] = [[10, 0, 3], [8, 5, 5], [0, 8, 10], [7, 3, 6], [13, 0, 0], [0, 10, 10]];
    for (const [old, cur, want] of table) {
      const newRS = rs(cur);
      assert.equal(newRSNewReplicas(d, [rs(old), newRS], newRS), want, `old ${old} new ${cur}`);
    }
    assert.equal(newRSNewReplicas(deployment({ strategy: 'Recreate', replicas: 3 }), [], rs(0)), 3);
  });

  test('maxScaledDown leaves out unavailable pods of the new ReplicaSet (the rolling.go example)', () => {
    const d = deployment({ replicas: 10, maxSurge: 3, maxUnavailable: 2 });
    const newRS = replicaSet({ replicas: 5, available: 0 });
    assert.equal(maxScaledDown(d, [replicaSet({ replicas: 8 }), newRS], newRS), 0);
    const rolledBack = replicaSet({ replicas: 5, available: 4 });
    assert.equal(maxScaledDown(d, [replicaSet({ replicas: 8 }), rolledBack], rolledBack), 4);
  });
});

describe('proportional scaling', () => {
  test('roundToInt32 rounds half away from zero', () => {
    for (const [a, want] of [[2.5, 3], [2.4, 2], [-2.5, -3], [-2.4, -2], [0, 0]] as const) assert.equal(roundToInt32(a), want);
  });

  test('replicaSetFraction and replicaSetProportion', () => {
    const d = deployment({ replicas: 20, maxSurge: '25%' });
    const rs = replicaSet({ replicas: 6, desired: 10, max: 12 });
    assert.equal(replicaSetFraction(rs, d), 7); // round(6 * 25 / 12) - 6
    assert.equal(replicaSetProportion(rs, d, 12, 0), 7);
    assert.equal(replicaSetProportion(rs, d, 12, 8), 4); // bounded by what is left to add
    assert.equal(replicaSetFraction(rs, deployment({ replicas: 0 })), -6);
    assert.equal(replicaSetProportion(replicaSet({ replicas: 0 }), d, 12, 0), 0);
  });

  test('proportionalScale spreads a scale over the active ReplicaSets by size', () => {
    const sizes = (r: ReturnType<typeof proportionalScale>) => r.sizes.map(({ rs, size }) => `${rs.metadata.name}=${size}`);
    const old = replicaSet({ name: 'old', replicas: 8, desired: 10, max: 13, createdSec: 0 });
    const cur = replicaSet({ name: 'new', replicas: 5, desired: 10, max: 13, createdSec: 10, image: 'nginx:2' });
    // The worked example of util.ts: 10 -> 20 with maxSurge 25%.
    let r = proportionalScale(deployment({ replicas: 20 }), [old, cur]);
    assert.equal(r.operation, 'up');
    assert.deepEqual(sizes(r), ['old=15', 'new=10']);
    // 10 -> 5 (allowed 5 + 2 = 7, remove 6): larger first, older first on ties.
    r = proportionalScale(deployment({ replicas: 5 }), [old, cur]);
    assert.equal(r.operation, 'down');
    assert.deepEqual(sizes(r), ['old=4', 'new=3']);
    // Scaling to zero empties everything.
    r = proportionalScale(deployment({ replicas: 0 }), [old, cur]);
    assert.deepEqual(sizes(r), ['old=0', 'new=0']);
    // Nothing to add: sizes unchanged.
    r = proportionalScale(deployment({ replicas: 10, maxSurge: 3 }), [old, cur]);
    assert.equal(r.operation, '');
    assert.deepEqual(sizes(r), ['old=8', 'new=5']);
    // Equal sizes scaling up: the newer first, and it gets the rounding leftover.
    const a = replicaSet({ name: 'a', replicas: 1, desired: 2, max: 3, createdSec: 0 });
    const b = replicaSet({ name: 'b', replicas: 1, desired: 2, max: 3, createdSec: 5, image: 'nginx:2' });
    r = proportionalScale(deployment({ replicas: 3, maxSurge: 1 }), [a, b]);
    assert.deepEqual(sizes(r), ['b=3', 'a=1']);
  });
});

// ---------------------------------------------------------------- hash

describe('pod-template-hash', () => {
  test('FNV-1a and SafeEncodeString as Go', () => {
    assert.equal(fnv32a(Buffer.from('')), 0x811c9dc5);
    assert.equal(fnv32a(Buffer.from('a')), 0xe40c292c);
    assert.equal(fnv32a(Buffer.from('foobar')), 0xbf9cf968);
    assert.equal(safeEncodeString('0123456789'), '456789bcdf');
  });

  // Expected values computed by Kubernetes' ComputeHash (k8s.io/api v0.32 types, go-spew,
  // hash/fnv) on the same templates after the apiserver's round trip.
  const nginx: PodTemplateSpec = {
    metadata: { creationTimestamp: null as unknown as string, labels: { app: 'nginx', tier: 'ü-x', 'a.b/c': '1' }, annotations: { z: '1', a: '2' } },
    spec: {
      restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', securityContext: {}, schedulerName: 'default-scheduler',
      containers: [{
        name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: {},
        terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent',
      }],
    },
  };
  const full = {
    metadata: { labels: { app: 'q' } },
    spec: {
      containers: [{
        name: 'c', image: 'i', args: [], command: ['sh', '-c', 'echo hi there'],
        resources: {
          limits: { cpu: '0.5', memory: '1Gi', 'ephemeral-storage': '1536Mi' },
          requests: { cpu: '100m', memory: '128974848', 'x/y': '129e6', a: '1.5', b: '3Mi', c: '1Ei', d: '12345678901234567890', e: '1000', f: '1e-3' },
        },
        env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'C', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } }],
        livenessProbe: { httpGet: { path: '/', port: 8080, scheme: 'HTTP' }, periodSeconds: 10 },
        readinessProbe: { tcpSocket: { port: 'http' } },
        securityContext: { capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] }, runAsUser: 0, privileged: false },
      }],
      initContainers: [{ name: 'init', image: 'busybox' }],
      volumes: [
        { name: 'v', emptyDir: { sizeLimit: '64Mi' } },
        { name: 'cm', configMap: { name: 'x', items: [{ key: 'k', path: 'p' }], defaultMode: 420 } },
        { name: 'e', ephemeral: { volumeClaimTemplate: { metadata: { labels: { x: 'y' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } } },
      ],
      affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['q'] }] }, topologyKey: 'kubernetes.io/hostname' } }] } },
      tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }],
      nodeSelector: { b: '2', a: '1', B: '3' },
      hostAliases: [{ ip: '1.2.3.4', hostnames: ['a', 'b'] }],
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'q' } } }],
      overhead: { cpu: '250m' },
      enableServiceLinks: true,
    },
  } as unknown as PodTemplateSpec;
  const simple = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } as PodTemplateSpec;

  test('ComputeHash equals Kubernetes\' for the same templates', () => {
    const table: [PodTemplateSpec, number | undefined, string][] = [
      [simple, undefined, '84b7fdd458'],
      [simple, 0, '77c78df8'],
      [simple, 7, 'cf479c765'],
      [nginx, undefined, '78c848845c'],
      [full, undefined, '69d9b79785'],
    ];
    for (const [t, cc, want] of table) assert.equal(computeHash(t, cc), want);
  });

  test('the Go value printed: nil pointers and slices, sorted maps, quantities', () => {
    const r = templateRepr(simple);
    assert.match(r, /^\(v1\.PodTemplateSpec\)\{ObjectMeta:\(v1\.ObjectMeta\)\{Name:\(string\) GenerateName:\(string\)/);
    assert.match(r, /CreationTimestamp:\(v1\.Time\)\{Time:\(time\.Time\)\{wall:\(uint64\)0 ext:\(int64\)0 loc:\(\*time\.Location\)<nil>\}\}/);
    assert.match(r, /Containers:\(\[\]v1\.Container\)\[\{Name:\(string\)c Image:\(string\)nginx Command:\(\[\]string\)<nil>/);
    assert.match(templateRepr(full), /NodeSelector:\(map\[string\]string\)map\[B:3 a:1 b:2\]/);
    assert.deepEqual(goParseQuantity('500m'), { value: 500n, scale: -3, s: '500m', format: 'DecimalSI' });
    assert.deepEqual(goParseQuantity('1Gi'), { value: 1073741824n, scale: 0, s: '1Gi', format: 'BinarySI' });
    assert.deepEqual(goParseQuantity('1536Mi'), { value: 1610612736n, scale: 0, s: '', format: 'BinarySI' });
    assert.deepEqual(goParseQuantity('1k'), { value: 1n, scale: 3, s: '1k', format: 'DecimalSI' });
    assert.deepEqual(goParseQuantity('1Ei'), { value: 0n, scale: 0, dec: { unscaled: (1n << 60n) * 1_000_000_000n, scale: 9 }, s: '', format: 'BinarySI' });
  });

  test('a changed template or collisionCount changes the hash', () => {
    assert.notEqual(computeHash(template('nginx:1')), computeHash(template('nginx:2')));
    assert.notEqual(computeHash(template(), 1), computeHash(template(), 2));
  });
});

// ---------------------------------------------------------------- helpers

describe('ReplicaSets, revisions and conditions', () => {
  test('equalIgnoreHash: the hash label, empty lists and quantity spellings do not count; {} vs absent does', () => {
    const a = template();
    const b = structuredClone(a);
    b.metadata = { labels: { app: 'web', 'pod-template-hash': 'abc' } };
    assert.ok(equalIgnoreHash(a, b));
    const c = structuredClone(a);
    (c.spec?.containers[0] as { args?: string[] }).args = [];
    assert.ok(equalIgnoreHash(a, c));
    const q1 = structuredClone(a);
    q1.spec!.containers[0].resources = { limits: { memory: '1Gi' } };
    const q2 = structuredClone(a);
    q2.spec!.containers[0].resources = { limits: { memory: '1073741824' } };
    assert.ok(equalIgnoreHash(q1, q2));
    const s = structuredClone(a);
    s.spec!.securityContext = {};
    assert.ok(!equalIgnoreHash(a, s));
    assert.ok(!equalIgnoreHash(template('nginx:1'), template('nginx:2')));
  });

  test('findNewReplicaSet is the oldest with the template; old ones are the rest, oldest first', () => {
    const d = deployment({ image: 'nginx:2' });
    const r1 = replicaSet({ name: 'r1', image: 'nginx:1', createdSec: 1 });
    const r2 = replicaSet({ name: 'r2', image: 'nginx:2', createdSec: 5, replicas: 2 });
    const r0 = replicaSet({ name: 'r0', image: 'nginx:3', createdSec: 0, replicas: 1 });
    assert.equal(findNewReplicaSet(d, [r1, r2, r0])?.metadata.name, 'r2');
    const [required, all] = findOldReplicaSets(d, [r1, r2, r0]);
    assert.deepEqual(all.map((r) => r.metadata.name), ['r0', 'r1']);
    assert.deepEqual(required.map((r) => r.metadata.name), ['r0']);
  });

  test('findActiveOrLatest', () => {
    const o1 = replicaSet({ name: 'o1', createdSec: 1 });
    const o2 = replicaSet({ name: 'o2', createdSec: 2 });
    const n = replicaSet({ name: 'n', createdSec: 3 });
    assert.equal(findActiveOrLatest(undefined, [o1, o2])?.metadata.name, 'o2');
    assert.equal(findActiveOrLatest(n, [o1, o2])?.metadata.name, 'n');
    assert.equal(findActiveOrLatest(n, [replicaSet({ name: 'a', replicas: 2 }), o2])?.metadata.name, 'a');
    assert.equal(findActiveOrLatest(replicaSet({ replicas: 1 }), [replicaSet({ name: 'a', replicas: 2 })]), undefined);
    assert.equal(findActiveOrLatest(undefined, []), undefined);
  });

  test('setNewReplicaSetAnnotations: the next revision; a reused ReplicaSet keeps its old one in revision-history', () => {
    const d = deployment({ replicas: 3 });
    d.metadata.annotations = { 'kubernetes.io/change-cause': 'v2', [REVISION_ANNOTATION]: '9' };
    const rs = replicaSet({ revision: 1 });
    rs.metadata.annotations![REVISION_HISTORY_ANNOTATION] = '0';
    assert.ok(setNewReplicaSetAnnotations(d, rs, '3', true, 2000));
    assert.equal(rs.metadata.annotations![REVISION_ANNOTATION], '3');
    assert.equal(rs.metadata.annotations![REVISION_HISTORY_ANNOTATION], '0,1');
    assert.equal(rs.metadata.annotations!['kubernetes.io/change-cause'], 'v2');
    assert.ok(!setNewReplicaSetAnnotations(d, rs, '3', true, 2000));
    const fresh = replicaSet();
    delete fresh.metadata.annotations;
    setNewReplicaSetAnnotations(d, fresh, '1', false, 2000);
    assert.deepEqual([fresh.metadata.annotations![REVISION_ANNOTATION], fresh.metadata.annotations![DESIRED_REPLICAS_ANNOTATION], fresh.metadata.annotations![MAX_REPLICAS_ANNOTATION]], ['1', '3', '4']);
    assert.equal(lastRevision([replicaSet({ revision: 3 }), replicaSet({ revision: 1 }), replicaSet({ revision: 2 })]), 2);
  });

  test('setDeploymentCondition keeps the transition time when only the reason changes; deploymentTimedOut', () => {
    const s: DeploymentStatus = {};
    setDeploymentCondition(s, { type: 'Progressing', status: 'True', reason: 'A', lastUpdateTime: 't1', lastTransitionTime: 't1' });
    setDeploymentCondition(s, { type: 'Progressing', status: 'True', reason: 'B', lastUpdateTime: 't2', lastTransitionTime: 't2' });
    assert.deepEqual(s.conditions, [{ type: 'Progressing', status: 'True', reason: 'B', lastUpdateTime: 't2', lastTransitionTime: 't1' }]);
    const d = deployment({ progressDeadlineSeconds: 3 });
    const st: DeploymentStatus = { conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: rfc3339(T0) }] };
    assert.ok(!deploymentTimedOut(d, st, T0 + 3000));
    assert.ok(deploymentTimedOut(d, st, T0 + 3001));
    st.conditions![0].reason = 'NewReplicaSetAvailable';
    assert.ok(!deploymentTimedOut(d, st, T0 + 10_000));
  });

  test('calculateStatus sums the ReplicaSets and sets Available', () => {
    const d = deployment({ replicas: 4 });
    const newRS = replicaSet({ replicas: 2, available: 1, image: 'nginx:2' });
    const s = calculateStatus([replicaSet({ replicas: 3, available: 3 }), newRS], newRS, d, T0);
    assert.deepEqual({ ...s, conditions: undefined }, {
      observedGeneration: 1, replicas: 5, updatedReplicas: 2, readyReplicas: 4, availableReplicas: 4, unavailableReplicas: 1, conditions: undefined,
    });
    assert.equal(cond(s, 'Available')?.reason, 'MinimumReplicasAvailable');
    const s2 = calculateStatus([newRS], newRS, d, T0);
    assert.equal(cond(s2, 'Available')?.status, 'False');
    assert.equal(cond(s2, 'Available')?.reason, 'MinimumReplicasUnavailable');
  });

  test('oldPodsRunning: old pods count until Succeeded or Failed', () => {
    const oldRS = replicaSet({ name: 'old', replicas: 0, statusReplicas: 0 });
    const pod = (phase: string): Pod => ({ metadata: { name: `p-${phase}` }, status: { phase } });
    assert.ok(!oldPodsRunning(undefined, [oldRS], new Map([[oldRS.metadata.uid as string, [pod('Succeeded'), pod('Failed')]]])));
    assert.ok(oldPodsRunning(undefined, [oldRS], new Map([[oldRS.metadata.uid as string, [pod('Unknown')]]])));
    assert.ok(oldPodsRunning(undefined, [replicaSet({ replicas: 0, statusReplicas: 1 })], new Map()));
  });
});

// ---------------------------------------------------------------- reconcile

describe('reconcile', () => {
  test('a new Deployment gets one ReplicaSet <name>-<hash> of all its replicas, revision 1', async () => {
    const d = deployment({ replicas: 4 });
    const h = await harness(d, []);
    await h.dc.reconcile('default/web');
    const hash = computeHash(d.spec!.template);
    assert.deepEqual(h.client.rsActions(), [`create default/web-${hash} replicas=4`]);
    const rs = h.client.written[`web-${hash}`];
    assert.deepEqual(rs.metadata.labels, { app: 'web', 'pod-template-hash': hash });
    assert.deepEqual(rs.spec?.selector, { matchLabels: { app: 'web', 'pod-template-hash': hash } });
    assert.deepEqual(rs.spec?.template?.metadata?.labels, { app: 'web', 'pod-template-hash': hash });
    assert.deepEqual(rs.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd-uid', controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(rs.metadata.annotations, { [REVISION_ANNOTATION]: '1', [DESIRED_REPLICAS_ANNOTATION]: '4', [MAX_REPLICAS_ANNOTATION]: '5' });
    assert.deepEqual(h.events, [`Normal ScalingReplicaSet Scaled up replica set web-${hash} from 0 to 4`]);
    const s = lastStatus(h.client);
    assert.equal(cond(s, 'Progressing')?.reason, 'NewReplicaSetCreated');
    assert.equal(cond(s, 'Progressing')?.message, `Created new replica set "web-${hash}"`);
    assert.equal(cond(s, 'Available')?.reason, 'MinimumReplicasUnavailable');
    assert.equal(s.observedGeneration, 1);
  });

  test('a template change starts a rolling update: new ReplicaSet at 1, old one down to 3', async () => {
    const d = deployment({ replicas: 4, image: 'nginx:2', revision: '1' });
    const old = replicaSet({ name: 'web-old', replicas: 4, revision: 1, desired: 4, max: 5 });
    const h = await harness(d, [old]);
    await h.dc.reconcile('default/web');
    const hash = computeHash(d.spec!.template);
    assert.deepEqual(h.client.rsActions(), [`create default/web-${hash} replicas=1`, 'update default/web-old replicas=3']);
    assert.equal(h.client.written[`web-${hash}`].metadata.annotations?.[REVISION_ANNOTATION], '2');
    assert.deepEqual(h.events, [
      `Normal ScalingReplicaSet Scaled up replica set web-${hash} from 0 to 1`,
      'Normal ScalingReplicaSet Scaled down replica set web-old from 4 to 3',
    ]);
  });

  test('old ReplicaSets wait while the new one has unavailable pods (no scale below maxUnavailable)', async () => {
    const d = deployment({ replicas: 4, image: 'nginx:2', revision: '2' });
    const old = replicaSet({ name: 'web-old', replicas: 3, revision: 1, desired: 4, max: 5 });
    const cur = replicaSet({ image: 'nginx:2', replicas: 2, available: 0, revision: 2, desired: 4, max: 5, createdSec: 30 });
    const h = await harness(d, [old, cur]);
    await h.dc.reconcile('default/web');
    assert.deepEqual(h.client.rsActions(), []);
    assert.deepEqual(h.events, []);
  });

  test('Recreate scales old ReplicaSets to 0 and creates the new one only once their pods are gone', async () => {
    const base = { strategy: 'Recreate' as const, replicas: 2, image: 'nginx:2', revision: '1' };
    let h = await harness(deployment(base), [replicaSet({ name: 'web-old', replicas: 2, revision: 1, desired: 2, max: 2 })]);
    await h.dc.reconcile('default/web');
    assert.deepEqual(h.client.rsActions(), ['update default/web-old replicas=0']);

    // Scaled to 0 but a pod of it still running: wait.
    const old0 = replicaSet({ name: 'web-old', replicas: 0, statusReplicas: 0, revision: 1, desired: 2, max: 2 });
    const running: Pod = {
      metadata: { name: 'p', namespace: 'default', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-old', uid: old0.metadata.uid as string, controller: true }] },
      status: { phase: 'Running' },
    };
    h = await harness(deployment(base), [old0], { pods: [running] });
    await h.dc.reconcile('default/web');
    assert.deepEqual(h.client.rsActions(), []);

    h = await harness(deployment(base), [old0]);
    await h.dc.reconcile('default/web');
    assert.deepEqual(h.client.rsActions(), [`create default/web-${computeHash(template('nginx:2'))} replicas=2`]);
  });

  test('kubectl rollout undo (the old template copied back) reuses the old ReplicaSet with the next revision', async () => {
    const d = deployment({ replicas: 3, image: 'nginx:1', revision: '2' });
    const a = replicaSet({ replicas: 0, revision: 1, desired: 3, max: 4, createdSec: 0 });
    const b = replicaSet({ image: 'nginx:2', replicas: 3, revision: 2, desired: 3, max: 4, createdSec: 30 });
    const h = await harness(d, [a, b]);
    await h.dc.reconcile('default/web');
    const aName = a.metadata.name as string;
    assert.ok(!h.client.actions.some((x) => x.startsWith('create')), h.client.actions.join('\n'));
    assert.deepEqual(h.client.rsActions(), [`update default/${aName} replicas=0`, `update default/${aName} replicas=1`]);
    assert.equal(h.client.written[aName].metadata.annotations?.[REVISION_ANNOTATION], '3');
    assert.equal(h.client.written[aName].metadata.annotations?.[REVISION_HISTORY_ANNOTATION], '1');
    assert.deepEqual(h.events, [`Normal ScalingReplicaSet Scaled up replica set ${aName} from 0 to 1`]);
  });

  test('the deprecated rollback annotation rolls the template back and is removed (DeploymentRollback)', async () => {
    const d = deployment({ replicas: 3, image: 'nginx:2', revision: '2' });
    d.metadata.annotations!['deprecated.deployment.rollback.to'] = '0';
    const a = replicaSet({ replicas: 0, revision: 1, createdSec: 0 });
    const b = replicaSet({ image: 'nginx:2', replicas: 3, revision: 2, desired: 3, max: 4, createdSec: 30 });
    const h = await harness(d, [a, b]);
    await h.dc.reconcile('default/web');
    assert.ok(h.client.actions.includes('update deployment default/web'));
    assert.deepEqual(h.events, ['Normal DeploymentRollback Rolled back deployment "web" to revision 1']);
  });

  test('a paused Deployment rolls nothing out and says so in Progressing', async () => {
    const d = deployment({ replicas: 4, image: 'nginx:2', revision: '1', paused: true });
    const h = await harness(d, [replicaSet({ name: 'web-old', replicas: 4, revision: 1, desired: 4, max: 5 })]);
    await h.dc.reconcile('default/web');
    assert.deepEqual(h.client.rsActions(), []);
    const p = cond(lastStatus(h.client), 'Progressing');
    assert.deepEqual([p?.status, p?.reason, p?.message], ['Unknown', 'DeploymentPaused', 'Deployment is paused']);

    const resumed = deployment({ replicas: 4, image: 'nginx:2', revision: '1', status: lastStatus(h.client) });
    const h2 = await harness(resumed, [replicaSet({ name: 'web-old', replicas: 4, revision: 1, desired: 4, max: 5 })]);
    await h2.dc.reconcile('default/web');
    assert.equal(h2.client.statuses[0].conditions?.find((c) => c.type === 'Progressing')?.reason, 'DeploymentResumed');
    assert.ok(h2.client.rsActions().some((a) => a.startsWith('create')));
  });

  test('scaling mid-rollout splits the new replicas in proportion (10 -> 20: old 8 -> 15, new 5 -> 10)', async () => {
    const d = deployment({ replicas: 20, image: 'nginx:2', revision: '2' });
    const old = replicaSet({ name: 'web-old', replicas: 8, revision: 1, desired: 10, max: 13 });
    const cur = replicaSet({ image: 'nginx:2', replicas: 5, available: 0, revision: 2, desired: 10, max: 13, createdSec: 30 });
    const h = await harness(d, [old, cur]);
    await h.dc.reconcile('default/web');
    assert.deepEqual(h.client.rsActions(), ['update default/web-old replicas=15', `update default/${cur.metadata.name} replicas=10`]);
    assert.equal(h.client.written['web-old'].metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION], '20');
    assert.equal(h.client.written['web-old'].metadata.annotations?.[MAX_REPLICAS_ANNOTATION], '25');
    assert.deepEqual(h.events, [
      'Normal ScalingReplicaSet Scaled up replica set web-old from 8 to 15',
      `Normal ScalingReplicaSet Scaled up replica set ${cur.metadata.name} from 5 to 10`,
    ]);
  });

  test('no progress for progressDeadlineSeconds: requeued at the deadline, then ProgressDeadlineExceeded', async () => {
    const clock = new FakeClock(T0 + 1000);
    const cur = replicaSet({ replicas: 2, available: 0, revision: 1, desired: 2, max: 3 });
    const status: DeploymentStatus = {
      observedGeneration: 1, replicas: 2, updatedReplicas: 2, unavailableReplicas: 2,
      conditions: [
        { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastUpdateTime: rfc3339(T0), lastTransitionTime: rfc3339(T0) },
        { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${cur.metadata.name}" is progressing.`, lastUpdateTime: rfc3339(T0), lastTransitionTime: rfc3339(T0) },
      ],
    };
    const d = deployment({ replicas: 2, revision: '1', progressDeadlineSeconds: 3, status });
    const h = await harness(d, [cur], { clock });
    // The handlers queued the key when the caches filled; take it.
    while (h.dc.queue.length) h.dc.queue.done((await h.dc.queue.get()) as string);
    await h.dc.reconcile('default/web');
    assert.deepEqual(h.client.actions, [], 'nothing changed yet');
    assert.equal(h.dc.queue.length, 0);
    // Due at T0 + 3 s, checked a second later (4 s from T0, 3 s from now).
    clock.step(2999);
    assert.equal(h.dc.queue.length, 0);
    clock.step(1);
    assert.equal(h.dc.queue.length, 1);
    await h.dc.reconcile('default/web');
    const p = cond(lastStatus(h.client), 'Progressing');
    assert.deepEqual([p?.status, p?.reason, p?.message], ['False', 'ProgressDeadlineExceeded', `ReplicaSet "${cur.metadata.name}" has timed out progressing.`]);
    assert.equal(p?.lastUpdateTime, rfc3339(T0 + 4000));
  });

  test('an orphan ReplicaSet the selector matches is adopted after a fresh read of the Deployment', async () => {
    const d = deployment({ replicas: 2, revision: '1' });
    const orphan = replicaSet({ replicas: 2, revision: 1, desired: 2, max: 3, owner: null });
    const h = await harness(d, [orphan]);
    await h.dc.reconcile('default/web');
    assert.equal(h.client.actions[0], 'get deployment default/web');
    assert.match(h.client.actions[1], new RegExp(`^patch default/${orphan.metadata.name} .*"uid":"d-uid","controller":true`));
    assert.ok(!h.client.actions.some((a) => a.startsWith('create')));
  });

  test('a ReplicaSet owned by another controller is left alone; one that stopped matching is released', async () => {
    const d = deployment({ replicas: 2, revision: '1' });
    const foreign = replicaSet({ name: 'foreign', replicas: 2, owner: 'other-uid' });
    const strayed = replicaSet({ name: 'strayed', replicas: 1 });
    strayed.metadata.labels = { app: 'other' };
    const h = await harness(d, [foreign, strayed]);
    await h.dc.reconcile('default/web');
    assert.match(h.client.actions.find((a) => a.startsWith('patch')) ?? '', /^patch default\/strayed .*"\$patch":"delete"/);
    assert.ok(!h.client.actions.some((a) => a.includes('foreign')));
  });

  test('revisionHistoryLimit: old ReplicaSets with no pods beyond the limit are deleted, oldest revision first', async () => {
    const cur = replicaSet({ image: 'nginx:4', replicas: 2, revision: 4, desired: 2, max: 3, createdSec: 40 });
    const d = deployment({
      replicas: 2, image: 'nginx:4', revision: '4', revisionHistoryLimit: 1,
      status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 },
    });
    const olds = [1, 2, 3].map((r) => replicaSet({ name: `r${r}`, image: `nginx:${r}`, revision: r, createdSec: r }));
    const h = await harness(d, [...olds, cur]);
    await h.dc.reconcile('default/web');
    assert.deepEqual(h.client.rsActions(), ['delete default/r1', 'delete default/r2']);
  });

  test('a hash collision with another ReplicaSet bumps collisionCount and retries', async () => {
    const d = deployment({ replicas: 2 });
    const name = `web-${computeHash(d.spec!.template)}`;
    const other = replicaSet({ name, image: 'something-else', owner: 'other-uid' });
    const h = await harness(d, [other], { taken: [name] });
    await assert.rejects(h.dc.reconcile('default/web'), /already exists/);
    assert.equal(lastStatus(h.client).collisionCount, 1);
  });

  test('a Deployment with an empty selector is not synced (SelectingAll)', async () => {
    const d = deployment();
    d.spec!.selector = {};
    const h = await harness(d, []);
    await h.dc.reconcile('default/web');
    assert.deepEqual(h.events, ['Warning SelectingAll This deployment is selecting all pods. A non-empty selector is required.']);
    assert.deepEqual(h.client.rsActions(), []);
  });

  test('a write conflict (a stale cache) ends the sync quietly: the newer object\'s event brings the next', async () => {
    const h = await harness(deployment(), []);
    h.client.updateDeploymentStatus = async () => { throw conflict({ group: 'apps', resource: 'deployments' }, 'web', 'the object has been modified'); };
    await h.dc.reconcile('default/web');
    assert.equal(h.client.rsActions().length, 1, 'the ReplicaSet was created before the conflict');
  });

  test('a Deployment gone from the cache is done; bad specs never throw', async () => {
    const h = await harness(deployment(), []);
    await h.dc.reconcile('default/missing');
    const bad = deployment();
    bad.spec!.strategy = { type: 'Bogus' };
    const h2 = await harness(bad, []);
    await h2.dc.reconcile('default/web');
    assert.deepEqual(h2.client.rsActions(), []);
  });
});
