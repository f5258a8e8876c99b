// Builds one GenericRegistry per resource: its strategy, its watch cache and its
// subresources, and what registries ask of each other (namespace state, event leases).
import { registerCustomType } from '../api/managed-fields/types.js';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { RESOURCES, findResource, type ResourceInfo } from '../api/registry.js';
import { DEFAULT_TOLERATION_SECONDS, type DefaultTolerationSecondsOptions, withDefaultTolerationSeconds } from './admission/default-toleration-seconds.js';
import type { AdmissionChain } from './admission/chain.js';
import type { Allocator } from './allocator.js';
import { GenericRegistry, storagePrefix, type RegistryContext } from './registry/generic.js';
import { ConvertingRegistry, type Conversion } from './registry/converting.js';
import { hpaFromV1, hpaToV1 } from '../api/conversion/autoscaling.js';
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerV1 } from '../api/types/autoscaling.js';
import { certificateSigningRequestStrategy, setCSRSubresources } from './registry/certificatesigningrequests.js';
import { endpointSliceStrategy } from './registry/endpointslices.js';
import { cronJobStrategy, jobStrategy } from './registry/jobs.js';
import { finalizeSubresource } from './registry/namespace-finalize.js';
import { bindingSubresource, ephemeralContainersSubresource, logSubresource } from './registry/pod-subresources.js';
import { podStrategy } from './registry/pods.js';
import { scaleSubresource, setSelectorOf } from './registry/scale.js';
import { serviceStrategy } from './registry/services.js';
import {
  apiServiceStrategy, appsStrategy, createOnUpdateStrategy, daemonSetStrategy, horizontalPodAutoscalerStrategy, namespaceStrategy, nodeStrategy, replicationControllerStrategy,
  statefulSetStrategy,
} from './registry/simple.js';
import { podDisruptionBudgetStrategy } from './registry/simple.js';
import { evictionSubresource } from './registry/eviction.js';
import { customResourceDefinitionStrategy } from './crd/crd-strategy.js';
import { persistentVolumeClaimStrategy, persistentVolumeStrategy } from './registry/storage.js';
import { defaultStrategy, type Strategy } from './registry/strategy.js';
import type { Storage } from './storage/store.js';
import type { WatchCaches } from './watch-cache.js';

/** The strategies that need nothing from the server's options (pods and services do). */
const STRATEGIES: Record<string, Strategy> = {
  nodes: nodeStrategy,
  namespaces: namespaceStrategy,
  replicasets: appsStrategy,
  deployments: appsStrategy,
  daemonsets: daemonSetStrategy,
  statefulsets: statefulSetStrategy,
  jobs: jobStrategy,
  cronjobs: cronJobStrategy,
  horizontalpodautoscalers: horizontalPodAutoscalerStrategy,
  endpoints: createOnUpdateStrategy,
  events: createOnUpdateStrategy,
  leases: createOnUpdateStrategy,
  replicationcontrollers: replicationControllerStrategy,
  endpointslices: endpointSliceStrategy,
  certificatesigningrequests: certificateSigningRequestStrategy,
  persistentvolumes: persistentVolumeStrategy,
  persistentvolumeclaims: persistentVolumeClaimStrategy,
  apiservices: apiServiceStrategy,
  // Its status (type checking) is written through validatingadmissionpolicies/status only.
  validatingadmissionpolicies: { ...defaultStrategy, hasStatus: true },
  customresourcedefinitions: customResourceDefinitionStrategy,
  poddisruptionbudgets: podDisruptionBudgetStrategy,
};

/**
 * Versions served from another version's storage ("group/version/plural"): the
 * conversion between what clients of that version send and see and what is stored.
 */
const CONVERSIONS: Record<string, Conversion> = {
  'autoscaling/v1/horizontalpodautoscalers': {
    fromStorage: (obj) => hpaToV1(obj as HorizontalPodAutoscaler),
    toStorage: (obj) => hpaFromV1(obj as HorizontalPodAutoscalerV1),
  },
};

export interface RegistriesOptions {
  store: Storage;
  caches: WatchCaches;
  ips: Allocator;
  ports: Allocator;
  eventTtlSeconds: number;
  /** The DefaultTolerationSeconds admission plugin's settings (300 s each when absent). */
  defaultTolerationSeconds?: DefaultTolerationSecondsOptions;
  /** The connections to kubelets pods/log streams through (proxy-stream.ts kubeletTransport). */
  kubeletTransport?: Dispatcher;
  log: Logger;
}

/** Every resource's registry, looked up by ResourceInfo (the HTTP layer) or by plural. */
export class Registries {
  private readonly byInfo = new Map<ResourceInfo, GenericRegistry>();
  private readonly ctx: RegistryContext;
  private admission?: AdmissionChain;

