// A real, single-member etcd for integration tests: random loopback ports, a throwaway
// directory under os.tmpdir(), and helpers to crash and restart it on the same ports
// and data so tests can check how the apiserver rides out an etcd outage.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { freePort } from './free-port.js';
import { spawnProcess, type ChildHandle } from './processes.js';

/** Debian's etcd-server package (scripts/install-deps); ETCD_BIN overrides it. */
export const ETCD_BINARY = process.env['ETCD_BIN'] ?? '/usr/bin/etcd';

const START_TIMEOUT_MS = 20_000;
const BIND_ATTEMPTS = 5;
// 4 GiB: well above what any test writes, and under etcd's 8 GiB warning threshold.
const QUOTA_BACKEND_BYTES = 4 * 1024 * 1024 * 1024;

/**
 * A running etcd started by startEtcd(). Tests create one in `before` and call stop()
 * in `after`. kill() and restart() simulate a crash and recovery on the same endpoint
 * and data, so clients holding `endpoint` reconnect to the same etcd.
 */
export interface EtcdHandle {
  /** Client URL, http://127.0.0.1:PORT; the value for the apiserver's --etcd-servers. */
  readonly endpoint: string;
  /**
   * Throwaway directory owned by this handle: etcd's --data-dir is `<dataDir>/data`
   * and its log is `<dataDir>/etcd.log` (kept apart so etcd does not warn about a
   * foreign file in its data dir). stop() removes it.
   */
  readonly dataDir: string;
  /** etcd's stdout and stderr, appended across restarts. */
  readonly logFile: string;
  /** Pid of the current etcd process (changes on restart). */
  readonly pid: number;
  /** SIGTERM, SIGKILL after 5 s, wait for exit, then remove dataDir. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL (a crash, as far as clients can tell), waiting for exit; keeps dataDir. */
  kill(): Promise<void>;
  /**
   * Starts etcd again on the same ports and data (SIGKILLing it first if it still
   * runs), resolving once it is healthy. Throws after stop().
   */
  restart(): Promise<void>;
}

interface Ports {
  client: number;
  peer: number;
}

async function pickPorts(): Promise<Ports> {
  const client = await freePort();
  let peer = await freePort();
  while (peer === client) peer = await freePort();
  return { client, peer };
}

function etcdArgs(etcdDataDir: string, ports: Ports): string[] {
  const clientUrl = `http://127.0.0.1:${ports.client}`;
  const peerUrl = `http://127.0.0.1:${ports.peer}`;
  return [
    '--name', 'default',
    '--data-dir', etcdDataDir,
    '--listen-client-urls', clientUrl,
    '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl,
    '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', `default=${peerUrl}`,
    '--initial-cluster-state', 'new',
    '--quota-backend-bytes', String(QUOTA_BACKEND_BYTES),
    // Fewer raft entries kept in memory between snapshots than the default 100000.
    '--snapshot-count', '10000',
    // Progress notifications every second: bookmarks of quiet resources keep up with
    // etcd's revision (the apiserver's watch cache advances on them).
    '--experimental-watch-progress-notify-interval', '1s',
    '--logger', 'zap',
    '--log-outputs', 'stderr',
    '--log-level', 'warn',
  ];
}

/** This environment without ETCD_* variables, which etcd would read as flags. */
function etcdEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('ETCD_')) env[key] = value;
  }
  return env;
}

async function logTail(logFile: string, lines = 30): Promise<string> {
  try {
    const text = await readFile(logFile, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}

async function isHealthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    if (!res.ok) {
      await res.body?.cancel();
      return false;
    }
    const body = (await res.json()) as { health?: unknown };
    return body.health === 'true';
  } catch {
    return false;
  }
}

/**
 * True when the etcd answering at the client port is the one we started: its member
 * list names our peer URL. freePort() races other processes, so another test file's
 * etcd can own the client port we picked while ours fails to bind it; its /health
 * would answer true.
 */
async function isOurs(endpoint: string, ports: Ports): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/v3/cluster/member/list`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { members?: { peerURLs?: string[] }[] };
    return (body.members ?? []).some((m) => (m.peerURLs ?? []).includes(`http://127.0.0.1:${ports.peer}`));
  } catch {
    return false;
  }
}

class StartError extends Error {
  constructor(
    message: string,
    readonly addressInUse: boolean,
  ) {
    super(message);
  }
}

/**
 * Spawns etcd and waits until /health says true. Throws StartError with the log's tail
 * when etcd exits or the deadline passes; the process is gone by then.
 */
async function launch(etcdDataDir: string, logFile: string, ports: Ports): Promise<ChildHandle> {
  const endpoint = `http://127.0.0.1:${ports.client}`;
  const child = spawnProcess(ETCD_BINARY, etcdArgs(etcdDataDir, ports), {
    logFile,
    env: etcdEnv(),
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (!child.running) {
      const { code, signal } = await child.exited;
      const tail = await logTail(logFile);
      throw new StartError(
        `etcd exited during startup (code ${code}, signal ${signal}); ${logFile}:\n${tail}`,
        /address already in use/i.test(tail),
      );
    }
    if (await isHealthy(endpoint)) {
      if (await isOurs(endpoint, ports)) return child;
      // Someone else's etcd holds the client port: ours fails to bind and exits.
      await child.stop();
      throw new StartError(`another etcd answers at ${endpoint}`, true);
    }
    if (Date.now() >= deadline) {
      await child.stop();
      throw new StartError(
        `etcd at ${endpoint} not healthy after ${START_TIMEOUT_MS}ms; ${logFile}:\n${await logTail(logFile)}`,
        false,
      );
    }
    await sleep(50);
  }
}

/**
 * Starts a fresh single-member etcd on random free loopback ports with its own
 * temporary directory and resolves once it answers {"health":"true"}. Ports picked by
 * freePort() can be taken by someone else before etcd binds them, so a start that
 * fails with "address already in use" is retried on new ports.
 */
export async function startEtcd(): Promise<EtcdHandle> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tskube-etcd-'));
  const etcdDataDir = join(dataDir, 'data');
  const logFile = join(dataDir, 'etcd.log');

  let ports: Ports | undefined;
  let child: ChildHandle | undefined;
  for (let attempt = 1; child === undefined; attempt++) {
    ports = await pickPorts();
    try {
      child = await launch(etcdDataDir, logFile, ports);
    } catch (err) {
      if (err instanceof StartError && err.addressInUse && attempt < BIND_ATTEMPTS) {
        // The failed start may have left a half-initialised member directory bound
        // to the old peer URL; start the next attempt from scratch.
        await rm(etcdDataDir, { recursive: true, force: true });
        continue;
      }
      await rm(dataDir, { recursive: true, force: true });
      throw err;
    }
  }
  const fixedPorts = ports as Ports;
  let current: ChildHandle = child;
  let removed = false;

  return {
    endpoint: `http://127.0.0.1:${fixedPorts.client}`,
    dataDir,
    logFile,
    get pid() {
      return current.pid;
    },
    async stop() {
      await current.stop();
      if (!removed) {
        removed = true;
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    async kill() {
      await current.kill9();
    },
    async restart() {
      if (removed) throw new Error('etcd handle was stopped: its data dir is gone');
      await current.kill9();
      current = await launch(etcdDataDir, logFile, fixedPorts);
    },
  };
}
