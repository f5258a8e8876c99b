// Pod Security levels, policy versions and the namespace labels that choose them
// (k8s.io/pod-security-admission api/constants.go and api/helpers.go).
import { invalid, key, type FieldCause } from '../../../api/validation/field.js';

export type Level = 'privileged' | 'baseline' | 'restricted';

/** A policy version: "latest", or v1.<minor>. */
export interface Version {
  latest: boolean;
  major: number;
  minor: number;
}

/** One mode's setting: which level, at which version of the checks. */
export interface LevelVersion {
  level: Level;
  version: Version;
}

/** The three modes a namespace sets independently. */
export interface Policy {
  enforce: LevelVersion;
  audit: LevelVersion;
  warn: LevelVersion;
}

const LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const ENFORCE_LEVEL_LABEL = `${LABEL_PREFIX}enforce`;
export const ENFORCE_VERSION_LABEL = `${LABEL_PREFIX}enforce-version`;
export const AUDIT_LEVEL_LABEL = `${LABEL_PREFIX}audit`;
export const AUDIT_VERSION_LABEL = `${LABEL_PREFIX}audit-version`;
export const WARN_LEVEL_LABEL = `${LABEL_PREFIX}warn`;
export const WARN_VERSION_LABEL = `${LABEL_PREFIX}warn-version`;

/** Audit annotations are these keys under the label prefix (kube-apiserver's podsecurity plugin adds it). */
export const AUDIT_ANNOTATION_PREFIX = LABEL_PREFIX;
export const EXEMPTION_REASON_ANNOTATION = `${LABEL_PREFIX}exempt`;
export const AUDIT_VIOLATIONS_ANNOTATION = `${LABEL_PREFIX}audit-violations`;
export const ENFORCED_POLICY_ANNOTATION = `${LABEL_PREFIX}enforce-policy`;
export const ERROR_ANNOTATION = `${LABEL_PREFIX}error`;

const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

export const LATEST: Version = { latest: true, major: 0, minor: 0 };
export const v1 = (minor: number): Version => ({ latest: false, major: 1, minor });

export function versionString(v: Version): string {
  return v.latest ? 'latest' : `v${v.major}.${v.minor}`;
}

export function levelVersionString(lv: LevelVersion): string {
  return `${lv.level}:${versionString(lv.version)}`;
}

/** True when a is older than b; "latest" is newer than every numbered version. */
export function olderThan(a: Version, b: Version): boolean {
  if (a.latest) return false;
  if (b.latest) return true;
  return a.major !== b.major ? a.major < b.major : a.minor < b.minor;
}

export const sameVersion = (a: Version, b: Version): boolean =>
  a.latest === b.latest && a.major === b.major && a.minor === b.minor;

export const sameLevelVersion = (a: LevelVersion, b: LevelVersion): boolean =>
  a.level === b.level && sameVersion(a.version, b.version);

/** Both privileged (whatever the version), or the same level and version. */
export const equivalentLevelVersion = (a: LevelVersion, b: LevelVersion): boolean =>
  (a.level === 'privileged' && b.level === 'privileged') || sameLevelVersion(a, b);

export const equivalentPolicy = (a: Policy, b: Policy): boolean =>
  equivalentLevelVersion(a.enforce, b.enforce) && equivalentLevelVersion(a.audit, b.audit) && equivalentLevelVersion(a.warn, b.warn);

export const fullyPrivileged = (p: Policy): boolean =>
  p.enforce.level === 'privileged' && p.audit.level === 'privileged' && p.warn.level === 'privileged';

/** -1, 0 or +1 as level a is less strict than, as strict as, or stricter than b. */
export function compareLevels(a: Level, b: Level): number {
  return Math.sign(LEVELS.indexOf(a) - LEVELS.indexOf(b));
}

/** api.ParseLevel: an unknown level reads as "restricted", with the error. */
export function parseLevel(level: string): { level: Level; error?: string } {
  if ((LEVELS as readonly string[]).includes(level)) return { level: level as Level };
  return { level: 'restricted', error: `must be one of ${LEVELS.join(', ')}` };
}

const VERSION_RE = /^v1\.([0-9]|[1-9][0-9]*)$/;

