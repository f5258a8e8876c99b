// kube-proxy's nftables mode: the kernel forwards service traffic (DNAT, masquerade,
// reject) from the rules in our own table; no byte passes through this process. Each
// sync builds the ruleset from the state (ruleset.ts) and, when it differs from what
// the table holds, applies it with one `nft -f -`: whole the first time (replacing any
// table a previous run left), afterwards only what changed (so a sync stays small and
// ClientIP affinity survives), and every rule rewritten in place once an interval
// (default an hour, as kube-proxy) to repair edits made behind our back. After each
// successful sync, UDP conntrack entries the change left stale are cleared (conntrack.ts).
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { realClock, type Clock } from '../../client/clock.js';
import type { ProxyMetrics } from '../metrics.js';
import type { Proxier, ProxyState } from '../types.js';
import { ConntrackCleaner } from './conntrack.js';
import { BRIDGE_NF_CALL_IPTABLES, readSysctl, RouteLocalnet } from './route-localnet.js';
import { deleteTable, runNftScript } from './nft.js';
import {
  DEFAULT_TABLE, planRuleset, renderRuleset, servesLocalhostNodePorts, type RenderMode, type Ruleset, type RulesetOptions,
} from './ruleset.js';

/** kube-proxy resyncs everything every hour even when nothing changed (repairs outside edits). */
const DEFAULT_FULL_SYNC_INTERVAL_MS = 60 * 60 * 1000;

export interface NftablesProxierOptions {
  /** IPv4 addresses nodePorts answer on; ['0.0.0.0'] for every local address (127.0.0.1 included). */
  nodePortAddresses: string[];
  log: Logger;
  metrics?: ProxyMetrics;
  /** The nft table (family ip); default 'tskube-proxy'. */
  table?: string;
  /** kube-proxy's --cluster-cidr (see RulesetOptions.clusterCIDR). */
  clusterCIDR?: string;
  /** kube-proxy's --masquerade-all (see RulesetOptions.masqueradeAll). */
  masqueradeAll?: boolean;
  /** Default 0x4000. */
  masqueradeMark?: number;
  /** Rewrite every rule (keeping affinity) when the table was last written whole this long ago (default one hour). */
  fullSyncIntervalMs?: number;
  /** For the full-sync interval (default the real clock). */
  clock?: Pick<Clock, 'now'>;
  /** The conntrack binary for clearing stale UDP entries (default: found in /usr/sbin and the like). */
  conntrackBinary?: string;
}

interface Applied {
  ruleset: Ruleset;
  /** The ruleset rendered as a whole-table replacement: what "unchanged" compares. */
  text: string;
  /** When the table was last written whole (replace or rewrite). */
  at: number;
}

/**
 * The nftables Proxier. The sync runner calls sync(state) (never concurrently) after
 * NodeNet has put the ClusterIPs on lo; sync throws when nft refused the script, leaving
 * the table as it was (the runner retries, and the retry replaces the table whole).
 * cleanup() deletes the table and restores route_localnet.
 */
export class NftablesProxier implements Proxier {
  readonly mode = 'nftables' as const;
  readonly table: string;
  private readonly log: Logger;
  private readonly metrics?: ProxyMetrics;
  private readonly rulesetOptions: RulesetOptions;
  private readonly fullSyncIntervalMs: number;
  private readonly clock: Pick<Clock, 'now'>;
  private readonly localhostNodePorts: boolean;
  private applied?: Applied;
  private readonly routeLocalnet: RouteLocalnet;
  private localnetEnabled = false;
  private checkedBridgeNetfilter = false;
  private readonly conntrack: ConntrackCleaner;

  constructor(o: NftablesProxierOptions) {
    this.table = o.table ?? DEFAULT_TABLE;
    this.log = o.log.child({ component: 'nftables-proxier' });
    this.metrics = o.metrics;
    this.rulesetOptions = {
      table: this.table, nodePortAddresses: [...o.nodePortAddresses], masqueradeMark: o.masqueradeMark, clusterCIDR: o.clusterCIDR, masqueradeAll: o.masqueradeAll,
    };
    this.fullSyncIntervalMs = o.fullSyncIntervalMs ?? DEFAULT_FULL_SYNC_INTERVAL_MS;
    this.clock = o.clock ?? realClock;
    this.localhostNodePorts = servesLocalhostNodePorts(o.nodePortAddresses);
    this.routeLocalnet = new RouteLocalnet(this.table);
    this.conntrack = new ConntrackCleaner({ log: this.log, binary: o.conntrackBinary });
  }

