// The apiserver benchmark: a real etcd and the real kube-apiserver process on loopback,
// measured against raw etcd (through etcd3) in the same run, on the same etcd.
//
//   creates/s      POST pods at c=64            vs  etcd3 txn "version == 0 then put" at c=64
//   authenticated  the same creates over HTTPS as a user RBAC authorizes, by bearer
//   creates/s      token and by client certificate  vs  the plain-HTTP creates above
//   custom         POST a custom resource whose CRD has a structural schema at c=64
//   resource       vs  ConfigMaps of the same size at c=64, interleaved in one run
//   creates/s
//   GET p50/p99    GET random pods at c=16      vs  etcd3 range of one random key at c=16
//   LIST           GET all 10,000 pods (parsed) vs  etcd3 range over 10,000 raw keys
//   watch fan-out  1,000 HTTP watchers, 20 configmap writes/s for 10 s
//                                               vs  one etcd3 watcher on the same writes
//
// See bench/README.md for how to read the figures.
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { noop } from 'cockatiel';
import { Etcd3, type IKeyValue, type Watcher } from 'etcd3';
import { Pool, request, type Dispatcher } from 'undici';
import { join } from 'node:path';
import { rfc3339Now } from '../api/helpers/time.js';
import { issueClientCert } from '../apiserver/tls.js';
import type { ControlPlane } from '../test/harness/apiserver.js';
import { call, HttpError, SCALE, scaled } from './lib/http.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { startProfiledControlPlane } from './lib/profiled.js';
import { count, ms, printTable, progress, rate, runCleanups, runPhases, slowdown, startWatchdog, throughputRatio, type Row } from './lib/report.js';
import { median, summarize } from './lib/stats.js';

const CREATES = scaled(5000);
const CREATE_CONCURRENCY = 64;
const WARMUP = scaled(500);
const GETS = scaled(2000);
const GET_CONCURRENCY = 16;
const LIST_TOTAL = 2 * CREATES;
const LIST_RUNS = 5;
const WATCHERS = scaled(1000);
const WATCH_OPEN_CONCURRENCY = 100;
const WATCH_WRITES = scaled(200);
const WATCH_WRITES_PER_SECOND = 20;
/** How long deliveries may trail the last write before the phase gives up waiting. */
const DELIVERY_GRACE_MS = 20_000;
/** Safety net: the whole run normally takes well under 3 minutes. */
const DEADLINE_MS = 6 * 60_000;

const NAMESPACE = 'bench';
const WARMUP_NAMESPACE = 'bench-warmup';
const RAW_PREFIX = '/bench-raw/pods/bench/';
const RAW_WARMUP_PREFIX = '/bench-raw/pods/bench-warmup/';
const WATCH_PREFIX_IN_ETCD = `/registry/configmaps/${NAMESPACE}/`;
const ETCD_WATCHER_METRIC = 'etcd_debugging_mvcc_watcher_total';

const CREATE_TARGET_RATIO = 0.5;
/** Authenticated (HTTPS, RBAC) creates against the unauthenticated plain-HTTP figure. */
const AUTH_TARGET_RATIO = 0.8;
const AUTH_NAMESPACE = 'bench-auth';
const LIST_TARGET_MS = 1000;
const WATCH_P99_TARGET_MS = 100;
const CR_CREATES = scaled(2000);
const CR_NAMESPACE = 'bench-cr';
const CR_TARGET_RATIO = 0.7;
const CRD_NAME = 'widgets.bench.tskube.io';

const podName = (i: number): string => `pod-${String(i).padStart(5, '0')}`;
const cmName = (i: number): string => `wcm-${String(i).padStart(5, '0')}`;

/** A pod as a client sends it: metadata, one container with the usual trimmings, status. */
function podBody(name: string, namespace: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { app: 'bench-web', tier: 'frontend', 'pod-template-hash': '7c9d8f6b5d', 'app.kubernetes.io/part-of': 'tskube-bench' },
      annotations: { 'kubectl.kubernetes.io/default-container': 'web', 'bench.tskube.io/purpose': 'apiserver benchmark pod of typical size' },
    },
    spec: {
      containers: [{
        name: 'web',
        image: 'nginx:1.27.3',
        imagePullPolicy: 'IfNotPresent',
        command: ['nginx'],
        args: ['-g', 'daemon off;'],
        ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
          { name: 'LOG_LEVEL', value: 'info' },
        ],
        resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
        readinessProbe: { httpGet: { path: '/healthz', port: 80, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
    },
    status: { phase: 'Pending', qosClass: 'Burstable' },
  };
}

/** The same pod as an apiserver would store it (server-set metadata added): the raw etcd value. */
function rawPodValue(name: string, namespace: string, i: number): Buffer {
  const pod = podBody(name, namespace) as { metadata: Record<string, unknown> };
  pod.metadata.uid = `0b5e5c1c-6f1d-4c8e-9a57-${String(i).padStart(12, '0')}`;
  pod.metadata.creationTimestamp = rfc3339Now();
  return Buffer.from(JSON.stringify(pod));
}

function configMapBody(name: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NAMESPACE }, data: { 'app.properties': 'mode=bench\nlevel=info\n' } });
}

