// The Website controller: an operator written with tskube's client library, as
// Kubernetes' sample-controller is written with client-go. It watches Websites (a
// custom resource, crd.yaml) and Deployments through shared informers, and reconciles
// each Website into a Deployment it owns: created when missing, updated when its spec
// drifts from the Website's, and the Website's status (replicas, readyReplicas, the
// Ready condition) written back through the status subresource. Deleting a Website
// needs no code: the Deployment's ownerReference lets the garbage collector remove it.
import type { Logger } from 'pino';
import { isAlreadyExists, isConflict, isNotFound } from '../../api/errors.js';
import { controllerRef, isControlledBy, newControllerRef } from '../../api/helpers/owner-refs.js';
import { resolveResource, type ResourceInfo } from '../../api/registry.js';
import type { Deployment } from '../../api/types/apps.js';
import type { KubeObject, ObjectMeta } from '../../api/types/meta.js';
import { keyOf, splitKey, type Informer } from '../../client/informer.js';
import type { SharedInformerFactory } from '../../client/informer-factory.js';
import { ResourceClient } from '../../client/resource-client.js';
import type { RestClient } from '../../client/rest-client.js';
import { WorkQueue } from '../../client/work-queue.js';
import { runWorkers } from '../../client/workers.js';

export const GROUP = 'examples.tskube.io';
export const API_VERSION = `${GROUP}/v1`;

/** The custom resource, as discovery would describe it once crd.yaml is applied. */
export const WEBSITES: ResourceInfo = {
  group: GROUP, version: 'v1', kind: 'Website', listKind: 'WebsiteList', plural: 'websites', singular: 'website',
  namespaced: true, shortNames: ['web'], categories: ['all'], subresources: ['status', 'scale'],
};

export interface WebsiteCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface Website extends KubeObject {
  metadata: ObjectMeta;
  spec: { image: string; replicas?: number; message?: string; port?: number };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    selector?: string;
    observedGeneration?: number;
    conditions?: WebsiteCondition[];
  };
}

/** The labels of a Website's pods; the Deployment selects on them. */
export function selectorLabels(site: Website): Record<string, string> {
  return { 'app.kubernetes.io/name': 'website', 'app.kubernetes.io/instance': site.metadata.name as string };
}

/** The Deployment a Website asks for. */
export function desiredDeployment(site: Website): Deployment {
  const labels = selectorLabels(site);
  const port = site.spec.port ?? 8080;
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: {
      name: site.metadata.name, namespace: site.metadata.namespace,
      labels: { ...labels, 'app.kubernetes.io/managed-by': 'website-operator' },
      ownerReferences: [newControllerRef(site, API_VERSION, 'Website')],
    },
    spec: {
      replicas: site.spec.replicas ?? 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{
            name: 'web', image: site.spec.image,
            env: [{ name: 'MESSAGE', value: site.spec.message ?? 'hello' }, { name: 'PORT', value: String(port) }],
            ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
          }],
        },
      },
    },
  } as Deployment;
}

/** True when the fields the operator owns differ between what runs and what is wanted. */
export function drifted(current: Deployment, desired: Deployment): boolean {
  const owned = (d: Deployment): string => {
    const c = d.spec?.template?.spec?.containers?.[0];
    return JSON.stringify([d.spec?.replicas, d.spec?.template?.metadata?.labels, c?.name, c?.image, c?.env, c?.ports?.map((p) => p.containerPort)]);
  };
  return owned(current) !== owned(desired);
}

/** The status a Website should show for its Deployment (undefined: not created yet). */
export function websiteStatus(site: Website, dep: Deployment | undefined, blocked: string | undefined, now: string): NonNullable<Website['status']> {
  const wanted = site.spec.replicas ?? 1;
  const ready = dep?.status?.readyReplicas ?? 0;
  const updated = dep?.status?.updatedReplicas ?? 0;
  const condition: WebsiteCondition = blocked
    ? { type: 'Ready', status: 'False', reason: 'DeploymentNotOwned', message: blocked }
    : ready >= wanted && updated >= wanted && (dep?.status?.replicas ?? 0) === wanted
      ? { type: 'Ready', status: 'True', reason: 'ReplicasReady', message: `${ready} of ${wanted} replicas are ready` }
      : { type: 'Ready', status: 'False', reason: 'ReplicasNotReady', message: `${ready} of ${wanted} replicas are ready` };
  const previous = site.status?.conditions?.find((c) => c.type === 'Ready');
  condition.lastTransitionTime = previous && previous.status === condition.status ? previous.lastTransitionTime : now;
  const selector = Object.entries(selectorLabels(site)).map(([k, v]) => `${k}=${v}`).sort().join(',');
  return { replicas: dep?.status?.replicas ?? 0, readyReplicas: ready, selector, observedGeneration: site.metadata.generation, conditions: [condition] };
}

