// coordination.k8s.io/v1 definitions: Lease, used for leader election and node heartbeats.
import { METADATA, listKind, M } from './meta.js';
import { API_VERSION, KIND, gvk, int32, kind, object, ref, str, type Definitions } from './schema.js';

export const CO = 'io.k8s.api.coordination.v1.';

export const COORDINATION_DEFINITIONS: Definitions = {
  [`${CO}LeaseSpec`]: object('The holder and timing of a lease.', {
    acquireTime: ref(`${M}MicroTime`, 'When the current holder acquired the lease.'),
    holderIdentity: str('Identity of the current holder.'),
    leaseDurationSeconds: int32('How long candidates wait, since the last observed renewTime, before they may take the lease over.'),
    leaseTransitions: int32('How many times the lease changed holders.'),
    preferredHolder: str('A holder the lease should move to, when the strategy supports it.'),
    renewTime: ref(`${M}MicroTime`, 'When the current holder last renewed the lease.'),
    strategy: str('How holders are chosen when coordinated leader election is used, such as OldestEmulationVersion.'),
  }),

  [`${CO}Lease`]: kind(gvk('coordination.k8s.io', 'v1', 'Lease'), 'A lease: who holds it and until when. Leader election and node heartbeats use leases.', {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: METADATA,
    spec: ref(`${CO}LeaseSpec`, 'The holder and timing of the lease.'),
  }),

  [`${CO}LeaseList`]: listKind('coordination.k8s.io', 'v1', 'LeaseList', `${CO}Lease`, 'leases'),
};
