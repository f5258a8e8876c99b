// Restart decisions: restartPolicy, and CrashLoopBackOff as the kubelet computes it
// (client-go flowcontrol.Backoff keyed by pod uid + container name): the first restart
// is immediate, then 10 s doubling to 300 s; an entry older than twice the maximum
// (a container that ran for 10 minutes) starts over.

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

/** Whether a container that exited with exitCode is started again. */
export function shouldRestart(policy: RestartPolicy | string | undefined, exitCode: number): boolean {
  if (policy === 'Never') return false;
  if (policy === 'OnFailure') return exitCode !== 0;
  return true;
}

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
}

interface Entry { backoffMs: number; lastUpdate: number }

export class RestartBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  private readonly entries = new Map<string, Entry>();

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 10_000;
    this.maxMs = opts.maxMs ?? 300_000;
  }

  /**
   * How long (ms) a container that finished at finishedAt must still wait before it is
   * started again; 0 means now. Waiting containers show CrashLoopBackOff.
   */
  remaining(key: string, finishedAt: number, now: number): number {
    const e = this.entries.get(key);
    if (!e || this.expired(e, finishedAt)) return 0;
    return Math.max(0, finishedAt + e.backoffMs - now);
  }

  /** The current back-off of key in ms (for the "back-off 20s restarting" message). */
  current(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** Records a restart at `now`: the next crash waits twice as long (capped). */
  restarted(key: string, now: number): void {
    const e = this.entries.get(key);
    if (!e || this.expired(e, now)) this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: now });
    else this.entries.set(key, { backoffMs: Math.min(e.backoffMs * 2, this.maxMs), lastUpdate: now });
  }

  /** Forgets a container (its pod is gone). */
  forget(keyPrefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(keyPrefix)) this.entries.delete(k);
  }

  private expired(e: Entry, at: number): boolean {
    return at - e.lastUpdate > 2 * this.maxMs;
  }
}

/** kubelet's wording: `back-off 20s restarting failed container=app pod=web_default(uid)`. */
export function backoffMessage(backoffMs: number, container: string, podName: string, namespace: string, uid: string): string {
  return `back-off ${formatGoDuration(backoffMs)} restarting failed container=${container} pod=${podName}_${namespace}(${uid})`;
}

/** Go's time.Duration String for whole seconds: 10s, 1m20s, 5m0s. */
export function formatGoDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
