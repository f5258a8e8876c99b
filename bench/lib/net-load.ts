// Network load for the proxy benchmark, generated in a child process of its own
// (net-load-worker.ts), so the benchmark's own work (API calls, CPU sampling, output)
// never competes with the client on its event loop. One job runs at a time.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export type LoadJob =
  /** One connection sends `bytes` to the sink (timed until its ack). */
  | { kind: 'bulk-upload'; host: string; port: number; bytes: number }
  /** One connection receives `bytes` from the source (timed until its FIN). */
  | { kind: 'bulk-download'; host: string; port: number; bytes: number }
  /**
   * `concurrency` loops of connect, one request of requestBytes, the echoed reply, the
   * server's close; with `reset`, the client resets the connection (RST) as soon as the
   * reply is in, so no side keeps it in TIME_WAIT.
   */
  | { kind: 'tcp-connect'; host: string; port: number; concurrency: number; requestBytes: number; warmupMs: number; durationMs: number; reset?: boolean }
  /** One connection, `count` request/response round trips after `warmup` unmeasured ones. */
  | { kind: 'tcp-rr'; host: string; port: number; requestBytes: number; warmup: number; count: number }
  /**
   * `concurrency` UDP sockets with one request in flight each. check 'echo': payload is
   * echoed, its first 4 bytes are the sequence number; 'dns': payload is a DNS query,
   * its id is the sequence number and a reply needs NOERROR and an answer.
   */
  | { kind: 'udp-rr'; host: string; port: number; concurrency: number; payload: Uint8Array; check: 'echo' | 'dns'; warmupMs: number; durationMs: number };

export interface LoadResult {
  /** Operations completed (transfers, connections, round trips, replies). */
  ok: number;
  /** Failed operations, UDP requests lost included. */
  failed: number;
  /** Payload bytes moved (bulk jobs). */
  bytes: number;
  /** Measured wall time (warm-up excluded). */
  elapsedMs: number;
  /** ok per second over elapsedMs. */
  perSecond: number;
  /** Latency of each completed operation in ms. */
  latencies: Float64Array;
  /** The first few failures. */
  errors: string[];
  /** The load generator's own user+system CPU during the measurement, in ms. */
  cpuMs: number;
}

type Reply = { id: number; result?: LoadResult; error?: string } | { ready: true };

export class LoadGenerator {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (msg: Reply) => {
      if ('ready' in msg) return;
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.error !== undefined) w.reject(new Error(msg.error));
      else w.resolve(msg.result!);
    });
    child.on('exit', (code, signal) => {
      for (const w of this.waiting.values()) w.reject(new Error(`the load generator exited (${signal ?? code})`));
      this.waiting.clear();
    });
  }

  /** Forks the worker and resolves once it is ready for jobs. */
  static async start(): Promise<LoadGenerator> {
    const child = fork(new URL('./net-load-worker.js', import.meta.url), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const gen = new LoadGenerator(child);
    const [msg] = await Promise.race([
      once(child, 'message') as Promise<[Reply]>,
      once(child, 'exit').then(([code]) => { throw new Error(`the load generator exited at start (${code})`); }),
    ]);
    if (!('ready' in msg)) throw new Error('the load generator did not say it was ready');
    return gen;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Runs one job; rejects when it fails or takes longer than timeoutMs (the worker is then killed). */
  run(job: LoadJob, timeoutMs: number): Promise<LoadResult> {
    const id = ++this.seq;
    return new Promise<LoadResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        this.child.kill('SIGKILL');
        reject(new Error(`${job.kind} to ${job.host}:${job.port} did not finish within ${timeoutMs / 1000} s (load generator killed)`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (r) => { clearTimeout(timer); resolve(r); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.child.send({ id, job });
    });
  }

  /** Ends the worker (SIGKILL is enough: it holds nothing but sockets). */
  async stop(): Promise<void> {
    if (!this.running) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }

  /** For exit hooks: no waiting. */
  killNow(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}
