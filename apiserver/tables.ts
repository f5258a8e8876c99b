// meta.k8s.io/v1 Table responses (Accept: application/json;as=Table;v=v1;g=meta.k8s.io):
// the columns and cells kube-apiserver prints for each kind, so `kubectl get` looks as it
// does on a real cluster. Ported from Kubernetes' pkg/printers/internalversion
// (printers.go); the server always fills the wide (priority 1) columns and kubectl
// hides them unless -o wide.
import type { ResourceInfo } from '../api/registry.js';
import { JsonPath } from '../kubectl/printers/jsonpath.js';
import { humanDuration } from '../api/duration.js';
import { isPodReady, isPodTerminal } from '../api/helpers/pod.js';
import { rfc3339 } from '../api/helpers/time.js';
import { nodeRoles } from '../api/node-roles.js';
import { DEFINITIONS } from '../api/schemas/index.js';
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from '../api/types/apps.js';
import type { CronJob, Job, JobCondition } from '../api/types/batch.js';
import { hpaFromV1 } from '../api/conversion/autoscaling.js';
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerV1, MetricSpec, MetricStatus } from '../api/types/autoscaling.js';
import { availableCondition, type APIService } from '../api/types/apiregistration.js';
import type { CertificateSigningRequest } from '../api/types/certificates.js';
import type { Lease } from '../api/types/coordination.js';
import type {
  ConfigMap, Container, Endpoints, Event, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, ReplicationController, Secret,
  Service, ServiceAccount, ServicePort,
} from '../api/types/core.js';
import { isDefaultClass, type StorageClass } from '../api/types/storage.js';
import type { PodDisruptionBudget } from '../api/types/policy.js';
import type { PriorityClass } from '../api/types/scheduling.js';
import type { IntOrString } from '../api/types/core.js';
import { accessModesString, claimClass, volumeClass } from '../api/helpers/storage.js';
import type { Endpoint, EndpointPort, EndpointSlice } from '../api/types/discovery.js';
import type {
  KubeObject, LabelSelector, ListMeta, Table, TableColumnDefinition, TableRow,
} from '../api/types/meta.js';
import type { ClusterRoleBinding, RoleBinding, Subject } from '../api/types/rbac.js';
import type { ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from '../api/types/admissionregistration.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** What each row's `object` holds: nothing, PartialObjectMetadata (the default), or the object. */
  includeObject?: IncludeObject;
  /** resourceVersion, continue and remainingItemCount of the list the rows come from. */
  listMeta?: ListMeta;
  /** The clock ages are computed against (tests); defaults to the current time. */
  now?: Date;
}

type Cells = unknown[];

interface Printer {
  columns: TableColumnDefinition[];
  /** Cells of one object, one per column, wide columns included. */
  cells(obj: KubeObject, now: Date): Cells;
  /** Row conditions (a finished pod is Completed). */
  conditions?(obj: KubeObject): TableRow['conditions'];
}

/**
 * Converts objects of one resource to a Table, as kube-apiserver's TableConvertor
 * does. Called by the REST layer for get, list and watch when the client asks for
 * a Table; items must all be of ri's kind.
 */
export function toTable(ri: ResourceInfo, items: KubeObject[], opts: TableOptions = {}): Table {
  const printer = ri.custom ? customPrinter(ri) : PRINTERS[ri.kind] ?? defaultPrinter;
  const now = opts.now ?? new Date();
  const includeObject = opts.includeObject ?? 'Metadata';
  const rows = items.map((obj): TableRow => {
    const row: TableRow = { cells: printer.cells(obj, now) };
    const conditions = printer.conditions?.(obj);
    if (conditions) row.conditions = conditions;
    if (includeObject === 'Object') {
      row.object = { kind: ri.kind, apiVersion: ri.group ? `${ri.group}/${ri.version}` : ri.version, ...obj };
    } else if (includeObject === 'Metadata') {
      row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
    }
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: tableMeta(opts.listMeta),
    columnDefinitions: printer.columns,
    rows,
  };
}

function tableMeta(m: ListMeta | undefined): ListMeta {
  const out: ListMeta = {};
  if (m?.resourceVersion !== undefined) out.resourceVersion = m.resourceVersion;
  if (m?.continue) out.continue = m.continue;
  if (m?.remainingItemCount !== undefined) out.remainingItemCount = m.remainingItemCount;
  return out;
}

// ---------------------------------------------------------------- ages

/**
 * The age of a timestamp as Kubernetes prints it (duration.HumanDuration of now minus
 * from): "0s", "59s", "5m3s", "10m", "3h5m", "8h", "2d3h", "8d", "2y40d", "8y".
 * "<unknown>" for a missing or unparsable timestamp, "<invalid>" for one more than a
 * second in the future.
 */
export function formatAge(from: string | undefined | null, now: Date): string {
  if (!from) return '<unknown>';
  const t = Date.parse(from);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

const age = (obj: KubeObject, now: Date): string => formatAge(obj.metadata.creationTimestamp, now);

// ---------------------------------------------------------------- formatting helpers

/** labels.FormatLabels: sorted "k=v" pairs joined by commas, "<none>" when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (!keys.length) return '<none>';
  return keys.map((k) => `${k}=${(labels as Record<string, string>)[k]}`).join(',');
}

/**
 * The string form of a LabelSelector, as labels.Selector.String() prints it:
 * requirements sorted by key, "k=v", "k in (a,b)", "k notin (a)", "k", "!k".
 * Empty for a null or empty selector.
 */
export function labelSelectorString(sel: LabelSelector | undefined | null): string {
  if (!sel) return '';
  const reqs: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key: k, text: `${k}=${v}` });
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort();
    switch (e.operator) {
      case 'In': reqs.push({ key: e.key, text: `${e.key} in (${values.join(',')})` }); break;
      case 'NotIn': reqs.push({ key: e.key, text: `${e.key} notin (${values.join(',')})` }); break;
      case 'Exists': reqs.push({ key: e.key, text: e.key }); break;
      case 'DoesNotExist': reqs.push({ key: e.key, text: `!${e.key}` }); break;
      default: return '<error>';
    }
  }
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

/** metav1.FormatLabelSelector: the selector string, "<none>" when it is empty. */
export function formatLabelSelector(sel: LabelSelector | undefined | null): string {
  return labelSelectorString(sel) || '<none>';
}