/** The first key after every key under prefix (etcd's range_end for a prefix). */
function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  end[end.length - 1]++;
  return end;
}

/** etcd's own count of watchers (one per watch id, over all gRPC streams). */
async function etcdWatcherCount(endpoint: string): Promise<number> {
  const res = await request(`${endpoint}/metrics`, { headersTimeout: 5000, bodyTimeout: 5000 });
  const text = await res.body.text();
  const m = new RegExp(`^${ETCD_WATCHER_METRIC} (\\S+)$`, 'm').exec(text);
  if (!m) throw new Error(`etcd /metrics has no ${ETCD_WATCHER_METRIC}`);
  return Number(m[1]);
}

function describeLoad(what: string, r: LoadResult): string {
  const s = summarize(r.latencies);
  const failures = r.failed ? `, ${count(r.failed)} FAILED (first: ${r.errors[0]})` : '';
  return `${what}: ${count(r.ok)} in ${(r.elapsedMs / 1000).toFixed(2)} s = ${rate(r.perSecond)}, latency p50 ${ms(s.p50)} p99 ${ms(s.p99)}${failures}`;
}

/**
 * Starts etcd and the apiserver. With BENCH_APISERVER_CPU_PROF=<dir> the apiserver is
 * started with bench/lib/cpu-profile.js preloaded and writes a .cpuprofile there on exit.
 */
interface Context {
  cp: ControlPlane;
  /** 64 keep-alive connections to the apiserver for creates, GETs and LISTs. */
  api: Pool;
  etcd: Etcd3;
  rows: Row[];
  notes: string[];
  /** podCreated[i] = 1 once pod i exists in namespace bench; rawCreated[i] likewise for raw key i. */
  podCreated: Uint8Array;
  rawCreated: Uint8Array;
  /** The plain-HTTP creates/s, which the authenticated runs are compared with. */
  plainCreatesPerSecond: number;
  /** Closers for what a phase left open, run at the end even on failure. */
  cleanups: (() => Promise<void>)[];
  podSizes: string;
}

export async function run(): Promise<void> {
  const disarm = startWatchdog('apiserver', DEADLINE_MS);

  progress(`apiserver benchmark${SCALE !== 1 ? ` (BENCH_SCALE=${SCALE})` : ''}: starting etcd and kube-apiserver on 127.0.0.1`);
  const cp = await startProfiledControlPlane();
  progress(`etcd at ${cp.etcd.endpoint}, kube-apiserver at ${cp.url} (pid ${cp.apiserver.pid}, log ${cp.apiserver.logFile})`);
  const ctx: Context = {
    cp,
    api: new Pool(cp.url, { connections: CREATE_CONCURRENCY, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 }),
    etcd: new Etcd3({
      hosts: cp.etcd.endpoint,
      // As the apiserver's Store: no retries or circuit breaker, so failures show.
      faultHandling: { host: () => noop, global: noop },
      // A 10,000-pod range is ~13 MB, over gRPC's default 4 MB receive limit.
      grpcOptions: { 'grpc.max_receive_message_length': -1 },
      defaultCallOptions: (c) => (c.isStream ? {} : { deadline: Date.now() + 30_000 }),
    }),
    rows: [],
    notes: [`machine: ${cpus().length} CPUs, Node ${process.version}; etcd, kube-apiserver and this client share them`],
    podCreated: new Uint8Array(LIST_TOTAL),
    rawCreated: new Uint8Array(LIST_TOTAL),
    cleanups: [],
    podSizes: '',
    plainCreatesPerSecond: 0,
  };
  const phases: [string, (c: Context) => Promise<void>][] = [
    ['setup', setup],
    ['creates', creates],
    ['authenticated creates', authenticatedCreates],
    ['custom resource creates', customResourceCreates],
    ['GET', gets],
    ['LIST', lists],
    ['watch fan-out', watchFanout],
  ];
  try {
    await runPhases(ctx, phases);
    printTable('apiserver benchmark', ctx.rows);
    for (const note of ctx.notes) console.log(`  ${note}`);
    console.log('');
  } finally {
    progress('stopping: closing watches, connections, etcd client, kube-apiserver and etcd');
    await runCleanups(ctx.cleanups);
    await ctx.api.destroy().catch(() => undefined);
    ctx.etcd.close();
    await cp.stop();
    disarm();
    progress('stopped');
  }
}

async function rawCreate(etcd: Etcd3, key: Buffer, value: Buffer): Promise<void> {
  const res = await etcd.kv.txn({
    compare: [{ key, target: 'Version', result: 'Equal', version: 0 }],
    success: [{ request_put: { key, value } }],
    failure: [],
  });
  if (!res.succeeded) throw new Error(`${key.toString()} already exists`);
}

