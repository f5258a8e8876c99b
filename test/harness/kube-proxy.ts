// Starts the real kube-proxy process for a test file, on a ControlPlane and a node
// name, in userspace or nftables mode, and checks the node afterwards: a kube-proxy
// owns the service range on this host (ClusterIPs on lo, the unreachable route, the
// `ip tskube-proxy` nftables table), so only one may run at a time, and one that
// stopped cleanly must leave none of it behind.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cidrContains, parseCidr, ipToString } from '../../api/ipv4.js';
import { componentCommand, type ControlPlane } from './apiserver.js';
import { spawnProcess, waitFor, type ChildHandle } from './processes.js';

const run = promisify(execFile);

/** The apiserver's default --service-cluster-ip-range (startControlPlane does not change it). */
export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';
/** The nftables table kube-proxy's nftables mode owns (family ip). */
export const NFT_TABLE = 'tskube-proxy';
/** The sysctl nftables mode turns on for nodePorts on 127.0.0.1 and restores on cleanup. */
export const ROUTE_LOCALNET = '/proc/sys/net/ipv4/conf/all/route_localnet';

export type KubeProxyMode = 'userspace' | 'nftables';

export interface KubeProxyOptions {
  mode: KubeProxyMode;
  /** The node the proxy runs for (its endpoints are local): the kubelet's node name. */
  nodeName: string;
  /** The control plane's service range; DEFAULT_SERVICE_CIDR when absent. */
  serviceCIDR?: string;
  /** Extra flags, e.g. ['--cluster-dns', 'none']; later flags win over the harness's. */
  args?: string[];
  /** Names the log and port files, for a file that starts more than one. */
  tag?: string;
}

export interface KubeProxyHandle {
  mode: KubeProxyMode;
  nodeName: string;
  serviceCIDR: string;
  logFile: string;
  /** The running process (a new one after restart()). */
  proc: ChildHandle;
  /** Port of its /healthz on 127.0.0.1. */
  port: number;
  /** Port of its /metrics on 127.0.0.1. */
  metricsPort: number;
  /** The mode the process says it runs in ("kube-proxy started" in its log): differs from mode after a fallback. */
  activeMode: string;
  /** Its /metrics text. */
  metrics(): Promise<string>;
  /** Starts it again with the same flags (stopping it first if it runs); resolves once /healthz is ok. */
  restart(): Promise<void>;
  /** SIGTERM; throws when it exited with an error or left anything of the service range on the node. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash: what it added to the node stays. */
  kill9(): Promise<void>;
}

/**
 * What a kube-proxy of serviceCIDR may have left on this host: each ClusterIP on lo
 * ("address 10.96.0.10/32 on lo"), the unreachable route, the nftables table. Empty
 * when the node is clean.
 */
export async function nodeLeftovers(serviceCIDR = DEFAULT_SERVICE_CIDR): Promise<string[]> {
  const left: string[] = [];
  const addrs = (await run('ip', ['-4', '-o', 'addr', 'show', 'dev', 'lo'])).stdout;
  for (const m of addrs.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)(\/\d+)?/g)) {
    if (cidrContains(serviceCIDR, m[1]!)) left.push(`address ${m[1]}${m[2] ?? ''} on lo`);
  }
  const r = parseCidr(serviceCIDR);
  const range = `${ipToString(r.network)}/${r.bits}`;
  const routes = (await run('ip', ['-4', 'route', 'show', 'table', 'all', 'type', 'unreachable'])).stdout;
  for (const line of routes.split('\n')) {
    if (line.startsWith(`unreachable ${range}`)) left.push(`route "${line.trim()}"`);
  }
  if (await nftTableExists()) left.push(`nftables table ip ${NFT_TABLE}`);
  return left;
}

/** Whether `ip tskube-proxy` exists (false too when nft is missing). */
export async function nftTableExists(): Promise<boolean> {
  try {
    await run('nft', ['list', 'table', 'ip', NFT_TABLE]);
    return true;
  } catch {
    return false;
  }
}

/** The nftables table's text (`nft list table ip tskube-proxy`), '' when it does not exist. */
export async function nftRuleset(): Promise<string> {
  try {
    return (await run('nft', ['list', 'table', 'ip', NFT_TABLE], { maxBuffer: 16 << 20 })).stdout;
  } catch {
    return '';
  }
}

/** The ClusterIPs of serviceCIDR on lo now. */
export async function addressesOnLo(serviceCIDR = DEFAULT_SERVICE_CIDR): Promise<string[]> {
  const addrs = (await run('ip', ['-4', '-o', 'addr', 'show', 'dev', 'lo'])).stdout;
  return [...addrs.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]!).filter((ip) => cidrContains(serviceCIDR, ip));
}

/**
 * Runs `kube-proxy --cleanup` (removes the nftables table, the ClusterIPs on lo and the
 * route) and resolves with what was still left afterwards: for after() hooks, so a
 * failed test does not leave the next one a dirty node.
 */
export async function cleanupNode(serviceCIDR = DEFAULT_SERVICE_CIDR): Promise<string[]> {
  await run(process.execPath, [...componentCommand('kube-proxy'), '--cleanup', '--service-cluster-ip-range', serviceCIDR, '--log-level', 'warn'])
    .catch(() => undefined);
  return nodeLeftovers(serviceCIDR);
}

let seq = 0;