/** Container names and images, each joined by commas. */
function containerCells(containers: Container[] | undefined): [string, string] {
  const cs = containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(',')];
}

/** net.JoinHostPort: IPv6 addresses get brackets. */
const joinHostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

// ---------------------------------------------------------------- column descriptions

/** The description of a field of a definition, as Kubernetes takes column descriptions from SwaggerDoc(). */
function doc(definition: string, field: string): string {
  const full = definition.includes('.') ? definition : `io.k8s.api.core.v1.${definition}`;
  return DEFINITIONS[full]?.properties?.[field]?.description ?? '';
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const col = (name: string, type: string, description: string, priority = 0, format = ''): TableColumnDefinition => ({ name, type, format, description, priority });
const NAME = col('Name', 'string', doc(META, 'name'), 0, 'name');
const AGE = col('Age', 'string', doc(META, 'creationTimestamp'));
const CONTAINERS = col('Containers', 'string', 'Names of each container in the template.', 1);
const IMAGES = col('Images', 'string', 'Images referenced by each container in the template.', 1);

// ---------------------------------------------------------------- Pod

const podSuccessConditions = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
const podFailedConditions = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

const isRestartableInit = (c: Container | undefined): boolean => c?.restartPolicy === 'Always';
const time = (s: string | null | undefined): number => (s ? Date.parse(s) || 0 : 0);

/** The cells of the default pod columns: name, ready, status, restarts, age, then the wide ones. */
export function podCells(pod: Pod, now: Date): Cells {
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = (spec.containers ?? []).length;
  let readyContainers = 0;
  let lastRestartDate = 0;
  let lastRestartableInitRestartDate = 0;

  const podPhase = status.phase ?? '';
  let reason: string = status.reason || podPhase;

  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initContainers = new Map<string, Container>();
  for (const c of spec.initContainers ?? []) {
    initContainers.set(c.name, c);
    if (isRestartableInit(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    const restartable = isRestartableInit(initContainers.get(c.name));
    restarts += c.restartCount ?? 0;
    const lastTerminated = c.lastState?.terminated;
    if (lastTerminated) lastRestartDate = Math.max(lastRestartDate, time(lastTerminated.finishedAt));
    if (restartable) {
      restartableInitRestarts += c.restartCount ?? 0;
      if (lastTerminated) lastRestartableInitRestartDate = Math.max(lastRestartableInitRestartDate, time(lastTerminated.finishedAt));
    }
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (restartable && c.started) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (terminated) {
      // Initialization failed.
      if (!terminated.reason) {
        reason = terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode}`;
      } else {
        reason = `Init:${terminated.reason}`;
      }
    } else if (waiting && waiting.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }

  const initialized = (status.conditions ?? []).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = restartableInitRestarts;
    lastRestartDate = lastRestartableInitRestartDate;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount ?? 0;
      const lastTerminated = c.lastState?.terminated;
      if (lastTerminated) lastRestartDate = Math.max(lastRestartDate, time(lastTerminated.finishedAt));
      const waiting = c.state?.waiting;
      const terminated = c.state?.terminated;
      if (waiting && waiting.reason) {
        reason = waiting.reason;
      } else if (terminated && terminated.reason) {
        reason = terminated.reason;
      } else if (terminated) {
        reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
      } else if (c.ready && c.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // Back to Running while at least one container still runs.
    if (reason === 'Completed' && hasRunning) {
      reason = isPodReady(pod) ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') {
    reason = 'Unknown';
  } else if (pod.metadata.deletionTimestamp && !isPodTerminal(pod)) {
    reason = 'Terminating';
  }

  let restartsCell = String(restarts);
  if (restarts !== 0 && lastRestartDate !== 0) restartsCell = `${restarts} (${humanDuration(now.getTime() - lastRestartDate)} ago)`;

  const podIP = status.podIPs?.[0]?.ip || status.podIP || '<none>';
  let readinessGates = '<none>';
  if (spec.readinessGates?.length) {
    let trueConditions = 0;
    for (const gate of spec.readinessGates) {
      const cond = (status.conditions ?? []).find((c) => c.type === gate.conditionType);
      if (cond?.status === 'True') trueConditions++;
    }
    readinessGates = `${trueConditions}/${spec.readinessGates.length}`;
  }
  return [
    pod.metadata.name ?? '', `${readyContainers}/${totalContainers}`, reason, restartsCell, age(pod, now),
    podIP, spec.nodeName || '<none>', status.nominatedNodeName || '<none>', readinessGates,
  ];
}

const podPrinter: Printer = {
  columns: [
    NAME,
    col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE,
    col('IP', 'string', doc('PodStatus', 'podIP'), 1),
    col('Node', 'string', doc('PodSpec', 'nodeName'), 1),
    col('Nominated Node', 'string', doc('PodStatus', 'nominatedNodeName'), 1),
    col('Readiness Gates', 'string', doc('PodSpec', 'readinessGates'), 1),
  ],
  cells: (obj, now) => podCells(obj as Pod, now),
  conditions: (obj) => {
    const phase = (obj as Pod).status?.phase;
    if (phase === 'Succeeded') return podSuccessConditions;
    if (phase === 'Failed') return podFailedConditions;
    return undefined;
  },
};

// ---------------------------------------------------------------- Node


/** The Status cell of a node: Ready, NotReady or Unknown, plus ",SchedulingDisabled" when cordoned. */
export function nodeStatus(node: Node): string {
  const status: string[] = [];
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === 'Ready').pop();
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (!status.length) status.push('Unknown');
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

const nodeAddress = (node: Node, type: string): string => node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';

const nodePrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'string', 'The status of the node'),
    col('Roles', 'string', 'The roles of the node'),
    AGE,
    col('Version', 'string', doc('NodeSystemInfo', 'kubeletVersion')),
    col('Internal-IP', 'string', doc('NodeStatus', 'addresses'), 1),
    col('External-IP', 'string', doc('NodeStatus', 'addresses'), 1),
    col('OS-Image', 'string', doc('NodeSystemInfo', 'osImage'), 1),
    col('Kernel-Version', 'string', doc('NodeSystemInfo', 'kernelVersion'), 1),
    col('Container-Runtime', 'string', doc('NodeSystemInfo', 'containerRuntimeVersion'), 1),
  ],
  cells: (obj, now) => {
    const node = obj as Node;
    const info = node.status?.nodeInfo;
    return [
      node.metadata.name ?? '', nodeStatus(node), nodeRoles(node).join(',') || '<none>', age(node, now), info?.kubeletVersion ?? '',
      nodeAddress(node, 'InternalIP'), nodeAddress(node, 'ExternalIP'),
      info?.osImage || '<unknown>', info?.kernelVersion || '<unknown>', info?.containerRuntimeVersion || '<unknown>',
    ];
  },
};

// ---------------------------------------------------------------- Service, Endpoints

/** The Port(s) cell: "80/TCP", "80:30080/TCP", joined by commas. */
export function servicePorts(ports: ServicePort[] | undefined): string {
  const pieces = (ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? ''}` : `${p.port}/${p.protocol ?? ''}`));
  return pieces.join(',') || '<none>';
}

/** loadBalancerStatusStringer: each ingress's IP (else hostname), once each, sorted (sets.String.List()). */
function loadBalancerIPs(svc: Service): string {
  const seen = new Set<string>();
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (ing.ip) seen.add(ing.ip);
    else if (ing.hostname) seen.add(ing.hostname);
  }
  return [...seen].sort().join(',');
}

/** The External-IP cell of a service (the wide form: never truncated). */
export function serviceExternalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const externalIPs = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIPs(svc);
      if (externalIPs.length) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

const servicePrinter: Printer = {
  columns: [
    NAME,
    col('Type', 'string', doc('ServiceSpec', 'type')),
    col('Cluster-IP', 'string', doc('ServiceSpec', 'clusterIP')),
    col('External-IP', 'string', doc('ServiceSpec', 'externalIPs')),
    col('Port(s)', 'string', doc('ServiceSpec', 'ports')),
    AGE,
    col('Selector', 'string', doc('ServiceSpec', 'selector'), 1),
  ],
  cells: (obj, now) => {
    const svc = obj as Service;
    const spec = svc.spec ?? {};
    const clusterIP = spec.clusterIPs?.[0] || spec.clusterIP || '<none>';
    return [svc.metadata.name ?? '', spec.type ?? '', clusterIP, serviceExternalIP(svc), servicePorts(spec.ports), age(svc, now), formatLabels(spec.selector)];
  },
};

/** The Endpoints cell: up to three "ip:port" entries, then " + N more...". */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (!subsets.length) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    if (!ss.ports?.length) {
      // Headless services may have no ports.
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) { more = true; break; }
        list.push(a.ip);
      }
      continue;
    }
    for (const port of ss.ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) { more = true; break; }
        list.push(joinHostPort(a.ip, port.port));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