async function setup(ctx: Context): Promise<void> {
  progress(`creating namespaces ${NAMESPACE} and ${WARMUP_NAMESPACE}`);
  for (const ns of [NAMESPACE, WARMUP_NAMESPACE]) {
    await call(ctx.api, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }), [201]);
  }
  // Warm up both paths (JIT, connections, etcd's first allocations) outside the measured keys.
  progress(`warming up: ${count(WARMUP)} raw etcd creates and ${count(WARMUP)} pod creates (not measured)`);
  const rawValues = Array.from({ length: WARMUP }, (_, i) => rawPodValue(podName(i), WARMUP_NAMESPACE, i));
  const raw = await runLoad(WARMUP, CREATE_CONCURRENCY, (i) => rawCreate(ctx.etcd, Buffer.from(RAW_WARMUP_PREFIX + podName(i)), rawValues[i]));
  const bodies = Array.from({ length: WARMUP }, (_, i) => JSON.stringify(podBody(podName(i), WARMUP_NAMESPACE)));
  const pods = await runLoad(WARMUP, CREATE_CONCURRENCY, (i) => call(ctx.api, 'POST', `/api/v1/namespaces/${WARMUP_NAMESPACE}/pods`, bodies[i], [201]).then(() => undefined));
  progress(`  ${describeLoad('warm-up raw etcd creates', raw)}`);
  progress(`  ${describeLoad('warm-up pod creates', pods)}`);
  if (pods.ok === 0) throw new Error(`no pod could be created: ${pods.errors[0]}`);
}

/** Creates pods [from, to) through the apiserver and raw keys [from, to) in etcd, both at c=64. */
async function createBoth(ctx: Context, from: number, to: number, label: string): Promise<{ raw: LoadResult; pods: LoadResult }> {
  const n = to - from;
  const rawValues = Array.from({ length: n }, (_, j) => rawPodValue(podName(from + j), NAMESPACE, from + j));
  const rawKeys = Array.from({ length: n }, (_, j) => Buffer.from(RAW_PREFIX + podName(from + j)));
  const bodies = Array.from({ length: n }, (_, j) => JSON.stringify(podBody(podName(from + j), NAMESPACE)));
  if (from === 0) ctx.podSizes = `POST body ${count(bodies[0].length)} B, raw etcd value ${count(rawValues[0].length)} B`;

  progress(`${label}: baseline, ${count(n)} raw etcd creates (txn version==0 then put) at c=${CREATE_CONCURRENCY} under ${RAW_PREFIX}`);
  const raw = await runLoad(n, CREATE_CONCURRENCY, async (j) => {
    await rawCreate(ctx.etcd, rawKeys[j], rawValues[j]);
    ctx.rawCreated[from + j] = 1;
  });
  progress(`  ${describeLoad('raw etcd creates', raw)}`);

  progress(`${label}: ours, ${count(n)} pod creates (POST /api/v1/namespaces/${NAMESPACE}/pods) at c=${CREATE_CONCURRENCY}`);
  const pods = await runLoad(n, CREATE_CONCURRENCY, async (j) => {
    await call(ctx.api, 'POST', `/api/v1/namespaces/${NAMESPACE}/pods`, bodies[j], [201]);
    ctx.podCreated[from + j] = 1;
  });
  progress(`  ${describeLoad('pod creates', pods)}`);
  return { raw, pods };
}

async function creates(ctx: Context): Promise<void> {
  const { raw, pods } = await createBoth(ctx, 0, CREATES, `creates/s`);
  ctx.plainCreatesPerSecond = pods.perSecond;
  const ratio = pods.perSecond / raw.perSecond;
  ctx.rows.push({
    figure: `creates/s (c=${CREATE_CONCURRENCY}, ${count(CREATES)})`,
    ours: rate(pods.perSecond),
    baseline: `${rate(raw.perSecond)} (etcd txn)`,
    ratio: throughputRatio(pods.perSecond, raw.perSecond),
    target: `>= ${CREATE_TARGET_RATIO.toFixed(2)}`,
    met: pods.failed === 0 && ratio >= CREATE_TARGET_RATIO,
  });
  const ps = summarize(pods.latencies);
  const rs = summarize(raw.latencies);
  ctx.rows.push({
    figure: '  create latency p50 / p99',
    ours: `${ms(ps.p50)} / ${ms(ps.p99)}`,
    baseline: `${ms(rs.p50)} / ${ms(rs.p99)}`,
    ratio: `${slowdown(ps.p50, rs.p50)} / ${slowdown(ps.p99, rs.p99)}`,
    target: '',
  });
  if (pods.failed || raw.failed) ctx.notes.push(`creates: ${pods.failed} pod creates and ${raw.failed} raw creates failed; first: ${pods.errors[0] ?? raw.errors[0]}`);
  const stored = await call(ctx.api, 'GET', `/api/v1/namespaces/${NAMESPACE}/pods/${podName(ctx.podCreated.indexOf(1))}`).catch(() => '');
  ctx.notes.push(`pod sizes: ${ctx.podSizes}${stored ? `, pod as GET returns it ${count(stored.length)} B` : ''}`);
}

/** A Widget's spec: typed fields, a list of objects, a map: what a schema has to walk. */
function widgetSpec(i: number): Record<string, unknown> {
  return {
    size: 'medium', replicas: (i % 10) + 1, owner: `team-${i % 7}`, enabled: i % 2 === 0,
    ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }],
    labels: { tier: 'backend', zone: `zone-${i % 3}` },
    note: 'mode=bench\nlevel=info\n',
  };
}

