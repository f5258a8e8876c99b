// The baseline checks of the Pod Security Standards, one function per check revision,
// with Kubernetes' reasons and details byte for byte (k8s.io/pod-security-admission
// policy/check_*.go; each comment names its file). Baseline prevents known privilege
// escalations while admitting ordinary pods unchanged.
import type { Container, LifecycleHandler, PodSpec, Probe } from '../../../api/types/core.js';
import type { ObjectMeta } from '../../../api/types/meta.js';
import { goQuote } from '../../../api/errors.js';
import {
  ALLOWED, joinQuote, pluralize, relaxForUserNamespacePod, setters, sortedSet, visitContainers,
  type Check, type CheckResult,
} from './check.js';

const forbid = (forbiddenReason: string, forbiddenDetail: string): CheckResult => ({ allowed: false, forbiddenReason, forbiddenDetail });

// ---------------------------------------------------------------- check_appArmorProfile.go

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const allowedAppArmorAnnotation = (v: string): boolean => v === '' || v === 'runtime/default' || v.startsWith('localhost/');
const allowedAppArmorType = (t: string | undefined): boolean => t === 'RuntimeDefault' || t === 'Localhost';

/** AppArmor may not be turned off: only RuntimeDefault or Localhost profiles (and the old annotations' equivalents). */
export function appArmorProfile_1_0(meta: ObjectMeta, spec: PodSpec): CheckResult {
  const bad = badProfiles(spec, (s) => s?.appArmorProfile, allowedAppArmorType);
  const badAnnotations = Object.entries(meta.annotations ?? {})
    .filter(([k, v]) => k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !allowedAppArmorAnnotation(v))
    .map(([k, v]) => `${k}=${goQuote(v)}`);
  const badValueList = [...bad.types, ...sortedSet(badAnnotations)];
  let who = setters(bad.pod, bad.containers);
  if (badAnnotations.length) who = [who, pluralize('annotation', 'annotations', badAnnotations.length)].filter(Boolean).join(' and ');
  if (!who) return ALLOWED;
  return forbid(
    pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', badValueList.length),
    `${who} must not set AppArmor profile type to ${joinQuote(badValueList)}`,
  );
}

/**
 * Whether the pod, and which containers, explicitly set a profile (seccomp, AppArmor)
 * of a type not allowed; and those types, sorted.
 */
function badProfiles(
  spec: PodSpec, profile: (sc: { seccompProfile?: { type?: string }; appArmorProfile?: { type?: string } } | undefined) => { type?: string } | undefined,
  allowed: (type: string | undefined) => boolean,
): { pod: boolean; containers: string[]; types: string[] } {
  const types: string[] = [];
  const podProfile = profile(spec.securityContext);
  const pod = podProfile != null && !allowed(podProfile.type);
  if (pod) types.push(podProfile.type ?? '');
  const containers: string[] = [];
  visitContainers(spec, (c) => {
    const p = profile(c.securityContext);
    if (p != null && !allowed(p.type)) {
      containers.push(c.name);
      types.push(p.type ?? '');
    }
  });
  return { pod, containers, types: sortedSet(types) };
}

// ---------------------------------------------------------------- check_capabilities_baseline.go

/** The capabilities a container runtime grants by default; adding others is forbidden. */
export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

export function capabilitiesBaseline_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const badContainers: string[] = [];
  const nonDefault: string[] = [];
  visitContainers(spec, (c) => {
    const bad = (c.securityContext?.capabilities?.add ?? []).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
    if (bad.length) {
      badContainers.push(c.name);
      nonDefault.push(...bad);
    }
  });
  if (!badContainers.length) return ALLOWED;
  return forbid('non-default capabilities',
    `${pluralize('container', 'containers', badContainers.length)} ${joinQuote(badContainers)} must not include ${joinQuote(sortedSet(nonDefault))} in securityContext.capabilities.add`);
}

// ---------------------------------------------------------------- check_hostNamespaces.go

export function hostNamespaces_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const shared: string[] = [];
  if (spec.hostNetwork) shared.push('hostNetwork=true');
  if (spec.hostPID) shared.push('hostPID=true');
  if (spec.hostIPC) shared.push('hostIPC=true');
  return shared.length ? forbid('host namespaces', shared.join(', ')) : ALLOWED;
}

// ---------------------------------------------------------------- check_hostPathVolumes.go

export function hostPathVolumes_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const names = (spec.volumes ?? []).filter((v) => v.hostPath != null).map((v) => v.name);
  if (!names.length) return ALLOWED;
  return forbid('hostPath volumes', `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)}`);
}

// ---------------------------------------------------------------- check_hostPorts.go

export function hostPorts_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const badContainers: string[] = [];
  const ports: string[] = [];
  visitContainers(spec, (c) => {
    const used = (c.ports ?? []).filter((p) => (p.hostPort ?? 0) !== 0).map((p) => String(p.hostPort));
    if (used.length) {
      badContainers.push(c.name);
      ports.push(...used);
    }
  });
  if (!badContainers.length) return ALLOWED;
  const unique = sortedSet(ports);
  return forbid('hostPort', [
    pluralize('container', 'containers', badContainers.length), joinQuote(badContainers),
    pluralize('uses', 'use', badContainers.length), pluralize('hostPort', 'hostPorts', unique.length), unique.join(', '),
  ].join(' '));
}

