// From the count the metrics ask for to the count the HPA sets (horizontal.go's
// normalizeDesiredReplicas and normalizeDesiredReplicasWithBehaviors): stabilization
// over recent recommendations, the scale-up/-down rate policies, min and max. Pure
// functions over an HPA's history (recommendations and scale events, which the
// controller keeps in memory per HPA as Kubernetes does) and an explicit `now`.
//
// Worked example (behavior defaults, 2 replicas, the metrics ask for 10): scale-up
// policies allow max(2 + 4 pods, 2 * 200%) = 6 in the first 15 s, so 6, ScalingLimited
// True ScaleUpLimit; 15 s later max(6 + 4, 12) = 12 >= 10, so 10.
import type { HorizontalPodAutoscalerBehavior, HPAScalingRules } from '../../api/types/autoscaling.js';

export interface TimestampedRecommendation {
  recommendation: number;
  timestamp: number;
}

export interface TimestampedScaleEvent {
  /** Pods added (scale-up events) or removed (scale-down events). */
  replicaChange: number;
  timestamp: number;
  outdated: boolean;
}

/** What the controller remembers of one HPA between syncs. */
export interface ScaleHistory {
  recommendations: TimestampedRecommendation[];
  scaleUpEvents: TimestampedScaleEvent[];
  scaleDownEvents: TimestampedScaleEvent[];
}

export const newScaleHistory = (): ScaleHistory => ({ recommendations: [], scaleUpEvents: [], scaleDownEvents: [] });

/** A condition the normalization decided: AbleToScale's and ScalingLimited's reason and message. */
export interface Decision {
  reason: string;
  message: string;
}

export interface Normalized {
  desiredReplicas: number;
  /** AbleToScale True with this reason (ScaleUpStabilized, ScaleDownStabilized or ReadyForNewScale). */
  ableToScale: Decision;
  /** ScalingLimited, True when the limits changed the stabilized count. */
  scalingLimited: Decision & { limited: boolean };
}

