// The default RBAC policy of Kubernetes 1.32 (plugin/pkg/auth/authorizer/rbac/bootstrappolicy:
// policy.go, controller_policy.go, namespace_policy.go) with the default feature gates, and
// the reconcile rules the apiserver applies to it at every start
// (component-helpers/auth/rbac/reconciliation): add what is missing, keep what users added,
// leave alone objects annotated rbac.authorization.kubernetes.io/autoupdate=false.
//
// Roles and rules are written as Kubernetes writes them, with the same builders, so the two
// can be compared line by line. Rules for resources tskube does not serve yet stay in.
// Left out, as with Kubernetes' default gates: the DynamicResourceAllocation,
// ClusterTrustBundle, MultiCIDRServiceAllocator, VolumeAttributesClass, StorageVersionAPI,
// StorageVersionMigrator, SELinuxChangePolicy, KubeletFineGrainedAuthz and zpages additions.
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject } from '../../api/types/rbac.js';
import { RBAC_GROUP } from '../../api/types/rbac.js';
import type { LabelSelector } from '../../api/types/meta.js';
import { AUTHENTICATED_GROUP, MASTERS_GROUP, SERVICE_ACCOUNTS_GROUP, UNAUTHENTICATED_GROUP } from '../authn/user.js';
import { coveringRules } from './rules.js';

export const AUTO_UPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
export const BOOTSTRAPPING_LABEL = 'kubernetes.io/bootstrapping';
const RBAC_API_VERSION = `${RBAC_GROUP}/v1`;

const MONITORING_GROUP = 'system:monitoring';
export const KUBE_PROXY_USER = 'system:kube-proxy';
export const KUBE_CONTROLLER_MANAGER_USER = 'system:kube-controller-manager';
export const KUBE_SCHEDULER_USER = 'system:kube-scheduler';

// Verb sets of policy.go.
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const READ_WRITE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const READ = ['get', 'list', 'watch'];
const READ_UPDATE = ['get', 'list', 'watch', 'update', 'patch'];

const legacyGroup = '';
const appsGroup = 'apps';
const authenticationGroup = 'authentication.k8s.io';
const authorizationGroup = 'authorization.k8s.io';
const autoscalingGroup = 'autoscaling';
const batchGroup = 'batch';
const certificatesGroup = 'certificates.k8s.io';
const coordinationGroup = 'coordination.k8s.io';
const discoveryGroup = 'discovery.k8s.io';
const extensionsGroup = 'extensions';
const policyGroup = 'policy';
const rbacGroup = RBAC_GROUP;
const storageGroup = 'storage.k8s.io';
const resMetricsGroup = 'metrics.k8s.io';
const customMetricsGroup = 'custom.metrics.k8s.io';
const externalMetricsGroup = 'external.metrics.k8s.io';
const networkingGroup = 'networking.k8s.io';
const eventsGroup = 'events.k8s.io';
const admissionRegistrationGroup = 'admissionregistration.k8s.io';

// certificates/v1beta1 signer names.
const KUBE_API_SERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
const KUBE_API_SERVER_CLIENT_KUBELET_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
const LEGACY_UNKNOWN_SIGNER = 'kubernetes.io/legacy-unknown';
/** legacytokentracking.ConfigMapName */
const LEGACY_TOKEN_TRACKING_CONFIGMAP = 'kube-apiserver-legacy-service-account-token-tracking';

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** rbacv1helpers.PolicyRuleBuilder: rule(verbs).groups(...).resources(...).rule(), every list sorted. */
class RuleBuilder {
  private readonly apiGroups: string[] = [];
  private readonly resourceList: string[] = [];
  private readonly resourceNames: string[] = [];
  private readonly urlList: string[] = [];
  constructor(private readonly verbs: string[]) {}
  groups(...groups: string[]): this { this.apiGroups.push(...groups); return this; }
  resources(...resources: string[]): this { this.resourceList.push(...resources); return this; }
  names(...names: string[]): this { this.resourceNames.push(...names); return this; }
  urls(...urls: string[]): this { this.urlList.push(...urls); return this; }
  rule(): PolicyRule {
    const sorted = (a: string[]): string[] => [...a].sort(byteOrder);
    const r: PolicyRule = { verbs: sorted(this.verbs) };
    if (this.apiGroups.length) r.apiGroups = sorted(this.apiGroups);
    if (this.resourceList.length) r.resources = sorted(this.resourceList);
    if (this.resourceNames.length) r.resourceNames = sorted(this.resourceNames);
    if (this.urlList.length) r.nonResourceURLs = sorted(this.urlList);
    return r;
  }
}
const rule = (...verbs: string[]): RuleBuilder => new RuleBuilder(verbs);

const eventsRule = (): PolicyRule => rule('create', 'update', 'patch').groups(legacyGroup, eventsGroup).resources('events').rule();

/** Subjects as rbacv1helpers' binding builders write them. */
const users = (...names: string[]): Subject[] => names.map((name) => ({ kind: 'User', apiGroup: RBAC_GROUP, name }));
const groups = (...names: string[]): Subject[] => names.map((name) => ({ kind: 'Group', apiGroup: RBAC_GROUP, name }));
const sas = (namespace: string, ...names: string[]): Subject[] => names.map((name) => ({ kind: 'ServiceAccount', name, namespace }));

/** addDefaultMetadata: the bootstrapping label and the autoupdate annotation. */
function defaultMetadata(name: string, namespace?: string, labels: Record<string, string> = {}): ClusterRole['metadata'] {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: { ...labels, [BOOTSTRAPPING_LABEL]: 'rbac-defaults' },
    annotations: { [AUTO_UPDATE_ANNOTATION]: 'true' },
  };
}

function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>): ClusterRole {
  return { apiVersion: RBAC_API_VERSION, kind: 'ClusterRole', metadata: defaultMetadata(name, undefined, labels), rules };
}

/** An aggregated ClusterRole: no rules of its own (null, as Kubernetes stores it) until the controller fills them. */
function aggregatedClusterRole(name: string, selectorLabel: string, labels?: Record<string, string>): ClusterRole {
  const selector: LabelSelector = { matchLabels: { [selectorLabel]: 'true' } };
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRole',
    metadata: defaultMetadata(name, undefined, labels),
    rules: null,
    aggregationRule: { clusterRoleSelectors: [selector] },
  };
}

function clusterRoleBinding(roleName: string, subjects: Subject[]): ClusterRoleBinding {
  const binding: ClusterRoleBinding = {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRoleBinding',
    metadata: defaultMetadata(roleName),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: roleName },
  };
  if (subjects.length) binding.subjects = subjects;
  return binding;
}

