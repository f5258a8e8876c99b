// Containers (core's validateContainers / validateInitContainers /
// validateContainerCommon): names, image, ports, env, envFrom, volume mounts,
// probes, lifecycle hooks, pull policy, resources, security context.
import type {
  Container, ContainerPort, EnvFromSource, EnvVar, EnvVarSource, HTTPGetAction, Lifecycle, LifecycleHandler, Probe,
  SecurityContext, Volume, VolumeMount,
} from '../types/core.js';
import {
  child, duplicate, type FieldCause, forbidden, index, invalid, list, nonNegative, notFound, notSupported, record, required, str,
} from './field.js';
import { checkDuplicate, validateQualifiedName } from './meta.js';
import {
  inclusiveRangeError, isConfigMapKey, isDNS1123Label, isHTTPHeaderName, isRelaxedEnvVarName, isValidPortName,
  isValidPortNum, nameIsDNSSubdomain,
} from './names.js';
import { validateResourceRequirements } from './resources.js';
import { validateLocalDescendingPath } from './volume.js';

const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const MOUNT_PROPAGATIONS = ['Bidirectional', 'HostToContainer', 'None'];
const MAX_ID = 0xffffffff;

/** A port given as a number (1-65535) or as an IANA service name ("http"). */
export function validatePortNumOrName(port: unknown, path: string): FieldCause[] {
  if (typeof port === 'number') return isValidPortNum(port).map((msg) => invalid(path, port, msg));
  if (typeof port === 'string') return isValidPortName(port).map((msg) => invalid(path, port, msg));
  return isValidPortNum(0).map((msg) => invalid(path, 0, msg));
}

function validateContainerPorts(ports: unknown, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const names = new Set<string>();
  list<ContainerPort>(ports).forEach((port, i) => {
    const p = index(path, i);
    const name = str(port?.name);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length) errs.push(...msgs.map((msg) => invalid(child(p, 'name'), name, msg)));
      else errs.push(...checkDuplicate(names, name, child(p, 'name')));
    }
    const cp = port?.containerPort;
    if (!cp) errs.push(required(child(p, 'containerPort')));
    else errs.push(...isValidPortNum(cp).map((msg) => invalid(child(p, 'containerPort'), cp, msg)));
    if (port?.hostPort) errs.push(...isValidPortNum(port.hostPort).map((msg) => invalid(child(p, 'hostPort'), port.hostPort, msg)));
    const protocol = str(port?.protocol);
    if (!protocol) errs.push(required(child(p, 'protocol')));
    else if (!PORT_PROTOCOLS.includes(protocol)) errs.push(notSupported(child(p, 'protocol'), protocol, PORT_PROTOCOLS));
  });
  return errs;
}

/** Downward API fields an env var may read (validEnvDownwardAPIFieldPathExpressions). */
const ENV_FIELD_PATHS = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName',
  'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
];
/** Field labels v1 pods convert at all (ConvertDownwardAPIFieldLabel). */
const CONVERTIBLE_FIELD_PATHS = new Set([
  ...ENV_FIELD_PATHS, 'metadata.annotations', 'metadata.labels', 'spec.restartPolicy', 'spec.schedulerName', 'status.phase',
]);
const RESOURCE_FIELD_PATHS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];

function validateFieldRef(ref: EnvVarSource['fieldRef'], path: string): FieldCause[] {
  const apiVersion = str(ref?.apiVersion);
  const fieldPath = str(ref?.fieldPath);
  if (!apiVersion) return [required(child(path, 'apiVersion'))];
  if (!fieldPath) return [required(child(path, 'fieldPath'))];
  const sub = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fieldPath);
  if (sub) {
    return validateQualifiedName(sub[1] === 'metadata.annotations' ? sub[2].toLowerCase() : sub[2], path);
  }
  if (!CONVERTIBLE_FIELD_PATHS.has(fieldPath)) {
    return [invalid(child(path, 'fieldPath'), fieldPath, `error converting fieldPath: field label not supported: ${fieldPath}`)];
  }
  if (!ENV_FIELD_PATHS.includes(fieldPath)) return [notSupported(child(path, 'fieldPath'), fieldPath, ENV_FIELD_PATHS)];
  return [];
}

