// Validation entry points: the apiserver calls validateCreate / validateUpdate on a
// defaulted object and turns a non-empty result into a 422 Invalid Status whose
// details.causes are these StatusCauses.
import type { APIService } from '../types/apiregistration.js';
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, Scale, StatefulSet } from '../types/apps.js';
import type { CronJob, Job } from '../types/batch.js';
import type { HorizontalPodAutoscaler } from '../types/autoscaling.js';
import type { CertificateSigningRequest } from '../types/certificates.js';
import type { Lease } from '../types/coordination.js';
import type {
  Binding, ConfigMap, Endpoints, Event, Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod, ReplicationController,
  Secret, Service, ServiceAccount,
} from '../types/core.js';
import type { EndpointSlice } from '../types/discovery.js';
import type { KubeObject, StatusCause } from '../types/meta.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../types/rbac.js';
import type { StorageClass } from '../types/storage.js';
import type { PodDisruptionBudget } from '../types/policy.js';
import type { PriorityClass } from '../types/scheduling.js';
import {
  validatePodDisruptionBudgetCreate, validatePodDisruptionBudgetStatus, validatePodDisruptionBudgetUpdate,
} from './poddisruptionbudget.js';
import { validatePriorityClassCreate, validatePriorityClassUpdate } from './priorityclass.js';
import { validateAPIServiceCreate, validateAPIServiceStatusUpdate, validateAPIServiceUpdate } from './apiservice.js';
import type {
  MutatingWebhookConfiguration, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding, ValidatingWebhookConfiguration,
} from '../types/admissionregistration.js';
import {
  validateValidatingAdmissionPolicy, validateValidatingAdmissionPolicyBinding, validateWebhookConfigurationCreate, validateWebhookConfigurationUpdate,
} from './admissionregistration.js';
import {
  validateCSRApprovalUpdate, validateCSRCreate, validateCSRStatusUpdate, validateCSRUpdate,
} from './certificatesigningrequest.js';
import { validateConfigMapCreate, validateConfigMapUpdate } from './configmap.js';
import { validateCRDCreate, validateCRDStatusUpdate, validateCRDUpdate } from './customresourcedefinition.js';
import type { CustomResourceDefinition } from '../types/apiextensions.js';
import { validateControllerRevisionCreate, validateControllerRevisionUpdate } from './controllerrevision.js';
import { validateDaemonSetCreate, validateDaemonSetStatus, validateDaemonSetUpdate } from './daemonset.js';
import { validateCronJobCreate, validateCronJobUpdate } from './cronjob.js';
import { validateDeploymentCreate, validateDeploymentUpdate } from './deployment.js';
import { validateEndpointsCreate, validateEndpointsUpdate } from './endpoints.js';
import { validateEndpointSliceCreate, validateEndpointSliceUpdate } from './endpointslice.js';
import { validateEventCreate, validateEventUpdate } from './event.js';
import { type FieldCause, forbidden, invalid, nonNegative, record } from './field.js';
import { validateJobCreate, validateJobStatus, validateJobUpdate } from './job.js';
import {
  validateHorizontalPodAutoscalerCreate, validateHorizontalPodAutoscalerStatus, validateHorizontalPodAutoscalerUpdate,
} from './horizontalpodautoscaler.js';
import { validateLeaseCreate, validateLeaseUpdate } from './lease.js';
import { validateObjectMetaUpdate } from './meta.js';
import {
  validateNamespaceCreate, validateNamespaceFinalizeUpdate, validateNamespaceStatusUpdate, validateNamespaceUpdate,
} from './namespace.js';
import { validateNodeCreate, validateNodeUpdate } from './node.js';
import { validateBinding, validatePodCreate, validatePodEphemeralContainersUpdate, validatePodUpdate } from './pod.js';
import {
  validateClusterRoleBindingCreate, validateClusterRoleBindingUpdate, validateClusterRoleCreate, validateClusterRoleUpdate,
  validateRoleBindingCreate, validateRoleBindingUpdate, validateRoleCreate, validateRoleUpdate,
} from './rbac.js';
import { validateReplicaSetCreate, validateReplicaSetUpdate } from './replicaset.js';
import { validateReplicationControllerCreate, validateReplicationControllerUpdate } from './replicationcontroller.js';
import { validateSecretCreate, validateSecretUpdate } from './secret.js';
import { validateServiceCreate, validateServiceUpdate } from './service.js';
import { validateServiceAccountCreate, validateServiceAccountUpdate } from './serviceaccount.js';
import { validateStatefulSetCreate, validateStatefulSetStatus, validateStatefulSetUpdate } from './statefulset.js';
import {
  validatePersistentVolumeClaimCreate, validatePersistentVolumeClaimStatusUpdate, validatePersistentVolumeClaimUpdate,
  validatePersistentVolumeCreate, validatePersistentVolumeStatusUpdate, validatePersistentVolumeUpdate,
  validateStorageClassCreate, validateStorageClassUpdate,
} from './storage.js';

