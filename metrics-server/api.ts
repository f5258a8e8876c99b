// metrics.k8s.io/v1beta1, as metrics-server serves it behind its APIService: the
// group's discovery documents, NodeMetrics (nodes, cluster-scoped) and PodMetrics (pods,
// namespaced), get and list (labelSelector, fieldSelector on metadata.name and
// metadata.namespace), JSON or a meta.k8s.io Table. Objects come from MetricsStorage,
// fed by the Scraper; the nodes and pods they describe from informers (so a NodeMetrics
// carries its node's labels, as metrics-server's node lister gives them).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StatusError, makeStatus, methodNotAllowed, notFound } from '../api/errors.js';
import { parseFieldSelector } from '../api/fields.js';
import { parseLabelSelector } from '../api/labels.js';
import { formatQuantity, parseQuantityExact } from '../api/quantity.js';
import type { APIGroup, APIResourceList, KubeObject, Table, TableRow } from '../api/types/meta.js';
import type { Informer } from '../client/informer.js';
import type { Scraper } from './scraper.js';
import type { MetricsStorage } from './storage.js';
import { METRICS_API_VERSION, METRICS_GROUP, METRICS_VERSION, type MetricsList, type NodeMetrics, type PodMetrics } from './types.js';

export interface MetricsApiOptions {
  nodes: Informer;
  pods: Informer;
  storage: MetricsStorage;
  scraper: Scraper;
}

const GROUP_VERSION = { groupVersion: METRICS_API_VERSION, version: METRICS_VERSION };

export const METRICS_API_GROUP: APIGroup = { name: METRICS_GROUP, versions: [GROUP_VERSION], preferredVersion: GROUP_VERSION };

