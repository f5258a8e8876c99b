// SelectorSpread (kube-scheduler's former plugins/selectorspread, the default spreading
// before PodTopologySpread's system defaults): spreads pods of the same controller
// (a ReplicaSet's, StatefulSet's... controller ownerReference) across nodes and, when nodes
// carry topology.kubernetes.io/zone, across zones. Fewer such pods on the node (and in its
// zone) score higher. Pods are grouped by owner uid rather than by the owner's selector,
// so the count is an O(1) lookup in NodeInfo.ownerCounts.
import type { Pod } from '../../api/types/core.js';
import { type CycleState, MAX_NODE_SCORE, type PreScorePlugin, type ScorePlugin, SKIP, SUCCESS } from '../framework.js';
import type { NodeInfo } from '../node-info.js';

export const NAME = 'SelectorSpread';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** The share of the score given to spreading across zones when nodes have zones (2/3, as kube-scheduler). */
export const ZONE_WEIGHTING = 2 / 3;

/** Raw score: pods on the node with the same controller as `pod` (0 for pods without one). */
export function countMatching(ownerUid: string | undefined, nodeInfo: NodeInfo): number {
  return ownerUid === undefined ? 0 : nodeInfo.ownerCounts.get(ownerUid) ?? 0;
}

/**
 * kube-scheduler SelectorSpread.NormalizeScore: per node 100 * (max - count) / max; when
 * any scored node has a zone, blended with the same formula over per-zone sums
 * (node part 1/3, zone part 2/3). Rewrites `scores` (raw counts, parallel to `nodes`).
 */
export function normalizeSpread(nodes: readonly NodeInfo[], scores: number[]): void {
  let maxByNode = 0;
  const byZone = new Map<string, number>();
  const zones: (string | undefined)[] = new Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    if (scores[i] > maxByNode) maxByNode = scores[i];
    const zone = nodes[i].node?.metadata.labels?.[ZONE_LABEL] || undefined;
    zones[i] = zone;
    if (zone !== undefined) byZone.set(zone, (byZone.get(zone) ?? 0) + scores[i]);
  }
  let maxByZone = 0;
  for (const v of byZone.values()) if (v > maxByZone) maxByZone = v;
  const haveZones = byZone.size > 0;
  for (let i = 0; i < nodes.length; i++) {
    let f = MAX_NODE_SCORE;
    if (maxByNode > 0) f = MAX_NODE_SCORE * ((maxByNode - scores[i]) / maxByNode);
    const zone = zones[i];
    if (haveZones && zone !== undefined) {
      let zoneScore = MAX_NODE_SCORE;
      if (maxByZone > 0) zoneScore = MAX_NODE_SCORE * ((maxByZone - byZone.get(zone)!) / maxByZone);
      f = f * (1 - ZONE_WEIGHTING) + ZONE_WEIGHTING * zoneScore;
    }
    scores[i] = Math.trunc(f);
  }
}

export const plugin: PreScorePlugin & ScorePlugin = {
  name: NAME,
  // A pod without a controller has nothing to spread against.
  preScore: (_pod: Pod, state: CycleState) => (state.podInfo.ownerUid === undefined ? SKIP : SUCCESS),
  score: (_pod, nodeInfo, state) => countMatching(state.podInfo.ownerUid, nodeInfo),
  normalize: (_pod, _state, nodes, scores) => normalizeSpread(nodes, scores),
};
