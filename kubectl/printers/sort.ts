// --sort-by: kubectl's TableSorter and RuntimeSorter (kubectl/pkg/cmd/get/sorter.go).
// The field is a relaxed JSONPath (".metadata.name", "{.status.startTime}") evaluated on
// each object; strings compare naturally ("pod2" < "pod10") unless both are quantities
// ("250m" < "1"), numbers by value; objects without the field sort first.
import type { Table } from '../../api/types/meta.js';
import { JsonPath, relaxedJsonPath } from './jsonpath.js';

/** fvbommel/sortorder's NaturalLess: digit runs compare as numbers. */
export function naturalLess(a: string, b: string): boolean {
  let i = 0;
  let j = 0;
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
  while (i < a.length && j < b.length) {
    const c1 = a[i]!;
    const c2 = b[j]!;
    const d1 = isDigit(c1);
    const d2 = isDigit(c2);
    if (d1 !== d2) return d1;
    if (!d1) {
      if (c1 !== c2) return c1 < c2;
      i++;
      j++;
      continue;
    }
    while (i < a.length && a[i] === '0') i++;
    while (j < b.length && b[j] === '0') j++;
    const nz1 = i;
    const nz2 = j;
    while (i < a.length && isDigit(a[i])) i++;
    while (j < b.length && isDigit(b[j])) j++;
    if (i - nz1 !== j - nz2) return i - nz1 < j - nz2;
    const n1 = a.slice(nz1, i);
    const n2 = b.slice(nz2, j);
    if (n1 !== n2) return n1 < n2;
    if (nz1 !== nz2) return nz1 < nz2;
  }
  return a.length < b.length;
}

const SUFFIX: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The value of a resource.Quantity string ("250m", "1Gi", "1e3"), or undefined when it is not one. */
export function quantityValue(s: string): number | undefined {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei))?$/.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2]) return n * 10 ** Number(m[2].slice(1));
  return n * SUFFIX[m[3] ?? '']!;
}

/** kubectl's isLess on two JSON values; throws for values it cannot order. */
export function isLess(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    const qa = quantityValue(a);
    const qb = qa === undefined ? undefined : quantityValue(b);
    if (qa !== undefined && qb !== undefined) return qa < qb;
    return naturalLess(a, b);
  }
  if (typeof a === 'number' && typeof b === 'number') return a < b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return !a && b;
  if (a === null || b === null) return a === null && b !== null;
  throw new Error(`unsortable type: ${Array.isArray(a) ? 'slice' : typeof a}`);
}

/** The first value the field finds in obj, or undefined. */
function sortValue(path: JsonPath, obj: unknown): { found: boolean; value?: unknown } {
  const results = path.findResults(obj);
  if (results.length === 0 || results[0]!.length === 0) return { found: false };
  return { found: true, value: results[0]![0] };
}

function compileSortField(field: string): JsonPath {
  let expr: string;
  try {
    expr = relaxedJsonPath(field);
  } catch {
    expr = field;
  }
  try {
    return new JsonPath(expr, { allowMissingKeys: true });
  } catch (err) {
    throw new Error(`sorting error: ${(err as Error).message}`);
  }
}

/** Sorts items (stable) by the field; rows without it first. Throws when no item has it. */
export function sortByField<T>(items: T[], field: string, objectOf: (item: T) => unknown): T[] {
  if (items.length <= 1) return items;
  const path = compileSortField(field);
  const keyed = items.map((item) => ({ item, ...sortValue(path, objectOf(item)) }));
  if (!keyed.some((k) => k.found)) {
    throw new Error(`couldn't find any field with path "${relaxedOrSame(field)}" in the list of objects`);
  }
  const sorted = [...keyed].sort((x, y) => {
    if (!x.found) return y.found ? -1 : 0;
    if (!y.found) return 1;
    if (isLess(x.value, y.value)) return -1;
    if (isLess(y.value, x.value)) return 1;
    return 0;
  });
  return sorted.map((k) => k.item);
}

function relaxedOrSame(field: string): string {
  try {
    return relaxedJsonPath(field);
  } catch {
    return field;
  }
}

/** A copy of a Table (rows must carry whole objects) with its rows sorted. */
export function sortTable(table: Table, field: string): Table {
  if (table.rows.length <= 1) return table;
  return { ...table, rows: sortByField(table.rows, field, (r) => r.object) };
}
