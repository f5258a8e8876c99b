// The kubelet's stats collector, cAdvisor's housekeeping: every --housekeeping-interval
// (10 s) it samples the node (/proc/stat and /proc/meminfo: the root cgroup's view) and
// every running container of the node's pods (the runtime's one-shot cgroup stats),
// and keeps the last sample with the CPU rate against the one before it. The kubelet's
// server answers /metrics/resource and /stats/summary from the last pass
// (resource-metrics.ts renders them), never by reading cgroups per request.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { LABEL_CONTAINER_NAME, LABEL_NODE, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, LABEL_TYPE, TYPE_CONTAINER } from './pod-worker.js';
import { cpuRate, nodeCpuNanosFromProcStat, nodeMemoryFromMeminfo, type ContainerUsage, type PodUsage, type RatedSample, type UsageSnapshot } from './resource-metrics.js';
import type { ContainerRuntime } from './runtime/types.js';

/** cAdvisor's (and the kubelet's --housekeeping-interval) default. */
export const DEFAULT_HOUSEKEEPING_INTERVAL_MS = 10_000;

export interface StatsCollectorOptions {
  runtime: Pick<ContainerRuntime, 'list' | 'stats' | 'inspect'>;
  nodeName: string;
  intervalMs?: number;
  log: Logger;
  /** Where /proc is (tests); the node's own when absent. In compose the kubelet container sees the host's. */
  procDir?: string;
}

/** Serves the usage snapshot (the kubelet server's /metrics/resource and /stats/summary). */
export interface UsageSource {
  /** The last housekeeping pass; one is taken first when none has run yet. */
  usage(): Promise<UsageSnapshot>;
}

export class StatsCollector implements UsageSource {
  private readonly procDir: string;
  private readonly intervalMs: number;
  private readonly log: Logger;
  private last: UsageSnapshot | undefined;
  private pass: Promise<UsageSnapshot> | undefined;
  /** The previous sample of each container (by id) and of the node, for rates. */
  private prevContainers = new Map<string, ContainerUsage>();
  private prevNode: RatedSample | undefined;
  /** Containers' start times, inspected once per container. */
  private readonly startTimes = new Map<string, number>();
  private bootTime: number | undefined;

  constructor(private readonly o: StatsCollectorOptions) {
    this.procDir = o.procDir ?? '/proc';
    this.intervalMs = o.intervalMs ?? DEFAULT_HOUSEKEEPING_INTERVAL_MS;
    this.log = o.log.child({ component: 'stats' });
  }

  async usage(): Promise<UsageSnapshot> {
    return this.last ?? this.housekeep();
  }

  /** Housekeeping every interval until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.housekeep().catch((err: unknown) => this.log.warn({ err }, 'housekeeping failed'));
      await delay(this.intervalMs, undefined, { signal }).catch(() => undefined);
    }
  }

  /** One pass; concurrent callers share it. */
  housekeep(): Promise<UsageSnapshot> {
    this.pass ??= this.sample().finally(() => { this.pass = undefined; });
    return this.pass;
  }

  private async sample(): Promise<UsageSnapshot> {
    const [node, pods] = await Promise.all([this.sampleNode(), this.samplePods()]);
    const snapshot: UsageSnapshot = {
      nodeName: this.o.nodeName, nodeStartTime: this.bootTime ?? 0, node, pods: pods.pods, scrapeError: pods.error,
    };
    this.last = snapshot;
    return snapshot;
  }

  private async sampleNode(): Promise<RatedSample | undefined> {
    try {
      const [stat, meminfo] = await Promise.all([readFile(join(this.procDir, 'stat'), 'utf8'), readFile(join(this.procDir, 'meminfo'), 'utf8')]);
      const timestamp = Date.now();
      const cpu = nodeCpuNanosFromProcStat(stat);
      const mem = nodeMemoryFromMeminfo(meminfo);
      const btime = /^btime\s+(\d+)/m.exec(stat);
      if (btime) this.bootTime = Number(btime[1]) * 1000;
      if (cpu === undefined || mem === undefined) return undefined;
      const sample: RatedSample = { timestamp, cpuUsageNanos: cpu, memoryWorkingSetBytes: mem.workingSetBytes, memoryUsageBytes: mem.usageBytes };
      if (this.prevNode) sample.usageNanoCores = cpuRate(this.prevNode, sample);
      this.prevNode = sample;
      return sample;
    } catch (err) {
      this.log.warn({ err }, 'cannot read the node\'s usage');
      return undefined;
    }
  }

  private async samplePods(): Promise<{ pods: PodUsage[]; error: boolean }> {
    const containers = (await this.o.runtime.list({ all: false, labels: { [LABEL_NODE]: this.o.nodeName, [LABEL_TYPE]: TYPE_CONTAINER } }))
      .filter((c) => c.state === 'running');
    let error = false;
    const pods = new Map<string, PodUsage>();
    const seen = new Map<string, ContainerUsage>();
    await Promise.all(containers.map(async (c) => {
      try {
        const stats = await this.o.runtime.stats(c.id);
        if (!stats) return;
        const startTime = await this.startTime(c.id, c.createdAt.getTime());
        const usage: ContainerUsage = { name: c.labels[LABEL_CONTAINER_NAME] ?? c.name, startTime, ...stats };
        const prev = this.prevContainers.get(c.id);
        if (prev) usage.usageNanoCores = cpuRate(prev, usage);
        seen.set(c.id, usage);
        const uid = c.labels[LABEL_POD_UID] ?? '';
        let pod = pods.get(uid);
        if (!pod) pods.set(uid, pod = { namespace: c.labels[LABEL_POD_NAMESPACE] ?? '', name: c.labels[LABEL_POD_NAME] ?? '', uid, containers: [] });
        pod.containers.push(usage);
      } catch (err) {
        error = true;
        this.log.warn({ err, container: c.id }, 'cannot read a container\'s usage');
      }
    }));
    this.prevContainers = seen;
    for (const id of this.startTimes.keys()) if (!seen.has(id)) this.startTimes.delete(id);
    return { pods: [...pods.values()], error };
  }

  private async startTime(id: string, fallback: number): Promise<number> {
    const known = this.startTimes.get(id);
    if (known !== undefined) return known;
    const details = await this.o.runtime.inspect(id);
    const t = details?.startedAt?.getTime() ?? fallback;
    this.startTimes.set(id, t);
    return t;
  }
}