const endpointsPrinter: Printer = {
  columns: [NAME, col('Endpoints', 'string', doc('Endpoints', 'subsets')), AGE],
  cells: (obj, now) => [obj.metadata.name ?? '', formatEndpoints(obj as Endpoints), age(obj, now)],
};

// ---------------------------------------------------------------- Namespace, ConfigMap, Secret, Lease, ServiceAccount

const namespacePrinter: Printer = {
  columns: [NAME, col('Status', 'string', 'The status of the namespace'), AGE],
  cells: (obj, now) => [obj.metadata.name ?? '', (obj as Namespace).status?.phase ?? '', age(obj, now)],
};

const configMapPrinter: Printer = {
  columns: [NAME, col('Data', 'string', doc('ConfigMap', 'data')), AGE],
  cells: (obj, now) => {
    const cm = obj as ConfigMap;
    return [cm.metadata.name ?? '', Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, age(cm, now)];
  },
};

const secretPrinter: Printer = {
  columns: [NAME, col('Type', 'string', doc('Secret', 'type')), col('Data', 'string', doc('Secret', 'data')), AGE],
  cells: (obj, now) => {
    const s = obj as Secret;
    return [s.metadata.name ?? '', s.type ?? '', Object.keys(s.data ?? {}).length, age(s, now)];
  },
};

const leasePrinter: Printer = {
  columns: [NAME, col('Holder', 'string', doc('io.k8s.api.coordination.v1.LeaseSpec', 'holderIdentity')), AGE],
  cells: (obj, now) => [obj.metadata.name ?? '', (obj as Lease).spec?.holderIdentity ?? '', age(obj, now)],
};

// kube-aggregator's APIService TableConvertor: the Service or "Local", and Available as
// "True", or "False (Reason)" when not.
const apiServicePrinter: Printer = {
  columns: [
    NAME,
    col('Service', 'string', 'The reference to the service that hosts this API endpoint.'),
    col('Available', 'string', 'Whether this service is available.'),
    AGE,
  ],
  cells: (obj, now) => {
    const s = obj as APIService;
    const service = s.spec?.service ? `${s.spec.service.namespace ?? ''}/${s.spec.service.name ?? ''}` : 'Local';
    const c = availableCondition(s);
    const available = !c ? 'Unknown' : c.status !== 'True' && c.reason ? `${c.status} (${c.reason})` : c.status;
    return [s.metadata.name ?? '', service, available, age(s, now)];
  },
};

const serviceAccountPrinter: Printer = {
  columns: [NAME, col('Secrets', 'string', doc('ServiceAccount', 'secrets')), AGE],
  cells: (obj, now) => [obj.metadata.name ?? '', ((obj as ServiceAccount).secrets ?? []).length, age(obj, now)],
};

// ---------------------------------------------------------------- RoleBinding, ClusterRoleBinding

/**
 * rbac.SubjectsStrings: the names of a binding's users, groups and service accounts
 * ("namespace/name"), and of subjects of any other kind ("kind/namespace/name").
 */
export function subjectsStrings(subjects: Subject[] | undefined): { users: string[]; groups: string[]; serviceAccounts: string[]; others: string[] } {
  const out = { users: [] as string[], groups: [] as string[], serviceAccounts: [] as string[], others: [] as string[] };
  for (const s of subjects ?? []) {
    switch (s.kind) {
      case 'ServiceAccount': out.serviceAccounts.push(`${s.namespace ?? ''}/${s.name ?? ''}`); break;
      case 'User': out.users.push(s.name ?? ''); break;
      case 'Group': out.groups.push(s.name ?? ''); break;
      default: out.others.push(`${s.kind ?? ''}/${s.namespace ?? ''}/${s.name ?? ''}`);
    }
  }
  return out;
}

