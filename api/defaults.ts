// Kubernetes' v1 defaulting (pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go,
// pkg/apis/batch/v1/defaults.go,
// pkg/apis/discovery/v1/defaults.go, pkg/apis/rbac/v1/defaults.go),
// plus the few defaults Kubernetes applies elsewhere on the way into storage that clients
// always see: namespace finalizers and phase (namespace
// strategy), service ipFamilies and clusterIPs (service REST), secret stringData (conversion)
// and canonical resource quantities (serialization).
import type { CronJob, CronJobSpec, Job, JobSpec } from './types/batch.js';
import type { PriorityClass } from './types/scheduling.js';
import type { HorizontalPodAutoscaler, HPAScalingRules } from './types/autoscaling.js';
import type {
  DaemonSet, DaemonSetSpec, Deployment, DeploymentSpec, ReplicaSet, ReplicaSetSpec, StatefulSet, StatefulSetSpec,
} from './types/apps.js';
import type {
  Container, Endpoints, HTTPGetAction, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, PodSpec, PodTemplateSpec, Probe, ReplicationController,
  ReplicationControllerSpec, ResourceList, Secret, Service, Volume,
} from './types/core.js';
import type { APIService } from './types/apiregistration.js';
import type { StorageClass } from './types/storage.js';
import type {
  MatchResources, MutatingWebhook, MutatingWebhookConfiguration, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding, ValidatingWebhookConfiguration,
} from './types/admissionregistration.js';
import type { CustomResourceDefinition } from './types/apiextensions.js';
import type { EndpointSlice } from './types/discovery.js';
import type { KubeObject } from './types/meta.js';
import { RBAC_GROUP, type ClusterRole, type ClusterRoleBinding, type Role, type RoleBinding, type Subject } from './types/rbac.js';
import { canonicalQuantity } from './quantity.js';
import { externallyAccessible } from './helpers/service.js';

/** Default file mode of configMap, secret, downwardAPI and projected volumes (0644). */
export const DEFAULT_MODE = 0o644;
/** The scheduler a pod gets when it names none. */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
/** Seconds a pod gets to stop before it is killed. */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
/** ClientIP session affinity timeout (3 hours). */
export const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;

/** A present, non-array object; narrows to the declared type (the shape is trusted, only presence is checked). */
const isObject = <T>(v: T): v is NonNullable<T> => typeof v === 'object' && v !== null && !Array.isArray(v);
const arrayOf = <T>(v: T[] | undefined): T[] => (Array.isArray(v) ? v : []);

/**
 * Fills in Kubernetes' defaults, in place, for the kinds this cluster serves
 * (dispatching on obj.kind; other kinds are left alone). Idempotent; tolerant of
 * badly shaped input (validation reports that afterwards).
 */
