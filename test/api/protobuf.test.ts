// The Kubernetes protobuf request decoder, fed with bytes from a tiny encoder below that
// writes what gogo-protobuf writes: every non-pointer field, zero values included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../../api/errors.js';
import { decodeKubernetesProtobuf } from '../../api/protobuf/index.js';
import { decodeObject } from '../../apiserver/http/body.js';

// --- a minimal proto2 encoder -------------------------------------------------------------

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) { out.push(Number(v & 0x7fn) | 0x80); v >>= 7n; }
  out.push(Number(v));
  return out;
}
const key = (no: number, wt: number): number[] => varint(no * 8 + wt);
/** A varint field. */
const int = (no: number, n: number | bigint | boolean): Buffer => Buffer.from([...key(no, 0), ...varint(typeof n === 'boolean' ? (n ? 1 : 0) : n)]);
/** A length-delimited field holding bytes, a string or concatenated sub-fields. */
function ld(no: number, ...parts: (Buffer | string)[]): Buffer {
  const body = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
  return Buffer.concat([Buffer.from([...key(no, 2), ...varint(body.length)]), body]);
}
const str = (no: number, s: string): Buffer => ld(no, s);
const entry = (no: number, k: string, v: string | Buffer): Buffer => ld(no, str(1, k), ld(2, v));
const quantity = (s: string): Buffer => str(1, s);
const intOrString = (v: number | string): Buffer => (typeof v === 'number' ? Buffer.concat([int(1, 0), int(2, v), str(3, '')]) : Buffer.concat([int(1, 1), int(2, 0), str(3, v)]));

function envelope(apiVersion: string, kind: string, raw: Buffer, extra: Buffer[] = []): Buffer {
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), ld(1, str(1, apiVersion), str(2, kind)), ld(2, raw), str(3, ''), str(4, ''), ...extra]);
}

/** ObjectMeta the way client-go writes a new object's: every string, an empty Time. */
function objectMeta(name: string, labels: Record<string, string> = {}, extra: Buffer[] = []): Buffer {
  return Buffer.concat([
    str(1, name), str(2, ''), str(3, ''), str(4, ''), str(5, ''), str(6, ''), int(7, 0), ld(8),
    ...Object.entries(labels).map(([k, v]) => entry(11, k, v)), ...extra,
  ]);
}

function status400(fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof StatusError, `expected a StatusError, got ${String(err)}`);
    assert.equal(err.code, 400);
    assert.equal(err.reason, 'BadRequest');
    if (message) assert.match(err.status.message ?? '', message);
    return true;
  });
}

// --- tests ---------------------------------------------------------------------------------

test('a Deployment as kubectl create deployment sends it: zero values dropped, pointers kept', () => {
  const container = Buffer.concat([str(1, 'nginx'), str(2, 'nginx'), str(5, ''), ld(8), str(13, ''), str(14, ''), int(16, false), int(17, false), int(18, false), str(20, '')]);
  const podSpec = Buffer.concat([ld(2, container), str(3, ''), str(6, ''), str(8, ''), str(9, ''), str(10, ''), int(11, false), int(12, false), int(13, false), str(16, ''), str(17, ''), str(19, ''), str(24, '')]);
  const spec = Buffer.concat([
    int(1, 2), ld(2, entry(1, 'app', 'web')), ld(3, ld(1, objectMeta('', { app: 'web' })), ld(2, podSpec)),
    ld(4, str(1, '')), int(5, 0), int(7, false),
  ]);
  const raw = Buffer.concat([ld(1, objectMeta('web', { app: 'web' })), ld(2, spec), ld(3, int(1, 0), int(2, 0), int(3, 0))]);
  assert.deepEqual(decodeKubernetesProtobuf(envelope('apps/v1', 'Deployment', raw)), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
    },
  });
});

test('pointer scalars keep zero values; IntOrString decodes to a number or a string', () => {
  const rolling = ld(2, ld(1, intOrString(0)), ld(2, intOrString('25%')));
  const raw = Buffer.concat([ld(1, objectMeta('zero')), ld(2, int(1, 0), ld(4, str(1, 'RollingUpdate'), rolling), int(6, 3))]);
  const obj = decodeKubernetesProtobuf(envelope('apps/v1', 'Deployment', raw)) as { spec: unknown };
  assert.deepEqual(obj.spec, {
    replicas: 0, revisionHistoryLimit: 3,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
  });
});

