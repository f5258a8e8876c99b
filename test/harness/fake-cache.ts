// The informer surface controllers read (get, list, indices, handlers) over the real
// Indexer, filled by a unit test: add/update/set/remove tell the handlers at once, as
// the Informer does after a watch event, so a test drives a controller event by event
// (sample-controller's controller_test.go fills its informers' indexers the same way).
import type { KubeObject } from '../../api/types/meta.js';
import { keyOf, type EventHandler, type Indexers } from '../../client/informer.js';
import { Indexer } from '../../client/indexer.js';

export class FakeCache<T extends KubeObject> {
  private readonly store = new Indexer<T>();
  private readonly handlers = new Set<EventHandler<T>>();
  private rv = 0;

  get(namespace: string, name: string): T | undefined { return this.store.get(namespace ? `${namespace}/${name}` : name); }
  getByKey(key: string): T | undefined { return this.store.get(key); }
  list(): T[] { return this.store.list(); }
  listByNamespace(namespace: string): T[] { return this.store.listByNamespace(namespace); }
  byIndex(index: string, value: string): T[] { return this.store.byIndex(index, value); }
  /** Adds the indices not defined yet (several controllers may add the same shared one). */
  addIndexers(indexers: Indexers<T>): void {
    this.store.addIndexers(Object.fromEntries(Object.entries(indexers).filter(([name]) => !this.store.hasIndex(name))));
  }
  addEventHandler(h: EventHandler<T>): () => void {
    this.handlers.add(h);
    return () => this.handlers.delete(h);
  }

  /** Stores objs without telling anyone (the cache as it was before the controller started). */
  fill(...objs: T[]): void { for (const o of objs) this.store.set(keyOf(o), o); }

  add(obj: T): void {
    this.store.set(keyOf(obj), obj);
    for (const h of this.handlers) h.add?.(obj);
  }

  update(obj: T): void {
    const old = this.store.set(keyOf(obj), obj) as T;
    for (const h of this.handlers) h.update?.(old, obj);
  }

  /** Stores a copy with a new resourceVersion and tells handlers (add or update), as a watch event would. */
  set(obj: T): T {
    const copy = structuredClone(obj);
    copy.metadata.resourceVersion = String(++this.rv);
    const old = this.store.set(keyOf(copy), copy);
    for (const h of this.handlers) (old ? h.update?.(old, copy) : h.add?.(copy));
    return copy;
  }

  /**
   * Removes an object, or the object under a key. Handlers get last when given (the
   * last state known, as after a relist), else the object passed, else what was cached.
   */
  remove(objOrKey: T | string, last?: T): void {
    const key = typeof objOrKey === 'string' ? objOrKey : keyOf(objOrKey);
    const old = this.store.delete(key);
    const told = last ?? (typeof objOrKey === 'string' ? old : objOrKey);
    if (told) for (const h of this.handlers) h.delete?.(told);
  }
}
