// `tskubectl top nodes|pods`: CPU and memory from the Metrics API (metrics.k8s.io), as
// kubectl's pkg/cmd/top does: discovery must list the group ("error: Metrics API not
// available"), then NodeMetrics/PodMetrics are read (get by name or list by selector),
// nodes' allocatable (or capacity) gives the percentages, and an empty answer is
// explained ("error: metrics not available yet", or "No resources found in ... namespace.").
// The printing rules are kubectl/top-printer.ts.
import type { Command } from 'commander';
import { goDurationString } from '../../api/duration.js';
import type { APIGroupList, KubeObject, List } from '../../api/types/meta.js';
import type { Cli } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { NODE_HEADERS, POD_HEADERS, checkSortBy, nodeTopRows, podTopRows, topTable, type NodeMetricsItem, type PodMetricsItem, type SortBy, type Usage } from '../top-printer.js';

/** The versions kubectl's top reads, preferred first. */
const SUPPORTED_VERSIONS = ['v1', 'v1beta1'];
/** Pods younger than this may have no metrics yet (kubectl's metricsCreationDelay). */
const METRICS_CREATION_DELAY_MS = 2 * 60_000;

interface TopOptions {
  selector?: string;
  fieldSelector?: string;
  sortBy?: string;
  headers?: boolean;
  allNamespaces?: boolean;
  containers?: boolean;
  sum?: boolean;
  showCapacity?: boolean;
}

export function register(program: Command, cli: Cli): void {
  const top = program.command('top').description('Display resource (CPU/memory) usage');
  top.command('node').alias('nodes').alias('no')
    .description('Display resource (CPU/memory) usage of nodes')
    .usage('[NAME | -l label]')
    .argument('[name]')
    .option('-l, --selector <selector>', 'Selector (label query) to filter on, supports \'=\', \'==\', \'!=\', \'in\', \'notin\'')
    .option('--sort-by <field>', 'If non-empty, sort nodes list using specified field. The field can be either \'cpu\' or \'memory\'.')
    .option('--no-headers', 'If present, print output without headers')
    .option('--show-capacity', 'Print node resources based on Capacity instead of Allocatable(default) of the nodes.')
    .option('--use-protocol-buffers [bool]', 'Enables using protocol-buffers to access Metrics API (tskubectl reads JSON).')
    .action(async (name: string | undefined, opts: TopOptions) => topNodes(cli, name, opts));
  top.command('pod').alias('pods').alias('po')
    .description('Display resource (CPU/memory) usage of pods')
    .usage('[NAME | -l label]')
    .argument('[name]')
    .option('-l, --selector <selector>', 'Selector (label query) to filter on, supports \'=\', \'==\', \'!=\', \'in\', \'notin\'')
    .option('--field-selector <selector>', 'Selector (field query) to filter on, supports \'=\', \'==\', and \'!=\'.')
    .option('--sort-by <field>', 'If non-empty, sort pods list using specified field. The field can be either \'cpu\' or \'memory\'.')
    .option('--containers', 'If present, print usage of containers within a pod.')
    .option('-A, --all-namespaces', 'If present, list the requested object(s) across all namespaces.')
    .option('--no-headers', 'If present, print output without headers.')
    .option('--sum', 'Print the sum of the resource usage')
    .option('--use-protocol-buffers [bool]', 'Enables using protocol-buffers to access Metrics API (tskubectl reads JSON).')
    .action(async (name: string | undefined, opts: TopOptions) => topPods(cli, name, opts));
}

function validate(name: string | undefined, opts: TopOptions, command: string): SortBy {
  let sortBy: SortBy;
  try {
    sortBy = checkSortBy(opts.sortBy);
  } catch (err) {
    throw new CliError(`error: ${(err as Error).message}`);
  }
  if (name && (opts.selector || opts.fieldSelector)) throw usageError(command, 'only one of NAME or selector can be provided');
  return sortBy;
}

/** The Metrics API version discovery offers ("" when none: kubectl's SupportedMetricsAPIVersionAvailable). */
async function metricsVersion(cli: Cli): Promise<string> {
  const groups = await cli.rest().request<APIGroupList>({ path: '/apis' });
  const g = (groups.groups ?? []).find((x) => x.name === 'metrics.k8s.io');
  const version = g?.versions.find((v) => SUPPORTED_VERSIONS.includes(v.version))?.version;
  if (!version) throw new CliError('error: Metrics API not available');
  return version;
}

