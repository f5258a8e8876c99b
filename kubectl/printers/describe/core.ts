// describe service, node, namespace, configmap, secret, and the generic describer
// for every other kind (kubectl's printUnstructuredContent).
import type { Lease } from '../../../api/types/coordination.js';
import type { ConfigMap, Endpoints, Event, Namespace, Node, Pod, Secret, Service } from '../../../api/types/core.js';
import type { KubeObject } from '../../../api/types/meta.js';
import { nodeRoles } from '../../../api/node-roles.js';
import { formatQuantity, parseQuantityExact, type Quantity } from '../../../api/quantity.js';
import { formatLabels } from '../table.js';
import { sortedResourceNames } from './pod.js';
import {
  describeEvents, goValue, LEVEL_0, LEVEL_1, LEVEL_2, printAnnotationsMultiline, printLabelsMultiline, printTaintsMultiline, PrefixWriter,
  rfc1123z, since, tabbedString,
} from './writer.js';

// ---------------------------------------------------------------- Service

/** formatEndpoints for one service port: up to three "ip:port", then " + N more...". */
export function formatServiceEndpoints(ep: Endpoints | undefined, portName: string | undefined): string {
  const subsets = ep?.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    if (!ss.ports?.length) {
      for (const a of addresses) {
        if (list.length === max) more = true;
        if (!more) list.push(a.ip);
        count++;
      }
      continue;
    }
    for (const port of ss.ports) {
      if (portName !== undefined && (port.name ?? '') !== portName) continue;
      for (const a of addresses) {
        if (list.length === max) more = true;
        if (!more) list.push(a.ip.includes(':') ? `[${a.ip}]:${port.port}` : `${a.ip}:${port.port}`);
        count++;
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export function describeService(svc: Service, endpoints: Endpoints | undefined, events: Event[] | undefined, now: Date): string {
  return tabbedString((w) => {
    const spec = svc.spec ?? {};
    w.write(LEVEL_0, `Name:\t${svc.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Namespace:\t${svc.metadata.namespace ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', svc.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', svc.metadata.annotations);
    w.write(LEVEL_0, `Selector:\t${formatLabels(spec.selector)}\n`);
    w.write(LEVEL_0, `Type:\t${spec.type ?? ''}\n`);
    if (spec.ipFamilyPolicy) w.write(LEVEL_0, `IP Family Policy:\t${spec.ipFamilyPolicy}\n`);
    w.write(LEVEL_0, `IP Families:\t${spec.ipFamilies?.length ? spec.ipFamilies.join(',') : '<none>'}\n`);
    w.write(LEVEL_0, `IP:\t${spec.clusterIP ?? ''}\n`);
    w.write(LEVEL_0, `IPs:\t${spec.clusterIPs?.length ? spec.clusterIPs.join(',') : '<none>'}\n`);
    if (spec.externalIPs?.length) w.write(LEVEL_0, `External IPs:\t${spec.externalIPs.join(',')}\n`);
    if (spec.loadBalancerIP) w.write(LEVEL_0, `Desired LoadBalancer IP:\t${spec.loadBalancerIP}\n`);
    if (spec.externalName) w.write(LEVEL_0, `External Name:\t${spec.externalName}\n`);
    const ingress = svc.status?.loadBalancer?.ingress ?? [];
    if (ingress.length) w.write(LEVEL_0, `LoadBalancer Ingress:\t${ingress.map((i) => i.ip || i.hostname || '').join(', ')}\n`);
    for (const sp of spec.ports ?? []) {
      const name = sp.name || '<unset>';
      w.write(LEVEL_0, `Port:\t${name}\t${sp.port}/${sp.protocol ?? 'TCP'}\n`);
      w.write(LEVEL_0, `TargetPort:\t${String(sp.targetPort ?? sp.port)}/${sp.protocol ?? 'TCP'}\n`);
      if (sp.nodePort) w.write(LEVEL_0, `NodePort:\t${name}\t${sp.nodePort}/${sp.protocol ?? 'TCP'}\n`);
      w.write(LEVEL_0, `Endpoints:\t${formatServiceEndpoints(endpoints, sp.name ?? '')}\n`);
    }
    if (!spec.ports?.length) w.write(LEVEL_0, `Endpoints:\t${formatServiceEndpoints(endpoints, undefined)}\n`);
    w.write(LEVEL_0, `Session Affinity:\t${spec.sessionAffinity ?? ''}\n`);
    if (spec.externalTrafficPolicy) w.write(LEVEL_0, `External Traffic Policy:\t${spec.externalTrafficPolicy}\n`);
    if (spec.internalTrafficPolicy) w.write(LEVEL_0, `Internal Traffic Policy:\t${spec.internalTrafficPolicy}\n`);
    if (spec.healthCheckNodePort) w.write(LEVEL_0, `HealthCheck NodePort:\t${spec.healthCheckNodePort}\n`);
    if (spec.loadBalancerSourceRanges?.length) w.write(LEVEL_0, `LoadBalancer Source Ranges:\t${spec.loadBalancerSourceRanges.join(',')}\n`);
    describeEvents(events, w, now);
  });
}

export function describeEndpoints(ep: Endpoints, events: Event[] | undefined, now: Date): string {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${ep.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Namespace:\t${ep.metadata.namespace ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', ep.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', ep.metadata.annotations);
    w.write(LEVEL_0, 'Subsets:\n');
    for (const ss of ep.subsets ?? []) {
      w.write(LEVEL_1, `Addresses:\t${(ss.addresses ?? []).map((a) => a.ip).join(',') || '<none>'}\n`);
      w.write(LEVEL_1, `NotReadyAddresses:\t${(ss.notReadyAddresses ?? []).map((a) => a.ip).join(',') || '<none>'}\n`);
      if (ss.ports?.length) {
        w.write(LEVEL_1, 'Ports:\n');
        w.write(LEVEL_2, 'Name\tPort\tProtocol\n');
        w.write(LEVEL_2, '----\t----\t--------\n');
        for (const p of ss.ports) w.write(LEVEL_2, `${p.name || '<unset>'}\t${p.port}\t${p.protocol ?? ''}\n`);
      }
      w.write(LEVEL_0, '\n');
    }
    describeEvents(events, w, now);
  });
}

// ---------------------------------------------------------------- Node


const ZERO: Quantity = { nanos: 0n, format: 'DecimalSI' };
const q = (s: string | undefined): Quantity => {
  if (!s) return ZERO;
  try {
    return parseQuantityExact(s);
  } catch {
    return ZERO;
  }
};
const add = (a: Quantity, b: Quantity): Quantity => ({ nanos: a.nanos + b.nanos, format: a.nanos === 0n ? b.format : a.format });
const milli = (x: Quantity): number => Number(x.nanos / 1_000_000n);
const value = (x: Quantity): number => Number(x.nanos / 1_000_000_000n);
const pct = (part: number, whole: number): number => (whole === 0 ? 0 : Math.trunc((part / whole) * 100));

/** resourcehelper.PodRequestsAndLimits (containers summed; init containers as a max). */
export function podRequestsAndLimits(pod: Pod): { req: Record<string, Quantity>; lim: Record<string, Quantity> } {
  const sum = (which: 'requests' | 'limits'): Record<string, Quantity> => {
    const out: Record<string, Quantity> = {};
    for (const c of pod.spec?.containers ?? []) {
      for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) out[k] = add(out[k] ?? ZERO, q(v));
    }
    for (const c of pod.spec?.initContainers ?? []) {
      for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) {
        const x = q(v);
        if (!out[k] || x.nanos > out[k]!.nanos) out[k] = x;
      }
    }
    for (const [k, v] of Object.entries(pod.spec?.overhead ?? {})) if (out[k]) out[k] = add(out[k]!, q(v));
    return out;
  };
  return { req: sum('requests'), lim: sum('limits') };
}

export interface NodeExtras {
  /** Non-terminated pods on the node; undefined when they could not be listed. */
  pods?: Pod[];
  lease?: Lease;
  /** Why the lease could not be read (kubectl prints it in its place). */
  leaseError?: string;
  events?: Event[];
}

export function describeNode(node: Node, x: NodeExtras, now: Date): string {
  return tabbedString((w) => {
    const spec = node.spec ?? {};
    const status = node.status ?? {};
    w.write(LEVEL_0, `Name:\t${node.metadata.name ?? ''}\n`);
    const roles = nodeRoles(node);
    w.write(LEVEL_0, `Roles:\t${roles.length ? roles.join(',') : '<none>'}\n`);
    printLabelsMultiline(w, 'Labels', node.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', node.metadata.annotations);
    w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(node.metadata.creationTimestamp)}\n`);
    printTaintsMultiline(w, 'Taints', spec.taints);
    w.write(LEVEL_0, `Unschedulable:\t${Boolean(spec.unschedulable)}\n`);
    if (x.lease) {
      const ls = x.lease.spec ?? {};
      w.write(LEVEL_0, 'Lease:\n');
      w.write(LEVEL_1, `HolderIdentity:\t${ls.holderIdentity ?? '<unset>'}\n`);
      w.write(LEVEL_1, `AcquireTime:\t${ls.acquireTime ? rfc1123z(ls.acquireTime) : '<unset>'}\n`);
      w.write(LEVEL_1, `RenewTime:\t${ls.renewTime ? rfc1123z(ls.renewTime) : '<unset>'}\n`);
    } else if (x.leaseError !== undefined) {
      w.write(LEVEL_0, `Lease:\tFailed to get lease: ${x.leaseError}\n`);
    }
    if (status.conditions?.length) {
      w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n');
      w.write(LEVEL_1, '----\t------\t-----------------\t------------------\t------\t-------\n');
      for (const c of status.conditions) {
        w.write(LEVEL_1, `${c.type} \t${c.status} \t${rfc1123z(c.lastHeartbeatTime)} \t${rfc1123z(c.lastTransitionTime)} \t${c.reason ?? ''} \t${c.message ?? ''}\n`);
      }
    }
    w.write(LEVEL_0, 'Addresses:\n');
    for (const a of status.addresses ?? []) w.write(LEVEL_1, `${a.type}:\t${a.address}\n`);
    const printResources = (list: Record<string, string>): void => {
      for (const name of sortedResourceNames(list)) w.write(LEVEL_0, `  ${name}:\t${formatQuantity(q(list[name]))}\n`);
    };
    if (Object.keys(status.capacity ?? {}).length) {
      w.write(LEVEL_0, 'Capacity:\n');
      printResources(status.capacity!);
    }
    if (Object.keys(status.allocatable ?? {}).length) {
      w.write(LEVEL_0, 'Allocatable:\n');
      printResources(status.allocatable!);
    }
    const info = status.nodeInfo;
    w.write(LEVEL_0, 'System Info:\n');
    w.write(LEVEL_0, `  Machine ID:\t${info?.machineID ?? ''}\n`);
    w.write(LEVEL_0, `  System UUID:\t${info?.systemUUID ?? ''}\n`);
    w.write(LEVEL_0, `  Boot ID:\t${info?.bootID ?? ''}\n`);
    w.write(LEVEL_0, `  Kernel Version:\t${info?.kernelVersion ?? ''}\n`);
    w.write(LEVEL_0, `  OS Image:\t${info?.osImage ?? ''}\n`);
    w.write(LEVEL_0, `  Operating System:\t${info?.operatingSystem ?? ''}\n`);
    w.write(LEVEL_0, `  Architecture:\t${info?.architecture ?? ''}\n`);
    w.write(LEVEL_0, `  Container Runtime Version:\t${info?.containerRuntimeVersion ?? ''}\n`);
    w.write(LEVEL_0, `  Kubelet Version:\t${info?.kubeletVersion ?? ''}\n`);
    w.write(LEVEL_0, `  Kube-Proxy Version:\t${info?.kubeProxyVersion ?? ''}\n`);
    if (spec.podCIDR) w.write(LEVEL_0, `PodCIDR:\t${spec.podCIDR}\n`);
    if (spec.podCIDRs?.length) w.write(LEVEL_0, `PodCIDRs:\t${spec.podCIDRs.join(',')}\n`);
    if (spec.providerID) w.write(LEVEL_0, `ProviderID:\t${spec.providerID}\n`);
    if (x.pods) describeNodeResource(x.pods, node, w, now);
    else w.write(LEVEL_0, 'Pods:\tnot authorized\n');
    describeEvents(x.events, w, now);
  });
}

function describeNodeResource(pods: Pod[], node: Node, w: PrefixWriter, now: Date): void {
  w.write(LEVEL_0, `Non-terminated Pods:\t(${pods.length} in total)\n`);
  w.write(LEVEL_1, 'Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n');
  w.write(LEVEL_1, '---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n');
  const alloc = Object.keys(node.status?.allocatable ?? {}).length ? node.status!.allocatable! : node.status?.capacity ?? {};
  const allocCpu = milli(q(alloc.cpu));
  const allocMem = value(q(alloc.memory));
  const allocEph = value(q(alloc['ephemeral-storage']));
  const totals = { req: {} as Record<string, Quantity>, lim: {} as Record<string, Quantity> };
  for (const pod of pods) {
    const { req, lim } = podRequestsAndLimits(pod);
    for (const [k, v] of Object.entries(req)) totals.req[k] = add(totals.req[k] ?? ZERO, v);
    for (const [k, v] of Object.entries(lim)) totals.lim[k] = add(totals.lim[k] ?? ZERO, v);
    const cr = req.cpu ?? ZERO;
    const cl = lim.cpu ?? ZERO;
    const mr = req.memory ?? ZERO;
    const ml = lim.memory ?? ZERO;
    w.write(LEVEL_1, `${pod.metadata.namespace ?? ''}\t${pod.metadata.name ?? ''}\t\t${formatQuantity(cr)} (${pct(milli(cr), allocCpu)}%)\t${formatQuantity(cl)} (${pct(milli(cl), allocCpu)}%)\t${formatQuantity(mr)} (${pct(value(mr), allocMem)}%)\t${formatQuantity(ml)} (${pct(value(ml), allocMem)}%)\t${since(pod.metadata.creationTimestamp, now)}\n`);
  }
  w.write(LEVEL_0, 'Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n');
  w.write(LEVEL_1, 'Resource\tRequests\tLimits\n');
  w.write(LEVEL_1, '--------\t--------\t------\n');
  const row = (name: string, r: Quantity, l: Quantity, part: (x: Quantity) => number, whole: number): void => {
    w.write(LEVEL_1, `${name}\t${formatQuantity(r)} (${pct(part(r), whole)}%)\t${formatQuantity(l)} (${pct(part(l), whole)}%)\n`);
  };
  row('cpu', totals.req.cpu ?? ZERO, totals.lim.cpu ?? ZERO, milli, allocCpu);
  row('memory', totals.req.memory ?? ZERO, totals.lim.memory ?? ZERO, value, allocMem);
  row('ephemeral-storage', totals.req['ephemeral-storage'] ?? ZERO, totals.lim['ephemeral-storage'] ?? ZERO, value, allocEph);
  const standard = new Set(['cpu', 'memory', 'ephemeral-storage', 'storage', 'pods']);
  const names = Object.keys(alloc).sort();
  for (const name of names.filter((n) => n.startsWith('hugepages-'))) {
    const r = totals.req[name] ?? ZERO;
    const l = totals.lim[name] ?? ZERO;
    row(name, r, l, value, value(q(alloc[name])));
  }
  for (const name of names.filter((n) => !n.startsWith('hugepages-') && !standard.has(n) && !n.startsWith('requests.') && !n.startsWith('limits.'))) {
    w.write(LEVEL_1, `${name}\t${formatQuantity(totals.req[name] ?? ZERO)}\t${formatQuantity(totals.lim[name] ?? ZERO)}\n`);
  }
}

// ---------------------------------------------------------------- Namespace, ConfigMap, Secret

export function describeNamespace(ns: Namespace): string {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${ns.metadata.name ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', ns.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', ns.metadata.annotations);
    w.write(LEVEL_0, `Status:\t${ns.status?.phase ?? ''}\n`);
    if (ns.status?.conditions?.length) {
      w.write(LEVEL_0, 'Conditions:\n');
      w.write(LEVEL_1, 'Type\tStatus\tLastTransitionTime\tReason\tMessage\n');
      w.write(LEVEL_1, '----\t------\t------------------\t------\t-------\n');
      for (const c of ns.status.conditions) {
        w.write(LEVEL_1, `${c.type}\t${c.status}\t${rfc1123z(c.lastTransitionTime)}\t${c.reason ?? ''}\t${c.message ?? ''}\n`);
      }
    }
  });
}

export function describeConfigMap(cm: ConfigMap, events: Event[] | undefined, now: Date): string {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${cm.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Namespace:\t${cm.metadata.namespace ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', cm.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', cm.metadata.annotations);
    w.write(LEVEL_0, '\nData\n====\n');
    for (const k of Object.keys(cm.data ?? {}).sort()) {
      w.write(LEVEL_0, `${k}:\n----\n`);
      w.write(LEVEL_0, `${cm.data![k]}\n`);
      w.write(LEVEL_0, '\n');
    }
    w.write(LEVEL_0, '\nBinaryData\n====\n');
    for (const k of Object.keys(cm.binaryData ?? {}).sort()) {
      w.write(LEVEL_0, `${k}: ${Buffer.from(cm.binaryData![k]!, 'base64').length} bytes\n`);
    }
    w.write(LEVEL_0, '\n');
    describeEvents(events, w, now);
  });
}

