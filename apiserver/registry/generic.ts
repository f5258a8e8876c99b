// The generic registry: create, get, list, update, patch, delete and
// deletecollection for one resource, on the Store, with the resource's Strategy.
// Everything a Kubernetes user sees as "the same for every resource" lives here.
import { randomUUID } from 'node:crypto';
import {
  alreadyExists, badRequest, conflict, expired, forbiddenObject, invalid, isAlreadyExists, isConflict, isGone, isNotFound, notFound,
  StatusError, makeStatus,
} from '../../api/errors.js';
import type { ResourceInfo } from '../../api/registry.js';
import { groupVersion } from '../../api/registry.js';
import type { DeleteOptions, KubeObject, List, Status, StatusCause } from '../../api/types/meta.js';
import { applyDefaults } from '../../api/defaults.js';
import { rfc3339, rfc3339Now } from '../../api/helpers/time.js';
import { validateCreate, validateUpdate } from '../../api/validation/index.js';
import { applyPatch } from '../../api/patch/index.js';
import { checkPatchedShape, checkShape } from '../../api/schemas/shape.js';
import type { Storage, StoredObject } from '../storage/store.js';
import type { WatchCache } from '../watch-cache.js';
import type { Strategy } from './strategy.js';
import type { Subresource } from './subresource.js';
import { deepEqual } from './deep-equal.js';
import { generateName } from './names.js';
import { deletionFinalizers } from './deletion-finalizers.js';
import { NO_ADMISSION, type AdmissionAttributes, type AdmissionChain, type Operation } from '../admission/chain.js';
import type { User } from '../authn/user.js';
import type { ReviewHandler } from './reviews.js';
import { FieldManager } from '../../api/managed-fields/index.js';

export interface ListOptions {
  namespace?: string;
  /** True when the object is selected by the request's label and field selectors. */
  matches?: (obj: KubeObject) => boolean;
  limit?: number;
  continueToken?: string;
  /** '0' lets the list come from the watch cache. */
  resourceVersion?: string;
  /** How resourceVersion is read (validated by the HTTP layer). */
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WriteOptions {
  dryRun?: boolean;
  /** The caller hands over body (freshly decoded): the registry may change it instead of cloning. */
  owned?: boolean;
  /** Checks a patched object before it is written (fieldValidation). */
  checkFields?: (obj: KubeObject) => void;
  /** The caller has checked body against its kind's schema already (the HTTP layer does, before field validation). */
  shapeChecked?: boolean;
  /** Who asks, for admission; undefined for the apiserver's own writes. */
  user?: User;
  /** Admission's warnings for the client are added here. */
  warnings?: string[];
  /**
   * The field manager of the request (the fieldManager parameter, else the User-Agent's
   * prefix), recorded in managedFields; undefined for the apiserver's own writes, which
   * leave managedFields as they are.
   */
  manager?: string;
  /** managedFields of the object were set by server-side apply already. */
  managedFieldsSet?: boolean;
}

/** What guaranteedUpdate and the subresources pass on to admission (and the field manager). */
export interface UpdateOptions {
  subresource?: string;
  precondition?: string;
  dryRun?: boolean;
  user?: User;
  warnings?: string[];
  manager?: string;
  managedFieldsSet?: boolean;
}

/** What a server-side apply (application/apply-patch+yaml) asks. */
export interface ApplyOptions extends WriteOptions {
  subresource?: string;
  manager: string;
  force: boolean;
}

export interface DeleteResult {
  /** The object as deleted, or as it now stands when deletion is pending. */
  obj: KubeObject;
  /** False when deletion waits on finalizers or a grace period (HTTP 202). */
  deleted: boolean;
}

/** Lets a registry look at other resources (namespace lifecycle) without knowing the server. */
export interface RegistryContext {
  namespaceState(name: string): Promise<'Active' | 'Terminating' | 'Missing'>;
  eventLease?(): Promise<string>;
}

/**
 * GenericRegistry is called by the HTTP layer for every verb on one resource. Each
 * method resolves with the stored object (resourceVersion set) or throws a
 * StatusError the HTTP layer sends as is.
 */
export class GenericRegistry {
  /** Subresources besides status (scale, binding, log, finalize), by name. */
  readonly subresources = new Map<string, Subresource>();
  /** The admission plugins writes pass through (set once by Registries). */
  admission: AdmissionChain = NO_ADMISSION;
  /** For resources that are only created and never stored (reviews): answers a POST. */
  createHandler?: ReviewHandler;

