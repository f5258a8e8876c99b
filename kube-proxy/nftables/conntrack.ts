// Stale UDP conntrack entries, cleared after each sync as Kubernetes' pkg/proxy/conntrack
// (cleanup.go) does. A UDP "flow" has no end, so the kernel keeps the DNAT its first
// datagram got until the entry times out (30 s, 120 s once seen both ways), however
// often the client sends: a client that keeps sending from one port keeps going to an
// endpoint we have removed. So, from what changed since the previous sync:
//
// - a UDP frontend (ClusterIP, externalIP or LB IP with the port, or a nodePort on any
//   address) that could reach a serving endpoint before and cannot now (the endpoint
//   went, stopped serving, or the frontend or the whole service port went): entries
//   to that frontend DNATed to that endpoint are deleted;
// - a frontend that had no serving endpoint before and has some now (also a new one,
//   and every one at the first sync, which covers what a previous run left): every
//   entry to it is deleted, since one made while it had none (delivered to the node,
//   or to whatever held the address before) would keep its traffic from the new
//   endpoints.
//
// Endpoints count when serving, whatever the traffic policies or topology (Kubernetes'
// rule: a policy change does not move existing flows, for UDP as for TCP).
//
// The `conntrack` tool (Debian's `conntrack` package) does the work. Every `-D` walks
// the kernel's whole conntrack hash table (about 4 ms here at 262144 buckets, however
// few entries it holds), so the UDP entries are listed once (`conntrack -L`), only the
// deletions that match one of them are kept (usually none, or a few), and those run in
// one `conntrack -R <file>` batch (it cannot read `-` from Node's stdin, a socket).
// Entries made after the listing got the new rules' DNAT and are never stale. Without
// the tool: one warning and nothing more; a sync never fails for conntrack.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { CommandError, runCommand, sbinBinary } from '../run-command.js';
import type { ProxyState } from '../types.js';

/** One frontend of a UDP service port: ip:port, or a nodePort (ip undefined: any local address). */
export interface UdpFrontend {
  ip?: string;
  port: number;
}

/** What conntrack may hold for UDP: each frontend's serving endpoints (by "ip:port"). */
export interface UdpFlows {
  /** By frontendKey(): the frontend, the service ports behind it, their serving endpoints. */
  frontends: ReadonlyMap<string, { frontend: UdpFrontend; services: readonly string[]; endpoints: ReadonlyMap<string, { ip: string; port: number }> }>;
}

/**
 * One `conntrack -D` filter: UDP entries whose original destination is the frontend
 * and, when endpoint is set, whose reply comes from that endpoint (the DNAT target).
 */
export interface ConntrackDeletion {
  frontend: UdpFrontend;
  endpoint?: { ip: string; port: number };
  /** Service port keys behind the frontend, for logs. */
  services: readonly string[];
}

function frontendKey(f: UdpFrontend): string {
  return f.ip === undefined ? `*:${f.port}` : `${f.ip}:${f.port}`;
}

/**
 * The UDP flows a state allows. The caller keeps this (not the state, whose maps the
 * sync loop changes in place) to compare with the next sync's.
 */
export function udpFlows(state: ProxyState): UdpFlows {
  const frontends = new Map<string, { frontend: UdpFrontend; services: string[]; endpoints: Map<string, { ip: string; port: number }> }>();
  for (const [key, sp] of state.services) {
    if (sp.protocol !== 'UDP') continue;
    const serving = (state.endpoints.get(key) ?? []).filter((e) => e.serving);
    const list: UdpFrontend[] = [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs].filter((ip) => ip).map((ip) => ({ ip, port: sp.port }));
    if (sp.nodePort) list.push({ port: sp.nodePort });
    for (const frontend of list) {
      const fk = frontendKey(frontend);
      let entry = frontends.get(fk);
      // Two service ports on one frontend is a misconfiguration; their endpoints are merged.
      if (!entry) frontends.set(fk, (entry = { frontend, services: [], endpoints: new Map() }));
      entry.services.push(key);
      for (const e of serving) entry.endpoints.set(`${e.ip}:${e.port}`, { ip: e.ip, port: e.port });
    }
  }
  return { frontends };
}