export function describeSecret(s: Secret): string {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${s.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Namespace:\t${s.metadata.namespace ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', s.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', s.metadata.annotations);
    w.write(LEVEL_0, `\nType:\t${s.type ?? ''}\n`);
    w.write(LEVEL_0, '\nData\n====\n');
    for (const k of Object.keys(s.data ?? {}).sort()) {
      const bytes = Buffer.from(s.data![k]!, 'base64');
      if (k === 'token' && s.type === 'kubernetes.io/service-account-token') w.write(LEVEL_0, `${k}:\t${bytes.toString('utf8')}\n`);
      else w.write(LEVEL_0, `${k}:\t${bytes.length} bytes\n`);
    }
  });
}

// ---------------------------------------------------------------- any other kind

/** fatih/camelcase.Split on letters and '-': "apiVersion" → ["api", "Version"], "HTTPServer" → ["HTTP", "Server"]. */
function camelSplit(s: string): string[] {
  const cls = (c: string): number => (c >= 'a' && c <= 'z' ? 1 : c >= 'A' && c <= 'Z' ? 2 : /\p{Ll}/u.test(c) ? 1 : /\p{Lu}/u.test(c) ? 2 : 4);
  const runs: string[][] = [];
  let last = 0;
  for (const c of s) {
    const k = cls(c);
    if (k === last) runs[runs.length - 1]!.push(c);
    else runs.push([c]);
    last = k;
  }
  // An upper-case run followed by lower case gives its last letter to the lower run.
  for (let i = 0; i < runs.length - 1; i++) {
    if (cls(runs[i]![0]!) === 2 && cls(runs[i + 1]![0]!) === 1) {
      runs[i + 1]!.unshift(runs[i]!.pop()!);
    }
  }
  return runs.filter((r) => r.length > 0).map((r) => r.join(''));
}