const READY: Decision = { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const WITHIN: Decision = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
const SCALE_UP_LIMIT: Decision = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
const SCALE_DOWN_LIMIT: Decision = { reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };
const TOO_MANY: Decision = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
const TOO_FEW: Decision = { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };

/** Replaces the newest sample older than the window (if any) with `rec`, else appends it. */
function record(recs: TimestampedRecommendation[], oldIndex: number, rec: TimestampedRecommendation): void {
  if (oldIndex >= 0) recs[oldIndex] = rec;
  else recs.push(rec);
}

/** recordInitialRecommendation: the first sync remembers the current count. */
export function recordInitialRecommendation(h: ScaleHistory, currentReplicas: number, now: number): void {
  if (h.recommendations.length === 0) h.recommendations.push({ recommendation: currentReplicas, timestamp: now });
}

// ---------------------------------------------------------------- without behavior

/** calculateScaleUpLimit: at most double, and at least 4, per sync (without a behavior). */
export const scaleUpLimit = (currentReplicas: number): number => Math.trunc(Math.max(2.0 * currentReplicas, 4.0));

/**
 * stabilizeRecommendation: the highest recommendation within the downscale
 * stabilization window (so a scale-down waits out the window); records this one.
 */
export function stabilizeRecommendation(h: ScaleHistory, prenormalized: number, windowMs: number, now: number): number {
  let max = prenormalized;
  let oldIndex = -1;
  const cutoff = now - windowMs;
  h.recommendations.forEach((rec, i) => {
    if (rec.timestamp < cutoff) oldIndex = i;
    else if (rec.recommendation > max) max = rec.recommendation;
  });
  record(h.recommendations, oldIndex, { recommendation: prenormalized, timestamp: now });
  return max;
}

/** convertDesiredReplicasWithRules: min, max, and the fixed scale-up limit. */
export function convertDesiredReplicasWithRules(current: number, desired: number, min: number, max: number): { replicas: number } & Decision {
  let maximumAllowed: number;
  let limiting: Decision;
  const upLimit = scaleUpLimit(current);
  if (max > upLimit) {
    maximumAllowed = upLimit;
    limiting = SCALE_UP_LIMIT;
  } else {
    maximumAllowed = max;
    limiting = TOO_MANY;
  }
  if (desired < min) return { replicas: min, ...TOO_FEW };
  if (desired > maximumAllowed) return { replicas: maximumAllowed, ...limiting };
  return { replicas: desired, ...WITHIN };
}

/** normalizeDesiredReplicas: an HPA without a behavior. */
export function normalizeDesiredReplicas(
  h: ScaleHistory, current: number, prenormalized: number, min: number, max: number, downscaleWindowMs: number, now: number,
): Normalized {
  const stabilized = stabilizeRecommendation(h, prenormalized, downscaleWindowMs, now);
  const ableToScale = stabilized !== prenormalized
    ? { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }
    : READY;
  const { replicas, reason, message } = convertDesiredReplicasWithRules(current, stabilized, min, max);
  return { desiredReplicas: replicas, ableToScale, scalingLimited: { reason, message, limited: replicas !== stabilized } };
}

// ---------------------------------------------------------------- with behavior

export interface NormalizationArg {
  scaleUp: HPAScalingRules;
  scaleDown: HPAScalingRules;
  minReplicas: number;
  maxReplicas: number;
  currentReplicas: number;
  desiredReplicas: number;
}

/**
 * stabilizeRecommendationWithBehaviors: the count is kept between the lowest
 * recommendation of the scale-up window and the highest of the scale-down window
 * (both measured back from now), starting from the current count; records this one.
 */
export function stabilizeRecommendationWithBehaviors(h: ScaleHistory, a: NormalizationArg, now: number): { replicas: number } & Decision {
  let up = a.desiredReplicas;
  let down = a.desiredReplicas;
  const upCutoff = now - (a.scaleUp.stabilizationWindowSeconds ?? 0) * 1000;
  const downCutoff = now - (a.scaleDown.stabilizationWindowSeconds ?? 0) * 1000;
  let oldIndex = -1;
  h.recommendations.forEach((rec, i) => {
    if (rec.timestamp > upCutoff) up = Math.min(rec.recommendation, up);
    if (rec.timestamp > downCutoff) down = Math.max(rec.recommendation, down);
    if (rec.timestamp < upCutoff && rec.timestamp < downCutoff) oldIndex = i;
  });
  let replicas = a.currentReplicas;
  if (replicas < up) replicas = up;
  if (replicas > down) replicas = down;
  record(h.recommendations, oldIndex, { recommendation: a.desiredReplicas, timestamp: now });
  return a.desiredReplicas >= a.currentReplicas
    ? { replicas, reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
    : { replicas, reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
}

/** getReplicasChangePerPeriod: pods changed by the events within the last periodSeconds. */
export function replicasChangePerPeriod(periodSeconds: number, events: readonly TimestampedScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let sum = 0;
  for (const e of events) if (e.timestamp > cutoff) sum += e.replicaChange;
  return sum;
}

/** The size at the start of a policy's period: now, less what was added in it, plus what was removed. */
const periodStartReplicas = (current: number, h: ScaleHistory, periodSeconds: number, now: number): number =>
  current - replicasChangePerPeriod(periodSeconds, h.scaleUpEvents, now) + replicasChangePerPeriod(periodSeconds, h.scaleDownEvents, now);

/**
 * calculateScaleUpLimitWithScalingRules: the most replicas the policies allow now,
 * counting from the size at the start of each policy's period. Max picks the most
 * generous policy, Min the strictest, Disabled allows none.
 */
export function scaleUpLimitWithRules(current: number, h: ScaleHistory, rules: HPAScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const useMin = rules.selectPolicy === 'Min';
  let result = useMin ? 2147483647 : -2147483648;
  for (const p of rules.policies ?? []) {
    const start = periodStartReplicas(current, h, p.periodSeconds, now);
    let proposed = 0;
    if (p.type === 'Pods') proposed = start + p.value;
    else if (p.type === 'Percent') proposed = Math.ceil(start * (1 + p.value / 100)); // rounded up, or a small target never grows
    result = useMin ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors: the fewest replicas the policies allow now. */
export function scaleDownLimitWithRules(current: number, h: ScaleHistory, rules: HPAScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  // For scaling down, Min (the smallest change) is the highest count.
  const useMin = rules.selectPolicy === 'Min';
  let result = useMin ? -2147483648 : 2147483647;
  for (const p of rules.policies ?? []) {
    const start = periodStartReplicas(current, h, p.periodSeconds, now);
    let proposed = 0;
    if (p.type === 'Pods') proposed = start - p.value;
    else if (p.type === 'Percent') proposed = Math.trunc(start * (1 - p.value / 100));
    result = useMin ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/** convertDesiredReplicasWithBehaviorRate: the rate policies, then min and max. */
export function convertDesiredReplicasWithBehaviorRate(h: ScaleHistory, a: NormalizationArg, now: number): { replicas: number } & Decision {
  if (a.desiredReplicas > a.currentReplicas) {
    let limit = scaleUpLimitWithRules(a.currentReplicas, h, a.scaleUp, now);
    // No further scale-up until the recent events leave their periods.
    if (limit < a.currentReplicas) limit = a.currentReplicas;
    let maximumAllowed = a.maxReplicas;
    let limiting = TOO_MANY;
    if (maximumAllowed > limit) {
      maximumAllowed = limit;
      limiting = SCALE_UP_LIMIT;
    }
    if (a.desiredReplicas > maximumAllowed) return { replicas: maximumAllowed, ...limiting };
  } else if (a.desiredReplicas < a.currentReplicas) {
    let limit = scaleDownLimitWithRules(a.currentReplicas, h, a.scaleDown, now);
    if (limit > a.currentReplicas) limit = a.currentReplicas;
    let minimumAllowed = a.minReplicas;
    let limiting = TOO_FEW;
    if (minimumAllowed < limit) {
      minimumAllowed = limit;
      limiting = SCALE_DOWN_LIMIT;
    }
    if (a.desiredReplicas < minimumAllowed) return { replicas: minimumAllowed, ...limiting };
  }
  return { replicas: a.desiredReplicas, ...WITHIN };
}

/**
 * normalizeDesiredReplicasWithBehaviors: stabilization, then the rate policies and
 * limits. A scale-down rule without a stabilization window takes the controller's
 * --horizontal-pod-autoscaler-downscale-stabilization (maybeInitScaleDownStabilizationWindow).
 */
export function normalizeDesiredReplicasWithBehaviors(
  h: ScaleHistory, behavior: HorizontalPodAutoscalerBehavior, current: number, prenormalized: number, min: number, max: number,
  downscaleWindowMs: number, now: number,
): Normalized {
  const scaleDown: HPAScalingRules = { ...(behavior.scaleDown ?? {}) };
  scaleDown.stabilizationWindowSeconds ??= Math.trunc(downscaleWindowMs / 1000);
  const a: NormalizationArg = {
    scaleUp: behavior.scaleUp ?? {}, scaleDown, minReplicas: min, maxReplicas: max, currentReplicas: current, desiredReplicas: prenormalized,
  };
  const stabilized = stabilizeRecommendationWithBehaviors(h, a, now);
  const ableToScale = stabilized.replicas !== prenormalized ? { reason: stabilized.reason, message: stabilized.message } : READY;
  const { replicas, reason, message } = convertDesiredReplicasWithBehaviorRate(h, { ...a, desiredReplicas: stabilized.replicas }, now);
  return { desiredReplicas: replicas, ableToScale, scalingLimited: { reason, message, limited: replicas !== stabilized.replicas } };
}

/** getLongestPolicyPeriod. */
const longestPolicyPeriod = (rules: HPAScalingRules | undefined): number =>
  Math.max(0, ...(rules?.policies ?? []).map((p) => p.periodSeconds));

/**
 * storeScaleEvent: remembers a rescale for the rate policies (only with a behavior),
 * reusing the slot of an event older than the longest policy period.
 */
export function storeScaleEvent(h: ScaleHistory, behavior: HorizontalPodAutoscalerBehavior | undefined, prev: number, next: number, now: number): void {
  if (!behavior) return;
  const up = next > prev;
  const events = up ? h.scaleUpEvents : h.scaleDownEvents;
  const cutoff = now - longestPolicyPeriod(up ? behavior.scaleUp : behavior.scaleDown) * 1000;
  let oldIndex = -1;
  events.forEach((e, i) => {
    if (e.timestamp < cutoff) e.outdated = true;
    if (e.outdated) oldIndex = i;
  });
  const event = { replicaChange: up ? next - prev : prev - next, timestamp: now, outdated: false };
  if (oldIndex >= 0) events[oldIndex] = event;
  else events.push(event);
}
