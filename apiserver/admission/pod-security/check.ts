// What a Pod Security check is and the helpers every check shares
// (k8s.io/pod-security-admission policy/checks.go, helpers.go, visitor.go).
import type { Container, PodSpec } from '../../../api/types/core.js';
import type { ObjectMeta } from '../../../api/types/meta.js';

/**
 * One check's verdict on a pod. When not allowed, forbiddenReason is the short label
 * ("privileged") listed for every refused pod, forbiddenDetail the specifics
 * (`container "c" must not set securityContext.privileged=true`) shown in parentheses
 * after it for a single pod.
 */
export interface CheckResult {
  allowed: boolean;
  forbiddenReason?: string;
  forbiddenDetail?: string;
}

export const ALLOWED: CheckResult = { allowed: true };

/** A check of pod metadata and spec; pure, reads nothing else. */
export type CheckPodFn = (meta: ObjectMeta, spec: PodSpec) => CheckResult;

/** One revision of a check, applying from minimumMinor (policy v1.<minimumMinor>) on. */
export interface VersionedCheck {
  minimumMinor: number;
  checkPod: CheckPodFn;
  /**
   * Baseline checks this restricted check replaces at this version (a stricter form of
   * the same rule), so a restricted pod is not refused twice for one field.
   */
  overrides?: readonly string[];
}

export interface Check {
  /** Unique; results are listed in the order of these ids (baseline ones first). */
  id: string;
  level: 'baseline' | 'restricted';
  /** Strictly increasing minimumMinor. */
  versions: readonly VersionedCheck[];
}

/** `"a", "b"`: Go's joinQuote (no escaping, as Kubernetes does not escape either). */
export function joinQuote(items: readonly string[]): string {
  return items.length ? `"${items.join('", "')}"` : '';
}

export const pluralize = (singular: string, plural: string, count: number): string => (count === 1 ? singular : plural);

/** Byte-order comparison of strings, as Go's sort.Strings. */
export const goCompare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A Go sets.String's List(): unique and sorted. */
export const sortedSet = (items: Iterable<string>): string[] => [...new Set(items)].sort(goCompare);

/**
 * Calls visit with every container of the pod: init containers, containers, then
 * ephemeral containers, as visitContainers does.
 */
export function visitContainers(spec: PodSpec, visit: (c: Container) => void): void {
  for (const c of spec.initContainers ?? []) visit(c);
  for (const c of spec.containers ?? []) visit(c);
  for (const c of spec.ephemeralContainers ?? []) visit(c);
}

/**
 * The pod and the containers that set something forbidden, as the checks name them:
 * `pod and containers "a", "b"`.
 */
export function setters(pod: boolean, containers: readonly string[]): string {
  const parts: string[] = pod ? ['pod'] : [];
  if (containers.length) parts.push(`${pluralize('container', 'containers', containers.length)} ${joinQuote(containers)}`);
  return parts.join(' and ');
}

/**
 * A user-namespaced pod (hostUsers: false) is relaxed by the checks that say so
 * (from policy v1.35); root in it is not root on the node.
 */
export const relaxForUserNamespacePod = (spec: PodSpec): boolean => spec.hostUsers === false;