// ---------------------------------------------------------------- check_hostProbesAndhostLifecycle.go

const probeHosts = (p: Probe | undefined): string[] =>
  [p?.httpGet?.host, p?.tcpSocket?.host].filter((h): h is string => !!h);
const handlerHosts = (h: LifecycleHandler | undefined): string[] =>
  [h?.httpGet?.host, h?.tcpSocket?.host].filter((x): x is string => !!x);

/** Probes and lifecycle hooks may not aim at another host (the kubelet would connect from the node). From v1.34. */
export function hostProbesAndHostLifecycle_1_34(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const badContainers: string[] = [];
  const hosts: string[] = [];
  visitContainers(spec, (c: Container) => {
    const found = [
      ...probeHosts(c.livenessProbe), ...probeHosts(c.readinessProbe), ...probeHosts(c.startupProbe),
      ...handlerHosts(c.lifecycle?.postStart), ...handlerHosts(c.lifecycle?.preStop),
    ];
    if (found.length) {
      badContainers.push(c.name);
      hosts.push(...found);
    }
  });
  if (!badContainers.length) return ALLOWED;
  // Both lists are sets here (sorted, unique), unlike most checks' container lists.
  const containers = sortedSet(badContainers);
  const unique = sortedSet(hosts);
  return forbid('probe or lifecycle host', [
    pluralize('container', 'containers', containers.length), joinQuote(containers),
    pluralize('uses', 'use', containers.length),
    pluralize('probe or lifecycle host', 'probe or lifecycle hosts', unique.length), joinQuote(unique),
  ].join(' '));
}

// ---------------------------------------------------------------- check_privileged.go

export function privileged_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  visitContainers(spec, (c) => { if (c.securityContext?.privileged === true) bad.push(c.name); });
  if (!bad.length) return ALLOWED;
  return forbid('privileged', `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not set securityContext.privileged=true`);
}

// ---------------------------------------------------------------- check_procMount_baseline.go

/** /proc keeps its default masks: procMount unset or "Default". */
export function procMount_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  const types: string[] = [];
  visitContainers(spec, (c) => {
    const t = c.securityContext?.procMount;
    if (t != null && t !== 'Default') {
      bad.push(c.name);
      types.push(t);
    }
  });
  if (!bad.length) return ALLOWED;
  return forbid('procMount',
    `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`);
}

/** From v1.35 baseline lets a user-namespaced pod unmask /proc; restricted keeps procMount_1_0. */
export function procMount_1_35(meta: ObjectMeta, spec: PodSpec): CheckResult {
  return relaxForUserNamespacePod(spec) ? ALLOWED : procMount_1_0(meta, spec);
}

// ---------------------------------------------------------------- check_seLinuxOptions.go

const SELINUX_TYPES_1_0: ReadonlySet<string> = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const SELINUX_TYPES_1_31: ReadonlySet<string> = new Set([...SELINUX_TYPES_1_0, 'container_engine_t']);

function seLinuxOptions(spec: PodSpec, allowedTypes: ReadonlySet<string>): CheckResult {
  const badTypes: string[] = [];
  let setUser = false;
  let setRole = false;
  const valid = (o: { type?: string; user?: string; role?: string }): boolean => {
    let ok = true;
    if (!allowedTypes.has(o.type ?? '')) { ok = false; badTypes.push(o.type ?? ''); }
    if (o.user) { ok = false; setUser = true; }
    if (o.role) { ok = false; setRole = true; }
    return ok;
  };
  const podOpts = spec.securityContext?.seLinuxOptions;
  const badPod = podOpts != null && !valid(podOpts);
  const badContainers: string[] = [];
  visitContainers(spec, (c) => {
    const o = c.securityContext?.seLinuxOptions;
    if (o != null && !valid(o)) badContainers.push(c.name);
  });
  const who = setters(badPod, badContainers);
  if (!who) return ALLOWED;
  const data: string[] = [];
  const types = sortedSet(badTypes);
  if (types.length) data.push(`${pluralize('type', 'types', types.length)} ${joinQuote(types)}`);
  if (setUser) data.push('user may not be set');
  if (setRole) data.push('role may not be set');
  return forbid('seLinuxOptions', `${who} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}`);
}

export const seLinuxOptions_1_0 = (_meta: ObjectMeta, spec: PodSpec): CheckResult => seLinuxOptions(spec, SELINUX_TYPES_1_0);
export const seLinuxOptions_1_31 = (_meta: ObjectMeta, spec: PodSpec): CheckResult => seLinuxOptions(spec, SELINUX_TYPES_1_31);

// ---------------------------------------------------------------- check_seccompProfile_baseline.go

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
export const validSeccompType = (t: string | undefined): boolean => t === 'Localhost' || t === 'RuntimeDefault';
const validSeccompAnnotation = (v: string): boolean => v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');

