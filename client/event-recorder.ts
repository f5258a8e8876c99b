// EventRecorder: core/v1 Events about objects, as client-go's record.EventRecorder
// with its EventCorrelator in front of the writes.
//
// event() only queues: a writer writes the queue in order, so correlation state is
// always the result of the writes before it. With several writers, the events about one
// object all go to the same writer, so that still holds per object (and correlation is
// per object). The correlator, as client-go's:
//   - spam filter: a token bucket per source and object (burst 25, one more every
//     5 minutes) drops event storms about one object;
//   - aggregator: the 10th distinct message within 10 minutes for the same object,
//     type and reason turns into one "(combined from similar events): ..." Event;
//   - dedup: an identical event (same object, type, reason, message, source) patches
//     the Event already written (count + 1, lastTimestamp) instead of creating one;
//     a 404 on that patch (the Event expired) creates a new Event.
// Write failures never reach the caller: a server refusal is logged and dropped, a
// connection failure is retried a few times, then logged and dropped. With `qps`, writes
// are rate limited like a client-go client with QPS/Burst (kube-scheduler's event client
// has its own such limiter); events waiting beyond queueLength are dropped, as the
// broadcaster's queue of 1000 does (DropIfChannelFull).
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { format } from 'node:util';
import type { Logger } from 'pino';
import { isNotFound, StatusError } from '../api/errors.js';
import { rfc3339 } from '../api/helpers/time.js';
import type { Event, EventSource, ObjectReference } from '../api/types/core.js';
import type { KubeObject } from '../api/types/meta.js';
import { TokenBucket } from './rate-limiter.js';
import { resourceClient, type ResourceClient } from './resource-client.js';
import type { RestClient } from './rest-client.js';

/** Kept under its old name for callers (tests) that format Event timestamps. */
export { rfc3339 as formatTime } from '../api/helpers/time.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  rest?: RestClient;
  /** A ready Event client instead of rest. */
  client?: ResourceClient<Event>;
  /** source.component and reportingComponent, e.g. "default-scheduler". */
  component: string;
  /** source.host and reportingInstance (default: this machine's hostname). */
  host?: string;
  logger?: Pick<Logger, 'debug' | 'warn' | 'error'>;
  /** Writes of one event tried at most this often on connection failures (default 12). */
  maxTries?: number;
  /** Pause between those tries (default 10000; the first is randomized below it). */
  retryDelayMs?: number;
  /** Events waiting to be written beyond this are dropped (default 1000). */
  queueLength?: number;
  /** Entries of each correlation cache (default 4096). */
  lruSize?: number;
  /** Distinct messages before similar events are combined (default 10; 0 disables). */
  maxSimilarEvents?: number;
  /** Window of that count (default 600000). */
  similarIntervalMs?: number;
  /** Spam filter burst per source and object (default 25; 0 disables the filter). */
  spamBurst?: number;
  /** Spam filter refill, tokens per second (default 1/300). */
  spamQps?: number;
  /** Wall clock for timestamps and names (default new Date()). */
  clock?: () => Date;
  /** Most writes per second, on average (default: no limit). */
  qps?: number;
  /** Writes allowed at once before qps applies (default 100, with qps only). */
  burst?: number;
  /** Writes in flight at most, for different objects (default 1). */
  writers?: number;
}

/**
 * Records Events. Components build one per process (`component` names them in
 * `kubectl describe`), call event() from reconcilers and handlers, and close() on
 * shutdown. event() never throws and never waits for the apiserver.
 */
export class EventRecorder {
  private readonly events: ResourceClient<Event>;
  private readonly source: Required<EventSource>;
  private readonly log: EventRecorderOptions['logger'];
  private readonly clock: () => Date;
  private readonly maxTries: number;
  private readonly retryDelayMs: number;
  private readonly queueLength: number;
  private readonly correlator: EventCorrelator;
  private readonly limiter?: TokenBucket;
  /** One queue per writer; an object's events always go to the same one. */
  private readonly queues: Event[][];
  private readonly busy: boolean[];
  private queued = 0;
  private working = 0;
  /** Events dropped on a full queue since that was last logged, and when it was. */
  private dropped = 0;
  private dropLoggedAt = 0;
  private readonly idle: Array<() => void> = [];
  private readonly stop = new AbortController();
  private closed = false;
  private lastNanos = 0n;

