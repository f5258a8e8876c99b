// `tskube addons` (and a step of `npm run cluster`): what kubeadm's addon phase makes
// with the admin credential once the apiserver is up, for cluster DNS:
//   - the kube-system/kube-dns Service, reserving the cluster DNS address
//     (kube-proxy/kube-dns-service.ts; every kube-proxy serves DNS on it);
//   - the ClusterRole system:tskube-dns, read access to what the DNS server reads
//     (Services and EndpointSlices: kube-proxy/dns/server.ts follows their informers),
//     bound to user system:kube-proxy by a ClusterRoleBinding of the same name, as
//     kubeadm binds system:coredns to CoreDNS's service account.
// kube-proxy runs as system:kube-proxy (system:node-proxier), which may not create
// Services. With --metrics-server host:port, also what metrics-server's manifests make
// (metrics-server/manifests.ts: its ServiceAccount and RBAC, the kube-system/metrics-server
// Service with that endpoint, the APIService v1beta1.metrics.k8s.io). Each object is
// created when missing and set back when changed; running it again is harmless.
import { ensureJoinRbac } from './bootstrap-token.js';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { isAlreadyExists } from '../api/errors.js';
import type { ClusterRole, ClusterRoleBinding } from '../api/types/rbac.js';
import type { KubeObject } from '../api/types/meta.js';
import { loadClientConfig } from '../client/kubeconfig.js';
import { resourceClient } from '../client/resource-client.js';
import { RestClient } from '../client/rest-client.js';
import { KUBE_PROXY_USER } from '../apiserver/rbac/bootstrap-policy.js';
import { createKubeDnsService, KUBE_DNS_NAME, KUBE_DNS_NAMESPACE } from '../kube-proxy/kube-dns-service.js';
import { ensureMetricsServerObjects } from '../metrics-server/manifests.js';

export const DNS_ROLE = 'system:tskube-dns';
const RBAC = 'rbac.authorization.k8s.io';

export function dnsClusterRole(): ClusterRole {
  return {
    apiVersion: `${RBAC}/v1`, kind: 'ClusterRole',
    metadata: { name: DNS_ROLE, labels: { 'k8s-app': 'kube-dns' } },
    rules: [
      { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['services'] },
      { verbs: ['get', 'list', 'watch'], apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'] },
    ],
  };
}

export function dnsClusterRoleBinding(): ClusterRoleBinding {
  return {
    apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding',
    metadata: { name: DNS_ROLE, labels: { 'k8s-app': 'kube-dns' } },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: DNS_ROLE },
    subjects: [{ apiGroup: RBAC, kind: 'User', name: KUBE_PROXY_USER }],
  };
}

/** Creates obj, or puts back the fields named when the one there differs; says which. */
async function ensure<T extends KubeObject>(rest: RestClient, resource: string, obj: T, fields: (keyof T)[]): Promise<'created' | 'updated' | 'unchanged'> {
  const client = resourceClient<T>(rest, resource);
  try {
    await client.create('', obj);
    return 'created';
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const current = await client.get('', obj.metadata.name!);
  if (fields.every((f) => isDeepStrictEqual(current[f], obj[f]))) return 'unchanged';
  const next = structuredClone(current);
  for (const f of fields) next[f] = obj[f];
  await client.update('', next);
  return 'updated';
}

/** Makes the cluster DNS objects (above) with rest, an admin's client; say gets one line per object. */
export async function ensureClusterAddons(rest: RestClient, clusterDNS: string, say: (line: string) => void): Promise<void> {
  const svc = await createKubeDnsService(rest, clusterDNS);
  if (svc.created) say(`created Service ${KUBE_DNS_NAMESPACE}/${KUBE_DNS_NAME} (${clusterDNS})`);
  else if (svc.clusterIP === clusterDNS) say(`Service ${KUBE_DNS_NAMESPACE}/${KUBE_DNS_NAME} (${clusterDNS}) is there`);
  else say(`warning: Service ${KUBE_DNS_NAMESPACE}/${KUBE_DNS_NAME} holds ${svc.clusterIP}, not ${clusterDNS}: pods configured with --cluster-dns may not reach it (delete it to have it made again)`);
  const role = await ensure(rest, 'clusterroles', dnsClusterRole(), ['rules']);
  const binding = await ensure(rest, 'clusterrolebindings', dnsClusterRoleBinding(), ['subjects']);
  say(`ClusterRole ${DNS_ROLE} ${role}, ClusterRoleBinding ${DNS_ROLE} (user ${KUBE_PROXY_USER}) ${binding}`);
  // kubeadm's bindings that let a node join with a bootstrap token (TLS bootstrap).
  const join = await ensureJoinRbac(rest);
  say(`ClusterRoleBindings for nodes joining with a bootstrap token ${join.length ? `created: ${join.join(', ')}` : 'are there'}`);
}

// Run as a script (`tskube addons`): node dist/scripts/addons.js --kubeconfig admin.conf
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const o = new Command('addons')
    .description('Create the cluster DNS Service (kube-system/kube-dns) and the RBAC kube-proxy\'s DNS server reads with, as kubeadm\'s addon phase; needs an admin kubeconfig')
    .requiredOption('--kubeconfig <file>', 'an admin kubeconfig (user admin, group system:masters)')
    .option('--cluster-dns <ip>', 'the cluster DNS address (the kubelets\' --cluster-dns)', '10.96.0.10')
    .option('--metrics-server <host:port>', 'also make metrics-server\'s objects, its Service pointing at host:port (where the metrics-server process serves HTTPS)')
    .parse()
    .opts<{ kubeconfig: string; clusterDns: string; metricsServer?: string }>();
  const rest = new RestClient(loadClientConfig({ kubeconfig: o.kubeconfig }), { userAgent: 'tskube-addons' });
  const say = (line: string): void => console.log(`addons: ${line}`);
  ensureClusterAddons(rest, o.clusterDns, say)
    .then(async () => {
      if (!o.metricsServer) return;
      const m = /^(.+):(\d+)$/.exec(o.metricsServer);
      if (!m) throw new Error(`--metrics-server ${JSON.stringify(o.metricsServer)}: want host:port`);
      for (const line of await ensureMetricsServerObjects(rest, m[1].replace(/^\[|\]$/g, ''), Number(m[2]))) say(line);
    })
    .then(() => rest.close())
    .catch((err: Error) => {
      console.error(`addons: ${err.message}`);
      process.exit(1);
    });
}
