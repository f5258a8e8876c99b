// Container probes as the kubelet runs them (pkg/kubelet/prober): exec in the
// container, httpGet to the pod IP (200-399 is success), tcpSocket connect; and a
// ProbeWorker per container and probe kind that applies initialDelaySeconds,
// periodSeconds, timeoutSeconds, successThreshold and failureThreshold, reporting
// only changes of the result. Failure messages are the kubelet's (they become
// "Unhealthy" events).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { Container, Probe } from '../api/types/core.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';
export type ProbeResult = 'success' | 'failure' | 'unknown';

export interface ExecResult { exitCode: number; stdout: string; stderr: string; timedOut?: boolean }

/** What a probe needs to reach the container. */
export interface ProbeTarget {
  podIP: string;
  container: Container;
  exec(cmd: string[], timeoutMs: number): Promise<ExecResult>;
}

export interface ProbeOutcome {
  result: 'success' | 'failure';
  /** Why it failed, in the kubelet's words ("HTTP probe failed with statuscode: 500"). */
  message: string;
}

/** Resolves a probe's port: a number, or the name of one of the container's ports. */
export function probePort(port: number | string, container: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/** Runs a probe once. */
export async function runProbe(probe: Probe, target: ProbeTarget): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.exec) {
    const cmd = probe.exec.command ?? [];
    try {
      const r = await target.exec(cmd, timeoutMs);
      if (r.timedOut) return { result: 'failure', message: `command ${JSON.stringify(cmd.join(' '))} timed out` };
      const output = (r.stdout + r.stderr).trim();
      return r.exitCode === 0 ? { result: 'success', message: output } : { result: 'failure', message: output };
    } catch (err) {
      return { result: 'failure', message: (err as Error).message };
    }
  }
  if (probe.httpGet) {
    const g = probe.httpGet;
    const port = probePort(g.port, target.container);
    const host = g.host || target.podIP;
    if (port === undefined) return { result: 'failure', message: `unable to find port "${g.port}" in container ${target.container.name}` };
    const scheme = (g.scheme ?? 'HTTP').toLowerCase();
    const path = g.path ? (g.path.startsWith('/') ? g.path : `/${g.path}`) : '/';
    const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
    return httpProbe(url, scheme === 'https', g.httpHeaders ?? [], timeoutMs);
  }
  if (probe.tcpSocket) {
    const port = probePort(probe.tcpSocket.port, target.container);
    const host = probe.tcpSocket.host || target.podIP;
    if (port === undefined) return { result: 'failure', message: `unable to find port "${probe.tcpSocket.port}" in container ${target.container.name}` };
    return tcpProbe(host, port, timeoutMs);
  }
  return { result: 'failure', message: 'probe has no handler (exec, httpGet or tcpSocket)' };
}

function httpProbe(url: string, tls: boolean, headers: { name: string; value: string }[], timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const hdrs: Record<string, string> = { 'user-agent': 'kube-probe/1.32', accept: '*/*' };
    for (const h of headers) hdrs[h.name.toLowerCase()] = h.value;
    const req = (tls ? httpsRequest : httpRequest)(url, { method: 'GET', headers: hdrs, rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      // kubelet follows no redirect to another host; 3xx counts as success.
      resolve(code >= 200 && code < 400 ? { result: 'success', message: '' } : { result: 'failure', message: `HTTP probe failed with statuscode: ${code}` });
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ result: 'failure', message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const u = new URL(url);
      resolve({ result: 'failure', message: `Get "${url}": ${dialError(u.hostname.replace(/^\[|\]$/g, ''), Number(u.port), err)}` });
    });
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const sock = connect({ host, port, timeout: timeoutMs });
    sock.once('connect', () => {
      sock.destroy();
      resolve({ result: 'success', message: '' });
    });
    sock.once('timeout', () => {
      sock.destroy();
      resolve({ result: 'failure', message: `dial tcp ${host}:${port}: i/o timeout` });
    });
    sock.once('error', (err: NodeJS.ErrnoException) => resolve({ result: 'failure', message: dialError(host, port, err) }));
  });
}

function dialError(host: string, port: number, err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return `dial tcp ${host}:${port}: connect: connection refused`;
  if (err.code === 'EHOSTUNREACH') return `dial tcp ${host}:${port}: connect: no route to host`;
  if (err.code === 'ECONNRESET') return 'read: connection reset by peer';
  return `dial tcp ${host}:${port}: ${err.message}`;
}

/** The kubelet's event message for a failed probe: "Liveness probe failed: ...". */
export function unhealthyMessage(kind: ProbeKind, message: string): string {
  const what = kind === 'liveness' ? 'Liveness' : kind === 'readiness' ? 'Readiness' : 'Startup';
  return `${what} probe failed: ${message}`;
}

export interface ProbeWorkerOptions {
  kind: ProbeKind;
  probe: Probe;
  target: ProbeTarget;
  /** When the container started (ms since epoch): initialDelaySeconds counts from it. */
  startedAt: number;
  /** Called when the result changes (and with each failure message, for events). */
  onResult(result: ProbeResult, outcome?: ProbeOutcome): void;
  /** Called on every failed run (the kubelet records an Unhealthy event each time). */
  onFailure?(outcome: ProbeOutcome): void;
  /** Probes that must wait (liveness and readiness wait for a startup probe). */
  gate?: () => boolean;
}

/**
 * Runs one probe of one container every periodSeconds until stopped. The result
 * starts as the kubelet's initial value (readiness: failure, liveness: success,
 * startup: unknown) and flips only after successThreshold successes or
 * failureThreshold failures in a row.
 */
export class ProbeWorker {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private running = false;
  private successes = 0;
  private failures = 0;
  result: ProbeResult;

  constructor(private readonly o: ProbeWorkerOptions) {
    this.result = o.kind === 'readiness' ? 'failure' : o.kind === 'liveness' ? 'success' : 'unknown';
  }

  start(): void {
    const delayMs = Math.max(0, this.o.startedAt + (this.o.probe.initialDelaySeconds ?? 0) * 1000 - Date.now());
    this.timer = setTimeout(() => this.tick(), delayMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const periodMs = (this.o.probe.periodSeconds ?? 10) * 1000;
    if (!this.running && (this.o.gate?.() ?? true)) {
      this.running = true;
      try {
        const outcome = await runProbe(this.o.probe, this.o.target);
        if (!this.stopped) this.record(outcome);
      } finally {
        this.running = false;
      }
    }
    if (!this.stopped) this.timer = setTimeout(() => this.tick(), periodMs);
  }

  private record(outcome: ProbeOutcome): void {
    const successThreshold = this.o.probe.successThreshold ?? 1;
    const failureThreshold = this.o.probe.failureThreshold ?? 3;
    if (outcome.result === 'success') {
      this.failures = 0;
      this.successes++;
      if (this.result !== 'success' && this.successes >= successThreshold) {
        this.result = 'success';
        this.o.onResult('success', outcome);
      }
    } else {
      this.successes = 0;
      this.failures++;
      this.o.onFailure?.(outcome);
      if (this.result !== 'failure' && this.failures >= failureThreshold) {
        this.result = 'failure';
        this.o.onResult('failure', outcome);
      }
    }
  }
}
