// net.ipv4.conf.all.route_localnet: the kernel drops packets with 127.0.0.0/8 source
// or destination on any interface but lo unless it is 1. nodePorts on 127.0.0.1 need
// it, because the DNATed connection leaves through the container bridge with source
// 127.0.0.1 (until masquerade rewrites it) and the reply, un-NATed, arrives there for
// 127.0.0.1. kube-proxy's iptables mode sets it for the same reason. We set it only
// when it is 0, and note what we found in a file under /run (gone at reboot, as the
// setting is), so that cleanup puts it back even in a later process: after a crash, or
// from `kube-proxy --cleanup`.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const ROUTE_LOCALNET = '/proc/sys/net/ipv4/conf/all/route_localnet';
/** 1 when br_netfilter shows bridged IPv4 packets to netfilter (read only, never set here). */
export const BRIDGE_NF_CALL_IPTABLES = '/proc/sys/net/bridge/bridge-nf-call-iptables';
const STATE_DIR = '/run/tskube-proxy';

export async function readSysctl(path: string): Promise<string> {
  return (await readFile(path, 'utf8')).trim();
}

async function writeSysctl(path: string, value: string): Promise<void> {
  await writeFile(path, `${value}\n`);
}

/** route_localnet for the proxier of one nftables table. */
export class RouteLocalnet {
  /** Where the value we found is kept while we hold the setting at 1. */
  private readonly savedFile: string;

  constructor(table: string, stateDir = STATE_DIR) {
    this.savedFile = join(stateDir, `${table}.route_localnet`);
  }

  /**
   * Makes route_localnet 1. Resolves with the value it had when this or an earlier
   * process changed it (undefined when it was already 1 by someone else's doing).
   */
  async enable(): Promise<string | undefined> {
    const saved = await this.saved();
    const was = await readSysctl(ROUTE_LOCALNET);
    if (was === '1') return saved;
    if (saved === undefined) {
      await mkdir(dirname(this.savedFile), { recursive: true });
      await writeFile(this.savedFile, `${was}\n`);
    }
    await writeSysctl(ROUTE_LOCALNET, '1');
    return saved ?? was;
  }

  /** Puts back the value we (or an earlier process) found; resolves with it, or undefined when nothing was changed. */
  async restore(): Promise<string | undefined> {
    const saved = await this.saved();
    if (saved === undefined) return undefined;
    await writeSysctl(ROUTE_LOCALNET, saved);
    await rm(this.savedFile, { force: true });
    return saved;
  }

  private async saved(): Promise<string | undefined> {
    try {
      const v = (await readFile(this.savedFile, 'utf8')).trim();
      return /^[0-9]+$/.test(v) ? v : undefined;
    } catch {
      return undefined;
    }
  }
}