function role(namespace: string, name: string, rules: PolicyRule[]): Role {
  return { apiVersion: RBAC_API_VERSION, kind: 'Role', metadata: defaultMetadata(name, namespace), rules };
}

function roleBinding(namespace: string, roleName: string, subjects: Subject[], name = roleName): RoleBinding {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'RoleBinding',
    metadata: defaultMetadata(name, namespace),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: roleName },
    subjects,
  };
}

const AGGREGATE_TO_ADMIN = 'rbac.authorization.k8s.io/aggregate-to-admin';
const AGGREGATE_TO_EDIT = 'rbac.authorization.k8s.io/aggregate-to-edit';
const AGGREGATE_TO_VIEW = 'rbac.authorization.k8s.io/aggregate-to-view';

/** The rules of system:node (NodeRules). */
function nodeRules(): PolicyRule[] {
  return [
    // Needed to check API access. These creates are non-mutating.
    rule('create').groups(authenticationGroup).resources('tokenreviews').rule(),
    rule('create').groups(authorizationGroup).resources('subjectaccessreviews', 'localsubjectaccessreviews').rule(),
    // Needed to build serviceLister, to populate env vars for services.
    rule(...READ).groups(legacyGroup).resources('services').rule(),
    // Nodes can register Node API objects and report status (NodeRestriction limits them to their own).
    rule('create', 'get', 'list', 'watch').groups(legacyGroup).resources('nodes').rule(),
    rule('update', 'patch').groups(legacyGroup).resources('nodes/status').rule(),
    rule('update', 'patch').groups(legacyGroup).resources('nodes').rule(),
    rule('create', 'update', 'patch').groups(legacyGroup).resources('events').rule(),
    rule(...READ).groups(legacyGroup).resources('pods').rule(),
    // Mirror pods, pod status and evictions of pods bound to the node.
    rule('create', 'delete').groups(legacyGroup).resources('pods').rule(),
    rule('update', 'patch').groups(legacyGroup).resources('pods/status').rule(),
    rule('create').groups(legacyGroup).resources('pods/eviction').rule(),
    // Secrets and configmaps of volumes and env; the Node authorizer narrows them to its pods.
    rule('get', 'list', 'watch').groups(legacyGroup).resources('secrets', 'configmaps').rule(),
    rule('get').groups(legacyGroup).resources('persistentvolumeclaims', 'persistentvolumes').rule(),
    rule('get').groups(legacyGroup).resources('endpoints').rule(),
    // Kubelet client certificate rotation.
    rule('create', 'get', 'list', 'watch').groups(certificatesGroup).resources('certificatesigningrequests').rule(),
    rule('get', 'create', 'update', 'patch', 'delete').groups('coordination.k8s.io').resources('leases').rule(),
    rule('get').groups(storageGroup).resources('volumeattachments').rule(),
    rule('create').groups(legacyGroup).resources('serviceaccounts/token').rule(),
    rule('get', 'update', 'patch').groups(legacyGroup).resources('persistentvolumeclaims/status').rule(),
    rule('get', 'watch', 'list').groups('storage.k8s.io').resources('csidrivers').rule(),
    rule('get', 'create', 'update', 'patch', 'delete').groups('storage.k8s.io').resources('csinodes').rule(),
    rule('get', 'list', 'watch').groups('node.k8s.io').resources('runtimeclasses').rule(),
  ];
}