/**
 * Starts kube-proxy against cp.url with its /healthz on a free loopback port, syncs
 * without a minimum period, and resolves once /healthz says ok (informers synced, the
 * first sync done, cluster DNS serving). Refuses to start while the node holds another
 * kube-proxy's state.
 */
export async function startKubeProxy(cp: ControlPlane, o: KubeProxyOptions): Promise<KubeProxyHandle> {
  const serviceCIDR = o.serviceCIDR ?? DEFAULT_SERVICE_CIDR;
  const before = await nodeLeftovers(serviceCIDR);
  if (before.length) {
    throw new Error(`the node already holds a kube-proxy's state (${before.join(', ')}): another kube-proxy runs, or one was killed; `
      + `only one may run on this host (node dist/kube-proxy/main.js --cleanup removes what is left)`);
  }
  // nftables mode sets it for nodePorts on 127.0.0.1 and must put back what it found.
  const routeLocalnet = await readFile(ROUTE_LOCALNET, 'utf8').then((v) => v.trim(), () => undefined);
  const tag = o.tag ?? `${++seq}`;
  const portFile = join(cp.dir, `kube-proxy-${tag}.port`);
  const logFile = join(cp.dir, `kube-proxy-${tag}.log`);
  const args = [
    ...componentCommand('kube-proxy'), '--master', cp.url, '--node-name', o.nodeName, '--proxy-mode', o.mode,
    '--service-cluster-ip-range', serviceCIDR, '--healthz-bind-address', '127.0.0.1:0', '--metrics-bind-address', '127.0.0.1:0', '--port-file', portFile,
    '--min-sync-period', '0s', '--log-level', process.env.TSKUBE_TEST_LOG_LEVEL ?? 'debug', ...(o.args ?? []),
  ];
  const starts = async (): Promise<{ count: number; mode: string }> => {
    const text = existsSync(logFile) ? await readFile(logFile, 'utf8') : '';
    const lines = text.split('\n').filter((l) => l.includes('"kube-proxy started"'));
    const last = lines.at(-1);
    let mode = '';
    try {
      mode = last ? String((JSON.parse(last) as { mode?: string }).mode ?? '') : '';
    } catch {
      // A torn last line: the count is what matters here, the mode is read again below.
    }
    return { count: lines.length, mode };
  };
  const launch = async (): Promise<{ proc: ChildHandle; port: number; metricsPort: number; mode: string }> => {
    await rm(portFile, { force: true });
    const started = (await starts()).count;
    const proc = spawnProcess(process.execPath, args, { logFile });
    const exited = proc.exited.then(async () => { throw new Error(`kube-proxy exited; see ${logFile}:\n${await tail(logFile)}`); });
    exited.catch(() => undefined);
    let port = 0;
    let metricsPort = 0;
    try {
      await Promise.race([exited, (async () => {
        await waitFor(async () => existsSync(portFile) && (await readFile(portFile, 'utf8')).length > 0, { timeoutMs: 30_000, what: 'kube-proxy to listen' });
        ({ port, metricsPort } = JSON.parse(await readFile(portFile, 'utf8')) as { port: number; metricsPort: number });
        await waitFor(async () => {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
          await res.text();
          return res.status === 200 && (await starts()).count > started;
        }, { timeoutMs: 30_000, intervalMs: 100, what: `kube-proxy's /healthz to say ok (log: ${logFile})` });
      })()]);
    } catch (err) {
      // Not started: stop it (SIGTERM removes what it added) and leave the node clean.
      await proc.stop();
      if ((await nodeLeftovers(serviceCIDR)).length) await cleanupNode(serviceCIDR);
      // The log goes with the control plane's directory: its end is in the error.
      if (!(err as Error).message.includes('kube-proxy exited')) (err as Error).message += `; its log ends:\n${await tail(logFile)}`;
      throw err;
    }
    return { proc, port, metricsPort, mode: (await starts()).mode };
  };

  const first = await launch();
  const handle: KubeProxyHandle = {
    mode: o.mode, nodeName: o.nodeName, serviceCIDR, logFile,
    proc: first.proc, port: first.port, metricsPort: first.metricsPort, activeMode: first.mode,
    async metrics() {
      const res = await fetch(`http://127.0.0.1:${handle.metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) });
      return res.text();
    },
    async restart() {
      if (handle.proc.running) await handle.proc.stop();
      const next = await launch();
      handle.proc = next.proc;
      handle.port = next.port;
      handle.metricsPort = next.metricsPort;
      handle.activeMode = next.mode;
    },
    async stop() {
      const wasRunning = handle.proc.running;
      await handle.proc.stop();
      if (!wasRunning) return;
      const { code, signal } = await handle.proc.exited;
      if (code !== 0) throw new Error(`kube-proxy exited with ${signal ?? `code ${code}`} on SIGTERM; see ${logFile}:\n${await tail(logFile)}`);
      const left = await nodeLeftovers(serviceCIDR);
      if (left.length) throw new Error(`kube-proxy stopped but left ${left.join(', ')}; see ${logFile}`);
      const localnet = await readFile(ROUTE_LOCALNET, 'utf8').then((v) => v.trim(), () => undefined);
      if (localnet !== routeLocalnet) throw new Error(`kube-proxy stopped but left ${ROUTE_LOCALNET} at ${localnet} (it was ${routeLocalnet}); see ${logFile}`);
    },
    kill9: () => handle.proc.kill9(),
  };
  return handle;
}

async function tail(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}