async function topNodes(cli: Cli, name: string | undefined, opts: TopOptions): Promise<void> {
  const sortBy = validate(name, opts, 'top node');
  const version = await metricsVersion(cli);
  const rest = cli.rest();
  const base = `/apis/metrics.k8s.io/${version}/nodes`;
  const metrics = name
    ? [await rest.request<NodeMetricsItem>({ path: `${base}/${encodeURIComponent(name)}` })]
    : (await rest.request<{ items: NodeMetricsItem[] }>({ path: base, query: { labelSelector: opts.selector } })).items ?? [];
  if (!metrics.length) throw new CliError('error: metrics not available yet');
  const nodes = name
    ? [await rest.request<KubeObject>({ path: `/api/v1/nodes/${encodeURIComponent(name)}` })]
    : (await rest.request<List>({ path: '/api/v1/nodes', query: { labelSelector: opts.selector } })).items;
  const available = new Map<string, Usage>();
  for (const n of nodes) {
    const status = (n as { status?: { allocatable?: Usage; capacity?: Usage } }).status;
    available.set(n.metadata.name as string, (opts.showCapacity ? status?.capacity : status?.allocatable) ?? {});
  }
  cli.print(topTable(opts.headers === false ? undefined : NODE_HEADERS, nodeTopRows(metrics, available, sortBy)));
}

async function topPods(cli: Cli, name: string | undefined, opts: TopOptions): Promise<void> {
  const sortBy = validate(name, opts, 'top pod');
  const version = await metricsVersion(cli);
  const rest = cli.rest();
  const all = !!opts.allNamespaces;
  const namespace = cli.namespace();
  const base = all ? `/apis/metrics.k8s.io/${version}/pods` : `/apis/metrics.k8s.io/${version}/namespaces/${encodeURIComponent(namespace)}/pods`;
  let metrics = name
    ? [await rest.request<PodMetricsItem>({ path: `${base}/${encodeURIComponent(name)}` })]
    : (await rest.request<{ items: PodMetricsItem[] }>({ path: base, query: { labelSelector: opts.selector } })).items ?? [];
  const podsPath = all ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
  if (metrics.length && opts.fieldSelector) {
    // The Metrics API filters by labels only; kubectl keeps the metrics of the pods the field selector selects.
    const pods = await rest.request<List>({ path: podsPath, query: { labelSelector: opts.selector, fieldSelector: opts.fieldSelector } });
    const selected = new Set(pods.items.map((p) => `${p.metadata.namespace as string}/${p.metadata.name as string}`));
    metrics = metrics.filter((m) => selected.has(`${m.metadata.namespace ?? ''}/${m.metadata.name ?? ''}`));
  }
  if (!metrics.length) {
    await explainEmpty(cli, name, namespace, opts);
    cli.warn(all ? 'No resources found' : `No resources found in ${namespace} namespace.`);
    return;
  }
  cli.print(topTable(opts.headers === false ? undefined : podHeaders(all, !!opts.containers),
    podTopRows(metrics, { containers: !!opts.containers, withNamespace: all, sortBy, sum: !!opts.sum, headers: opts.headers !== false })));
}

function podHeaders(withNamespace: boolean, containers: boolean): string[] {
  return [...(withNamespace ? ['NAMESPACE'] : []), ...(containers ? ['POD'] : []), ...POD_HEADERS];
}

/** kubectl's verifyEmptyMetrics: throws why there are no metrics, or returns when there are no pods at all. */
async function explainEmpty(cli: Cli, name: string | undefined, namespace: string, opts: TopOptions): Promise<void> {
  const rest = cli.rest();
  const pods = name
    ? [await rest.request<KubeObject>({ path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}` })]
    : (await rest.request<List>({ path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, query: { labelSelector: opts.selector, fieldSelector: opts.fieldSelector } })).items;
  if (!name && !pods.length) return;
  for (const pod of pods) {
    const age = Date.now() - Date.parse(pod.metadata.creationTimestamp ?? '');
    if (age > METRICS_CREATION_DELAY_MS) {
      throw new CliError(`error: Metrics not available for pod ${pod.metadata.namespace as string}/${pod.metadata.name as string}, age: ${goDurationString(age)}`);
    }
  }
  throw new CliError('error: metrics not available yet');
}