/** ClusterRoles() of policy.go. */
function policyClusterRoles(): ClusterRole[] {
  return [
    // a "root" role which can do absolutely anything
    clusterRole('cluster-admin', [
      rule('*').groups('*').resources('*').rule(),
      rule('*').urls('*').rule(),
    ]),
    // just enough power to determine if the server is ready and discover API versions for negotiation
    clusterRole('system:discovery', [
      rule('get').urls(
        '/livez', '/readyz', '/healthz',
        '/version', '/version/',
        '/openapi', '/openapi/*',
        '/api', '/api/*',
        '/apis', '/apis/*',
      ).rule(),
    ]),
    // minimal read access to the monitoring endpoints
    clusterRole('system:monitoring', [
      rule('get').urls(
        '/metrics', '/metrics/slis',
        '/livez', '/readyz', '/healthz',
        '/livez/*', '/readyz/*', '/healthz/*',
      ).rule(),
    ]),
    // minimal resource access to allow a "normal" user to learn information about themselves
    clusterRole('system:basic-user', [
      rule('create').groups(authorizationGroup).resources('selfsubjectaccessreviews', 'selfsubjectrulesreviews').rule(),
      rule('create').groups(authenticationGroup).resources('selfsubjectreviews').rule(),
    ]),
    // just enough power to read insensitive cluster information
    clusterRole('system:public-info-viewer', [
      rule('get').urls('/livez', '/readyz', '/healthz', '/version', '/version/').rule(),
    ]),
    // namespace admin: edit plus the power to grant permissions to other users
    aggregatedClusterRole('admin', AGGREGATE_TO_ADMIN),
    // namespace editor: all user level actions, but not /status, quota or limits
    aggregatedClusterRole('edit', AGGREGATE_TO_EDIT, { [AGGREGATE_TO_ADMIN]: 'true' }),
    // namespace viewer: read-only access to non-escalating resources
    aggregatedClusterRole('view', AGGREGATE_TO_VIEW, { [AGGREGATE_TO_EDIT]: 'true' }),
    clusterRole('system:aggregate-to-admin', [
      rule('create').groups(authorizationGroup).resources('localsubjectaccessreviews').rule(),
      rule(...READ_WRITE).groups(rbacGroup).resources('roles', 'rolebindings').rule(),
    ], { [AGGREGATE_TO_ADMIN]: 'true' }),
    clusterRole('system:aggregate-to-edit', [
      // Allow read on escalating resources
      rule(...READ).groups(legacyGroup).resources('pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy').rule(),
      rule('impersonate').groups(legacyGroup).resources('serviceaccounts').rule(),

      rule(...WRITE).groups(legacyGroup).resources('pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward').rule(),
      rule('create').groups(legacyGroup).resources('pods/eviction').rule(),
      rule(...WRITE).groups(legacyGroup).resources('replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts',
        'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events').rule(),
      rule('create').groups(legacyGroup).resources('serviceaccounts/token').rule(),

      rule(...WRITE).groups(appsGroup).resources(
        'statefulsets', 'statefulsets/scale',
        'daemonsets',
        'deployments', 'deployments/scale', 'deployments/rollback',
        'replicasets', 'replicasets/scale').rule(),

      rule(...WRITE).groups(autoscalingGroup).resources('horizontalpodautoscalers').rule(),

      rule(...WRITE).groups(batchGroup).resources('jobs', 'cronjobs').rule(),

      rule(...WRITE).groups(extensionsGroup).resources('daemonsets',
        'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses',
        'replicasets', 'replicasets/scale', 'replicationcontrollers/scale',
        'networkpolicies').rule(),

      rule(...WRITE).groups(policyGroup).resources('poddisruptionbudgets').rule(),

      rule(...WRITE).groups(networkingGroup).resources('networkpolicies', 'ingresses').rule(),

      rule(...READ_WRITE).groups(coordinationGroup).resources('leases').rule(),
    ], { [AGGREGATE_TO_EDIT]: 'true' }),
    clusterRole('system:aggregate-to-view', [
      rule(...READ).groups(legacyGroup).resources('pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts',
        'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps').rule(),
      rule(...READ).groups(legacyGroup).resources('limitranges', 'resourcequotas', 'bindings', 'events',
        'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log').rule(),
      // read access to namespaces at the namespace scope means you can read *this* namespace
      rule(...READ).groups(legacyGroup).resources('namespaces').rule(),

      rule(...READ).groups(discoveryGroup).resources('endpointslices').rule(),

      rule(...READ).groups(appsGroup).resources(
        'controllerrevisions',
        'statefulsets', 'statefulsets/status', 'statefulsets/scale',
        'daemonsets', 'daemonsets/status',
        'deployments', 'deployments/status', 'deployments/scale',
        'replicasets', 'replicasets/status', 'replicasets/scale').rule(),

      rule(...READ).groups(autoscalingGroup).resources('horizontalpodautoscalers', 'horizontalpodautoscalers/status').rule(),

      rule(...READ).groups(batchGroup).resources('jobs', 'cronjobs', 'cronjobs/status', 'jobs/status').rule(),

      rule(...READ).groups(extensionsGroup).resources('daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status',
        'ingresses', 'ingresses/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale',
        'networkpolicies').rule(),

      rule(...READ).groups(policyGroup).resources('poddisruptionbudgets', 'poddisruptionbudgets/status').rule(),

      rule(...READ).groups(networkingGroup).resources('networkpolicies', 'ingresses', 'ingresses/status').rule(),
    ], { [AGGREGATE_TO_VIEW]: 'true' }),
    // metrics-server's manifests: who may view, edit or admin may read the Metrics API (kubectl top).
    clusterRole('system:aggregated-metrics-reader', [
      rule('get', 'list', 'watch').groups('metrics.k8s.io').resources('pods', 'nodes').rule(),
    ], { [AGGREGATE_TO_VIEW]: 'true', [AGGREGATE_TO_EDIT]: 'true', [AGGREGATE_TO_ADMIN]: 'true' }),
    // heapster's connections back to the API server
    clusterRole('system:heapster', [
      rule(...READ).groups(legacyGroup).resources('events', 'pods', 'nodes', 'namespaces').rule(),
      rule(...READ).groups(extensionsGroup).resources('deployments').rule(),
    ]),
    // what nodes need for running pods
    clusterRole('system:node', nodeRules()),
    // node-problem-detector; not bound by default since deployments vary
    clusterRole('system:node-problem-detector', [
      rule('get').groups(legacyGroup).resources('nodes').rule(),
      rule('patch').groups(legacyGroup).resources('nodes/status').rule(),
      eventsRule(),
    ]),
    // bootstrapping a node's client certificates
    clusterRole('system:node-bootstrapper', [
      rule('create', 'get', 'list', 'watch').groups(certificatesGroup).resources('certificatesigningrequests').rule(),
    ]),
    // authentication and authorization delegation
    clusterRole('system:auth-delegator', [
      rule('create').groups(authenticationGroup).resources('tokenreviews').rule(),
      rule('create').groups(authorizationGroup).resources('subjectaccessreviews').rule(),
    ]),
    // the API registry, summarization, and proxy handling
    clusterRole('system:kube-aggregator', [
      rule(...READ).groups(legacyGroup).resources('services', 'endpoints').rule(),
    ]),
    // bootstrapping the kube-controller-manager: shared informers, and the service accounts
    // and secrets of the controllers' own identities
    clusterRole('system:kube-controller-manager', [
      eventsRule(),
      // Needed for leader election.
      rule('create').groups(coordinationGroup).resources('leases').rule(),
      rule('get', 'update').groups(coordinationGroup).resources('leases').names('kube-controller-manager').rule(),
      // Fundamental resources.
      rule('create').groups(legacyGroup).resources('secrets', 'serviceaccounts').rule(),
      rule('delete').groups(legacyGroup).resources('secrets').rule(),
      rule('get').groups(legacyGroup).resources('namespaces', 'secrets', 'serviceaccounts', 'configmaps').rule(),
      rule('update').groups(legacyGroup).resources('secrets', 'serviceaccounts').rule(),
      // Needed to check API access. These creates are non-mutating.
      rule('create').groups(authenticationGroup).resources('tokenreviews').rule(),
      rule('create').groups(authorizationGroup).resources('subjectaccessreviews').rule(),
      // Needed for all shared informers.
      rule('list', 'watch').groups('*').resources('*').rule(),
      rule('create').groups(legacyGroup).resources('serviceaccounts/token').rule(),
    ]),
    // the kube-dns pod
    clusterRole('system:kube-dns', [
      rule('list', 'watch').groups(legacyGroup).resources('endpoints', 'services').rule(),
    ]),
    // an external/out-of-tree persistent volume provisioner
    clusterRole('system:persistent-volume-provisioner', [
      rule('get', 'list', 'watch', 'create', 'delete').groups(legacyGroup).resources('persistentvolumes').rule(),
      // update is needed in addition to read access for setting lock annotations on PVCs
      rule('get', 'list', 'watch', 'update').groups(legacyGroup).resources('persistentvolumeclaims').rule(),
      rule(...READ).groups(storageGroup).resources('storageclasses').rule(),
      // Needed for watching provisioning success and failure events
      rule('watch').groups(legacyGroup).resources('events').rule(),
      eventsRule(),
    ]),
    // the csrapprover approves a node client CSR
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [
      rule('create').groups(certificatesGroup).resources('certificatesigningrequests/nodeclient').rule(),
    ]),
    // the csrapprover approves a node client CSR requested by the node itself
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [
      rule('create').groups(certificatesGroup).resources('certificatesigningrequests/selfnodeclient').rule(),
    ]),
    clusterRole('system:volume-scheduler', [
      rule(...READ_UPDATE).groups(legacyGroup).resources('persistentvolumes').rule(),
      rule(...READ).groups(storageGroup).resources('storageclasses').rule(),
      rule(...READ_UPDATE).groups(legacyGroup).resources('persistentvolumeclaims').rule(),
    ]),
    clusterRole('system:certificates.k8s.io:legacy-unknown-approver', [
      rule('approve').groups(certificatesGroup).resources('signers').names(LEGACY_UNKNOWN_SIGNER).rule(),
    ]),
    clusterRole('system:certificates.k8s.io:kubelet-serving-approver', [
      rule('approve').groups(certificatesGroup).resources('signers').names(KUBELET_SERVING_SIGNER).rule(),
    ]),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-approver', [
      rule('approve').groups(certificatesGroup).resources('signers').names(KUBE_API_SERVER_CLIENT_SIGNER).rule(),
    ]),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', [
      rule('approve').groups(certificatesGroup).resources('signers').names(KUBE_API_SERVER_CLIENT_KUBELET_SIGNER).rule(),
    ]),
    // reading the ServiceAccountIssuerDiscovery endpoints (slash-ended URLs for clients
    // generated from old openapi documents)
    clusterRole('system:service-account-issuer-discovery', [
      rule('get').urls(
        '/.well-known/openid-configuration',
        '/.well-known/openid-configuration/',
        '/openid/v1/jwks',
        '/openid/v1/jwks/',
      ).rule(),
    ]),
    // full access to the kubelet API
    clusterRole('system:kubelet-api-admin', [
      rule('get', 'list', 'watch').groups(legacyGroup).resources('nodes').rule(),
      rule('proxy').groups(legacyGroup).resources('nodes').rule(),
      rule('*').groups(legacyGroup).resources('nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log').rule(),
    ]),
    // kube-proxy
    clusterRole('system:node-proxier', [
      rule('list', 'watch').groups(legacyGroup).resources('services', 'endpoints').rule(),
      rule('get', 'list', 'watch').groups(legacyGroup).resources('nodes').rule(),
      eventsRule(),
      rule('list', 'watch').groups(discoveryGroup).resources('endpointslices').rule(),
    ]),
    clusterRole('system:kube-scheduler', [
      eventsRule(),
      // leader election
      rule('create').groups(coordinationGroup).resources('leases').rule(),
      rule('get', 'update', 'list', 'watch').groups(coordinationGroup).resources('leases').names('kube-scheduler').rule(),
      rule(...READ_WRITE).groups(coordinationGroup).resources('leasecandidates').rule(),
      // Fundamental resources
      rule(...READ).groups(legacyGroup).resources('nodes').rule(),
      rule('get', 'list', 'watch', 'delete').groups(legacyGroup).resources('pods').rule(),
      rule('create').groups(legacyGroup).resources('pods/binding', 'bindings').rule(),
      rule('patch', 'update').groups(legacyGroup).resources('pods/status').rule(),
      // Things that select pods
      rule(...READ).groups(legacyGroup).resources('services', 'replicationcontrollers').rule(),
      rule(...READ).groups(appsGroup, extensionsGroup).resources('replicasets').rule(),
      rule(...READ).groups(appsGroup).resources('statefulsets').rule(),
      // Things that pods use or applies to them
      rule(...READ).groups(policyGroup).resources('poddisruptionbudgets').rule(),
      rule(...READ).groups(legacyGroup).resources('persistentvolumeclaims', 'persistentvolumes').rule(),
      // Needed to check API access. These creates are non-mutating
      rule('create').groups(authenticationGroup).resources('tokenreviews').rule(),
      rule('create').groups(authorizationGroup).resources('subjectaccessreviews').rule(),
      // Needed for volume limits
      rule(...READ).groups(storageGroup).resources('csinodes').rule(),
      rule('get', 'list', 'watch').groups(storageGroup).resources('volumeattachments').rule(),
      // Needed for namespaceSelector feature in pod affinity
      rule(...READ).groups(legacyGroup).resources('namespaces').rule(),
      rule(...READ).groups(storageGroup).resources('csidrivers').rule(),
      rule(...READ).groups(storageGroup).resources('csistoragecapacities').rule(),
    ]),
  ];
}