  constructor(
    readonly ri: ResourceInfo,
    private readonly store: Storage,
    readonly strategy: Strategy,
    readonly cache: WatchCache,
    private readonly ctx: RegistryContext,
  ) {}

  get qualified(): { group: string; resource: string } {
    return { group: this.ri.group, resource: this.ri.plural };
  }

  key(namespace: string | undefined, name: string): string {
    return this.ri.namespaced ? `${storagePrefix(this.ri)}${namespace}/${name}` : `${storagePrefix(this.ri)}${name}`;
  }

  prefix(namespace?: string): string {
    return this.ri.namespaced && namespace ? `${storagePrefix(this.ri)}${namespace}/` : storagePrefix(this.ri);
  }

  async get(namespace: string | undefined, name: string): Promise<KubeObject> {
    const cur = await this.store.get(this.key(namespace, name));
    if (!cur) throw notFound(this.qualified, name);
    return this.withType(cur.obj);
  }

  /**
   * A GET with resourceVersion=0: the watch cache's copy, which may be a little behind
   * etcd (what kube-apiserver reads a node's kubelet address from), else etcd's.
   */
  async getCached(namespace: string | undefined, name: string): Promise<KubeObject> {
    await this.cache.waitReady();
    const obj = this.cache.snapshotOne(this.key(namespace, name));
    return obj ? this.withType(obj, false) : this.get(namespace, name);
  }

  async list(opts: ListOptions): Promise<List> {
    const matches = opts.matches ?? (() => true);
    const prefix = this.prefix(opts.namespace);
    const list: List = { kind: this.ri.listKind, apiVersion: groupVersion(this.ri), metadata: {}, items: [] };
    const fromCache = (): List => {
      const snap = this.cache.snapshot(prefix);
      list.items = snap.items.filter(matches).map((o) => this.withType(o, false));
      list.metadata.resourceVersion = String(snap.revision);
      return list;
    };
    if (opts.resourceVersion === '0' && !opts.continueToken) {
      await this.cache.waitReady();
      return fromCache();
    }
    let revision: number | undefined;
    let startKey: string | undefined;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    if (!opts.continueToken && !limit && opts.resourceVersionMatch !== 'Exact') {
      // As kube-apiserver since 1.31 (ConsistentListFromCache): a whole list comes from
      // the watch cache once the cache has seen the requested revision (not older than),
      // or etcd's current one when none is given (a consistent read; etcd answers it
      // when the cache does not get there soon). Pages and Exact reads go to etcd.
      if (opts.resourceVersion) {
        await this.cache.waitFresh(Number(opts.resourceVersion));
        return fromCache();
      }
      if (await this.cache.reaches(await this.store.revision(), CONSISTENT_READ_WAIT_MS)) return fromCache();
    }
    if (opts.continueToken) {
      const tok = decodeContinue(opts.continueToken);
      revision = tok.rv;
      startKey = prefix + tok.start;
    } else if (opts.resourceVersion) {
      // Kubernetes' table (API concepts, "Semantics for get and list"): a non-zero
      // resourceVersion is "Exact" with resourceVersionMatch=Exact or with a limit and
      // no match, else "Not older than". Either way a revision the cache has not reached
      // waits for it (504 after 3 s). Exact reads etcd at that revision (410 once
      // compacted); not-older-than reads the current state, which is newer.
      const rv = Number(opts.resourceVersion);
      await this.cache.waitFresh(rv);
      if (opts.resourceVersionMatch === 'Exact' || (opts.resourceVersionMatch === undefined && limit)) revision = rv;
    }
    // With a selector a page may need several etcd reads to fill `limit` items.
    for (;;) {
      const res = await this.store.list(prefix, { startKey, limit: limit ? limit - list.items.length : 0, revision })
        .catch((err: unknown) => {
          if (isGone(err) && opts.continueToken) {
            throw expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
          }
          throw err;
        });
      revision ??= res.revision;
      for (const item of res.items) if (matches(item.obj)) list.items.push(this.withType(item.obj, false));
      const last = res.items[res.items.length - 1];
      if (!limit || res.remaining === 0 || !last) break;
      startKey = last.key + '\x00';
      if (list.items.length >= limit) {
        list.metadata.continue = encodeContinue(revision, startKey.slice(prefix.length));
        if (!opts.matches) list.metadata.remainingItemCount = res.remaining;
        break;
      }
    }
    list.metadata.resourceVersion = String(revision);
    return list;
  }

