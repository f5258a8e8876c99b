// Expectations (Kubernetes' pkg/controller/controller_utils.go): what a controller has
// asked the apiserver to create or delete and not yet seen come back through its
// informer. A controller that just created 3 pods would, on its next sync, still see a
// cache without them and create 3 more; with expectations it skips managing its
// children until the creates and deletes it expects have been observed (or the
// expectations are older than ExpectationsTimeout, in case a watch event was lost).
//
//   ControllerExpectations: per controller key, counters of adds and dels still to be
//   seen, with the time they were set (on the injected Clock).
//   UIDTrackingControllerExpectations: the same, plus the keys of the pods it deletes,
//   so a pod seen first with a deletionTimestamp and later as deleted counts once.
import type { Clock } from '../client/clock.js';

/**
 * How long expectations hold before a controller syncs anyway (ExpectationsTimeout):
 * long enough for the watch events of a burst of 500 creates to come back.
 */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

/** The counters of one controller (ControlleeExpectations). */
export interface ControlleeExpectations {
  /** Creations still to be observed (<= 0: none). */
  add: number;
  /** Deletions still to be observed (<= 0: none). */
  del: number;
  /** When they were set, ms on the controller's clock. */
  timestamp: number;
}

export interface ExpectationsLogger {
  debug(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const quiet: ExpectationsLogger = { debug: () => undefined, error: () => undefined };

/**
 * Expectations by controller key ("namespace/name"). Workers call expect* before they
 * write, informer handlers call *Observed when the writes come back, and a sync
 * manages children only when satisfiedExpectations(key) says so. Once set,
 * expectations are only lowered; they end when fulfilled, deleted or expired.
 * JavaScript runs one handler or worker step at a time, so the counters need no lock.
 */
export class ControllerExpectations {
  private readonly store = new Map<string, ControlleeExpectations>();

  constructor(private readonly clock: Clock, private readonly log: ExpectationsLogger = quiet) {}

  /** The expectations of key, if any (a copy). */
  getExpectations(key: string): ControlleeExpectations | undefined {
    const e = this.store.get(key);
    return e ? { ...e } : undefined;
  }

  /**
   * True when key may sync its children: it never set expectations, they are
   * fulfilled (every add and del observed), or they are older than the timeout.
   */
  satisfiedExpectations(key: string): boolean {
    const e = this.store.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    if (this.isExpired(e)) {
      this.log.debug({ key, add: e.add, del: e.del }, 'controller expectations expired');
      return true;
    }
    this.log.debug({ key, add: e.add, del: e.del }, 'controller still waiting on expectations');
    return false;
  }

  /** Forgets key's expectations (its controller was deleted, so a new one starts clean). */
  deleteExpectations(key: string): void {
    this.store.delete(key);
  }

  /** Replaces key's expectations with add creations and del deletions, from now. */
  setExpectations(key: string, add: number, del: number): void {
    this.store.set(key, { add, del, timestamp: this.clock.now() });
  }

  expectCreations(key: string, adds: number): void {
    this.setExpectations(key, adds, 0);
  }

  expectDeletions(key: string, dels: number): void {
    this.setExpectations(key, 0, dels);
  }

  /** Lowers key's counters (no-op when it has none). */
  lowerExpectations(key: string, add: number, del: number): void {
    const e = this.store.get(key);
    if (!e) return;
    e.add -= add;
    e.del -= del;
  }

  /** Raises key's counters (no-op when it has none). */
  raiseExpectations(key: string, add: number, del: number): void {
    const e = this.store.get(key);
    if (!e) return;
    e.add += add;
    e.del += del;
  }

  /** One expected creation was seen (or will never happen: a create that failed). */
  creationObserved(key: string): void {
    this.lowerExpectations(key, 1, 0);
  }

  /** One expected deletion was seen (or will never happen). */
  deletionObserved(key: string): void {
    this.lowerExpectations(key, 0, 1);
  }

  private isExpired(e: ControlleeExpectations): boolean {
    return this.clock.now() - e.timestamp > EXPECTATIONS_TIMEOUT_MS;
  }
}

/**
 * ControllerExpectations that also remember which pods (by "namespace/name") a
 * controller deletes, so a deletion is counted exactly once whether it is seen as an
 * update setting deletionTimestamp, as the delete itself, or both; deletions of pods
 * it did not delete are not counted at all.
 */
export class UIDTrackingControllerExpectations {
  private readonly uids = new Map<string, Set<string>>();

  constructor(readonly expectations: ControllerExpectations, private readonly log: ExpectationsLogger = quiet) {}

  getExpectations(key: string): ControlleeExpectations | undefined {
    return this.expectations.getExpectations(key);
  }

  satisfiedExpectations(key: string): boolean {
    return this.expectations.satisfiedExpectations(key);
  }

  expectCreations(key: string, adds: number): void {
    this.expectations.expectCreations(key, adds);
  }

  creationObserved(key: string): void {
    this.expectations.creationObserved(key);
  }

  /** The pod keys key still waits to see deleted. */
  getUIDs(key: string): ReadonlySet<string> | undefined {
    return this.uids.get(key);
  }

  /** Expects the deletion of exactly these pods (replacing what key expected before). */
  expectDeletions(key: string, podKeys: readonly string[]): void {
    const existing = this.uids.get(key);
    if (existing && existing.size > 0) this.log.error({ key, clobbered: [...existing] }, 'clobbering existing delete keys');
    const expected = new Set(podKeys);
    this.uids.set(key, expected);
    this.expectations.expectDeletions(key, expected.size);
  }

  /** podKey was deleted; counts only if key was waiting for it, and only once. */
  deletionObserved(key: string, podKey: string): void {
    const expected = this.uids.get(key);
    if (!expected?.has(podKey)) return;
    this.expectations.deletionObserved(key);
    expected.delete(podKey);
  }

  deleteExpectations(key: string): void {
    this.expectations.deleteExpectations(key);
    this.uids.delete(key);
  }
}