/** ControllerRoles() of controller_policy.go: system:controller:<name>, each bound to the kube-system service account <name>. */
function controllerRoles(): ClusterRole[] {
  const c = (name: string, rules: PolicyRule[]): ClusterRole => clusterRole(`system:controller:${name}`, rules);
  return [
    c('attachdetach-controller', [
      rule('list', 'watch').groups(legacyGroup).resources('persistentvolumes', 'persistentvolumeclaims').rule(),
      rule('get', 'list', 'watch').groups(legacyGroup).resources('nodes').rule(),
      rule('patch', 'update').groups(legacyGroup).resources('nodes/status').rule(),
      rule('list', 'watch').groups(legacyGroup).resources('pods').rule(),
      eventsRule(),
      rule('get', 'create', 'delete', 'list', 'watch').groups(storageGroup).resources('volumeattachments').rule(),
      rule('get', 'watch', 'list').groups('storage.k8s.io').resources('csidrivers').rule(),
      rule('get', 'watch', 'list').groups('storage.k8s.io').resources('csinodes').rule(),
    ]),
    c('clusterrole-aggregation-controller', [
      // this controller must have full permissions on clusterroles to allow it to mutate them in any way
      rule('escalate', 'get', 'list', 'watch', 'update', 'patch').groups(rbacGroup).resources('clusterroles').rule(),
    ]),
    c('cronjob-controller', [
      rule('get', 'list', 'watch', 'update').groups(batchGroup).resources('cronjobs').rule(),
      rule('get', 'list', 'watch', 'create', 'update', 'delete', 'patch').groups(batchGroup).resources('jobs').rule(),
      rule('update').groups(batchGroup).resources('cronjobs/status').rule(),
      rule('update').groups(batchGroup).resources('cronjobs/finalizers').rule(),
      rule('list', 'delete').groups(legacyGroup).resources('pods').rule(),
      eventsRule(),
    ]),
    c('daemon-set-controller', [
      rule('get', 'list', 'watch').groups(extensionsGroup, appsGroup).resources('daemonsets').rule(),
      rule('update').groups(extensionsGroup, appsGroup).resources('daemonsets/status').rule(),
      rule('update').groups(extensionsGroup, appsGroup).resources('daemonsets/finalizers').rule(),
      rule('list', 'watch').groups(legacyGroup).resources('nodes').rule(),
      rule('list', 'watch', 'create', 'delete', 'patch').groups(legacyGroup).resources('pods').rule(),
      rule('create').groups(legacyGroup).resources('pods/binding').rule(),
      rule('get', 'list', 'watch', 'create', 'delete', 'update', 'patch').groups(appsGroup).resources('controllerrevisions').rule(),
      eventsRule(),
    ]),
    c('deployment-controller', [
      rule('get', 'list', 'watch', 'update').groups(extensionsGroup, appsGroup).resources('deployments').rule(),
      rule('update').groups(extensionsGroup, appsGroup).resources('deployments/status').rule(),
      rule('update').groups(extensionsGroup, appsGroup).resources('deployments/finalizers').rule(),
      rule('get', 'list', 'watch', 'create', 'update', 'patch', 'delete').groups(appsGroup, extensionsGroup).resources('replicasets').rule(),
      // TODO: remove "update" once https://github.com/kubernetes/kubernetes/issues/36897 is resolved.
      rule('get', 'list', 'watch', 'update').groups(legacyGroup).resources('pods').rule(),
      eventsRule(),
    ]),
    c('disruption-controller', [
      rule('get', 'list', 'watch').groups(extensionsGroup, appsGroup).resources('deployments').rule(),
      rule('get', 'list', 'watch').groups(appsGroup, extensionsGroup).resources('replicasets').rule(),
      rule('get', 'list', 'watch').groups(legacyGroup).resources('replicationcontrollers').rule(),
      rule('get', 'list', 'watch').groups(policyGroup).resources('poddisruptionbudgets').rule(),
      rule('get', 'list', 'watch').groups(appsGroup).resources('statefulsets').rule(),
      rule('update').groups(policyGroup).resources('poddisruptionbudgets/status').rule(),
      rule('patch', 'update').groups(legacyGroup).resources('pods/status').rule(),
      rule('get').groups('*').resources('*/scale').rule(),
      eventsRule(),
    ]),
    c('endpoint-controller', [
      rule('get', 'list', 'watch').groups(legacyGroup).resources('services', 'pods').rule(),
      rule('get', 'list', 'watch', 'create', 'update', 'delete').groups(legacyGroup).resources('endpoints').rule(),
      rule('create').groups(legacyGroup).resources('endpoints/restricted').rule(),
      eventsRule(),
    ]),
    c('endpointslice-controller', [
      rule('get', 'list', 'watch').groups(legacyGroup).resources('services', 'pods', 'nodes').rule(),
      // to set a service's finalizers, so the EndpointSlices it owns may set blockOwnerDeletion
      rule('update').groups(legacyGroup).resources('services/finalizers').rule(),
      rule('get', 'list', 'watch', 'create', 'update', 'delete').groups(discoveryGroup).resources('endpointslices').rule(),
      eventsRule(),
    ]),
    c('endpointslicemirroring-controller', [
      rule('get', 'list', 'watch').groups(legacyGroup).resources('services', 'endpoints').rule(),
      rule('update').groups(legacyGroup).resources('services/finalizers').rule(),
      rule('update').groups(legacyGroup).resources('endpoints/finalizers').rule(),
      rule('get', 'list', 'watch', 'create', 'update', 'delete').groups(discoveryGroup).resources('endpointslices').rule(),
      eventsRule(),
    ]),
    c('expand-controller', [
      rule('get', 'list', 'watch', 'update', 'patch').groups(legacyGroup).resources('persistentvolumes').rule(),
      rule('update', 'patch').groups(legacyGroup).resources('persistentvolumeclaims/status').rule(),
      rule('get', 'list', 'watch').groups(legacyGroup).resources('persistentvolumeclaims').rule(),
      eventsRule(),
      // volume plugin - portworx
      rule('get').groups(legacyGroup).resources('services').rule(),
    ]),
    c('ephemeral-volume-controller', [
      rule('get', 'list', 'watch').groups(legacyGroup).resources('pods').rule(),
      rule('update').groups(legacyGroup).resources('pods/finalizers').rule(),
      rule('get', 'list', 'watch', 'create').groups(legacyGroup).resources('persistentvolumeclaims').rule(),
      eventsRule(),
    ]),
    c('generic-garbage-collector', [
      // list/watches, selective gets, and updates against any resource
      rule('get', 'list', 'watch', 'patch', 'update', 'delete').groups('*').resources('*').rule(),
      eventsRule(),
    ]),
    c('horizontal-pod-autoscaler', [
      rule('get', 'list', 'watch').groups(autoscalingGroup).resources('horizontalpodautoscalers').rule(),
      rule('update').groups(autoscalingGroup).resources('horizontalpodautoscalers/status').rule(),
      rule('get', 'update').groups('*').resources('*/scale').rule(),
      rule('list', 'watch').groups(legacyGroup).resources('pods').rule(),
      // resource, custom, and external metrics
      rule('list', 'watch').groups(resMetricsGroup).resources('pods').rule(),
      rule('get', 'list', 'watch').groups(customMetricsGroup).resources('*').rule(),
      rule('get', 'list', 'watch').groups(externalMetricsGroup).resources('*').rule(),
      eventsRule(),
    ]),
    c('job-controller', [
      rule('get', 'list', 'watch', 'update', 'patch').groups(batchGroup).resources('jobs').rule(),
      rule('update').groups(batchGroup).resources('jobs/status').rule(),
      rule('update').groups(batchGroup).resources('jobs/finalizers').rule(),
      rule('list', 'watch', 'create', 'delete', 'patch').groups(legacyGroup).resources('pods').rule(),
      eventsRule(),
    ]),
    c('namespace-controller', [
      rule('get', 'list', 'watch', 'delete').groups(legacyGroup).resources('namespaces').rule(),
      rule('update').groups(legacyGroup).resources('namespaces/finalize', 'namespaces/status').rule(),
      rule('get', 'list', 'watch', 'delete', 'deletecollection').groups('*').resources('*').rule(),
    ]),
    c('node-controller', [
      rule('get', 'list', 'watch', 'update', 'delete', 'patch').groups(legacyGroup).resources('nodes').rule(),
      rule('patch', 'update').groups(legacyGroup).resources('nodes/status').rule(),
      // used for pod deletion
      rule('patch', 'update').groups(legacyGroup).resources('pods/status').rule(),
      rule('list', 'watch', 'get', 'delete').groups(legacyGroup).resources('pods').rule(),
      eventsRule(),
    ]),
    c('persistent-volume-binder', [
      rule('get', 'list', 'watch', 'update', 'create', 'delete').groups(legacyGroup).resources('persistentvolumes').rule(),
      rule('update').groups(legacyGroup).resources('persistentvolumes/status').rule(),
      rule('get', 'list', 'watch', 'update').groups(legacyGroup).resources('persistentvolumeclaims').rule(),
      rule('update').groups(legacyGroup).resources('persistentvolumeclaims/status').rule(),
      rule('list', 'watch', 'get', 'create', 'delete').groups(legacyGroup).resources('pods').rule(),
      rule('get', 'list', 'watch').groups(storageGroup).resources('storageclasses').rule(),
      rule('list', 'watch').groups(legacyGroup).resources('nodes').rule(),
      eventsRule(),
      // recyclerClient.WatchPod
      rule('watch').groups(legacyGroup).resources('events').rule(),
      // volume plugin - portworx
      rule('get').groups(legacyGroup).resources('services').rule(),
    ]),
    c('pod-garbage-collector', [
      rule('list', 'watch', 'delete').groups(legacyGroup).resources('pods').rule(),
      rule('get', 'list', 'watch').groups(legacyGroup).resources('nodes').rule(),
      rule('patch').groups(legacyGroup).resources('pods/status').rule(),
    ]),
    c('replicaset-controller', [
      rule('get', 'list', 'watch', 'update').groups(appsGroup, extensionsGroup).resources('replicasets').rule(),
      rule('update').groups(appsGroup, extensionsGroup).resources('replicasets/status').rule(),
      rule('update').groups(appsGroup, extensionsGroup).resources('replicasets/finalizers').rule(),
      rule('list', 'watch', 'patch', 'create', 'delete').groups(legacyGroup).resources('pods').rule(),
      eventsRule(),
    ]),
    c('replication-controller', [
      // 1.0 controllers needed get, update, so without these old controllers break on new servers
      rule('get', 'list', 'watch', 'update').groups(legacyGroup).resources('replicationcontrollers').rule(),
      rule('update').groups(legacyGroup).resources('replicationcontrollers/status').rule(),
      rule('update').groups(legacyGroup).resources('replicationcontrollers/finalizers').rule(),
      rule('list', 'watch', 'patch', 'create', 'delete').groups(legacyGroup).resources('pods').rule(),
      eventsRule(),
    ]),
    c('resourcequota-controller', [
      // quota can count quota on anything for reconciliation, so it needs full viewing powers
      rule('list', 'watch').groups('*').resources('*').rule(),
      rule('update').groups(legacyGroup).resources('resourcequotas/status').rule(),
      eventsRule(),
    ]),
    c('route-controller', [
      rule('list', 'watch').groups(legacyGroup).resources('nodes').rule(),
      rule('patch').groups(legacyGroup).resources('nodes/status').rule(),
      eventsRule(),
    ]),
    c('service-account-controller', [
      rule('create').groups(legacyGroup).resources('serviceaccounts').rule(),
      eventsRule(),
    ]),
    c('service-controller', [
      rule('get', 'list', 'watch').groups(legacyGroup).resources('services').rule(),
      rule('patch', 'update').groups(legacyGroup).resources('services/status').rule(),
      rule('list', 'watch').groups(legacyGroup).resources('nodes').rule(),
      eventsRule(),
    ]),
    c('statefulset-controller', [
      rule('list', 'watch').groups(legacyGroup).resources('pods').rule(),
      rule('get', 'list', 'watch').groups(appsGroup).resources('statefulsets').rule(),
      rule('update').groups(appsGroup).resources('statefulsets/status').rule(),
      rule('update').groups(appsGroup).resources('statefulsets/finalizers').rule(),
      rule('get', 'create', 'delete', 'update', 'patch').groups(legacyGroup).resources('pods').rule(),
      rule('get', 'create', 'delete', 'update', 'patch', 'list', 'watch').groups(appsGroup).resources('controllerrevisions').rule(),
      rule('get', 'create', 'list', 'watch').groups(legacyGroup).resources('persistentvolumeclaims').rule(),
      eventsRule(),
      // StatefulSetAutoDeletePVC (GA in 1.32)
      rule('update', 'delete').groups(legacyGroup).resources('persistentvolumeclaims').rule(),
      rule('update').groups(legacyGroup).resources('pods/finalizers').rule(),
    ]),
    c('ttl-controller', [
      rule('update', 'patch', 'list', 'watch').groups(legacyGroup).resources('nodes').rule(),
      eventsRule(),
    ]),
    c('certificate-controller', [
      rule('get', 'list', 'watch', 'delete').groups(certificatesGroup).resources('certificatesigningrequests').rule(),
      rule('update').groups(certificatesGroup).resources('certificatesigningrequests/status', 'certificatesigningrequests/approval').rule(),
      rule('approve').groups(certificatesGroup).resources('signers').names(KUBE_API_SERVER_CLIENT_KUBELET_SIGNER).rule(),
      rule('sign').groups(certificatesGroup).resources('signers').names(
        LEGACY_UNKNOWN_SIGNER,
        KUBE_API_SERVER_CLIENT_SIGNER,
        KUBE_API_SERVER_CLIENT_KUBELET_SIGNER,
        KUBELET_SERVING_SIGNER,
      ).rule(),
      rule('create').groups(authorizationGroup).resources('subjectaccessreviews').rule(),
      eventsRule(),
    ]),
    c('pvc-protection-controller', [
      rule('get', 'list', 'watch', 'update').groups(legacyGroup).resources('persistentvolumeclaims').rule(),
      rule('list', 'watch', 'get').groups(legacyGroup).resources('pods').rule(),
      eventsRule(),
    ]),
    c('pv-protection-controller', [
      rule('get', 'list', 'watch', 'update').groups(legacyGroup).resources('persistentvolumes').rule(),
      eventsRule(),
    ]),
    // Not Kubernetes' (k3s runs the local-path provisioner with a ClusterRole of its own,
    // local-path-provisioner-role); this controller manager runs it as a controller.
    c('local-path-provisioner', [
      rule('get', 'list', 'watch', 'create', 'delete').groups(legacyGroup).resources('persistentvolumes').rule(),
      rule('get', 'list', 'watch', 'update').groups(legacyGroup).resources('persistentvolumeclaims').rule(),
      rule('get', 'list', 'watch', 'create', 'delete').groups(legacyGroup).resources('pods').rule(),
      rule('get', 'list', 'watch', 'create').groups(storageGroup).resources('storageclasses').rule(),
      eventsRule(),
    ]),
    c('ttl-after-finished-controller', [
      rule('get', 'list', 'watch', 'delete').groups(batchGroup).resources('jobs').rule(),
      eventsRule(),
    ]),
    c('root-ca-cert-publisher', [
      rule('create', 'update').groups(legacyGroup).resources('configmaps').rule(),
      eventsRule(),
    ]),
    c('validatingadmissionpolicy-status-controller', [
      rule('get', 'list', 'watch').groups(admissionRegistrationGroup).resources('validatingadmissionpolicies').rule(),
      rule('get', 'patch', 'update').groups(admissionRegistrationGroup).resources('validatingadmissionpolicies/status').rule(),
      eventsRule(),
    ]),
    c('legacy-service-account-token-cleaner', [
      rule('get').groups(legacyGroup).resources('configmaps').names(LEGACY_TOKEN_TRACKING_CONFIGMAP).rule(),
      rule('patch', 'delete').groups(legacyGroup).resources('secrets').rule(),
    ]),
  ];
}

