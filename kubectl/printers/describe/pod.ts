// describe pod, and the container/volume/pod-template sections deployments and
// replica sets share (kubectl's describePod, describeContainers, describeVolumes,
// DescribePodTemplate).
import type {
  Container, ContainerState, ContainerStatus, Event, Pod, PodTemplateSpec, Probe, ResourceRequirements, Volume,
} from '../../../api/types/core.js';
import { isPodTerminal } from '../../../api/helpers/pod.js';
import { podQOSClass } from '../../../api/helpers/qos.js';
import { milliValue, quantityValue } from '../../../api/quantity.js';
import {
  describeEvents, LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, printAnnotationsMultiline, printController, printLabelsMultiline,
  printTolerationsMultiline, PrefixWriter, rfc1123z, since, tabbedString,
} from './writer.js';

export function describePod(pod: Pod, events: Event[] | undefined, now: Date): string {
  return tabbedString((w) => {
    const spec = pod.spec ?? { containers: [] };
    const status = pod.status ?? {};
    w.write(LEVEL_0, `Name:\t${pod.metadata.name ?? ''}\n`);
    w.write(LEVEL_0, `Namespace:\t${pod.metadata.namespace ?? ''}\n`);
    if (spec.priority !== undefined && spec.priority !== null) w.write(LEVEL_0, `Priority:\t${spec.priority}\n`);
    if (spec.priorityClassName) w.write(LEVEL_0, `Priority Class Name:\t${spec.priorityClassName}\n`);
    if (spec.runtimeClassName) w.write(LEVEL_0, `Runtime Class Name:\t${spec.runtimeClassName}\n`);
    if (spec.serviceAccountName) w.write(LEVEL_0, `Service Account:\t${spec.serviceAccountName}\n`);
    if (!spec.nodeName) w.write(LEVEL_0, 'Node:\t<none>\n');
    else w.write(LEVEL_0, `Node:\t${spec.nodeName}/${status.hostIP ?? ''}\n`);
    if (status.startTime) w.write(LEVEL_0, `Start Time:\t${rfc1123z(status.startTime)}\n`);
    printLabelsMultiline(w, 'Labels', pod.metadata.labels);
    printAnnotationsMultiline(w, 'Annotations', pod.metadata.annotations);
    if (pod.metadata.deletionTimestamp && !isPodTerminal(pod)) {
      w.write(LEVEL_0, `Status:\tTerminating (lasts ${since(pod.metadata.deletionTimestamp, now)})\n`);
      w.write(LEVEL_0, `Termination Grace Period:\t${pod.metadata.deletionGracePeriodSeconds ?? 0}s\n`);
    } else {
      w.write(LEVEL_0, `Status:\t${status.phase ?? ''}\n`);
    }
    if (status.reason) w.write(LEVEL_0, `Reason:\t${status.reason}\n`);
    if (status.message) w.write(LEVEL_0, `Message:\t${status.message}\n`);
    const seccomp = spec.securityContext?.seccompProfile;
    if (seccomp) {
      w.write(LEVEL_0, `SeccompProfile:\t${seccomp.type}\n`);
      if (seccomp.type === 'Localhost' && seccomp.localhostProfile) w.write(LEVEL_0, `LocalhostProfile:\t${seccomp.localhostProfile}\n`);
    }
    w.write(LEVEL_0, `IP:\t${status.podIP ?? ''}\n`);
    if (!status.podIPs?.length) {
      w.write(LEVEL_0, 'IPs:\t<none>\n');
    } else {
      w.write(LEVEL_0, 'IPs:\n');
      for (const ip of status.podIPs) w.write(LEVEL_1, `IP:\t${ip.ip}\n`);
    }
    const controlledBy = printController(pod);
    if (controlledBy) w.write(LEVEL_0, `Controlled By:\t${controlledBy}\n`);
    if (status.nominatedNodeName) w.write(LEVEL_0, `NominatedNodeName:\t${status.nominatedNodeName}\n`);
    if (spec.initContainers?.length) describeContainers('Init Containers', spec.initContainers, status.initContainerStatuses, w, '');
    describeContainers('Containers', spec.containers ?? [], status.containerStatuses, w, '');
    if (spec.readinessGates?.length) {
      w.write(LEVEL_0, 'Readiness Gates:\n  Type\tStatus\n');
      for (const g of spec.readinessGates) {
        const cond = (status.conditions ?? []).find((c) => c.type === g.conditionType);
        w.write(LEVEL_1, `${g.conditionType} \t${cond?.status ?? '<none>'} \n`);
      }
    }
    if (status.conditions?.length) {
      w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\n');
      for (const c of status.conditions) w.write(LEVEL_1, `${c.type} \t${c.status} \n`);
    }
    describeVolumes(spec.volumes, w, '');
    w.write(LEVEL_0, `QoS Class:\t${status.qosClass || podQOSClass(pod)}\n`);
    printLabelsMultiline(w, 'Node-Selectors', spec.nodeSelector);
    printTolerationsMultiline(w, 'Tolerations', spec.tolerations);
    describeTopologySpread(spec.topologySpreadConstraints, w, '');
    describeEvents(events, w, now);
  });
}