export type { FieldCause } from './field.js';

/** Options for validateUpdate. */
export interface UpdateOptions {
  /**
   * The subresource written: 'status' checks metadata and status only, 'binding'
   * nothing (the Binding body is checked on its own), 'finalize' the namespace's
   * spec.finalizers, 'ephemeralcontainers' a pod's added ephemeral containers, 'approval' a CertificateSigningRequest's conditions; undefined and
   * 'scale' check the whole object.
   */
  subresource?: string;
}

type CreateFn = (obj: KubeObject) => FieldCause[];
type UpdateFn = (obj: KubeObject, old: KubeObject) => FieldCause[];

const CREATE: Record<string, CreateFn> = {
  Pod: (o) => validatePodCreate(o as Pod),
  Service: (o) => validateServiceCreate(o as Service),
  Node: (o) => validateNodeCreate(o as Node),
  Namespace: (o) => validateNamespaceCreate(o as Namespace),
  ConfigMap: (o) => validateConfigMapCreate(o as ConfigMap),
  Secret: (o) => validateSecretCreate(o as Secret),
  Event: (o) => validateEventCreate(o as Event),
  Endpoints: (o) => validateEndpointsCreate(o as Endpoints),
  ReplicaSet: (o) => validateReplicaSetCreate(o as ReplicaSet),
  Deployment: (o) => validateDeploymentCreate(o as Deployment),
  DaemonSet: (o) => validateDaemonSetCreate(o as DaemonSet),
  StatefulSet: (o) => validateStatefulSetCreate(o as StatefulSet),
  ControllerRevision: (o) => validateControllerRevisionCreate(o as ControllerRevision),
  Job: (o) => validateJobCreate(o as Job),
  CronJob: (o) => validateCronJobCreate(o as CronJob),
  HorizontalPodAutoscaler: (o) => validateHorizontalPodAutoscalerCreate(o as HorizontalPodAutoscaler),
  Lease: (o) => validateLeaseCreate(o as Lease),
  ReplicationController: (o) => validateReplicationControllerCreate(o as ReplicationController),
  EndpointSlice: (o) => validateEndpointSliceCreate(o as EndpointSlice),
  ServiceAccount: (o) => validateServiceAccountCreate(o as ServiceAccount),
  Role: (o) => validateRoleCreate(o as Role),
  ClusterRole: (o) => validateClusterRoleCreate(o as ClusterRole),
  RoleBinding: (o) => validateRoleBindingCreate(o as RoleBinding),
  ClusterRoleBinding: (o) => validateClusterRoleBindingCreate(o as ClusterRoleBinding),
  Binding: (o) => validateBinding(o as Binding),
  CertificateSigningRequest: (o) => validateCSRCreate(o as CertificateSigningRequest),
  PersistentVolume: (o) => validatePersistentVolumeCreate(o as PersistentVolume),
  PersistentVolumeClaim: (o) => validatePersistentVolumeClaimCreate(o as PersistentVolumeClaim),
  StorageClass: (o) => validateStorageClassCreate(o as StorageClass),
  PodDisruptionBudget: (o) => validatePodDisruptionBudgetCreate(o as PodDisruptionBudget),
  PriorityClass: (o) => validatePriorityClassCreate(o as PriorityClass),
  APIService: (o) => validateAPIServiceCreate(o as APIService),
  ValidatingWebhookConfiguration: (o) => validateWebhookConfigurationCreate(o as ValidatingWebhookConfiguration),
  MutatingWebhookConfiguration: (o) => validateWebhookConfigurationCreate(o as MutatingWebhookConfiguration),
  ValidatingAdmissionPolicy: (o) => validateValidatingAdmissionPolicy(o as ValidatingAdmissionPolicy),
  ValidatingAdmissionPolicyBinding: (o) => validateValidatingAdmissionPolicyBinding(o as ValidatingAdmissionPolicyBinding),
  CustomResourceDefinition: (o) => validateCRDCreate(o as CustomResourceDefinition),
  Scale: (o) => nonNegative(record<unknown>((o as Scale).spec).replicas, 'spec.replicas'),
};

