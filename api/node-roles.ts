// A node's roles as kubectl shows them (ROLES column, describe): the suffixes of
// node-role.kubernetes.io/<role> labels and the value of kubernetes.io/role.
import type { Node } from './types/core.js';

export function nodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) {
      roles.add(v);
    }
  }
  return [...roles].sort();
}