/**
 * Every default ClusterRole, as the apiserver's rbac/bootstrap-roles post-start hook
 * reconciles them: policy.go's roles, then the controllers' roles. Fresh objects each call.
 */
export function bootstrapClusterRoles(): ClusterRole[] {
  return [...policyClusterRoles(), ...controllerRoles()];
}

/** Every default ClusterRoleBinding: policy.go's, then one per controller role. Fresh objects each call. */
export function bootstrapClusterRoleBindings(): ClusterRoleBinding[] {
  const bindings = [
    clusterRoleBinding('cluster-admin', groups(MASTERS_GROUP)),
    clusterRoleBinding('system:monitoring', groups(MONITORING_GROUP)),
    clusterRoleBinding('system:discovery', groups(AUTHENTICATED_GROUP)),
    clusterRoleBinding('system:basic-user', groups(AUTHENTICATED_GROUP)),
    clusterRoleBinding('system:public-info-viewer', groups(AUTHENTICATED_GROUP, UNAUTHENTICATED_GROUP)),
    clusterRoleBinding('system:node-proxier', users(KUBE_PROXY_USER)),
    clusterRoleBinding('system:kube-controller-manager', users(KUBE_CONTROLLER_MANAGER_USER)),
    clusterRoleBinding('system:kube-dns', sas('kube-system', 'kube-dns')),
    clusterRoleBinding('system:kube-scheduler', users(KUBE_SCHEDULER_USER)),
    clusterRoleBinding('system:volume-scheduler', users(KUBE_SCHEDULER_USER)),
    // Binding system:node to system:nodes is deprecated since 1.7 (the Node authorizer
    // replaces it): the binding stays, with no subjects.
    clusterRoleBinding('system:node', []),
    // In-cluster workloads may read the OIDC discovery endpoints.
    clusterRoleBinding('system:service-account-issuer-discovery', groups(SERVICE_ACCOUNTS_GROUP)),
    // The apiserver's own identity at kubelets (its client certificate, apiserver/server.ts)
    // may use their API (nodes/proxy for logs), as kubeadm's apiserver-kubelet-client binding.
    { ...clusterRoleBinding('system:kubelet-api-admin', users('kube-apiserver-kubelet-client')), metadata: defaultMetadata('kube-apiserver-kubelet-client') },
  ];
  for (const r of controllerRoles()) {
    const name = r.metadata.name as string;
    bindings.push(clusterRoleBinding(name, sas('kube-system', name.slice('system:controller:'.length))));
  }
  return bindings;
}

