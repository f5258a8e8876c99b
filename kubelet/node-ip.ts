// The node's address when --node-ip is not given, as the kubelet picks it: the first
// non-loopback IPv4 address of this machine (127.0.0.1 when there is none). Also what
// `npm run cluster` names in the kubelet's serving certificate.
import { networkInterfaces } from 'node:os';

export function defaultNodeIP(interfaces = networkInterfaces()): string {
  for (const addrs of Object.values(interfaces)) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