  constructor(opts: EventRecorderOptions) {
    if (!opts.client && !opts.rest) throw new Error('EventRecorder needs rest or client');
    if (!opts.component) throw new Error('EventRecorder needs a component');
    this.events = opts.client ?? resourceClient<Event>(opts.rest!, 'events');
    this.source = { component: opts.component, host: opts.host ?? hostname() };
    this.log = opts.logger;
    this.clock = opts.clock ?? (() => new Date());
    this.maxTries = opts.maxTries ?? 12;
    this.retryDelayMs = opts.retryDelayMs ?? 10_000;
    this.queueLength = opts.queueLength ?? 1000;
    const writers = Math.max(1, Math.floor(opts.writers ?? 1));
    this.queues = Array.from({ length: writers }, () => []);
    this.busy = new Array<boolean>(writers).fill(false);
    if (opts.qps !== undefined && opts.qps > 0) this.limiter = new TokenBucket(opts.qps, opts.burst ?? 100, () => this.clock().getTime());
    this.correlator = new EventCorrelator({
      lruSize: opts.lruSize ?? 4096,
      maxSimilarEvents: opts.maxSimilarEvents ?? 10,
      similarIntervalMs: opts.similarIntervalMs ?? 600_000,
      spamBurst: opts.spamBurst ?? 25,
      spamQps: opts.spamQps ?? 1 / 300,
      clock: this.clock,
      name: (ref) => this.eventName(ref),
    });
  }

  /**
   * Queues an Event about obj (an object with apiVersion, kind and metadata, or a
   * reference). Cluster-scoped objects get their Events in namespace default.
   */
  event(obj: KubeObject | ObjectReference, type: EventType, reason: string, message: string): void {
    try {
      if (this.closed) {
        this.log?.debug({ reason }, 'event recorder closed; dropping event');
        return;
      }
      if (type !== 'Normal' && type !== 'Warning') {
        this.log?.error({ type, reason }, 'unsupported event type; dropping event');
        return;
      }
      if (this.queued >= this.queueLength) {
        // A burst drops thousands: say so at most every 10 s, with how many.
        this.dropped++;
        const now = Date.now();
        if (now - this.dropLoggedAt >= DROP_LOG_INTERVAL_MS) {
          this.log?.warn({ reason, queued: this.queued, dropped: this.dropped }, 'event queue full; dropping event');
          this.dropped = 0;
          this.dropLoggedAt = now;
        }
        return;
      }
      const ev = this.makeEvent(referenceOf(obj), type, reason, message);
      const w = this.writerOf(ev.involvedObject);
      this.queues[w].push(ev);
      this.queued++;
      if (!this.busy[w]) void this.work(w);
    } catch (err) {
      this.log?.error({ err, reason }, 'could not record event');
    }
  }

  /** event() with a printf-style message. */
  eventf(obj: KubeObject | ObjectReference, type: EventType, reason: string, fmt: string, ...args: unknown[]): void {
    this.event(obj, type, reason, format(fmt, ...args));
  }

