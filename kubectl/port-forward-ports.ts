// What `port-forward` listens on and where it forwards to, as pure rules: kubectl's
// port arguments ([LOCAL:]REMOTE, a service's or a pod's named ports, a service port
// turned into its target port), client-go's parsePorts and parseAddresses, with their
// error wording.
import { isIP } from 'node:net';
import type { Pod, Service } from '../api/types/core.js';
import { joinHostPort, listenErrorText } from './go-net.js';

/** A local port (0: any free one) forwarded to a port of the pod. */
export interface ForwardedPort {
  local: number;
  remote: number;
}

/** One address to listen on; `all`: the port fails only if every `all` address fails (localhost); `any`: if this one does. */
export interface ListenAddress {
  address: string;
  family: 4 | 6;
  failureMode: 'all' | 'any';
}

/** kubectl's splitPort: "[LOCAL:]REMOTE" into its two parts (REMOTE alone is both). */
export function splitPort(port: string): [string, string] {
  const parts = port.split(':');
  return parts.length === 2 ? [parts[0]!, parts[1]!] : [parts[0]!, parts[0]!];
}

/** Go's strconv.Atoi, enough to tell a port number from a port name. */
function atoi(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? Number(s) : undefined;
}

/** LookupContainerPortNumberByName: the number of a named container port. */
export function containerPortByName(pod: Pod, name: string): number {
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === name) return p.containerPort;
  }
  throw new Error(`Pod '${pod.metadata.name ?? ''}' does not have a named port '${name}'`);
}

/** LookupServicePortNumberByName: the number of a named service port. */
export function servicePortByName(svc: Service, name: string): number {
  for (const p of svc.spec?.ports ?? []) if (p.name === name) return p.port;
  throw new Error(`Service '${svc.metadata.name ?? ''}' does not have a named port '${name}'`);
}

/**
 * LookupContainerPortNumberByServicePort: the pod port a service port leads to: its
 * targetPort (a number, or a name looked up in the pod), the port itself when
 * targetPort is left out or the service is headless.
 */
export function containerPortForServicePort(svc: Service, pod: Pod, port: number): number {
  for (const sp of svc.spec?.ports ?? []) {
    if (sp.port !== port) continue;
    if (svc.spec?.clusterIP === 'None') return port;
    const target = sp.targetPort;
    if (target === undefined || typeof target === 'number') return target ? target : sp.port;
    return containerPortByName(pod, target);
  }
  throw new Error(`Service ${svc.metadata.name ?? ''} does not have a service port ${port}`);
}

/** translateServicePortToTargetPort: each "[LOCAL:]SERVICE_PORT" (a number or a name) as "[LOCAL:]POD_PORT". */
export function translateServicePorts(ports: readonly string[], svc: Service, pod: Pod): string[] {
  return ports.map((spec) => {
    let [local, remote] = splitPort(spec);
    let portnum = atoi(remote);
    if (portnum === undefined) {
      portnum = servicePortByName(svc, remote);
      if (local === remote) local = String(portnum);
    }
    remote = String(containerPortForServicePort(svc, pod, portnum));
    return local !== remote ? `${local}:${remote}` : remote;
  });
}

/** convertPodNamedPortToNumber: each "[LOCAL:]PORT" with a named pod port as its number. */
export function convertPodNamedPorts(ports: readonly string[], pod: Pod): string[] {
  return ports.map((spec) => {
    const [local, remote] = splitPort(spec);
    if (remote === '') throw new Error('remote port cannot be empty');
    const number = atoi(remote) === undefined ? String(containerPortByName(pod, remote)) : remote;
    return local !== remote ? `${local}:${number}` : number;
  });
}

/** checkUDPPorts: kubectl refuses to forward to a port that is UDP only. */
function checkUdpPorts(udpOnly: ReadonlySet<number>, ports: readonly string[], byName: (name: string) => number): void {
  for (const spec of ports) {
    const [, remote] = splitPort(spec);
    const n = atoi(remote) ?? byName(remote);
    if (udpOnly.has(n)) throw new Error(`UDP protocol is not supported for ${remote}`);
  }
}

function udpOnly(ports: { port: number; protocol?: string }[]): Set<number> {
  const udp = new Set(ports.filter((p) => p.protocol === 'UDP').map((p) => p.port));
  for (const p of ports) if ((p.protocol ?? 'TCP') === 'TCP') udp.delete(p.port);
  return udp;
}

export function checkUdpPortsInService(ports: readonly string[], svc: Service): void {
  checkUdpPorts(udpOnly((svc.spec?.ports ?? []).map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' }))), ports, (n) => servicePortByName(svc, n));
}

export function checkUdpPortsInPod(ports: readonly string[], pod: Pod): void {
  const all = (pod.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => ({ port: p.containerPort, protocol: p.protocol ?? 'TCP' })));
  checkUdpPorts(udpOnly(all), ports, (n) => containerPortByName(pod, n));
}

/** Go's strconv.ParseUint(s, 10, 16), with its error text. */
function parseUint16(s: string): number {
  if (!/^\d+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n > 65535) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** client-go's parsePorts: "REMOTE", "LOCAL:REMOTE" or ":REMOTE" (a free local port). */
export function parsePorts(ports: readonly string[]): ForwardedPort[] {
  return ports.map((spec) => {
    const parts = spec.split(':');
    if (parts.length > 2) throw new Error(`invalid port format '${spec}'`);
    const localText = parts.length === 1 ? parts[0]! : parts[0] || '0';
    const remoteText = parts.length === 1 ? parts[0]! : parts[1]!;
    let local: number;
    let remote: number;
    try {
      local = parseUint16(localText);
    } catch (err) {
      throw new Error(`error parsing local port '${localText}': ${(err as Error).message}`);
    }
    try {
      remote = parseUint16(remoteText);
    } catch (err) {
      throw new Error(`error parsing remote port '${remoteText}': ${(err as Error).message}`);
    }
    if (remote === 0) throw new Error('remote port must be > 0');
    return { local, remote };
  });
}

/**
 * client-go's parseAddresses: "localhost" is 127.0.0.1 and ::1 (the port works if
 * either can listen), an IP address is itself (it must listen); duplicates once,
 * sorted as strings.
 */
export function parseAddresses(addresses: readonly string[]): ListenAddress[] {
  const parsed = new Map<string, ListenAddress>();
  for (const address of addresses) {
    if (address === 'localhost') {
      if (!parsed.has('127.0.0.1')) parsed.set('127.0.0.1', { address: '127.0.0.1', family: 4, failureMode: 'all' });
      if (!parsed.has('::1')) parsed.set('::1', { address: '::1', family: 6, failureMode: 'all' });
    } else if (isIP(address) === 4) {
      parsed.set(address, { address, family: 4, failureMode: 'any' });
    } else if (isIP(address) === 6) {
      parsed.set(address, { address, family: 6, failureMode: 'any' });
    } else {
      throw new Error(`${address} is not a valid IP`);
    }
  }
  return [...parsed.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

/** client-go's getListener error: Go's listen error, wrapped. */
export function listenerErrorText(a: ListenAddress, port: number, err: Error & { code?: string }): string {
  return `unable to create listener: Error ${listenErrorText(`tcp${a.family}`, joinHostPort(a.address, port), err)}`;
}
