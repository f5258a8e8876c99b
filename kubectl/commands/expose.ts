// `tskubectl expose TYPE NAME --port`: a Service for a pod, service, deployment or
// replica set, as kubectl expose makes it: selector from the object's selector (or
// the pod's labels), ports and protocols from its containers unless --port is given,
// labels copied from the object.
import type { Command } from 'commander';
import { resolveResource } from '../../api/registry.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { fileFlags, outputFlags } from '../command-flags.js';
import { serviceObject } from '../generators.js';
import { Failures, fetchTarget, findTargets, parseDryRun, ResultPrinter, withSource } from '../object-targets.js';
import { override } from './run.js';

interface ExposeOpts {
  filename: string[];
  recursive: boolean;
  port?: string;
  targetPort?: string;
  protocol?: string;
  type?: string;
  name?: string;
  selector?: string;
  labels?: string;
  externalIp?: string;
  loadBalancerIp?: string;
  sessionAffinity?: string;
  clusterIp?: string;
  overrides?: string;
  output?: string;
  dryRun?: string | boolean;
  fieldManager: string;
}

const EXPOSABLE = ['Pod', 'Service', 'ReplicationController', 'Deployment', 'ReplicaSet'];

interface Container { ports?: { containerPort?: number; protocol?: string }[] }
interface PodSpecLike { containers?: Container[] }
interface Exposable extends KubeObject {
  spec?: {
    selector?: Record<string, unknown> & { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
    ports?: { port?: number; protocol?: string }[];
    containers?: Container[];
    template?: { spec?: PodSpecLike };
  };
}

export function register(program: Command, cli: Cli): void {
  const expose = program.command('expose')
    .description('Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service')
    .argument('[args...]');
  fileFlags(expose, 'expose a service');
  outputFlags(expose);
  expose
    .option('--port <port>', 'The port that the service should serve on. Copied from the resource being exposed, if unspecified')
    .option('--target-port <port>', 'Name or number for the port on the container that the service should direct traffic to.')
    .option('--protocol <protocol>', 'The network protocol for the service to be created. Default is \'TCP\'.')
    .option('--type <type>', 'Type for this service: ClusterIP, NodePort, LoadBalancer, or ExternalName.')
    .option('--name <name>', 'The name for the newly created object.')
    .option('--selector <selector>', 'A label selector to use for this service. Only equality-based selector requirements are supported.')
    .option('-l, --labels <labels>', 'Labels to apply to the service created by this call.')
    .option('--external-ip <ip>', 'Additional external IP address (not managed by Kubernetes) to accept for the service.')
    .option('--load-balancer-ip <ip>', 'IP to assign to the LoadBalancer.')
    .option('--session-affinity <affinity>', 'If non-empty, set the session affinity for the service to this; legal values: \'None\', \'ClientIP\'')
    .option('--cluster-ip <ip>', 'ClusterIP to be assigned to the service. Leave empty to auto-allocate, or set to \'None\' to create a headless service.')
    .option('--overrides <json>', 'An inline JSON override for the generated object.')
    .option('--field-manager <name>', 'Name of the manager used to track field ownership.', 'kubectl-expose')
    .action(async (args: string[], opts: ExposeOpts) => runExpose(cli, args, opts));
}

function parseEqualityLabels(s: string, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of s.split(',')) {
    const kv = part.split('=');
    if (kv.length !== 2 || kv[0] === '') throw new CliError(`error: invalid ${what} spec: ${part}`);
    out[kv[0]!] = kv[1]!;
  }
  return out;
}

/** kubectl's MapBasedSelectorForObject. */
function selectorFor(obj: Exposable): Record<string, string> {
  switch (obj.kind) {
    case 'Pod':
      if (!obj.metadata.labels || Object.keys(obj.metadata.labels).length === 0) throw new Error(`the pod has no labels and cannot be exposed`);
      return obj.metadata.labels;
    case 'Service':
      if (!obj.spec?.selector || Object.keys(obj.spec.selector).length === 0) throw new Error(`the service has no pod selector set`);
      return obj.spec.selector as Record<string, string>;
    case 'ReplicationController':
      return (obj.spec?.selector ?? {}) as Record<string, string>;
    default: {
      const sel = obj.spec?.selector;
      if (sel?.matchExpressions?.length) {
        const exprs = sel.matchExpressions.map((e) => `{Key:${e.key} Operator:${e.operator} Values:[${(e.values ?? []).join(' ')}]}`).join(' ');
        throw new Error(`couldn't convert expressions - "[${exprs}]" to map-based selector format`);
      }
      return sel?.matchLabels ?? {};
    }
  }
}

