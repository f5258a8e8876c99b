// Which checks a level:version runs, and how their results read together
// (k8s.io/pod-security-admission policy/registry.go and checks.go).
import type { PodSpec } from '../../../api/types/core.js';
import type { ObjectMeta } from '../../../api/types/meta.js';
import { versionInfo } from '../../version.js';
import { goCompare, type Check, type CheckPodFn, type CheckResult } from './check.js';
import { BASELINE_CHECKS } from './checks-baseline.js';
import { RESTRICTED_CHECKS } from './checks-restricted.js';
import { olderThan, v1, type LevelVersion, type Version } from './policy.js';

export const DEFAULT_CHECKS: readonly Check[] = [...BASELINE_CHECKS, ...RESTRICTED_CHECKS];

/** The newest policy version any check knows. */
const NEWEST_CHECK_MINOR = Math.max(...DEFAULT_CHECKS.flatMap((c) => c.versions.map((v) => v.minimumMinor)));

/**
 * The policy version "latest" stands for: the server's own minor (kube-apiserver caps its
 * checks at its emulation version), or the newest check version if that is older.
 */
export const SERVER_POLICY_MINOR = Math.min(Number.parseInt(versionInfo().minor, 10), NEWEST_CHECK_MINOR);

/**
 * The checks' results together: allowed when every check allowed, else the forbidden
 * checks' reasons and details, index for index (AggregateCheckResult).
 */
export interface AggregateResult {
  allowed: boolean;
  forbiddenReasons: string[];
  forbiddenDetails: string[];
}

export function aggregate(results: readonly CheckResult[]): AggregateResult {
  const forbiddenReasons: string[] = [];
  const forbiddenDetails: string[] = [];
  for (const r of results) {
    if (r.allowed) continue;
    forbiddenReasons.push(r.forbiddenReason || 'unknown forbidden reason');
    forbiddenDetails.push(r.forbiddenDetail ?? '');
  }
  return { allowed: forbiddenReasons.length === 0, forbiddenReasons, forbiddenDetails };
}

/** `host namespaces, privileged`: what a namespace's existing pods are listed with. */
export const forbiddenReason = (a: AggregateResult): string => a.forbiddenReasons.join(', ');

/** `host namespaces (hostNetwork=true), privileged (container "c" must not ...)`: what one pod is told. */
export const forbiddenDetail = (a: AggregateResult): string =>
  a.forbiddenReasons.map((r, i) => (a.forbiddenDetails[i] ? `${r} (${a.forbiddenDetails[i]})` : r)).join(', ');

/**
 * Evaluates pods against a level:version. Built once (it caches the check list per
 * version); pure otherwise.
 */
export class Evaluator {
  /** "<level>:<minor>" to the checks to run, in result order. */
  private readonly byVersion = new Map<string, CheckPodFn[]>();
  private readonly maxVersion: Version;
  private readonly orderedIds: string[];

  /** maxMinor is what "latest" (and any newer version) means: SERVER_POLICY_MINOR unless a test says otherwise. */
  constructor(private readonly checks: readonly Check[] = DEFAULT_CHECKS, maxMinor = SERVER_POLICY_MINOR) {
    this.maxVersion = v1(maxMinor);
    // Results are listed by check id, baseline checks first, so messages are stable.
    const ids = (level: string): string[] => checks.filter((c) => c.level === level).map((c) => c.id).sort(goCompare);
    this.orderedIds = [...ids('baseline'), ...ids('restricted')];
  }

  /** Every check's result (allowed ones too) for the pod at lv; none for privileged. */
  evaluatePod(lv: LevelVersion, meta: ObjectMeta, spec: PodSpec): CheckResult[] {
    if (lv.level === 'privileged') return [];
    const minor = olderThan(this.maxVersion, lv.version) ? this.maxVersion.minor : lv.version.minor;
    return this.checksFor(lv.level, minor).map((check) => check(meta, spec));
  }

  private checksFor(level: 'baseline' | 'restricted', minor: number): CheckPodFn[] {
    const cacheKey = `${level}:${minor}`;
    let fns = this.byVersion.get(cacheKey);
    if (fns) return fns;
    // The revision of each check in force at this version (the newest not newer than it).
    const active = new Map<string, { level: string; checkPod: CheckPodFn; overrides?: readonly string[] }>();
    for (const c of this.checks) {
      if (level === 'baseline' && c.level !== 'baseline') continue;
      const revision = [...c.versions].reverse().find((v) => v.minimumMinor <= minor);
      if (revision) active.set(c.id, { level: c.level, ...revision });
    }
    // A restricted check in force replaces the baseline checks it overrides.
    const overridden = new Set([...active.values()].filter((a) => a.level === 'restricted').flatMap((a) => a.overrides ?? []));
    fns = this.orderedIds
      .filter((id) => active.has(id) && !(active.get(id)?.level === 'baseline' && overridden.has(id)))
      .map((id) => (active.get(id) as { checkPod: CheckPodFn }).checkPod);
    this.byVersion.set(cacheKey, fns);
    return fns;
  }
}