/**
 * RoleBindings and ClusterRoleBindings print the same cells: the role as "Kind/name",
 * then (wide) the subjects by kind, joined by ", ". Only the column descriptions differ.
 */
function bindingPrinter(definition: string, what: string): Printer {
  return {
    columns: [
      NAME,
      col('Role', 'string', doc(definition, 'roleRef')),
      AGE,
      col('Users', 'string', `Users in the ${what}`, 1),
      col('Groups', 'string', `Groups in the ${what}`, 1),
      col('ServiceAccounts', 'string', `ServiceAccounts in the ${what}`, 1),
    ],
    cells: (obj, now) => {
      const b = obj as RoleBinding | ClusterRoleBinding;
      const { users, groups, serviceAccounts } = subjectsStrings(b.subjects);
      return [b.metadata.name ?? '', `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`, age(b, now), users.join(', '), groups.join(', '), serviceAccounts.join(', ')];
    },
  };
}

const RBAC = 'io.k8s.api.rbac.v1.';
const roleBindingPrinter = bindingPrinter(`${RBAC}RoleBinding`, 'roleBinding');
const clusterRoleBindingPrinter = bindingPrinter(`${RBAC}ClusterRoleBinding`, 'clusterRoleBinding');

// ---------------------------------------------------------------- CertificateSigningRequest

/**
 * extractCSRStatus: Denied, else Approved, else Pending; then ",Failed" when the signer
 * failed it and ",Issued" once it holds a certificate ("Approved,Issued").
 */
export function csrCondition(csr: CertificateSigningRequest): string {
  const types = new Set((csr.status?.conditions ?? []).map((c) => c.type));
  let status = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) status += ',Failed';
  if (csr.status?.certificate) status += ',Issued';
  return status;
}

const CSR = 'io.k8s.api.certificates.v1.';
const csrPrinter: Printer = {
  columns: [
    NAME, AGE,
    col('SignerName', 'string', doc(`${CSR}CertificateSigningRequestSpec`, 'signerName')),
    // Kubernetes describes Requestor with the request field's documentation.
    col('Requestor', 'string', doc(`${CSR}CertificateSigningRequestSpec`, 'request')),
    col('RequestedDuration', 'string', doc(`${CSR}CertificateSigningRequestSpec`, 'expirationSeconds')),
    col('Condition', 'string', doc(`${CSR}CertificateSigningRequestStatus`, 'conditions')),
  ],
  cells: (obj, now) => {
    const csr = obj as CertificateSigningRequest;
    const seconds = csr.spec?.expirationSeconds;
    return [
      csr.metadata.name ?? '', age(csr, now), csr.spec?.signerName || '<none>', csr.spec?.username ?? '',
      typeof seconds === 'number' ? humanDuration(seconds * 1000) : '<none>', csrCondition(csr),
    ];
  },
};

// ---------------------------------------------------------------- Event

