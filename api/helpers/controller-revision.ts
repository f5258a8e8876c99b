// What a DaemonSet's ControllerRevision holds, one copy for the controller and the CLIs
// (Kubernetes keeps getPatch in pkg/controller/daemon and a duplicate in kubectl's
// polymorphichelpers): a strategic merge patch restoring the template, compared as the
// bytes Go's encoding/json writes.
import type { DaemonSet } from '../types/apps.js';

/**
 * A JSON value as Go's encoding/json writes a map[string]interface{}: object keys
 * sorted, no spaces, and <, > and & escaped. Revisions are compared and hashed in this
 * form, as Kubernetes compares the bytes of their data (Match, EqualRevision).
 */
export function goJSON(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v as Record<string, unknown>).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  }) ?? 'null';
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * getPatch: the strategic merge patch that restores ds's template:
 * {"spec":{"template":{..., "$patch":"replace"}}}. The template is written as Go writes
 * the typed struct (metadata.creationTimestamp null, each container's resources {}), so
 * kubectl, which computes the same patch from the DaemonSet it reads, finds a revision
 * of the current template equal (rollout undo's "current template already matches").
 */
export function daemonSetRevisionPatch(ds: DaemonSet): { spec: { template: Record<string, unknown> } } {
  const template = structuredClone(ds.spec?.template ?? {}) as Record<string, unknown>;
  template.metadata = { creationTimestamp: null, ...((template.metadata as Record<string, unknown> | undefined) ?? {}) };
  const spec = template.spec as { containers?: Record<string, unknown>[]; initContainers?: Record<string, unknown>[] } | undefined;
  for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) c.resources ??= {};
  template.$patch = 'replace';
  return { spec: { template } };
}