/** The default Roles by namespace (kube-system and kube-public). Fresh objects each call. */
export function bootstrapNamespaceRoles(): Record<string, Role[]> {
  return {
    'kube-system': [
      // finding authentication config info for starting a server
      role('kube-system', 'extension-apiserver-authentication-reader', [
        rule('get', 'list', 'watch').groups(legacyGroup).resources('configmaps').names('extension-apiserver-authentication').rule(),
      ]),
      // the bootstrap signer inspects kube-system secrets
      role('kube-system', 'system:controller:bootstrap-signer', [
        rule('get', 'list', 'watch').groups(legacyGroup).resources('secrets').rule(),
      ]),
      // cloud providers access/create kube-system configmaps (deprecated since 1.10)
      role('kube-system', 'system:controller:cloud-provider', [
        rule('create', 'get', 'list', 'watch').groups(legacyGroup).resources('configmaps').rule(),
      ]),
      // the token-cleaner removes secrets, but only in kube-system
      role('kube-system', 'system:controller:token-cleaner', [
        rule('get', 'list', 'watch', 'delete').groups(legacyGroup).resources('secrets').rule(),
        eventsRule(),
      ]),
      role('kube-system', 'system::leader-locking-kube-controller-manager', [
        rule('watch').groups(legacyGroup).resources('configmaps').rule(),
        rule('get', 'update').groups(legacyGroup).resources('configmaps').names('kube-controller-manager').rule(),
        rule('get', 'watch', 'list', 'create', 'update').groups('coordination.k8s.io').resources('leases').rule(),
        rule('get', 'watch', 'list', 'create', 'update').groups('coordination.k8s.io').resources('leasecandidates').rule(),
      ]),
      role('kube-system', 'system::leader-locking-kube-scheduler', [
        rule('watch').groups(legacyGroup).resources('configmaps').rule(),
        rule('get', 'update').groups(legacyGroup).resources('configmaps').names('kube-scheduler').rule(),
        rule('get', 'watch', 'list', 'create', 'update').groups('coordination.k8s.io').resources('leases').rule(),
        rule('get', 'watch', 'list', 'create', 'update').groups('coordination.k8s.io').resources('leasecandidates').rule(),
      ]),
    ],
    'kube-public': [
      // the bootstrap signer writes the cluster-info configmap
      role('kube-public', 'system:controller:bootstrap-signer', [
        rule('get', 'list', 'watch').groups(legacyGroup).resources('configmaps').rule(),
        rule('update').groups(legacyGroup).resources('configmaps').names('cluster-info').rule(),
        eventsRule(),
      ]),
    ],
  };
}