  /** Resolves once every event queued so far has been written or dropped. */
  flush(): Promise<void> {
    if (this.working === 0 && this.queued === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /**
   * Stops accepting events and waits up to timeoutMs for the queue to drain; then
   * abandons what is left (retry pauses included) and logs how much was dropped.
   */
  async close(timeoutMs = 5000): Promise<void> {
    this.closed = true;
    const drained = this.flush().then(() => true);
    const late = sleep(timeoutMs, false, { ref: false });
    if (!(await Promise.race([drained, late]))) {
      this.log?.warn({ dropped: this.queued }, 'event recorder closed before every event was written');
      for (const q of this.queues) q.length = 0;
      this.queued = 0;
      this.stop.abort();
      await this.flush();
    }
  }

  private async work(w: number): Promise<void> {
    this.busy[w] = true;
    this.working++;
    const queue = this.queues[w];
    try {
      for (let ev = queue.shift(); ev; ev = queue.shift()) {
        this.queued--;
        try {
          await this.record(ev);
        } catch (err) {
          this.log?.error({ err }, 'unexpected error recording event');
        }
      }
    } finally {
      this.busy[w] = false;
      if (--this.working === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  /** The writer of an object's events: a hash of its identity. */
  private writerOf(ref: ObjectReference): number {
    if (this.queues.length === 1) return 0;
    const id = ref.uid || `${ref.kind ?? ''}/${ref.namespace ?? ''}/${ref.name ?? ''}`;
    let h = 0;
    for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
    return Math.abs(h) % this.queues.length;
  }

  /** client-go's recordToSink: correlate, then write with a bounded number of tries. */
  private async record(ev: Event): Promise<void> {
    const result = this.correlator.correlate(ev);
    if (!result) {
      this.log?.debug({ reason: ev.reason, object: ev.involvedObject.name }, 'event dropped by the spam filter');
      return;
    }
    for (let tries = 1; ; tries++) {
      if (await this.write(result)) return;
      if (tries >= this.maxTries || this.stop.signal.aborted) {
        this.log?.error({ reason: ev.reason, object: ev.involvedObject.name, tries }, 'unable to write event (retry limit exceeded)');
        return;
      }
      // Randomize the first pause so that many recorders do not retry in step.
      const delay = tries === 1 ? Math.random() * this.retryDelayMs : this.retryDelayMs;
      try {
        await sleep(delay, undefined, { signal: this.stop.signal });
      } catch {
        return;
      }
    }
  }

  /** One try; true when done (written, or refused for good), false to try again. */
  private async write(result: Correlated): Promise<boolean> {
    const { event, key } = result;
    const ns = event.metadata.namespace ?? 'default';
    const signal = this.stop.signal;
    const wait = this.limiter?.when() ?? 0;
    if (wait > 0) {
      try {
        await sleep(wait, undefined, { signal });
      } catch {
        return true; // closed while waiting: dropped
      }
    }
    try {
      let written: Event | undefined;
      if (result.patch) {
        try {
          written = await this.events.patch(ns, event.metadata.name!, 'strategic', result.patch, { signal });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      if (!written) {
        // A fresh Event (or the one to patch has expired): create it without a resourceVersion.
        const { resourceVersion: _rv, ...metadata } = event.metadata;
        written = await this.events.create(ns, { ...event, metadata }, { signal });
      }
      this.correlator.updateState(key, written);
      return true;
    } catch (err) {
      if (err instanceof StatusError && !RETRIABLE_CODES.has(err.code)) {
        if (err.reason === 'AlreadyExists') this.log?.debug({ err }, 'event already exists');
        else this.log?.error({ err, reason: event.reason }, 'server rejected event (will not retry)');
        return true;
      }
      this.log?.warn({ err: (err as Error).message, reason: event.reason }, 'unable to write event (may retry)');
      return false;
    }
  }

  private makeEvent(ref: ObjectReference, type: EventType, reason: string, message: string): Event {
    const t = this.clock();
    const stamp = rfc3339(t);
    return {
      apiVersion: 'v1', kind: 'Event',
      metadata: { name: this.eventName(ref, t), namespace: ref.namespace || 'default' },
      involvedObject: ref, reason, message, source: { ...this.source },
      firstTimestamp: stamp, lastTimestamp: stamp, count: 1, type,
      reportingComponent: this.source.component, reportingInstance: this.source.host,
    };
  }

  /** `${name}.${unix nanoseconds in hex}` as client-go, strictly increasing within a process. */
  private eventName(ref: ObjectReference, t = this.clock()): string {
    let nanos = BigInt(t.getTime()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
    if (nanos <= this.lastNanos) nanos = this.lastNanos + 1n;
    this.lastNanos = nanos;
    return `${ref.name ?? ''}.${nanos.toString(16).padStart(16, '0')}`;
  }
}

const DROP_LOG_INTERVAL_MS = 10_000;

/** 5xx and 429 may pass; other refusals will not change on a retry. */
const RETRIABLE_CODES = new Set([429, 500, 502, 503, 504]);

function referenceOf(obj: KubeObject | ObjectReference): ObjectReference {
  if (!('metadata' in obj) || !obj.metadata || typeof obj.metadata !== 'object') return { ...(obj as ObjectReference) };
  const o = obj as KubeObject;
  const ref: ObjectReference = { kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name, uid: o.metadata.uid, apiVersion: o.apiVersion, resourceVersion: o.metadata.resourceVersion };
  for (const k of Object.keys(ref) as Array<keyof ObjectReference>) if (ref[k] === undefined || ref[k] === '') delete ref[k];
  return ref;
}

// ---------------------------------------------------------------- correlation

interface CorrelatorOptions {
  lruSize: number;
  maxSimilarEvents: number;
  similarIntervalMs: number;
  spamBurst: number;
  spamQps: number;
  clock: () => Date;
  name: (ref: ObjectReference) => string;
}

interface Correlated {
  event: Event;
  /** The dedup key the written Event is remembered under. */
  key: string;
  /** Strategic merge patch for an Event already written; absent for a create. */
  patch?: { count: number; lastTimestamp: string | null | undefined; message: string | undefined };
}

interface EventLog {
  count: number;
  firstTimestamp: string | null | undefined;
  name: string;
  resourceVersion?: string;
}

/** A map with least-recently-used eviction (insertion order of a Map). */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly size: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value!);
  }
}

const join = (parts: Array<string | undefined>): string => parts.map((p) => p ?? '').join('\u0000');

const objectKey = (e: Event): Array<string | undefined> => {
  const o = e.involvedObject;
  return [e.source?.component, e.source?.host, o.kind, o.namespace, o.name, o.uid, o.apiVersion];
};

/** client-go's getEventKey: everything that makes two events "the same". */
const eventKey = (e: Event): string => join([...objectKey(e), e.involvedObject.fieldPath, e.type, e.reason, e.message]);

/**
 * client-go's EventCorrelator: spam filter, similar-event aggregation and dedup. Used
 * by the one write loop only, so it needs no locking.
 */
class EventCorrelator {
  private readonly spam: Lru<{ tokens: number; at: number }>;
  private readonly similar: Lru<{ messages: Set<string>; at: number }>;
  private readonly seen: Lru<EventLog>;

  constructor(private readonly o: CorrelatorOptions) {
    this.spam = new Lru(o.lruSize);
    this.similar = new Lru(o.lruSize);
    this.seen = new Lru(o.lruSize);
  }

  /** The Event to write and how, or undefined when the spam filter drops it. */
  correlate(ev: Event): Correlated | undefined {
    const aggregated = this.aggregate(ev);
    const observed = this.observe(aggregated.event, aggregated.key);
    return this.allow(observed.event) ? observed : undefined;
  }

  /** Remembers what the server answered, so the next identical event patches it. */
  updateState(key: string, written: Event): void {
    this.seen.set(key, {
      count: written.count ?? 1, firstTimestamp: written.firstTimestamp,
      name: written.metadata.name ?? '', resourceVersion: written.metadata.resourceVersion,
    });
  }

  private aggregate(ev: Event): { event: Event; key: string } {
    const key = eventKey(ev);
    if (this.o.maxSimilarEvents <= 0) return { event: ev, key };
    const now = this.o.clock();
    const aggregateKey = join([...objectKey(ev), ev.type, ev.reason, ev.reportingComponent, ev.reportingInstance]);
    let record = this.similar.get(aggregateKey);
    if (!record || now.getTime() - record.at > this.o.similarIntervalMs) record = { messages: new Set(), at: 0 };
    record.messages.add(ev.message ?? '');
    record.at = now.getTime();
    this.similar.set(aggregateKey, record);
    if (record.messages.size < this.o.maxSimilarEvents) return { event: ev, key };
    // Keep the set bounded, as client-go's PopAny.
    record.messages.delete(record.messages.values().next().value!);
    const stamp = rfc3339(now);
    return {
      key: aggregateKey,
      event: {
        ...ev,
        metadata: { name: this.o.name(ev.involvedObject), namespace: ev.metadata.namespace },
        count: 1, firstTimestamp: stamp, lastTimestamp: stamp,
        message: `(combined from similar events): ${ev.message ?? ''}`,
      },
    };
  }

  private observe(ev: Event, key: string): Correlated {
    const last = this.seen.get(key);
    if (!last) {
      this.seen.set(key, { count: ev.count ?? 1, firstTimestamp: ev.firstTimestamp, name: ev.metadata.name ?? '' });
      return { event: ev, key };
    }
    const event: Event = {
      ...ev,
      metadata: { ...ev.metadata, name: last.name, resourceVersion: last.resourceVersion },
      firstTimestamp: last.firstTimestamp, count: last.count + 1,
    };
    this.seen.set(key, { ...last, count: event.count! });
    return { event, key, patch: { count: event.count!, lastTimestamp: event.lastTimestamp, message: event.message } };
  }

  /** Token bucket per source and object. */
  private allow(ev: Event): boolean {
    if (this.o.spamBurst <= 0) return true;
    const key = join([...objectKey(ev), ev.type]);
    const now = this.o.clock().getTime();
    const bucket = this.spam.get(key) ?? { tokens: this.o.spamBurst, at: now };
    bucket.tokens = Math.min(this.o.spamBurst, bucket.tokens + ((now - bucket.at) / 1000) * this.o.spamQps);
    bucket.at = now;
    const ok = bucket.tokens >= 1;
    if (ok) bucket.tokens -= 1;
    this.spam.set(key, bucket);
    return ok;
  }
}
