// Kubernetes' CEL libraries (k8s.io/apiserver/pkg/cel/library) on top of cel-js's
// standard library and strings extension: lists, regex and url.
import type { Environment } from '@marcbachmann/cel-js';
import { parseQuantityExact, isValidQuantity, formatQuantity, type Quantity } from '../quantity.js';

type Env = Environment;

const cmp = (a: unknown, b: unknown): number => {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return 0;
};

const toArray = (l: unknown): unknown[] => (Array.isArray(l) ? l : [...(l as Iterable<unknown>)]);

function celEqual(a: unknown, b: unknown): boolean {
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    return Number(a) === Number(b);
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => celEqual(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => celEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

const regexCache = new Map<string, RegExp>();
function regex(pattern: string, flags = 'u'): RegExp {
  const k = `${flags}/${pattern}`;
  let re = regexCache.get(k);
  if (!re) {
    re = new RegExp(pattern, flags);
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(k, re);
  }
  return re;
}

class SetsNamespace {}

/** Registers Kubernetes' lists, regex and url functions on env. */
export function registerKubernetesLibraries(env: Env): void {
  const comparable = ['int', 'uint', 'double', 'string', 'bool', 'bytes', 'google.protobuf.Duration', 'google.protobuf.Timestamp'];
  for (const t of comparable) {
    env.registerFunction(`list<${t}>.isSorted(): bool`, (l: unknown) => {
      const a = toArray(l);
      for (let i = 1; i < a.length; i++) if (cmp(a[i - 1], a[i]) > 0) return false;
      return true;
    });
    env.registerFunction(`list<${t}>.min(): ${t}`, (l: unknown) => {
      const a = toArray(l);
      if (!a.length) throw new Error('min called on empty list');
      return a.reduce((m, x) => (cmp(x, m) < 0 ? x : m));
    });
    env.registerFunction(`list<${t}>.max(): ${t}`, (l: unknown) => {
      const a = toArray(l);
      if (!a.length) throw new Error('max called on empty list');
      return a.reduce((m, x) => (cmp(x, m) > 0 ? x : m));
    });
  }
  env.registerFunction('list<int>.sum(): int', (l: unknown) => toArray(l).reduce<bigint>((s, x) => s + (x as bigint), 0n));
  env.registerFunction('list<double>.sum(): double', (l: unknown) => toArray(l).reduce<number>((s, x) => s + (x as number), 0));
  env.registerFunction('list<dyn>.indexOf(dyn): int', (l: unknown, v: unknown) => BigInt(toArray(l).findIndex((x) => celEqual(x, v))));
  env.registerFunction('list<dyn>.lastIndexOf(dyn): int', (l: unknown, v: unknown) => {
    const a = toArray(l);
    for (let i = a.length - 1; i >= 0; i--) if (celEqual(a[i], v)) return BigInt(i);
    return -1n;
  });

  // cel-go's strings extension beyond what cel-js ships.
  env.registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) => s.split(a).join(b));
  env.registerFunction('string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) => {
    if (n < 0n) return s.split(a).join(b);
    let out = s;
    let from = 0;
    for (let i = 0n; i < n; i++) {
      const at = out.indexOf(a, from);
      if (at < 0) break;
      out = out.slice(0, at) + b + out.slice(at + a.length);
      from = at + b.length;
    }
    return out;
  });
  env.registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
    const cps = [...s];
    if (i < 0n || i > BigInt(cps.length)) throw new Error(`index out of range: ${i}`);
    return cps[Number(i)] ?? '';
  });
  env.registerFunction('string.reverse(): string', (s: string) => [...s].reverse().join(''));
  // cel-go's lists and sets extensions; sets.* hangs off a namespace constant as cel-js's optional.* does.
  env.registerType('SetsNamespace', SetsNamespace);
  env.registerConstant('sets', 'SetsNamespace', new SetsNamespace());
  env.registerFunction('list<dyn>.slice(int, int): list<dyn>', (l: unknown, a: bigint, b: bigint) => {
    const arr = toArray(l);
    if (a < 0n || b < a || b > BigInt(arr.length)) throw new Error(`cannot slice(${a}, ${b}), invalid range`);
    return arr.slice(Number(a), Number(b));
  });
  env.registerFunction('list<dyn>.flatten(): list<dyn>', (l: unknown) => toArray(l).flatMap((x) => (Array.isArray(x) ? x : [x])));
  env.registerFunction('SetsNamespace.contains(list<dyn>, list<dyn>): bool', (_: unknown, a: unknown, b: unknown) => {
    const aa = toArray(a);
    return toArray(b).every((x) => aa.some((y) => celEqual(x, y)));
  });
  env.registerFunction('SetsNamespace.equivalent(list<dyn>, list<dyn>): bool', (_: unknown, a: unknown, b: unknown) => {
    const aa = toArray(a);
    const bb = toArray(b);
    return bb.every((x) => aa.some((y) => celEqual(x, y))) && aa.every((x) => bb.some((y) => celEqual(x, y)));
  });
  env.registerFunction('SetsNamespace.intersects(list<dyn>, list<dyn>): bool', (_: unknown, a: unknown, b: unknown) => {
    const aa = toArray(a);
    return toArray(b).some((x) => aa.some((y) => celEqual(x, y)));
  });

  env.registerFunction('string.find(string): string', (s: string, p: string) => s.match(regex(p))?.[0] ?? '');
  env.registerFunction('string.findAll(string): list<string>', (s: string, p: string) => [...s.matchAll(regex(p, 'gu'))].map((m) => m[0]));
  env.registerFunction('string.findAll(string, int): list<string>', (s: string, p: string, n: bigint) => {
    const all = [...s.matchAll(regex(p, 'gu'))].map((m) => m[0]);
    return n < 0n ? all : all.slice(0, Number(n));
  });

  // Kubernetes' quantity library (k8s.io/apiserver/pkg/cel/library/quantity.go).
  const Q = 'kubernetes.Quantity';
  env.registerType(Q, KubeQuantity);
  env.registerFunction('isQuantity(string): bool', (v: string) => isValidQuantity(v));
  env.registerFunction(`quantity(string): ${Q}`, (v: string) => new KubeQuantity(parseQuantityExact(v)));
  env.registerFunction(`${Q}.isInteger(): bool`, (q: KubeQuantity) => q.q.nanos % NANO === 0n);
  env.registerFunction(`${Q}.asInteger(): int`, (q: KubeQuantity) => {
    if (q.q.nanos % NANO !== 0n) throw new Error('cannot convert value to integer');
    return q.q.nanos / NANO;
  });
  env.registerFunction(`${Q}.asApproximateFloat(): double`, (q: KubeQuantity) => Number(q.q.nanos) / 1e9);
  env.registerFunction(`${Q}.sign(): int`, (q: KubeQuantity) => (q.q.nanos > 0n ? 1n : q.q.nanos < 0n ? -1n : 0n));
  env.registerFunction(`${Q}.compareTo(${Q}): int`, (a: KubeQuantity, b: KubeQuantity) => (a.q.nanos < b.q.nanos ? -1n : a.q.nanos > b.q.nanos ? 1n : 0n));
  env.registerFunction(`${Q}.isGreaterThan(${Q}): bool`, (a: KubeQuantity, b: KubeQuantity) => a.q.nanos > b.q.nanos);
  env.registerFunction(`${Q}.isLessThan(${Q}): bool`, (a: KubeQuantity, b: KubeQuantity) => a.q.nanos < b.q.nanos);
  env.registerFunction(`${Q}.add(${Q}): ${Q}`, (a: KubeQuantity, b: KubeQuantity) => a.with(a.q.nanos + b.q.nanos));
  env.registerFunction(`${Q}.add(int): ${Q}`, (a: KubeQuantity, b: bigint) => a.with(a.q.nanos + b * NANO));
  env.registerFunction(`${Q}.sub(${Q}): ${Q}`, (a: KubeQuantity, b: KubeQuantity) => a.with(a.q.nanos - b.q.nanos));
  env.registerFunction(`${Q}.sub(int): ${Q}`, (a: KubeQuantity, b: bigint) => a.with(a.q.nanos - b * NANO));
  env.registerOperator(`${Q} == ${Q}`, (a: KubeQuantity, b: KubeQuantity) => a.q.nanos === b.q.nanos);

  env.registerType('kubernetes.URL', KubeURL);
  env.registerFunction('isURL(string): bool', (v: string) => KubeURL.parse(v) !== undefined);
  env.registerFunction('url(string): kubernetes.URL', (v: string) => {
    const u = KubeURL.parse(v);
    if (!u) throw new Error(`URL parse error during conversion from string: ${v}`);
    return u;
  });
  env.registerFunction('kubernetes.URL.getScheme(): string', (u: KubeURL) => u.scheme);
  env.registerFunction('kubernetes.URL.getHost(): string', (u: KubeURL) => u.host);
  env.registerFunction('kubernetes.URL.getHostname(): string', (u: KubeURL) => u.hostname);
  env.registerFunction('kubernetes.URL.getPort(): string', (u: KubeURL) => u.port);
  env.registerFunction('kubernetes.URL.getEscapedPath(): string', (u: KubeURL) => u.path);
  env.registerFunction('kubernetes.URL.getQuery(): map<string, list<string>>', (u: KubeURL) => u.query());
}

