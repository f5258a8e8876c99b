// The audit log backend (kube-apiserver's --audit-log-path, format=json): one JSON
// event per line, appended to a file that rotates by size the way lumberjack (the
// writer Kubernetes uses) rotates it, or written to standard output for "-".
//
// write() only queues the line; one writer loop appends everything queued since its
// last write in one go, so a request never waits on the disk (Kubernetes' log backend
// blocks the request instead: its default --audit-log-mode is "blocking"). A failing
// disk loses events, is logged, and never fails a request or crashes the server.
//
// Rotation, as lumberjack: before a write that would take the file over maxSizeBytes,
// the file is renamed to <name>-<UTC time as 2006-01-02T15-04-05.000><ext> (audit.log
// -> audit-2024-01-09T10-00-00.123.log) and a new file is started with the old one's
// mode. Then backups beyond the newest maxBackup, and those whose name is older than
// maxAge days, are removed (0: keep). A single line bigger than maxSizeBytes is
// dropped with an error, as lumberjack refuses it.
import { once } from 'node:events';
import { mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { pino, type Logger } from 'pino';

export interface LogBackendOptions {
  /** The log file, or "-" for standard output. */
  path: string;
  /** Rotate before the file would exceed this many bytes (lumberjack's MaxSize, in bytes). */
  maxSizeBytes: number;
  /** Backups kept, newest first; 0 keeps all. */
  maxBackup?: number;
  /** Days a backup is kept, by the time in its name; 0 keeps them whatever their age. */
  maxAge?: number;
  log: Logger;
  /** Lines queued beyond this are dropped (Kubernetes' batch buffer holds 10,000 events). */
  maxQueued?: number;
  /** Milliseconds since the epoch (tests move it). */
  now?: () => number;
}

const BACKUP_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})\.(\d{3})$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/** lumberjack's backup name for a rotation at ms: name-2006-01-02T15-04-05.000.ext, in UTC. */
export function backupName(file: string, ms: number): string {
  const ext = extname(file);
  const stamp = new Date(ms).toISOString().replace(/Z$/, '').replace(/:/g, '-');
  return join(dirname(file), `${basename(file, ext)}-${stamp}${ext}`);
}