test('a Job with a pod failure policy and a CronJob with its job template', () => {
  const podSpec = Buffer.concat([ld(2, str(1, 'c'), str(2, 'busybox')), str(3, 'Never')]);
  const template = ld(6, ld(1, objectMeta('')), ld(2, podSpec));
  const rule = ld(1, str(1, 'Ignore'), ld(2, str(2, 'In'), int(3, 3), int(3, 42)), ld(3, str(1, 'DisruptionTarget'), str(2, 'True')));
  const jobSpec = Buffer.concat([int(1, 2), int(2, 5), int(7, 0), ld(11, rule), template, str(9, 'Indexed'), int(10, false)]);
  const job = decodeKubernetesProtobuf(envelope('batch/v1', 'Job', Buffer.concat([ld(1, objectMeta('j')), ld(2, jobSpec)]))) as { spec: Record<string, unknown> };
  assert.deepEqual(job.spec, {
    parallelism: 2, completions: 5, backoffLimit: 0, completionMode: 'Indexed', suspend: false,
    podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [3, 42] }, onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] },
    template: { spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'Never' } },
  });
  const cronSpec = Buffer.concat([str(1, '*/1 * * * *'), str(3, ''), ld(5, ld(1, objectMeta('cj')), ld(2, template)), int(6, 0)]);
  const cj = decodeKubernetesProtobuf(envelope('batch/v1', 'CronJob', Buffer.concat([ld(1, objectMeta('cj')), ld(2, cronSpec)]))) as { spec: Record<string, unknown> };
  assert.deepEqual(cj.spec, {
    schedule: '*/1 * * * *', successfulJobsHistoryLimit: 0,
    jobTemplate: { metadata: { name: 'cj' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'Never' } } } },
  });
});

test('ConfigMap and Secret: string maps as objects, bytes as base64', () => {
  const cm = decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', Buffer.concat([
    ld(1, objectMeta('cm', {}, [entry(12, 'note', 'hi')])), entry(2, 'a', 'b'), entry(2, 'c', 'd'), entry(3, 'bin', Buffer.from([0, 1, 2, 255])),
  ])));
  assert.deepEqual(cm, {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', annotations: { note: 'hi' } },
    data: { a: 'b', c: 'd' }, binaryData: { bin: 'AAEC/w==' },
  });
  const secret = decodeKubernetesProtobuf(envelope('v1', 'Secret', Buffer.concat([
    ld(1, objectMeta('s')), entry(2, 'password', 'hunter2'), entry(2, 'empty', ''), str(3, 'Opaque'), int(5, false),
  ])));
  assert.deepEqual(secret, {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' },
    data: { password: Buffer.from('hunter2').toString('base64'), empty: '' }, type: 'Opaque', immutable: false,
  });
});

test('a Service with ports, selector and an unset targetPort', () => {
  const port = (name: string, p: number, target: number | string) => ld(1, str(1, name), str(2, 'TCP'), int(3, p), ld(4, intOrString(target)), int(5, 0));
  const spec = Buffer.concat([port('http', 80, 0), port('metrics', 9090, 'metrics'), entry(2, 'app', 'web'), str(3, ''), str(4, 'ClusterIP'), str(7, ''), int(13, false)]);
  const obj = decodeKubernetesProtobuf(envelope('v1', 'Service', Buffer.concat([ld(1, objectMeta('web')), ld(2, spec), ld(3, ld(1))])));
  assert.deepEqual(obj, {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' },
    spec: {
      ports: [{ name: 'http', protocol: 'TCP', port: 80 }, { name: 'metrics', protocol: 'TCP', port: 9090, targetPort: 'metrics' }],
      selector: { app: 'web' }, type: 'ClusterIP',
    },
  });
});

