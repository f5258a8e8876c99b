// Field paths and sets of them, as sigs.k8s.io/structured-merge-diff's fieldpath package
// keeps them: what a manager owns in an object, serialized in managedFields as FieldsV1
// (`f:spec`, `k:{"name":"c"}`, `v:"x"`, `i:0`, and `.` for an element that is itself
// a member as well as the parent of members).

/** One step into a value: a field of a map, an item of an associative list by its keys, a set item by value, an atomic list's index. */
export type PathElement =
  | { readonly field: string }
  | { readonly key: readonly (readonly [string, unknown])[] }
  | { readonly value: unknown }
  | { readonly index: number };

export type Path = readonly PathElement[];

/** Go's encoding of a JSON value, as jsoniter writes it in path elements (no spaces, keys sorted). */
function goJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${goJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** The FieldsV1 key of a path element: `f:name`, `k:{"name":"c"}`, `v:"x"`, `i:0`. */
export function serializeElement(pe: PathElement): string {
  if ('field' in pe) return `f:${pe.field}`;
  if ('key' in pe) return `k:{${pe.key.map(([k, v]) => `${JSON.stringify(k)}:${goJson(v)}`).join(',')}}`;
  if ('value' in pe) return `v:${goJson(pe.value)}`;
  return `i:${pe.index}`;
}

/** Parses a FieldsV1 key; throws on anything else. */
export function parseElement(s: string): PathElement {
  if (s.length < 2) throw new Error('key must be 2 characters long:');
  if (s[1] !== ':') throw new Error(`missing colon: ${s}`);
  const body = s.slice(2);
  switch (s[0]) {
    case 'f': return { field: body };
    case 'v': return { value: JSON.parse(body) as unknown };
    case 'k': {
      const obj = JSON.parse(body) as unknown;
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new Error(`expected an object in ${s}`);
      return { key: Object.entries(obj).sort(([a], [b]) => compareStrings(a, b)) };
    }
    case 'i': {
      if (!/^-?\d+$/.test(body)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(body)}: invalid syntax`);
      return { index: Number(body) };
    }
    default: throw new Error('unknown path element type');
  }
}

/** value.ToString: how a value reads in a path (`[name="c"]`, `[=80]`). */
function valueToString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(valueToString).join(',')}]`;
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k}=${valueToString(x)}`).join('');
  return String(v);
}

/** A path as Kubernetes prints it in conflicts: `.spec.replicas`, `.spec.containers[name="c"].image`. */
export function pathString(p: Path): string {
  return p.map((pe) => {
    if ('field' in pe) return `.${pe.field}`;
    if ('key' in pe) return `[${pe.key.map(([k, v]) => `${k}=${valueToString(v)}`).join(',')}]`;
    if ('value' in pe) return `[=${valueToString(pe.value)}]`;
    return `[${pe.index}]`;
  }).join('');
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** value.Compare: a total order over values (floats, ints, strings, bools, lists, maps, null). */
export function compareValues(a: unknown, b: unknown): number {
  const rank = (v: unknown): number => {
    if (typeof v === 'number') return isInt(v) ? 1 : 0;
    if (typeof v === 'string') return 2;
    if (typeof v === 'boolean') return 3;
    if (Array.isArray(v)) return 4;
    if (v !== null && typeof v === 'object') return 5;
    return 6;
  };
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (typeof a === 'string') return compareStrings(a, b as string);
  if (typeof a === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (Array.isArray(a)) {
    const bl = b as unknown[];
    for (let i = 0; i < Math.min(a.length, bl.length); i++) {
      const c = compareValues(a[i], bl[i]);
      if (c) return c;
    }
    return a.length === bl.length ? 0 : a.length < bl.length ? -1 : 1;
  }
  if (a !== null && typeof a === 'object') return compareStrings(goJson(a), goJson(b));
  return 0;
}

/** PathElement.Compare: fields first (by name), then keys, then values, then indexes. */
export function compareElements(a: PathElement, b: PathElement): number {
  const rank = (pe: PathElement): number => ('field' in pe ? 0 : 'key' in pe ? 1 : 'value' in pe ? 2 : 3);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if ('field' in a) return compareStrings(a.field, (b as { field: string }).field);
  if ('key' in a) {
    const bk = (b as { key: readonly (readonly [string, unknown])[] }).key;
    for (let i = 0; ; i++) {
      if (i >= a.key.length && i >= bk.length) return 0;
      if (i >= a.key.length) return -1;
      if (i >= bk.length) return 1;
      const c = compareStrings(a.key[i][0], bk[i][0]) || compareValues(a.key[i][1], bk[i][1]);
      if (c) return c;
    }
  }
  if ('value' in a) return compareValues(a.value, (b as { value: unknown }).value);
  const bi = (b as { index: number }).index;
  return a.index < bi ? -1 : a.index > bi ? 1 : 0;
}

/**
 * A set of paths, as fieldpath.Set: the path elements that are members here, and for
 * each element with members below it, the set below. Sets are values: operations
 * return new sets and never change their operands.
 */
export class FieldSet {
  /** Serialized element -> element. */
  readonly members = new Map<string, PathElement>();
  /** Serialized element -> [element, the set below it]. */
  readonly children = new Map<string, [PathElement, FieldSet]>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Adds path (in place: for building a set). */
  insert(path: Path): void {
    if (path.length === 0) return;
    let s: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) s = s.descend(path[i]);
    const last = path[path.length - 1];
    s.members.set(serializeElement(last), last);
  }

  /** The set below pe, created if absent (in place). k: serializeElement(pe), when the caller has it. */
  descend(pe: PathElement, k = serializeElement(pe)): FieldSet {
    let child = this.children.get(k);
    if (!child) {
      child = [pe, new FieldSet()];
      this.children.set(k, child);
    }
    return child[1];
  }

  has(path: Path): boolean {
    if (path.length === 0) return false;
    let s: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && s; i++) s = s.children.get(serializeElement(path[i]))?.[1];
    return s !== undefined && s.members.has(serializeElement(path[path.length - 1]));
  }

  empty(): boolean {
    if (this.members.size) return false;
    for (const [, c] of this.children.values()) if (!c.empty()) return false;
    return true;
  }

  /** The set below pe (empty when none). */
  withPrefix(pe: PathElement): FieldSet {
    return this.children.get(serializeElement(pe))?.[1] ?? new FieldSet();
  }

  /** Adds every path of o to this set (in place, for sets being built); adopt: take o's nodes instead of copying (o is not used again). */
  unionInPlace(o: FieldSet, adopt = false): FieldSet {
    for (const [k, pe] of o.members) this.members.set(k, pe);
    for (const [k, [pe, c]] of o.children) {
      const mine = this.children.get(k);
      if (mine) mine[1].unionInPlace(c, adopt);
      else this.children.set(k, [pe, adopt ? c : c.copy()]);
    }
    return this;
  }

  /** Removes (in place) the members of o at each level (what is below them stays); returns this. */
  differenceInPlace(o: FieldSet): FieldSet {
    for (const k of o.members.keys()) this.members.delete(k);
    for (const [k, [, c]] of o.children) {
      const mine = this.children.get(k);
      if (!mine) continue;
      mine[1].differenceInPlace(c);
      if (mine[1].members.size === 0 && mine[1].children.size === 0) this.children.delete(k);
    }
    return this;
  }

  /** Removes (in place) every member of o with everything below it, and o's paths below; returns this. */
  recursiveDifferenceInPlace(o: FieldSet): FieldSet {
    for (const k of o.members.keys()) {
      this.members.delete(k);
      this.children.delete(k);
    }
    for (const [k, [, c]] of o.children) {
      const mine = this.children.get(k);
      if (!mine) continue;
      mine[1].recursiveDifferenceInPlace(c);
      if (mine[1].members.size === 0 && mine[1].children.size === 0) this.children.delete(k);
    }
    return this;
  }

  union(o: FieldSet): FieldSet {
    const out = this.copy();
    for (const [k, pe] of o.members) out.members.set(k, pe);
    for (const [k, [pe, c]] of o.children) {
      const mine = out.children.get(k);
      out.children.set(k, [pe, mine ? mine[1].union(c) : c.copy()]);
    }
    return out;
  }

  /** Members of this not in o, at each level (children of o's members stay). */
  difference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!o.members.has(k)) out.members.set(k, pe);
    for (const [k, [pe, c]] of this.children) {
      const theirs = o.children.get(k);
      const d = theirs ? c.difference(theirs[1]) : c.copy();
      if (!d.empty()) out.children.set(k, [pe, d]);
    }
    return out;
  }

  /** Like difference, and everything below a member of o goes too. */
  recursiveDifference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (!o.members.has(k)) out.members.set(k, pe);
    for (const [k, [pe, c]] of this.children) {
      if (o.members.has(k)) continue;
      const theirs = o.children.get(k);
      const d = theirs ? c.recursiveDifference(theirs[1]) : c.copy();
      if (!d.empty()) out.children.set(k, [pe, d]);
    }
    return out;
  }

  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) if (o.members.has(k)) out.members.set(k, pe);
    for (const [k, [pe, c]] of this.children) {
      const theirs = o.children.get(k);
      if (!theirs) continue;
      const i = c.intersection(theirs[1]);
      if (!i.empty()) out.children.set(k, [pe, i]);
    }
    return out;
  }

  copy(): FieldSet {
    const out = new FieldSet();
    for (const [k, pe] of this.members) out.members.set(k, pe);
    for (const [k, [pe, c]] of this.children) out.children.set(k, [pe, c.copy()]);
    return out;
  }

  equals(o: FieldSet): boolean {
    return this.difference(o).empty() && o.difference(this).empty();
  }

  /** Every member path, in the set's order (elements sorted as Kubernetes sorts them). */
  paths(): Path[] {
    const out: Path[] = [];
    const walk = (s: FieldSet, prefix: PathElement[]): void => {
      const elems = new Map<string, PathElement>([...s.members, ...[...s.children].map(([k, [pe]]) => [k, pe] as [string, PathElement])]);
      for (const [k, pe] of sortedEntries(elems)) {
        if (s.members.has(k)) out.push([...prefix, pe]);
        const child = s.children.get(k);
        if (child) walk(child[1], [...prefix, pe]);
      }
    };
    walk(this, []);
    return out;
  }

  /** FieldsV1: the JSON object managedFields holds, keys in Kubernetes' order. */
  toFieldsV1(): Record<string, unknown> {
    return this.emit(false);
  }

  private emit(includeSelf: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (includeSelf && !(this.members.size === 0 && this.children.size === 0)) out['.'] = {};
    for (const k of this.sortedKeys()) {
      const child = this.children.get(k);
      out[k] = child ? child[1].emit(this.members.has(k)) : {};
    }
    return out;
  }

  /** The serialized elements of members and children, in Kubernetes' order. */
  private sortedKeys(): string[] {
    const keys: string[] = [];
    let fieldsOnly = true;
    for (const k of this.members.keys()) {
      keys.push(k);
      if (k.charCodeAt(0) !== 0x66 /* f */) fieldsOnly = false;
    }
    for (const k of this.children.keys()) {
      if (this.members.has(k)) continue;
      keys.push(k);
      if (k.charCodeAt(0) !== 0x66) fieldsOnly = false;
    }
    // Fields compare by name, code unit by code unit: as their "f:" keys do.
    if (fieldsOnly) return keys.sort();
    const elems = new Map<string, PathElement>(this.members);
    for (const [k, [pe]] of this.children) elems.set(k, pe);
    return sortedEntries(elems).map(([k]) => k);
  }

  /** Reads FieldsV1; throws on a malformed one. */
  static fromFieldsV1(fields: unknown): FieldSet {
    const s = new FieldSet();
    readInto(s, fields);
    return s;
  }
}

/**
 * Builds a set while a walker descends a value: the walker pushes and pops path
 * elements, and the nodes of the set along the current path are created only when a
 * member is inserted below them (no path arrays, no walk from the root per insert).
 */
export class SetBuilder {
  readonly set = new FieldSet();
  private readonly nodes: FieldSet[] = [this.set];

  constructor(private readonly path: PathStack) {}

  /** Inserts the walker's current path. */
  insert(): void {
    const d = this.path.length;
    if (d === 0) return;
    const n = this.node(d - 1);
    n.members.set(this.path.keys[d - 1], this.path.elems[d - 1]);
  }

  private node(depth: number): FieldSet {
    // nodes[i] is the node of the current path's first i elements while path.gen[i] matches.
    for (let i = 1; i <= depth; i++) {
      if (this.nodes.length > i && this.gens[i] === this.path.gens[i - 1]) continue;
      this.nodes[i] = this.nodes[i - 1].descend(this.path.elems[i - 1], this.path.keys[i - 1]);
      this.gens[i] = this.path.gens[i - 1];
      this.nodes.length = i + 1;
      this.gens.length = i + 1;
    }
    return this.nodes[depth];
  }

  private readonly gens: number[] = [0];
}

/** The current path of a walker: elements, their serialized keys, and a generation per push. */
export class PathStack {
  readonly elems: PathElement[] = [];
  readonly keys: string[] = [];
  readonly gens: number[] = [];
  private next = 1;

  get length(): number { return this.elems.length; }

  push(pe: PathElement, key = serializeElement(pe)): void {
    this.elems.push(pe);
    this.keys.push(key);
    this.gens.push(this.next++);
  }

  pop(): void {
    this.elems.pop();
    this.keys.pop();
    this.gens.pop();
  }

  toPath(): Path {
    return [...this.elems];
  }
}

function sortedEntries(m: Map<string, PathElement>): [string, PathElement][] {
  return [...m].sort(([, a], [, b]) => compareElements(a, b));
}

/** Reads one level of FieldsV1 into s; answers whether it held ".". */
function readInto(s: FieldSet, fields: unknown): boolean {
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw new Error('expected an object');
  let self = false;
  for (const [k, v] of Object.entries(fields)) {
    if (k === '.') { self = true; continue; }
    const pe = parseElement(k);
    const child = new FieldSet();
    const member = readInto(child, v);
    const isLeaf = v !== null && typeof v === 'object' && Object.keys(v).length === 0;
    if (member || isLeaf) s.members.set(serializeElement(pe), pe);
    if (child.members.size || child.children.size) s.children.set(serializeElement(pe), [pe, child]);
  }
  return self;
}
