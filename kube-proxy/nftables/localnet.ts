// net.ipv4.conf.all.route_localnet: the kernel drops packets with 127.0.0.0/8 source
// or destination on any interface but lo unless it is 1. nodePorts on 127.0.0.1 need
// it, because the DNATed connection leaves through the container bridge with source
// 127.0.0.1 (until masquerade rewrites it) and the reply, un-NATed, arrives there for
// 127.0.0.1. kube-proxy's iptables mode sets it for the same reason; we set it only
// when it is 0 and put back what we found on cleanup. Also the sysctls the proxier
// only reads.
import { readFile, writeFile } from 'node:fs/promises';

export const ROUTE_LOCALNET = '/proc/sys/net/ipv4/conf/all/route_localnet';
/** 1 when br_netfilter shows bridged IPv4 packets to netfilter (read only, never set here). */
export const BRIDGE_NF_CALL_IPTABLES = '/proc/sys/net/bridge/bridge-nf-call-iptables';

/** Sets a sysctl to value; resolves with the value it had, to restore it later. */
export async function setSysctl(path: string, value: string): Promise<string> {
  const old = (await readFile(path, 'utf8')).trim();
  if (old !== value) await writeFile(path, `${value}\n`);
  return old;
}

export async function readSysctl(path: string): Promise<string> {
  return (await readFile(path, 'utf8')).trim();
}