/** The rotation time encoded in a backup's file name, or undefined when it is not one of file's backups. */
export function backupTime(file: string, candidate: string): number | undefined {
  const ext = extname(file);
  const prefix = `${basename(file, ext)}-`;
  if (!candidate.startsWith(prefix) || !candidate.endsWith(ext)) return undefined;
  const m = BACKUP_TIME.exec(candidate.slice(prefix.length, candidate.length - ext.length));
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A JSON-lines writer for audit events. Created by openLogBackend; one per apiserver. */
export interface LogBackend {
  /** Queues one event. Never throws or waits; false when the event was dropped (queue full, closed). */
  write(event: object): boolean;
  /** Resolves once everything queued so far is written (or failed and was logged). */
  flush(): Promise<void>;
  /** Writes what is queued, then closes the file. Later writes are dropped. */
  close(): Promise<void>;
}

/**
 * Opens the audit log: creates its directory (0700) and the file (0600) when missing,
 * as kube-apiserver does at start, so a path it cannot write fails the start-up.
 */
export async function openLogBackend(opts: LogBackendOptions): Promise<LogBackend> {
  if (opts.path === '-') return new StdoutBackend(opts);
  if (!(opts.maxSizeBytes > 0)) throw new Error(`audit log max size must be positive, got ${opts.maxSizeBytes}`);
  await mkdir(dirname(opts.path), { recursive: true, mode: 0o700 });
  const fh = await open(opts.path, 'a', 0o600);
  await fh.close();
  return new FileBackend(opts);
}

/** The queue and writer loop shared by both destinations. */
abstract class QueuedBackend implements LogBackend {
  private queue: string[] = [];
  private running = false;
  private closed = false;
  private idle: (() => void)[] = [];
  private dropped = 0;
  private lastDropLog = 0;
  protected readonly log: Logger;
  protected readonly now: () => number;
  private readonly maxQueued: number;

  constructor(opts: LogBackendOptions) {
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    this.maxQueued = opts.maxQueued ?? 10_000;
  }

  write(event: object): boolean {
    if (this.closed) return this.drop();
    if (this.queue.length >= this.maxQueued) return this.drop();
    let line: string;
    try {
      line = `${JSON.stringify(event)}\n`;
    } catch (err) {
      this.log.error({ err }, 'audit event could not be encoded; dropped');
      return false;
    }
    this.queue.push(line);
    this.kick();
    return true;
  }

  flush(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    try {
      await this.release();
    } catch (err) {
      this.log.error({ err }, 'closing the audit log failed');
    }
  }

  /** Appends the lines, in order. Must not throw: failures are logged and the lines lost. */
  protected abstract append(lines: string[]): Promise<void>;
  protected abstract release(): Promise<void>;

  private drop(): false {
    this.dropped++;
    // One error line per 10 s at most: a stuck disk must not flood the server's own log.
    const t = this.now();
    if (t - this.lastDropLog >= 10_000) {
      this.log.error({ dropped: this.dropped, queued: this.queue.length, closed: this.closed }, 'audit events dropped');
      this.lastDropLog = t;
      this.dropped = 0;
    }
    return false;
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    void this.run();
  }

  private async run(): Promise<void> {
    // Let the current turn's events queue up behind the first, then write them as one.
    await nextTurn();
    while (this.queue.length > 0) {
      const lines = this.queue;
      this.queue = [];
      try {
        await this.append(lines);
      } catch (err) {
        this.log.error({ err, lost: lines.length }, 'writing the audit log failed');
      }
    }
    // No await between the empty check above and here: a write() in between cannot be stranded.
    this.running = false;
    const waiters = this.idle;
    this.idle = [];
    for (const w of waiters) w();
  }
}

/** "-": standard output through pino's asynchronous destination, as the server's own log. */
class StdoutBackend extends QueuedBackend {
  private readonly out = pino.destination({ dest: 1, sync: false });

  constructor(opts: LogBackendOptions) {
    super(opts);
    this.out.on('error', (err: Error) => this.log.error({ err }, 'writing the audit log to standard output failed'));
  }

  protected async append(lines: string[]): Promise<void> {
    this.out.write(lines.join(''));
  }

  /** Ends the destination once its buffer is written; sonic-boom never closes fd 1 itself. */
  protected async release(): Promise<void> {
    const closed = once(this.out, 'close');
    this.out.end();
    await closed;
  }
}

/** A file, rotated by size as lumberjack rotates it. */
class FileBackend extends QueuedBackend {
  private file?: FileHandle;
  private size = 0;
  private lastBackup = 0;
  private readonly path: string;
  private readonly maxSize: number;
  private readonly maxBackup: number;
  private readonly maxAge: number;

  constructor(opts: LogBackendOptions) {
    super(opts);
    this.path = opts.path;
    this.maxSize = opts.maxSizeBytes;
    this.maxBackup = opts.maxBackup ?? 0;
    this.maxAge = opts.maxAge ?? 0;
  }

  protected async append(lines: string[]): Promise<void> {
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    for (const line of lines) {
      const buf = Buffer.from(line, 'utf8');
      if (buf.length > this.maxSize) {
        this.log.error({ bytes: buf.length, max: this.maxSize }, 'audit event larger than the audit log max size; dropped');
        continue;
      }
      try {
        if (!this.file) await this.openExistingOrNew(buf.length);
        if (this.size + chunkBytes + buf.length > this.maxSize) {
          await this.writeChunk(chunk, chunkBytes);
          chunk = [];
          chunkBytes = 0;
          await this.rotate();
        }
      } catch (err) {
        // The file could not be opened or rotated: what is pending is lost, the next batch retries.
        this.log.error({ err, lost: chunk.length + 1 }, 'opening or rotating the audit log failed');
        chunk = [];
        chunkBytes = 0;
        await this.closeFile();
        continue;
      }
      chunk.push(buf);
      chunkBytes += buf.length;
    }
    try {
      await this.writeChunk(chunk, chunkBytes);
    } catch (err) {
      this.log.error({ err, lost: chunk.length }, 'writing the audit log failed');
      await this.closeFile();
    }
  }

  protected async release(): Promise<void> {
    await this.closeFile();
  }

  private async writeChunk(chunk: Buffer[], bytes: number): Promise<void> {
    if (bytes === 0 || !this.file) return;
    const data = Buffer.concat(chunk, bytes);
    let off = 0;
    while (off < data.length) {
      const { bytesWritten } = await this.file.write(data, off, data.length - off);
      off += bytesWritten;
      this.size += bytesWritten;
    }
  }

  /** Appends to the file unless this write would take it over the limit (then rotates first). */
  private async openExistingOrNew(firstWrite: number): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.path)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await this.openNew();
      await this.mill();
      return;
    }
    if (size + firstWrite >= this.maxSize) {
      await this.rotate();
      return;
    }
    this.file = await open(this.path, 'a', 0o600);
    this.size = size;
    await this.mill();
  }

  private async rotate(): Promise<void> {
    await this.closeFile();
    await this.openNew();
    await this.mill();
  }

  /** Moves the current file aside (if any) and starts an empty one with the same mode. */
  private async openNew(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    let mode = 0o600;
    try {
      const st = await stat(this.path);
      mode = st.mode & 0o777;
      await rename(this.path, await this.freeBackupName());
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.file = await open(this.path, 'w', mode);
    this.size = 0;
  }

  /**
   * The backup name for now, or for a millisecond after the last backup when the clock
   * has not moved past it: lumberjack would overwrite a backup made in the same
   * millisecond, and a name older than the newest backup would be the first removed.
   */
  private async freeBackupName(): Promise<string> {
    for (let t = Math.max(this.now(), this.lastBackup + 1); ; t++) {
      const name = backupName(this.path, t);
      try {
        await stat(name);
      } catch {
        this.lastBackup = t;
        return name;
      }
    }
  }

  /** Removes backups beyond maxBackup (newest kept) and older than maxAge days. */
  private async mill(): Promise<void> {
    if (this.maxBackup === 0 && this.maxAge === 0) return;
    try {
      const dir = dirname(this.path);
      const backups = (await readdir(dir))
        .map((name) => ({ name, t: backupTime(this.path, name) }))
        .filter((b): b is { name: string; t: number } => b.t !== undefined)
        .sort((a, b) => b.t - a.t);
      const cutoff = this.now() - this.maxAge * DAY_MS;
      const remove = backups.filter((b, i) => (this.maxBackup > 0 && i >= this.maxBackup) || (this.maxAge > 0 && b.t < cutoff));
      for (const b of remove) await unlink(join(dir, b.name));
    } catch (err) {
      this.log.error({ err }, 'removing old audit log backups failed');
    }
  }

  private async closeFile(): Promise<void> {
    const f = this.file;
    this.file = undefined;
    try {
      await f?.close();
    } catch (err) {
      this.log.error({ err }, 'closing the audit log failed');
    }
  }
}