/** describe's smartLabelFor: "creationTimestamp" → "Creation Timestamp", "apiVersion" → "API Version". */
export function smartLabelFor(field: string): string {
  if ([...field].some((c) => !/\p{L}/u.test(c) && c !== '-')) return field;
  const acronyms = ['API', 'URL', 'UID', 'OSB', 'GUID'];
  return camelSplit(field)
    .filter((p) => p !== '_')
    .map((p) => (acronyms.includes(p.toUpperCase()) ? p.toUpperCase() : p.charAt(0).toUpperCase() + p.slice(1)))
    .join(' ');
}

function printUnstructured(w: PrefixWriter, level: number, content: Record<string, unknown>, prefix: string, skip: string[]): void {
  for (const field of Object.keys(content).sort()) {
    const v = content[field];
    const expr = `${prefix}.${field}`;
    if (skip.includes(expr)) continue;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      w.write(level, `${smartLabelFor(field)}:\n`);
      printUnstructured(w, level + 1, v as Record<string, unknown>, expr, skip);
    } else if (Array.isArray(v)) {
      w.write(level, `${smartLabelFor(field)}:\n`);
      for (const child of v) {
        if (child && typeof child === 'object' && !Array.isArray(child)) printUnstructured(w, level + 1, child as Record<string, unknown>, expr, skip);
        else w.write(level + 1, `${goValue(child)}\n`);
      }
    } else {
      w.write(level, `${smartLabelFor(field)}:\t${goValue(v)}\n`);
    }
  }
}

/** The generic describer: name, namespace, labels, annotations, then every field. */
export function describeGeneric(obj: KubeObject, events: Event[] | undefined, now: Date): string {
  return tabbedString((w) => {
    w.write(LEVEL_0, `Name:\t${obj.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Namespace:\t${obj.metadata.namespace ?? ''}\n`);
    printLabelsMultiline(w, 'Labels', obj.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', obj.metadata.annotations);
    printUnstructured(w, LEVEL_0, obj as unknown as Record<string, unknown>, '', ['.metadata.managedFields', '.metadata.name', '.metadata.namespace', '.metadata.labels', '.metadata.annotations']);
    describeEvents(events, w, now);
  });
}
