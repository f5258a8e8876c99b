// What metrics-server's components.yaml installs, for a metrics-server that runs as a
// process of its own (not a pod): its ServiceAccount (the user it runs as:
// system:serviceaccount:kube-system:metrics-server, by a token or a client certificate
// with that name), its RBAC (system:metrics-server, the auth-delegator and
// extension-apiserver-authentication-reader bindings), the kube-system/metrics-server
// Service (port 443, named https) with no selector and the Endpoints and EndpointSlice
// that point it at the process (as a pod's would be), and the APIService
// v1beta1.metrics.k8s.io. ensureMetricsServerObjects creates them, or sets back what
// changed; `tskube addons --metrics-server host:port` and the tests call it.
import { isIPv6 } from 'node:net';
import { isAlreadyExists } from '../api/errors.js';
import type { APIService } from '../api/types/apiregistration.js';
import type { Endpoints, Service, ServiceAccount } from '../api/types/core.js';
import { LABEL_SERVICE_NAME, type EndpointSlice } from '../api/types/discovery.js';
import type { KubeObject } from '../api/types/meta.js';
import type { ClusterRole, ClusterRoleBinding, RoleBinding } from '../api/types/rbac.js';
import { resourceClient } from '../client/resource-client.js';
import type { RestClient } from '../client/rest-client.js';

export const METRICS_SERVER = 'metrics-server';
export const METRICS_SERVER_NAMESPACE = 'kube-system';
/** The user metrics-server runs as (its ServiceAccount's). */
export const METRICS_SERVER_USER = `system:serviceaccount:${METRICS_SERVER_NAMESPACE}:${METRICS_SERVER}`;
const RBAC = 'rbac.authorization.k8s.io';
const LABELS = { 'k8s-app': METRICS_SERVER };
const SUBJECT = [{ kind: 'ServiceAccount', name: METRICS_SERVER, namespace: METRICS_SERVER_NAMESPACE }];

/** The objects, for metrics-server listening at host:port. */
export function metricsServerObjects(host: string, port: number): { resource: string; obj: KubeObject }[] {
  const meta = (name: string, namespaced = true) => ({ name, labels: { ...LABELS }, ...(namespaced ? { namespace: METRICS_SERVER_NAMESPACE } : {}) });
  const sa: ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(METRICS_SERVER) };
  const role: ClusterRole = {
    apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: meta('system:metrics-server', false),
    rules: [
      { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
    ],
  };
  const authReader: RoleBinding = {
    apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: meta('metrics-server-auth-reader'),
    roleRef: { apiGroup: RBAC, kind: 'Role', name: 'extension-apiserver-authentication-reader' }, subjects: SUBJECT,
  };
  const delegator: ClusterRoleBinding = {
    apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: meta('metrics-server:system:auth-delegator', false),
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'system:auth-delegator' }, subjects: SUBJECT,
  };
  const binding: ClusterRoleBinding = {
    apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: meta('system:metrics-server', false),
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'system:metrics-server' }, subjects: SUBJECT,
  };
  const service: Service = {
    apiVersion: 'v1', kind: 'Service', metadata: meta(METRICS_SERVER),
    spec: { ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }] },
  };
  const endpoints: Endpoints = {
    apiVersion: 'v1', kind: 'Endpoints', metadata: meta(METRICS_SERVER),
    subsets: [{ addresses: [{ ip: host }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
  };
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { ...meta(`${METRICS_SERVER}-process`), labels: { ...LABELS, [LABEL_SERVICE_NAME]: METRICS_SERVER, 'endpointslice.kubernetes.io/managed-by': 'tskube-addons' } },
    addressType: isIPv6(host) ? 'IPv6' : 'IPv4',
    endpoints: [{ addresses: [host], conditions: { ready: true } }],
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  };
  const apiService: APIService = {
    apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: meta('v1beta1.metrics.k8s.io', false),
    spec: {
      service: { name: METRICS_SERVER, namespace: METRICS_SERVER_NAMESPACE }, group: 'metrics.k8s.io', version: 'v1beta1',
      insecureSkipTLSVerify: true, groupPriorityMinimum: 100, versionPriority: 100,
    },
  };
  return [
    { resource: 'serviceaccounts', obj: sa }, { resource: 'clusterroles', obj: role }, { resource: 'rolebindings', obj: authReader },
    { resource: 'clusterrolebindings', obj: delegator }, { resource: 'clusterrolebindings', obj: binding },
    { resource: 'services', obj: service }, { resource: 'endpoints', obj: endpoints }, { resource: 'endpointslices', obj: slice },
    { resource: 'apiservices.apiregistration.k8s.io', obj: apiService },
  ];
}

/** The fields set back when an object differs (everything but metadata and status). */
const CONTENT = (o: KubeObject): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([k]) => !['metadata', 'status', 'apiVersion', 'kind'].includes(k)));

/** Creates each object, or puts its content back when the one there differs; returns "created"/"updated"/"unchanged" per object. */
export async function ensureMetricsServerObjects(rest: RestClient, host: string, port: number): Promise<string[]> {
  const out: string[] = [];
  for (const { resource, obj } of metricsServerObjects(host, port)) {
    const client = resourceClient<KubeObject>(rest, resource);
    const ns = obj.metadata.namespace ?? '';
    const what = `${obj.kind} ${ns ? `${ns}/` : ''}${obj.metadata.name}`;
    try {
      await client.create(ns, obj);
      out.push(`${what} created`);
      continue;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const cur = await client.get(ns, obj.metadata.name!);
    const want = CONTENT(obj);
    const have = CONTENT(cur);
    // Service ports get defaults (clusterIP...): compare only what is set here.
    const differs = Object.keys(want).some((k) => JSON.stringify(k === 'spec' ? pick(have[k], want[k]) : have[k]) !== JSON.stringify(want[k]));
    if (!differs) { out.push(`${what} unchanged`); continue; }
    const next = { ...cur, ...want, ...(resource === 'services' ? { spec: { ...(cur.spec as object), ...(obj.spec as object) } } : {}) };
    await client.update(ns, next);
    out.push(`${what} updated`);
  }
  return out;
}

/** have narrowed to the keys of want (recursively for plain objects, arrays item by item). */
function pick(have: unknown, want: unknown): unknown {
  if (Array.isArray(want) && Array.isArray(have)) return have.map((h, i) => pick(h, want[i]));
  if (want && typeof want === 'object' && have && typeof have === 'object') {
    return Object.fromEntries(Object.keys(want).map((k) => [k, pick((have as Record<string, unknown>)[k], (want as Record<string, unknown>)[k])]));
  }
  return have;
}
