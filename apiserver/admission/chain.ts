// Admission, as kube-apiserver runs it: after decoding and defaulting, the mutating
// plugins may change the object; after the resource's own validation, the validating
// plugins may refuse it. Plugins see who asks (NodeRestriction, ServiceAccount, Pod
// Security) and may add warnings for the client's Warning header.
import type { ResourceInfo } from '../../api/registry.js';
import type { KubeObject } from '../../api/types/meta.js';
import type { User } from '../authn/user.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionAttributes {
  operation: Operation;
  resource: ResourceInfo;
  subresource?: string;
  namespace?: string;
  name: string;
  /** The object to write (CREATE, UPDATE); mutating plugins change it in place. */
  object?: KubeObject;
  /** The stored object (UPDATE, DELETE). */
  oldObject?: KubeObject;
  /** Who asks; undefined for the apiserver's own writes (bootstrap, repair loops). */
  user?: User;
  dryRun: boolean;
  /** The DeleteOptions of a DELETE (what admission webhooks are sent as the request's options). */
  options?: Record<string, unknown>;
  /** Adds a warning for the client (the Warning header). */
  warn(message: string): void;
}

/**
 * An admission plugin. admit may change a.object; validate may only refuse. Both refuse
 * by throwing a StatusError (403 Forbidden as Kubernetes' admission errors are, or 422).
 */
export interface AdmissionPlugin {
  readonly name: string;
  admit?(a: AdmissionAttributes): void | Promise<void>;
  validate?(a: AdmissionAttributes): void | Promise<void>;
}

/** The enabled plugins in kube-apiserver's order. */
export class AdmissionChain {
  constructor(readonly plugins: readonly AdmissionPlugin[]) {}

  async admit(a: AdmissionAttributes): Promise<void> {
    for (const p of this.plugins) if (p.admit) await p.admit(a);
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    for (const p of this.plugins) if (p.validate) await p.validate(a);
  }
}

export const NO_ADMISSION = new AdmissionChain([]);
