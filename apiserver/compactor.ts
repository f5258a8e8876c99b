// Compacts etcd's history every interval, as kube-apiserver's
// --etcd-compaction-interval does: each tick compacts to the revision seen at the
// previous tick, so at least one interval of history stays for resuming watchers.
import type { Logger } from 'pino';
import type { Storage } from './storage/store.js';
import type { WatchCaches } from './watch-cache.js';

export class Compactor {
  private timer?: NodeJS.Timeout;
  private lastSeen = 0;

  constructor(private readonly store: Storage, private readonly caches: WatchCaches, private readonly intervalMs: number, private readonly log: Logger) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async tick(): Promise<void> {
    try {
      const current = await this.store.revision();
      const target = this.lastSeen;
      this.lastSeen = current;
      if (target <= 0) return;
      await this.store.compact(target);
      this.caches.compacted(target);
      this.log.info({ revision: target }, 'compacted etcd');
    } catch (err) {
      // Compacting an already-compacted revision (another apiserver did it) is fine.
      this.log.debug({ err }, 'compaction skipped');
    }
  }
}
