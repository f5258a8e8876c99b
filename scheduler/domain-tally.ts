// Cluster-wide counts per topology domain, kept up to date from the Snapshot's change log
// (Snapshot.changedSince) instead of a pass over every node and pod per decision. A
// DomainTally sums each node's share (its domain, and how many of its pods count) by
// domain; a decision costs O(nodes changed since the last decision that used the same
// tally). PodTopologySpread counts the pods its selectors match this way, InterPodAffinity
// the pods its terms select and the existing pods' anti-affinity terms.
import type { NodeInfo, Snapshot } from './node-info.js';

/** One node's share of a DomainTally: its domain and its pods that count. */
export interface Share {
  readonly value: string;
  readonly count: number;
}

export interface Domain {
  nodes: number;
  count: number;
}

export class DomainTally {
  private version = -1;
  private readonly shares = new Map<string, Share>();
  /** Domain value -> nodes in it and pods counted there (domains present even at 0 pods). */
  readonly domains = new Map<string, Domain>();
  /** Pods counted over every domain. */
  total = 0;

  constructor(private readonly share: (info: NodeInfo) => Share | undefined) {}

  sync(snapshot: Snapshot): this {
    const changed = this.version < 0 ? undefined : snapshot.changedSince(this.version);
    if (changed === undefined) {
      this.shares.clear();
      this.domains.clear();
      this.total = 0;
      for (const info of snapshot.nodeInfos()) this.apply(info.name, this.share(info));
    } else {
      for (const info of changed) this.apply(info.name, this.share(info));
    }
    this.version = snapshot.version;
    return this;
  }

  private apply(name: string, next: Share | undefined): void {
    const prev = this.shares.get(name);
    if (prev) {
      const d = this.domains.get(prev.value)!;
      d.nodes--;
      d.count -= prev.count;
      this.total -= prev.count;
      if (d.nodes === 0) this.domains.delete(prev.value);
    }
    if (!next) {
      this.shares.delete(name);
      return;
    }
    this.shares.set(name, next);
    this.total += next.count;
    const d = this.domains.get(next.value);
    if (d) {
      d.nodes++;
      d.count += next.count;
    } else {
      this.domains.set(next.value, { nodes: 1, count: next.count });
    }
  }
}

const tallies = new WeakMap<Snapshot, Map<string, DomainTally>>();
/** Tallies kept per Snapshot; past this many, all are dropped and rebuilt on use. */
const TALLIES_PER_SNAPSHOT = 64;

/**
 * The tally under `key` for `snapshot`, brought up to date. `key` must name everything
 * `share` depends on besides the node: the same key always means the same share.
 */
export function tallyOf(snapshot: Snapshot, key: string, share: (info: NodeInfo) => Share | undefined): DomainTally {
  let m = tallies.get(snapshot);
  if (!m) tallies.set(snapshot, (m = new Map()));
  let t = m.get(key);
  if (!t) {
    if (m.size >= TALLIES_PER_SNAPSHOT) m.clear();
    t = new DomainTally(share);
    m.set(key, t);
  }
  return t.sync(snapshot);
}
