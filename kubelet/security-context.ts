// A container's security settings as the kubelet derives them: the pod's
// PodSecurityContext and the container's SecurityContext merged field by field, the
// container winning (securitycontext.DetermineEffectiveSecurityContext), the
// runAsNonRoot check against the user the image runs as (verifyRunAsNonRoot, with
// its messages), and what the runtime is asked for (determineEffectiveSecurityContext
// as dockershim applied it: User "uid[:gid]", GroupAdd, CapAdd/CapDrop, Privileged,
// ReadonlyRootfs, no-new-privileges).
import type { Container, Pod, SecurityContext } from '../api/types/core.js';

/** A security context the runtime cannot apply; the message is the container's CreateContainerConfigError. */
export class SecurityContextError extends Error {
  override name = 'SecurityContextError';
}

/** The merged security context; undefined when neither the pod nor the container sets one. */
export function effectiveSecurityContext(pod: Pod, container: Container): SecurityContext | undefined {
  const podSc = pod.spec?.securityContext;
  const c = container.securityContext;
  if (!podSc && !c) return undefined;
  const sc: SecurityContext = {};
  // The fields a PodSecurityContext shares with a SecurityContext.
  if (podSc?.seLinuxOptions) sc.seLinuxOptions = { ...podSc.seLinuxOptions };
  if (podSc?.windowsOptions) sc.windowsOptions = { ...podSc.windowsOptions };
  if (podSc?.runAsUser !== undefined) sc.runAsUser = podSc.runAsUser;
  if (podSc?.runAsGroup !== undefined) sc.runAsGroup = podSc.runAsGroup;
  if (podSc?.runAsNonRoot !== undefined) sc.runAsNonRoot = podSc.runAsNonRoot;
  if (podSc?.seccompProfile) sc.seccompProfile = { ...podSc.seccompProfile };
  if (podSc?.appArmorProfile) sc.appArmorProfile = { ...podSc.appArmorProfile };
  if (!c) return sc;
  for (const [k, v] of Object.entries(c) as [keyof SecurityContext, unknown][]) {
    if (v !== undefined && v !== null) (sc as Record<string, unknown>)[k] = typeof v === 'object' ? structuredClone(v) : v;
  }
  return sc;
}

/** The user an image runs as (its config's User): a numeric uid, or a name (dockershim's getUserFromImageUser). */
export interface ImageUser {
  uid?: number;
  username?: string;
}

/**
 * Parses an image's User ("", "1000", "1000:50", "nobody", "nobody:nogroup"). Only
 * the user part counts; no user at all means root (the kubelet's getImageUser).
 */
export function imageUser(configUser: string): ImageUser {
  const user = configUser.split(':')[0] ?? '';
  if (user === '') return { uid: 0 };
  return /^\d+$/.test(user) ? { uid: Number(user) } : { username: user };
}

/** The kubelet's format.Pod: name_namespace(uid). */
function podDesc(pod: Pod): string {
  return `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
}

/**
 * Why the container must not start under runAsNonRoot, in the kubelet's words
 * (kuberuntime/security_context_others.go); undefined when it may. Go's %q of the pod
 * description is a double-quoted string.
 */
export function verifyRunAsNonRoot(pod: Pod, container: Container, user: ImageUser): string | undefined {
  const sc = effectiveSecurityContext(pod, container);
  if (!sc?.runAsNonRoot) return undefined;
  const where = `(pod: ${JSON.stringify(podDesc(pod))}, container: ${container.name})`;
  if (sc.runAsUser !== undefined) {
    return sc.runAsUser === 0 ? `container's runAsUser breaks non-root policy ${where}` : undefined;
  }
  if (user.uid === undefined && user.username) {
    return `container has runAsNonRoot and image has non-numeric user (${user.username}), cannot verify user is non-root ${where}`;
  }
  if (user.uid === 0) return `container has runAsNonRoot and image will run as root ${where}`;
  if (user.uid !== undefined && user.uid > 2147483647) {
    return `container has runAsNonRoot and image has an invalid user id (${user.uid}). (Must be 1-(2147483647)): must be between 0 and 2147483647, inclusive ${where}`;
  }
  return undefined;
}

/** What the runtime is asked for (ContainerSpec's security fields). */
export interface ContainerSecurity {
  /** "uid", "uid:gid" or "name[:gid]"; undefined keeps the image's user. */
  user?: string;
  /** Supplementary groups: fsGroup first, then supplementalGroups. */
  groupAdd: string[];
  capAdd: string[];
  capDrop: string[];
  privileged: boolean;
  readOnlyRootfs: boolean;
  noNewPrivileges: boolean;
}

/** A container's runtime security settings; throws with dockershim's message for runAsGroup without any user. */
export function containerSecurity(pod: Pod, container: Container, image: ImageUser): ContainerSecurity {
  const sc = effectiveSecurityContext(pod, container) ?? {};
  const podSc = pod.spec?.securityContext;
  let user: string | undefined;
  if (sc.runAsUser !== undefined) user = String(sc.runAsUser);
  if (sc.runAsGroup !== undefined) {
    // Without runAsUser the image's user keeps running, now with the given group.
    user ??= image.uid !== undefined ? String(image.uid) : image.username;
    if (!user) throw new SecurityContextError('runAsGroup is specified without a runAsUser');
    user = `${user}:${sc.runAsGroup}`;
  }
  const groups = [...(podSc?.fsGroup !== undefined ? [podSc.fsGroup] : []), ...(podSc?.supplementalGroups ?? [])];
  return {
    ...(user !== undefined ? { user } : {}),
    groupAdd: [...new Set(groups)].map(String),
    capAdd: [...(sc.capabilities?.add ?? [])],
    capDrop: [...(sc.capabilities?.drop ?? [])],
    privileged: sc.privileged === true,
    readOnlyRootfs: sc.readOnlyRootFilesystem === true,
    // securitycontext.AddNoNewPrivileges: only an explicit allowPrivilegeEscalation: false.
    noNewPrivileges: sc.allowPrivilegeEscalation === false,
  };
}