export function applyDefaults(obj: KubeObject): void {
  switch (obj.kind) {
    case 'Pod': defaultPod(obj as Pod); break;
    case 'Service': defaultService(obj as Service); break;
    case 'Namespace': defaultNamespace(obj as Namespace); break;
    case 'Secret': defaultSecret(obj as Secret); break;
    case 'Node': defaultNode(obj as Node); break;
    case 'Endpoints': defaultEndpoints(obj as Endpoints); break;
    case 'ReplicaSet': defaultReplicaSet(obj as ReplicaSet); break;
    case 'Deployment': defaultDeployment(obj as Deployment); break;
    case 'DaemonSet': defaultDaemonSet(obj as DaemonSet); break;
    case 'StatefulSet': defaultStatefulSet(obj as StatefulSet); break;
    case 'PersistentVolumeClaim': defaultPersistentVolumeClaim(obj as PersistentVolumeClaim); break;
    case 'HorizontalPodAutoscaler': defaultHorizontalPodAutoscaler(obj as HorizontalPodAutoscaler); break;
    case 'ReplicationController': defaultReplicationController(obj as ReplicationController); break;
    case 'Job': defaultJob(obj as Job); break;
    case 'CronJob': defaultCronJob(obj as CronJob); break;
    case 'EndpointSlice': defaultEndpointSlice(obj as EndpointSlice); break;
    case 'Role': case 'ClusterRole': defaultRole(obj as Role | ClusterRole); break;
    case 'RoleBinding': case 'ClusterRoleBinding': defaultRoleBinding(obj as RoleBinding | ClusterRoleBinding); break;
    case 'PersistentVolume': defaultPersistentVolume(obj as PersistentVolume); break;
    case 'PersistentVolumeClaim': defaultPersistentVolumeClaim(obj as PersistentVolumeClaim); break;
    case 'StorageClass': defaultStorageClass(obj as StorageClass); break;
    case 'PriorityClass': (obj as PriorityClass).preemptionPolicy ??= 'PreemptLowerPriority'; break;
    case 'APIService': defaultAPIService(obj as APIService); break;
    case 'ValidatingWebhookConfiguration': case 'MutatingWebhookConfiguration':
      defaultWebhookConfiguration(obj as ValidatingWebhookConfiguration | MutatingWebhookConfiguration, obj.kind === 'MutatingWebhookConfiguration');
      break;
    case 'ValidatingAdmissionPolicy': defaultValidatingAdmissionPolicy(obj as ValidatingAdmissionPolicy); break;
    case 'ValidatingAdmissionPolicyBinding': {
      const spec = (obj as ValidatingAdmissionPolicyBinding).spec;
      if (isObject(spec) && isObject(spec.matchResources)) defaultMatchResources(spec.matchResources);
      break;
    }
    case 'CustomResourceDefinition': if (obj.apiVersion === 'apiextensions.k8s.io/v1') defaultCustomResourceDefinition(obj as CustomResourceDefinition); break;
    default: break;
  }
}

// ---------------------------------------------------------------- quantities

/** Resource quantities as Kubernetes serializes them: strings, canonical ("0.5" -> "500m"). */
function canonicalizeResources(list: ResourceList | undefined): void {
  if (!isObject(list)) return;
  for (const [name, value] of Object.entries(list)) {
    const text = typeof value === 'number' ? String(value) : value;
    if (typeof text !== 'string') continue;
    try {
      list[name] = canonicalQuantity(text);
    } catch {
      list[name] = text; // left for validation to report
    }
  }
}

// ---------------------------------------------------------------- containers

/**
 * The tag of an image reference as Docker's reference parser sees it: "latest" when
 * there is neither a tag nor a digest, "" when the reference is only a digest or does
 * not parse.
 */
export function imageTag(image: string): string {
  if (!image || /\s/.test(image)) return '';
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const tag = colon > slash ? name.slice(colon + 1) : '';
  const repo = colon > slash ? name.slice(0, colon) : name;
  // A registry host may have upper case; repository path components may not.
  const parts = repo.split('/');
  const path = parts.length > 1 && /[.:]|^localhost$/.test(parts[0]) ? parts.slice(1) : parts;
  if (path.some((p) => p !== p.toLowerCase() || p === '')) return '';
  if (tag) return tag;
  return at >= 0 ? '' : 'latest';
}

function defaultHTTPGet(action: HTTPGetAction | undefined): void {
  if (!isObject(action)) return;
  if (!action.path) action.path = '/';
  if (!action.scheme) action.scheme = 'HTTP';
}

function defaultProbe(probe: Probe | undefined): void {
  if (!isObject(probe)) return;
  probe.timeoutSeconds ??= 1;
  probe.periodSeconds ??= 10;
  probe.successThreshold ??= 1;
  probe.failureThreshold ??= 3;
  defaultHTTPGet(probe.httpGet);
}

function defaultContainer(c: Container): void {
  if (!isObject(c)) return;
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(typeof c.image === 'string' ? c.image : '') === 'latest' ? 'Always' : 'IfNotPresent';
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  for (const port of arrayOf(c.ports)) if (isObject(port) && !port.protocol) port.protocol = 'TCP';
  for (const env of arrayOf(c.env)) {
    const ref = isObject(env) && isObject(env.valueFrom) ? env.valueFrom.fieldRef : undefined;
    if (isObject(ref) && !ref.apiVersion) ref.apiVersion = 'v1';
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  if (isObject(c.lifecycle)) {
    if (isObject(c.lifecycle.postStart)) defaultHTTPGet(c.lifecycle.postStart.httpGet);
    if (isObject(c.lifecycle.preStop)) defaultHTTPGet(c.lifecycle.preStop.httpGet);
  }
  if (isObject(c.resources)) {
    canonicalizeResources(c.resources.limits);
    canonicalizeResources(c.resources.requests);
  }
}

// ---------------------------------------------------------------- volumes

/** Every core/v1 VolumeSource field; a volume with none of them becomes an emptyDir. */
const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile',
  'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO',
  'storageos', 'csi', 'ephemeral', 'image',
];