test('a Pod with env sources, resources, volumes, probes, lifecycle and security context', () => {
  const env = Buffer.concat([
    ld(7, str(1, 'MODE'), str(2, 'prod')),
    ld(7, str(1, 'POD_IP'), str(2, ''), ld(3, ld(1, str(1, 'v1'), str(2, 'status.podIP')))),
    ld(7, str(1, 'PASSWORD'), str(2, ''), ld(3, ld(4, ld(1, str(1, 'creds')), str(2, 'password'), int(3, true)))),
    ld(7, str(1, 'COLOR'), str(2, ''), ld(3, ld(3, ld(1, str(1, 'settings')), str(2, 'color')))),
    ld(7, str(1, 'MEM'), str(2, ''), ld(3, ld(2, str(1, ''), str(2, 'limits.memory'), ld(3, quantity('1Mi'))))),
    ld(19, str(1, 'CFG_'), ld(2, ld(1, str(1, 'settings')))),
  ]);
  const resources = ld(8, entry(1, 'cpu', quantity('500m')), entry(1, 'memory', quantity('128Mi')), entry(2, 'cpu', quantity('250m')));
  const probe = (handler: Buffer, extra: Buffer[] = []) => Buffer.concat([ld(1, handler), int(2, 5), int(3, 0), int(4, 10), int(5, 0), int(6, 0), ...extra]);
  const container = Buffer.concat([
    str(1, 'app'), str(2, 'busybox:1.36'), str(3, 'sh'), str(3, '-c'), str(4, 'sleep 3600'),
    ld(6, str(1, 'http'), int(2, 0), int(3, 8080), str(4, 'TCP'), str(5, '')),
    env, resources,
    ld(9, str(1, 'data'), int(2, true), str(3, '/data'), str(4, ''), str(6, '')),
    ld(10, probe(ld(2, str(1, '/healthz'), ld(2, intOrString('http')), str(3, ''), str(4, 'HTTP'), ld(5, str(1, 'X-Probe'), str(2, '1'))))),
    ld(11, probe(ld(3, ld(1, intOrString(8080)), str(2, '')))),
    ld(22, probe(ld(1, str(1, 'cat'), str(1, '/ready')), [int(7, 0)])),
    ld(12, ld(2, ld(1, str(1, 'sh'), str(1, '-c'), str(1, 'sleep 1')))),
    ld(15, ld(1, str(1, 'NET_ADMIN'), str(2, 'ALL')), int(2, false), int(4, 1000), int(5, true)),
    str(14, 'IfNotPresent'),
  ]);
  const volumes = Buffer.concat([
    ld(1, str(1, 'scratch'), ld(2, ld(2))),
    ld(1, str(1, 'host'), ld(2, ld(1, str(1, '/var/log'), str(2, 'Directory')))),
    ld(1, str(1, 'data'), ld(2, ld(19, ld(1, str(1, 'settings')), ld(2, str(1, 'color'), str(2, 'color.txt')), int(3, 0o644)))),
    ld(1, str(1, 'creds'), ld(2, ld(6, str(1, 'creds'), int(4, false)))),
  ]);
  const podSpec = Buffer.concat([
    volumes, ld(2, container), str(3, 'Never'), int(4, 0), str(6, 'ClusterFirst'), entry(7, 'disktype', 'ssd'),
    ld(14, int(2, -1), int(4, 10), int(4, 20), int(5, 2000)),
    ld(22, str(1, 'node.kubernetes.io/not-ready'), str(2, 'Exists'), str(3, ''), str(4, 'NoExecute'), int(5, 300)),
    ld(18, ld(1, str(99, 'affinity is skipped'))),
  ]);
  const pod = decodeKubernetesProtobuf(envelope('v1', 'Pod', Buffer.concat([ld(1, objectMeta('p', { run: 'p' })), ld(2, podSpec), ld(3, str(1, 'Pending'))])));
  assert.deepEqual(pod, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { run: 'p' } },
    spec: {
      volumes: [
        { name: 'scratch', emptyDir: {} },
        { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
        { name: 'data', configMap: { name: 'settings', items: [{ key: 'color', path: 'color.txt' }], defaultMode: 0o644 } },
        { name: 'creds', secret: { secretName: 'creds', optional: false } },
      ],
      containers: [{
        name: 'app', image: 'busybox:1.36', command: ['sh', '-c'], args: ['sleep 3600'],
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        env: [
          { name: 'MODE', value: 'prod' },
          { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password', optional: true } } },
          { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'settings', key: 'color' } } },
          { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        ],
        envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'settings' } }],
        resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m' } },
        volumeMounts: [{ name: 'data', readOnly: true, mountPath: '/data' }],
        livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X-Probe', value: '1' }] }, initialDelaySeconds: 5, periodSeconds: 10 },
        readinessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 5, periodSeconds: 10 },
        startupProbe: { exec: { command: ['cat', '/ready'] }, initialDelaySeconds: 5, periodSeconds: 10, terminationGracePeriodSeconds: 0 },
        lifecycle: { preStop: { exec: { command: ['sh', '-c', 'sleep 1'] } } },
        securityContext: { capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] }, privileged: false, runAsUser: 1000, runAsNonRoot: true },
        imagePullPolicy: 'IfNotPresent',
      }],
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      dnsPolicy: 'ClusterFirst',
      nodeSelector: { disktype: 'ssd' },
      securityContext: { runAsUser: -1, supplementalGroups: [10, 20], fsGroup: 2000 },
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    },
  });
});

