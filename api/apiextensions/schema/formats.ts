// String formats a CRD schema may check (apiextensions-apiserver keeps only these;
// StripUnsupportedFormatsPostProcess drops any other format before validation), with
// kube-openapi's strfmt rules simplified to what their regular expressions accept.

const isIPv4 = (v: string): boolean =>
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(v);

function isIPv6(v: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(v) || !v.includes(':')) return false;
  const parts = v.split('::');
  if (parts.length > 2) return false;
  const groups = (p: string): string[] | null => {
    if (!p) return [];
    const g = p.split(':');
    const last = g[g.length - 1];
    if (last.includes('.')) {
      if (!isIPv4(last)) return null;
      g.splice(g.length - 1, 1, '0', '0');
    }
    return g.every((x) => /^[0-9a-fA-F]{1,4}$/.test(x)) ? g : null;
  };
  const a = groups(parts[0]);
  const b = parts.length === 2 ? groups(parts[1]) : [];
  if (!a || !b) return false;
  return parts.length === 2 ? a.length + b.length < 8 : a.length === 8;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const checks: Record<string, (v: string) => boolean> = {
  'date-time': (v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v.replace(' ', 'T'))),
  datetime: (v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v.replace(' ', 'T'))),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)),
  duration: (v) => /^[-+]?(\d+(\.\d+)?\s*(ns|us|µs|ms|s|m|h|d|w)\s*)+$/.test(v.trim()) || v === '0',
  uuid: (v) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(v),
  uuid3: (v) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(v),
  uuid4: (v) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i.test(v),
  uuid5: (v) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i.test(v),
  ipv4: isIPv4,
  ipv6: isIPv6,
  cidr: (v) => {
    const [ip, bits, ...rest] = v.split('/');
    if (rest.length || bits === undefined || !/^\d+$/.test(bits)) return false;
    return isIPv4(ip) ? Number(bits) <= 32 : isIPv6(ip) && Number(bits) <= 128;
  },
  mac: (v) => /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(v),
  hostname: (v) => v.length <= 255 && /^([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*\.?$/.test(v),
  email: (v) => /^[^\s@]+@[^\s@]+$/.test(v),
  uri: (v) => { try { return Boolean(new URL(v)); } catch { return false; } },
  byte: (v) => /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0,
  hexcolor: (v) => /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(v),
  rgbcolor: (v) => /^rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)$/.test(v),
  bsonobjectid: (v) => /^[0-9a-fA-F]{24}$/.test(v),
  isbn10: (v) => /^\d{9}[\dX]$/.test(v.replace(/[- ]/g, '')),
  isbn13: (v) => /^\d{13}$/.test(v.replace(/[- ]/g, '')),
  isbn: (v) => /^(\d{9}[\dX]|\d{13})$/.test(v.replace(/[- ]/g, '')),
  creditcard: (v) => /^\d{12,19}$/.test(v.replace(/[- ]/g, '')),
  ssn: (v) => /^\d{3}[- ]?\d{2}[- ]?\d{4}$/.test(v),
  password: () => true,
};

/** The formats a CRD schema may validate; others are ignored as Kubernetes ignores them. */
export const SUPPORTED_FORMATS: readonly string[] = Object.keys(checks);

/** True when value fails the named format; unknown formats never fail. */
export function validateFormat(format: string, value: string): boolean {
  const check = checks[format];
  return check ? !check(value) : false;
}