function defaultVolume(v: Volume): void {
  if (!isObject(v)) return;
  const raw = v as unknown as Record<string, unknown>;
  if (!VOLUME_SOURCES.some((s) => raw[s] !== undefined && raw[s] !== null)) v.emptyDir = {};
  if (isObject(v.hostPath)) v.hostPath.type ??= '';
  if (isObject(v.secret)) v.secret.defaultMode ??= DEFAULT_MODE;
  if (isObject(v.configMap)) v.configMap.defaultMode ??= DEFAULT_MODE;
  if (isObject(v.downwardAPI)) {
    v.downwardAPI.defaultMode ??= DEFAULT_MODE;
    for (const item of arrayOf(v.downwardAPI.items)) if (isObject(item) && isObject(item.fieldRef)) item.fieldRef.apiVersion ||= 'v1';
  }
  if (isObject(v.projected)) {
    v.projected.defaultMode ??= DEFAULT_MODE;
    for (const src of arrayOf(v.projected.sources)) {
      if (isObject(src) && isObject(src.serviceAccountToken)) src.serviceAccountToken.expirationSeconds ??= 3600;
    }
  }
  if (isObject(v.emptyDir) && typeof v.emptyDir.sizeLimit === 'number') v.emptyDir.sizeLimit = String(v.emptyDir.sizeLimit);
}

// ---------------------------------------------------------------- pods

/** SetDefaults_PodSpec and everything nested in it; shared by pods and pod templates. */
/** v1 keeps the deprecated serviceAccount in step with serviceAccountName (as the v1 conversion does). */
export function mirrorServiceAccount(spec: PodSpec): void {
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
}

export function defaultPodSpec(spec: PodSpec): void {
  if (!isObject(spec)) return;
  if (!spec.dnsPolicy) spec.dnsPolicy = 'ClusterFirst';
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  if (!isObject(spec.securityContext)) spec.securityContext = {};
  spec.terminationGracePeriodSeconds ??= DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  if (!spec.schedulerName) spec.schedulerName = DEFAULT_SCHEDULER_NAME;
  mirrorServiceAccount(spec);
  for (const v of arrayOf(spec.volumes)) defaultVolume(v);
  for (const c of arrayOf(spec.initContainers)) defaultContainer(c);
  for (const c of arrayOf(spec.containers)) defaultContainer(c);
  for (const c of arrayOf(spec.ephemeralContainers)) defaultContainer(c);
  canonicalizeResources(spec.overhead);
}

/** A container with limits but no request for a resource requests its limit (pods only, not templates). */
function defaultRequestsFromLimits(c: Container): void {
  if (!isObject(c) || !isObject(c.resources) || !isObject(c.resources.limits)) return;
  const requests = isObject(c.resources.requests) ? c.resources.requests : (c.resources.requests = {});
  for (const [name, q] of Object.entries(c.resources.limits)) if (!(name in requests)) requests[name] = q;
}

function defaultPod(pod: Pod): void {
  // Go's PodSpec is a struct: an absent spec is an empty one, and gets defaulted.
  if (!isObject(pod.spec)) pod.spec = {} as PodSpec;
  const spec = pod.spec;
  defaultPodSpec(spec);
  for (const c of [...arrayOf(spec.containers), ...arrayOf(spec.initContainers)]) defaultRequestsFromLimits(c);
  spec.enableServiceLinks ??= true;
  if (spec.hostNetwork === true) {
    for (const c of [...arrayOf(spec.containers), ...arrayOf(spec.initContainers)]) {
      for (const port of arrayOf(isObject(c) ? c.ports : undefined)) if (isObject(port) && !port.hostPort) port.hostPort = port.containerPort;
    }
  }
  // spec.priority and spec.preemptionPolicy are the Priority admission plugin's
  // (apiserver/admission/priority.ts): they come from the pod's PriorityClass.
}