function eventSource(e: Event): string {
  const component = e.source?.component || e.reportingComponent || '';
  const instance = e.source?.host || e.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

/** Cells of an event: last seen, type, reason, object, subobject, source, message, first seen, count, name. */
export function eventCells(e: Event, now: Date): Cells {
  const firstTimestamp = e.firstTimestamp ? formatAge(e.firstTimestamp, now) : formatAge(e.eventTime, now);
  let lastTimestamp = e.lastTimestamp ? formatAge(e.lastTimestamp, now) : firstTimestamp;
  let count = e.count ?? 0;
  if (e.series) {
    lastTimestamp = formatAge(e.series.lastObservedTime, now);
    count = e.series.count ?? 0;
  } else if (count === 0) {
    // Singleton events of the new API have no count.
    count = 1;
  }
  const involved = e.involvedObject ?? {};
  const kind = (involved.kind ?? '').toLowerCase();
  const target = involved.name ? `${kind}/${involved.name}` : kind;
  return [lastTimestamp, e.type ?? '', e.reason ?? '', target, involved.fieldPath ?? '', eventSource(e), (e.message ?? '').trim(), firstTimestamp, count, e.metadata.name ?? ''];
}

const eventPrinter: Printer = {
  columns: [
    col('Last Seen', 'string', doc('Event', 'lastTimestamp')),
    col('Type', 'string', doc('Event', 'type')),
    col('Reason', 'string', doc('Event', 'reason')),
    col('Object', 'string', doc('Event', 'involvedObject')),
    col('Subobject', 'string', doc('ObjectReference', 'fieldPath'), 1),
    col('Source', 'string', doc('Event', 'source'), 1),
    col('Message', 'string', doc('Event', 'message')),
    col('First Seen', 'string', doc('Event', 'firstTimestamp'), 1),
    col('Count', 'string', doc('Event', 'count'), 1),
    col('Name', 'string', doc(META, 'name'), 1, 'name'),
  ],
  cells: (obj, now) => eventCells(obj as Event, now),
};

// ---------------------------------------------------------------- ReplicaSet, Deployment, ReplicationController

const RS = 'io.k8s.api.apps.v1.';

/**
 * ReplicaSets and ReplicationControllers print the same columns from the same fields
 * of their spec and status definitions; only the form of their selector differs.
 */
function replicaPrinter<T extends ReplicaSet | ReplicationController>(spec: string, status: string, selector: (obj: T) => string): Printer {
  return {
    columns: [
      NAME,
      col('Desired', 'integer', doc(spec, 'replicas')),
      col('Current', 'integer', doc(status, 'replicas')),
      col('Ready', 'integer', doc(status, 'readyReplicas')),
      AGE, CONTAINERS, IMAGES,
      col('Selector', 'string', doc(spec, 'selector'), 1),
    ],
    cells: (obj, now) => {
      const o = obj as T;
      const [names, images] = containerCells(o.spec?.template?.spec?.containers);
      return [o.metadata.name ?? '', o.spec?.replicas ?? 0, o.status?.replicas ?? 0, o.status?.readyReplicas ?? 0, age(o, now), names, images, selector(o)];
    },
  };
}

const replicaSetPrinter = replicaPrinter<ReplicaSet>(`${RS}ReplicaSetSpec`, `${RS}ReplicaSetStatus`, (rs) => formatLabelSelector(rs.spec?.selector));
const replicationControllerPrinter = replicaPrinter<ReplicationController>('ReplicationControllerSpec', 'ReplicationControllerStatus', (rc) => formatLabels(rc.spec?.selector));

const deploymentPrinter: Printer = {
  columns: [
    NAME,
    col('Ready', 'string', 'Number of the pod with ready state'),
    col('Up-to-date', 'string', doc(`${RS}DeploymentStatus`, 'updatedReplicas')),
    col('Available', 'string', doc(`${RS}DeploymentStatus`, 'availableReplicas')),
    AGE, CONTAINERS, IMAGES,
    col('Selector', 'string', doc(`${RS}DeploymentSpec`, 'selector'), 1),
  ],
  cells: (obj, now) => {
    const d = obj as Deployment;
    const [names, images] = containerCells(d.spec?.template?.spec?.containers);
    return [
      d.metadata.name ?? '', `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`, d.status?.updatedReplicas ?? 0, d.status?.availableReplicas ?? 0,
      age(d, now), names, images, labelSelectorString(d.spec?.selector),
    ];
  },
};

// ---------------------------------------------------------------- DaemonSet, StatefulSet, ControllerRevision

const daemonSetPrinter: Printer = {
  columns: [
    NAME,
    col('Desired', 'integer', doc(`${RS}DaemonSetStatus`, 'desiredNumberScheduled')),
    col('Current', 'integer', doc(`${RS}DaemonSetStatus`, 'currentNumberScheduled')),
    col('Ready', 'integer', doc(`${RS}DaemonSetStatus`, 'numberReady')),
    col('Up-to-date', 'integer', doc(`${RS}DaemonSetStatus`, 'updatedNumberScheduled')),
    col('Available', 'integer', doc(`${RS}DaemonSetStatus`, 'numberAvailable')),
    col('Node Selector', 'string', doc('PodSpec', 'nodeSelector')),
    AGE, CONTAINERS, IMAGES,
    col('Selector', 'string', doc(`${RS}DaemonSetSpec`, 'selector'), 1),
  ],
  cells: (obj, now) => {
    const ds = obj as DaemonSet;
    const [names, images] = containerCells(ds.spec?.template?.spec?.containers);
    const st = ds.status;
    return [
      ds.metadata.name ?? '', st?.desiredNumberScheduled ?? 0, st?.currentNumberScheduled ?? 0, st?.numberReady ?? 0,
      st?.updatedNumberScheduled ?? 0, st?.numberAvailable ?? 0, formatLabels(ds.spec?.template?.spec?.nodeSelector),
      age(ds, now), names, images, formatLabelSelector(ds.spec?.selector),
    ];
  },
};

// ---------------------------------------------------------------- Job, CronJob

const BATCH = 'io.k8s.api.batch.v1.';

const hasJobCondition = (conditions: JobCondition[] | undefined, type: string): boolean =>
  (conditions ?? []).some((c) => c.type === type && c.status === 'True');

/** printJob's Status cell: the first of Complete, Failed, Terminating, Suspended, FailureTarget, SuccessCriteriaMet, else Running. */
function jobStatusCell(job: Job): string {
  const conditions = job.status?.conditions;
  if (hasJobCondition(conditions, 'Complete')) return 'Complete';
  if (hasJobCondition(conditions, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (hasJobCondition(conditions, 'Suspended')) return 'Suspended';
  if (hasJobCondition(conditions, 'FailureTarget')) return 'FailureTarget';
  if (hasJobCondition(conditions, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

/** printJob's Completions cell: "succeeded/completions", or "n/1 of parallelism" for a work queue. */
function jobCompletionsCell(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  const completions = job.spec?.completions;
  if (completions !== undefined && completions !== null) return `${succeeded}/${completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** printJob's Duration cell: start to completion, or to now while running; empty before it starts. */
function jobDurationCell(job: Job, now: Date): string {
  const start = Date.parse(job.status?.startTime ?? '');
  if (Number.isNaN(start)) return '';
  const end = Date.parse(job.status?.completionTime ?? '');
  return humanDuration((Number.isNaN(end) ? now.getTime() : end) - start);
}

const jobPrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'string', 'Status of the job.'),
    col('Completions', 'string', doc(`${BATCH}JobStatus`, 'succeeded')),
    col('Duration', 'string', 'Time required to complete the job.'),
    AGE, CONTAINERS, IMAGES,
    col('Selector', 'string', doc(`${BATCH}JobSpec`, 'selector'), 1),
  ],
  cells: (obj, now) => {
    const job = obj as Job;
    const [names, images] = containerCells(job.spec?.template?.spec?.containers);
    return [
      job.metadata.name ?? '', jobStatusCell(job), jobCompletionsCell(job), jobDurationCell(job, now), age(job, now),
      names, images, formatLabelSelector(job.spec?.selector),
    ];
  },
};

const statefulSetPrinter: Printer = {
  columns: [NAME, col('Ready', 'string', 'Number of the pod with ready state'), AGE, CONTAINERS, IMAGES],
  cells: (obj, now) => {
    const sts = obj as StatefulSet;
    const [names, images] = containerCells(sts.spec?.template?.spec?.containers);
    return [sts.metadata.name ?? '', `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? 0}`, age(sts, now), names, images];
  },
};

/** "daemonset.apps/web": the controller's kind and group, lower-cased, and its name (formatResourceName). */
function controllerName(obj: KubeObject): string {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller);
  if (!ref) return '<none>';
  const slash = ref.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  return `${(group ? `${ref.kind}.${group}` : ref.kind).toLowerCase()}/${ref.name}`;
}

const controllerRevisionPrinter: Printer = {
  columns: [
    NAME,
    col('Controller', 'string', 'Controller of the object'),
    col('Revision', 'string', doc(`${RS}ControllerRevision`, 'revision')),
    AGE,
  ],
  cells: (obj, now) => {
    const cr = obj as ControllerRevision;
    return [cr.metadata.name ?? '', controllerName(cr), cr.revision ?? 0, age(cr, now)];
  },
};

/** printBoolPtr: "<unset>", "True" or "False". */
const boolPtr = (v: boolean | undefined | null): string => (v === undefined || v === null ? '<unset>' : v ? 'True' : 'False');

const cronJobPrinter: Printer = {
  columns: [
    NAME,
    col('Schedule', 'string', doc(`${BATCH}CronJobSpec`, 'schedule')),
    col('Timezone', 'string', doc(`${BATCH}CronJobSpec`, 'timeZone')),
    col('Suspend', 'boolean', doc(`${BATCH}CronJobSpec`, 'suspend')),
    col('Active', 'integer', doc(`${BATCH}CronJobStatus`, 'active')),
    col('Last Schedule', 'string', doc(`${BATCH}CronJobStatus`, 'lastScheduleTime')),
    AGE, CONTAINERS, IMAGES,
    col('Selector', 'string', doc(`${BATCH}JobSpec`, 'selector'), 1),
  ],
  cells: (obj, now) => {
    const cj = obj as CronJob;
    const last = cj.status?.lastScheduleTime ? formatAge(cj.status.lastScheduleTime, now) : '<none>';
    const jobSpec = cj.spec?.jobTemplate?.spec;
    const [names, images] = containerCells(jobSpec?.template?.spec?.containers);
    return [
      cj.metadata.name ?? '', cj.spec?.schedule ?? '', cj.spec?.timeZone ?? '<none>', boolPtr(cj.spec?.suspend),
      (cj.status?.active ?? []).length, last, age(cj, now), names, images, formatLabelSelector(jobSpec?.selector),
    ];
  },
};

// ---------------------------------------------------------------- HorizontalPodAutoscaler

/**
 * formatHPAMetrics: "<current>/<target>" per metric ("cpu: 12%/50%" for a resource
 * utilization, "<unknown>" before the controller measured it), the first two, then
 * " + N more...".
 */
export function formatHPAMetrics(specs: MetricSpec[] | undefined, statuses: MetricStatus[] | null | undefined): string {
  const all = specs ?? [];
  if (all.length === 0) return '<none>';
  const st = statuses ?? [];
  const cells = all.map((spec, i) => {
    const status = st[i];
    const unknown = '<unknown>';
    switch (spec.type) {
      case 'External':
      case 'Object': {
        const src = spec.type === 'External' ? spec.external : spec.object;
        const cur = spec.type === 'External' ? status?.external : status?.object;
        if (src?.target?.averageValue !== undefined) return `${cur?.current?.averageValue ?? unknown}/${src.target.averageValue} (avg)`;
        return `${cur ? cur.current?.value ?? '<nil>' : unknown}/${src?.target?.value ?? '<nil>'}`;
      }
      case 'Pods':
        return `${status?.pods ? status.pods.current?.averageValue ?? '<nil>' : unknown}/${spec.pods?.target?.averageValue ?? '<nil>'}`;
      case 'Resource':
      case 'ContainerResource': {
        const src = spec.type === 'Resource' ? spec.resource : spec.containerResource;
        const cur = spec.type === 'Resource' ? status?.resource : status?.containerResource;
        const name = src?.name ?? '';
        if (src?.target?.averageValue !== undefined) return `${name}: ${cur ? cur.current?.averageValue ?? '<nil>' : unknown}/${src.target.averageValue}`;
        const current = cur?.current?.averageUtilization !== undefined ? `${cur.current.averageUtilization}%` : unknown;
        const target = src?.target?.averageUtilization !== undefined ? `${src.target.averageUtilization}%` : '<auto>';
        return `${name}: ${current}/${target}`;
      }
      default:
        return '<unknown type>';
    }
  });
  const max = 2;
  if (cells.length > max) return `${cells.slice(0, max).join(', ')} + ${cells.length - max} more...`;
  return cells.join(', ');
}

const HPA = 'io.k8s.api.autoscaling.v2.';

const horizontalPodAutoscalerPrinter: Printer = {
  columns: [
    NAME,
    col('Reference', 'string', doc(`${HPA}HorizontalPodAutoscalerSpec`, 'scaleTargetRef')),
    col('Targets', 'string', doc(`${HPA}HorizontalPodAutoscalerSpec`, 'metrics')),
    col('MinPods', 'string', doc(`${HPA}HorizontalPodAutoscalerSpec`, 'minReplicas')),
    col('MaxPods', 'string', doc(`${HPA}HorizontalPodAutoscalerSpec`, 'maxReplicas')),
    col('Replicas', 'string', doc(`${HPA}HorizontalPodAutoscalerStatus`, 'currentReplicas')),
    AGE,
  ],
  cells: (obj, now) => {
    // Kubernetes prints every version from the internal one: v1 objects as v2 shows them.
    const hpa = obj.apiVersion === 'autoscaling/v1' ? hpaFromV1(obj as HorizontalPodAutoscalerV1) : obj as HorizontalPodAutoscaler;
    const spec = hpa.spec;
    return [
      hpa.metadata.name ?? '',
      `${spec?.scaleTargetRef?.kind ?? ''}/${spec?.scaleTargetRef?.name ?? ''}`,
      formatHPAMetrics(spec?.metrics, hpa.status?.currentMetrics),
      spec?.minReplicas !== undefined ? String(spec.minReplicas) : '<unset>',
      spec?.maxReplicas ?? 0,
      hpa.status?.currentReplicas ?? 0,
      age(hpa, now),
    ];
  },
};

// ---------------------------------------------------------------- EndpointSlice

/** listWithMoreString: the first three, then " + N more...", "<unset>" when there are none. */
function listWithMore(items: string[], total: number, max: number): string {
  const text = items.join(',');
  if (total > max) return `${text} + ${total - max} more...`;
  return text || '<unset>';
}

/** The Ports cell of an EndpointSlice: port numbers (a name, or "*", for a port without one). */
function formatDiscoveryPorts(ports: EndpointPort[] | null | undefined): string {
  const all = ports ?? [];
  return listWithMore(all.slice(0, 3).map((p) => (p.port !== undefined && p.port !== null ? String(p.port) : p.name ?? '*')), all.length, 3);
}

/** The Endpoints cell of an EndpointSlice: the first three addresses of all its endpoints. */
function formatDiscoveryEndpoints(endpoints: Endpoint[] | null | undefined): string {
  const addresses = (endpoints ?? []).flatMap((e) => e.addresses ?? []);
  return listWithMore(addresses.slice(0, 3), addresses.length, 3);
}

const DISCOVERY = 'io.k8s.api.discovery.v1.EndpointSlice';

const endpointSlicePrinter: Printer = {
  columns: [
    NAME,
    col('AddressType', 'string', doc(DISCOVERY, 'addressType')),
    col('Ports', 'string', doc(DISCOVERY, 'ports')),
    col('Endpoints', 'string', doc(DISCOVERY, 'endpoints')),
    AGE,
  ],
  cells: (obj, now) => {
    const slice = obj as EndpointSlice;
    return [slice.metadata.name ?? '', slice.addressType ?? '', formatDiscoveryPorts(slice.ports), formatDiscoveryEndpoints(slice.endpoints), age(slice, now)];
  },
};

// ---------------------------------------------------------------- storage

const pvPrinter: Printer = {
  columns: [
    NAME,
    col('Capacity', 'string', doc('PersistentVolumeSpec', 'capacity')),
    col('Access Modes', 'string', doc('PersistentVolumeSpec', 'accessModes')),
    col('Reclaim Policy', 'string', doc('PersistentVolumeSpec', 'persistentVolumeReclaimPolicy')),
    col('Status', 'string', doc('PersistentVolumeStatus', 'phase')),
    col('Claim', 'string', doc('PersistentVolumeSpec', 'claimRef')),
    col('StorageClass', 'string', 'StorageClass of the pv'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
    col('Reason', 'string', doc('PersistentVolumeStatus', 'reason')),
    AGE,
    col('VolumeMode', 'string', doc('PersistentVolumeSpec', 'volumeMode'), 1),
  ],
  cells: (obj, now) => {
    const pv = obj as PersistentVolume;
    const ref = pv.spec?.claimRef;
    const claim = ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '';
    const phase = pv.metadata.deletionTimestamp ? 'Terminating' : pv.status?.phase ?? '';
    return [
      pv.metadata.name ?? '', pv.spec?.capacity?.storage ?? '0', accessModesString(pv.spec?.accessModes),
      pv.spec?.persistentVolumeReclaimPolicy ?? '', phase, claim, volumeClass(pv),
      pv.spec?.volumeAttributesClassName ?? '<unset>', pv.status?.reason ?? '', age(pv, now), pv.spec?.volumeMode ?? '<unset>',
    ];
  },
};

const pvcPrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'string', doc('PersistentVolumeClaimStatus', 'phase')),
    col('Volume', 'string', doc('PersistentVolumeClaimSpec', 'volumeName')),
    col('Capacity', 'string', doc('PersistentVolumeClaimStatus', 'capacity')),
    col('Access Modes', 'string', doc('PersistentVolumeClaimStatus', 'accessModes')),
    col('StorageClass', 'string', 'StorageClass of the pvc'),
    col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
    AGE,
    col('VolumeMode', 'string', doc('PersistentVolumeClaimSpec', 'volumeMode'), 1),
  ],
  cells: (obj, now) => {
    const pvc = obj as PersistentVolumeClaim;
    const phase = pvc.metadata.deletionTimestamp ? 'Terminating' : pvc.status?.phase ?? '';
    const volumeName = pvc.spec?.volumeName ?? '';
    // Capacity and access modes show once the claim names its volume.
    const capacity = volumeName ? pvc.status?.capacity?.storage ?? '0' : '';
    const modes = volumeName ? accessModesString(pvc.status?.accessModes) : '';
    return [
      pvc.metadata.name ?? '', phase, volumeName, capacity, modes, claimClass(pvc),
      pvc.spec?.volumeAttributesClassName ?? '<unset>', age(pvc, now), pvc.spec?.volumeMode ?? '<unset>',
    ];
  },
};

const SC = 'io.k8s.api.storage.v1.StorageClass';
const storageClassPrinter: Printer = {
  columns: [
    NAME,
    col('Provisioner', 'string', doc(SC, 'provisioner')),
    col('ReclaimPolicy', 'string', doc(SC, 'reclaimPolicy')),
    col('VolumeBindingMode', 'string', doc(SC, 'volumeBindingMode')),
    col('AllowVolumeExpansion', 'string', doc(SC, 'allowVolumeExpansion')),
    AGE,
  ],
  cells: (obj, now) => {
    const sc = obj as StorageClass;
    const name = (sc.metadata.name ?? '') + (isDefaultClass(sc) ? ' (default)' : '');
    return [name, sc.provisioner ?? '', sc.reclaimPolicy ?? 'Delete', sc.volumeBindingMode ?? 'Immediate', sc.allowVolumeExpansion ?? false, age(sc, now)];
  },
};

// ---------------------------------------------------------------- policy, scheduling

/** PodDisruptionBudgets (printPodDisruptionBudget): N/A for the bound not set. */
const podDisruptionBudgetPrinter: Printer = {
  columns: [
    NAME,
    col('Min Available', 'string', 'The minimum number of pods that must be available.'),
    col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    AGE,
  ],
  cells: (obj, now) => {
    const pdb = obj as PodDisruptionBudget;
    const bound = (v: IntOrString | undefined): string => (v === undefined || v === null ? 'N/A' : String(v));
    return [pdb.metadata.name ?? '', bound(pdb.spec?.minAvailable), bound(pdb.spec?.maxUnavailable), pdb.status?.disruptionsAllowed ?? 0, age(pdb, now)];
  },
};

const PC = 'io.k8s.api.scheduling.v1.PriorityClass';
/** PriorityClasses (printPriorityClass). */
const priorityClassPrinter: Printer = {
  columns: [
    NAME,
    col('Value', 'integer', doc(PC, 'value')),
    col('Global-Default', 'boolean', doc(PC, 'globalDefault')),
    AGE,
    col('PreemptionPolicy', 'string', doc(PC, 'preemptionPolicy')),
  ],
  cells: (obj, now) => {
    const pc = obj as PriorityClass;
    return [pc.metadata.name ?? '', pc.value ?? 0, pc.globalDefault ?? false, age(pc, now), pc.preemptionPolicy ?? ''];
  },
};

// ---------------------------------------------------------------- admissionregistration

/** Validating- and MutatingWebhookConfigurations: how many webhooks each holds. */
const webhookConfigurationPrinter: Printer = {
  columns: [
    NAME,
    col('Webhooks', 'integer', 'Webhooks indicates the number of webhooks registered in this configuration'),
    AGE,
  ],
  cells: (obj, now) => [obj.metadata.name ?? '', Array.isArray(obj.webhooks) ? obj.webhooks.length : 0, age(obj, now)],
};

/** ValidatingAdmissionPolicies: how many validations, and the kind of their params. */
const validatingAdmissionPolicyPrinter: Printer = {
  columns: [
    NAME,
    col('Validations', 'integer', 'Validations indicates the number of validation rules defined in this configuration'),
    col('ParamKind', 'string', 'ParamKind specifies the kind of resources used to parameterize this policy'),
    AGE,
  ],
  cells: (obj, now) => {
    const spec = (obj as ValidatingAdmissionPolicy).spec;
    const pk = spec?.paramKind;
    return [obj.metadata.name ?? '', Array.isArray(spec?.validations) ? spec.validations.length : 0, pk ? `${pk.apiVersion ?? ''}/${pk.kind ?? ''}` : '<unset>', age(obj, now)];
  },
};

/** ValidatingAdmissionPolicyBindings: the policy, and where its params come from. */
const validatingAdmissionPolicyBindingPrinter: Printer = {
  columns: [
    NAME,
    col('PolicyName', 'string', 'PolicyName indicates the policy definition which the policy binding binded to'),
    col('ParamRef', 'string', 'ParamRef indicates the param resource which sets the configration param'),
    AGE,
  ],
  cells: (obj, now) => {
    const spec = (obj as ValidatingAdmissionPolicyBinding).spec;
    const pr = spec?.paramRef;
    let param = '<unset>';
    if (pr?.name) param = pr.namespace ? `${pr.namespace}/${pr.name}` : `*/${pr.name}`;
    else if (pr?.selector) param = formatLabelSelector(pr.selector);
    return [obj.metadata.name ?? '', spec?.policyName ?? '', param, age(obj, now)];
  },
};

// ---------------------------------------------------------------- everything else

/**
 * kube-apiserver's default table (rest.NewDefaultTableConvertor): Name and Created At
 * (RFC 3339). Roles and ClusterRoles get this one in Kubernetes too.
 */
const defaultPrinter: Printer = {
  columns: [NAME, col('Created At', 'date', doc(META, 'creationTimestamp'))],
  cells: (obj) => {
    const t = Date.parse(obj.metadata.creationTimestamp ?? '');
    const created = Number.isNaN(t) ? '0001-01-01T00:00:00Z' : rfc3339(t);
    return [obj.metadata.name ?? '', created];
  },
};

// ---------------------------------------------------------------- custom resources

/**
 * The table of a custom resource version (apiextensions-apiserver's tableconvertor):
 * Name, then its additionalPrinterColumns, or Age when it has none. Each column's
 * jsonPath is evaluated as client-go's jsonpath with missing keys allowed; a string
 * column prints what the path finds, the other types keep the JSON value of their
 * type (a date becomes an age), and anything else is an empty cell.
 */
function customPrinter(ri: ResourceInfo): Printer {
  let printer = CUSTOM_PRINTERS.get(ri);
  if (printer) return printer;
  const defs = ri.custom?.printerColumns.length ? ri.custom.printerColumns : [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: doc(META, 'creationTimestamp') }];
  const paths = defs.map((c) => {
    try {
      return new JsonPath(`{${c.jsonPath}}`, { allowMissingKeys: true });
    } catch {
      return undefined;
    }
  });
  const columns = [NAME, ...defs.map((c) => col(c.name, c.type, c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`, c.priority ?? 0, c.format ?? ''))];
  printer = {
    columns,
    cells: (obj, now) => [obj.metadata.name ?? '', ...defs.map((c, i) => {
      const path = paths[i];
      if (!path) return null;
      let found: unknown;
      try {
        const results = path.findResults(obj);
        if (!results.length || !results[0].length) return null;
        found = results[0][0];
        if (typeof found === 'symbol') return null;
        if (c.type === 'string') return path.printResults([found]);
      } catch {
        return null;
      }
      return cellForJSONValue(c.type, found, now);
    })],
  };
  CUSTOM_PRINTERS.set(ri, printer);
  return printer;
}

const CUSTOM_PRINTERS = new WeakMap<ResourceInfo, Printer>();

function cellForJSONValue(type: string, value: unknown, now: Date): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer': return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number': return typeof value === 'number' ? value : null;
    case 'boolean': return typeof value === 'boolean' ? value : null;
    case 'date': {
      if (typeof value !== 'string') return null;
      const t = Date.parse(value);
      if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return '<invalid>';
      return formatAge(value, now);
    }
    default: return null;
  }
}

