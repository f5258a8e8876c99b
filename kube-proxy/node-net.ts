// The node's side of the service range (DESIGN section 8): every ClusterIP a proxier
// serves sits on lo as a /32, so listeners can bind it and packets to it are
// delivered locally; the whole range has an `unreachable` route, so no service-range
// packet ever leaves the machine and a connect to an unused ClusterIP fails at once
// (EHOSTUNREACH) instead of hanging. Changes go through `ip -batch -`: one process
// reads the node's state, at most one more applies every change of a sync.
import type { Logger } from 'pino';
import { cidrContains, ipToString, parseCidr } from '../api/ipv4.js';
import { CommandError, runCommand } from './run-command.js';

/** An IPv4 address on the device: "10.96.0.10/32" as `ip` prints it. */
interface DeviceAddress {
  ip: string;
  prefix: number;
}

/** What the node holds of the service range now. */
interface RangeState {
  /** Addresses on the device whose IP is inside the range. */
  addresses: DeviceAddress[];
  /** The unreachable route for exactly the range is in the main table. */
  route: boolean;
}

/** Runs `ip <args> -batch -` with commands on stdin; resolves with stdout, rejects with stderr when ip fails. */
async function ipBatch(args: string[], commands: string[]): Promise<string> {
  try {
    return await runCommand('ip', [...args, '-batch', '-'], { stdin: commands.join('\n') + '\n' });
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    if (err.code) throw new Error(`ip: ${err.message}`);
    throw new Error(`ip -batch (${commands.join('; ')}) failed (${err.signal ?? `exit ${err.exitCode}`}): ${err.stderr.trim()}`);
  }
}

/**
 * Keeps the service range's ClusterIPs on a device (lo) and the range's unreachable
 * route. The proxy server calls sync before each proxier sync (so listeners find
 * their address) and cleanup on shutdown or `--cleanup`. Every address inside the
 * range on the device is taken to be this component's: stale ones left by an
 * earlier run are removed by the first sync.
 */
export class NodeNet {
  private readonly cidr: string;
  private readonly device: string;
  private readonly log: Logger;

  constructor(o: { serviceCIDR: string; log: Logger; device?: string }) {
    const r = parseCidr(o.serviceCIDR);
    // The network address, as `ip route` prints it (host bits of the flag dropped).
    this.cidr = `${ipToString(r.network)}/${r.bits}`;
    this.device = o.device ?? 'lo';
    this.log = o.log;
  }

  /**
   * Makes the device hold exactly the ips inside the range (as /32; others are
   * ignored) and the range's unreachable route exist. Throws when the node could not
   * be changed; what could be changed is changed (the caller retries the rest).
   */
  async sync(ips: ReadonlySet<string>): Promise<void> {
    const want = new Set([...ips].filter((ip) => cidrContains(this.cidr, ip)));
    const state = await this.read();
    const commands: string[] = [];
    const removed: string[] = [];
    const have = new Set<string>();
    for (const a of state.addresses) {
      if (a.prefix === 32 && want.has(a.ip)) {
        have.add(a.ip);
        continue;
      }
      commands.push(`address del ${a.ip}/${a.prefix} dev ${this.device}`);
      removed.push(`${a.ip}/${a.prefix}`);
    }
    const added = [...want].filter((ip) => !have.has(ip));
    for (const ip of added) commands.push(`address add ${ip}/32 dev ${this.device}`);
    if (!state.route) commands.push(`route replace unreachable ${this.cidr}`);
    if (commands.length === 0) return;
    await ipBatch(['-force'], commands);
    this.log.info({ device: this.device, added: added.length, removed: removed.length, route: state.route ? undefined : `unreachable ${this.cidr}` },
      'service addresses synced');
    if (removed.length) this.log.debug({ removed }, 'removed stale service addresses');
  }

  /** Removes every address inside the range from the device, and the route. */
  async cleanup(): Promise<void> {
    const state = await this.read();
    const commands = state.addresses.map((a) => `address del ${a.ip}/${a.prefix} dev ${this.device}`);
    if (state.route) commands.push(`route del unreachable ${this.cidr}`);
    if (commands.length === 0) return;
    await ipBatch(['-force'], commands);
    this.log.info({ device: this.device, removed: state.addresses.length, route: state.route }, 'service addresses and route removed');
  }

  private async read(): Promise<RangeState> {
    const out = await ipBatch(['-4', '-o'], [
      `address show dev ${this.device}`,
      `route show table main exact ${this.cidr}`,
    ]);
    const addresses: DeviceAddress[] = [];
    let route = false;
    for (const line of out.split('\n')) {
      const addr = /\binet (\d+\.\d+\.\d+\.\d+)\/(\d+)/.exec(line);
      if (addr) {
        if (cidrContains(this.cidr, addr[1]!)) addresses.push({ ip: addr[1]!, prefix: Number(addr[2]) });
      } else if (line.startsWith(`unreachable ${this.cidr}`)) {
        route = true;
      }
    }
    return { addresses, route };
  }
}
