// How the node lifecycle controller judges a node's health (tryUpdateNodeHealth in
// node_lifecycle_controller.go): a node is heard from when its Lease's renewTime or
// its Ready condition's lastHeartbeatTime moves. Times are the controller's own clock
// at the moment it saw the move (probeTimestamp), never the kubelet's timestamps, so
// clock skew between machines does not matter. When nothing has moved for the grace
// period (the startup grace period for a node that never posted Ready), every
// condition the kubelet owns becomes Unknown.
import type { Lease } from '../../api/types/coordination.js';
import type { Node, NodeCondition } from '../../api/types/core.js';
import { parseTime, rfc3339 } from '../../api/helpers/time.js';

/** What the controller remembers of a node between passes (nodeHealthData). */
export interface NodeHealth {
  /** When (controller clock, ms) the node was last heard from. */
  probeTimestamp: number;
  /** When (controller clock, ms) its Ready condition last changed, as far as we saw. */
  readyTransitionTimestamp: number;
  /** The Ready condition of the status last seen. */
  ready?: NodeCondition;
  /** renewTime of the Lease last seen (ms), if any. */
  leaseRenewTime?: number;
}

export interface HealthOptions {
  /** --node-monitor-grace-period (ms). */
  monitorGracePeriodMs: number;
  /** --node-startup-grace-period (ms). */
  startupGracePeriodMs: number;
}

export interface HealthCheck {
  /** The grace period the node was judged by. */
  gracePeriodMs: number;
  /** The Ready condition as the node posted it (a fake Unknown one when it never did). */
  observedReady: NodeCondition;
  /** The Ready condition after this check (Unknown when the grace period passed). */
  currentReady?: NodeCondition;
  /** What to remember when no status is written, or the write fails. */
  health: NodeHealth;
  /**
   * Set when the Ready condition changed: the node with its kubelet conditions made
   * Unknown, for UpdateStatus, and what to remember once that write succeeds.
   */
  update?: { node: Node; health: NodeHealth };
}

/** The conditions the kubelet owns; NetworkUnavailable is set by the control plane and left alone. */
export const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

export function nodeCondition(node: Pick<Node, 'status'>, type: string): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

const sameCondition = (a: NodeCondition | undefined, b: NodeCondition | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.type === b.type && a.status === b.status && (a.reason ?? '') === (b.reason ?? '')
    && (a.message ?? '') === (b.message ?? '') && (a.lastHeartbeatTime ?? '') === (b.lastHeartbeatTime ?? '')
    && (a.lastTransitionTime ?? '') === (b.lastTransitionTime ?? ''));

/**
 * Checks one node. node must be the caller's own copy: its conditions are changed in
 * place when the grace period has passed. saved is what the previous check returned
 * (undefined for a node not seen before); lease the node's Lease from
 * kube-node-lease, if any; now the controller's clock.
 */
export function checkNodeHealth(node: Node, saved: NodeHealth | undefined, lease: Lease | undefined, now: number, o: HealthOptions): HealthCheck {
  const created = parseTime(node.metadata.creationTimestamp);
  const createdMs = Number.isNaN(created) ? now : created;
  let currentReady = nodeCondition(node, 'Ready');
  let observedReady: NodeCondition;
  let gracePeriodMs: number;
  let health = saved ? { ...saved } : undefined;
  if (!currentReady) {
    // The kubelet never posted status: judge by the startup grace period from the node's creation.
    observedReady = { type: 'Ready', status: 'Unknown', lastHeartbeatTime: node.metadata.creationTimestamp, lastTransitionTime: node.metadata.creationTimestamp };
    gracePeriodMs = o.startupGracePeriodMs;
    health = health
      ? { ...health, ready: undefined }
      : { probeTimestamp: createdMs, readyTransitionTimestamp: createdMs };
  } else {
    observedReady = { ...currentReady };
    gracePeriodMs = o.monitorGracePeriodMs;
  }
  const savedReady = health?.ready;
  if (!health) {
    health = { probeTimestamp: now, readyTransitionTimestamp: now, ready: currentReady && { ...currentReady } };
  } else if (!savedReady && currentReady) {
    // First Ready condition seen (a restarted controller, or a kubelet's first status).
    health = { probeTimestamp: now, readyTransitionTimestamp: now, ready: { ...currentReady }, leaseRenewTime: health.leaseRenewTime };
  } else if (savedReady && currentReady && (savedReady.lastHeartbeatTime ?? '') !== (currentReady.lastHeartbeatTime ?? '')) {
    // The kubelet posted status since the last check.
    const transitioned = (savedReady.lastTransitionTime ?? '') !== (currentReady.lastTransitionTime ?? '');
    health = {
      probeTimestamp: now,
      readyTransitionTimestamp: transitioned ? now : health.readyTransitionTimestamp,
      ready: { ...currentReady },
      leaseRenewTime: health.leaseRenewTime,
    };
  }
  // A renewed Lease counts as hearing from the node, whatever its status says.
  const renewed = parseTime(lease?.spec?.renewTime);
  if (!Number.isNaN(renewed) && (health.leaseRenewTime === undefined || health.leaseRenewTime < renewed)) {
    health = { ...health, leaseRenewTime: renewed, probeTimestamp: now };
  }

  if (now > health.probeTimestamp + gracePeriodMs) {
    const stamp = rfc3339(now);
    const conditions = (node.status ??= {}).conditions ??= [];
    for (const type of KUBELET_CONDITIONS) {
      const c = conditions.find((x) => x.type === type);
      if (!c) {
        conditions.push({
          type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.',
          lastHeartbeatTime: node.metadata.creationTimestamp, lastTransitionTime: stamp,
        });
      } else if (c.status !== 'Unknown') {
        c.status = 'Unknown';
        c.reason = 'NodeStatusUnknown';
        c.message = 'Kubelet stopped posting node status.';
        c.lastTransitionTime = stamp;
      }
    }
    currentReady = nodeCondition(node, 'Ready');
    if (!sameCondition(currentReady, observedReady)) {
      return {
        gracePeriodMs, observedReady, currentReady, health,
        update: {
          node,
          health: { probeTimestamp: health.probeTimestamp, readyTransitionTimestamp: now, ready: currentReady && { ...currentReady }, leaseRenewTime: health.leaseRenewTime },
        },
      };
    }
  }
  return { gracePeriodMs, observedReady, currentReady, health };
}
