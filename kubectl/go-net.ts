// Go's net package as kubectl's messages show it: host:port joined and split as
// net.JoinHostPort and net.SplitHostPort do, and a failed listen worded as Go's
// *net.OpError ("listen tcp4 127.0.0.1:8080: bind: address already in use").

/** net.JoinHostPort: "127.0.0.1:8080", "[::1]:8080". */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** net.SplitHostPort; undefined where Go returns an error (no port, too many colons, bad brackets). */
export function splitHostPort(hostport: string): { host: string; port: string } | undefined {
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    if (end === -1 || hostport[end + 1] !== ':') return undefined;
    const host = hostport.slice(1, end);
    const port = hostport.slice(end + 2);
    return port.includes(':') || port.includes('[') || port.includes(']') ? undefined : { host, port };
  }
  const i = hostport.lastIndexOf(':');
  if (i === -1) return undefined;
  const host = hostport.slice(0, i);
  if (host.includes(':') || host.includes('[') || host.includes(']')) return undefined;
  return { host, port: hostport.slice(i + 1) };
}

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'bind: address already in use',
  EADDRNOTAVAIL: 'bind: cannot assign requested address',
  EACCES: 'bind: permission denied',
  EAFNOSUPPORT: 'socket: address family not supported by protocol',
};

/** A failed listen as Go words it; network is "tcp", "tcp4", "tcp6" or "unix". */
export function listenErrorText(network: string, address: string, err: Error & { code?: string }): string {
  return `listen ${network} ${address}: ${(err.code && LISTEN_ERRORS[err.code]) ?? err.message}`;
}
