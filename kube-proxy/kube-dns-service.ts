// The kube-system/kube-dns Service, as kubeadm's CoreDNS add-on creates it: it
// reserves the cluster DNS address (the tenth address of the service range) so the
// apiserver never hands it to another Service, and names the DNS server for tools
// that look for it. Here every node's kube-proxy serves DNS on that address itself
// (as NodeLocal DNSCache binds the kube-dns ClusterIP on each node), so the proxiers
// leave the Service alone; each kube-proxy creates it when it is missing.
import type { Logger } from 'pino';
import { isAlreadyExists } from '../api/errors.js';
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
 * Creates kube-system/kube-dns with clusterIP when it is missing. An existing Service
 * is kept; when it holds another address the kubelets' --cluster-dns and this DNS
 * server disagree with it, which is logged as an error (nothing is overwritten).
 */
export async function ensureKubeDnsService(rest: RestClient, clusterIP: string, log: Logger): Promise<void> {
  const services = resourceClient<Service>(rest, 'services');
  try {
    await services.create(KUBE_DNS_NAMESPACE, kubeDnsService(clusterIP));
    log.info({ service: `${KUBE_DNS_NAMESPACE}/${KUBE_DNS_NAME}`, clusterIP }, 'created the cluster DNS service');
    return;
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const existing = await services.get(KUBE_DNS_NAMESPACE, KUBE_DNS_NAME);
  if (existing.spec?.clusterIP !== clusterIP) {
    log.error({ service: `${KUBE_DNS_NAMESPACE}/${KUBE_DNS_NAME}`, clusterIP: existing.spec?.clusterIP, dns: clusterIP },
      'the kube-dns Service holds another ClusterIP than this DNS server serves on; pods configured with --cluster-dns may not reach it');
  }
}