const NANO = 1_000_000_000n;

/** A resource quantity ("250m", "1Gi") as Kubernetes' quantity() returns it. */
class KubeQuantity {
  constructor(readonly q: Quantity) {}

  with(nanos: bigint): KubeQuantity {
    return new KubeQuantity({ nanos, format: this.q.format });
  }

  toString(): string {
    return formatQuantity(this.q);
  }
}

/**
 * A URL as Kubernetes' url library sees it (Go's url.Parse, requiring an absolute URI
 * with a scheme or an absolute path).
 */
class KubeURL {
  private constructor(readonly scheme: string, readonly host: string, readonly hostname: string, readonly port: string,
    readonly path: string, private readonly search: string) {}

  static parse(v: string): KubeURL | undefined {
    if (v.startsWith('/')) {
      const [path, search = ''] = v.split('?', 2);
      return new KubeURL('', '', '', '', path, search);
    }
    if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(v)) return undefined;
    try {
      const u = new URL(v);
      const hostname = u.hostname.replace(/^\[(.*)\]$/, '$1');
      return new KubeURL(u.protocol.replace(/:$/, ''), u.host, hostname, u.port, u.pathname, u.search.replace(/^\?/, ''));
    } catch {
      return undefined;
    }
  }

  query(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [k, val] of new URLSearchParams(this.search)) out.set(k, [...(out.get(k) ?? []), val]);
    return out;
  }
}