/**
 * The deletions that make conntrack agree with after, given that it agreed with
 * before (undefined at the first sync). Pure; sorted by frontend, then endpoint.
 */
export function staleConntrackEntries(before: UdpFlows | undefined, after: UdpFlows): ConntrackDeletion[] {
  const out: ConntrackDeletion[] = [];
  for (const [fk, now] of after.frontends) {
    if (now.endpoints.size === 0) continue;
    const was = before?.frontends.get(fk);
    if (!was || was.endpoints.size === 0) out.push({ frontend: now.frontend, services: now.services });
  }
  for (const [fk, was] of before?.frontends ?? []) {
    const now = after.frontends.get(fk);
    for (const [ek, endpoint] of was.endpoints) {
      if (!now?.endpoints.has(ek)) out.push({ frontend: was.frontend, endpoint, services: was.services });
    }
  }
  const sortKey = (d: ConntrackDeletion): string => `${frontendKey(d.frontend)} ${d.endpoint ? `${d.endpoint.ip}:${d.endpoint.port}` : ''}`;
  return out.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}

/** One UDP conntrack entry: its original destination and where replies come from. */
export interface ConntrackEntry {
  origDst: string;
  origPortDst: number;
  replySrc: string;
  replyPortSrc: number;
}

/**
 * The entries of `conntrack -L` output (one per line: `udp 17 29 src= dst= sport=
 * dport= [UNREPLIED] src= dst= sport= dport= ...`, the original tuple, then the
 * reply's). Lines without both tuples are skipped.
 */
export function parseConntrackList(text: string): ConntrackEntry[] {
  const out: ConntrackEntry[] = [];
  for (const line of text.split('\n')) {
    const v = [...line.matchAll(/\b(src|dst|sport|dport)=(\S+)/g)].map((m) => m[2]!);
    if (v.length < 8) continue;
    out.push({ origDst: v[1]!, origPortDst: Number(v[3]), replySrc: v[4]!, replyPortSrc: Number(v[6]) });
  }
  return out;
}

/** The deletions that would delete at least one of entries (the others need no conntrack run). */
export function matchingDeletions(deletions: readonly ConntrackDeletion[], entries: readonly ConntrackEntry[]): ConntrackDeletion[] {
  // Entries by original destination ip:port, and by port alone (for nodePorts).
  const byDst = new Map<string, ConntrackEntry[]>();
  const byPort = new Map<number, ConntrackEntry[]>();
  const add = <K>(m: Map<K, ConntrackEntry[]>, k: K, e: ConntrackEntry): void => {
    const list = m.get(k);
    if (list) list.push(e);
    else m.set(k, [e]);
  };
  for (const e of entries) {
    add(byDst, `${e.origDst}:${e.origPortDst}`, e);
    add(byPort, e.origPortDst, e);
  }
  return deletions.filter((d) => {
    const candidates = d.frontend.ip === undefined ? byPort.get(d.frontend.port) : byDst.get(`${d.frontend.ip}:${d.frontend.port}`);
    const ep = d.endpoint;
    return (candidates ?? []).some((e) => !ep || (e.replySrc === ep.ip && e.replyPortSrc === ep.port));
  });
}

/** The conntrack arguments deleting what d names (one line of a `conntrack -R` batch). */
export function conntrackDeleteArgs(d: ConntrackDeletion): string[] {
  const args = ['-D', '-f', 'ipv4', '-p', 'udp'];
  if (d.frontend.ip !== undefined) args.push('--orig-dst', d.frontend.ip);
  args.push('--orig-port-dst', String(d.frontend.port));
  if (d.endpoint) args.push('--reply-src', d.endpoint.ip, '--reply-port-src', String(d.endpoint.port));
  return args;
}