test('ReplicaSet with a label selector with requirements and owner references', () => {
  const owner = ld(13, str(1, 'Deployment'), str(3, 'web'), str(4, 'uid-1'), str(5, 'apps/v1'), int(6, true), int(7, true));
  const selector = ld(2, entry(1, 'app', 'web'), ld(2, str(1, 'tier'), str(2, 'In'), str(3, 'a'), str(3, 'b')));
  const raw = Buffer.concat([ld(1, objectMeta('web-1', { app: 'web' }, [owner, str(14, 'example.com/hold')])), ld(2, int(1, 1), selector, int(4, 0))]);
  const rs = decodeKubernetesProtobuf(envelope('apps/v1', 'ReplicaSet', raw)) as { metadata: unknown; spec: unknown };
  assert.deepEqual(rs.metadata, {
    name: 'web-1', labels: { app: 'web' }, finalizers: ['example.com/hold'],
    ownerReferences: [{ kind: 'Deployment', name: 'web', uid: 'uid-1', apiVersion: 'apps/v1', controller: true, blockOwnerDeletion: true }],
  });
  assert.deepEqual(rs.spec, { replicas: 1, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] } });
});

test('ReplicationController: a selector map and a template pointer', () => {
  const podSpec = Buffer.concat([ld(2, str(1, 'c'), str(2, 'nginx')), str(3, 'Always')]);
  const spec = Buffer.concat([int(1, 2), int(4, 0), entry(2, 'app', 'web'), ld(3, ld(1, objectMeta('', { app: 'web' })), ld(2, podSpec))]);
  const rc = decodeKubernetesProtobuf(envelope('v1', 'ReplicationController', Buffer.concat([ld(1, objectMeta('web')), ld(2, spec)])));
  assert.deepEqual(rc, {
    apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'web' },
    spec: { replicas: 2, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }], restartPolicy: 'Always' } } },
  });
});

test('EndpointSlice as the endpointslice controller writes it: pointers kept, even false and ""', () => {
  const target = ld(4, str(1, 'Pod'), str(2, 'default'), str(3, 'web-1'), str(4, 'uid-1'));
  const endpoint = ld(2, str(1, '10.0.0.1'), ld(2, int(1, true), int(2, true), int(3, false)), target, str(6, 'node-1'), str(7, 'a'), ld(8, ld(1, str(1, 'a'))));
  const port = ld(3, str(1, ''), str(2, 'TCP'), int(3, 80));
  const raw = Buffer.concat([ld(1, objectMeta('web-abc', { 'kubernetes.io/service-name': 'web' })), str(4, 'IPv4'), endpoint, port]);
  assert.deepEqual(decodeKubernetesProtobuf(envelope('discovery.k8s.io/v1', 'EndpointSlice', raw)), {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abc', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [{
      addresses: ['10.0.0.1'], conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'uid-1' }, nodeName: 'node-1', zone: 'a', hints: { forZones: [{ name: 'a' }] },
    }],
    ports: [{ name: '', protocol: 'TCP', port: 80 }],
  });
});

