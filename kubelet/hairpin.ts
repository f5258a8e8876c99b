// Hairpin mode on pod sandboxes' bridge ports, as the kubelet's --hairpin-mode=hairpin-veth
// (pkg/kubelet/network/hairpin): a pod that reaches itself through its own Service
// sends the packet out of eth0 to the node, where kube-proxy DNATs the ClusterIP to the
// pod's own address; with bridge-nf-call-iptables the DNATed packet is then bridged,
// and must leave through the very bridge port it came in on, which a Linux bridge
// does only for a port in hairpin mode. Docker leaves it off (unless its userland
// proxy is disabled), so the kubelet sets it right after a sandbox starts.
//
// The port is the host end of the sandbox's veth pair: the sandbox's eth0 names its
// peer's ifindex (`nsenter --net=/proc/<pid>/ns/net ip -j link show dev eth0`, field
// link_index; not /sys inside nsenter --net, which still shows the kubelet's own
// sysfs), the node's interface with that ifindex is found in /sys/class/net, and 1 is
// written to its brport/hairpin_mode. The kubelet must run in the network namespace
// that holds the pod network's bridge (the node's, where dockerd makes it).
import { execFile } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How long the nsenter/ip call may take. */
const IP_TIMEOUT_MS = 10_000;

/** The node's network interfaces as sysfs shows them to the kubelet. */
export const SYSFS_NET = '/sys/class/net';

/** The kubelet's --hairpin-mode values (promiscuous-bridge is refused here: see hairpinModeFromFlag). */
export type HairpinMode = 'promiscuous-bridge' | 'hairpin-veth' | 'none';
export const HAIRPIN_MODES: readonly HairpinMode[] = ['promiscuous-bridge', 'hairpin-veth', 'none'];

/** A port whose hairpin mode could not be set; the message says which step failed and why. */
export class HairpinError extends Error {
  override name = 'HairpinError';
}

/**
 * The mode from the kubelet's --hairpin-mode. Throws, for the kubelet to refuse to
 * start, on an unknown value and on promiscuous-bridge: that mode puts the bridge
 * itself in promiscuous mode (kubenet's cbr0, with ebtables dedup rules), and the
 * bridge here is Docker's, which the kubelet does not own.
 */
export function hairpinModeFromFlag(value: string): HairpinMode {
  if (value === 'promiscuous-bridge') {
    throw new Error('--hairpin-mode promiscuous-bridge is not supported (the pod network\'s bridge is Docker\'s): use hairpin-veth or none');
  }
  if (!(HAIRPIN_MODES as readonly string[]).includes(value)) {
    throw new Error(`--hairpin-mode ${JSON.stringify(value)}: want one of ${HAIRPIN_MODES.join(', ')}`);
  }
  return value as HairpinMode;
}

/**
 * The ifindex of the peer of interface ifname in the network namespace of pid (for a
 * veth: the node's end), from `ip -j link show` (its link_index).
 */
export async function peerIfindex(pid: number, ifname = 'eth0'): Promise<number> {
  let stdout: string;
  try {
    ({ stdout } = await run('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', '-j', 'link', 'show', 'dev', ifname], { timeout: IP_TIMEOUT_MS }));
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new HairpinError(`reading ${ifname} of the sandbox: ${(e.stderr ?? '').trim() || e.message}`);
  }
  let links: { link_index?: unknown }[];
  try {
    links = JSON.parse(stdout) as { link_index?: unknown }[];
  } catch {
    throw new HairpinError(`reading ${ifname} of the sandbox: ip printed no JSON: ${stdout.slice(0, 200)}`);
  }
  const index = links[0]?.link_index;
  if (typeof index !== 'number' || !(index > 0)) throw new HairpinError(`${ifname} of the sandbox has no peer interface (not a veth)`);
  return index;
}

/** The name of the node's interface with ifindex index (undefined: none), from sysfs. */
export async function interfaceByIndex(index: number, sysfsNet = SYSFS_NET): Promise<string | undefined> {
  for (const name of await readdir(sysfsNet)) {
    // An interface can disappear while the directory is read: not the one looked for.
    const own = await readFile(join(sysfsNet, name, 'ifindex'), 'utf8').catch(() => '');
    if (Number(own) === index) return name;
  }
  return undefined;
}

/** What setUpHairpin found: the node's end of the sandbox's veth, and whether it is a bridge port (put in hairpin mode). */
export interface HairpinResult {
  iface: string;
  /** False: the interface is on no bridge, so there was nothing to do (as the kubelet's setUpInterface). */
  bridgePort: boolean;
}

/**
 * Puts the bridge port of the sandbox whose process is pid in hairpin mode (the pod
 * worker calls it right after a sandbox starts, and for each adopted sandbox).
 * Idempotent: writing 1 again changes nothing. Rejects with a HairpinError (or the
 * write's own error) when a step fails; callers log it and go on, as the kubelet does.
 */
export async function setUpHairpin(pid: number, o: { ifname?: string; sysfsNet?: string } = {}): Promise<HairpinResult> {
  if (!(pid > 0)) throw new HairpinError('the sandbox has no running process');
  const sysfsNet = o.sysfsNet ?? SYSFS_NET;
  const index = await peerIfindex(pid, o.ifname);
  const name = await interfaceByIndex(index, sysfsNet);
  if (!name) throw new HairpinError(`no interface with ifindex ${index} (the peer of the sandbox's ${o.ifname ?? 'eth0'}) in ${sysfsNet}`);
  const brport = join(sysfsNet, name, 'brport');
  if (!(await stat(brport).then(() => true, () => false))) return { iface: name, bridgePort: false };
  await writeFile(join(brport, 'hairpin_mode'), '1');
  return { iface: name, bridgePort: true };
}