/** The default RoleBindings by namespace (kube-system and kube-public). Fresh objects each call. */
export function bootstrapNamespaceRoleBindings(): Record<string, RoleBinding[]> {
  return {
    'kube-system': [
      roleBinding('kube-system', 'extension-apiserver-authentication-reader',
        users(KUBE_CONTROLLER_MANAGER_USER, KUBE_SCHEDULER_USER), 'system::extension-apiserver-authentication-reader'),
      roleBinding('kube-system', 'system::leader-locking-kube-controller-manager',
        [...users(KUBE_CONTROLLER_MANAGER_USER), ...sas('kube-system', 'kube-controller-manager', 'leader-election-controller')]),
      roleBinding('kube-system', 'system::leader-locking-kube-scheduler',
        [...users(KUBE_SCHEDULER_USER), ...sas('kube-system', 'kube-scheduler')]),
      roleBinding('kube-system', 'system:controller:bootstrap-signer', sas('kube-system', 'bootstrap-signer')),
      roleBinding('kube-system', 'system:controller:cloud-provider', sas('kube-system', 'cloud-provider')),
      roleBinding('kube-system', 'system:controller:token-cleaner', sas('kube-system', 'token-cleaner')),
    ],
    'kube-public': [
      roleBinding('kube-public', 'system:controller:bootstrap-signer', sas('kube-system', 'bootstrap-signer')),
    ],
  };
}