/** The CRD: a structural schema with types, an enum, bounds, a pattern, a default and a list map. */
const WIDGET_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: CRD_NAME },
  spec: {
    group: 'bench.tskube.io', scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
    versions: [{
      name: 'v1', served: true, storage: true,
      schema: {
        openAPIV3Schema: {
          type: 'object',
          properties: {
            spec: {
              type: 'object', required: ['size', 'replicas'],
              properties: {
                size: { type: 'string', enum: ['small', 'medium', 'large'] },
                replicas: { type: 'integer', minimum: 0, maximum: 100 },
                owner: { type: 'string', pattern: '^[a-z0-9-]+$', maxLength: 63 },
                enabled: { type: 'boolean', default: true },
                ports: {
                  type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
                  items: { type: 'object', required: ['name', 'port'], properties: { name: { type: 'string' }, port: { type: 'integer', minimum: 1, maximum: 65535 } } },
                },
                labels: { type: 'object', additionalProperties: { type: 'string' } },
                note: { type: 'string' },
              },
            },
          },
        },
      },
    }],
  },
};

/**
 * Creates of a custom resource whose CRD has a schema (validated, defaulted and pruned
 * on each write) against ConfigMaps of the same size, in one run: half of each, then the
 * other half of each, so drift over the run falls on both alike.
 */
async function customResourceCreates(ctx: Context): Promise<void> {
  progress(`custom resource creates: CRD ${CRD_NAME} with a structural schema, namespace ${CR_NAMESPACE}`);
  await call(ctx.api, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: CR_NAMESPACE } }), [201]);
  await call(ctx.api, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', JSON.stringify(WIDGET_CRD), [201]);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const crd = JSON.parse(await call(ctx.api, 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}`)) as { status?: { conditions?: { type: string; status: string }[] } };
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
    if (Date.now() > deadline) throw new Error(`${CRD_NAME} not Established in 30 s`);
    await sleep(50);
  }
  const crPath = `/apis/bench.tskube.io/v1/namespaces/${CR_NAMESPACE}/widgets`;
  const cmPath = `/api/v1/namespaces/${CR_NAMESPACE}/configmaps`;
  const widget = (i: number): string => JSON.stringify({ apiVersion: 'bench.tskube.io/v1', kind: 'Widget', metadata: { name: `w-${i}`, namespace: CR_NAMESPACE }, spec: widgetSpec(i) });
  // The ConfigMap carries the same spec as text, so both bodies are the same size within a few bytes.
  const configMap = (i: number): string => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `w-${i}`, namespace: CR_NAMESPACE }, data: { spec: JSON.stringify(widgetSpec(i)) } });
  // Warm-up of the new resource's path (its first watch-cache and schema use) outside the figures.
  await runLoad(WARMUP, CREATE_CONCURRENCY, (i) => call(ctx.api, 'POST', crPath, widget(CR_CREATES + i), [201]).then(() => undefined));
  await runLoad(WARMUP, CREATE_CONCURRENCY, (i) => call(ctx.api, 'POST', cmPath, configMap(CR_CREATES + i), [201]).then(() => undefined));
  const half = Math.floor(CR_CREATES / 2);
  const results = { cr: [] as LoadResult[], cm: [] as LoadResult[] };
  for (const [from, to] of [[0, half], [half, CR_CREATES]] as const) {
    progress(`  ${count(to - from)} ConfigMap creates at c=${CREATE_CONCURRENCY}`);
    results.cm.push(await runLoad(to - from, CREATE_CONCURRENCY, (j) => call(ctx.api, 'POST', cmPath, configMap(from + j), [201]).then(() => undefined)));
    progress(`  ${count(to - from)} Widget creates at c=${CREATE_CONCURRENCY}`);
    results.cr.push(await runLoad(to - from, CREATE_CONCURRENCY, (j) => call(ctx.api, 'POST', crPath, widget(from + j), [201]).then(() => undefined)));
  }
  const perSecond = (rs: LoadResult[]): number => rs.reduce((n, r) => n + r.ok, 0) / (rs.reduce((t, r) => t + r.elapsedMs, 0) / 1000);
  const failed = (rs: LoadResult[]): number => rs.reduce((n, r) => n + r.failed, 0);
  const cr = perSecond(results.cr);
  const cm = perSecond(results.cm);
  ctx.rows.push({
    figure: `custom resource creates/s (c=${CREATE_CONCURRENCY}, ${count(CR_CREATES)})`,
    ours: rate(cr),
    baseline: `${rate(cm)} (ConfigMaps)`,
    ratio: throughputRatio(cr, cm),
    target: `>= ${CR_TARGET_RATIO.toFixed(2)}`,
    met: failed(results.cr) === 0 && cr / cm >= CR_TARGET_RATIO,
  });
  const crErr = results.cr.flatMap((r) => r.errors)[0];
  const cmErr = results.cm.flatMap((r) => r.errors)[0];
  if (failed(results.cr) || failed(results.cm)) ctx.notes.push(`custom resources: ${failed(results.cr)} Widget and ${failed(results.cm)} ConfigMap creates failed; first: ${crErr ?? cmErr}`);
  ctx.notes.push(`custom resource sizes: Widget body ${count(widget(0).length)} B, ConfigMap body ${count(configMap(0).length)} B`);
}