const PRINTERS: Record<string, Printer> = {
  Pod: podPrinter,
  Node: nodePrinter,
  Service: servicePrinter,
  Endpoints: endpointsPrinter,
  Namespace: namespacePrinter,
  ConfigMap: configMapPrinter,
  Secret: secretPrinter,
  Event: eventPrinter,
  ReplicaSet: replicaSetPrinter,
  Deployment: deploymentPrinter,
  DaemonSet: daemonSetPrinter,
  StatefulSet: statefulSetPrinter,
  ControllerRevision: controllerRevisionPrinter,
  Job: jobPrinter,
  CronJob: cronJobPrinter,
  HorizontalPodAutoscaler: horizontalPodAutoscalerPrinter,
  Lease: leasePrinter,
  ReplicationController: replicationControllerPrinter,
  EndpointSlice: endpointSlicePrinter,
  ServiceAccount: serviceAccountPrinter,
  RoleBinding: roleBindingPrinter,
  ClusterRoleBinding: clusterRoleBindingPrinter,
  CertificateSigningRequest: csrPrinter,
  PersistentVolume: pvPrinter,
  PersistentVolumeClaim: pvcPrinter,
  StorageClass: storageClassPrinter,
  PodDisruptionBudget: podDisruptionBudgetPrinter,
  PriorityClass: priorityClassPrinter,
  APIService: apiServicePrinter,
  ValidatingWebhookConfiguration: webhookConfigurationPrinter,
  MutatingWebhookConfiguration: webhookConfigurationPrinter,
  ValidatingAdmissionPolicy: validatingAdmissionPolicyPrinter,
  ValidatingAdmissionPolicyBinding: validatingAdmissionPolicyBindingPrinter,
};