// ---- reconciliation (component-helpers/auth/rbac/reconciliation) ----

type Metadata = ClusterRole['metadata'];
type StringMap = Record<string, string> | undefined;

const isProtected = (existing: { metadata: Metadata }): boolean => existing.metadata.annotations?.[AUTO_UPDATE_ANNOTATION] === 'false';

/** The existing map with the wanted keys it lacks (existing values win), as reconciliation's merge. */
function mergeMaps(wanted: StringMap, existing: StringMap): StringMap {
  if (!wanted && !existing) return existing;
  return { ...(wanted ?? {}), ...(existing ?? {}) };
}

function sameMap(a: StringMap, b: StringMap): boolean {
  const x = Object.entries(a ?? {});
  const y = b ?? {};
  return x.length === Object.keys(y).length && x.every(([k, v]) => Object.prototype.hasOwnProperty.call(y, k) && y[k] === v);
}

/** Merges wanted labels and annotations into the clone; true when that changed anything. */
function mergeMetadata(clone: { metadata: Metadata }, existing: { metadata: Metadata }, wanted: { metadata: Metadata }): boolean {
  clone.metadata.annotations = mergeMaps(wanted.metadata.annotations, existing.metadata.annotations);
  clone.metadata.labels = mergeMaps(wanted.metadata.labels, existing.metadata.labels);
  return !sameMap(clone.metadata.annotations, existing.metadata.annotations) || !sameMap(clone.metadata.labels, existing.metadata.labels);
}

/** Semantic equality of label selectors (missing and empty alike). */
function sameSelector(a: LabelSelector, b: LabelSelector): boolean {
  const ea = a.matchExpressions ?? [];
  const eb = b.matchExpressions ?? [];
  return sameMap(a.matchLabels, b.matchLabels) && ea.length === eb.length && ea.every((x, i) => {
    const y = eb[i];
    const vx = x.values ?? [];
    const vy = y.values ?? [];
    return x.key === y.key && x.operator === y.operator && vx.length === vy.length && vx.every((v, j) => v === vy[j]);
  });
}

function reconcileRuleOwner<T extends Role | ClusterRole>(existing: T | undefined, wanted: T): T | undefined {
  if (!existing) return structuredClone(wanted);
  if (isProtected(existing)) return undefined;
  const result = structuredClone(existing);
  let changed = mergeMetadata(result, existing, wanted);
  // Union: add the (broken-down) wanted rules the existing role does not cover; never
  // remove what users added.
  const missing = coveringRules(existing.rules ?? [], wanted.rules ?? []).uncovered;
  if (missing.length > 0) {
    result.rules = [...(result.rules ?? []), ...missing];
    changed = true;
  }
  const wantedAggregation = (wanted as ClusterRole).aggregationRule;
  const existingAggregation = (existing as ClusterRole).aggregationRule;
  if (!wantedAggregation && existingAggregation) {
    // Not meant to be aggregated at all: drop the aggregation.
    delete (result as ClusterRole).aggregationRule;
    changed = true;
  } else if (wantedAggregation) {
    const have = existingAggregation?.clusterRoleSelectors ?? [];
    const missingSelectors = (wantedAggregation.clusterRoleSelectors ?? []).filter((s) => !have.some((h) => sameSelector(h, s)));
    if (missingSelectors.length > 0) {
      const aggregation = (result as ClusterRole).aggregationRule ?? {};
      aggregation.clusterRoleSelectors = [...(aggregation.clusterRoleSelectors ?? []), ...missingSelectors];
      (result as ClusterRole).aggregationRule = aggregation;
      changed = true;
    }
  }
  return changed ? result : undefined;
}

/**
 * What to write for a default ClusterRole at apiserver start (ReconcileRoleOptions with
 * Confirm, without RemoveExtraPermissions): wanted when it does not exist; otherwise the
 * existing role plus the labels, annotations, rules and aggregation selectors it lacks;
 * undefined when nothing is missing or the role is annotated autoupdate=false.
 */
export function reconcileClusterRole(existing: ClusterRole | undefined, wanted: ClusterRole): ClusterRole | undefined {
  return reconcileRuleOwner(existing, wanted);
}

/** As reconcileClusterRole, for the default Roles of kube-system and kube-public. */
export function reconcileRole(existing: Role | undefined, wanted: Role): Role | undefined {
  return reconcileRuleOwner(existing, wanted);
}

/**
 * A binding write: create when missing, update when subjects, labels or annotations were
 * missing, recreate (delete, then create wanted) when its roleRef differs, since roleRef
 * cannot change.
 */
export interface BindingReconcile<T> {
  operation: 'create' | 'update' | 'recreate';
  binding: T;
}

const sameSubject = (a: Subject, b: Subject): boolean =>
  a.kind === b.kind && (a.apiGroup ?? '') === (b.apiGroup ?? '') && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');
const sameRoleRef = (a: RoleRef, b: RoleRef): boolean => a.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name;

function reconcileBinding<T extends RoleBinding | ClusterRoleBinding>(existing: T | undefined, wanted: T): BindingReconcile<T> | undefined {
  if (!existing) return { operation: 'create', binding: structuredClone(wanted) };
  if (isProtected(existing)) return undefined;
  if (!sameRoleRef(existing.roleRef, wanted.roleRef)) return { operation: 'recreate', binding: structuredClone(wanted) };
  const result = structuredClone(existing);
  let changed = mergeMetadata(result, existing, wanted);
  const have = existing.subjects ?? [];
  const missing: Subject[] = [];
  for (const s of wanted.subjects ?? []) {
    if (!have.some((h) => sameSubject(h, s)) && !missing.some((m) => sameSubject(m, s))) missing.push(s);
  }
  if (missing.length > 0) {
    result.subjects = [...(result.subjects ?? []), ...structuredClone(missing)];
    changed = true;
  }
  return changed ? { operation: 'update', binding: result } : undefined;
}

/**
 * What to write for a default ClusterRoleBinding at apiserver start (ReconcileRoleBindingOptions
 * with Confirm, without RemoveExtraSubjects): users' extra subjects stay. undefined when
 * nothing is missing or the binding is annotated autoupdate=false.
 */
export function reconcileClusterRoleBinding(existing: ClusterRoleBinding | undefined, wanted: ClusterRoleBinding): BindingReconcile<ClusterRoleBinding> | undefined {
  return reconcileBinding(existing, wanted);
}

/** As reconcileClusterRoleBinding, for the default RoleBindings of kube-system and kube-public. */
export function reconcileRoleBinding(existing: RoleBinding | undefined, wanted: RoleBinding): BindingReconcile<RoleBinding> | undefined {
  return reconcileBinding(existing, wanted);
}