const UPDATE: Record<string, UpdateFn> = {
  Pod: (o, p) => validatePodUpdate(o as Pod, p as Pod),
  Service: (o, p) => validateServiceUpdate(o as Service, p as Service),
  Node: (o, p) => validateNodeUpdate(o as Node, p as Node),
  Namespace: (o, p) => validateNamespaceUpdate(o as Namespace, p as Namespace),
  ConfigMap: (o, p) => validateConfigMapUpdate(o as ConfigMap, p as ConfigMap),
  Secret: (o, p) => validateSecretUpdate(o as Secret, p as Secret),
  Event: (o, p) => validateEventUpdate(o as Event, p as Event),
  Endpoints: (o, p) => validateEndpointsUpdate(o as Endpoints, p as Endpoints),
  ReplicaSet: (o, p) => validateReplicaSetUpdate(o as ReplicaSet, p as ReplicaSet),
  Deployment: (o, p) => validateDeploymentUpdate(o as Deployment, p as Deployment),
  DaemonSet: (o, p) => validateDaemonSetUpdate(o as DaemonSet, p as DaemonSet),
  StatefulSet: (o, p) => validateStatefulSetUpdate(o as StatefulSet, p as StatefulSet),
  ControllerRevision: (o, p) => validateControllerRevisionUpdate(o as ControllerRevision, p as ControllerRevision),
  Job: (o, p) => validateJobUpdate(o as Job, p as Job),
  CronJob: (o, p) => validateCronJobUpdate(o as CronJob, p as CronJob),
  HorizontalPodAutoscaler: (o, p) => validateHorizontalPodAutoscalerUpdate(o as HorizontalPodAutoscaler, p as HorizontalPodAutoscaler),
  Lease: (o, p) => validateLeaseUpdate(o as Lease, p as Lease),
  ReplicationController: (o, p) => validateReplicationControllerUpdate(o as ReplicationController, p as ReplicationController),
  EndpointSlice: (o, p) => validateEndpointSliceUpdate(o as EndpointSlice, p as EndpointSlice),
  ServiceAccount: (o, p) => validateServiceAccountUpdate(o as ServiceAccount, p as ServiceAccount),
  Role: (o, p) => validateRoleUpdate(o as Role, p as Role),
  ClusterRole: (o, p) => validateClusterRoleUpdate(o as ClusterRole, p as ClusterRole),
  RoleBinding: (o, p) => validateRoleBindingUpdate(o as RoleBinding, p as RoleBinding),
  ClusterRoleBinding: (o, p) => validateClusterRoleBindingUpdate(o as ClusterRoleBinding, p as ClusterRoleBinding),
  CertificateSigningRequest: (o, p) => validateCSRUpdate(o as CertificateSigningRequest, p as CertificateSigningRequest),
  PersistentVolume: (o, p) => validatePersistentVolumeUpdate(o as PersistentVolume, p as PersistentVolume),
  PersistentVolumeClaim: (o, p) => validatePersistentVolumeClaimUpdate(o as PersistentVolumeClaim, p as PersistentVolumeClaim),
  StorageClass: (o, p) => validateStorageClassUpdate(o as StorageClass, p as StorageClass),
  PodDisruptionBudget: (o, p) => validatePodDisruptionBudgetUpdate(o as PodDisruptionBudget, p as PodDisruptionBudget),
  PriorityClass: (o, p) => validatePriorityClassUpdate(o as PriorityClass, p as PriorityClass),
  APIService: (o, p) => validateAPIServiceUpdate(o as APIService, p as APIService),
  ValidatingWebhookConfiguration: (o, p) => validateWebhookConfigurationUpdate(o as ValidatingWebhookConfiguration, p as ValidatingWebhookConfiguration),
  MutatingWebhookConfiguration: (o, p) => validateWebhookConfigurationUpdate(o as MutatingWebhookConfiguration, p as MutatingWebhookConfiguration),
  ValidatingAdmissionPolicy: (o, p) => validateValidatingAdmissionPolicy(o as ValidatingAdmissionPolicy, p as ValidatingAdmissionPolicy),
  ValidatingAdmissionPolicyBinding: (o, p) => validateValidatingAdmissionPolicyBinding(o as ValidatingAdmissionPolicyBinding, p as ValidatingAdmissionPolicyBinding),
  CustomResourceDefinition: (o, p) => validateCRDUpdate(o as CustomResourceDefinition, p as CustomResourceDefinition),
};

