// A second version of a resource stored in another version's form (Kubernetes' storage
// version with conversion on the way in and out): autoscaling/v1 HorizontalPodAutoscalers
// stored as autoscaling/v2. Only the edges differ from the generic registry: every
// object handed out goes through withType (converted to this version), every body
// coming in through checkTypeAndNamespace (checked as this version, then converted to
// the storage form, in place). Defaults, validation, admission and storage see the
// storage form, as Kubernetes' internal version.
import { groupVersion } from '../../api/registry.js';
import type { KubeObject } from '../../api/types/meta.js';
import { GenericRegistry } from './generic.js';

export interface Conversion {
  /** The stored form as this version shows it; must not change its argument. */
  fromStorage(obj: KubeObject): KubeObject;
  /** A body of this version in the stored form; must not change its argument. */
  toStorage(obj: KubeObject): KubeObject;
}

export class ConvertingRegistry extends GenericRegistry {
  conversion?: Conversion;

  override withType(obj: KubeObject, copy = false): KubeObject {
    if (!this.conversion || obj.apiVersion === groupVersion(this.ri)) return super.withType(obj, copy);
    return this.conversion.fromStorage(obj);
  }

  /** Stored objects carry the storage version's apiVersion already (toStorage sets it). */
  override storedWithType(obj: KubeObject): KubeObject {
    return this.conversion ? obj : super.storedWithType(obj);
  }

  override checkTypeAndNamespace(obj: KubeObject, namespace: string | undefined): void {
    super.checkTypeAndNamespace(obj, namespace);
    if (!this.conversion) return;
    const stored = this.conversion.toStorage(obj) as unknown as Record<string, unknown>;
    const target = obj as unknown as Record<string, unknown>;
    for (const k of Object.keys(target)) delete target[k];
    Object.assign(target, stored);
  }
}
