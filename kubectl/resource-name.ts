// How kubectl names an object in its messages: "pod/web", "deployment.apps/web".
import type { ResourceInfo } from '../api/registry.js';

/** kind.group, lower case: "pod", "deployment.apps" (kubectl's -o name prefix). */
export function typeName(ri: Pick<ResourceInfo, 'kind' | 'group'>): string {
  return ri.group ? `${ri.kind.toLowerCase()}.${ri.group}` : ri.kind.toLowerCase();
}

/** "deployment.apps/web". */
export function objectName(ri: Pick<ResourceInfo, 'kind' | 'group'>, name: string): string {
  return `${typeName(ri)}/${name}`;
}
