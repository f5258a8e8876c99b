// The apiserver's own CRD controllers, as apiextensions-apiserver runs them in-process:
// - naming (pkg/controller/status/naming_controller.go): accepts the requested names
//   that no other CRD of the group holds, sets status.acceptedNames and NamesAccepted;
// - establishing (pkg/controller/establish): Established once the names are accepted;
// - serving (the crdHandler and the discovery controller): one registry per served
//   version, the resource catalog updated so discovery, OpenAPI and routing see it;
// - finalizer (pkg/controller/finalizer): a deleted CRD's objects are deleted (their
//   own finalizers honoured), then its cleanup finalizer removed so it goes.
// Everything is level-triggered from the CRD watch cache: any change schedules one
// coalesced pass over every CRD.
import type { Logger } from 'pino';
import { isNotFound } from '../../api/errors.js';
import { CATALOG, type ResourceInfo } from '../../api/registry.js';
import {
  CRD_CLEANUP_FINALIZER, type CustomResourceDefinition, type CustomResourceDefinitionCondition, type CustomResourceDefinitionNames,
} from '../../api/types/apiextensions.js';
import type { Registries } from '../registries.js';
import { deepEqual } from '../registry/deep-equal.js';
import { storagePrefix, type GenericRegistry } from '../registry/generic.js';
import { findCondition, setCondition } from './crd-strategy.js';
import { customResourceStrategy, customScaleSubresource, noneConversion, resourceInfosOf, type SchemaOps } from './custom-resource.js';

/** How long the finalizer waits for a CRD's objects to go (their finalizers) before it says so and retries. */
const DELETION_WAIT_MS = 60_000;
const RETRY_MS = 1000;

interface Served {
  ri: ResourceInfo;
  /** What the registry was built from: a change rebuilds it. */
  fingerprint: string;
  reg: GenericRegistry;
}

export interface CRDControllerOptions {
  registries: Registries;
  log: Logger;
  /** The schema operations (validation, defaults, pruning) custom resources get. */
  schema?: SchemaOps;
  /** How long cleanup waits for objects to go before retrying (tests shorten it). */
  deletionWaitMs?: number;
}

