// PodControl (Kubernetes' PodControlInterface in pkg/controller/controller_utils.go):
// how the workload controllers (ReplicaSet, ReplicationController, and later Jobs and
// DaemonSets) create, delete and patch pods. RealPodControl writes through the API and
// records the Events kubectl describe shows on the owner; FakePodControl records what
// it was asked, for unit tests.
import { StatusError, isNotFound } from '../api/errors.js';
import type { Pod, PodTemplateSpec } from '../api/types/core.js';
import type { KubeObject, OwnerReference } from '../api/types/meta.js';
import { nameIsDNSSubdomain } from '../api/validation/names.js';
import type { EventRecorder } from '../client/event-recorder.js';
import type { ResourceClient } from '../client/resource-client.js';

/** Event reasons, as controller_utils.go names them (also the ReplicaFailure condition reasons). */
export const FAILED_CREATE_POD_REASON = 'FailedCreate';
export const SUCCESSFUL_CREATE_POD_REASON = 'SuccessfulCreate';
export const FAILED_DELETE_POD_REASON = 'FailedDelete';
export const SUCCESSFUL_DELETE_POD_REASON = 'SuccessfulDelete';

/**
 * What a controller asks of pods. Each call is one API request; a rejected request
 * rejects the promise with the reason (the apiserver's StatusError for creates and
 * patches; for deletes a NotFound StatusError, or an Error "unable to delete pods: ...").
 * owner is the object Events are recorded on (the ReplicaSet, the ReplicationController).
 */
export interface PodControl {
  /**
   * Creates one pod from template, owned by controllerRef (which must say controller
   * and blockOwnerDeletion), named generateName + random suffix (default "<owner>-").
   */
  createPods(namespace: string, template: PodTemplateSpec | undefined, owner: KubeObject, controllerRef: OwnerReference, generateName?: string): Promise<void>;
  /** Deletes the pod namespace/name. */
  deletePod(namespace: string, name: string, owner: KubeObject): Promise<void>;
  /** A strategic merge patch of the pod (adoption and release of ownerReferences). */
  patchPod(namespace: string, name: string, patch: unknown): Promise<void>;
}

/** The "<name>-" generateName of pods a controller creates, or "<name>" when that would not be a valid prefix. */
export function podNamePrefix(controllerName: string): string {
  const prefix = `${controllerName}-`;
  return nameIsDNSSubdomain(prefix, true).length === 0 ? prefix : controllerName;
}

/** validateControllerRef: the reference a controller sets must be complete and a controller reference. */
export function validateControllerRef(ref: OwnerReference | undefined): void {
  if (!ref) throw new Error('controllerRef is nil');
  if (!ref.apiVersion) throw new Error('controllerRef has empty APIVersion');
  if (!ref.kind) throw new Error('controllerRef has empty Kind');
  if (ref.controller !== true) throw new Error('controllerRef.Controller is not set to true');
  if (ref.blockOwnerDeletion !== true) throw new Error('controllerRef.BlockOwnerDeletion is not set');
}

/**
 * GetPodFromTemplate: a new pod with the template's labels, annotations, finalizers
 * and spec (copies), generateName "<owner>-", and controllerRef as its one owner.
 */
export function podFromTemplate(template: PodTemplateSpec | undefined, owner: KubeObject, controllerRef?: OwnerReference): Pod {
  const meta = template?.metadata;
  const pod: Pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { generateName: podNamePrefix(owner.metadata.name ?? '') },
    spec: structuredClone(template?.spec ?? { containers: [] }),
  };
  // Empty maps and lists are left out, as Go's omitempty leaves them out of the request.
  if (meta?.labels && Object.keys(meta.labels).length) pod.metadata.labels = { ...meta.labels };
  if (meta?.annotations && Object.keys(meta.annotations).length) pod.metadata.annotations = { ...meta.annotations };
  if (meta?.finalizers?.length) pod.metadata.finalizers = [...meta.finalizers];
  if (controllerRef) pod.metadata.ownerReferences = [{ ...controllerRef }];
  return pod;
}