function describeTopologySpread(constraints: NonNullable<Pod['spec']>['topologySpreadConstraints'], w: PrefixWriter, space: string): void {
  if (!constraints?.length) return;
  w.write(LEVEL_0, `${space}Topology Spread Constraints:\t`);
  constraints.forEach((c, i) => {
    if (i !== 0) w.write(LEVEL_0, `${space}\t`);
    const sel = c.labelSelector ? labelSelectorText(c.labelSelector) : '';
    w.write(LEVEL_0, `${c.topologyKey}:${c.whenUnsatisfiable} when max skew ${c.maxSkew} is exceeded for selector ${sel}\n`);
  });
}

function labelSelectorText(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] }): string {
  const parts: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) parts.push({ key: k, text: `${k}=${v}` });
  for (const e of sel.matchExpressions ?? []) {
    const vals = [...(e.values ?? [])].sort().join(',');
    const text = e.operator === 'In' ? `${e.key} in (${vals})` : e.operator === 'NotIn' ? `${e.key} notin (${vals})`
      : e.operator === 'Exists' ? e.key : `!${e.key}`;
    parts.push({ key: e.key, text });
  }
  parts.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return parts.map((p) => p.text).join(',') || '<none>';
}

/** describeContainers: each container's image, ports, state, resources, probes, env, mounts. */
export function describeContainers(label: string, containers: Container[], statuses: ContainerStatus[] | undefined, w: PrefixWriter, space: string): void {
  const byName = new Map((statuses ?? []).map((s) => [s.name, s]));
  w.write(LEVEL_0, `${space}${label}:${containers.length === 0 ? ' <none>' : ''}\n`);
  for (const c of containers) {
    const status = byName.get(c.name);
    const nameIndent = space ? ' ' : '';
    w.write(LEVEL_1, `${nameIndent}${c.name}:\n`);
    if (status) w.write(LEVEL_2, `Container ID:\t${status.containerID ?? ''}\n`);
    w.write(LEVEL_2, `Image:\t${c.image ?? ''}\n`);
    if (status) w.write(LEVEL_2, `Image ID:\t${status.imageID ?? ''}\n`);
    const ports = (c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', ');
    if (ports.includes(',')) w.write(LEVEL_2, `Ports:\t${ports}\n`);
    else w.write(LEVEL_2, `Port:\t${ports || '<none>'}\n`);
    const hostPorts = (c.ports ?? []).map((p) => `${p.hostPort ?? 0}/${p.protocol ?? 'TCP'}`).join(', ');
    if (hostPorts.includes(',')) w.write(LEVEL_2, `Host Ports:\t${hostPorts}\n`);
    else w.write(LEVEL_2, `Host Port:\t${hostPorts || '<none>'}\n`);
    if (c.restartPolicy) w.write(LEVEL_2, `Restart Policy:\t${c.restartPolicy}\n`);
    if (c.command?.length) {
      w.write(LEVEL_2, 'Command:\n');
      for (const cmd of c.command) for (const s of cmd.split('\n')) w.write(LEVEL_3, `${s}\n`);
    }
    if (c.args?.length) {
      w.write(LEVEL_2, 'Args:\n');
      for (const a of c.args) for (const s of a.split('\n')) w.write(LEVEL_3, `${s}\n`);
    }
    if (status) {
      describeState('State', status.state, w);
      if (status.lastState?.terminated) describeState('Last State', status.lastState, w);
      w.write(LEVEL_2, `Ready:\t${status.ready ? 'True' : 'False'}\n`);
      w.write(LEVEL_2, `Restart Count:\t${status.restartCount ?? 0}\n`);
    }
    describeResources(c.resources, w);
    if (c.livenessProbe) w.write(LEVEL_2, `Liveness:\t${describeProbe(c.livenessProbe)}\n`);
    if (c.readinessProbe) w.write(LEVEL_2, `Readiness:\t${describeProbe(c.readinessProbe)}\n`);
    if (c.startupProbe) w.write(LEVEL_2, `Startup:\t${describeProbe(c.startupProbe)}\n`);
    if (c.envFrom?.length) {
      w.write(LEVEL_2, 'Environment Variables from:\n');
      for (const e of c.envFrom) {
        const from = e.configMapRef ? 'ConfigMap' : e.secretRef ? 'Secret' : '';
        const ref = e.configMapRef ?? e.secretRef;
        const optional = Boolean(ref?.optional);
        if (!e.prefix) w.write(LEVEL_3, `${ref?.name ?? ''}\t${from}\tOptional: ${optional}\n`);
        else w.write(LEVEL_3, `${ref?.name ?? ''}\t${from} with prefix '${e.prefix}'\tOptional: ${optional}\n`);
      }
    }
    w.write(LEVEL_2, `Environment:${c.env?.length ? '' : '\t<none>'}\n`);
    for (const e of c.env ?? []) {
      if (!e.valueFrom) {
        (e.value ?? '').split('\n').forEach((s, i) => {
          w.write(LEVEL_3, i === 0 ? `${e.name}:\t${s}\n` : `\t${s}\n`);
        });
        continue;
      }
      const vf = e.valueFrom;
      if (vf.fieldRef) {
        w.write(LEVEL_3, `${e.name}:\t${fieldRefValue(vf.fieldRef.fieldPath)} (${vf.fieldRef.apiVersion ?? 'v1'}:${vf.fieldRef.fieldPath})\n`);
      } else if (vf.resourceFieldRef) {
        const res = vf.resourceFieldRef.resource;
        let v = resourceFieldValue(c, res, vf.resourceFieldRef.divisor);
        if (v === '0' && (res === 'limits.cpu' || res === 'limits.memory')) v = 'node allocatable';
        w.write(LEVEL_3, `${e.name}:\t${v} (${res})\n`);
      } else if (vf.secretKeyRef) {
        w.write(LEVEL_3, `${e.name}:\t<set to the key '${vf.secretKeyRef.key}' in secret '${vf.secretKeyRef.name ?? ''}'>\tOptional: ${Boolean(vf.secretKeyRef.optional)}\n`);
      } else if (vf.configMapKeyRef) {
        w.write(LEVEL_3, `${e.name}:\t<set to the key '${vf.configMapKeyRef.key}' of config map '${vf.configMapKeyRef.name ?? ''}'>\tOptional: ${Boolean(vf.configMapKeyRef.optional)}\n`);
      }
    }
    const mounts = [...(c.volumeMounts ?? [])].sort((a, b) => (a.mountPath < b.mountPath ? -1 : a.mountPath > b.mountPath ? 1 : 0));
    w.write(LEVEL_2, `Mounts:${mounts.length ? '' : '\t<none>'}\n`);
    for (const m of mounts) {
      const flags = [m.readOnly ? 'ro' : 'rw'];
      if (m.subPath) flags.push(`path=${JSON.stringify(m.subPath)}`);
      w.write(LEVEL_3, `${m.mountPath} from ${m.name} (${flags.join(',')})\n`);
    }
    if (c.volumeDevices?.length) {
      w.write(LEVEL_2, `Devices:${mounts.length ? '' : '\t<none>'}\n`);
      for (const d of [...c.volumeDevices].sort((a, b) => (a.devicePath < b.devicePath ? -1 : 1))) w.write(LEVEL_3, `${d.devicePath} from ${d.name}\n`);
    }
  }
}

