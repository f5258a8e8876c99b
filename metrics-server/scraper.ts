// Scrapes every node's kubelet /metrics/resource, as metrics-server's scraper does: all
// nodes at once every --metric-resolution, each with --kubelet-request-timeout, at the
// address kubelet-address.ts picks, with metrics-server's own credentials (the kubelet
// authorizes them for nodes/metrics), one merged batch stored per pass. A node that
// cannot be scraped is logged and left out of that pass. A reader that finds an object
// without metrics while no pass is fresh (just after start) scrapes at once.
import type { Logger } from 'pino';
import { request, type Dispatcher } from 'undici';
import type { KubeObject } from '../api/types/meta.js';
import { kubeletAddress, type KubeletAddressOptions, type NodeLike } from './kubelet-address.js';
import { decodeBatch, mergeBatches } from './decode.js';
import type { MetricsStorage } from './storage.js';
import type { MetricsBatch } from './types.js';

/** metrics-server's --metric-resolution default. */
export const DEFAULT_METRIC_RESOLUTION_MS = 15_000;
/** metrics-server's --kubelet-request-timeout default. */
export const KUBELET_REQUEST_TIMEOUT_MS = 10_000;

export interface ScraperOptions {
  /** The nodes to scrape (the nodes' informer). */
  nodes(): Promise<KubeObject[]>;
  /** Connections to kubelets, with metrics-server's credentials; undici's default when absent. */
  transport?: Dispatcher;
  /** An Authorization header for kubelets (metrics-server's bearer token, when it has no client certificate). */
  authorization?: string;
  /** Which node address and port to scrape. */
  address: KubeletAddressOptions;
  /** --kubelet-request-timeout. */
  requestTimeoutMs?: number;
  storage: MetricsStorage;
  resolutionMs: number;
  log: Logger;
}

export class Scraper {
  private lastPass = 0;
  private inFlight: Promise<void> | undefined;
  private readonly log: Logger;
  /** Aborts requests in flight when the scraper stops. */
  private stopped: AbortSignal = new AbortController().signal;

  constructor(private readonly o: ScraperOptions) {
    this.log = o.log;
  }

  /** A pass every resolution until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.stopped = signal;
    while (!signal.aborted) {
      const started = Date.now();
      await this.scrape();
      const wait = Math.max(0, this.o.resolutionMs - (Date.now() - started));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
      });
    }
  }

  /**
   * Scrapes now unless a pass ended within the last two resolutions (a reader found an
   * object without metrics; while the loop runs, a pass is never older than about one).
   */
  async ensureFresh(): Promise<void> {
    if (Date.now() - this.lastPass > 2 * this.o.resolutionMs) await this.scrape();
  }

  /** One pass over all nodes; concurrent callers share it. Never rejects. */
  scrape(): Promise<void> {
    this.inFlight ??= this.pass().finally(() => { this.inFlight = undefined; });
    return this.inFlight;
  }

  private async pass(): Promise<void> {
    let nodes: KubeObject[];
    try {
      nodes = await this.o.nodes();
    } catch (err) {
      this.log.warn({ err }, 'cannot list nodes to scrape');
      return;
    }
    const batches = await Promise.all(nodes.map((n) => this.scrapeNode(n as NodeLike)));
    this.o.storage.store(mergeBatches(batches.filter((b): b is MetricsBatch => b !== undefined)));
    this.lastPass = Date.now();
  }

  private async scrapeNode(node: NodeLike): Promise<MetricsBatch | undefined> {
    const nodeName = node.metadata.name as string;
    try {
      const authority = kubeletAddress(node, this.o.address);
      const timeoutMs = this.o.requestTimeoutMs ?? Math.min(KUBELET_REQUEST_TIMEOUT_MS, Math.max(1000, this.o.resolutionMs));
      const res = await request(`https://${authority}/metrics/resource`, {
        dispatcher: this.o.transport, signal: AbortSignal.any([this.stopped, AbortSignal.timeout(timeoutMs)]), headers: { accept: 'text/plain', ...(this.o.authorization ? { authorization: this.o.authorization } : {}) },
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`request failed, status: ${res.statusCode}: ${text.slice(0, 200).trim()}`);
      return decodeBatch(text, Date.now(), nodeName);
    } catch (err) {
      if (this.stopped.aborted) return undefined;
      this.log.warn({ err, node: nodeName }, 'failed to scrape node');
      return undefined;
    }
  }
}
