// A structure-aware fuzzer against the real apiserver: a valid object of every resource
// the apiserver serves, mutated where it hurts (wrong types, nulls, huge and negative
// numbers, NaN-like strings, deep nesting, long strings, odd unicode, duplicate keys,
// arrays where objects go and back), sent as creates, updates and all three patch
// types. Every answer must be a success or a Status below 500, and the server must still
// serve afterwards. Seeded: TSKUBE_FUZZ_SEED=<n> replays a run, TSKUBE_FUZZ_CASES=<n>
// sets its length; a failure prints the seed and each failing request in full.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { stringify as toYaml } from 'yaml';
import { RESOURCES, groupVersion, type ResourceInfo } from '../../api/registry.js';
import { MAX_NESTING_DEPTH } from '../../api/schemas/shape.js';
import { startControlPlane, type ControlPlane } from '../harness/apiserver.js';
import { http } from '../harness/http.js';
import { prng } from '../harness/prng.js';
import { generateKeyPairSync } from 'node:crypto';
import { makeCSR } from '../../kubelet/bootstrap.js';

const SEED = Number(process.env.TSKUBE_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CASES = Number(process.env.TSKUBE_FUZZ_CASES ?? 4000);
/** Replaying: cases before this one are generated (the sequence stays the same) but not sent. */
const FROM = Number(process.env.TSKUBE_FUZZ_FROM ?? 0);
const NS = 'fuzz';

let cp: ControlPlane;
/** A PEM certificate request, for CertificateSigningRequests. */
let csrPem = '';
before(async () => {
  const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  csrPem = await makeCSR(key, 'fuzz-user', ['fuzzers']);
  cp = await startControlPlane();
});
after(async () => { await cp?.stop(); });


type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const TIME = '2024-05-01T12:00:00Z';
const MICRO = '2024-05-01T12:00:00.123456Z';
const container = (name: string): Json => ({
  name, image: 'tskube.local/busybox:1.35', command: ['sh', '-c', 'sleep 1'], args: ['x'], workingDir: '/',
  ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
  env: [{ name: 'A', value: 'b' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
  resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '250m', memory: '32Mi' } },
  livenessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 10 },
  readinessProbe: { tcpSocket: { port: 'http' }, initialDelaySeconds: 1 },
  lifecycle: { preStop: { exec: { command: ['true'] } } },
  volumeMounts: [{ name: 'data', mountPath: '/data' }],
  securityContext: { runAsUser: 1000, capabilities: { drop: ['ALL'] } },
  imagePullPolicy: 'IfNotPresent',
});
const podSpec = (): Json => ({
  containers: [container('app')], initContainers: [{ name: 'init', image: 'tskube.local/busybox:1.35', command: ['true'], resources: { requests: { cpu: '10m' } } }],
  volumes: [{ name: 'data', emptyDir: { sizeLimit: '1Gi' } }, { name: 'cfg', configMap: { name: 'c', items: [{ key: 'k', path: 'p', mode: 420 }] } }],
  restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', nodeSelector: { disk: 'ssd' },
  tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }],
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } },
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'x' } } }],
  securityContext: { fsGroup: 2000, sysctls: [{ name: 'net.core.somaxconn', value: '1024' }] },
  hostAliases: [{ ip: '10.0.0.1', hostnames: ['a.example'] }], dnsConfig: { nameservers: ['1.1.1.1'], options: [{ name: 'ndots', value: '2' }] },
  priority: 0, enableServiceLinks: true,
});
const selector = { matchLabels: { app: 'x' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] };
const template = (): Json => ({ metadata: { labels: { app: 'x', tier: 'web' } }, spec: podSpec() });