test('Time is RFC3339 in seconds, MicroTime keeps microseconds, an empty Time is left out', () => {
  const at = Date.UTC(2024, 0, 2, 3, 4, 5) / 1000;
  const ns = decodeKubernetesProtobuf(envelope('v1', 'Namespace', ld(1, objectMeta('n', {}, [ld(9, int(1, at), int(2, 500_000_000)), int(10, 30)]))));
  assert.deepEqual(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', deletionTimestamp: '2024-01-02T03:04:05Z', deletionGracePeriodSeconds: 30 } });
  const lease = decodeKubernetesProtobuf(envelope('coordination.k8s.io/v1', 'Lease', Buffer.concat([
    ld(1, objectMeta('l')), ld(2, str(1, 'me'), int(2, 15), ld(3), ld(4, int(1, at), int(2, 123_456_789)), int(5, 0)),
  ])));
  assert.deepEqual(lease, {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' },
    spec: { holderIdentity: 'me', leaseDurationSeconds: 15, renewTime: '2024-01-02T03:04:05.123456Z', leaseTransitions: 0 },
  });
});

test('unknown fields of every wire type are skipped; packed and unpacked repeated varints both decode', () => {
  const fixed64 = Buffer.from([...key(90, 1), 1, 2, 3, 4, 5, 6, 7, 8]);
  const fixed32 = Buffer.from([...key(91, 5), 1, 2, 3, 4]);
  const managedFields = ld(17, str(1, 'kubectl'), str(2, 'Update'));
  const packed = ld(4, Buffer.from([...varint(1), ...varint(300), ...varint(-5)]));
  const raw = Buffer.concat([
    ld(1, objectMeta('x', {}, [managedFields, fixed64])), int(92, 7), fixed32, str(93, 'future'),
    ld(2, ld(2, str(1, 'c'), str(2, 'i')), ld(14, packed, int(4, 7))),
  ]);
  const pod = decodeKubernetesProtobuf(envelope('v1', 'Pod', raw)) as { metadata: unknown; spec: unknown };
  assert.deepEqual(pod.metadata, { name: 'x' });
  assert.deepEqual(pod.spec, { containers: [{ name: 'c', image: 'i' }], securityContext: { supplementalGroups: [1, 300, -5, 7] } });
});

test('DeleteOptions decodes under any group version', () => {
  const raw = Buffer.concat([int(1, 0), ld(2, str(1, 'uid-1'), str(2, '42')), str(4, 'Foreground'), str(5, 'All')]);
  for (const gv of ['v1', 'apps/v1', 'meta.k8s.io/v1']) {
    assert.deepEqual(decodeKubernetesProtobuf(envelope(gv, 'DeleteOptions', raw)), {
      apiVersion: gv, kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: 'uid-1', resourceVersion: '42' },
      propagationPolicy: 'Foreground', dryRun: ['All'],
    });
  }
});

test('decodeObject routes application/vnd.kubernetes.protobuf to the decoder', () => {
  const body = envelope('v1', 'Namespace', ld(1, objectMeta('from-body')));
  assert.deepEqual(decodeObject('application/vnd.kubernetes.protobuf', body), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'from-body' } });
  assert.throws(() => decodeObject('application/cbor', body), (err: unknown) => err instanceof StatusError && err.code === 415);
});

test('unsupported kinds and encodings are a 400 naming the problem', () => {
  status400(() => decodeKubernetesProtobuf(envelope('policy/v1', 'PodDisruptionBudget', ld(1, objectMeta('j')))), /protobuf encoding is not supported for kind PodDisruptionBudget \(policy\/v1\); send JSON or YAML/);
  status400(() => decodeKubernetesProtobuf(envelope('v1', 'Node', ld(1, objectMeta('n')))), /kind Node/);
  status400(() => decodeKubernetesProtobuf(Buffer.concat([Buffer.from('k8s\0', 'latin1'), ld(1, str(1, 'v1'), str(2, 'Pod')), ld(2), str(3, 'gzip')])), /contentEncoding "gzip"/);
  status400(() => decodeKubernetesProtobuf(Buffer.concat([Buffer.from('k8s\0', 'latin1'), ld(2, ld(1))])), /names no kind/);
});