export interface ConntrackCleanerOptions {
  log: Logger;
  /** The conntrack binary (default: the usual places, else `conntrack` from PATH). */
  binary?: string;
  /** Kill a conntrack run that takes longer (default 60 s). */
  timeoutMs?: number;
}

/**
 * Clears stale UDP entries after each sync. The nftables proxier calls afterSync(state)
 * once the kernel has the rules for state (never concurrently); it never throws. reset()
 * forgets the previous state, so the next sync counts as the first.
 */
export class ConntrackCleaner {
  private readonly log: Logger;
  private readonly binary: string;
  private readonly timeoutMs: number;
  private previous?: UdpFlows;
  private warnedMissing = false;

  constructor(o: ConntrackCleanerOptions) {
    this.log = o.log;
    this.binary = o.binary ?? sbinBinary('conntrack');
    this.timeoutMs = o.timeoutMs ?? 60_000;
  }

  async afterSync(state: ProxyState): Promise<void> {
    const flows = udpFlows(state);
    const deletions = staleConntrackEntries(this.previous, flows);
    // Even when the deletions fail: retrying them every sync would keep cutting the
    // flows a first sync's deletions name.
    this.previous = flows;
    if (deletions.length === 0) return;
    const start = performance.now();
    try {
      const listing = await this.conntrack(['-L', '-f', 'ipv4', '-p', 'udp']);
      if (listing === undefined) return;
      const needed = matchingDeletions(deletions, parseConntrackList(listing));
      let deleted = 0;
      if (needed.length > 0) {
        const out = await this.runBatch(needed);
        if (out === undefined) return;
        // Each deleted entry is printed on a line of its own.
        deleted = out.split('\n').filter((l) => l.trim()).length;
      }
      for (const d of needed) {
        this.log.debug({ services: d.services, filter: conntrackDeleteArgs(d).join(' ') }, 'deleting stale UDP conntrack entries');
      }
      this.log.debug({ filters: deletions.length, matched: needed.length, deleted, ms: Math.round(performance.now() - start) },
        'cleared stale UDP conntrack entries');
    } catch (err) {
      this.log.error({ err, filters: deletions.length }, 'could not clear stale UDP conntrack entries');
    }
  }

  reset(): void {
    this.previous = undefined;
  }

  /** Runs the deletions in one `conntrack -R`; resolves as conntrack() does. */
  private async runBatch(deletions: ConntrackDeletion[]): Promise<string | undefined> {
    const dir = await mkdtemp(join(tmpdir(), 'tskube-conntrack-'));
    try {
      const file = join(dir, 'delete');
      await writeFile(file, deletions.map((d) => `${conntrackDeleteArgs(d).join(' ')}\n`).join(''));
      return await this.conntrack(['-R', file]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Runs conntrack with args; resolves with its stdout, or undefined when there is no conntrack binary. */
  private async conntrack(args: string[]): Promise<string | undefined> {
    try {
      // Not spawn's own timeout: its timer outlives a binary that never started.
      // Exit 0 also when nothing matched (a -D line of a -R batch included).
      return await runCommand(this.binary, args, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      if (err.code === 'ABORT_ERR') throw new Error(`conntrack ${args[0]} did not finish within ${this.timeoutMs} ms`);
      if (err.code === 'ENOENT') {
        if (!this.warnedMissing) {
          this.warnedMissing = true;
          this.log.warn({ binary: this.binary },
            'conntrack not found (Debian package conntrack): stale UDP conntrack entries are not cleared, flows to removed endpoints last until they time out');
        }
        return undefined;
      }
      if (err.code) throw err;
      throw new Error(`conntrack ${args[0]} failed (${err.signal ?? `exit ${err.exitCode}`}): ${err.stderr.trim().split('\n')[0] ?? ''}`);
    }
  }
}