  constructor(private readonly opts: RegistriesOptions) {
    const ctx = this.ctx = registryContext(opts.store, opts.eventTtlSeconds, () => this.get('namespaces'));
    const strategies: Record<string, Strategy> = {
      ...STRATEGIES,
      services: serviceStrategy(opts.ips, opts.ports, opts.log.child({ component: 'allocator' })),
      pods: withDefaultTolerationSeconds(podStrategy, opts.defaultTolerationSeconds ?? DEFAULT_TOLERATION_SECONDS),
    };
    for (const ri of RESOURCES) {
      const strategy = strategies[ri.plural] ?? defaultStrategy;
      const conversion = CONVERSIONS[`${ri.group}/${ri.version}/${ri.plural}`];
      const cache = opts.caches.cache(`/registry/${ri.plural}/`);
      if (conversion) {
        const reg = new ConvertingRegistry(ri, opts.store, strategy, cache, ctx);
        reg.conversion = conversion;
        this.byInfo.set(ri, reg);
      } else {
        this.byInfo.set(ri, new GenericRegistry(ri, opts.store, strategy, cache, ctx));
      }
    }
    const pods = this.get('pods');
    pods.subresources.set('binding', bindingSubresource(pods));
    pods.subresources.set('log', logSubresource(pods, this.get('nodes'), opts.kubeletTransport));
    pods.subresources.set('ephemeralcontainers', ephemeralContainersSubresource(pods));
    pods.subresources.set('eviction', evictionSubresource({ pods, pdbs: this.get('poddisruptionbudgets') }));
    for (const plural of ['deployments', 'replicasets', 'statefulsets']) this.get(plural).subresources.set('scale', scaleSubresource(this.get(plural)));
    this.get('replicationcontrollers').subresources.set('scale', scaleSubresource(this.get('replicationcontrollers'), setSelectorOf));
    this.get('namespaces').subresources.set('finalize', finalizeSubresource(this.get('namespaces')));
    setCSRSubresources(this.get('certificatesigningrequests'));
  }

  /** Puts every write through the admission plugins. */
  setAdmission(admission: AdmissionChain): void {
    this.admission = admission;
    for (const reg of this.byInfo.values()) reg.admission = admission;
  }

  /**
   * Registers the registry of a custom resource version (apiserver/crd/serving.ts):
   * its watch cache is added and filled first. Every version of a resource shares one
   * storage prefix and cache; objects are stored in the storage version.
   */
  async addCustom(ri: ResourceInfo, strategy: Strategy, conversion: Conversion): Promise<GenericRegistry> {
    const cache = await this.opts.caches.add(storagePrefix(ri));
    // Server-side apply merges its objects by the version's schema (list types, map keys).
    registerCustomType(ri.group, ri.version, ri.kind, ri.custom?.schema as Parameters<typeof registerCustomType>[3]);
    const reg = new ConvertingRegistry(ri, this.opts.store, strategy, cache, this.ctx);
    reg.conversion = conversion;
    if (this.admission) reg.admission = this.admission;
    this.byInfo.set(ri, reg);
    return reg;
  }

  /** Forgets a custom resource version's registry; dropCache also drops its watch cache (no version is served any more). */
  removeCustom(ri: ResourceInfo, dropCache: boolean): void {
    this.byInfo.delete(ri);
    registerCustomType(ri.group, ri.version, ri.kind, null);
    if (dropCache) this.opts.caches.remove(storagePrefix(ri));
  }

  for(ri: ResourceInfo): GenericRegistry {
    return this.byInfo.get(ri) as GenericRegistry;
  }

  /** The registry of a built-in resource by its plural name ("pods"). */
  get(plural: string): GenericRegistry {
    const ri = RESOURCES.find((r) => r.plural === plural) ?? findResource('', 'v1', plural);
    if (!ri) throw new Error(`no registry for ${plural}`);
    return this.for(ri);
  }
}

/** What registries ask of the rest of the server. */
function registryContext(store: Storage, eventTtlSeconds: number, namespaces: () => GenericRegistry): RegistryContext {
  let eventLease: { id: string; until: number } | undefined;
  return {
    async namespaceState(name) {
      const nsReg = namespaces();
      const key = nsReg.key(undefined, name);
      const ns = nsReg.cache.snapshotOne(key) ?? (await store.get(key))?.obj;
      if (!ns) return 'Missing';
      return ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating' ? 'Terminating' : 'Active';
    },
    async eventLease() {
      // Events written close together share one lease, as kube-apiserver's lease
      // manager does: a lease is reused for 5% of the TTL and lives that much longer.
      const reuseMs = Math.max(1000, eventTtlSeconds * 50);
      if (!eventLease || eventLease.until < Date.now()) {
        const ttl = Math.ceil(eventTtlSeconds + reuseMs / 1000);
        eventLease = { id: await store.grantLease(ttl), until: Date.now() + reuseMs };
      }
      return eventLease.id;
    },
  };
}