export interface WebsiteControllerOptions {
  rest: RestClient;
  informers: SharedInformerFactory;
  log: Logger;
  workers?: number;
}

export class WebsiteController {
  readonly queue = new WorkQueue();
  private readonly sites: Informer<Website>;
  private readonly deployments: Informer<Deployment>;
  private readonly siteClient: ResourceClient<Website>;
  private readonly deploymentClient: ResourceClient<Deployment>;

  constructor(private readonly o: WebsiteControllerOptions) {
    this.sites = o.informers.informer<Website>(WEBSITES);
    this.deployments = o.informers.informer<Deployment>('deployments');
    this.siteClient = new ResourceClient<Website>(o.rest, WEBSITES);
    this.deploymentClient = new ResourceClient<Deployment>(o.rest, resolveResource('deployments') as ResourceInfo);
    const enqueueSite = (site: Website): void => this.queue.add(keyOf(site));
    // A Deployment's change wakes the Website that controls it.
    const enqueueOwner = (dep: Deployment): void => {
      const ref = controllerRef(dep);
      if (ref?.kind === 'Website' && ref.apiVersion.startsWith(`${GROUP}/`)) this.queue.add(`${dep.metadata.namespace}/${ref.name}`);
    };
    this.sites.addEventHandler({ add: enqueueSite, update: (_old, cur) => enqueueSite(cur), delete: enqueueSite });
    this.deployments.addEventHandler({ add: enqueueOwner, update: (_old, cur) => enqueueOwner(cur), delete: enqueueOwner });
  }

  /** Runs the workers until signal aborts (call after the informers have synced). */
  async run(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => void this.queue.shutDown(), { once: true });
    this.o.log.info({ workers: this.o.workers ?? 2 }, 'starting workers');
    await runWorkers(this.queue, (key) => this.reconcile(key), { workers: this.o.workers ?? 2, log: this.o.log });
  }

  async reconcile(key: string): Promise<void> {
    const site = this.sites.getByKey(key);
    // Gone or going: the garbage collector removes the Deployment it owned.
    if (!site || site.metadata.deletionTimestamp) return;
    const { namespace, name } = splitKey(key);
    const desired = desiredDeployment(site);
    let dep = this.deployments.getByKey(key);
    let blocked: string | undefined;
    if (!dep) {
      try {
        dep = await this.deploymentClient.create(namespace, desired, { fieldManager: 'website-operator' });
        this.o.log.info({ website: key }, 'created deployment');
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        dep = await this.deploymentClient.get(namespace, name);
      }
    }
    if (!isControlledBy(dep, site)) {
      // Someone else's Deployment of that name: leave it alone and say so.
      blocked = `deployment "${name}" already exists and is not managed by this Website`;
    } else if (drifted(dep, desired)) {
      const next: Deployment = { ...dep, spec: { ...dep.spec, replicas: desired.spec?.replicas, template: desired.spec?.template } } as Deployment;
      dep = await this.deploymentClient.update(namespace, next, { fieldManager: 'website-operator' });
      this.o.log.info({ website: key, replicas: desired.spec?.replicas, image: site.spec.image }, 'updated deployment');
    }
    await this.writeStatus(site, blocked ? undefined : dep, blocked);
  }

  private async writeStatus(site: Website, dep: Deployment | undefined, blocked: string | undefined): Promise<void> {
    const status = websiteStatus(site, dep, blocked, new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
    if (JSON.stringify(status) === JSON.stringify(site.status ?? {})) return;
    try {
      // The update carries the resourceVersion read: a Website changed since is retried.
      await this.siteClient.updateStatus(site.metadata.namespace as string, { ...site, status }, { fieldManager: 'website-operator' });
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) { this.queue.add(keyOf(site)); return; }
      throw err;
    }
  }
}
