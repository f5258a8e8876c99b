// The restricted checks of the Pod Security Standards: current pod hardening best
// practice on top of baseline, with Kubernetes' reasons and details byte for byte
// (k8s.io/pod-security-admission policy/check_*.go; each comment names its file).
import type { PodSpec, Volume } from '../../../api/types/core.js';
import type { ObjectMeta } from '../../../api/types/meta.js';
import { ALLOWED, joinQuote, pluralize, relaxForUserNamespacePod, setters, sortedSet, visitContainers, type Check, type CheckResult } from './check.js';
import { CAPABILITIES_BASELINE, HOST_PATH_VOLUMES, PROC_MOUNT, SECCOMP_PROFILE_BASELINE, procMount_1_0, validSeccompType } from './checks-baseline.js';

const forbid = (forbiddenReason: string, forbiddenDetail: string): CheckResult => ({ allowed: false, forbiddenReason, forbiddenDetail });

/**
 * From v1.25 a pod that declares spec.os.name=windows skips the Linux-only checks
 * (privilege escalation, capabilities, seccomp): validation refuses those fields on it.
 */
const exemptWindows = (check: (meta: ObjectMeta, spec: PodSpec) => CheckResult) =>
  (meta: ObjectMeta, spec: PodSpec): CheckResult => (spec.os?.name === 'windows' ? ALLOWED : check(meta, spec));

// ---------------------------------------------------------------- check_allowPrivilegeEscalation.go

export function allowPrivilegeEscalation_1_8(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  visitContainers(spec, (c) => { if (c.securityContext?.allowPrivilegeEscalation !== false) bad.push(c.name); });
  if (!bad.length) return ALLOWED;
  return forbid('allowPrivilegeEscalation != false',
    `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must set securityContext.allowPrivilegeEscalation=false`);
}

// ---------------------------------------------------------------- check_capabilities_restricted.go