/** The value describe shows for a downward-API env var it cannot resolve without the pod. */
function fieldRefValue(_path: string): string {
  return '';
}

/** ExtractContainerResourceValue: cpu in (ceiled) divisor units of millicores, memory and storage in bytes. */
function resourceFieldValue(c: Container, resource: string, divisor: string | undefined): string {
  const dot = resource.indexOf('.');
  const kind = resource.slice(0, dot);
  const name = resource.slice(dot + 1);
  if ((kind !== 'limits' && kind !== 'requests') || !['cpu', 'memory', 'ephemeral-storage'].includes(name)) return '';
  const list = (kind === 'limits' ? c.resources?.limits : c.resources?.requests) ?? {};
  const raw = list[name] ?? '0';
  const div = divisor && divisor !== '0' ? divisor : '1';
  try {
    const v = name === 'cpu' ? Math.ceil(milliValue(raw) / milliValue(div)) : Math.ceil(quantityValue(raw) / quantityValue(div));
    return String(v);
  } catch {
    return '';
  }
}

function describeState(name: string, state: ContainerState | undefined, w: PrefixWriter): void {
  if (state?.running) {
    w.write(LEVEL_2, `${name}:\tRunning\n`);
    w.write(LEVEL_3, `Started:\t${rfc1123z(state.running.startedAt)}\n`);
  } else if (state?.waiting) {
    w.write(LEVEL_2, `${name}:\tWaiting\n`);
    if (state.waiting.reason) w.write(LEVEL_3, `Reason:\t${state.waiting.reason}\n`);
  } else if (state?.terminated) {
    const t = state.terminated;
    w.write(LEVEL_2, `${name}:\tTerminated\n`);
    if (t.reason) w.write(LEVEL_3, `Reason:\t${t.reason}\n`);
    if (t.message) w.write(LEVEL_3, `Message:\t${t.message}\n`);
    w.write(LEVEL_3, `Exit Code:\t${t.exitCode}\n`);
    if ((t.signal ?? 0) > 0) w.write(LEVEL_3, `Signal:\t${t.signal}\n`);
    w.write(LEVEL_3, `Started:\t${rfc1123z(t.startedAt)}\n`);
    w.write(LEVEL_3, `Finished:\t${rfc1123z(t.finishedAt)}\n`);
  } else {
    w.write(LEVEL_2, `${name}:\tWaiting\n`);
  }
}