export const METRICS_API_RESOURCES: APIResourceList = {
  kind: 'APIResourceList', apiVersion: 'v1', groupVersion: METRICS_API_VERSION,
  resources: [
    { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
    { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
  ],
};

const notFoundPath = (): StatusError => new StatusError(makeStatus(404, 'NotFound', 'the server could not find the requested resource'));
// The group resources metrics-server names in its NotFound errors.
const NODE_METRICS = { group: METRICS_GROUP, resource: 'nodemetrics' };
const POD_METRICS = { group: METRICS_GROUP, resource: 'podmetrics' };

type Query = Record<string, string | string[] | undefined>;
const param = (q: Query, k: string): string | undefined => { const v = q[k]; return Array.isArray(v) ? v[v.length - 1] : v; };

/** An object selector from labelSelector and fieldSelector (metadata.name, metadata.namespace: what metrics-server filters on). */
function selector(q: Query): (o: KubeObject) => boolean {
  const l = param(q, 'labelSelector');
  const f = param(q, 'fieldSelector');
  const labels = l ? parseLabelSelector(l) : undefined;
  const fields = f ? parseFieldSelector(f) : undefined;
  return (o) => (!labels || labels.matches(o.metadata.labels ?? {}))
    && (!fields || fields.matches({ 'metadata.name': o.metadata.name ?? '', 'metadata.namespace': o.metadata.namespace ?? '' }));
}

/** Wants a meta.k8s.io Table (kubectl get). */
const wantsTable = (accept: string | undefined): boolean => (accept ?? '').split(',').some((t) => {
  const p = t.split(';').map((s) => s.trim().toLowerCase());
  return p.includes('as=table') && p.includes('g=meta.k8s.io');
});

/** metrics-server's ConvertToTable: Name, the usage quantities in name order (cpu, memory), Window. */
function toTable(items: (NodeMetrics | PodMetrics)[], includeObject: string): Table {
  const rows: TableRow[] = items.map((m) => {
    const usage = 'usage' in m ? m.usage : sumUsage(m);
    const row: TableRow = { cells: [m.metadata.name, usage.cpu, usage.memory, m.window] };
    if (includeObject === 'Object') row.object = m;
    else if (includeObject !== 'None') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: m.metadata };
    return row;
  });
  const col = (name: string, type: string, format: string, description = ''): Table['columnDefinitions'][number] => ({ name, type, format, description, priority: 0 });
  return {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: {},
    columnDefinitions: [col('Name', 'string', 'name', 'Name of the resource'), col('cpu', 'string', 'quantity'), col('memory', 'string', 'quantity'), col('Window', 'string', 'duration')],
    rows,
  };
}

/** A pod's usage: its containers' summed (as the Table and kubectl top show it). */
function sumUsage(m: PodMetrics): { cpu: string; memory: string } {
  let cpu = 0n;
  let mem = 0n;
  for (const c of m.containers) {
    cpu += nanos(c.usage.cpu);
    mem += nanos(c.usage.memory) / 1_000_000_000n;
  }
  return { cpu: formatNanoCpu(cpu), memory: formatBinary(mem) };
}

const nanos = (q: string): bigint => parseQuantityExact(q).nanos;
const formatNanoCpu = (n: bigint): string => formatQuantity({ nanos: n, format: 'DecimalSI' });
const formatBinary = (bytes: bigint): string => formatQuantity({ nanos: bytes * 1_000_000_000n, format: 'BinarySI' });

const json = (reply: FastifyReply, obj: unknown): void => { void reply.code(200).type('application/json').send(JSON.stringify(obj)); };

/** Registers the group's routes (its discovery documents included: what the aggregator's availability check GETs) on app. */
export function registerMetricsApi(app: FastifyInstance, o: MetricsApiOptions): void {
  const { storage, scraper } = o;
  const cached = async (inf: Informer, namespace: string | undefined, matches: (o: KubeObject) => boolean): Promise<KubeObject[]> =>
    (namespace ? inf.listByNamespace(namespace) : inf.list()).filter(matches);

  const send = (req: FastifyRequest, reply: FastifyReply, obj: NodeMetrics | PodMetrics | MetricsList<NodeMetrics> | MetricsList<PodMetrics>): void => {
    if (wantsTable(req.headers.accept)) {
      const items: (NodeMetrics | PodMetrics)[] = 'items' in obj ? obj.items : [obj];
      return json(reply, toTable(items, param(req.query as Query, 'includeObject') ?? 'Metadata'));
    }
    json(reply, obj);
  };
  const getOnly = (req: FastifyRequest): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(`${req.method} is not supported on the metrics API`);
    const q = req.query as Query;
    if (param(q, 'watch') === 'true' || param(q, 'watch') === '1') {
      throw new StatusError(makeStatus(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {}));
    }
  };

  /** Metrics of the objects; when some have none, a scrape first if nothing is fresh (metrics-server would just answer without them). */
  const fresh = async <T>(count: number, compute: () => T[]): Promise<T[]> => {
    const out = compute();
    if (out.length >= count) return out;
    await scraper.ensureFresh();
    return compute();
  };
  const nodeMetrics = (nodes: KubeObject[]): Promise<NodeMetrics[]> => fresh(nodes.length, () => storage.nodeMetrics(nodes));
  const podMetrics = (pods: KubeObject[]): Promise<PodMetrics[]> => fresh(pods.length, () => storage.podMetrics(pods));

  const listNodes = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    getOnly(req);
    const items = await nodeMetrics(await cached(o.nodes, undefined, selector(req.query as Query)));
    send(req, reply, { kind: 'NodeMetricsList', apiVersion: METRICS_API_VERSION, metadata: {}, items });
  };
  const getNode = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    getOnly(req);
    const { name } = req.params as { name: string };
    // metrics-server's typed node lister says "node" (singular) when there is none.
    const node = o.nodes.get('', name);
    if (!node) throw notFound({ group: '', resource: 'node' }, name);
    const [m] = await nodeMetrics([node]);
    if (!m) throw notFound(NODE_METRICS, name);
    send(req, reply, { kind: 'NodeMetrics', apiVersion: METRICS_API_VERSION, ...m });
  };
  const listPods = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    getOnly(req);
    const { namespace } = req.params as { namespace?: string };
    const items = await podMetrics(await cached(o.pods, namespace, selector(req.query as Query)));
    send(req, reply, { kind: 'PodMetricsList', apiVersion: METRICS_API_VERSION, metadata: {}, items });
  };
  const getPod = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    getOnly(req);
    const { namespace, name } = req.params as { namespace: string; name: string };
    const pod = o.pods.get(namespace, name);
    if (!pod) throw notFound({ group: '', resource: 'pods' }, name);
    const [m] = await podMetrics([pod]);
    if (!m) throw notFound(POD_METRICS, `${namespace}/${name}`);
    send(req, reply, { kind: 'PodMetrics', apiVersion: METRICS_API_VERSION, ...m });
  };

  const base = `/apis/${METRICS_GROUP}`;
  const v = `${base}/${METRICS_VERSION}`;
  app.get(base, (_req, reply) => json(reply, { kind: 'APIGroup', apiVersion: 'v1', ...METRICS_API_GROUP }));
  app.get(v, (_req, reply) => json(reply, METRICS_API_RESOURCES));
  app.all(`${v}/nodes`, listNodes);
  app.all(`${v}/nodes/:name`, getNode);
  app.all(`${v}/pods`, listPods);
  app.all(`${v}/namespaces/:namespace/pods`, listPods);
  app.all(`${v}/namespaces/:namespace/pods/:name`, getPod);
  app.all(`${v}/*`, () => { throw notFoundPath(); });
}
