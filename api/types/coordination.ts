// coordination.k8s.io/v1 Lease: leader election and node heartbeats.
import type { KubeObject } from './meta.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** MicroTime (RFC3339 with microseconds). */
  acquireTime?: string;
  /** MicroTime (RFC3339 with microseconds). */
  renewTime?: string;
  leaseTransitions?: number;
  strategy?: string;
  preferredHolder?: string;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}