/** SortedResourceNames: resource names in sorted order. */
export function sortedResourceNames(list: Record<string, string>): string[] {
  return Object.keys(list).sort();
}

function describeResources(res: ResourceRequirements | undefined, w: PrefixWriter): void {
  if (!res) return;
  const limits = res.limits ?? {};
  const requests = res.requests ?? {};
  if (Object.keys(limits).length) w.write(LEVEL_2, 'Limits:\n');
  for (const n of sortedResourceNames(limits)) w.write(LEVEL_3, `${n}:\t${limits[n]}\n`);
  if (Object.keys(requests).length) w.write(LEVEL_2, 'Requests:\n');
  for (const n of sortedResourceNames(requests)) w.write(LEVEL_3, `${n}:\t${requests[n]}\n`);
}

/** DescribeProbe: "http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3". */
export function describeProbe(p: Probe): string {
  const attrs = `delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 0}s period=${p.periodSeconds ?? 0}s #success=${p.successThreshold ?? 0} #failure=${p.failureThreshold ?? 0}`;
  if (p.exec) return `exec [${(p.exec.command ?? []).join(' ')}] ${attrs}`;
  if (p.httpGet) {
    const port = String(p.httpGet.port ?? '');
    const host = p.httpGet.host ?? '';
    const hostPort = port ? (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`) : host;
    const scheme = (p.httpGet.scheme ?? '').toLowerCase();
    const path = p.httpGet.path ?? '';
    const url = `${scheme ? `${scheme}:` : ''}//${hostPort}${path && !path.startsWith('/') ? `/${path}` : path}`;
    return `http-get ${url} ${attrs}`;
  }
  if (p.tcpSocket) return `tcp-socket ${p.tcpSocket.host ?? ''}:${String(p.tcpSocket.port)} ${attrs}`;
  if (p.grpc) return `grpc <pod>:${p.grpc.port} ${p.grpc.service ?? ''} ${attrs}`;
  return `unknown ${attrs}`;
}

/** describeVolumes: one entry per volume with its source's details. */
export function describeVolumes(volumes: Volume[] | undefined, w: PrefixWriter, space: string): void {
  if (!volumes?.length) {
    w.write(LEVEL_0, `${space}Volumes:\t<none>\n`);
    return;
  }
  w.write(LEVEL_0, `${space}Volumes:\n`);
  for (const v of volumes) {
    const nameIndent = space ? ' ' : '';
    w.write(LEVEL_1, `${nameIndent}${v.name}:\n`);
    if (v.hostPath) {
      w.write(LEVEL_2, `Type:\tHostPath (bare host directory volume)\n    Path:\t${v.hostPath.path}\n    HostPathType:\t${v.hostPath.type || '<none>'}\n`);
    } else if (v.emptyDir) {
      const size = v.emptyDir.sizeLimit && v.emptyDir.sizeLimit !== '0' ? v.emptyDir.sizeLimit : '<unset>';
      w.write(LEVEL_2, `Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t${v.emptyDir.medium ?? ''}\n    SizeLimit:\t${size}\n`);
    } else if (v.secret) {
      w.write(LEVEL_2, `Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t${v.secret.secretName ?? ''}\n    Optional:\t${Boolean(v.secret.optional)}\n`);
    } else if (v.configMap) {
      w.write(LEVEL_2, `Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t${v.configMap.name ?? ''}\n    Optional:\t${Boolean(v.configMap.optional)}\n`);
    } else if (v.persistentVolumeClaim) {
      w.write(LEVEL_2, `Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t${v.persistentVolumeClaim.claimName}\n    ReadOnly:\t${Boolean(v.persistentVolumeClaim.readOnly)}\n`);
    } else if (v.downwardAPI) {
      w.write(LEVEL_2, 'Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n');
      for (const item of v.downwardAPI.items ?? []) {
        if (item.fieldRef) w.write(LEVEL_3, `${item.fieldRef.fieldPath} -> ${item.path}\n`);
        if (item.resourceFieldRef) w.write(LEVEL_3, `${item.resourceFieldRef.resource} -> ${item.path}\n`);
      }
    } else if (v.projected) {
      w.write(LEVEL_2, 'Type:\tProjected (a volume that contains injected data from multiple sources)\n');
      for (const src of v.projected.sources ?? []) {
        if (src.secret) w.write(LEVEL_2, `SecretName:\t${src.secret.name ?? ''}\n    SecretOptionalName:\t${src.secret.optional === undefined ? '<nil>' : String(src.secret.optional)}\n`);
        else if (src.configMap) w.write(LEVEL_2, `ConfigMapName:\t${src.configMap.name ?? ''}\n    ConfigMapOptional:\t${src.configMap.optional === undefined ? '<nil>' : String(src.configMap.optional)}\n`);
        else if (src.serviceAccountToken) w.write(LEVEL_2, `TokenExpirationSeconds:\t${src.serviceAccountToken.expirationSeconds ?? 3607}\n`);
        else if (src.downwardAPI) w.write(LEVEL_2, 'DownwardAPI:\ttrue\n');
      }
    } else {
      w.write(LEVEL_1, '<unknown>\n');
    }
  }
}

/** DescribePodTemplate: the "Pod Template:" section of deployments and replica sets. */
export function describePodTemplate(template: PodTemplateSpec | undefined, w: PrefixWriter): void {
  w.write(LEVEL_0, 'Pod Template:\n');
  if (!template) {
    w.write(LEVEL_1, '<unset>');
    return;
  }
  const spec = template.spec ?? { containers: [] };
  printLabelsMultiline(w, '  Labels', template.metadata?.labels);
  if (Object.keys(template.metadata?.annotations ?? {}).length) printAnnotationsMultiline(w, '  Annotations', template.metadata?.annotations);
  if (spec.serviceAccountName) w.write(LEVEL_1, `Service Account:\t${spec.serviceAccountName}\n`);
  if (spec.initContainers?.length) describeContainers('Init Containers', spec.initContainers, undefined, w, '  ');
  describeContainers('Containers', spec.containers ?? [], undefined, w, '  ');
  describeVolumes(spec.volumes, w, '  ');
  describeTopologySpread(spec.topologySpreadConstraints, w, '  ');
  if (spec.priorityClassName) w.write(LEVEL_1, `Priority Class Name:\t${spec.priorityClassName}\n`);
  printLabelsMultiline(w, '  Node-Selectors', spec.nodeSelector);
  printTolerationsMultiline(w, '  Tolerations', spec.tolerations);
}
