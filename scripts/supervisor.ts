// Keeps `npm run cluster`'s components running: a component that exits (a crash, a
// kill -9) is started again after a delay that doubles with each exit in a row, from
// 100 ms up to a cap, as Docker's `restart: unless-stopped` policy does; once it has
// stayed up for a while the delay starts over. Each restart is one line on the
// console. Only stopAll() (Ctrl-C) stops a component for good: in reverse start
// order, SIGTERM first and SIGKILL after a grace period.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

export interface ComponentSpec {
  name: string;
  cmd: string;
  args: string[];
  /** stdout and stderr are appended here, across restarts. */
  logFile: string;
}

export interface SupervisorOptions {
  /** One line per event (a restart, a stop). */
  say: (line: string) => void;
  /** The delay before the first restart in a row (Docker: 100 ms). */
  initialBackoffMs?: number;
  /** The longest delay between restarts. */
  maxBackoffMs?: number;
  /** Up this long, a component's next exit restarts it after initialBackoffMs again (Docker: 10 s). */
  resetAfterMs?: number;
  /** How long stopAll waits after SIGTERM before SIGKILL. */
  stopGraceMs?: number;
}

interface Component {
  spec: ComponentSpec;
  log: WriteStream;
  proc?: ChildProcess;
  startedAt: number;
  backoffMs: number;
  restarts: number;
  timer?: NodeJS.Timeout;
}

export class Supervisor {
  private readonly components: Component[] = [];
  private stopping = false;
  private readonly say: (line: string) => void;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly resetAfterMs: number;
  private readonly stopGraceMs: number;

  constructor(o: SupervisorOptions) {
    this.say = o.say;
    this.initialBackoffMs = o.initialBackoffMs ?? 100;
    this.maxBackoffMs = o.maxBackoffMs ?? 30_000;
    this.resetAfterMs = o.resetAfterMs ?? 10_000;
    this.stopGraceMs = o.stopGraceMs ?? 10_000;
  }

  /** Starts a component and keeps it running until stopAll. */
  start(spec: ComponentSpec): void {
    const c: Component = { spec, log: createWriteStream(spec.logFile, { flags: 'a' }), startedAt: 0, backoffMs: this.initialBackoffMs, restarts: 0 };
    this.components.push(c);
    this.run(c);
  }

  /** The pid of a component's current process (undefined while it waits to restart). */
  pid(name: string): number | undefined {
    const c = this.components.find((x) => x.spec.name === name);
    return c?.proc?.exitCode === null && c.proc.signalCode === null ? c.proc.pid : undefined;
  }

  /** How many times a component has been restarted. */
  restarts(name: string): number {
    return this.components.find((x) => x.spec.name === name)?.restarts ?? 0;
  }

  /** Stops every component, the last started first; nothing is restarted afterwards. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const c of [...this.components].reverse()) {
      clearTimeout(c.timer);
      const proc = c.proc;
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        this.say(`stopping ${c.spec.name}`);
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), this.stopGraceMs);
        await exited;
        clearTimeout(timer);
      }
      c.log.end();
    }
  }

  private run(c: Component): void {
    const proc = spawn(c.spec.cmd, c.spec.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    c.proc = proc;
    c.startedAt = Date.now();
    proc.stdout?.pipe(c.log, { end: false });
    proc.stderr?.pipe(c.log, { end: false });
    // A command that cannot be started at all exits through 'error' instead (ENOENT).
    proc.once('error', (err) => this.exited(c, proc, err.message));
    proc.once('exit', (code, signal) => this.exited(c, proc, signal ?? `exit code ${code}`));
  }

  private exited(c: Component, proc: ChildProcess, how: string): void {
    if (this.stopping || c.proc !== proc) return;
    c.proc = undefined;
    if (Date.now() - c.startedAt >= this.resetAfterMs) c.backoffMs = this.initialBackoffMs;
    const delay = c.backoffMs;
    c.backoffMs = Math.min(c.backoffMs * 2, this.maxBackoffMs);
    c.restarts++;
    this.say(`${c.spec.name} exited (${how}); restarting it in ${formatDelay(delay)} (restart ${c.restarts}; log ${c.spec.logFile})`);
    c.timer = setTimeout(() => {
      if (!this.stopping) this.run(c);
    }, delay);
  }
}

const formatDelay = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`);