  async create(namespace: string | undefined, body: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    if (!opts.shapeChecked) checkShape(this.ri, body);
    const requestedName = body?.metadata?.name;
    const obj = typeMetaFirst(opts.owned ? body : structuredClone(body));
    this.checkTypeAndNamespace(obj, namespace);
    if (this.ri.namespaced) {
      const ns = namespace as string;
      const state = await this.ctx.namespaceState(ns);
      if (state === 'Missing') throw notFound({ group: '', resource: 'namespaces' }, ns);
      if (state === 'Terminating') {
        // NamespaceLifecycle admission: the cause lets clients (kubectl apply) tell this apart.
        const why = `unable to create new content in namespace ${ns} because it is being terminated`;
        throw forbiddenObject(this.qualified, obj.metadata.name ?? '', why, [{ reason: 'NamespaceTerminating', message: why, field: 'metadata.namespace' }]);
      }
    }
    const meta = obj.metadata;
    if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339Now();
    meta.generation = 1;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    this.defaults(obj);
    dropEmptyMeta(meta);
    if (opts.managedFieldsSet) {
      // server-side apply computed them
    } else if (opts.manager !== undefined) this.fieldManager(undefined).update(undefined, obj, opts.manager);
    else delete meta.managedFields;
    const admission = this.admissionAttributes('CREATE', namespace, obj, undefined, undefined, opts);
    await this.admission.admit(admission);
    this.strategy.prepareForCreate?.(obj);
    this.validateOrThrow(obj);
    await this.admission.validate(admission);
    if (opts.dryRun) {
      // A dry run answers what the real create would: AlreadyExists for a taken name.
      if (requestedName && await this.store.get(this.key(namespace, meta.name as string))) throw alreadyExists(this.qualified, meta.name as string);
      return this.withType(obj);
    }
    await this.strategy.beforeCreate?.(obj);
    try {
      const lease = this.ri.ttl ? await this.ctx.eventLease?.() : undefined;
      for (let attempt = 0; ; attempt++) {
        const res = await this.store.create(this.key(namespace, meta.name as string), obj, lease);
        if (res.ok) {
          meta.resourceVersion = String(res.rev);
          return this.withType(obj);
        }
        if (requestedName || !meta.generateName || attempt >= 3) {
          const err = alreadyExists(this.qualified, meta.name as string);
          if (!requestedName) err.status.message += ', the server was not able to generate a unique name for the object';
          throw err;
        }
        meta.name = generateName(meta.generateName);
      }
    } catch (err) {
      // Not written: free what beforeCreate allocated (release logs what it cannot free).
      await this.strategy.release?.(obj);
      throw err;
    }
  }

