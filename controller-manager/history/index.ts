// ControllerRevisions, the history of DaemonSets and StatefulSets (Kubernetes'
// pkg/controller/history and the history half of pkg/controller/daemon/update.go): each
// revision is an immutable snapshot of the owner's template, as a strategic merge patch
// that restores it, numbered by revision. The helpers here name, hash, order, compare,
// create (with hash-collision handling) and claim revisions; the DaemonSet and
// StatefulSet controllers decide which revision is current.
import { isAlreadyExists, isConflict } from '../../api/errors.js';
import { goJSON } from '../../api/helpers/controller-revision.js';
import { newControllerRef } from '../../api/helpers/owner-refs.js';
import type { LabelSelectorMatcher } from '../../api/labels.js';
import type { ControllerRevision } from '../../api/types/apps.js';
import type { KubeObject } from '../../api/types/meta.js';
import { safeEncodeString } from '../deployment/hash.js';
import { ControllerRefManager, type ControllerKind } from '../controller-ref-manager.js';

export { goJSON };

/** The label a revision and the pods made from it carry: the revision's hash (apps.ControllerRevisionHashLabelKey). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

/** The most a revision's name prefix may take, so "<prefix>-<hash>" stays a valid name (ControllerRevisionName). */
const MAX_PREFIX = 223;