function validateKeySelector(sel: { name?: string; key?: string } | undefined, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const name = str(sel?.name);
  errs.push(...nameIsDNSSubdomain(name, false).map((msg) => invalid(child(path, 'name'), name, msg)));
  const k = str(sel?.key);
  if (!k) errs.push(required(child(path, 'key')));
  else errs.push(...isConfigMapKey(k).map((msg) => invalid(child(path, 'key'), k, msg)));
  return errs;
}

function validateEnvValueFrom(ev: EnvVar, path: string): FieldCause[] {
  const from = ev.valueFrom;
  if (!from || typeof from !== 'object') return [];
  const errs: FieldCause[] = [];
  let sources = 0;
  if (from.fieldRef) {
    sources++;
    errs.push(...validateFieldRef(from.fieldRef, child(path, 'fieldRef')));
  }
  if (from.resourceFieldRef) {
    sources++;
    const resource = str(from.resourceFieldRef.resource);
    const p = child(path, 'resourceFieldRef');
    if (!resource) errs.push(required(child(p, 'resource')));
    else if (!RESOURCE_FIELD_PATHS.includes(resource) && !/^(requests|limits)\.hugepages-/.test(resource)) {
      errs.push(notSupported(child(p, 'resource'), resource, RESOURCE_FIELD_PATHS));
    }
  }
  if (from.configMapKeyRef) {
    sources++;
    errs.push(...validateKeySelector(from.configMapKeyRef, child(path, 'configMapKeyRef')));
  }
  if (from.secretKeyRef) {
    sources++;
    errs.push(...validateKeySelector(from.secretKeyRef, child(path, 'secretKeyRef')));
  }
  if (sources === 0) errs.push(invalid(path, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  else if (str(ev.value)) errs.push(invalid(path, '', 'may not be specified when `value` is not empty'));
  else if (sources > 1) errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
  return errs;
}

/** env: names (Kubernetes' relaxed rule: printable ASCII but '=') and valueFrom sources. */
export function validateEnv(env: unknown, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  list<EnvVar>(env).forEach((ev, i) => {
    const p = index(path, i);
    const name = str(ev?.name);
    if (!name) errs.push(required(child(p, 'name')));
    else errs.push(...isRelaxedEnvVarName(name).map((msg) => invalid(child(p, 'name'), name, msg)));
    errs.push(...validateEnvValueFrom(record<unknown>(ev) as unknown as EnvVar, child(p, 'valueFrom')));
  });
  return errs;
}

/** envFrom: a prefix and exactly one of configMapRef or secretRef. */
export function validateEnvFrom(envFrom: unknown, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  list<EnvFromSource>(envFrom).forEach((ev, i) => {
    const p = index(path, i);
    const prefix = str(ev?.prefix);
    if (prefix) errs.push(...isRelaxedEnvVarName(prefix).map((msg) => invalid(child(p, 'prefix'), prefix, msg)));
    let sources = 0;
    for (const field of ['configMapRef', 'secretRef'] as const) {
      const ref = ev?.[field];
      if (!ref) continue;
      sources++;
      const name = str(ref.name);
      if (!name) errs.push(required(child(p, field, 'name')));
      else errs.push(...nameIsDNSSubdomain(name, true).map((msg) => invalid(child(p, field, 'name'), name, msg)));
    }
    if (sources === 0) errs.push(invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (sources > 1) errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateVolumeMounts(mounts: unknown, volumes: Map<string, Volume>, ctr: Container, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const mountPoints = new Set<string>();
  list<VolumeMount>(mounts).forEach((m, i) => {
    const p = index(path, i);
    const name = str(m?.name);
    const mountPath = str(m?.mountPath);
    if (!name) errs.push(required(child(p, 'name')));
    if (!volumes.has(name)) errs.push(notFound(child(p, 'name'), name));
    if (!mountPath) errs.push(required(child(p, 'mountPath')));
    if (mountPoints.has(mountPath)) errs.push(invalid(child(p, 'mountPath'), mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    // Kubernetes reports subPath problems on the list's path, not the item's; kept as is.
    if (str(m?.subPath)) errs.push(...validateLocalDescendingPath(str(m.subPath), child(path, 'subPath')));
    if (str(m?.subPathExpr)) {
      if (str(m.subPath)) errs.push(invalid(child(p, 'subPathExpr'), m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...validateLocalDescendingPath(str(m.subPathExpr), child(path, 'subPathExpr')));
    }
    if (m?.mountPropagation !== undefined) {
      const mp = str(m.mountPropagation);
      const mpPath = child(path, 'mountPropagation');
      if (!MOUNT_PROPAGATIONS.includes(mp)) errs.push(notSupported(mpPath, m.mountPropagation, MOUNT_PROPAGATIONS));
      if (mp === 'Bidirectional' && ctr.securityContext?.privileged !== true) {
        errs.push(forbidden(mpPath, 'Bidirectional mount propagation is available only to privileged containers'));
      }
    }
  });
  return errs;
}

function validateHTTPGet(action: HTTPGetAction, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  if (!str(action?.path)) errs.push(required(child(path, 'path')));
  errs.push(...validatePortNumOrName(action?.port, child(path, 'port')));
  const scheme = str(action?.scheme);
  if (scheme !== 'HTTP' && scheme !== 'HTTPS') errs.push(notSupported(child(path, 'scheme'), scheme, ['HTTP', 'HTTPS']));
  for (const h of list<{ name?: string }>(action?.httpHeaders)) {
    const name = str(h?.name);
    errs.push(...isHTTPHeaderName(name).map((msg) => invalid(child(path, 'httpHeaders'), name, msg)));
  }
  return errs;
}

/** Exactly one handler (exec, httpGet, tcpSocket, grpc for probes; sleep for hooks). */
function validateHandler(handler: Record<string, unknown>, grace: number | undefined, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  let count = 0;
  for (const type of ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep']) {
    const h = handler[type];
    if (h === undefined || h === null) continue;
    const p = child(path, type);
    if (count > 0) {
      errs.push(forbidden(p, 'may not specify more than 1 handler type'));
      continue;
    }
    count++;
    const r = record<unknown>(h);
    switch (type) {
      case 'exec': if (list(r.command).length === 0) errs.push(required(child(p, 'command'))); break;
      case 'httpGet': errs.push(...validateHTTPGet(r as unknown as HTTPGetAction, p)); break;
      case 'tcpSocket': errs.push(...validatePortNumOrName(r.port, child(p, 'port'))); break;
      case 'grpc': errs.push(...validatePortNumOrName(typeof r.port === 'number' ? r.port : 0, child(p, 'port'))); break;
      case 'sleep': {
        const seconds = typeof r.seconds === 'number' ? r.seconds : 0;
        if (grace !== undefined && (seconds < 0 || seconds > grace)) {
          errs.push(invalid(p, seconds, `must be non-negative and less than terminationGracePeriodSeconds (${grace})`));
        }
        break;
      }
      default: break;
    }
  }
  if (count === 0) errs.push(required(path, 'must specify a handler type'));
  return errs;
}

type ProbeKind = 'livenessProbe' | 'readinessProbe' | 'startupProbe';

function validateProbe(probe: Probe | undefined, kind: ProbeKind, grace: number | undefined, path: string): FieldCause[] {
  if (probe === undefined || probe === null) return [];
  const p = record<unknown>(probe) as Probe;
  const { grpc, exec, httpGet, tcpSocket } = p;
  const errs = validateHandler({ exec, httpGet, tcpSocket, grpc }, grace, path);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    errs.push(...nonNegative(p[f], child(path, f)));
  }
  if (typeof p.terminationGracePeriodSeconds === 'number' && p.terminationGracePeriodSeconds <= 0) {
    errs.push(invalid(child(path, 'terminationGracePeriodSeconds'), p.terminationGracePeriodSeconds, 'must be greater than 0'));
  }
  // Kubernetes' zero value: an unset successThreshold is 0 here, as in Go.
  if (kind !== 'readinessProbe' && (p.successThreshold ?? 0) !== 1) {
    errs.push(invalid(child(path, 'successThreshold'), p.successThreshold ?? 0, 'must be 1'));
  }
  if (kind === 'readinessProbe' && p.terminationGracePeriodSeconds !== undefined) {
    errs.push(invalid(child(path, 'terminationGracePeriodSeconds'), p.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
  }
  return errs;
}

function validateLifecycle(lc: Lifecycle, grace: number | undefined, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  for (const hook of ['postStart', 'preStop'] as const) {
    const h = lc?.[hook] as LifecycleHandler | undefined;
    if (h) errs.push(...validateHandler(record<unknown>(h), grace, child(path, hook)));
  }
  return errs;
}

function validateSecurityContext(sc: SecurityContext | undefined, path: string): FieldCause[] {
  if (!sc || typeof sc !== 'object') return [];
  const errs: FieldCause[] = [];
  for (const f of ['runAsUser', 'runAsGroup'] as const) {
    const v = sc[f];
    if (typeof v === 'number' && (v < 0 || v > MAX_ID)) errs.push(invalid(child(path, f), v, inclusiveRangeError(0, MAX_ID)));
  }
  if (sc.procMount !== undefined && sc.procMount !== 'Default' && sc.procMount !== 'Unmasked') {
    errs.push(notSupported(child(path, 'procMount'), sc.procMount, ['Default', 'Unmasked']));
  }
  if (sc.allowPrivilegeEscalation === false && sc.privileged === true) {
    errs.push(invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
  }
  return errs;
}

/** What every kind of container must satisfy. */
function validateContainerCommon(ctr: Container, volumes: Map<string, Volume>, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const name = str(ctr.name);
  if (!name) errs.push(required(child(path, 'name')));
  else errs.push(...isDNS1123Label(name).map((msg) => invalid(child(path, 'name'), name, msg)));
  if (!str(ctr.image)) errs.push(required(child(path, 'image')));
  const tmp = str(ctr.terminationMessagePolicy);
  if (!tmp) errs.push(required(child(path, 'terminationMessagePolicy')));
  else if (!TERMINATION_MESSAGE_POLICIES.includes(tmp)) errs.push(notSupported(child(path, 'terminationMessagePolicy'), tmp, TERMINATION_MESSAGE_POLICIES));
  errs.push(...validateContainerPorts(ctr.ports, child(path, 'ports')));
  errs.push(...validateEnv(ctr.env, child(path, 'env')));
  errs.push(...validateEnvFrom(ctr.envFrom, child(path, 'envFrom')));
  errs.push(...validateVolumeMounts(ctr.volumeMounts, volumes, ctr, child(path, 'volumeMounts')));
  const pull = str(ctr.imagePullPolicy);
  if (!pull) errs.push(required(child(path, 'imagePullPolicy')));
  else if (!PULL_POLICIES.includes(pull)) errs.push(notSupported(child(path, 'imagePullPolicy'), pull, PULL_POLICIES));
  errs.push(...validateResourceRequirements(ctr.resources, child(path, 'resources')));
  errs.push(...validateSecurityContext(ctr.securityContext, child(path, 'securityContext')));
  return errs;
}

/** hostPort conflicts: the same protocol/hostIP/hostPort twice among these containers. */
function checkHostPortConflicts(containers: Container[], path: string, seen = new Set<string>()): FieldCause[] {
  const errs: FieldCause[] = [];
  containers.forEach((ctr, ci) => {
    list<ContainerPort>(ctr?.ports).forEach((port, pi) => {
      if (!port?.hostPort) return;
      const k = `${str(port.protocol)}/${str(port.hostIP)}/${port.hostPort}`;
      if (seen.has(k)) errs.push(duplicate(child(index(child(index(path, ci), 'ports'), pi), 'hostPort'), k));
      seen.add(k);
    });
  });
  return errs;
}

/**
 * spec.containers: at least one, each valid, names unique, probes and hooks valid,
 * no restartPolicy on regular containers, no hostPort used twice.
 */
export function validateContainers(containers: unknown, volumes: Map<string, Volume>, grace: number | undefined, path: string): FieldCause[] {
  const ctrs = list<Container>(containers);
  if (ctrs.length === 0) return [required(path)];
  const errs: FieldCause[] = [];
  const names = new Set<string>();
  ctrs.forEach((raw, i) => {
    const ctr = record<unknown>(raw) as unknown as Container;
    const p = index(path, i);
    errs.push(...validateContainerCommon(ctr, volumes, p));
    errs.push(...checkDuplicate(names, str(ctr.name), child(p, 'name')));
    if (ctr.lifecycle) errs.push(...validateLifecycle(ctr.lifecycle, grace, child(p, 'lifecycle')));
    for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
      errs.push(...validateProbe(ctr[kind], kind, grace, child(p, kind)));
    }
    if (ctr.restartPolicy !== undefined) errs.push(forbidden(child(p, 'restartPolicy'), 'may not be set for non-init containers'));
  });
  errs.push(...checkHostPortConflicts(ctrs, path));
  return errs;
}

/**
 * spec.initContainers: valid, names unique among init and regular containers; only
 * sidecars (restartPolicy Always) may have probes and lifecycle hooks.
 */
export function validateInitContainers(inits: unknown, regular: unknown, volumes: Map<string, Volume>, grace: number | undefined, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const names = new Set(list<Container>(regular).map((c) => str(c?.name)));
  list<Container>(inits).forEach((raw, i) => {
    const ctr = record<unknown>(raw) as unknown as Container;
    const p = index(path, i);
    errs.push(...validateContainerCommon(ctr, volumes, p));
    let sidecar = false;
    if (ctr.restartPolicy !== undefined) {
      if (ctr.restartPolicy === 'Always') sidecar = true;
      else errs.push(notSupported(child(p, 'restartPolicy'), ctr.restartPolicy, ['Always']));
    }
    const name = str(ctr.name);
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else if (name) names.add(name);
    // Init containers run one at a time, so each is checked on its own.
    errs.push(...checkHostPortConflicts([ctr], path));
    if (sidecar) {
      if (ctr.lifecycle) errs.push(...validateLifecycle(ctr.lifecycle, grace, child(p, 'lifecycle')));
      for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
        errs.push(...validateProbe(ctr[kind], kind, grace, child(p, kind)));
      }
    } else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
        if (ctr[f]) errs.push(forbidden(child(p, f), 'may not be set for init containers without restartPolicy=Always'));
      }
    }
  });
  return errs;
}

/** Pod-only (not template) container rule: no whitespace around the image name. */
export function validateImageWhitespace(containers: unknown, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  list<Container>(containers).forEach((c, i) => {
    const image = str(c?.image);
    if (image.length !== image.trim().length) errs.push(invalid(child(index(path, i), 'image'), image, 'must not have leading or trailing whitespace'));
  });
  return errs;
}


/**
 * Fields an ephemeral container may not set, in the order of Go's EphemeralContainerCommon
 * (Kubernetes' allowedEphemeralContainerFields: everything else is allowed).
 */
const EPHEMERAL_FORBIDDEN_FIELDS = [
  'ports', 'resources', 'resizePolicy', 'restartPolicy', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle',
] as const;

/**
 * spec.ephemeralContainers (validateEphemeralContainers): each a valid container, its
 * name unique among all containers of the pod, targetContainerName a regular or init
 * container, none of the fields that would make it part of the workload (ports,
 * resources, probes, lifecycle...) and no subPath mounts.
 */
export function validateEphemeralContainers(ephemeral: unknown, regular: unknown, inits: unknown, volumes: Map<string, Volume>, path: string): FieldCause[] {
  const errs: FieldCause[] = [];
  const others = new Set([...list<Container>(regular), ...list<Container>(inits)].map((c) => str(c?.name)));
  const names = new Set(others);
  list<Container & { targetContainerName?: string }>(ephemeral).forEach((raw, i) => {
    const ec = record<unknown>(raw) as unknown as Container & { targetContainerName?: string };
    const p = index(path, i);
    errs.push(...validateContainerCommon(ec, volumes, p));
    const name = str(ec.name);
    if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
    else names.add(name);
    const target = str(ec.targetContainerName);
    if (target && !others.has(target)) errs.push(notFound(child(p, 'targetContainerName'), target));
    const fields = ec as unknown as Record<string, unknown>;
    for (const f of EPHEMERAL_FORBIDDEN_FIELDS) {
      const v = fields[f];
      const empty = v === undefined || v === null || (Array.isArray(v) && v.length === 0)
        || (f === 'resources' && typeof v === 'object' && Object.keys(v as object).length === 0);
      if (!empty) errs.push(forbidden(child(p, f), 'cannot be set for an Ephemeral Container'));
    }
    list<{ subPath?: string; subPathExpr?: string }>(ec.volumeMounts).forEach((vm, j) => {
      for (const f of ['subPath', 'subPathExpr'] as const) {
        if (str(vm?.[f])) errs.push(forbidden(child(index(child(p, 'volumeMounts'), j), f), 'cannot be set for an Ephemeral Container'));
      }
    });
  });
  return errs;
}