/** Every container drops ALL and adds back nothing but NET_BIND_SERVICE. */
export function capabilitiesRestricted_1_22(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const missingDropAll: string[] = [];
  const addingForbidden: string[] = [];
  const forbidden: string[] = [];
  visitContainers(spec, (c) => {
    const caps = c.securityContext?.capabilities;
    if (caps == null) {
      missingDropAll.push(c.name);
      return;
    }
    if (!(caps.drop ?? []).includes('ALL')) missingDropAll.push(c.name);
    const added = (caps.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
    if (added.length) {
      addingForbidden.push(c.name);
      forbidden.push(...added);
    }
  });
  const details: string[] = [];
  if (missingDropAll.length) {
    details.push(`${pluralize('container', 'containers', missingDropAll.length)} ${joinQuote(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  }
  if (addingForbidden.length) {
    details.push(`${pluralize('container', 'containers', addingForbidden.length)} ${joinQuote(addingForbidden)} must not include ${joinQuote(sortedSet(forbidden))} in securityContext.capabilities.add`);
  }
  return details.length ? forbid('unrestricted capabilities', details.join('; ')) : ALLOWED;
}

// ---------------------------------------------------------------- check_restrictedVolumes.go

/** Inline volume sources restricted pods may use: none that reach the node or a storage backend directly. */
const ALLOWED_VOLUME_SOURCES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'];
/** The other sources, in the order Kubernetes tests them, by their JSON field names. */
const RESTRICTED_VOLUME_SOURCES = ['hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi',
  'glusterfs', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte',
  'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos'];

// Read by JSON name: most of these sources are not modelled in api/types, but a stored
// pod may still carry them.
const source = (v: Volume, name: string): unknown => (v as unknown as Record<string, unknown>)[name];

export function restrictedVolumes_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const badVolumes: string[] = [];
  const badTypes: string[] = [];
  for (const v of spec.volumes ?? []) {
    if (ALLOWED_VOLUME_SOURCES.some((s) => source(v, s) != null)) continue;
    badVolumes.push(v.name);
    badTypes.push(RESTRICTED_VOLUME_SOURCES.find((s) => source(v, s) != null) ?? 'unknown');
  }
  if (!badVolumes.length) return ALLOWED;
  const types = sortedSet(badTypes);
  return forbid('restricted volume types', [
    pluralize('volume', 'volumes', badVolumes.length), joinQuote(badVolumes), pluralize('uses', 'use', badVolumes.length),
    pluralize('restricted volume type', 'restricted volume types', types.length), joinQuote(types),
  ].join(' '));
}

// ---------------------------------------------------------------- check_runAsNonRoot.go

/** runAsNonRoot=true on the pod (inherited) or on every container; never false. */
export function runAsNonRoot_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const podValue = spec.securityContext?.runAsNonRoot;
  const badPod = podValue === false;
  const podRunAsNonRoot = podValue === true;
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  visitContainers(spec, (c) => {
    const v = c.securityContext?.runAsNonRoot;
    if (v != null) {
      if (!v) explicitlyBad.push(c.name);
    } else if (!podRunAsNonRoot) {
      implicitlyBad.push(c.name);
    }
  });
  const who = setters(badPod, explicitlyBad);
  if (who) return forbid('runAsNonRoot != true', `${who} must not set securityContext.runAsNonRoot=false`);
  if (implicitlyBad.length) {
    return forbid('runAsNonRoot != true',
      `pod or ${pluralize('container', 'containers', implicitlyBad.length)} ${joinQuote(implicitlyBad)} must set securityContext.runAsNonRoot=true`);
  }
  return ALLOWED;
}

// ---------------------------------------------------------------- check_runAsUser.go

export function runAsUser_1_23(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const badPod = spec.securityContext?.runAsUser === 0;
  const bad: string[] = [];
  visitContainers(spec, (c) => { if (c.securityContext?.runAsUser === 0) bad.push(c.name); });
  const who = setters(badPod, bad);
  return who ? forbid('runAsUser=0', `${who} must not set runAsUser=0`) : ALLOWED;
}

/** From v1.35, root inside a user namespace (hostUsers: false) is allowed. */
const relaxedForUserNamespace = (check: (meta: ObjectMeta, spec: PodSpec) => CheckResult) =>
  (meta: ObjectMeta, spec: PodSpec): CheckResult => (relaxForUserNamespacePod(spec) ? ALLOWED : check(meta, spec));

// ---------------------------------------------------------------- check_seccompProfile_restricted.go

/** A RuntimeDefault or Localhost profile on the pod (inherited) or on every container. */
export function seccompProfileRestricted_1_19(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const badValues: string[] = [];
  const podProfile = spec.securityContext?.seccompProfile;
  const badPod = podProfile != null && !validSeccompType(podProfile.type);
  if (badPod) badValues.push(podProfile.type ?? '');
  const podSeccompSet = podProfile != null && !badPod;
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  visitContainers(spec, (c) => {
    const p = c.securityContext?.seccompProfile;
    if (p != null) {
      if (!validSeccompType(p.type)) {
        explicitlyBad.push(c.name);
        badValues.push(p.type ?? '');
      }
    } else if (!podSeccompSet) {
      implicitlyBad.push(c.name);
    }
  });
  const who = setters(badPod, explicitlyBad);
  if (who) return forbid('seccompProfile', `${who} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues))}`);
  if (implicitlyBad.length) {
    return forbid('seccompProfile',
      `pod or ${pluralize('container', 'containers', implicitlyBad.length)} ${joinQuote(implicitlyBad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
  }
  return ALLOWED;
}

// ---------------------------------------------------------------- registration

export const RESTRICTED_CHECKS: readonly Check[] = [
  {
    id: 'allowPrivilegeEscalation', level: 'restricted',
    versions: [{ minimumMinor: 8, checkPod: allowPrivilegeEscalation_1_8 }, { minimumMinor: 25, checkPod: exemptWindows(allowPrivilegeEscalation_1_8) }],
  },
  {
    id: 'capabilities_restricted', level: 'restricted',
    versions: [
      { minimumMinor: 22, checkPod: capabilitiesRestricted_1_22, overrides: [CAPABILITIES_BASELINE] },
      { minimumMinor: 25, checkPod: exemptWindows(capabilitiesRestricted_1_22), overrides: [CAPABILITIES_BASELINE] },
    ],
  },
  // Until v1.35 the baseline procMount check was already unconditional; from then on
  // restricted keeps it so, replacing baseline's user-namespace relaxation.
  { id: 'procMount_restricted', level: 'restricted', versions: [{ minimumMinor: 35, checkPod: procMount_1_0, overrides: [PROC_MOUNT] }] },
  { id: 'restrictedVolumes', level: 'restricted', versions: [{ minimumMinor: 0, checkPod: restrictedVolumes_1_0, overrides: [HOST_PATH_VOLUMES] }] },
  {
    id: 'runAsNonRoot', level: 'restricted',
    versions: [{ minimumMinor: 0, checkPod: runAsNonRoot_1_0 }, { minimumMinor: 35, checkPod: relaxedForUserNamespace(runAsNonRoot_1_0) }],
  },
  {
    id: 'runAsUser', level: 'restricted',
    versions: [{ minimumMinor: 23, checkPod: runAsUser_1_23 }, { minimumMinor: 35, checkPod: relaxedForUserNamespace(runAsUser_1_23) }],
  },
  {
    id: 'seccompProfile_restricted', level: 'restricted',
    versions: [
      { minimumMinor: 19, checkPod: seccompProfileRestricted_1_19, overrides: [SECCOMP_PROFILE_BASELINE] },
      { minimumMinor: 25, checkPod: exemptWindows(seccompProfileRestricted_1_19), overrides: [SECCOMP_PROFILE_BASELINE] },
    ],
  },
];