  async sync(state: ProxyState): Promise<void> {
    const start = performance.now();
    try {
      if (!this.checkedBridgeNetfilter) await this.checkBridgeNetfilter();
      if (this.localhostNodePorts) await this.ensureRouteLocalnet();
      const ruleset = planRuleset(state, this.rulesetOptions);
      const text = renderRuleset(ruleset, this.table);
      const now = this.clock.now();
      const previous = this.applied;
      const fullSyncDue = previous !== undefined && now - previous.at >= this.fullSyncIntervalMs;
      if (previous && previous.text === text && !fullSyncDue) {
        await this.conntrack.afterSync(state);
        this.metrics?.synced(performance.now() - start, true);
        return;
      }
      let mode: RenderMode = !previous ? 'replace' : fullSyncDue ? 'rewrite' : 'update';
      try {
        await runNftScript(renderRuleset(ruleset, this.table, previous?.ruleset, mode));
      } catch (err) {
        if (mode === 'replace') throw err;
        // The table is not what we last wrote (someone changed it): write it whole.
        this.log.warn({ err, table: this.table }, 'could not update the nftables table in place; replacing it');
        mode = 'replace';
        await runNftScript(renderRuleset(ruleset, this.table));
      }
      // A rewrite is a full sync: the next one is due an interval later.
      this.applied = { ruleset, text, at: mode === 'update' ? previous!.at : now };
      await this.conntrack.afterSync(state);
      const ms = performance.now() - start;
      this.metrics?.synced(ms, true);
      const fields = { table: this.table, mode, services: state.services.size, objects: ruleset.objects.length, ms: Math.round(ms) };
      if (mode === 'update') this.log.debug(fields, 'updated nftables rules');
      else this.log.info(fields, 'wrote nftables rules');
    } catch (err) {
      // The table is whatever the last good script left, or something we no longer
      // know: the next sync replaces it whole.
      this.applied = undefined;
      this.metrics?.synced(performance.now() - start, false);
      throw err;
    }
  }

  async cleanup(): Promise<void> {
    let failure: unknown;
    try {
      await deleteTable(this.table);
      this.log.info({ table: this.table }, 'deleted nftables table');
    } catch (err) {
      this.log.error({ err, table: this.table }, 'could not delete nftables table');
      failure = err;
    }
    this.applied = undefined;
    this.conntrack.reset();
    try {
      // Also when this process never set it: an earlier one may have, and crashed.
      const restored = await this.routeLocalnet.restore();
      this.localnetEnabled = false;
      if (restored !== undefined) this.log.info({ value: restored }, 'restored net.ipv4.conf.all.route_localnet');
    } catch (err) {
      this.log.error({ err }, 'could not restore net.ipv4.conf.all.route_localnet');
      failure ??= err;
    }
    if (failure) throw failure;
  }

  /**
   * Pod -> ClusterIP -> pod on one bridge is not masqueraded: the reply goes straight
   * from pod to pod over the bridge, and only br_netfilter shows it to conntrack to be
   * un-DNATed. Without it those connections break; say so once (kube-proxy warns too).
   */
  private async checkBridgeNetfilter(): Promise<void> {
    this.checkedBridgeNetfilter = true;
    const value = await readSysctl(BRIDGE_NF_CALL_IPTABLES).catch(() => undefined);
    if (value !== '1') {
      this.log.warn({ sysctl: 'net.bridge.bridge-nf-call-iptables', value: value ?? 'absent (br_netfilter not loaded)' },
        'bridge-nf-call-iptables is not 1: pods reaching a ClusterIP whose endpoint shares their bridge will not get replies');
    }
  }

  /** route_localnet=1 for nodePorts on 127.0.0.1, checked every sync (set again if someone reset it). */
  private async ensureRouteLocalnet(): Promise<void> {
    const was = await this.routeLocalnet.enable();
    if (!this.localnetEnabled && was !== undefined) {
      this.log.info({ was }, 'net.ipv4.conf.all.route_localnet=1 for nodePorts on 127.0.0.1 (restored on cleanup)');
    }
    this.localnetEnabled = true;
  }
}