export class CRDController {
  private readonly crds: GenericRegistry;
  private readonly served = new Map<string, Served>();
  private readonly cleaning = new Set<string>();
  private dirty = false;
  private running?: Promise<void>;
  private unsubscribe?: () => void;
  private retry?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly opts: CRDControllerOptions) {
    this.crds = opts.registries.get('customresourcedefinitions');
  }

  /** Serves the CRDs that exist, then follows changes. Resolves after the first pass. */
  async start(): Promise<void> {
    await this.crds.cache.waitReady();
    this.unsubscribe = this.crds.cache.subscribe(() => this.schedule());
    this.schedule();
    await this.running;
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.retry);
  }

  /** Resolves once every change seen so far has been handled (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (this.running) return;
    this.running = (async () => {
      try {
        while (this.dirty && !this.stopped) {
          this.dirty = false;
          try {
            await this.sync();
          } catch (err) {
            this.opts.log.error({ err }, 'syncing CustomResourceDefinitions failed; retrying');
            this.retryLater();
          }
        }
      } finally {
        this.running = undefined;
      }
    })();
  }

  private retryLater(): void {
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.schedule(), RETRY_MS);
    this.retry.unref();
  }

  private snapshot(): CustomResourceDefinition[] {
    const all = [...this.crds.cache.values()] as CustomResourceDefinition[];
    // Older CRDs claim names first, as the queue order of a fresh naming controller would.
    return all.sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  }

  private async sync(): Promise<void> {
    await this.syncNames();
    await this.syncServing();
    for (const crd of this.snapshot()) {
      const name = crd.metadata.name as string;
      if (crd.metadata.deletionTimestamp && crd.metadata.finalizers?.includes(CRD_CLEANUP_FINALIZER) && !this.cleaning.has(name)) {
        this.cleaning.add(name);
        // A failed pass retries after RETRY_MS (retryLater), never at once.
        void this.cleanup(name).then(() => {
          this.cleaning.delete(name);
        });
      }
    }
  }

  // ------------------------------------------------------------ naming and establishing

  private async syncNames(): Promise<void> {
    // Accepted names as written in this pass, so two new CRDs never both take one name.
    const accepted = new Map<string, CustomResourceDefinitionNames>();
    for (const crd of this.snapshot()) accepted.set(crd.metadata.name as string, crd.status?.acceptedNames ?? { plural: '', kind: '' });
    for (const crd of this.snapshot()) {
      const name = crd.metadata.name as string;
      const others = [...this.snapshot()].filter((c) => c.spec?.group === crd.spec?.group).map((c) => accepted.get(c.metadata.name as string) as CustomResourceDefinitionNames);
      const next = namesAndConditions(crd, others);
      if (!next) continue;
      try {
        const out = await this.crds.guaranteedUpdate(undefined, name, (cur) => {
          const c = cur as CustomResourceDefinition;
          const fresh = namesAndConditions(c, others);
          if (!fresh) return c;
          c.status = fresh;
          return c;
        }, { subresource: 'status' });
        accepted.set(name, (out as CustomResourceDefinition).status?.acceptedNames ?? { plural: '', kind: '' });
      } catch (err) {
        if (isNotFound(err)) continue;
        this.opts.log.warn({ err, crd: name }, 'updating the names of a CustomResourceDefinition failed; retrying');
        this.retryLater();
      }
    }
  }

  // ------------------------------------------------------------ serving

  private async syncServing(): Promise<void> {
    const wanted = new Map<string, { ri: ResourceInfo; fingerprint: string; build: () => Promise<GenericRegistry> }>();
    for (const crd of this.snapshot()) {
      const crdName = crd.metadata.name as string;
      for (const { ri, version } of resourceInfosOf(crd)) {
        const key = `${crdName}/${ri.version}`;
        const fingerprint = JSON.stringify({ ri, version, uid: crd.metadata.uid });
        wanted.set(key, {
          ri, fingerprint,
          build: async () => {
            const strategy = customResourceStrategy(ri, version, () => this.crds.cache.snapshotOne(this.crds.key(undefined, crdName)) as CustomResourceDefinition | undefined, this.opts.schema);
            const reg = await this.opts.registries.addCustom(ri, strategy, noneConversion(ri.group, ri.version, ri.custom?.storageVersion ?? ri.version));
            if (ri.custom?.scale) reg.subresources.set('scale', customScaleSubresource(reg));
            return reg;
          },
        });
      }
    }
    let changed = false;
    const dropped: Served[] = [];
    for (const [key, cur] of this.served) {
      const want = wanted.get(key);
      if (!want || want.fingerprint !== cur.fingerprint) {
        dropped.push(cur);
        this.served.delete(key);
        changed = true;
      }
    }
    for (const [key, want] of wanted) {
      if (this.served.has(key)) continue;
      const reg = await want.build();
      this.served.set(key, { ri: want.ri, fingerprint: want.fingerprint, reg });
      changed = true;
    }
    if (!changed) return;
    CATALOG.setCustom([...this.served.values()].map((s) => s.ri));
    const prefixes = new Set([...this.served.values()].map((s) => storagePrefix(s.ri)));
    for (const d of dropped) this.opts.registries.removeCustom(d.ri, !prefixes.has(storagePrefix(d.ri)));
    this.opts.log.info({ resources: [...this.served.keys()] }, 'custom resources served');
  }

  /** The registry of a served version of a CRD (any version: all share the storage). */
  private registryOf(crdName: string): GenericRegistry | undefined {
    for (const [key, s] of this.served) if (key.startsWith(`${crdName}/`)) return s.reg;
    return undefined;
  }

  // ------------------------------------------------------------ finalizer

  private async setTerminating(name: string, cond: Omit<CustomResourceDefinitionCondition, 'type'>, removeFinalizer = false): Promise<void> {
    await this.crds.guaranteedUpdate(undefined, name, (cur) => {
      const c = cur as CustomResourceDefinition;
      setCondition(c.status ?? (c.status = {}), { type: 'Terminating', ...cond });
      if (removeFinalizer) {
        const rest = (c.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
        c.metadata.finalizers = rest.length ? rest : undefined;
      }
      return c;
    }, { subresource: 'status' });
  }

  /** Deletes every object of a CRD being deleted, waits for them to go, then lets the CRD go. */
  private async cleanup(name: string): Promise<void> {
    const log = this.opts.log.child({ crd: name });
    try {
      await this.setTerminating(name, { status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' });
      const reg = this.registryOf(name);
      if (reg) {
        const list = await reg.list({});
        const errors: string[] = [];
        for (const item of list.items) {
          try {
            await reg.delete(item.metadata.namespace, item.metadata.name as string, {});
          } catch (err) {
            if (!isNotFound(err)) errors.push((err as Error).message);
          }
        }
        if (errors.length) {
          await this.setTerminating(name, { status: 'True', reason: 'InstanceDeletionFailed', message: `could not issue all deletes: ${errors.join(', ')}` });
          this.retryLater();
          return;
        }
        const deadline = Date.now() + (this.opts.deletionWaitMs ?? DELETION_WAIT_MS);
        for (;;) {
          const left = await reg.list({ limit: 1 });
          if (!left.items.length) break;
          if (Date.now() > deadline || this.stopped) {
            await this.setTerminating(name, { status: 'True', reason: 'InstanceDeletionCheck', message: 'could not confirm zero CustomResources remaining: timed out waiting for the condition' });
            this.retryLater();
            return;
          }
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      await this.setTerminating(name, { status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances' }, true);
      log.info('deleted the objects of a CustomResourceDefinition');
    } catch (err) {
      if (isNotFound(err)) return;
      log.warn({ err }, 'cleaning up a deleted CustomResourceDefinition failed; retrying');
      this.retryLater();
    }
  }
}

/**
 * The naming controller's calculateNamesAndConditions plus the establishing
 * controller's step: the new status of crd given the accepted names of its group's CRDs
 * (its own included), or undefined when nothing changes.
 */
export function namesAndConditions(crd: CustomResourceDefinition, group: CustomResourceDefinitionNames[]): CustomResourceDefinition['status'] | undefined {
  const status = structuredClone(crd.status ?? {});
  const requested = crd.spec?.names ?? { plural: '', kind: '' };
  const acceptedNow = status.acceptedNames ?? { plural: '', kind: '' };
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const n of group) {
    if (!n) continue;
    if (n.plural) resources.add(n.plural);
    if (n.singular) resources.add(n.singular);
    for (const s of n.shortNames ?? []) resources.add(s);
    if (n.kind) kinds.add(n.kind);
    if (n.listKind) kinds.add(n.listKind);
  }
  const conflict = (wanted: string | undefined, have: string | undefined, used: Set<string>): string | undefined =>
    (wanted ?? '') === (have ?? '') || !used.has(wanted ?? '') ? undefined : `${JSON.stringify(wanted ?? '')} is already in use`;
  const names: CustomResourceDefinitionNames = { ...acceptedNow };
  let cond: CustomResourceDefinitionCondition = { type: 'NamesAccepted', status: 'Unknown' };
  const fail = (reason: string, message: string): void => { cond = { type: 'NamesAccepted', status: 'False', reason, message }; };
  let why = conflict(requested.plural, acceptedNow.plural, resources);
  if (why) fail('PluralConflict', why); else names.plural = requested.plural;
  why = conflict(requested.singular, acceptedNow.singular, resources);
  if (why) fail('SingularConflict', why); else if (requested.singular !== undefined) names.singular = requested.singular;
  if (!deepEqual(requested.shortNames ?? [], acceptedNow.shortNames ?? [])) {
    const mine = new Set(acceptedNow.shortNames ?? []);
    const errs = (requested.shortNames ?? []).filter((s) => !mine.has(s)).map((s) => conflict(s, '', resources)).filter((e): e is string => !!e);
    if (errs.length) fail('ShortNamesConflict', errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
    else names.shortNames = requested.shortNames;
  }
  why = conflict(requested.kind, acceptedNow.kind, kinds);
  if (why) fail('KindConflict', why); else names.kind = requested.kind;
  why = conflict(requested.listKind, acceptedNow.listKind, kinds);
  if (why) fail('ListKindConflict', why); else if (requested.listKind !== undefined) names.listKind = requested.listKind;
  if (requested.categories !== undefined) names.categories = requested.categories;
  else delete names.categories;
  if (names.shortNames !== undefined && !names.shortNames.length) delete names.shortNames;
  if (cond.status === 'Unknown') cond = { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' };

  let established: CustomResourceDefinitionCondition = findCondition(crd, 'Established')
    ?? { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' };
  if (established.status !== 'True' && cond.status === 'True') {
    // The establishing controller follows at once: one apiserver has nothing to wait for.
    established = { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' };
  }
  status.acceptedNames = names;
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  setCondition(status, cond, now);
  setCondition(status, established, now);
  if (deepEqual(status, crd.status ?? {})) return undefined;
  return status;
}
