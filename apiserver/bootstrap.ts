// Built-in objects every cluster has: the four system namespaces and the
// `kubernetes` service (with its Endpoints and EndpointSlice) in default, pointing at
// this apiserver.
import type { Logger } from 'pino';
import { isAlreadyExists, isNotFound } from '../api/errors.js';
import { LABEL_SERVICE_NAME, type EndpointSlice } from '../api/types/discovery.js';
import type { KubeObject } from '../api/types/meta.js';
import { systemPriorityClasses } from '../api/types/scheduling.js';
import type { GenericRegistry } from './registry/generic.js';
import type { Storage } from './storage/store.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

interface BootstrapRegistries { namespaces: GenericRegistry; services: GenericRegistry; endpoints: GenericRegistry; endpointSlices: GenericRegistry }
interface BootstrapConfig { serviceIP: string; store: Storage; address: string; port: number; log: Logger }

async function ensure(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/**
 * The EndpointSlice kube-apiserver's endpoint reconciler writes next to the Endpoints
 * (endpointSliceFromEndpoints): named after the service, with its service-name label,
 * the apiserver's address as one ready endpoint and its port as https/TCP.
 */
export function kubernetesEndpointSlice(address: string, port: number): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { [LABEL_SERVICE_NAME]: 'kubernetes' } },
    addressType: address.includes(':') ? 'IPv6' : 'IPv4',
    endpoints: [{ addresses: [address], conditions: { ready: true } }],
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  };
}

/**
 * Creates obj, or updates the stored one to it (a no-op when nothing changed); replace
 * says when the stored one must be deleted and created again instead.
 */
async function upsert(reg: GenericRegistry, obj: KubeObject, replace?: (cur: KubeObject) => boolean): Promise<void> {
  const { namespace, name } = obj.metadata as { namespace: string; name: string };
  try {
    const cur = await reg.get(namespace, name);
    if (!replace?.(cur)) {
      await reg.update(namespace, name, { ...obj, metadata: { ...obj.metadata, resourceVersion: cur.metadata.resourceVersion } });
      return;
    }
    await reg.delete(namespace, name, { preconditions: { uid: cur.metadata.uid } });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  await ensure(() => reg.create(namespace, obj));
}

export async function bootstrap(reg: BootstrapRegistries, cfg: BootstrapConfig): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    await ensure(() => reg.namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  }
  const svc: KubeObject = {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP', clusterIP: cfg.serviceIP, sessionAffinity: 'None',
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: cfg.port }],
    },
  };
  // Look first: a create of an existing service would try to allocate its IP again.
  try {
    await reg.services.get('default', 'kubernetes');
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await ensure(() => reg.services.create('default', svc));
  }
  // The endpoints follow this apiserver's address and port, which may change across restarts.
  const endpoints: KubeObject = {
    apiVersion: 'v1', kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: cfg.address }], ports: [{ name: 'https', port: cfg.port, protocol: 'TCP' }] }],
  };
  await upsert(reg.endpoints, endpoints);
  const slice = kubernetesEndpointSlice(cfg.address, cfg.port);
  // addressType is immutable: a change of address family replaces the slice.
  await upsert(reg.endpointSlices, slice, (cur) => (cur as EndpointSlice).addressType !== slice.addressType);
  cfg.log.info({ namespaces: SYSTEM_NAMESPACES, serviceIP: cfg.serviceIP }, 'built-in objects ensured');
}

/**
 * The scheduling post-start hook (bootstrap-system-priority-classes): creates
 * system-node-critical and system-cluster-critical when missing; existing ones are left
 * as they are (their value cannot change anyway).
 */
export async function bootstrapSystemPriorityClasses(priorityClasses: GenericRegistry, log: Logger): Promise<void> {
  for (const pc of systemPriorityClasses()) {
    const name = pc.metadata.name as string;
    try {
      await priorityClasses.get(undefined, name);
      continue;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await ensure(() => priorityClasses.create(undefined, pc));
    log.info({ priorityClass: name, value: pc.value }, 'created PriorityClass');
  }
}
