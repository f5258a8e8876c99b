// The kubelet's pod manager: watches this node's pods (fieldSelector
// spec.nodeName=<node>), keeps one PodWorker per pod uid and runs its syncs through a
// WorkQueue keyed by uid (never two syncs of one pod at once). A pod is synced when it
// changes, when the PLEG's relist (every second) sees one of its containers change,
// when a Docker event of one of its containers arrives (a fast path only), and at
// least every sync frequency (1 min), or sooner when a projected service-account token
// of the pod is due for a refresh (so the new token reaches the volume within about a
// second of being due). It removes containers no pod wants (at start, and when a pod
// disappears), drops a removed pod's tokens, and serves container logs to the kubelet
// server.
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { goQuote, isNotFound } from '../api/errors.js';
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Service } from '../api/types/core.js';
import type { EventRecorder } from '../client/event-recorder.js';
import { informerFor, type Informer } from '../client/informer.js';
import { resourceClient, type ResourceClient } from '../client/resource-client.js';
import type { RestClient } from '../client/rest-client.js';
import { WorkQueue } from '../client/work-queue.js';
import { runWorkers } from '../client/workers.js';
import { Pleg } from './pleg.js';
import { LABEL_NODE, LABEL_POD_UID, PodWorker, removeAllOf, type PodWorkerDeps } from './pod-worker.js';
import { RestartBackoff } from './restart-backoff.js';
import type { ContainerRuntime, ExecStream, ExecStreamOptions } from './runtime/types.js';
import { LogError, type LogOptions, type LogSource } from './server.js';
import { TokenManager, tokenRefreshDue, tokenRequester } from './token-manager.js';
import { cleanupPodVolumes, podDirs } from './volumes.js';

export interface PodManagerOptions {
  rest: RestClient;
  runtime: ContainerRuntime;
  recorder: EventRecorder;
  nodeName: string;
  nodeIP: string;
  network: string;
  pauseImage: string;
  rootDir: string;
  /** Pod DNS and the service route in sandboxes (PodWorkerDeps' fields of the same names). */
  dns?: PodWorkerDeps['dns'];
  serviceRoute?: PodWorkerDeps['serviceRoute'];
  /** --hairpin-mode (PodWorkerDeps.hairpinMode); absent: none. */
  hairpinMode?: PodWorkerDeps['hairpinMode'];
  /** First CrashLoopBackOff delay (10 s; tests make it small). Doubles up to 30x it (300 s). */
  crashLoopBackoffBaseMs?: number;
  /** Concurrent pod syncs (distinct pods). */
  workers?: number;
  /** Longest time between two syncs of a pod (the kubelet's --sync-frequency, 1 min). */
  syncFrequencyMs?: number;
  /** Follow Docker's event stream as a fast path (default true); the relist alone suffices. */
  dockerEvents?: boolean;
  log: Logger;
}

const BY_UID = 'uid';
/** Events stream reconnects: first after this, doubling up to EVENTS_BACKOFF_MAX_MS. */
const EVENTS_BACKOFF_MS = 500;
const EVENTS_BACKOFF_MAX_MS = 10_000;
/** The kubelet's workerResyncIntervalJitterFactor: a resync is due after frequency * [1, 1.5). */
const RESYNC_JITTER = 0.5;
/** Soonest resync for a token refresh: a refresh that failed (the old token still served) is retried this often. */
const TOKEN_RETRY_MS = 10_000;

export class PodManager implements LogSource {
  private readonly pods: Informer<Pod>;
  private readonly services: Informer<Service>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly configMaps: ResourceClient<ConfigMap>;
  private readonly claims: ResourceClient<PersistentVolumeClaim>;
  private readonly volumes: ResourceClient<PersistentVolume>;
  private readonly secrets: ResourceClient<Secret>;
  private readonly workers = new Map<string, PodWorker>();
  private readonly queue = new WorkQueue();
  /** When each pod's next periodic sync is due (ms since epoch). */
  private readonly resyncDue = new Map<string, number>();
  /** Service-account tokens of projected volumes, bound to this node's pods. */
  private readonly tokens: TokenManager;
  /** Per pod uid, when the first of the tokens its current sync used is due for a refresh. */
  private readonly tokenRefreshDue = new Map<string, number>();
  private readonly deps: PodWorkerDeps;
  private readonly log: Logger;
  private synced = false;

