// --runtime-config: key=value pairs switching API group versions on or off, as
// kube-apiserver's flag. Only the group versions that can be switched here are
// accepted (metrics.k8s.io/v1beta1, the Metrics API, on by default: metrics-server serves
// it through its APIService, and switched off the aggregator neither proxies nor lists
// it); any other key is refused at start with the reason, rather than silently ignored.

/** The group versions --runtime-config may switch, with their defaults. */
const SWITCHABLE: Record<string, boolean> = { 'metrics.k8s.io/v1beta1': true };

/** Which switchable group versions are on; throws on a key or value it cannot honour. */
export function parseRuntimeConfig(flag: string | undefined): Map<string, boolean> {
  const out = new Map(Object.entries(SWITCHABLE));
  for (const pair of (flag ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? 'true' : pair.slice(eq + 1);
    if (!(key in SWITCHABLE)) throw new Error(`--runtime-config: ${key} cannot be switched here (only ${Object.keys(SWITCHABLE).join(', ')})`);
    if (value !== 'true' && value !== 'false') throw new Error(`--runtime-config: invalid value ${JSON.stringify(value)} for ${key}: true or false`);
    out.set(key, value === 'true');
  }
  return out;
}
