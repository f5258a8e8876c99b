// An etcd cluster of several members on loopback (random free ports, one temporary
// folder), for tests of the apiserver against an external etcd cluster. kill(i) is a
// member's crash; restart(i) brings it back on the same ports and data.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ETCD_BINARY } from './etcd.js';
import { freePort } from './free-port.js';
import { spawnProcess, waitFor, type ChildHandle } from './processes.js';

export interface EtcdCluster {
  /** Client URLs, one per member. */
  endpoints: string[];
  kill(i: number): Promise<void>;
  restart(i: number): Promise<void>;
  /** Stops every member and removes the folder. */
  stop(): Promise<void>;
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    return res.ok && ((await res.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

export async function startEtcdCluster(size: number): Promise<EtcdCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'tskube-etcd-cluster-'));
  const members: { name: string; client: number; peer: number }[] = [];
  const taken = new Set<number>();
  const port = async (): Promise<number> => {
    let p = await freePort();
    while (taken.has(p)) p = await freePort();
    taken.add(p);
    return p;
  };
  for (let i = 0; i < size; i++) members.push({ name: `m${i}`, client: await port(), peer: await port() });
  const initialCluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');
  const endpoints = members.map((m) => `http://127.0.0.1:${m.client}`);
  const children: (ChildHandle | undefined)[] = [];
  const launch = (i: number): ChildHandle => {
    const m = members[i]!;
    return spawnProcess(ETCD_BINARY, [
      '--name', m.name, '--data-dir', join(dir, m.name),
      '--listen-client-urls', endpoints[i]!, '--advertise-client-urls', endpoints[i]!,
      '--listen-peer-urls', `http://127.0.0.1:${m.peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peer}`,
      '--initial-cluster', initialCluster, '--initial-cluster-state', 'new',
      '--experimental-watch-progress-notify-interval', '1s', '--log-level', 'warn',
    ], { logFile: join(dir, `${m.name}.log`) });
  };
  for (let i = 0; i < size; i++) children[i] = launch(i);
  const cluster: EtcdCluster = {
    endpoints,
    async kill(i) {
      await children[i]?.kill9();
      children[i] = undefined;
    },
    async restart(i) {
      await children[i]?.kill9();
      children[i] = launch(i);
      await waitFor(() => healthy(endpoints[i]!), { timeoutMs: 20_000, intervalMs: 100, what: `etcd member ${i} healthy` });
    },
    async stop() {
      await Promise.all(children.map((c) => c?.stop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(async () => (await Promise.all(endpoints.map(healthy))).every(Boolean), { timeoutMs: 30_000, intervalMs: 100, what: `etcd cluster of ${size} healthy` });
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