  constructor(private readonly o: PodManagerOptions) {
    this.log = o.log.child({ component: 'pod-manager' });
    this.pods = informerFor<Pod>(o.rest, 'pods', {
      fieldSelector: `spec.nodeName=${o.nodeName}`,
      indexers: { [BY_UID]: (p) => [p.metadata.uid] },
      log: this.log,
    });
    this.services = informerFor<Service>(o.rest, 'services', { log: this.log });
    this.podClient = resourceClient<Pod>(o.rest, 'pods');
    this.configMaps = resourceClient<ConfigMap>(o.rest, 'configmaps');
    this.claims = resourceClient<PersistentVolumeClaim>(o.rest, 'persistentvolumeclaims');
    this.volumes = resourceClient<PersistentVolume>(o.rest, 'persistentvolumes');
    this.secrets = resourceClient<Secret>(o.rest, 'secrets');
    this.tokens = new TokenManager({ requestToken: tokenRequester(o.rest), log: this.log.child({ component: 'token-manager' }) });
    const base = o.crashLoopBackoffBaseMs ?? 10_000;
    const getOrUndefined = async <T>(p: Promise<T>): Promise<T | undefined> => {
      try {
        return await p;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    };
    this.deps = {
      runtime: o.runtime,
      pods: this.podClient,
      recorder: o.recorder,
      nodeName: o.nodeName,
      nodeIP: o.nodeIP,
      network: o.network,
      pauseImage: o.pauseImage,
      rootDir: o.rootDir,
      dns: o.dns,
      serviceRoute: o.serviceRoute,
      hairpinMode: o.hairpinMode,
      restartBackoff: new RestartBackoff({ initialMs: base, maxMs: base * 30 }),
      pullBackoff: new RestartBackoff({ initialMs: base, maxMs: base * 30 }),
      requeue: (uid, ms) => { this.log.trace({ uid, ms }, 'requeue'); this.queue.addAfter(uid, ms); },
      log: o.log.child({ component: 'pod-worker' }),
      sources: {
        getConfigMap: (ns, name) => getOrUndefined(this.configMaps.get(ns, name)),
        getSecret: (ns, name) => getOrUndefined(this.secrets.get(ns, name)),
        getPersistentVolumeClaim: (ns, name) => getOrUndefined(this.claims.get(ns, name)),
        getPersistentVolume: (name) => getOrUndefined(this.volumes.get('', name)),
        getServiceAccountToken: async (ns, name, tr) => {
          const token = await this.tokens.getServiceAccountToken(ns, name, tr);
          const uid = tr.spec.boundObjectRef?.uid;
          const due = tokenRefreshDue(token);
          if (uid && due !== undefined) this.tokenRefreshDue.set(uid, Math.min(this.tokenRefreshDue.get(uid) ?? Infinity, due));
          return token;
        },
        services: async (ns) => this.services.list().filter((s) => s.metadata.namespace === ns
          || (s.metadata.namespace === 'default' && s.metadata.name === 'kubernetes')),
      },
    };
  }

  /** True once the pod list has been read and leftovers removed. */
  hasSynced(): boolean {
    return this.synced;
  }

  /**
   * Runs until signal aborts: informers, orphan cleanup, Docker events, pod syncs.
   * On abort every loop and probe stops; containers keep running (a restarted kubelet
   * adopts them).
   */
  async run(signal: AbortSignal): Promise<void> {
    const enqueue = (p: Pod): void => {
      this.log.trace({ uid: p.metadata.uid }, 'informer event');
      if (p.metadata.uid) this.queue.add(p.metadata.uid);
    };
    // Our own status writes come back as updates: like the kubelet's pod config, only
    // changes of what the pod asks for cause a sync.
    const wanted = (p: Pod): string => JSON.stringify([p.spec, p.metadata.labels, p.metadata.annotations,
      p.metadata.deletionTimestamp, p.metadata.deletionGracePeriodSeconds]);
    this.pods.addEventHandler({
      add: enqueue,
      update: (o, n) => {
        if (wanted(o) === wanted(n)) return;
        this.log.debug({ pod: `${n.metadata.namespace}/${n.metadata.name}` }, 'pod spec changed');
        enqueue(n);
      },
      delete: enqueue,
    });
    const informers = [this.pods.run(signal), this.services.run(signal)];
    if (!(await this.pods.waitForSync(signal)) || !(await this.services.waitForSync(signal))) {
      await Promise.allSettled(informers);
      return;
    }
    await this.removeOrphans();
    this.tokens.start(signal);
    this.synced = true;
    const pleg = new Pleg({
      runtime: this.o.runtime, labels: { [LABEL_NODE]: this.o.nodeName }, podUidLabel: LABEL_POD_UID, log: this.o.log,
      onPodChanged: (uid) => { if (this.workers.has(uid)) this.queue.add(uid); },
    });
    const loops = [pleg.run(signal), this.resyncLoop(signal)];
    if (this.o.dockerEvents === false) this.log.info('Docker events not followed (--no-docker-events); the relist alone notices container changes');
    else loops.push(this.followDockerEvents(signal));
    const workers = runWorkers(this.queue, (uid) => this.syncPod(uid), { workers: this.o.workers ?? 16, log: this.log });
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    await this.queue.shutDown();
    for (const w of this.workers.values()) w.stop();
    await Promise.allSettled([...informers, ...loops, workers]);
  }

  /**
   * Queues every pod whose periodic sync is due, checking each second (the kubelet's
   * syncTicker and getPodsToSync): a pod is synced at least once per sync frequency
   * even when nothing reported a change (configMap and secret volume contents follow),
   * and when one of its service-account tokens is due for a refresh.
   */
  private async resyncLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const now = Date.now();
      for (const [uid, due] of this.resyncDue) {
        if (due > now) continue;
        this.resyncDue.delete(uid);
        this.queue.add(uid);
      }
      try {
        await sleep(1000, undefined, { signal });
      } catch {
        return; // aborted
      }
    }
  }

  private podByUid(uid: string): Pod | undefined {
    return this.pods.byIndex(BY_UID, uid)[0];
  }

  private async syncPod(uid: string): Promise<void> {
    this.log.trace({ uid }, 'sync pod');
    const pod = this.podByUid(uid);
    let worker = this.workers.get(uid);
    this.resyncDue.delete(uid);
    this.tokenRefreshDue.delete(uid);
    if (!pod) {
      this.tokens.deleteServiceAccountToken(uid);
      // Deleted outright (or force-deleted): nothing may keep running for it.
      if (worker) {
        await worker.teardown(1);
        this.workers.delete(uid);
        this.log.info({ pod: `${worker.pod.metadata.namespace}/${worker.pod.metadata.name}`, uid }, 'pod gone; removed its containers');
      }
      return;
    }
    if (!worker) {
      worker = new PodWorker(pod, this.deps);
      this.workers.set(uid, worker);
    }
    await worker.sync(pod);
    const frequency = this.o.syncFrequencyMs ?? 60_000;
    const now = Date.now();
    let due = now + frequency * (1 + Math.random() * RESYNC_JITTER);
    // The kubelet refreshes tokens on its periodic sync (up to 1.5 min late); syncing
    // when the first token is due writes the new one at once. A refresh that failed
    // leaves a past due time: retried every TOKEN_RETRY_MS, not in a loop.
    const tokenDue = this.tokenRefreshDue.get(uid);
    if (tokenDue !== undefined) due = Math.min(due, Math.max(tokenDue, now + TOKEN_RETRY_MS));
    this.resyncDue.set(uid, due);
  }

  /** Removes containers (and volume directories) of pods this node no longer has. */
  private async removeOrphans(): Promise<void> {
    const all = await this.o.runtime.list({ labels: { [LABEL_NODE]: this.o.nodeName } });
    const orphanUids = new Set<string>();
    for (const c of all) {
      const uid = c.labels[LABEL_POD_UID];
      if (uid && !this.podByUid(uid)) orphanUids.add(uid);
    }
    for (const uid of orphanUids) {
      this.log.info({ uid }, 'removing containers of a pod that no longer exists');
      await removeAllOf(this.o.runtime, uid, this.o.nodeName);
    }
    for (const uid of await podDirs(this.o.rootDir)) {
      if (this.podByUid(uid)) continue;
      // A volume that cannot be unmounted stays (and is logged); nothing is deleted through it.
      await cleanupPodVolumes(this.o.rootDir, uid).catch((err: unknown) => this.log.error({ err, uid }, 'could not remove the volumes of a pod that no longer exists'));
    }
  }

  /**
   * The fast path: syncs a pod as soon as Docker says one of its containers started,
   * died or vanished. A broken stream (dockerd restarted) is reconnected with back-off;
   * the break is logged once, and so is the reconnect. Meanwhile the relist notices.
   */
  private async followDockerEvents(signal: AbortSignal): Promise<void> {
    let since = Math.floor(Date.now() / 1000);
    let backoff = EVENTS_BACKOFF_MS;
    let broken = false;
    const onOpen = (): void => {
      backoff = EVENTS_BACKOFF_MS;
      if (broken) this.log.info('Docker events stream reconnected');
      broken = false;
    };
    while (!signal.aborted) {
      try {
        for await (const ev of this.o.runtime.events({ labels: { [LABEL_NODE]: this.o.nodeName }, since, signal, onOpen })) {
          since = Math.floor(ev.time.getTime() / 1000);
          if (ev.action !== 'die' && ev.action !== 'start' && ev.action !== 'oom' && ev.action !== 'destroy') continue;
          const uid = ev.labels[LABEL_POD_UID];
          if (uid && this.workers.has(uid)) { this.log.trace({ uid, action: ev.action }, 'docker event'); this.queue.add(uid); }
        }
      } catch (err) {
        if (signal.aborted) return;
        if (!broken) this.log.warn({ err }, 'Docker events stream broke; reconnecting with back-off (the relist keeps noticing changes)');
        else this.log.debug({ err, backoffMs: backoff }, 'Docker events stream reconnect failed');
        broken = true;
      }
      try {
        await sleep(backoff, undefined, { signal });
      } catch {
        return; // aborted
      }
      backoff = Math.min(backoff * 2, EVENTS_BACKOFF_MAX_MS);
    }
  }

  /** The running container to exec in or attach to; throws a LogError worded as the kubelet's streaming server words it. */
  async containerId(namespace: string, pod: string, container: string): Promise<string> {
    const p = this.pods.get(namespace, pod);
    const worker = p?.metadata.uid ? this.workers.get(p.metadata.uid) : undefined;
    if (!p || !worker) throw new LogError(404, 'pod does not exist');
    const { id } = worker.hasContainer(container) ? await worker.logContainer(container, false) : { id: undefined };
    if (!id) throw new LogError(500, `container not found (${goQuote(container)})`);
    return id;
  }

  execStream(id: string, cmd: string[], opts: ExecStreamOptions): Promise<ExecStream> {
    return this.o.runtime.execStream(id, cmd, opts);
  }

  /** The pod's IP, for port-forward; throws a LogError worded as the kubelet words it. */
  async podAddress(namespace: string, pod: string): Promise<string> {
    const p = this.pods.get(namespace, pod);
    if (!p) throw new LogError(404, 'pod does not exist');
    const ip = p.status?.podIP;
    if (!ip) throw new LogError(500, `pod not found (${goQuote(`${pod}_${namespace}`)})`);
    return ip;
  }

  attachStream(id: string, opts: ExecStreamOptions): Promise<ExecStream> {
    return this.o.runtime.attachStream(id, opts);
  }

  async containerLogs(namespace: string, pod: string, container: string, opts: LogOptions, signal: AbortSignal): Promise<Readable> {
    const p = this.pods.get(namespace, pod);
    const worker = p?.metadata.uid ? this.workers.get(p.metadata.uid) : undefined;
    if (!p || !worker) throw new LogError(404, `pod "${pod}" not found in namespace "${namespace}" on this node`);
    if (!worker.hasContainer(container)) throw new LogError(400, `container ${container} is not valid for pod ${pod}`);
    const { id, waitingReason } = await worker.logContainer(container, opts.previous);
    if (!id) {
      if (opts.previous) throw new LogError(400, `previous terminated container "${container}" in pod "${pod}" not found`);
      throw new LogError(400, `container "${container}" in pod "${pod}" is waiting to start: ${waitingReason}`);
    }
    return this.o.runtime.logs(id, { follow: opts.follow, tail: opts.tailLines, timestamps: opts.timestamps, since: opts.since, signal });
  }
}