function containersOf(obj: Exposable): Container[] {
  if (obj.kind === 'Pod') return obj.spec?.containers ?? [];
  return obj.spec?.template?.spec?.containers ?? [];
}

/** kubectl's PortsForObject (distinct ports, in order) and ProtocolsForObject (port → protocols). */
function portsFor(obj: Exposable): { ports: string[]; protocols: Map<string, string[]> } {
  const ports: string[] = [];
  const protocols = new Map<string, string[]>();
  const add = (port: number | undefined, protocol: string | undefined): void => {
    if (port === undefined) return;
    const p = String(port);
    if (!ports.includes(p)) ports.push(p);
    const list = protocols.get(p) ?? [];
    const proto = protocol || 'TCP';
    if (!list.includes(proto)) list.push(proto);
    protocols.set(p, list);
  };
  if (obj.kind === 'Service') for (const p of obj.spec?.ports ?? []) add(p.port, p.protocol);
  else for (const c of containersOf(obj)) for (const p of c.ports ?? []) add(p.containerPort, p.protocol);
  return { ports, protocols };
}

async function runExpose(cli: Cli, args: string[], opts: ExposeOpts): Promise<void> {
  const dryRun = parseDryRun(opts.dryRun);
  const failures = new Failures();
  const targets = await findTargets(cli, args, { filename: opts.filename, recursive: opts.recursive }, 'expose', failures);
  const svcRi = resolveResource('services')!;
  const printer = new ResultPrinter(cli, opts.output, dryRun);
  for (const t of targets) {
    try {
      if (!EXPOSABLE.includes(t.ri.kind)) throw new CliError(`error: cannot expose a ${t.ri.kind}`);
      const obj = (t.source ? await fetchTarget(cli, t) : t.obj ?? await fetchTarget(cli, t)) as Exposable;
      let selector: Record<string, string>;
      try {
        selector = opts.selector ? parseEqualityLabels(opts.selector, 'selector') : selectorFor(obj);
      } catch (err) {
        throw new CliError(`error: couldn't retrieve selectors via --selector flag or introspection: ${(err as Error).message}`);
      }
      if (Object.keys(selector).length === 0) throw new CliError('error: selector must be specified');
      const found = portsFor(obj);
      let ports = opts.port ? [opts.port] : found.ports;
      if (ports.length === 0 && opts.clusterIp !== 'None') throw new CliError(`error: couldn't find port via --port flag or introspection`);
      if (opts.port) ports = opts.port.split(',');
      const name = (opts.name ?? obj.metadata.name ?? '').slice(0, 63);
      let svc: KubeObject = serviceObject({
        name, namespace: cli.namespaceExplicit() ? cli.namespace() : undefined,
        selector, labels: opts.labels ? parseEqualityLabels(opts.labels, 'label') : obj.metadata.labels,
        ports, portProtocols: found.protocols, protocol: opts.protocol, targetPort: opts.targetPort, type: opts.type,
        externalIP: opts.externalIp, loadBalancerIP: opts.loadBalancerIp, sessionAffinity: opts.sessionAffinity, clusterIP: opts.clusterIp,
      });
      if (opts.overrides) svc = override(svc, opts.overrides, 'merge');
      if (dryRun === 'client') {
        printer.print(svcRi, svc, 'exposed');
        continue;
      }
      const created = await cli.client(svcRi).create(t.namespace, svc, { dryRun: dryRun === 'server', fieldManager: opts.fieldManager });
      printer.print(svcRi, created, 'exposed');
    } catch (err) {
      failures.add(withSource('exposing', t.source, err));
    }
  }
  failures.throwIfAny();
}