/** The template (a struct in Go, so never absent) with its pod spec defaulted. */
function defaultTemplate(template: PodTemplateSpec | undefined): PodTemplateSpec {
  const t: PodTemplateSpec = isObject(template) ? template : {};
  if (!isObject(t.spec)) t.spec = {} as PodSpec;
  defaultPodSpec(t.spec);
  return t;
}

// ---------------------------------------------------------------- apps

function defaultReplicaSet(rs: ReplicaSet): void {
  if (!isObject(rs.spec)) rs.spec = {} as ReplicaSetSpec;
  rs.spec.replicas ??= 1;
  rs.spec.template = defaultTemplate(rs.spec.template);
}

function defaultDeployment(d: Deployment): void {
  if (!isObject(d.spec)) d.spec = {} as DeploymentSpec;
  const spec = d.spec;
  spec.replicas ??= 1;
  if (!isObject(spec.strategy)) spec.strategy = {};
  const strategy = spec.strategy;
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    if (!isObject(strategy.rollingUpdate)) strategy.rollingUpdate = {};
    strategy.rollingUpdate.maxUnavailable ??= '25%';
    strategy.rollingUpdate.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  spec.template = defaultTemplate(spec.template);
}

/** SetDefaults_DaemonSet: RollingUpdate with maxUnavailable 1 and maxSurge 0, 10 revisions kept. */
function defaultDaemonSet(ds: DaemonSet): void {
  if (!isObject(ds.spec)) ds.spec = {} as DaemonSetSpec;
  const spec = ds.spec;
  if (!isObject(spec.updateStrategy)) spec.updateStrategy = {};
  const strategy = spec.updateStrategy;
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    if (!isObject(strategy.rollingUpdate)) strategy.rollingUpdate = {};
    strategy.rollingUpdate.maxUnavailable ??= 1;
    strategy.rollingUpdate.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  spec.template = defaultTemplate(spec.template);
}

/**
 * SetDefaults_StatefulSet: OrderedReady, RollingUpdate with partition 0, one replica,
 * 10 revisions kept, claims retained; each volumeClaimTemplate gets a claim's defaults.
 */
function defaultStatefulSet(sts: StatefulSet): void {
  if (!isObject(sts.spec)) sts.spec = {} as StatefulSetSpec;
  const spec = sts.spec;
  if (!spec.podManagementPolicy) spec.podManagementPolicy = 'OrderedReady';
  if (!isObject(spec.updateStrategy)) spec.updateStrategy = {};
  const strategy = spec.updateStrategy;
  if (!strategy.type) {
    strategy.type = 'RollingUpdate';
    if (!isObject(strategy.rollingUpdate)) strategy.rollingUpdate = {};
  }
  if (strategy.type === 'RollingUpdate' && isObject(strategy.rollingUpdate)) strategy.rollingUpdate.partition ??= 0;
  if (!isObject(spec.persistentVolumeClaimRetentionPolicy)) spec.persistentVolumeClaimRetentionPolicy = {};
  const retention = spec.persistentVolumeClaimRetentionPolicy;
  if (!retention.whenDeleted) retention.whenDeleted = 'Retain';
  if (!retention.whenScaled) retention.whenScaled = 'Retain';
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  spec.template = defaultTemplate(spec.template);
  for (const claim of arrayOf(spec.volumeClaimTemplates)) if (isObject(claim)) defaultPersistentVolumeClaim(claim);
}

// ---------------------------------------------------------------- batch

/** Job labels default to its template's labels when it has none (SetDefaults_Job). */
export function defaultJobLabels(job: Job): void {
  const labels = job.spec?.template?.metadata?.labels;
  if (!isObject(job.metadata) || !isObject(labels) || Object.keys(labels).length === 0) return;
  if (!isObject(job.metadata.labels) || Object.keys(job.metadata.labels).length === 0) job.metadata.labels = { ...labels };
}