test('malformed bytes are a 400 Status, never a crash', () => {
  status400(() => decodeKubernetesProtobuf(Buffer.from('{"kind":"Pod"}')), /prefix/);
  status400(() => decodeKubernetesProtobuf(Buffer.from('k8s')), /prefix/);
  // Wrong wire type for a known field, a group, a varint that never ends, a length past the end.
  status400(() => decodeKubernetesProtobuf(envelope('v1', 'Pod', int(1, 5))), /metadata has wire type varint/);
  status400(() => decodeKubernetesProtobuf(envelope('v1', 'Pod', Buffer.from([...key(40, 3)]))), /wire type 3/);
  status400(() => decodeKubernetesProtobuf(envelope('v1', 'Pod', Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))), /varint/);
  status400(() => decodeKubernetesProtobuf(envelope('v1', 'Pod', Buffer.from([0x0a, 0x7f, 0x0a]))), /past the end/);
  status400(() => decodeKubernetesProtobuf(envelope('v1', 'Pod', Buffer.from([0x00, 0x00]))), /field number 0/);
  // Every truncation and many random corruptions of a real body.
  const good = envelope('apps/v1', 'Deployment', Buffer.concat([ld(1, objectMeta('web', { app: 'web' })), ld(2, int(1, 2), ld(3, ld(2, ld(2, str(1, 'c'), str(2, 'nginx')))))]));
  for (let i = 0; i < good.length; i++) {
    try { decodeKubernetesProtobuf(good.subarray(0, i)); } catch (err) { assert.ok(err instanceof StatusError && err.code === 400, String(err)); }
  }
  let seed = 12345;
  const rand = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  for (let round = 0; round < 2000; round++) {
    const bad = Buffer.from(good);
    for (let k = 0; k <= rand(4); k++) bad[4 + rand(bad.length - 4)] = rand(256);
    try { decodeKubernetesProtobuf(bad); } catch (err) { assert.ok(err instanceof StatusError && err.code === 400, String(err)); }
  }
});

test('a DaemonSet and a StatefulSet with a volume claim template', () => {
  const podTemplate = (no: number): Buffer => ld(no, ld(1, objectMeta('', { app: 'db' })), ld(2, ld(2, str(1, 'c'), str(2, 'busybox'))));
  // DaemonSetSpec: selector 1, template 2, updateStrategy 3, minReadySeconds 4, revisionHistoryLimit 6.
  const dsRaw = Buffer.concat([ld(1, objectMeta('agent')), ld(2, ld(1, entry(1, 'app', 'db')), podTemplate(2),
    ld(3, str(1, 'RollingUpdate'), ld(2, ld(1, intOrString(1)), ld(2, intOrString(0)))), int(4, 5), int(6, 3))]);
  assert.deepEqual((decodeKubernetesProtobuf(envelope('apps/v1', 'DaemonSet', dsRaw)) as { spec: unknown }).spec, {
    selector: { matchLabels: { app: 'db' } },
    template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    minReadySeconds: 5, revisionHistoryLimit: 3,
  });
  const claim = ld(4, ld(1, objectMeta('data')), ld(2, str(1, 'ReadWriteOnce'), ld(2, ld(2, str(1, 'storage'), ld(2, str(1, '1Gi')))), str(5, 'local-path')));
  const stsRaw = Buffer.concat([ld(1, objectMeta('db')), ld(2, int(1, 3), ld(2, entry(1, 'app', 'db')), podTemplate(3), claim, str(5, 'db'), str(6, 'Parallel'),
    ld(7, str(1, 'RollingUpdate'), ld(2, int(1, 0))), ld(10, str(1, 'Delete'), str(2, 'Retain')), ld(11, int(1, 1)))]);
  assert.deepEqual((decodeKubernetesProtobuf(envelope('apps/v1', 'StatefulSet', stsRaw)) as { spec: unknown }).spec, {
    replicas: 3,
    selector: { matchLabels: { app: 'db' } },
    template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local-path' } }],
    serviceName: 'db', podManagementPolicy: 'Parallel',
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
    ordinals: { start: 1 },
  });
});
