// Kubernetes' CEL libraries (k8s.io/apiserver/pkg/cel/library) on top of cel-js's
// standard library and strings extension: lists, regex and url.
import type { Environment } from '@marcbachmann/cel-js';

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

  env.registerFunction('string.find(string): string', (s: string, p: string) => s.match(regex(p))?.[0] ?? '');
  env.registerFunction('string.findAll(string): list<string>', (s: string, p: string) => [...s.matchAll(regex(p, 'gu'))].map((m) => m[0]));
  env.registerFunction('string.findAll(string, int): list<string>', (s: string, p: string, n: bigint) => {
    const all = [...s.matchAll(regex(p, 'gu'))].map((m) => m[0]);
    return n < 0n ? all : all.slice(0, Number(n));
  });

  env.registerFunction('isURL(string): bool', (s: string) => parseURL(s) !== undefined);
  env.registerFunction('url(string): map<string, string>', (s: string) => {
    const u = parseURL(s);
    if (!u) throw new Error(`URL parse error during conversion from string: ${s}`);
    return u;
  });
}

/** A URL as Kubernetes' url() sees it; represented as a map so getScheme() etc. are map reads. */
function parseURL(s: string): Record<string, string> | undefined {
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(s) && !s.startsWith('/')) return undefined;
  try {
    const u = new URL(s, 'http://placeholder.invalid');
    return { scheme: s.startsWith('/') ? '' : u.protocol.replace(/:$/, ''), host: s.startsWith('/') ? '' : u.host, path: u.pathname, query: u.search.replace(/^\?/, '') };
  } catch {
    return undefined;
  }
}
