// The kube-system/kube-dns Service, as kubeadm's CoreDNS add-on creates it: it
// reserves the cluster DNS address (the tenth address of the service range) so the
// apiserver never hands it to another Service, and names the DNS server for tools
// that look for it. Here every node's kube-proxy serves DNS on that address itself
// (as NodeLocal DNSCache binds the kube-dns ClusterIP on each node), so the proxiers
// leave the Service alone. The cluster's setup creates it (scripts/addons.ts, as
// kubeadm's addon phase); a kube-proxy allowed to also creates it when it is missing.
import type { Logger } from 'pino';
import { isAlreadyExists, isForbidden, isNotFound } from '../api/errors.js';
import type { Service } from '../api/types/core.js';
import { resourceClient } from '../client/resource-client.js';
import type { RestClient } from '../client/rest-client.js';

export const KUBE_DNS_NAMESPACE = 'kube-system';
export const KUBE_DNS_NAME = 'kube-dns';

export function kubeDnsService(clusterIP: string): Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: {
      name: KUBE_DNS_NAME, namespace: KUBE_DNS_NAMESPACE,
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
      annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
    },
    spec: {
      type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP],
      selector: { 'k8s-app': 'kube-dns' },
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
    },
  };
}

/**
 * Creates kube-system/kube-dns with clusterIP when it is missing; an existing Service
 * is kept. Resolves with whether it was created and the ClusterIP the Service holds;
 * throws the API's error otherwise (403 for a user who may not read or create
 * Services). Called by the cluster's setup (scripts/addons.ts) and by every kube-proxy.
 */
export async function createKubeDnsService(rest: RestClient, clusterIP: string): Promise<{ created: boolean; clusterIP?: string }> {
  const services = resourceClient<Service>(rest, 'services');
  const existing = async (): Promise<{ created: false; clusterIP?: string }> =>
    ({ created: false, clusterIP: (await services.get(KUBE_DNS_NAMESPACE, KUBE_DNS_NAME)).spec?.clusterIP });
  // Read first: creating a Service whose address is taken fails on the address (422)
  // before its name is checked, as in Kubernetes.
  try {
    return await existing();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  try {
    await services.create(KUBE_DNS_NAMESPACE, kubeDnsService(clusterIP));
    return { created: true, clusterIP };
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    return existing();
  }
}

/**
 * kube-proxy's check of kube-system/kube-dns: created when missing and this kube-proxy
 * may (kubeadm's setup makes it; system:kube-proxy may not create Services, and a 403
 * means just that: logged at info). When the Service holds another address the
 * kubelets' --cluster-dns and this DNS server disagree with it, which is logged as an
 * error (nothing is overwritten). Other errors are thrown, for the caller to retry.
 */
export async function ensureKubeDnsService(rest: RestClient, clusterIP: string, log: Logger): Promise<void> {
  const service = `${KUBE_DNS_NAMESPACE}/${KUBE_DNS_NAME}`;
  try {
    const res = await createKubeDnsService(rest, clusterIP);
    if (res.created) log.info({ service, clusterIP }, 'created the cluster DNS service');
    else if (res.clusterIP !== clusterIP) {
      log.error({ service, clusterIP: res.clusterIP, dns: clusterIP },
        'the kube-dns Service holds another ClusterIP than this DNS server serves on; pods configured with --cluster-dns may not reach it');
    }
  } catch (err) {
    if (!isForbidden(err)) throw err;
    log.info({ service, clusterIP }, 'this kube-proxy may not read or create the kube-dns Service: the cluster\'s setup makes it (tskube addons); serving DNS on its address');
  }
}
