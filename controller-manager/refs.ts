// ObjectReferences for Events about objects read from an informer cache: list items
// carry no apiVersion or kind, so the reference says them (client-go's recorder
// finds them in the scheme).
import type { Node, ObjectReference, Pod } from '../api/types/core.js';

export const podRef = (pod: Pick<Pod, 'metadata'>): ObjectReference =>
  ({ apiVersion: 'v1', kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}) });

export const nodeRef = (node: Pick<Node, 'metadata'>): ObjectReference =>
  ({ apiVersion: 'v1', kind: 'Node', name: node.metadata.name, ...(node.metadata.uid ? { uid: node.metadata.uid } : {}) });
