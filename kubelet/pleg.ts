// The kubelet's PLEG (pod lifecycle event generator, GenericPLEG's relist): every
// second one list call of this node's containers, compared with the list before;
// every pod with a container that appeared, vanished or changed state is handed to
// its pod worker. Docker's event stream stays a fast path, but correctness rests on
// the relist: Docker does not replay events across a dockerd restart, and a stream
// that is down reports nothing.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ContainerRuntime, ContainerState, ContainerSummary } from './runtime/types.js';

/** The kubelet's relist period (GenericPLEG relistPeriod). */
export const RELIST_PERIOD_MS = 1000;

/** What one relist saw: container id -> its pod and state. */
export type Relist = Map<string, { podUid: string; state: ContainerState }>;

/** One relist's rows as a Relist; containers without a pod uid label are left out. */
export function toRelist(rows: ContainerSummary[], podUidLabel: string): Relist {
  const out: Relist = new Map();
  for (const c of rows) {
    const podUid = c.labels[podUidLabel];
    if (podUid) out.set(c.id, { podUid, state: c.state });
  }
  return out;
}

/**
 * Pod uids whose containers differ between two relists: a container that appeared,
 * one that vanished, one whose state changed (running -> exited, ...).
 * Example: prev {a: (p1, running), b: (p2, running)}, next {a: (p1, exited), c: (p3, created)}
 * gives {p1 (a changed), p2 (b vanished), p3 (c appeared)}.
 */
export function changedPods(prev: Relist, next: Relist): Set<string> {
  const changed = new Set<string>();
  for (const [id, n] of next) if (prev.get(id)?.state !== n.state) changed.add(n.podUid);
  for (const [id, p] of prev) if (!next.has(id)) changed.add(p.podUid);
  return changed;
}

export interface PlegOptions {
  runtime: ContainerRuntime;
  /** Only containers carrying these labels are listed (this node's). */
  labels: Record<string, string>;
  /** The label that names a container's pod uid. */
  podUidLabel: string;
  /** Called with each pod uid that changed; the caller queues a sync of it. */
  onPodChanged(uid: string): void;
  relistPeriodMs?: number;
  log: Logger;
}

/**
 * Relists until stopped. While Docker cannot be reached the last good relist is kept,
 * so the first relist after it answers again reports everything that changed
 * meanwhile; the outage is logged once when it starts and once when it ends.
 */
export class Pleg {
  private last?: Relist;
  private unreachableSince?: number;
  private readonly log: Logger;

  constructor(private readonly o: PlegOptions) {
    this.log = o.log.child({ component: 'pleg' });
  }

  /** One relist; resolves false when Docker could not be listed. */
  async relist(): Promise<boolean> {
    let rows: ContainerSummary[];
    try {
      rows = await this.o.runtime.list({ labels: this.o.labels });
    } catch (err) {
      if (this.unreachableSince === undefined) {
        this.unreachableSince = Date.now();
        this.log.warn({ err }, 'Docker is unreachable; relisting every second until it answers');
      } else {
        this.log.debug({ err }, 'relist failed');
      }
      return false;
    }
    if (this.unreachableSince !== undefined) {
      this.log.info({ unreachableMs: Date.now() - this.unreachableSince }, 'Docker is reachable again');
      this.unreachableSince = undefined;
    }
    const next = toRelist(rows, this.o.podUidLabel);
    // The first relist reports every pod: a change between a pod's first sync and
    // this relist must not become the baseline unnoticed.
    for (const uid of changedPods(this.last ?? new Map(), next)) {
      this.log.trace({ uid }, 'containers of pod changed');
      this.o.onPodChanged(uid);
    }
    this.last = next;
    return true;
  }

  /** Relists every period until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const period = this.o.relistPeriodMs ?? RELIST_PERIOD_MS;
    while (!signal.aborted) {
      await this.relist();
      try {
        await sleep(period, undefined, { signal });
      } catch {
        return; // aborted
      }
    }
  }
}
