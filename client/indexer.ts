// The Informer's local cache: objects by key ("namespace/name", or "name" for
// cluster-scoped objects) plus secondary indices (client-go's ThreadSafeStore with
// Indexers). Controllers read it instead of the apiserver; only the Informer writes it.
import type { KubeObject } from '../api/types/meta.js';

/**
 * Maps an object to the index values it is filed under, e.g. a pod to
 * `[pod.spec?.nodeName]`. undefined and null values are skipped, so an unscheduled pod
 * is simply not in the byNode index. Must be pure and fast: it runs on every event.
 */
export type IndexFunc<T extends KubeObject = KubeObject> = (obj: T) => readonly (string | undefined | null)[];

export type Indexers<T extends KubeObject = KubeObject> = Record<string, IndexFunc<T>>;

/** The built-in index listByNamespace uses; a custom indexer cannot take this name. */
export const NAMESPACE_INDEX = 'namespace';

/** The cache key of an object: "namespace/name", or "name" when it has no namespace. */
export function keyOf(obj: KubeObject): string {
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}

/** Splits a cache key back into namespace ('' for cluster-scoped) and name. */
export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/**
 * Objects by key, with indices kept in step on every set and delete. Returned objects
 * are the stored ones, shared with every reader: clone (structuredClone) before
 * changing anything.
 */
export class Indexer<T extends KubeObject = KubeObject> {
  private readonly items = new Map<string, T>();
  private indexers: Indexers<T>;
  /** index name -> index value -> keys filed under it. */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  /** key -> index name -> the values the key is filed under. */
  private readonly filed = new Map<string, Record<string, string[]>>();

  /**
   * onIndexError is told when an index function throws; the object is then left out
   * of that index rather than failing the Informer.
   */
  constructor(indexers: Indexers<T> = {}, private readonly onIndexError?: (index: string, key: string, err: unknown) => void) {
    if (Object.prototype.hasOwnProperty.call(indexers, NAMESPACE_INDEX)) {
      throw new Error(`index name "${NAMESPACE_INDEX}" is reserved for listByNamespace`);
    }
    this.indexers = { ...indexers, [NAMESPACE_INDEX]: (o: T) => [o.metadata.namespace ?? ''] };
    for (const name of Object.keys(this.indexers)) this.indices.set(name, new Map());
  }

  /**
   * Adds indices (client-go's AddIndexers), filing every stored object under them. A
   * name already defined is an error: two users of a shared cache must not disagree on
   * what an index means.
   */
  addIndexers(indexers: Indexers<T>): void {
    for (const name of Object.keys(indexers)) {
      if (this.indices.has(name)) throw new Error(`index "${name}" already exists`);
    }
    this.indexers = { ...this.indexers, ...indexers };
    for (const name of Object.keys(indexers)) {
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) {
        const values = this.values(name, key, obj);
        (this.filed.get(key) as Record<string, string[]>)[name] = values;
        for (const v of values) {
          let keys = index.get(v);
          if (!keys) index.set(v, (keys = new Set()));
          keys.add(key);
        }
      }
    }
  }

  /** True when an index of that name exists. */
  hasIndex(name: string): boolean {
    return this.indices.has(name);
  }

  get size(): number {
    return this.items.size;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listByNamespace(namespace: string): T[] {
    return this.byIndex(NAMESPACE_INDEX, namespace);
  }

  /** Objects filed under value in the named index; throws for an index that was never defined. */
  byIndex(indexName: string, value: string): T[] {
    return this.indexKeys(indexName, value).map((k) => this.items.get(k) as T);
  }

  indexKeys(indexName: string, value: string): string[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`index "${indexName}" does not exist`);
    return [...(index.get(value) ?? [])];
  }

  /** Every value the named index currently holds objects under. */
  indexValues(indexName: string): string[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`index "${indexName}" does not exist`);
    return [...index.keys()];
  }

  /** Stores obj under key and returns what was there before. */
  set(key: string, obj: T): T | undefined {
    const old = this.items.get(key);
    if (old) this.unindex(key);
    this.items.set(key, obj);
    this.index(key, obj);
    return old;
  }

  /** Removes key and returns what was there. */
  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key);
    this.items.delete(key);
    return old;
  }

  private values(indexName: string, key: string, obj: T): string[] {
    try {
      const out: string[] = [];
      for (const v of this.indexers[indexName](obj)) if (v !== undefined && v !== null) out.push(v);
      return out;
    } catch (err) {
      this.onIndexError?.(indexName, key, err);
      return [];
    }
  }

  private index(key: string, obj: T): void {
    const filed: Record<string, string[]> = {};
    for (const [name, index] of this.indices) {
      const values = (filed[name] = this.values(name, key, obj));
      for (const v of values) {
        let keys = index.get(v);
        if (!keys) index.set(v, (keys = new Set()));
        keys.add(key);
      }
    }
    this.filed.set(key, filed);
  }

  // Removes key from the values it was filed under when stored, not from what the index
  // functions say now, so a failing or impure index function cannot leave stale entries.
  private unindex(key: string): void {
    const filed = this.filed.get(key);
    if (!filed) return;
    this.filed.delete(key);
    for (const [name, index] of this.indices) {
      for (const v of filed[name] ?? []) {
        const keys = index.get(v);
        if (!keys) continue;
        keys.delete(key);
        if (keys.size === 0) index.delete(v);
      }
    }
  }
}