/** api.ParseVersion: "latest" or "v1.N"; anything else reads as latest, with the error. */
export function parseVersion(version: string): { version: Version; error?: string } {
  if (version === 'latest') return { version: LATEST };
  const m = VERSION_RE.exec(version);
  const minor = m ? Number(m[1]) : NaN;
  // Go's strconv.Atoi fails past int64; such a version is refused like any malformed one.
  if (!Number.isSafeInteger(minor)) return { version: LATEST, error: 'must be "latest" or "v1.x"' };
  return { version: v1(minor) };
}

/** Without labels or an AdmissionConfiguration, every mode is privileged:latest. */
export const DEFAULT_POLICY: Policy = {
  enforce: { level: 'privileged', version: LATEST },
  audit: { level: 'privileged', version: LATEST },
  warn: { level: 'privileged', version: LATEST },
};

/**
 * api.PolicyToEvaluate: the namespace's policy from its labels over the defaults. A policy
 * is always returned; errors name each bad label (field errors on metadata.labels[...]).
 * A bad enforce level fails closed (restricted), a bad audit or warn level fails open
 * (privileged), a bad version reads as latest. An enforce level set stricter than warn
 * raises warn to it (and its version, unless warn-version is set), so users see what
 * enforcement will refuse.
 */
export function policyToEvaluate(labels: Record<string, string> | undefined, defaults: Policy = DEFAULT_POLICY): { policy: Policy; errors: FieldCause[] } {
  const p: Policy = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  const errors: FieldCause[] = [];
  if (!labels || Object.keys(labels).length === 0) return { policy: p, errors };
  const noteError = (label: string, value: string, error: string | undefined): void => {
    if (error) errors.push(invalid(key('metadata.labels', label), value, error));
  };
  const has = (label: string): boolean => Object.prototype.hasOwnProperty.call(labels, label);

  let hasEnforceLevel = false;
  if (has(ENFORCE_LEVEL_LABEL)) {
    const r = parseLevel(labels[ENFORCE_LEVEL_LABEL]);
    p.enforce.level = r.level;
    hasEnforceLevel = !r.error; // a bad enforce level does not raise warn
    noteError(ENFORCE_LEVEL_LABEL, labels[ENFORCE_LEVEL_LABEL], r.error);
  }
  if (has(ENFORCE_VERSION_LABEL)) {
    const r = parseVersion(labels[ENFORCE_VERSION_LABEL]);
    p.enforce.version = r.version;
    noteError(ENFORCE_VERSION_LABEL, labels[ENFORCE_VERSION_LABEL], r.error);
  }
  if (has(AUDIT_LEVEL_LABEL)) {
    const r = parseLevel(labels[AUDIT_LEVEL_LABEL]);
    p.audit.level = r.error ? 'privileged' : r.level;
    noteError(AUDIT_LEVEL_LABEL, labels[AUDIT_LEVEL_LABEL], r.error);
  }
  if (has(AUDIT_VERSION_LABEL)) {
    const r = parseVersion(labels[AUDIT_VERSION_LABEL]);
    p.audit.version = r.version;
    noteError(AUDIT_VERSION_LABEL, labels[AUDIT_VERSION_LABEL], r.error);
  }
  const hasWarnLevel = has(WARN_LEVEL_LABEL);
  if (hasWarnLevel) {
    const r = parseLevel(labels[WARN_LEVEL_LABEL]);
    p.warn.level = r.error ? 'privileged' : r.level;
    noteError(WARN_LEVEL_LABEL, labels[WARN_LEVEL_LABEL], r.error);
  }
  const hasWarnVersion = has(WARN_VERSION_LABEL);
  if (hasWarnVersion) {
    const r = parseVersion(labels[WARN_VERSION_LABEL]);
    p.warn.version = r.version;
    noteError(WARN_VERSION_LABEL, labels[WARN_VERSION_LABEL], r.error);
  }
  if (!hasWarnLevel && hasEnforceLevel && compareLevels(p.enforce.level, p.warn.level) > 0) {
    p.warn.level = p.enforce.level;
    if (!hasWarnVersion) p.warn.version = p.enforce.version;
  }
  return { policy: p, errors };
}