/** Policies before v1.19 judge the alpha seccomp annotations (the field did not exist). */
export function seccompProfileBaseline_1_0(meta: ObjectMeta, spec: PodSpec): CheckResult {
  const annotations = meta.annotations ?? {};
  const bad: string[] = [];
  const judge = (k: string): void => {
    if (Object.prototype.hasOwnProperty.call(annotations, k) && !validSeccompAnnotation(annotations[k])) {
      bad.push(`${k}=${goQuote(annotations[k])}`);
    }
  };
  judge(SECCOMP_POD_ANNOTATION);
  visitContainers(spec, (c) => judge(SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name));
  const list = sortedSet(bad);
  if (!list.length) return ALLOWED;
  return forbid('seccompProfile', `forbidden ${pluralize('annotation', 'annotations', list.length)} ${list.join(', ')}`);
}

/** A seccomp profile, where set, must be RuntimeDefault or Localhost (not Unconfined). */
export function seccompProfileBaseline_1_19(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const bad = badProfiles(spec, (s) => s?.seccompProfile, validSeccompType);
  const who = setters(bad.pod, bad.containers);
  if (!who) return ALLOWED;
  return forbid('seccompProfile', `${who} must not set securityContext.seccompProfile.type to ${joinQuote(bad.types)}`);
}

// ---------------------------------------------------------------- check_sysctls.go

const SYSCTLS_1_0 = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [...SYSCTLS_1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];
const SYSCTLS_1_37 = [...SYSCTLS_1_32, 'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'];

/** Only the "safe" sysctls, namespaced per pod and isolated from other pods, may be set. */
function sysctls(allowed: readonly string[]) {
  const set = new Set(allowed);
  return (_meta: ObjectMeta, spec: PodSpec): CheckResult => {
    const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !set.has(n));
    return bad.length ? forbid('forbidden sysctls', bad.join(', ')) : ALLOWED;
  };
}

// ---------------------------------------------------------------- check_windowsHostProcess.go

export function windowsHostProcess_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  visitContainers(spec, (c) => { if (c.securityContext?.windowsOptions?.hostProcess === true) bad.push(c.name); });
  const who = setters(spec.securityContext?.windowsOptions?.hostProcess === true, bad);
  return who ? forbid('hostProcess', `${who} must not set securityContext.windowsOptions.hostProcess=true`) : ALLOWED;
}

// ---------------------------------------------------------------- registration

export const CAPABILITIES_BASELINE = 'capabilities_baseline';
export const HOST_PATH_VOLUMES = 'hostPathVolumes';
export const PROC_MOUNT = 'procMount';
export const SECCOMP_PROFILE_BASELINE = 'seccompProfile_baseline';

export const BASELINE_CHECKS: readonly Check[] = [
  { id: 'appArmorProfile', level: 'baseline', versions: [{ minimumMinor: 0, checkPod: appArmorProfile_1_0 }] },
  { id: CAPABILITIES_BASELINE, level: 'baseline', versions: [{ minimumMinor: 0, checkPod: capabilitiesBaseline_1_0 }] },
  { id: 'hostNamespaces', level: 'baseline', versions: [{ minimumMinor: 0, checkPod: hostNamespaces_1_0 }] },
  { id: HOST_PATH_VOLUMES, level: 'baseline', versions: [{ minimumMinor: 0, checkPod: hostPathVolumes_1_0 }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ minimumMinor: 0, checkPod: hostPorts_1_0 }] },
  { id: 'hostProbesAndHostLifecycle', level: 'baseline', versions: [{ minimumMinor: 34, checkPod: hostProbesAndHostLifecycle_1_34 }] },
  { id: 'privileged', level: 'baseline', versions: [{ minimumMinor: 0, checkPod: privileged_1_0 }] },
  { id: PROC_MOUNT, level: 'baseline', versions: [{ minimumMinor: 0, checkPod: procMount_1_0 }, { minimumMinor: 35, checkPod: procMount_1_35 }] },
  { id: 'seLinuxOptions', level: 'baseline', versions: [{ minimumMinor: 0, checkPod: seLinuxOptions_1_0 }, { minimumMinor: 31, checkPod: seLinuxOptions_1_31 }] },
  {
    id: SECCOMP_PROFILE_BASELINE, level: 'baseline',
    versions: [{ minimumMinor: 0, checkPod: seccompProfileBaseline_1_0 }, { minimumMinor: 19, checkPod: seccompProfileBaseline_1_19 }],
  },
  {
    id: 'sysctls', level: 'baseline',
    versions: [
      { minimumMinor: 0, checkPod: sysctls(SYSCTLS_1_0) }, { minimumMinor: 27, checkPod: sysctls(SYSCTLS_1_27) },
      { minimumMinor: 29, checkPod: sysctls(SYSCTLS_1_29) }, { minimumMinor: 32, checkPod: sysctls(SYSCTLS_1_32) },
      { minimumMinor: 37, checkPod: sysctls(SYSCTLS_1_37) },
    ],
  },
  { id: 'windowsHostProcess', level: 'baseline', versions: [{ minimumMinor: 0, checkPod: windowsHostProcess_1_0 }] },
];