/** apierrors.HasStatusCause(err, NamespaceTerminatingCause): the namespace is being deleted, so every create fails. */
export function isNamespaceTerminating(err: unknown): boolean {
  return err instanceof StatusError && (err.status.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating');
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export interface PodControlLogger {
  debug(obj: object, msg: string): void;
}

/** PodControl through the apiserver, with Kubernetes' Events on the owner. */
export class RealPodControl implements PodControl {
  constructor(
    private readonly pods: Pick<ResourceClient<Pod>, 'create' | 'delete' | 'patch'>,
    private readonly recorder: Pick<EventRecorder, 'event'>,
    private readonly log: PodControlLogger = { debug: () => undefined },
  ) {}

  async createPods(namespace: string, template: PodTemplateSpec | undefined, owner: KubeObject, controllerRef: OwnerReference, generateName?: string): Promise<void> {
    validateControllerRef(controllerRef);
    const pod = podFromTemplate(template, owner, controllerRef);
    if (generateName) pod.metadata.generateName = generateName;
    if (Object.keys(pod.metadata.labels ?? {}).length === 0) throw new Error('unable to create pods, no labels');
    let created: Pod;
    try {
      created = await this.pods.create(namespace, pod);
    } catch (err) {
      // Only worth an Event when the namespace is not going away (then every create fails).
      if (!isNamespaceTerminating(err)) this.recorder.event(owner, 'Warning', FAILED_CREATE_POD_REASON, `Error creating: ${messageOf(err)}`);
      throw err;
    }
    this.log.debug({ controller: owner.metadata.name, pod: `${namespace}/${created.metadata.name}` }, 'controller created pod');
    this.recorder.event(owner, 'Normal', SUCCESSFUL_CREATE_POD_REASON, `Created pod: ${created.metadata.name}`);
  }

  async deletePod(namespace: string, name: string, owner: KubeObject): Promise<void> {
    this.log.debug({ controller: owner.metadata.name, pod: `${namespace}/${name}` }, 'deleting pod');
    try {
      await this.pods.delete(namespace, name);
    } catch (err) {
      if (isNotFound(err)) {
        this.log.debug({ pod: `${namespace}/${name}` }, 'pod has already been deleted');
        throw err;
      }
      this.recorder.event(owner, 'Warning', FAILED_DELETE_POD_REASON, `Error deleting: ${messageOf(err)}`);
      throw new Error(`unable to delete pods: ${messageOf(err)}`, { cause: err });
    }
    this.recorder.event(owner, 'Normal', SUCCESSFUL_DELETE_POD_REASON, `Deleted pod: ${name}`);
  }

  async patchPod(namespace: string, name: string, patch: unknown): Promise<void> {
    await this.pods.patch(namespace, name, 'strategic', patch);
  }
}

/**
 * A PodControl for unit tests: records every call and answers as told. err makes
 * every call fail; createLimit > 0 makes creates beyond that many fail (as a quota
 * would), counting every create call in createCallCount.
 */
export class FakePodControl implements PodControl {
  readonly templates: (PodTemplateSpec | undefined)[] = [];
  readonly controllerRefs: OwnerReference[] = [];
  readonly generateNames: (string | undefined)[] = [];
  /** Names passed to deletePod, in call order. */
  readonly deletePodNames: string[] = [];
  readonly patches: { namespace: string; name: string; patch: unknown }[] = [];
  err?: Error;
  createLimit = 0;
  createCallCount = 0;

  async createPods(_namespace: string, template: PodTemplateSpec | undefined, _owner: KubeObject, controllerRef: OwnerReference, generateName?: string): Promise<void> {
    this.createCallCount++;
    if (this.createLimit > 0 && this.createCallCount > this.createLimit) {
      throw new Error(`not creating pod, limit ${this.createLimit} already reached (create call ${this.createCallCount})`);
    }
    this.templates.push(template);
    this.controllerRefs.push(controllerRef);
    this.generateNames.push(generateName);
    if (this.err) throw this.err;
  }

  async deletePod(_namespace: string, name: string): Promise<void> {
    this.deletePodNames.push(name);
    if (this.err) throw this.err;
  }

  async patchPod(namespace: string, name: string, patch: unknown): Promise<void> {
    this.patches.push({ namespace, name, patch });
    if (this.err) throw this.err;
  }

  /** Forgets every recorded call. */
  clear(): void {
    this.templates.length = 0;
    this.controllerRefs.length = 0;
    this.generateNames.length = 0;
    this.deletePodNames.length = 0;
    this.patches.length = 0;
    this.createCallCount = 0;
  }
}
