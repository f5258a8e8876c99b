// EndpointSliceTracker (k8s.io/endpointslice/util): the generation of every slice this
// controller wrote, by service, so a sync never works from a cache older than its own
// writes (it fails and is retried instead), and slice events that only echo its own
// writes do not queue the service again.
import { LABEL_SERVICE_NAME, type EndpointSlice } from '../../api/types/discovery.js';
import type { Service } from '../../api/types/core.js';

/** The generation recorded for a slice this controller deleted. */
const DELETION_EXPECTED = -1;

const serviceKeyOf = (slice: EndpointSlice): string => `${slice.metadata.namespace ?? ''}/${slice.metadata.labels?.[LABEL_SERVICE_NAME] ?? ''}`;

export class EndpointSliceTracker {
  /** service key -> slice uid -> generation written (or DELETION_EXPECTED). */
  private readonly generations = new Map<string, Map<string, number>>();
  /** service key -> uid of the service the generations were written for. */
  private readonly serviceUIDs = new Map<string, string>();

  /** Has: a generation is tracked for this slice. */
  has(slice: EndpointSlice): boolean {
    return this.generations.get(serviceKeyOf(slice))?.has(slice.metadata.uid ?? '') ?? false;
  }

  /** ShouldSync: the slice is not tracked, or is newer than what this controller wrote. */
  shouldSync(slice: EndpointSlice): boolean {
    const g = this.generations.get(serviceKeyOf(slice))?.get(slice.metadata.uid ?? '');
    return g === undefined || (slice.metadata.generation ?? 0) > g;
  }

  /**
   * StaleSlices: the cache lags behind this controller's writes for the service: a
   * cached slice is older than written or was deleted, or a written slice is missing.
   * A service recreated under the same name starts afresh.
   */
  staleSlices(svc: Service, slices: readonly EndpointSlice[]): boolean {
    const key = `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`;
    const tracked = this.serviceUIDs.get(key);
    if (tracked && svc.metadata.uid && tracked !== svc.metadata.uid) this.generations.delete(key);
    this.serviceUIDs.set(key, svc.metadata.uid ?? '');
    const gens = this.generations.get(key);
    if (!gens) return false;
    const provided = new Set<string>();
    for (const s of slices) {
      const uid = s.metadata.uid ?? '';
      provided.add(uid);
      const g = gens.get(uid);
      if (g !== undefined && (g === DELETION_EXPECTED || g > (s.metadata.generation ?? 0))) return true;
    }
    for (const [uid, g] of gens) if (g !== DELETION_EXPECTED && !provided.has(uid)) return true;
    return false;
  }

  /** Update: this controller wrote the slice (as the apiserver answered). */
  update(slice: EndpointSlice): void {
    this.gensFor(slice).set(slice.metadata.uid ?? '', slice.metadata.generation ?? 0);
  }

  /** ExpectDeletion: this controller deleted the slice. */
  expectDeletion(slice: EndpointSlice): void {
    this.gensFor(slice).set(slice.metadata.uid ?? '', DELETION_EXPECTED);
  }

  /** HandleDeletion: forgets the slice; false when its deletion was not this controller's. */
  handleDeletion(slice: EndpointSlice): boolean {
    const gens = this.generations.get(serviceKeyOf(slice));
    if (!gens) return true;
    const uid = slice.metadata.uid ?? '';
    const g = gens.get(uid);
    gens.delete(uid);
    return g === undefined || g === DELETION_EXPECTED;
  }

  deleteService(namespace: string, name: string): void {
    this.generations.delete(`${namespace}/${name}`);
    this.serviceUIDs.delete(`${namespace}/${name}`);
  }

  private gensFor(slice: EndpointSlice): Map<string, number> {
    const key = serviceKeyOf(slice);
    let gens = this.generations.get(key);
    if (!gens) {
      gens = new Map();
      this.generations.set(key, gens);
    }
    return gens;
  }
}