/** ControllerRevisionName: "<prefix>-<hash>", the prefix cut to 223 characters. */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.length > MAX_PREFIX ? prefix.slice(0, MAX_PREFIX) : prefix}-${hash}`;
}

/** FNV-1 (32 bit), Go's hash/fnv New32, which HashControllerRevision uses (not FNV-1a). */
export function fnv32(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed;
  for (const b of bytes) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= b;
  }
  return h >>> 0;
}

/**
 * HashControllerRevision: FNV-1 over the revision's data (its bytes as Go would write
 * them) and, when given, the decimal collision count, rendered with SafeEncodeString.
 */
export function hashControllerRevision(revision: Pick<ControllerRevision, 'data'>, probe?: number): string {
  let h = fnv32(Buffer.from(goJSON(revision.data ?? null), 'utf8'));
  if (probe !== undefined && probe !== null) h = fnv32(Buffer.from(String(probe), 'utf8'), h);
  return safeEncodeString(String(h));
}

/**
 * NewControllerRevision: a revision of parent (a controller of kind) holding data, with
 * the template's labels and the hash label, owned by parent, named "<parent>-<hash>".
 */
export function newControllerRevision(
  parent: KubeObject, kind: ControllerKind, templateLabels: Record<string, string> | undefined, data: unknown, revision: number, collisionCount?: number,
): ControllerRevision {
  const cr: ControllerRevision = {
    apiVersion: 'apps/v1', kind: 'ControllerRevision',
    metadata: {
      namespace: parent.metadata.namespace,
      labels: { ...(templateLabels ?? {}) },
      ownerReferences: [newControllerRef(parent, kind.apiVersion, kind.kind)],
    },
    data,
    revision,
  };
  const hash = hashControllerRevision(cr, collisionCount);
  cr.metadata.name = controllerRevisionName(parent.metadata.name ?? '', hash);
  (cr.metadata.labels as Record<string, string>)[CONTROLLER_REVISION_HASH_LABEL] = hash;
  return cr;
}

/** SortControllerRevisions' order: by revision, then creation time, then name. */
export function compareRevisions(a: ControllerRevision, b: ControllerRevision): number {
  if (a.revision !== b.revision) return a.revision - b.revision;
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** The revisions sorted oldest first (a copy). */
export function sortControllerRevisions(revisions: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revisions].sort(compareRevisions);
}

/**
 * EqualRevision: the same hash label (when both have one) and the same data. Two
 * revisions whose hashes differ cannot hold the same data; equal hashes may still
 * collide, so data decides.
 */
export function equalRevision(a: ControllerRevision | undefined, b: ControllerRevision | undefined): boolean {
  if (!a || !b) return a === b;
  const ha = a.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  const hb = b.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  if (ha !== undefined && hb !== undefined && ha !== hb) return false;
  return goJSON(a.data ?? null) === goJSON(b.data ?? null);
}

/** FindEqualRevisions: the revisions equal to needle. */
export function findEqualRevisions(revisions: readonly ControllerRevision[], needle: ControllerRevision): ControllerRevision[] {
  return revisions.filter((r) => equalRevision(r, needle));
}

/** The highest revision number among revisions, 0 for none. */
export function maxRevision(revisions: readonly ControllerRevision[]): number {
  let max = 0;
  for (const r of revisions) if (r.revision > max) max = r.revision;
  return max;
}

/** NextRevision: one more than the highest revision (1 for an empty history). */
export function nextRevision(revisions: readonly ControllerRevision[]): number {
  return maxRevision(revisions) + 1;
}

/** What the history helpers write through (the apps/v1 controllerrevisions client). */
export interface ControllerRevisionClient {
  create(namespace: string, revision: ControllerRevision): Promise<ControllerRevision>;
  get(namespace: string, name: string): Promise<ControllerRevision>;
  update(namespace: string, revision: ControllerRevision): Promise<ControllerRevision>;
  delete(namespace: string, name: string): Promise<void>;
  patch(namespace: string, name: string, patch: unknown): Promise<ControllerRevision>;
}

/**
 * realHistory.CreateControllerRevision: creates revision under the name its hash with
 * collisionCount gives; an existing revision of that name with the same data is the
 * one wanted, one with other data is a hash collision: collisionCount goes up and the
 * next name is tried. Answers the revision stored and the collision count used, which
 * the caller writes to its status.
 */
export async function createControllerRevision(
  client: Pick<ControllerRevisionClient, 'create' | 'get'>, parent: KubeObject, revision: ControllerRevision, collisionCount: number,
): Promise<{ revision: ControllerRevision; collisionCount: number }> {
  const namespace = parent.metadata.namespace ?? '';
  for (let count = collisionCount; ; count++) {
    const hash = hashControllerRevision(revision, count);
    const clone = structuredClone(revision);
    clone.metadata.name = controllerRevisionName(parent.metadata.name ?? '', hash);
    try {
      return { revision: await client.create(namespace, clone), collisionCount: count };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const exists = await client.get(namespace, clone.metadata.name);
      if (goJSON(exists.data ?? null) === goJSON(clone.data ?? null)) return { revision: exists, collisionCount: count };
    }
  }
}

/**
 * realHistory.UpdateControllerRevision: sets revision's number to newRevision, retrying
 * against a fresh copy on a conflict.
 */
export async function updateControllerRevision(
  client: Pick<ControllerRevisionClient, 'get' | 'update'>, revision: ControllerRevision, newRevision: number,
): Promise<ControllerRevision> {
  let current = structuredClone(revision);
  for (let attempt = 0; ; attempt++) {
    if (current.revision === newRevision) return current;
    current.revision = newRevision;
    try {
      return await client.update(current.metadata.namespace ?? '', current);
    } catch (err) {
      if (!isConflict(err) || attempt >= 4) throw err;
      current = await client.get(revision.metadata.namespace ?? '', revision.metadata.name ?? '');
    }
  }
}

export interface RevisionRefManagerOptions {
  client: Pick<ControllerRevisionClient, 'patch'>;
  controller: KubeObject;
  selector: LabelSelectorMatcher;
  kind: ControllerKind;
  canAdopt?: () => Promise<void>;
}

/** ControllerRevisionControllerRefManager: claims the revisions a DaemonSet or StatefulSet owns (adopting orphans its selector matches). */
export class ControllerRevisionRefManager extends ControllerRefManager<ControllerRevision> {
  constructor(o: RevisionRefManagerOptions) {
    super({
      controller: o.controller, selector: o.selector, kind: o.kind, canAdopt: o.canAdopt, objectKind: 'ControllerRevision',
      patch: (namespace, name, patch) => o.client.patch(namespace, name, patch),
    });
  }

  claimControllerRevisions(revisions: readonly ControllerRevision[]): Promise<ControllerRevision[]> {
    return this.claim(revisions);
  }
}