/**
 * SetDefaults_Job: completions and parallelism 1 when both are unset (parallelism 1
 * when only it is), backoffLimit 6 (MaxInt32 with backoffLimitPerIndex), completionMode
 * NonIndexed, suspend and manualSelector false, pod-condition patterns of the pod
 * failure policy status True, podReplacementPolicy Failed with a pod failure policy
 * and TerminatingOrFailed without; the template's pod spec as every template's.
 */
function defaultJob(job: Job): void {
  if (!isObject(job.spec)) job.spec = {} as JobSpec;
  const spec = job.spec;
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null ? 2147483647 : 6;
  if (!spec.completionMode) spec.completionMode = 'NonIndexed';
  spec.suspend ??= false;
  spec.manualSelector ??= false;
  if (isObject(spec.podFailurePolicy)) {
    for (const rule of arrayOf(spec.podFailurePolicy.rules)) {
      for (const pattern of arrayOf(isObject(rule) ? rule.onPodConditions : undefined)) if (isObject(pattern) && !pattern.status) pattern.status = 'True';
    }
  }
  spec.podReplacementPolicy ??= isObject(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed';
  spec.template = defaultTemplate(spec.template);
  defaultJobLabels(job);
}

/**
 * SetDefaults_CronJob: concurrencyPolicy Allow, suspend false, history limits 3
 * successful and 1 failed. The job template's own spec is not defaulted (as in
 * Kubernetes), only its pod template's spec.
 */
function defaultCronJob(cj: CronJob): void {
  if (!isObject(cj.spec)) cj.spec = {} as CronJobSpec;
  const spec = cj.spec;
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  if (!isObject(spec.jobTemplate)) spec.jobTemplate = {};
  if (!isObject(spec.jobTemplate.spec)) spec.jobTemplate.spec = {} as JobSpec;
  spec.jobTemplate.spec.template = defaultTemplate(spec.jobTemplate.spec.template);
}

// ---------------------------------------------------------------- autoscaling/v2

/** autoscaling.DefaultCPUUtilization: the target of an HPA that names no metric. */
export const DEFAULT_CPU_UTILIZATION = 80;

/**
 * The scale-up rules an HPA's behavior gets for what it leaves out (autoscaling/v2
 * defaultHPAScaleUpRules): no stabilization, the faster of +4 pods or +100% per 15 s.
 */
export const defaultScaleUpRules = (): Required<HPAScalingRules> => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }],
});

/**
 * The scale-down rules (defaultHPAScaleDownRules): -100% per 15 s. The stabilization
 * window stays unset: the controller's --horizontal-pod-autoscaler-downscale-stabilization
 * (5 min) fills it, as in Kubernetes.
 */
export const defaultScaleDownRules = (): HPAScalingRules => ({
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
});

/** GenerateHPAScale{Up,Down}Rules: what the rules leave out comes from the defaults. */
export function withDefaultRules(rules: HPAScalingRules | undefined, defaults: HPAScalingRules): HPAScalingRules {
  if (!isObject(rules)) return defaults;
  const out: HPAScalingRules = { ...rules };
  if (out.stabilizationWindowSeconds === undefined && defaults.stabilizationWindowSeconds !== undefined) {
    out.stabilizationWindowSeconds = defaults.stabilizationWindowSeconds;
  }
  out.selectPolicy ??= defaults.selectPolicy;
  if (!Array.isArray(out.policies) || out.policies.length === 0) out.policies = defaults.policies;
  return out;
}

/**
 * SetDefaults_HorizontalPodAutoscaler: minReplicas 1, a cpu 80% utilization metric when
 * none is given, and a behavior (only when one is given) completed rule by rule.
 */
function defaultHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): void {
  if (!isObject(hpa.spec)) return; // validation reports the missing spec
  const spec = hpa.spec;
  spec.minReplicas ??= 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  for (const m of spec.metrics) {
    if (!isObject(m)) continue;
    for (const source of [m.resource, m.containerResource, m.pods, m.object, m.external]) {
      if (!isObject(source) || !isObject(source.target)) continue;
      for (const f of ['value', 'averageValue'] as const) {
        const q = source.target[f];
        if (typeof q === 'string' || typeof q === 'number') {
          try {
            source.target[f] = canonicalQuantity(String(q));
          } catch {
            // left for validation to report
          }
        }
      }
    }
  }
  if (isObject(spec.behavior)) {
    spec.behavior.scaleUp = withDefaultRules(spec.behavior.scaleUp, defaultScaleUpRules());
    spec.behavior.scaleDown = withDefaultRules(spec.behavior.scaleDown, defaultScaleDownRules());
  }
}