/**
 * The same creates over HTTPS, by a user the RBAC authorizer allows through a
 * ClusterRoleBinding (walked after the ~50 default bindings): once with a service-account
 * bearer token (a signed JWT, checked against its service account), once with a client
 * certificate; each against the plain-HTTP figure (no authentication, no authorization).
 */
async function authenticatedCreates(ctx: Context): Promise<void> {
  const { cp } = ctx;
  progress(`authenticated creates: namespace ${AUTH_NAMESPACE}, a ClusterRole to create pods bound to a service account and to user bench-cert`);
  const post = (path: string, obj: unknown): Promise<string> => call(ctx.api, 'POST', path, JSON.stringify(obj), [201]);
  await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: AUTH_NAMESPACE } });
  await post('/apis/rbac.authorization.k8s.io/v1/clusterroles', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'bench-pod-writer' },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list'] }],
  });
  await post('/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bench' } });
  await post('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'zz-bench-pod-writer' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'bench-pod-writer' },
    subjects: [{ kind: 'ServiceAccount', name: 'bench', namespace: 'default' }, { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bench-cert' }],
  });
  const tr = JSON.parse(await post('/api/v1/namespaces/default/serviceaccounts/bench/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } })) as { status: { token: string } };
  const cert = await issueClientCert(join(cp.dir, 'pki'), 'bench-cert');
  const runs: { label: string; pool: Pool; headers: Record<string, string>; prefix: string }[] = [
    { label: 'HTTPS + bearer token + RBAC', pool: new Pool(cp.secureUrl, { connections: CREATE_CONCURRENCY, connect: { ca: cp.ca } }), headers: { authorization: `Bearer ${tr.status.token}` }, prefix: 'tok' },
    { label: 'HTTPS + client certificate + RBAC', pool: new Pool(cp.secureUrl, { connections: CREATE_CONCURRENCY, connect: { ca: cp.ca, cert: cert.cert, key: cert.key } }), headers: {}, prefix: 'crt' },
  ];
  for (const r of runs) ctx.cleanups.push(() => r.pool.destroy().catch(() => undefined));
  for (const r of runs) {
    const body = (i: number): string => JSON.stringify(podBody(`${r.prefix}-${podName(i)}`, AUTH_NAMESPACE));
    // Connections and TLS sessions warmed outside the measure.
    await runLoad(WARMUP, CREATE_CONCURRENCY, (i) => call(r.pool, 'POST', `/api/v1/namespaces/${AUTH_NAMESPACE}/pods`, JSON.stringify(podBody(`${r.prefix}-warm-${i}`, AUTH_NAMESPACE)), [201], r.headers).then(() => undefined));
    progress(`authenticated creates: ${count(CREATES)} pod creates, ${r.label}, at c=${CREATE_CONCURRENCY}`);
    const bodies = Array.from({ length: CREATES }, (_, i) => body(i));
    const res = await runLoad(CREATES, CREATE_CONCURRENCY, (i) => call(r.pool, 'POST', `/api/v1/namespaces/${AUTH_NAMESPACE}/pods`, bodies[i], [201], r.headers).then(() => undefined));
    progress(`  ${describeLoad(r.label, res)}`);
    ctx.rows.push({
      figure: `creates/s, ${r.label}`,
      ours: rate(res.perSecond),
      baseline: `${rate(ctx.plainCreatesPerSecond)} (plain HTTP, no auth)`,
      ratio: throughputRatio(res.perSecond, ctx.plainCreatesPerSecond),
      target: `>= ${AUTH_TARGET_RATIO.toFixed(2)}`,
      met: res.failed === 0 && res.perSecond / ctx.plainCreatesPerSecond >= AUTH_TARGET_RATIO,
    });
    if (res.failed) ctx.notes.push(`${r.label}: ${res.failed} creates failed; first: ${res.errors[0]}`);
  }
}

async function gets(ctx: Context): Promise<void> {
  const existing: number[] = [];
  for (let i = 0; i < CREATES; i++) if (ctx.podCreated[i] && ctx.rawCreated[i]) existing.push(i);
  if (!existing.length) throw new Error('no pod was created, nothing to GET');
  // The same random sequence for both sides.
  const picks = Array.from({ length: GETS }, () => existing[Math.floor(Math.random() * existing.length)]);
  const rawKeys = picks.map((i) => Buffer.from(RAW_PREFIX + podName(i)));

  progress(`GET: baseline, ${count(GETS)} etcd3 range reads of random raw keys at c=${GET_CONCURRENCY}`);
  const raw = await runLoad(GETS, GET_CONCURRENCY, async (j) => {
    const res = await ctx.etcd.kv.range({ key: rawKeys[j] });
    if (res.kvs.length !== 1) throw new Error(`${rawKeys[j].toString()} not found`);
  });
  progress(`  ${describeLoad('raw etcd gets', raw)}`);

  progress(`GET: ours, ${count(GETS)} GETs of random pods at c=${GET_CONCURRENCY}`);
  const pods = await runLoad(GETS, GET_CONCURRENCY, (j) => call(ctx.api, 'GET', `/api/v1/namespaces/${NAMESPACE}/pods/${podName(picks[j])}`).then(() => undefined));
  progress(`  ${describeLoad('pod GETs', pods)}`);

  const o = summarize(pods.latencies);
  const b = summarize(raw.latencies);
  ctx.rows.push({
    figure: `GET p50 / p99 (c=${GET_CONCURRENCY})`,
    ours: `${ms(o.p50)} / ${ms(o.p99)}`,
    baseline: `${ms(b.p50)} / ${ms(b.p99)} (etcd)`,
    ratio: `${slowdown(o.p50, b.p50)} / ${slowdown(o.p99, b.p99)}`,
    target: '',
  });
  ctx.rows.push({ figure: '  GETs/s', ours: rate(pods.perSecond), baseline: `${rate(raw.perSecond)} (etcd)`, ratio: throughputRatio(pods.perSecond, raw.perSecond), target: '' });
  if (pods.failed || raw.failed) ctx.notes.push(`GET: ${pods.failed} pod GETs and ${raw.failed} raw gets failed; first: ${pods.errors[0] ?? raw.errors[0]}`);
}

async function lists(ctx: Context): Promise<void> {
  const { raw, pods } = await createBoth(ctx, CREATES, LIST_TOTAL, `LIST setup`);
  if (pods.failed || raw.failed) ctx.notes.push(`LIST setup: ${pods.failed} pod creates and ${raw.failed} raw creates failed; first: ${pods.errors[0] ?? raw.errors[0]}`);
  const podsExpected = ctx.podCreated.reduce((a, b) => a + b, 0);
  const rawExpected = ctx.rawCreated.reduce((a, b) => a + b, 0);

  progress(`LIST: baseline, etcd3 range over ${count(rawExpected)} raw keys with values, ${LIST_RUNS} times`);
  const rawTimes: number[] = [];
  const listSizes: string[] = [];
  for (let r = 0; r < LIST_RUNS; r++) {
    const t0 = performance.now();
    const res = await ctx.etcd.kv.range({ key: Buffer.from(RAW_PREFIX), range_end: prefixEnd(RAW_PREFIX) });
    let bytes = 0;
    for (const kv of res.kvs) bytes += kv.value.length;
    rawTimes.push(performance.now() - t0);
    if (res.kvs.length !== rawExpected) throw new Error(`etcd range returned ${res.kvs.length} keys, expected ${rawExpected}`);
    if (r === 0) listSizes.push(`etcd range ${(bytes / 1e6).toFixed(1)} MB of values`);
  }
  progress(`  etcd range: ${rawTimes.map((t) => ms(t)).join(', ')}`);

  const timeList = async (path: string, label: string): Promise<number[] | Error> => {
    progress(`LIST: ours, ${label} (GET ${path}, body read and JSON-parsed), ${LIST_RUNS} times`);
    const times: number[] = [];
    try {
      for (let r = 0; r < LIST_RUNS; r++) {
        const t0 = performance.now();
        const text = await call(ctx.api, 'GET', path);
        const list = JSON.parse(text) as { items?: unknown[] };
        times.push(performance.now() - t0);
        if (list.items?.length !== podsExpected) throw new Error(`LIST returned ${list.items?.length} pods, expected ${podsExpected}`);
        if (r === 0) listSizes.push(`${label} LIST body ${(text.length / 1e6).toFixed(1)} MB`);
      }
      progress(`  ${label}: ${times.map((t) => ms(t)).join(', ')}`);
      return times;
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      progress(`  ${label} FAILED: ${e.message}`);
      ctx.notes.push(`LIST ${label} FAILED: ${e.message}`);
      return e;
    }
  };
  // A list without resourceVersion is a consistent read: kube-apiserver (1.31+) and ours
  // serve it from the watch cache once the cache has seen etcd's current revision.
  const consistent = await timeList(`/api/v1/namespaces/${NAMESPACE}/pods`, 'consistent');
  const fromCache = await timeList(`/api/v1/namespaces/${NAMESPACE}/pods?resourceVersion=0`, 'rv=0 from the watch cache');
  // An Exact read at the current revision goes to etcd (as pages of a paginated list do).
  const current = (JSON.parse(await call(ctx.api, 'GET', `/api/v1/namespaces/${NAMESPACE}/pods?limit=1`)) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const fromEtcd = await timeList(`/api/v1/namespaces/${NAMESPACE}/pods?resourceVersion=${current}&resourceVersionMatch=Exact`, 'Exact from etcd');

  ctx.notes.push(`LIST sizes: ${listSizes.join(', ')}`);
  const base = median(rawTimes);
  const rows = [
    [`LIST ${count(podsExpected)} pods (median of ${LIST_RUNS})`, consistent, true],
    [`LIST ${count(podsExpected)} pods rv=0 (cache)`, fromCache, true],
    [`  Exact read from etcd`, fromEtcd, false],
  ] as const;
  for (const [figure, times, targeted] of rows) {
    const ours = times instanceof Error ? NaN : median(times);
    ctx.rows.push({
      figure,
      ours: times instanceof Error ? 'FAILED' : ms(ours),
      baseline: `${ms(base)} (etcd range)`,
      ratio: slowdown(ours, base),
      target: targeted ? `<= ${LIST_TARGET_MS} ms` : '',
      ...(targeted ? { met: ours <= LIST_TARGET_MS } : {}),
    });
  }
}

async function watchFanout(ctx: Context): Promise<void> {
  const listText = await call(ctx.api, 'GET', `/api/v1/namespaces/${NAMESPACE}/configmaps?limit=1`);
  const rv = (JSON.parse(listText) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const etcdWatchersBefore = await etcdWatcherCount(ctx.cp.etcd.endpoint);

  // Every (watcher, event) latency lands here; sendTimes[i] is when write i was sent.
  const expected = WATCHERS * WATCH_WRITES;
  const latencies = new Float64Array(expected);
  let delivered = 0;
  let unexpectedLines = 0;
  let firstUnexpected = '';
  let endedEarly = 0;
  let firstEnd = '';
  const phaseStart = performance.now();
  const sendTimes = new Float64Array(WATCH_WRITES).fill(NaN);
  const perWatcher = new Uint32Array(WATCHERS);
  const nameRe = /"name":"wcm-(\d+)"/;

  const watchPool = new Pool(ctx.cp.url, { connections: WATCHERS + 10, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 0 });
  const bodies: Dispatcher.ResponseData['body'][] = [];
  let closing = false;
  const closeWatches = async (): Promise<void> => {
    closing = true;
    for (const b of bodies) b.destroy();
    await watchPool.destroy().catch(() => undefined);
  };
  ctx.cleanups.push(closeWatches);

  const path = `/api/v1/namespaces/${NAMESPACE}/configmaps?watch=true&resourceVersion=${rv}&timeoutSeconds=600`;
  progress(`watch fan-out: opening ${count(WATCHERS)} HTTP watches (GET ${path}), ${WATCH_OPEN_CONCURRENCY} at a time`);
  const opened = await runLoad(WATCHERS, WATCH_OPEN_CONCURRENCY, async (w) => {
    const res = await watchPool.request({ method: 'GET', path });
    if (res.statusCode !== 200) throw new HttpError(`watch: HTTP ${res.statusCode} ${(await res.body.text()).slice(0, 300)}`);
    const body = res.body;
    bodies.push(body);
    // undici's body ignores setEncoding: decode chunks here (a decoder keeps split characters).
    const decoder = new StringDecoder('utf8');
    let rest = '';
    body.on('data', (chunk: Buffer) => {
      const now = performance.now();
      const text = rest + decoder.write(chunk);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        const line = text.slice(start, nl);
        start = nl + 1;
        const m = nameRe.exec(line);
        const sent = m ? sendTimes[Number(m[1])] : NaN;
        if (m && line.startsWith('{"type":"ADDED"') && !Number.isNaN(sent)) {
          if (delivered < expected) latencies[delivered] = now - sent;
          delivered++;
          perWatcher[w]++;
        } else {
          unexpectedLines++;
          if (!firstUnexpected) firstUnexpected = line.slice(0, 300);
        }
      }
      rest = text.slice(start);
    });
    const ended = (err?: Error): void => {
      if (closing) return;
      endedEarly++;
      if (!firstEnd) firstEnd = `${err ? `error ${err.message}` : 'end of stream'} ${((performance.now() - phaseStart) / 1000).toFixed(1)} s into the phase`;
    };
    body.on('end', () => ended());
    body.on('error', ended);
  });
  progress(`  ${opened.ok} watches established in ${(opened.elapsedMs / 1000).toFixed(2)} s${opened.failed ? `, ${opened.failed} FAILED (first: ${opened.errors[0]})` : ''}`);
  if (opened.ok === 0) throw new Error(`no watch could be opened: ${opened.errors[0]}`);
  const etcdWatchersDuring = await etcdWatcherCount(ctx.cp.etcd.endpoint);
  progress(`  etcd ${ETCD_WATCHER_METRIC}: ${etcdWatchersBefore} before the HTTP watches, ${etcdWatchersDuring} with ${count(opened.ok)} open`);

  // Baseline: one watcher directly on etcd, seeing the very same writes.
  const baseLatencies: number[] = [];
  const baseWatcher: Watcher = await ctx.etcd.watch().prefix(WATCH_PREFIX_IN_ETCD).create();
  ctx.cleanups.push(() => baseWatcher.cancel());
  baseWatcher.on('put', (kv: IKeyValue) => {
    const now = performance.now();
    const m = /wcm-(\d+)$/.exec(kv.key.toString());
    const sent = m ? sendTimes[Number(m[1])] : NaN;
    if (!Number.isNaN(sent)) baseLatencies.push(now - sent);
  });

  const writer = new Pool(ctx.cp.url, { connections: 8, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 });
  ctx.cleanups.push(() => writer.destroy());
  const intervalMs = 1000 / WATCH_WRITES_PER_SECOND;
  progress(`watch fan-out: ${count(WATCH_WRITES)} configmap creates at ${WATCH_WRITES_PER_SECOND}/s (${((WATCH_WRITES * intervalMs) / 1000).toFixed(0)} s), each to be delivered to ${count(opened.ok)} watchers`);
  const writes: Promise<void>[] = [];
  let writeFailures = 0;
  let firstWriteFailure = '';
  let etcdWatchersMidway = NaN;
  const writeStart = performance.now();
  for (let i = 0; i < WATCH_WRITES; i++) {
    const wait = writeStart + i * intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
    sendTimes[i] = performance.now();
    writes.push(call(writer, 'POST', `/api/v1/namespaces/${NAMESPACE}/configmaps`, configMapBody(cmName(i)), [201]).then(() => undefined, (err: unknown) => {
      writeFailures++;
      if (!firstWriteFailure) firstWriteFailure = err instanceof Error ? err.message : String(err);
    }));
    if (i === Math.floor(WATCH_WRITES / 2)) {
      void etcdWatcherCount(ctx.cp.etcd.endpoint).then((n) => { etcdWatchersMidway = n; }, () => undefined);
    }
    if ((i + 1) % Math.max(1, Math.round(WATCH_WRITES / 4)) === 0) {
      progress(`  sent ${i + 1}/${WATCH_WRITES} writes; ${count(delivered)} deliveries so far${endedEarly ? `; ${endedEarly} streams ENDED (${firstEnd})` : ''}`);
    }
  }
  await Promise.all(writes);
  const expectedNow = opened.ok * (WATCH_WRITES - writeFailures);
  progress(`  all writes answered${writeFailures ? ` (${writeFailures} FAILED: ${firstWriteFailure})` : ''}; waiting for ${count(expectedNow)} deliveries (up to ${DELIVERY_GRACE_MS / 1000} s)`);
  const deadline = performance.now() + DELIVERY_GRACE_MS;
  while ((delivered < expectedNow || baseLatencies.length < WATCH_WRITES - writeFailures) && performance.now() < deadline && endedEarly < opened.ok) {
    await sleep(50);
  }
  progress(`  ${count(delivered)} of ${count(expectedNow)} deliveries, baseline watcher got ${baseLatencies.length} of ${WATCH_WRITES - writeFailures}`);

  const o = summarize(latencies, Math.min(delivered, expected));
  const b = summarize(baseLatencies);
  const starved = perWatcher.reduce((n, got, w) => n + (w < opened.ok && got < WATCH_WRITES - writeFailures ? 1 : 0), 0);
  ctx.rows.push({
    figure: `watch fan-out ${count(opened.ok)} watchers p99`,
    ours: ms(o.p99),
    baseline: `${ms(b.p99)} (1 etcd watcher)`,
    ratio: slowdown(o.p99, b.p99),
    target: `<= ${WATCH_P99_TARGET_MS} ms`,
    met: o.p99 <= WATCH_P99_TARGET_MS && delivered === expectedNow,
  });
  ctx.rows.push({
    figure: '  delivery p50 / max',
    ours: `${ms(o.p50)} / ${ms(o.max)}`,
    baseline: `${ms(b.p50)} / ${ms(b.max)}`,
    ratio: `${slowdown(o.p50, b.p50)} / ${slowdown(o.max, b.max)}`,
    target: '',
  });
  ctx.rows.push({
    figure: '  deliveries (watchers x writes)',
    ours: count(delivered),
    baseline: `${count(baseLatencies.length)} (1 x ${WATCH_WRITES})`,
    ratio: '',
    target: `= ${count(WATCHERS * WATCH_WRITES)}`,
    met: delivered === WATCHERS * WATCH_WRITES,
  });
  ctx.rows.push({
    figure: 'etcd watchers during fan-out',
    ours: String(etcdWatchersDuring),
    baseline: `${etcdWatchersBefore} (before)`,
    ratio: `+${etcdWatchersDuring - etcdWatchersBefore}`,
    target: '= before',
    met: etcdWatchersDuring === etcdWatchersBefore,
  });
  if (!Number.isNaN(etcdWatchersMidway)) {
    ctx.notes.push(`etcd ${ETCD_WATCHER_METRIC} midway through the writes: ${etcdWatchersMidway} (includes the 1 baseline watcher)`);
  }
  ctx.notes.push(`watch delivery latency = time the watcher parsed the event line - time the create was sent (includes the create itself)`);
  if (opened.failed) ctx.notes.push(`watch: ${opened.failed} of ${WATCHERS} watches could not be opened; first: ${opened.errors[0]}`);
  if (writeFailures) ctx.notes.push(`watch: ${writeFailures} configmap writes failed; first: ${firstWriteFailure}`);
  if (endedEarly) ctx.notes.push(`watch: ${endedEarly} watch streams ended before the benchmark closed them; first: ${firstEnd}`);
  if (starved) ctx.notes.push(`watch: ${starved} watchers missed at least one event`);
  if (unexpectedLines) ctx.notes.push(`watch: ${unexpectedLines} unexpected lines; first: ${firstUnexpected}`);

  progress('watch fan-out: closing the watches');
  await closeWatches();
}
