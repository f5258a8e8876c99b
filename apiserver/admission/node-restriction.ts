// The NodeRestriction admission plugin (plugin/pkg/admission/noderestriction): what
// the Node authorizer lets every kubelet do in general (create and update Nodes, write
// pod status, create mirror pods, request tokens), this plugin narrows to the kubelet's
// own Node, Lease and pods.
import { forbiddenObject, type StatusError } from '../../api/errors.js';
import { MIRROR_POD_ANNOTATION, type Node, type Pod } from '../../api/types/core.js';
import { nodeIdentity, type User } from '../authn/user.js';
import type { AdmissionAttributes, AdmissionPlugin } from './chain.js';


/** The node name of a kubelet's identity ("" when it names none); undefined for other users. */
const requestingNode = (user: User | undefined): string | undefined => (user ? nodeIdentity(user) : undefined);

/** admission.NewForbidden: named by the resource (not the subresource) and the object. */
function deny(a: AdmissionAttributes, why: string): StatusError {
  return forbiddenObject({ group: a.resource.group, resource: a.resource.plural }, a.name, why);
}

export const nodeRestriction: AdmissionPlugin = {
  name: 'NodeRestriction',
  validate(a) {
    const node = requestingNode(a.user);
    if (node === undefined) return;
    if (node === '') throw deny(a, `could not determine node from user ${JSON.stringify(a.user?.name)}`);
    const { group, plural } = a.resource;
    if (group === '' && plural === 'pods') return admitPod(a, node);
    if (group === '' && plural === 'nodes') return admitNode(a, node);
    if (group === 'coordination.k8s.io' && plural === 'leases') {
      if ((a.operation === 'CREATE' || a.operation === 'UPDATE') && a.name !== node) {
        throw deny(a, 'can only access node lease with the same name as the requesting node');
      }
    }
  },
};

function admitPod(a: AdmissionAttributes, node: string): void {
  const pod = (a.object ?? a.oldObject) as Pod;
  const boundTo = (a.oldObject as Pod | undefined)?.spec?.nodeName ?? (a.object as Pod | undefined)?.spec?.nodeName;
  switch (a.operation) {
    case 'CREATE': {
      if (a.subresource) return;
      if (!pod.metadata.annotations?.[MIRROR_POD_ANNOTATION]) throw deny(a, `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
      if (pod.spec?.nodeName !== node) throw deny(a, `node "${node}" can only create pods with spec.nodeName set to itself`);
      const spec = pod.spec;
      if (spec?.serviceAccountName) throw deny(a, `node "${node}" can not create pods that reference a service account`);
      if ((spec?.volumes ?? []).some((v) => v.secret || v.configMap || v.persistentVolumeClaim || v.projected)) {
        throw deny(a, `node "${node}" can not create pods that reference secrets, configmaps, projected volumes or persistentvolumeclaims`);
      }
      return;
    }
    case 'UPDATE':
      if (a.subresource === 'status') {
        if (boundTo !== node) throw deny(a, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
        return;
      }
      throw deny(a, `node "${node}" can only update pod status`);
    case 'DELETE':
      if (boundTo !== node) throw deny(a, `node "${node}" can only delete pods with spec.nodeName set to itself`);
      return;
  }
}

function admitNode(a: AdmissionAttributes, node: string): void {
  if (a.name !== node) throw deny(a, `node "${node}" is not allowed to modify node "${a.name}"`);
  if (a.operation === 'UPDATE' && !a.subresource) {
    const before = JSON.stringify((a.oldObject as Node | undefined)?.spec?.taints ?? []);
    const after = JSON.stringify((a.object as Node | undefined)?.spec?.taints ?? []);
    if (before !== after) throw deny(a, `node "${node}" is not allowed to modify taints`);
  }
}

/**
 * For serviceaccounts/token requests by a kubelet: the token must be bound to a pod
 * on the kubelet's node. Returns the refusal, or undefined when allowed or not a node.
 */
export function nodeTokenRequestRefusal(user: User | undefined, saName: string, bound: { kind?: string; pod?: Pod; uid?: string }): StatusError | undefined {
  const node = requestingNode(user);
  if (node === undefined) return undefined;
  const q = { group: '', resource: 'serviceaccounts/token' };
  if (bound.kind !== 'Pod' || !bound.pod) return forbiddenObject(q, saName, 'node requested token not bound to a pod');
  if (!bound.uid) return forbiddenObject(q, saName, 'node requested token with a pod binding without a uid');
  if (bound.pod.spec?.nodeName !== node) return forbiddenObject(q, saName, 'node requested token bound to a pod scheduled on a different node');
  return undefined;
}