// ---------------------------------------------------------------- replication controllers

/**
 * SetDefaults_ReplicationController: an empty selector, and empty object labels, take
 * the template's labels; replicas defaults to 1. The template is a pointer in Go: an
 * absent one stays absent (validation requires it), a present one has its pod spec
 * defaulted.
 */
function defaultReplicationController(rc: ReplicationController): void {
  if (!isObject(rc.spec)) rc.spec = {} as ReplicationControllerSpec;
  const spec = rc.spec;
  const template = isObject(spec.template) ? spec.template : undefined;
  const labels = template && isObject(template.metadata) && isObject(template.metadata.labels) ? template.metadata.labels : undefined;
  if (labels) {
    if (!isObject(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    if (isObject(rc.metadata) && (!isObject(rc.metadata.labels) || Object.keys(rc.metadata.labels).length === 0)) rc.metadata.labels = { ...labels };
  }
  spec.replicas ??= 1;
  if (template) {
    if (!isObject(template.spec)) template.spec = {} as PodSpec;
    defaultPodSpec(template.spec);
  }
}

// ---------------------------------------------------------------- endpoint slices

/**
 * SetDefaults_EndpointPort (name "", protocol TCP), plus what Go's encoding of an
 * EndpointSlice always shows: endpoints and ports without omitempty (null when
 * absent) and each endpoint's conditions struct ({} when empty).
 */
function defaultEndpointSlice(slice: EndpointSlice): void {
  if (slice.endpoints === undefined) slice.endpoints = null;
  if (slice.ports === undefined) slice.ports = null;
  for (const ep of arrayOf(slice.endpoints ?? undefined)) if (isObject(ep) && !isObject(ep.conditions)) ep.conditions = {};
  for (const port of arrayOf(slice.ports ?? undefined)) {
    if (!isObject(port)) continue;
    port.name ??= '';
    port.protocol ??= 'TCP';
  }
}

// ---------------------------------------------------------------- services, endpoints

function defaultService(svc: Service): void {
  if (!isObject(svc.spec)) svc.spec = {};
  const spec = svc.spec;
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'ClientIP' && typeof spec.sessionAffinityConfig?.clientIP?.timeoutSeconds !== 'number') {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS } };
  }
  if (!spec.type) spec.type = 'ClusterIP';
  for (const port of arrayOf(spec.ports)) {
    if (!isObject(port)) continue;
    if (!port.protocol) port.protocol = 'TCP';
    if (port.targetPort === undefined || port.targetPort === null || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  if (externallyAccessible(spec) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy === undefined && (spec.type === 'ClusterIP' || spec.type === 'NodePort' || spec.type === 'LoadBalancer')) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (spec.type === 'ExternalName') return;
  // What the service REST storage fills in (single-stack IPv4 cluster).
  if (spec.clusterIP && !(Array.isArray(spec.clusterIPs) && spec.clusterIPs.length)) spec.clusterIPs = [spec.clusterIP];
  if (!spec.clusterIP && Array.isArray(spec.clusterIPs) && typeof spec.clusterIPs[0] === 'string') spec.clusterIP = spec.clusterIPs[0];
  spec.ipFamilyPolicy ??= 'SingleStack';
  if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) {
    spec.ipFamilies = [typeof spec.clusterIP === 'string' && spec.clusterIP.includes(':') ? 'IPv6' : 'IPv4'];
  }
}

function defaultEndpoints(ep: Endpoints): void {
  for (const subset of arrayOf(ep.subsets)) {
    for (const port of arrayOf(isObject(subset) ? subset.ports : undefined)) if (isObject(port) && !port.protocol) port.protocol = 'TCP';
  }
}

// ---------------------------------------------------------------- namespaces, secrets, nodes

