// Built-in objects every cluster has: the four system namespaces and the
// `kubernetes` service (with its endpoints) in default, pointing at this apiserver.
import type { Logger } from 'pino';
import { isAlreadyExists, isNotFound } from '../api/errors.js';
import type { KubeObject } from '../api/types/meta.js';
import type { GenericRegistry } from './registry/generic.js';
import type { Storage } from './storage/store.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

interface BootstrapRegistries { namespaces: GenericRegistry; services: GenericRegistry; endpoints: GenericRegistry }
interface BootstrapConfig { serviceIP: string; store: Storage; address: string; port: number; log: Logger }

async function ensure(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
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
  try {
    const cur = await reg.endpoints.get('default', 'kubernetes');
    await reg.endpoints.update('default', 'kubernetes', { ...endpoints, metadata: { ...endpoints.metadata, resourceVersion: cur.metadata.resourceVersion } });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await ensure(() => reg.endpoints.create('default', endpoints));
  }
  cfg.log.info({ namespaces: SYSTEM_NAMESPACES, serviceIP: cfg.serviceIP }, 'built-in objects ensured');
}