/** Replica counts in a ReplicaSet, ReplicationController or Deployment status (Validate*Status). */
function validateReplicaStatus(status: Record<string, unknown>, fields: string[], kind: string): FieldCause[] {
  const errs: FieldCause[] = [];
  for (const f of ['observedGeneration', 'replicas', ...fields, 'collisionCount']) errs.push(...nonNegative(status[f], `status.${f}`));
  const n = (f: string): number => (typeof status[f] === 'number' ? status[f] as number : 0);
  const over = kind === 'Deployment' ? ['updatedReplicas', 'readyReplicas', 'availableReplicas'] : ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'];
  for (const f of over) if (n(f) > n('replicas')) errs.push(invalid(`status.${f}`, n(f), 'cannot be greater than status.replicas'));
  if (n('availableReplicas') > n('readyReplicas')) errs.push(invalid('status.availableReplicas', n('availableReplicas'), 'cannot be greater than readyReplicas'));
  return errs;
}

function validateStatusUpdate(obj: KubeObject, old: KubeObject): FieldCause[] {
  // Its own rules check metadata too, as ValidateCertificateSigningRequestStatusUpdate does.
  if (obj.kind === 'CertificateSigningRequest') return validateCSRStatusUpdate(obj as CertificateSigningRequest, old as CertificateSigningRequest);
  if (obj.kind === 'APIService') return validateAPIServiceStatusUpdate(obj as APIService, old as APIService);
  if (obj.kind === 'PersistentVolume') return validatePersistentVolumeStatusUpdate(obj as PersistentVolume, old as PersistentVolume);
  if (obj.kind === 'CustomResourceDefinition') return validateCRDStatusUpdate(obj as CustomResourceDefinition, old as CustomResourceDefinition);
  if (obj.kind === 'PersistentVolumeClaim') return validatePersistentVolumeClaimStatusUpdate(obj as PersistentVolumeClaim, old as PersistentVolumeClaim);
  const errs = validateObjectMetaUpdate(obj.metadata, old.metadata);
  const status = record<unknown>(obj.status);
  switch (obj.kind) {
    case 'Namespace': return validateNamespaceStatusUpdate(obj as Namespace, old as Namespace);
    case 'Pod':
      if (record<unknown>(obj.spec).nodeName !== record<unknown>(old.spec).nodeName) errs.push(forbidden('status.nodeName', 'may not be changed directly'));
      break;
    case 'ReplicaSet':
    case 'ReplicationController':
      errs.push(...validateReplicaStatus(status, ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'], obj.kind));
      break;
    case 'HorizontalPodAutoscaler': errs.push(...validateHorizontalPodAutoscalerStatus(obj as HorizontalPodAutoscaler)); break;
    case 'Deployment': errs.push(...validateReplicaStatus(status, ['updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'], 'Deployment')); break;
    case 'DaemonSet': errs.push(...validateDaemonSetStatus(obj as DaemonSet, old as DaemonSet)); break;
    case 'StatefulSet': errs.push(...validateStatefulSetStatus(obj as StatefulSet, old as StatefulSet)); break;
    case 'Job': errs.push(...validateJobStatus(obj as Job)); break;
    case 'PodDisruptionBudget': errs.push(...validatePodDisruptionBudgetStatus(obj as PodDisruptionBudget)); break;
    default: break;
  }
  return errs;
}

/** Kubernetes reports each distinct field error once. */
function dedupe(causes: FieldCause[]): StatusCause[] {
  const seen = new Set<string>();
  return causes.filter((c) => {
    const k = `${c.reason}\u0000${c.field}\u0000${c.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Validates an object about to be created (already defaulted, with its name and
 * namespace set). Returns one StatusCause per problem, [] when valid or when the
 * kind has no rules here.
 */
export function validateCreate(obj: KubeObject): StatusCause[] {
  const fn = CREATE[obj.kind ?? ''];
  return fn ? dedupe(fn(obj)) : [];
}

/**
 * Validates obj replacing old (both defaulted; obj already carries what the server
 * keeps from old: uid, creationTimestamp, deletion fields). Returns one StatusCause
 * per problem, [] when the update is allowed or the kind has no rules here.
 */
export function validateUpdate(obj: KubeObject, old: KubeObject, opts: UpdateOptions = {}): StatusCause[] {
  switch (opts.subresource) {
    case 'status': return dedupe(validateStatusUpdate(obj, old));
    case 'binding': return [];
    case 'ephemeralcontainers':
      return obj.kind === 'Pod' ? dedupe(validatePodEphemeralContainersUpdate(obj as Pod, old as Pod)) : [];
    case 'finalize':
      return obj.kind === 'Namespace' ? dedupe(validateNamespaceFinalizeUpdate(obj as Namespace, old as Namespace)) : [];
    case 'approval':
      return obj.kind === 'CertificateSigningRequest' ? dedupe(validateCSRApprovalUpdate(obj as CertificateSigningRequest, old as CertificateSigningRequest)) : [];
    default: {
      const fn = UPDATE[obj.kind ?? ''];
      return fn ? dedupe(fn(obj, old)) : [];
    }
  }
}