function defaultNamespace(ns: Namespace): void {
  const name = ns.metadata?.name;
  if (name) ns.metadata.labels = { ...(isObject(ns.metadata.labels) ? ns.metadata.labels : {}), 'kubernetes.io/metadata.name': name };
  if (!isObject(ns.spec)) ns.spec = {};
  if (!Array.isArray(ns.spec.finalizers)) ns.spec.finalizers = ['kubernetes'];
  if (!isObject(ns.status)) ns.status = {};
  if (!ns.status.phase) ns.status.phase = 'Active';
}

function defaultSecret(secret: Secret): void {
  if (!secret.type) secret.type = 'Opaque';
  // stringData is write-only: Kubernetes merges it into data (base64) and never stores it.
  if (isObject(secret.stringData)) {
    const data = isObject(secret.data) ? secret.data : (secret.data = {});
    for (const [k, v] of Object.entries(secret.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    delete secret.stringData;
  }
}

function defaultNode(node: Node): void {
  if (isObject(node.spec)) {
    const spec = node.spec;
    if (spec.podCIDR && !(Array.isArray(spec.podCIDRs) && spec.podCIDRs.length)) spec.podCIDRs = [spec.podCIDR];
    if (Array.isArray(spec.podCIDRs) && typeof spec.podCIDRs[0] === 'string') spec.podCIDR = spec.podCIDRs[0];
  }
  if (!isObject(node.status)) return;
  const status = node.status;
  canonicalizeResources(status.capacity);
  canonicalizeResources(status.allocatable);
  if (status.allocatable === undefined && isObject(status.capacity)) status.allocatable = { ...status.capacity };
}

// ---------------------------------------------------------------- rbac

/** Role.rules has no omitempty: Go writes a role without rules as "rules": null. */
function defaultRole(role: Role | ClusterRole): void {
  if (role.rules === undefined) role.rules = null;
}

/**
 * SetDefaults_RoleBinding / SetDefaults_ClusterRoleBinding (roleRef.apiGroup) and
 * SetDefaults_Subject: an empty apiGroup becomes rbac.authorization.k8s.io for User and
 * Group subjects and stays "" for ServiceAccounts (other kinds are left for validation).
 */
function defaultRoleBinding(binding: RoleBinding | ClusterRoleBinding): void {
  // roleRef is a struct in Go: a missing one is the zero value, then defaulted.
  if (!isObject(binding.roleRef)) binding.roleRef = { apiGroup: '', kind: '', name: '' };
  if (!binding.roleRef.apiGroup) binding.roleRef.apiGroup = RBAC_GROUP;
  for (const subject of arrayOf<Subject>(binding.subjects)) {
    if (!isObject(subject) || subject.apiGroup) continue;
    if (subject.kind === 'User' || subject.kind === 'Group') subject.apiGroup = RBAC_GROUP;
  }
}

// ---------------------------------------------------------------- storage

/** SetDefaults_PersistentVolume: Pending, Retain, Filesystem; capacity canonical. */
function defaultPersistentVolume(pv: PersistentVolume): void {
  if (!isObject(pv.spec)) pv.spec = {};
  const spec = pv.spec;
  spec.persistentVolumeReclaimPolicy ||= 'Retain';
  spec.volumeMode ||= 'Filesystem';
  canonicalizeResources(spec.capacity);
  if (isObject(spec.hostPath) && spec.hostPath.type === undefined) spec.hostPath.type = '';
  if (!isObject(pv.status)) pv.status = {};
  pv.status.phase ||= 'Pending';
}

/** SetDefaults_PersistentVolumeClaim (and its spec): Pending, Filesystem; quantities canonical. */
function defaultPersistentVolumeClaim(pvc: PersistentVolumeClaim): void {
  if (!isObject(pvc.spec)) pvc.spec = {};
  const spec = pvc.spec;
  spec.volumeMode ||= 'Filesystem';
  if (isObject(spec.resources)) {
    canonicalizeResources(spec.resources.requests);
    canonicalizeResources(spec.resources.limits);
  }
  if (!isObject(pvc.status)) pvc.status = {};
  pvc.status.phase ||= 'Pending';
  canonicalizeResources(pvc.status.capacity);
}

/** SetDefaults_StorageClass: Delete, Immediate. */
function defaultStorageClass(sc: StorageClass): void {
  sc.reclaimPolicy ||= 'Delete';
  sc.volumeBindingMode ||= 'Immediate';
}

/** apiregistration's SetDefaults_ServiceReference: port 443. */
function defaultAPIService(s: APIService): void {
  const service = s.spec?.service;
  if (isObject(service) && service.port === undefined) service.port = 443;
}

// ---------------------------------------------------------------- admissionregistration

/**
 * SetDefaults_ValidatingWebhook / _MutatingWebhook, _Rule and _ServiceReference
 * (admissionregistration/v1): failurePolicy Fail, matchPolicy Equivalent, empty
 * namespace and object selectors, timeoutSeconds 10, reinvocationPolicy Never (mutating),
 * rule scope "*", service port 443. sideEffects and admissionReviewVersions have no
 * default in v1: validation requires them.
 */
function defaultWebhookConfiguration(cfg: ValidatingWebhookConfiguration | MutatingWebhookConfiguration, mutating: boolean): void {
  for (const hook of arrayOf(cfg.webhooks)) {
    if (!isObject(hook)) continue;
    hook.failurePolicy ??= 'Fail';
    hook.matchPolicy ??= 'Equivalent';
    if (hook.namespaceSelector === undefined || hook.namespaceSelector === null) hook.namespaceSelector = {};
    if (hook.objectSelector === undefined || hook.objectSelector === null) hook.objectSelector = {};
    hook.timeoutSeconds ??= 10;
    if (mutating) (hook as MutatingWebhook).reinvocationPolicy ??= 'Never';
    for (const rule of arrayOf(hook.rules)) if (isObject(rule)) rule.scope ??= '*';
    const service = isObject(hook.clientConfig) ? hook.clientConfig.service : undefined;
    if (isObject(service)) service.port ??= 443;
  }
}

/** SetDefaults_ValidatingAdmissionPolicySpec: failurePolicy Fail; and its matchConstraints. */
function defaultValidatingAdmissionPolicy(p: ValidatingAdmissionPolicy): void {
  if (!isObject(p.spec)) return;
  p.spec.failurePolicy ??= 'Fail';
  if (isObject(p.spec.matchConstraints)) defaultMatchResources(p.spec.matchConstraints);
}

/** SetDefaults_MatchResources: empty selectors, matchPolicy Equivalent, rule scope "*". */
function defaultMatchResources(m: MatchResources): void {
  if (m.namespaceSelector === undefined || m.namespaceSelector === null) m.namespaceSelector = {};
  if (m.objectSelector === undefined || m.objectSelector === null) m.objectSelector = {};
  m.matchPolicy ??= 'Equivalent';
  for (const rule of [...arrayOf(m.resourceRules), ...arrayOf(m.excludeResourceRules)]) if (isObject(rule)) rule.scope ??= '*';
}
/**
 * apiextensions/v1 SetDefaults_CustomResourceDefinition(Spec): scope Namespaced,
 * singular the lower-case kind, listKind kind+"List", conversion None, a service
 * reference's port 443, and the storage version in status.storedVersions.
 */
function defaultCustomResourceDefinition(crd: CustomResourceDefinition): void {
  const spec = crd.spec;
  if (!isObject(spec)) return;
  if (!spec.scope) spec.scope = 'Namespaced';
  const names = spec.names;
  if (isObject(names) && typeof names.kind === 'string') {
    if (!names.singular) names.singular = names.kind.toLowerCase();
    if (!names.listKind && names.kind) names.listKind = `${names.kind}List`;
  }
  if (!isObject(spec.conversion)) spec.conversion = { strategy: 'None' };
  const service = spec.conversion.webhook?.clientConfig?.service;
  if (isObject(service) && service.port === undefined) service.port = 443;
  const status = isObject(crd.status) ? crd.status : (crd.status = {});
  if (!arrayOf(status.storedVersions).length) {
    const storage = arrayOf(spec.versions).find((v) => isObject(v) && v.storage === true);
    if (storage) status.storedVersions = [storage.name];
  }
}
