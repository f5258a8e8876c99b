// The service route in pod sandboxes: pods reach ClusterIPs, whichever node they run
// on, because each sandbox's network namespace routes the service range
// (--service-cluster-ip-range) to its node's address on the pod network, where the
// node's kube-proxy holds the ClusterIPs. The kubelet (root on the node) sets it from
// outside the pod, entering only the sandbox's network namespace
// (nsenter --net=/proc/<pid>/ns/net ip route replace ...): neither the sandbox nor the
// app containers get NET_ADMIN for it, so a pod cannot change or remove it.
import { execFile } from 'node:child_process';
import { isIPv4 } from 'node:net';
import { promisify } from 'node:util';
import { ipToString, parseCidr } from '../api/ipv4.js';

const run = promisify(execFile);

/** How long one nsenter/ip call may take before the sandbox counts as failed. */
const IP_TIMEOUT_MS = 10_000;

export interface ServiceRoute {
  /** The service range, normalized to its network address ("10.96.0.0/12"). */
  cidr: string;
  /** The next hop; undefined: the sandbox's own default gateway (the node's address on the pod network). */
  via?: string;
}

/** A route that could not be read or set; the message is ip's or nsenter's own. */
export class ServiceRouteError extends Error {
  override name = 'ServiceRouteError';
}

/**
 * The route from the kubelet's flags: --service-cluster-ip-range ('' disables the
 * route: undefined) and --service-route-via (absent: the pod network's gateway).
 * Throws on a malformed range or address, for the kubelet to refuse to start.
 */
export function serviceRouteFromFlags(range: string, via: string | undefined): ServiceRoute | undefined {
  if (range === '') return undefined;
  let r: ReturnType<typeof parseCidr>;
  try {
    r = parseCidr(range);
  } catch {
    throw new Error(`--service-cluster-ip-range ${JSON.stringify(range)}: want an IPv4 CIDR such as 10.96.0.0/12`);
  }
  if (via !== undefined && !isIPv4(via)) throw new Error(`--service-route-via ${JSON.stringify(via)}: want an IPv4 address`);
  return { cidr: `${ipToString(r.network)}/${r.bits}`, ...(via !== undefined ? { via } : {}) };
}

/** Runs one `ip` command in the network namespace of the process pid. */
async function ipIn(pid: number, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', ...args], { timeout: IP_TIMEOUT_MS });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new ServiceRouteError((e.stderr ?? '').trim() || e.message);
  }
}

/** The IPv4 default gateway of the namespace, from `ip -4 route show default` ("default via 10.244.0.1 dev eth0"). */
export async function defaultGateway(pid: number): Promise<string | undefined> {
  const out = await ipIn(pid, ['-4', 'route', 'show', 'default']);
  return /^default via (\S+)/m.exec(out)?.[1];
}

/**
 * Routes the service range in the network namespace of pid (a sandbox's process) and
 * resolves with the next hop used. Idempotent (`ip route replace`), so a sandbox
 * that already has the route keeps it.
 */
export async function routeServiceRange(pid: number, route: ServiceRoute): Promise<string> {
  if (!(pid > 0)) throw new ServiceRouteError('the sandbox has no running process');
  const via = route.via ?? (await defaultGateway(pid));
  if (!via) throw new ServiceRouteError(`no next hop for ${route.cidr}: the sandbox has no default route`);
  await ipIn(pid, ['route', 'replace', route.cidr, 'via', via]);
  return via;
}