/** A valid object of each resource, with the fields that exercise its strategy. */
const GADGET_SCHEMA: Json = {
  type: 'object',
  properties: {
    spec: {
      type: 'object', required: ['size'],
      'x-kubernetes-validations': [{ rule: 'self.size <= 100', message: 'too big' }],
      properties: {
        size: { type: 'integer', minimum: 0 }, replicas: { type: 'integer', default: 1 },
        color: { type: 'string', enum: ['red', 'green'] }, tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer', format: 'int32' } } } },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
    status: { type: 'object', properties: { replicas: { type: 'integer' }, phase: { type: 'string', pattern: '^[A-Z]' } } },
  },
};
/** A CRD's kind from its plural: "gadgets" -> "Gadget", "fuzz-12" -> "Fuzz12". */
const kindOf = (plural: string): string => plural.charAt(0).toUpperCase() + plural.slice(1).replace(/-/g, '').replace(/s$/, '');
/** The custom resource of the fuzzer's own CRD (GADGET_SCHEMA), fuzzed with the built-in ones. */
const GADGETS: ResourceInfo = {
  group: 'fuzz.example.com', version: 'v1', kind: 'Gadget', listKind: 'GadgetList', plural: 'gadgets', singular: 'gadget', namespaced: true,
  shortNames: [], categories: [], subresources: ['status', 'scale'],
};

const VALID: Record<string, (name: string) => Json> = {
  namespaces: (name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { a: 'b' } }, spec: { finalizers: ['kubernetes'] } }),
  pods: (name) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'x' }, annotations: { note: 'n' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u-1', controller: true }] }, spec: podSpec() }),
  nodes: (name) => ({
    apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'], taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }], unschedulable: false },
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '3900m', memory: '7Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: TIME, lastTransitionTime: TIME, reason: 'KubeletReady', message: 'ok' }],
      addresses: [{ type: 'InternalIP', address: '10.0.0.2' }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: { machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: 'k', osImage: 'o', containerRuntimeVersion: 'docker://1', kubeletVersion: 'v1', kubeProxyVersion: 'v1', operatingSystem: 'linux', architecture: 'amd64' },
    },
  }),
  services: (name) => ({
    apiVersion: 'v1', kind: 'Service', metadata: { name },
    spec: { type: 'NodePort', selector: { app: 'x' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }, { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP', nodePort: 0 }] as Json, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, externalTrafficPolicy: 'Cluster' },
  }),
  endpoints: (name) => ({
    apiVersion: 'v1', kind: 'Endpoints', metadata: { name },
    subsets: [{ addresses: [{ ip: '10.244.0.5', nodeName: 'n', targetRef: { kind: 'Pod', name: 'p', namespace: NS } }], notReadyAddresses: [{ ip: '10.244.0.6' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
  }),
  configmaps: (name) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { key: 'value', 'file.txt': 'line\n' }, binaryData: { bin: 'AAEC' } }),
  secrets: (name) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'Opaque', data: { password: 'c2VjcmV0' }, stringData: { user: 'admin' } }),
  events: (name) => ({
    apiVersion: 'v1', kind: 'Event', metadata: { name }, involvedObject: { kind: 'Pod', name: 'p', namespace: NS, uid: 'u' },
    reason: 'Started', message: 'started', type: 'Normal', count: 1, firstTimestamp: TIME, lastTimestamp: TIME, eventTime: MICRO,
    source: { component: 'kubelet', host: 'n' }, reportingComponent: 'kubelet', reportingInstance: 'n', action: 'Start',
  }),
  replicasets: (name) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name }, spec: { replicas: 2, minReadySeconds: 0, selector, template: template() } }),
  deployments: (name) => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
    spec: { replicas: 3, selector, template: template(), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, paused: false },
  }),
  daemonsets: (name) => ({
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name },
    spec: { selector, template: template(), updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 } }, minReadySeconds: 5, revisionHistoryLimit: 3 },
  }),
  statefulsets: (name) => ({
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name },
    spec: {
      replicas: 2, selector, template: template(), serviceName: 'svc', podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } }, revisionHistoryLimit: 5, minReadySeconds: 0,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' }, ordinals: { start: 1 },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local-path' } }],
    },
  }),
  controllerrevisions: (name) => ({
    apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: 'u-2', controller: true }] },
    data: { spec: { template: { $patch: 'replace', metadata: { labels: { app: 'x' } } } } }, revision: 3,
  }),
  jobs: (name) => ({
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
    spec: {
      completions: 4, parallelism: 2, completionMode: 'Indexed', backoffLimit: 3, backoffLimitPerIndex: 1, maxFailedIndexes: 2, activeDeadlineSeconds: 600,
      ttlSecondsAfterFinished: 100, suspend: true, podReplacementPolicy: 'Failed',
      podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { containerName: 'app', operator: 'In', values: [3, 42] } }, { action: 'FailJob', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] as Json },
      successPolicy: { rules: [{ succeededIndexes: '0-2', succeededCount: 2 }] },
      template: { metadata: { labels: { app: 'x' } }, spec: { ...(podSpec() as Record<string, Json>), restartPolicy: 'Never' } },
    },
  }),
  cronjobs: (name) => ({
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name },
    spec: {
      schedule: '*/5 1-3 * jan,feb MON-FRI', timeZone: 'Europe/Paris', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 30, suspend: false,
      successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 0,
      jobTemplate: { metadata: { labels: { app: 'x' } }, spec: { backoffLimit: 2, template: { metadata: { labels: { app: 'x' } }, spec: { ...(podSpec() as Record<string, Json>), restartPolicy: 'OnFailure' } } } },
    },
  }),
  horizontalpodautoscalers: (name) => ({
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '64Mi' } } },
        { type: 'Pods', pods: { metric: { name: 'qps', selector: { matchLabels: { a: 'b' } } }, target: { type: 'AverageValue', averageValue: '10' } } },
        { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '100' } } },
      ] as Json,
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }] },
        scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
      } as Json,
    },
  }),
  'autoscaling/v1/horizontalpodautoscalers': (name) => ({
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler',
    metadata: { name, annotations: { 'autoscaling.alpha.kubernetes.io/metrics': '[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"64Mi"}}]' } },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
  }),
  leases: (name) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: MICRO, renewTime: MICRO, leaseTransitions: 0 } }),
  replicationcontrollers: (name) => ({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name }, spec: { replicas: 2, minReadySeconds: 0, selector: { app: 'x' }, template: template() } }),
  endpointslices: (name) => ({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, labels: { 'kubernetes.io/service-name': 'svc' } }, addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.0.5'], conditions: { ready: true, serving: true, terminating: false }, hostname: 'h', nodeName: 'n', zone: 'z', targetRef: { kind: 'Pod', name: 'p', namespace: NS }, hints: { forZones: [{ name: 'z' }] } }],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP', appProtocol: 'http' }, { name: 'dns', port: 53, protocol: 'UDP' }] as Json,
  }),
  serviceaccounts: (name) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name }, automountServiceAccountToken: false, imagePullSecrets: [{ name: 'pull' }], secrets: [{ name: 's' }] }),
  clusterroles: (name) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules: [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'], resourceNames: ['a'] }, { nonResourceURLs: ['/healthz', '/api/*'], verbs: ['get'] }] as Json }),
  roles: (name) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name }, rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] }] }),
  clusterrolebindings: (name) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'u' }, { kind: 'ServiceAccount', name: 'sa', namespace: NS }] as Json,
  }),
  rolebindings: (name) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'g' }],
  }),
  tokenreviews: () => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'abc.def', audiences: ['x'] } }),
  selfsubjectreviews: () => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
  subjectaccessreviews: () => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'u', groups: ['g'], resourceAttributes: { verb: 'get', resource: 'pods', namespace: NS } } }),
  localsubjectaccessreviews: () => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', metadata: { namespace: NS }, spec: { user: 'u', resourceAttributes: { verb: 'list', resource: 'pods', namespace: NS } } }),
  selfsubjectaccessreviews: () => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { nonResourceAttributes: { verb: 'get', path: '/healthz' } } }),
  selfsubjectrulesreviews: () => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: NS } }),
  // A CRD's name is <plural>.<group>: the fuzzed name is the plural.
  customresourcedefinitions: (name) => ({
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${name}.fuzz.example.com` },
    spec: {
      group: 'fuzz.example.com', scope: 'Namespaced', names: { plural: name, kind: kindOf(name), shortNames: [`s${name}`.slice(0, 20)], categories: ['fuzz'] },
      versions: [{
        name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: GADGET_SCHEMA },
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
        additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
      }],
    },
  }),
  // The custom resource the fuzzer's own CRD serves (created before the cases).
  'fuzz.example.com/v1/gadgets': (name) => ({
    apiVersion: 'fuzz.example.com/v1', kind: 'Gadget', metadata: { name, labels: { a: 'b' } },
    spec: { size: 3, replicas: 2, color: 'red', tags: ['a', 'b'], ports: [{ name: 'http', port: 80 }], extra: { any: ['thing'] } },
    status: { replicas: 1, phase: 'Ready' },
  }),
  certificatesigningrequests: (name) => ({
    apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name },
    spec: { request: Buffer.from(csrPem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], expirationSeconds: 3600 },
  }),
  persistentvolumes: (name) => ({
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, labels: { tier: 'fast' } },
    spec: {
      capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'local-path',
      volumeMode: 'Filesystem', hostPath: { path: '/tmp/pv', type: 'DirectoryOrCreate' }, mountOptions: ['ro'],
      claimRef: { kind: 'PersistentVolumeClaim', namespace: NS, name: 'c', uid: '1' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] } },
    },
  }),
  persistentvolumeclaims: (name) => ({
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name },
    spec: {
      accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], resources: { requests: { storage: '2Gi' }, limits: { storage: '4Gi' } }, storageClassName: 'local-path',
      volumeMode: 'Filesystem', selector: { matchLabels: { tier: 'fast' } }, volumeName: 'v', dataSource: { kind: 'PersistentVolumeClaim', name: 'src' },
    },
  }),
  storageclasses: (name) => ({
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner: 'rancher.io/local-path', parameters: { a: 'b' },
    reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true, mountOptions: ['ro'],
    allowedTopologies: [{ matchLabelExpressions: [{ key: 'kubernetes.io/hostname', values: ['n1'] }] }],
  }),
  poddisruptionbudgets: (name) => ({
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: NS },
    spec: { minAvailable: '50%', selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
  }),
  priorityclasses: (name) => ({
    apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value: 1000, description: 'fuzz', preemptionPolicy: 'Never',
  }),
  // Named <version>.<group>: the name asked for becomes the group.
  apiservices: (name) => ({
    apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: `v1.${name}.example.com` },
    spec: { group: `${name}.example.com`, version: 'v1', groupPriorityMinimum: 100, versionPriority: 10, service: { namespace: 'default', name: 'api', port: 8443 }, insecureSkipTLSVerify: true },
  }),
  // Webhooks for a group nothing else here uses, failing open: a fuzzed configuration never stands in the way of the other requests.
  validatingwebhookconfigurations: (name) => ({
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name },
    webhooks: [webhook('v.fuzz.example.com')],
  }),
  mutatingwebhookconfigurations: (name) => ({
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name },
    webhooks: [{ ...webhook('m.fuzz.example.com') as Record<string, Json>, reinvocationPolicy: 'IfNeeded' }],
  }),
};

// Policies for a group nothing else here uses, so a fuzzed one never refuses the other requests.
Object.assign(VALID, {
  validatingadmissionpolicies: (name: string): Json => ({
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name },
    spec: {
      failurePolicy: 'Ignore', paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      matchConstraints: {
        resourceRules: [{ operations: ['CREATE'], apiGroups: ['fuzz.example.com'], apiVersions: ['v1'], resources: ['things'], resourceNames: ['a'] }],
        excludeResourceRules: [{ operations: ['*'], apiGroups: ['fuzz.example.com'], apiVersions: ['*'], resources: ['others'] }],
        namespaceSelector: { matchLabels: { fuzz: 'yes' } }, objectSelector: {}, matchPolicy: 'Exact',
      },
      matchConditions: [{ name: 'always', expression: 'true' }],
      variables: [{ name: 'n', expression: 'object.metadata.name' }],
      validations: [{ expression: 'variables.n != "x"', message: 'not x', reason: 'Forbidden', messageExpression: '"no " + variables.n' }],
      auditAnnotations: [{ key: 'k', valueExpression: '"v"' }],
    },
  }),
  validatingadmissionpolicybindings: (name: string): Json => ({
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name },
    spec: {
      policyName: 'fuzz-policy', validationActions: ['Deny', 'Audit'],
      paramRef: { selector: { matchLabels: { fuzz: 'yes' } }, namespace: 'fuzz', parameterNotFoundAction: 'Allow' },
      matchResources: { resourceRules: [{ operations: ['CREATE'], apiGroups: ['fuzz.example.com'], apiVersions: ['v1'], resources: ['things'] }] },
    },
  }),
});

function webhook(name: string): Json {
  return {
    name, clientConfig: { url: 'https://127.0.0.1:1/hook', caBundle: Buffer.from('not a certificate').toString('base64') },
    rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['fuzz.example.com'], apiVersions: ['v1'], resources: ['things', 'things/status'], scope: 'Namespaced' }],
    failurePolicy: 'Ignore', matchPolicy: 'Exact', sideEffects: 'None', timeoutSeconds: 1, admissionReviewVersions: ['v1'],
    namespaceSelector: { matchLabels: { fuzz: 'yes' } }, objectSelector: { matchExpressions: [{ key: 'fuzz', operator: 'Exists' }] },
    matchConditions: [{ name: 'always', expression: 'true' }],
  };
}

// Raw JSON text that JSON.stringify cannot write: it goes in as a marker string and is
// put back in the text afterwards.
const raws: string[] = [];
const raw = (text: string): string => `\u0000RAW${raws.push(text) - 1}\u0000`;
const unraw = (text: string): string => text.replace(/"\\u0000RAW(\d+)\\u0000"/g, (_, i: string) => raws[Number(i)]);

/** One fuzz run's generators, all drawing from one seeded sequence. */
function generators(rand: () => number) {
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const deep = (depth: number, open: string, close: string, leaf = '1'): string => open.repeat(depth) + leaf + close.repeat(depth);
  const nested = (): string => {
    const depth = pick([10_001, 20_000, MAX_NESTING_DEPTH + 1, MAX_NESTING_DEPTH, MAX_NESTING_DEPTH - 1, MAX_NESTING_DEPTH - 3, 300]);
    return pick([deep(depth, '[', ']', ''), deep(depth, '{"a":', '}'), deep(depth, '[{"x":', '}]')]);
  };
  const oddStrings = ['', ' ', 'NaN', 'Infinity', '-Infinity', '-0', '1e999', '0x10', '1_000', '+5', '٣', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83dy', '\u2028\u2029',
    '😀', '\u202eevil', 'e\u0301', '\ufeff', '<script>&amp;', '"\'\\', '%zz', '../..', '-', '.', 'a'.repeat(254), 'A'.repeat(64), '::', '10.0.0.1/33', '2024-02-30T00:00:00Z', 'yesterday', '2024-01-01T00:00:00', '9999-12-31T23:59:59+14:00', '0000-01-01T00:00:00+01:00', '  250m  ', '1Ki', '1e3', '-1', '1.5Gi', 'Always', 'None', 'true'];
  const numbers: (number | string)[] = [0, -1, -2147483649, 2147483648, 4294967296, 9007199254740993, 1.5, -0.5, 1e308, -1e308, 65536, 65535, 30000, 32767, 32768, 86401,
    raw('1e400'), raw('-1e400'), raw('1.0'), raw('-0'), raw('1E2'), raw('123456789012345678901234567890'), raw('9223372036854775807'), raw('9223372036854775808'), raw('0.000001')];
  const atom = (): Json => {
    switch (int(9)) {
      case 0: return null;
      case 1: return rand() < 0.5;
      case 2: case 3: return pick(numbers) as Json;
      case 4: case 5: return pick(oddStrings);
      case 6: return [];
      case 7: return {};
      default: return int(4) === 0 ? 'x'.repeat(pick([1000, 70_000])) : raw(nested());
    }
  };
  /** Random JSON of a few levels, for values that replace whole subtrees. */
  const junk = (depth = 3): Json => {
    if (depth === 0 || rand() < 0.4) return atom();
    if (rand() < 0.5) return Array.from({ length: int(3) }, () => junk(depth - 1));
    return Object.fromEntries(Array.from({ length: 1 + int(3) }, () => [pick(['name', 'spec', 'metadata', 'containers', 'port', 'x', '$patch', '__proto__', 'constructor', 'items']), junk(depth - 1)]));
  };

  /** Every path to a value in v: [key or index, ...]. */
  const paths = (v: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] => {
    out.push(prefix);
    if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
    return out;
  };
  const getAt = (v: Json, p: (string | number)[]): Json => p.reduce<Json>((x, k) => (x as Record<string, Json>)[k], v);
  const setAt = (v: Json, p: (string | number)[], value: Json | undefined): Json => {
    if (p.length === 0) return value === undefined ? {} : value;
    const parent = getAt(v, p.slice(0, -1)) as Record<string | number, Json>;
    const k = p[p.length - 1];
    if (value === undefined) {
      if (Array.isArray(parent)) parent.splice(k as number, 1);
      else delete parent[k];
    } else parent[k] = value;
    return v;
  };

  /** One structural mutation somewhere in obj (which it changes). */
  const mutateOnce = (obj: Json): Json => {
    const all = paths(obj);
    // Prefer leaves and containers under spec/status/data, where the strategies look.
    const p = pick(all.filter((x) => x.length > 0)) ?? [];
    const cur = getAt(obj, p);
    switch (int(13)) {
      case 10: case 11: case 12: {
        // Same JSON type, odd value: these get past decoding to defaults, validation and the strategies.
        if (typeof cur === 'number') return setAt(obj, p, pick([-1, 0, -2147483648, 2147483647, 2147483648, 1e15, -1e15, 0.5, 65536, 99999]));
        if (typeof cur === 'string') return setAt(obj, p, pick([...oddStrings, 'x'.repeat(300), 'é'.repeat(40_000)]));
        if (typeof cur === 'boolean') return setAt(obj, p, !cur);
        if (Array.isArray(cur)) return setAt(obj, p, pick([[], [...cur, ...cur], cur.slice(1), Array.from({ length: 50 }, () => cur[0] ?? null)]));
        return setAt(obj, p, {});
      }
      case 0: return setAt(obj, p, null);
      case 1: return setAt(obj, p, undefined);
      case 2: return setAt(obj, p, Array.isArray(cur) ? Object.fromEntries(cur.map((x, i) => [String(i), x])) : [cur]);
      case 3: return setAt(obj, p, cur !== null && typeof cur === 'object' ? pick(['x', 5, true, null]) : { value: cur });
      case 4: return setAt(obj, p, Array.isArray(cur) ? [...cur, null, atom()] : junk());
      case 5: {
        // An unknown field next to known ones, with anything in it.
        const parent = getAt(obj, p.slice(0, -1));
        if (parent !== null && typeof parent === 'object' && !Array.isArray(parent)) parent[pick(['bogus', 'fieldsV1', 'x-unknown', '$patch', 'managedFields'])] = junk();
        return obj;
      }
      default: return setAt(obj, p, atom());
    }
  };
  const mutate = (obj: Json): Json => {
    let out = obj;
    for (let n = 1 + int(3); n > 0; n--) out = mutateOnce(out);
    return out;
  };
  /** The JSON text, sometimes with a key written twice (Go and JSON.parse keep the last). */
  const text = (v: Json): string => {
    let s = unraw(JSON.stringify(v) ?? 'null');
    if (rand() < 0.15) {
      const keys = [...s.matchAll(/"([A-Za-z]+)":/g)];
      if (keys.length) {
        const m = pick(keys);
        s = s.slice(0, m.index) + `"${m[1]}":${unraw(JSON.stringify(junk(2)))},` + s.slice(m.index);
      }
    }
    return s;
  };
  return { int, pick, rand, atom, junk, paths, mutate, text, nested, getAt };
}

interface Case { method: string; path: string; contentType: string; body: string }

test('structure-aware fuzzing of creates, updates and patches never gets a 5xx', { timeout: 240_000 }, async (t) => {
  t.diagnostic(`seed ${SEED} (TSKUBE_FUZZ_SEED=${SEED} replays this run), ${CASES} cases`);
  const g = generators(prng(SEED));
  const api = (c: Case) => http(cp.url, c.method, c.path, c.body, c.contentType);
  const base = (ri: ResourceInfo): string => ri.group ? `/apis/${groupVersion(ri)}` : '/api/v1';
  const collection = (ri: ResourceInfo): string => `${base(ri)}${ri.namespaced ? `/namespaces/${NS}` : ''}/${ri.plural}`;
  // A resource served in two versions (HPAs: autoscaling/v2 and v1) gets a seed object per version.
  const versions = (ri: ResourceInfo): number => RESOURCES.filter((r) => r.group === ri.group && r.plural === ri.plural).length;
  const seedName = (ri: ResourceInfo): string => `${NS}-seed-${ri.singular}${versions(ri) > 1 ? `-${ri.version}` : ''}`;
  const sample = (ri: ResourceInfo): ((name: string) => Json) => VALID[`${groupVersion(ri)}/${ri.plural}`] ?? VALID[ri.plural];

  assert.equal((await http(cp.url, 'POST', '/api/v1/namespaces', VALID.namespaces(NS))).status, 201);
  const resources = RESOURCES.filter((ri) => sample(ri));
  assert.equal(resources.length, RESOURCES.length, 'every resource the apiserver serves has a valid object here');
  // A custom resource too: its CRD first, served once Established.
  const gadgets = await http(cp.url, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', VALID.customresourcedefinitions('gadgets'));
  assert.equal(gadgets.status, 201, gadgets.text);
  for (let i = 0; (await http(cp.url, 'GET', collection(GADGETS))).status !== 200; i++) {
    assert.ok(i < 50, 'gadgets served');
    await new Promise((r) => setTimeout(r, 100));
  }
  resources.push(GADGETS);
  // One object of each resource to update and patch.
  for (const ri of resources) {
    const r = await http(cp.url, 'POST', collection(ri), sample(ri)(seedName(ri)));
    assert.equal(r.status, 201, `${ri.plural}: ${r.text}`);
  }

  const makeCase = (i: number): Case => {
    raws.length = 0;
    const ri = g.pick(resources);
    const name = seedName(ri);
    const valid = sample(ri)(`${NS}-${i}`);
    const item = `${collection(ri)}/${name}`;
    const sub = ri.subresources.includes('status') && g.rand() < 0.2 ? '/status' : ri.subresources.includes('scale') && g.rand() < 0.1 ? '/scale' : '';
    switch (g.int(6)) {
      case 0: case 1: {
        const obj = g.mutate(valid);
        if (g.rand() < 0.1) return { method: 'POST', path: collection(ri), contentType: 'application/yaml', body: g.rand() < 0.3 ? `a: ${'['.repeat(g.pick([10_001, 3_000, 900]))}` : toYaml(obj) };
        return { method: 'POST', path: collection(ri), contentType: 'application/json', body: g.text(obj) };
      }
      case 2: {
        const obj = g.mutate({ ...(valid as Record<string, Json>), metadata: { ...((valid as Record<string, Json>).metadata as Record<string, Json>), name } });
        return { method: 'PUT', path: item + (sub === '/scale' ? '' : sub), contentType: 'application/json', body: g.text(obj) };
      }
      case 3: {
        // A merge patch: a mutated part of the object, or junk.
        const whole = g.mutate(valid) as Record<string, Json>;
        const key = g.pick(Object.keys(whole).filter((k) => k !== 'metadata').concat(['metadata']));
        const patch = g.rand() < 0.2 ? g.junk() : { [key]: whole?.[key] ?? null };
        return { method: 'PATCH', path: item + sub, contentType: 'application/merge-patch+json', body: g.text(patch) };
      }
      case 4: {
        const whole = g.mutate(valid) as Record<string, Json>;
        const key = g.pick(Object.keys(whole ?? {}).concat(['spec']));
        let part: Json = whole?.[key] ?? null;
        if (part !== null && typeof part === 'object' && !Array.isArray(part) && g.rand() < 0.4) {
          part = { ...part, [g.pick(['$patch', '$retainKeys', '$setElementOrder/containers', '$deleteFromPrimitiveList/finalizers', '$setElementOrder/ports'])]: g.pick<Json>(['delete', 'replace', 'merge', 'explode', [], [{ name: 'app' }], {}, 5, null]) };
        }
        return { method: 'PATCH', path: item + sub, contentType: 'application/strategic-merge-patch+json', body: g.text({ [key]: part }) };
      }
      default: {
        const paths = g.paths(valid).filter((p) => p.length > 0);
        const ops = Array.from({ length: 1 + g.int(3) }, () => {
          const p = '/' + g.pick(paths).map((k) => String(k).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
          const op = g.pick(['add', 'replace', 'remove', 'test', 'move', 'copy', 'bogus']);
          return g.rand() < 0.1 ? g.junk(2) : { op, path: g.rand() < 0.1 ? g.pick(['', '/', '/-', 'nope', '/spec/containers/99', '/metadata/name']) : p, value: g.rand() < 0.5 ? g.atom() : g.junk(), from: g.pick(['/spec', '/metadata/labels', '/nope']) };
        });
        return { method: 'PATCH', path: item + sub, contentType: 'application/json-patch+json', body: g.text(ops) };
      }
    }
  };

  // Bodies far over the 3 MiB limit test the transport more than the apiserver (the
  // 413 path has tests of its own): keep them just over it.
  const sized = (c: Case): Case => (c.body.length > 8 << 20 ? { ...c, body: c.body.slice(0, 3.5 * 1024 * 1024) } : c);
  const failures: string[] = [];
  const started = Date.now();
  const counts: Record<number, number> = {};
  const CONCURRENCY = FROM > 0 ? 1 : 8;
  for (let i = 0; i < CASES; i += CONCURRENCY) {
    const batch = Array.from({ length: Math.min(CONCURRENCY, CASES - i) }, (_, j) => ({ n: i + j, c: sized(makeCase(i + j)) }));
    await Promise.all(batch.filter(({ n }) => n >= FROM).map(async ({ n, c }) => {
      let status: number;
      let text: string;
      let json: { kind?: string; code?: number } | undefined;
      try {
        ({ status, text, json } = await api(c));
      } catch (err) {
        status = 0;
        text = String(err);
      }
      counts[status] = (counts[status] ?? 0) + 1;
      const isStatus = json?.kind === 'Status' && json.code === status;
      const ok = status >= 200 && status < 300 ? json !== undefined : status >= 400 && status < 500 && isStatus;
      if (!ok) failures.push(`case ${n} (seed ${SEED}): ${c.method} ${c.path} [${c.contentType}] ${c.body.length > 600 ? `${c.body.slice(0, 600)}... (${c.body.length} bytes)` : c.body}\n  -> ${status} ${text.slice(0, 400)}`);
    }));
    if (!cp.apiserver.running) break;
  }
  t.diagnostic(`${CASES} cases in ${Date.now() - started} ms: ${JSON.stringify(counts)}`);
  if (failures.length) {
    const log = await readFile(cp.apiserver.logFile, 'utf8').catch(() => '');
    const lines = log.split('\n');
    const errors = cp.apiserver.running
      ? lines.filter((l) => l.includes('internal error')).slice(0, 3).map((l) => l.slice(0, 1500))
      : ['the apiserver exited; the end of its log:', ...lines.slice(-40).map((l) => l.slice(0, 1500))];
    assert.fail(`${failures.length} of ${CASES} requests failed (seed ${SEED}):\n${failures.slice(0, 8).join('\n')}\n${errors.join('\n')}`);
  }

  // The server still serves: it is alive, ready, and reads what it stored.
  assert.ok(cp.apiserver.running, 'the apiserver process is alive');
  assert.equal((await http(cp.url, 'GET', '/readyz')).status, 200);
  for (const ri of resources.filter((r) => !r.verbs)) {
    const r = await http(cp.url, 'GET', `${collection(ri)}/${seedName(ri)}`);
    assert.ok(r.status === 200 || r.status === 404, `${ri.plural}: ${r.status} ${r.text.slice(0, 300)}`);
    const list = await http(cp.url, 'GET', collection(ri));
    assert.equal(list.status, 200, `${ri.plural} list: ${list.text.slice(0, 300)}`);
  }
});