  /** PUT: replaces the object; a resourceVersion in the body is a precondition. */
  async update(namespace: string | undefined, name: string, body: KubeObject, opts: WriteOptions & { subresource?: string } = {}): Promise<KubeObject> {
    if (!opts.shapeChecked) checkShape(this.ri, body);
    const obj = typeMetaFirst(opts.owned ? body : structuredClone(body));
    this.checkTypeAndNamespace(obj, namespace);
    if (obj.metadata.name !== name) {
      throw badRequest(`the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${name})`);
    }
    const wanted = obj.metadata.resourceVersion;
    if (wanted !== undefined && wanted !== '' && !/^\d+$/.test(wanted)) {
      throw badRequest(`invalid resourceVersion: ${JSON.stringify(wanted)}: must be an unsigned integer`);
    }
    const cur = await this.store.get(this.key(namespace, name));
    if (!cur) {
      if (opts.subresource || !this.strategy.allowCreateOnUpdate) throw notFound(this.qualified, name);
      delete obj.metadata.resourceVersion;
      return this.create(namespace, obj, opts);
    }
    if (wanted && Number(wanted) !== cur.rev) {
      throw conflict(this.qualified, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    return this.writeUpdate(cur, obj, opts);
  }

  /**
   * PATCH: applies the patch to the current object and writes it with that object's
   * revision as precondition. A conflict re-applies the patch to the fresh object, as
   * Kubernetes' patcher does, unless the patch itself carries a resourceVersion: then
   * it keeps optimistic-concurrency semantics (409 when it is not the current one).
   */
  async patch(namespace: string | undefined, name: string, contentType: string, patch: unknown, opts: WriteOptions & { subresource?: string } = {}): Promise<KubeObject> {
    return this.guaranteedUpdate(namespace, name, (current) => {
      let patched: KubeObject;
      if (this.ri.custom && contentType.split(';', 1)[0].trim().toLowerCase() === 'application/strategic-merge-patch+json') {
        // Custom resources have no patch strategies: kube-apiserver refuses this patch type for them.
        throw new StatusError(makeStatus(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml'));
      }
      try {
        patched = applyPatch(contentType, current, patch, this.ri.kind) as KubeObject;
      } catch (err) {
        if (err instanceof StatusError) throw err;
        throw new StatusError(makeStatus(422, 'Invalid', `the patch could not be applied: ${(err as Error).message}`));
      }
      checkPatchedShape(this.ri, contentType, patched, patch);
      if (!patched || typeof patched !== 'object' || Array.isArray(patched) || typeof patched.metadata !== 'object' || patched.metadata === null) {
        throw badRequest('the patch produced an object without metadata');
      }
      const wanted = patched.metadata.resourceVersion;
      if (wanted && wanted !== current.metadata.resourceVersion) {
        throw conflict(this.qualified, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      opts.checkFields?.(patched);
      if (patched.metadata.name !== name) throw badRequest(`the name of the object (${patched.metadata.name ?? ''}) does not match the name on the URL (${name})`);
      this.checkTypeAndNamespace(patched, namespace);
      return patched;
    }, { subresource: opts.subresource, dryRun: opts.dryRun, user: opts.user, warnings: opts.warnings, manager: opts.manager });
  }

  /**
   * PATCH with application/apply-patch+yaml (server-side apply): config merged over the
   * current object by the field manager, or the object created from it when there is
   * none (an apply is an upsert). created tells the HTTP layer to answer 201.
   */
  async apply(namespace: string | undefined, name: string, config: Record<string, unknown>, opts: ApplyOptions): Promise<{ obj: KubeObject; created: boolean }> {
    const fm = this.fieldManager(opts.subresource);
    const check = (obj: KubeObject): KubeObject => {
      if (!obj || typeof obj !== 'object' || typeof obj.metadata !== 'object' || obj.metadata === null) throw badRequest('the patch produced an object without metadata');
      this.checkTypeAndNamespace(obj, namespace);
      if (obj.metadata.name !== name) throw badRequest(`the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${name})`);
      checkShape(this.ri, obj);
      opts.checkFields?.(obj);
      return obj;
    };
    const wopts = { subresource: opts.subresource, dryRun: opts.dryRun, user: opts.user, warnings: opts.warnings, manager: opts.manager, managedFieldsSet: true };
    for (let attempt = 0; ; attempt++) {
      try {
        const obj = await this.guaranteedUpdate(namespace, name, (current) => {
          const next = check(fm.apply(current, config, opts.manager, opts.force));
          const wanted = next.metadata.resourceVersion;
          if (wanted && wanted !== current.metadata.resourceVersion) {
            throw conflict(this.qualified, name, 'the object has been modified; please apply your changes to the latest version and try again');
          }
          return next;
        }, wopts);
        return { obj, created: false };
      } catch (err) {
        if (!isNotFound(err) || opts.subresource !== undefined || (err as StatusError).status?.details?.name !== name) throw err;
      }
      const obj = check(fm.apply(undefined, config, opts.manager, opts.force));
      if (obj.metadata.uid) {
        throw conflict(this.qualified, name, `uid mismatch: the provided object specified uid ${obj.metadata.uid}, and no existing object was found`);
      }
      delete obj.metadata.resourceVersion;
      try {
        return { obj: await this.create(namespace, obj, { ...opts, ...wopts, owned: true, shapeChecked: true }), created: true };
      } catch (err) {
        // Created by someone else meanwhile: apply over theirs.
        if (isAlreadyExists(err) && attempt < 3) continue;
        throw err;
      }
    }
  }

  private readonly fieldManagers = new Map<string, FieldManager>();

  /** The field manager of this resource written through subresource (undefined: the main resource). */
  fieldManager(subresource: string | undefined): FieldManager {
    const k = subresource ?? '';
    let fm = this.fieldManagers.get(k);
    if (!fm) {
      fm = new FieldManager({ group: this.ri.group, version: this.ri.version, kind: this.ri.kind, subresource, hasStatus: this.strategy.hasStatus === true });
      this.fieldManagers.set(k, fm);
    }
    return fm;
  }

  /**
   * Read-modify-write for PATCH and the subresources (status, binding, scale,
   * finalize), as kube-apiserver's GuaranteedUpdate: mutate gets a clone of the
   * current object and returns the object to write; a compare-and-swap conflict
   * retries from a fresh read, until it succeeds, unless a precondition (the caller's
   * resourceVersion) says to fail instead. The first attempt starts from the watch
   * cache's copy when it has one, saving an etcd read on the common path; anything a
   * stale copy might explain (a precondition or mutate error, a conflict, and an
   * update that changes nothing, which must not be answered without writing) is
   * confirmed against a fresh read before it is answered.
   */
  async guaranteedUpdate(namespace: string | undefined, name: string, mutate: (cur: KubeObject) => KubeObject, opts: UpdateOptions = {}): Promise<KubeObject> {
    const key = this.key(namespace, name);
    const cachedObj = this.cache.snapshotOne(key);
    let cur: StoredObject | undefined = cachedObj && { key, obj: cachedObj, rev: Number(cachedObj.metadata.resourceVersion) };
    let fromCache = cur !== undefined;
    for (let attempt = 0; ; attempt++) {
      if (!cur) {
        cur = await this.store.get(key);
        fromCache = false;
      }
      if (!cur) throw notFound(this.qualified, name);
      const stale = (): boolean => {
        if (!fromCache) return false;
        cur = undefined;
        return true;
      };
      if (opts.precondition && opts.precondition !== String(cur.rev)) {
        if (stale()) continue;
        throw conflict(this.qualified, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      let next: KubeObject;
      try {
        next = mutate(this.withType(structuredClone(cur.obj)));
      } catch (err) {
        if (stale()) continue;
        throw err;
      }
      try {
        return await this.writeUpdate(cur, next, { subresource: opts.subresource, dryRun: opts.dryRun, cached: fromCache, user: opts.user, warnings: opts.warnings, manager: opts.manager, managedFieldsSet: opts.managedFieldsSet });
      } catch (err) {
        if (err instanceof StaleCopy || ((isConflict(err) || isNotFound(err)) && stale())) { cur = undefined; continue; }
        // Every lost compare-and-swap means another writer succeeded: this ends.
        if (isConflict(err) && !opts.precondition && attempt < MAX_CONFLICT_RETRIES) { cur = undefined; continue; }
        throw err;
      }
    }
  }

  /** Writes obj over cur. cached: cur came from the watch cache, so a no-op must be confirmed (StaleCopy). */
  private async writeUpdate(cur: StoredObject, obj: KubeObject, opts: WriteOptions & { subresource?: string; cached?: boolean }): Promise<KubeObject> {
    const old = cur.obj;
    const meta = obj.metadata;
    const name = old.metadata.name as string;
    // Fields the system owns are carried over whatever the client sent.
    meta.uid = old.metadata.uid;
    meta.creationTimestamp = old.metadata.creationTimestamp;
    meta.namespace = old.metadata.namespace;
    meta.deletionTimestamp = old.metadata.deletionTimestamp;
    meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    if (meta.deletionTimestamp === undefined) delete meta.deletionTimestamp;
    if (meta.deletionGracePeriodSeconds === undefined) delete meta.deletionGracePeriodSeconds;
    if (old.metadata.generateName !== undefined) meta.generateName = old.metadata.generateName;
    let next = obj;
    if (opts.subresource === 'status') {
      // The status subresource changes status only (and nothing in spec, nor metadata but labels, annotations and finalizers).
      // Finalizers too, as Kubernetes' status strategies reset only the spec (the service
      // controller sets its load-balancer cleanup finalizer through services/status).
      next = { ...structuredClone(old), status: obj.status };
      next.metadata.labels = obj.metadata.labels;
      next.metadata.annotations = obj.metadata.annotations;
      next.metadata.finalizers = obj.metadata.finalizers;
      if (next.metadata.labels === undefined) delete next.metadata.labels;
      if (next.metadata.annotations === undefined) delete next.metadata.annotations;
      if (next.metadata.finalizers === undefined) delete next.metadata.finalizers;
      next.apiVersion = obj.apiVersion;
      next.kind = obj.kind;
      if (opts.managedFieldsSet) next.metadata.managedFields = obj.metadata.managedFields;
    } else if (opts.subresource !== undefined && this.strategy.partialWrites?.[opts.subresource]) {
      next = this.strategy.partialWrites[opts.subresource](obj, structuredClone(old));
      this.defaults(next);
    } else if (opts.subresource === undefined || opts.subresource === 'scale') {
      if (this.strategy.hasStatus) {
        if (old.status === undefined) delete next.status;
        else next.status = structuredClone(old.status);
      }
      this.defaults(next);
    }
    dropEmptyMeta(next.metadata);
    if (opts.managedFieldsSet) {
      // server-side apply computed them
    } else if (opts.manager !== undefined) {
      this.fieldManager(opts.subresource).update(this.storedWithType(structuredClone(old)), next, opts.manager);
    } else if (old.metadata.managedFields) {
      next.metadata.managedFields = structuredClone(old.metadata.managedFields);
    } else delete next.metadata.managedFields;
    const admission = this.admissionAttributes('UPDATE', old.metadata.namespace, next, old, opts.subresource, opts);
    await this.admission.admit(admission);
    if (opts.subresource === undefined || opts.subresource === 'scale') this.strategy.prepareForUpdate?.(next, old);
    else if (opts.subresource === 'status') this.strategy.prepareForStatusUpdate?.(next, old);
    next.metadata.generation = old.metadata.generation ?? 1;
    const generationChanged = this.strategy.generationChanged?.(next, old) ?? !deepEqual(next.spec, old.spec);
    if (generationChanged && opts.subresource !== 'status') next.metadata.generation += 1;
    this.validateOrThrow(next, old, opts.subresource);
    await this.admission.validate(admission);
    // Deletion completes once nothing holds it any more.
    const finalize = next.metadata.deletionTimestamp !== undefined && !(next.metadata.finalizers?.length)
      && !next.metadata.deletionGracePeriodSeconds && !this.strategy.deletionHeld?.(next);
    if (opts.dryRun) return this.withType(next);
    if (finalize) {
      const res = await this.store.delete(this.key(old.metadata.namespace, name), cur.rev);
      if (!res.ok) throw conflict(this.qualified, name, 'the object has been modified; please apply your changes to the latest version and try again');
      // What the stored object held, not what the request names (never allocated).
      await this.strategy.release?.(old);
      next.metadata.resourceVersion = String(res.rev);
      return this.withType(next);
    }
    next.metadata.resourceVersion = String(cur.rev);
    // withType copies rather than changes old, which may be the watch cache's object.
    // A no-op is not written, unless the stored bytes are stale (an old encryption key), as in Kubernetes' GuaranteedUpdate.
    if (!cur.stale && deepEqual(stripRv(next), stripRv(this.storedWithType(old)))) {
      // A no-op against a cached copy may be a change against the stored object.
      if (opts.cached) throw new StaleCopy();
      return this.withType(next);
    }
    await this.strategy.beforeUpdate?.(next, old);
    let rev: number;
    try {
      const lease = this.ri.ttl ? await this.ctx.eventLease?.() : undefined;
      const res = await this.store.update(this.key(old.metadata.namespace, name), next, cur.rev, lease);
      if (!res.ok) {
        if (!res.current) throw notFound(this.qualified, name);
        throw conflict(this.qualified, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      rev = res.rev;
    } catch (err) {
      // Not written: free what beforeUpdate allocated; old keeps what it holds.
      await this.strategy.revertUpdate?.(next, old);
      throw err;
    }
    await this.strategy.afterUpdate?.(next, old);
    next.metadata.resourceVersion = String(rev);
    return this.withType(next);
  }

  /** DELETE with Kubernetes' preconditions, grace periods, finalizers and propagation policy. */
  async delete(namespace: string | undefined, name: string, opts: DeleteOptions = {}, wopts: WriteOptions = {}): Promise<DeleteResult> {
    for (let attempt = 0; ; attempt++) {
      const cur = await this.store.get(this.key(namespace, name));
      if (!cur) throw notFound(this.qualified, name);
      const obj = this.storedWithType(structuredClone(cur.obj));
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== obj.metadata.uid) {
        throw conflict(this.qualified, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== String(cur.rev)) {
        throw conflict(this.qualified, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.rev}`);
      }
      if (attempt === 0) {
        // Mutating plugins see deletes too (admission webhooks may refuse them), with nothing to change.
        const attrs = { ...this.admissionAttributes('DELETE', namespace, undefined, obj, undefined, wopts), options: { ...opts } };
        await this.admission.admit(attrs);
        await this.admission.validate(attrs);
      }
      const meta = obj.metadata;
      // Before the finalizers are read: a CRD's onDelete adds its cleanup finalizer.
      this.strategy.onDelete?.(obj);
      const finalizers = new Set(deletionFinalizers(meta.finalizers, opts, this.strategy.orphanByDefault === true));
      const grace = this.strategy.gracePeriod?.(obj, opts);
      const held = finalizers.size > 0 || (grace !== undefined && grace > 0) || this.strategy.deletionHeld?.(obj) === true;
      if (held) {
        if (finalizers.size || meta.finalizers?.length) meta.finalizers = finalizers.size ? [...finalizers] : undefined;
        const graceNow = grace ?? 0;
        if (!meta.deletionTimestamp || (meta.deletionGracePeriodSeconds ?? 0) > graceNow) {
          meta.deletionTimestamp = rfc3339(Date.now() + graceNow * 1000);
          meta.deletionGracePeriodSeconds = graceNow;
        }
        if (wopts.dryRun) return { obj: this.withType(obj), deleted: false };
        if (deepEqual(obj, this.storedWithType(cur.obj))) return { obj: this.withType(obj), deleted: false };
        const res = await this.store.update(this.key(namespace, name), obj, cur.rev);
        if (!res.ok) {
          if (attempt < MAX_CONFLICT_RETRIES) continue;
          throw conflict(this.qualified, name, 'the object has been modified; please apply your changes to the latest version and try again');
        }
        meta.resourceVersion = String(res.rev);
        return { obj: this.withType(obj), deleted: false };
      }
      if (wopts.dryRun) return { obj: this.withType(obj), deleted: true };
      const res = await this.store.delete(this.key(namespace, name), cur.rev);
      if (!res.ok) {
        if (!res.current) throw notFound(this.qualified, name);
        if (attempt < MAX_CONFLICT_RETRIES) continue;
        throw conflict(this.qualified, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      await this.strategy.release?.(obj);
      meta.resourceVersion = String(res.rev);
      return { obj: this.withType(obj), deleted: true };
    }
  }

  /** DELETE on a collection: deletes every selected object, returning the list of them. */
  async deleteCollection(opts: ListOptions, dopts: DeleteOptions, wopts: WriteOptions = {}): Promise<List> {
    const list = await this.list({ ...opts, limit: undefined, continueToken: undefined, resourceVersion: undefined });
    const deleted: KubeObject[] = [];
    const queue = [...list.items];
    const worker = async (): Promise<void> => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        try {
          deleted.push((await this.delete(item.metadata.namespace, item.metadata.name as string, dopts, wopts)).obj);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(16, queue.length) }, worker));
    return { ...list, items: deleted };
  }

  /** The Status a DELETE answers with when the resource does not return the object. */
  deletedStatus(obj: KubeObject): Status {
    return {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200,
      details: { name: obj.metadata.name, group: this.ri.group || undefined, kind: this.ri.plural, uid: obj.metadata.uid },
    };
  }

  /** Sets apiVersion and kind (stored objects may lack them) without copying. */
  withType(obj: KubeObject, copy = false): KubeObject {
    const out = copy ? structuredClone(obj) : obj;
    if (out.apiVersion !== groupVersion(this.ri) || out.kind !== this.ri.kind) {
      const typed = { kind: this.ri.kind, apiVersion: groupVersion(this.ri), ...out };
      typed.apiVersion = groupVersion(this.ri);
      typed.kind = this.ri.kind;
      return typed;
    }
    return out;
  }

  /**
   * The stored object typed as stored, for comparisons with what is about to be written
   * and for writes of what was read (delete): withType, except in a registry that
   * serves another version than the one stored (converting.ts).
   */
  storedWithType(obj: KubeObject): KubeObject {
    return this.withType(obj);
  }

  /** The body must be of this resource's kind and of the path's namespace. */
  /** Refuses a body of another kind, version or namespace (400), and sets them. */
  checkTypeAndNamespace(obj: KubeObject, namespace: string | undefined): void {
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw badRequest('the request body must be a JSON object');
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) throw badRequest('metadata must be an object');
    const gv = groupVersion(this.ri);
    if (obj.apiVersion !== undefined && obj.apiVersion !== gv) {
      throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${gv})`);
    }
    if (obj.kind !== undefined && obj.kind !== this.ri.kind) {
      throw badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${this.ri.kind})`);
    }
    obj.apiVersion = gv;
    obj.kind = this.ri.kind;
    if (this.ri.namespaced) {
      if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = namespace;
    } else {
      delete obj.metadata.namespace;
    }
  }

  private admissionAttributes(operation: Operation, namespace: string | undefined, object: KubeObject | undefined, oldObject: KubeObject | undefined,
    subresource: string | undefined, opts: { dryRun?: boolean; user?: User; warnings?: string[] }): AdmissionAttributes {
    return {
      operation, resource: this.ri, subresource, namespace, name: (object ?? oldObject)?.metadata.name ?? '',
      object, oldObject, user: opts.user, dryRun: opts.dryRun ?? false,
      warn: (m) => { opts.warnings?.push(m); },
    };
  }

  /** The kind's defaults: the strategy's own (custom resources) or api/defaults. */
  private defaults(obj: KubeObject): void {
    if (this.strategy.applyDefaults) this.strategy.applyDefaults(obj);
    else applyDefaults(obj);
  }

  /** Subresources are validated by their own rules (binding may set a pod's nodeName). */
  private validateOrThrow(obj: KubeObject, old?: KubeObject, subresource?: string): void {
    let causes: StatusCause[];
    try {
      const own = this.strategy.validateObject;
      causes = own ? own(obj, old, subresource) : old ? validateUpdate(obj, old, { subresource }) : validateCreate(obj);
      const extra = this.strategy.validate?.(obj, old);
      if (extra?.length) causes = [...causes, ...extra];
    } catch (err) {
      // Validation is written against well-typed objects; a body of the wrong shape
      // (a string where an object goes) must still be a 422, never a 500.
      causes = [{ reason: 'FieldValueInvalid', message: `Invalid value: ${(err as Error).message}`, field: '' }];
    }
    if (causes.length) throw invalid(this.ri.kind, this.ri.group, obj.metadata.name ?? '', causes);
  }

}

/**
 * Where a resource's objects are stored: /registry/<plural>/ for built-in resources,
 * /registry/<group>/<plural>/ for custom ones (a CRD may reuse a built-in plural).
 */
export function storagePrefix(ri: ResourceInfo): string {
  return ri.custom ? `/registry/${ri.group}/${ri.plural}/` : `/registry/${ri.plural}/`;
}

/**
 * ObjectMeta's maps and lists are omitempty in Go: an empty one (a patch's
 * `annotations: {}`) is not stored, as kube-apiserver's encoding drops it.
 */
function dropEmptyMeta(meta: KubeObject['metadata']): void {
  for (const k of ['labels', 'annotations'] as const) {
    const v = meta[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) delete meta[k];
  }
  for (const k of ['finalizers', 'ownerReferences'] as const) {
    const v = meta[k];
    if (Array.isArray(v) && v.length === 0) delete meta[k];
  }
}

/** Thrown by writeUpdate when an update of a cached copy changes nothing: confirm on a fresh read. */
class StaleCopy extends Error {}

/** How long a consistent list waits for the watch cache to reach etcd's revision before reading etcd. */
const CONSISTENT_READ_WAIT_MS = 500;
/** A guard only: each lost compare-and-swap is another writer's success, so retries end. */
const MAX_CONFLICT_RETRIES = 1000;

function stripRv(obj: KubeObject): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } };
}

interface ContinueToken { rv: number; start: string }

/**
 * The object with kind, apiVersion and metadata as its first keys, the order in which
 * Kubernetes' apiserver writes every object (Go's struct order), whatever order the
 * client sent (kubectl sends map keys sorted). A copy only when the order is not already so.
 */
function typeMetaFirst(obj: KubeObject): KubeObject {
  const keys = Object.keys(obj);
  if (keys[0] === 'kind' && keys[1] === 'apiVersion' && keys[2] === 'metadata') return obj;
  const { kind, apiVersion, metadata, ...rest } = obj;
  return { kind, apiVersion, metadata, ...rest };
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString()) as { rv?: unknown; start?: unknown };
    if (typeof parsed.rv === 'number' && parsed.rv > 0 && typeof parsed.start === 'string') {
      return { rv: parsed.rv, start: parsed.start };
    }
  } catch {
    // fall through to the error below
  }
  throw badRequest('continue key is not valid: the continue token could not be decoded');
}
