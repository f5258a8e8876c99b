// NodeAffinity (kube-scheduler plugins/nodeaffinity, component-helpers nodeaffinity):
// Filter requires spec.nodeSelector and the required node affinity to match the node;
// Score sums the weights of the preferred terms the node matches, normalized to 0-100.
import { labelKeyErrors, labelValueErrors } from '../../api/labels.js';
import type { Node, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Pod, PreferredSchedulingTerm } from '../../api/types/core.js';
import {
  type CycleState, type EnqueueExtensions, type FilterPlugin, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin, type Status,
  SKIP, SUCCESS, defaultNormalizeScore, nodeFilterHint, rejection,
} from '../framework.js';
import type { NodeInfo } from '../node-info.js';

export const NAME = 'NodeAffinity';
export const REASON = "node(s) didn't match Pod's node affinity/selector";
const NOT_MATCH = rejection('UnschedulableAndUnresolvable', NAME, REASON);

type Op = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

interface LabelReq { readonly key: string; readonly op: Op; readonly values: ReadonlySet<string>; readonly bound: number }
interface FieldReq { readonly op: 'In' | 'NotIn'; readonly value: string }

/** A parsed NodeSelectorTerm; `invalid` terms (bad operator, values or key) match no node. */
export interface CompiledTerm {
  readonly labels: readonly LabelReq[];
  readonly fields: readonly FieldReq[];
  readonly invalid: boolean;
}

const INT64 = /^[+-]?\d+$/;

function compileLabelReq(r: NodeSelectorRequirement): LabelReq | undefined {
  if (labelKeyErrors(r.key).length > 0) return undefined;
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0 || values.some((v) => labelValueErrors(v).length > 0)) return undefined;
      return { key: r.key, op: r.operator, values: new Set(values), bound: 0 };
    case 'Exists':
    case 'DoesNotExist':
      if (values.length !== 0) return undefined;
      return { key: r.key, op: r.operator, values: new Set(), bound: 0 };
    case 'Gt':
    case 'Lt':
      if (values.length !== 1 || !INT64.test(values[0])) return undefined;
      return { key: r.key, op: r.operator, values: new Set(), bound: Number(values[0]) };
    default:
      return undefined;
  }
}

function compileFieldReq(r: NodeSelectorRequirement): FieldReq | undefined {
  // Only metadata.name is a supported node field, with In/NotIn and exactly one value.
  if (r.key !== 'metadata.name') return undefined;
  if (r.operator !== 'In' && r.operator !== 'NotIn') return undefined;
  if ((r.values ?? []).length !== 1) return undefined;
  return { op: r.operator, value: r.values![0] };
}

/** Parses a term once per pod; returns undefined for an empty term (it selects nothing). */
export function compileTerm(t: NodeSelectorTerm): CompiledTerm | undefined {
  const exprs = t.matchExpressions ?? [];
  const fieldExprs = t.matchFields ?? [];
  if (exprs.length === 0 && fieldExprs.length === 0) return undefined;
  const labels: LabelReq[] = [];
  const fields: FieldReq[] = [];
  let invalid = false;
  for (const r of exprs) {
    const c = compileLabelReq(r);
    if (c) labels.push(c);
    else invalid = true;
  }
  for (const r of fieldExprs) {
    const c = compileFieldReq(r);
    if (c) fields.push(c);
    else invalid = true;
  }
  return { labels, fields, invalid };
}

function matchLabel(r: LabelReq, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.op) {
    case 'In': return has && r.values.has(labels[r.key]);
    case 'NotIn': return !has || !r.values.has(labels[r.key]);
    case 'Exists': return has;
    case 'DoesNotExist': return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || !INT64.test(labels[r.key])) return false;
      const v = Number(labels[r.key]);
      return r.op === 'Gt' ? v > r.bound : v < r.bound;
    }
  }
}

/** Whether a compiled term matches the node: every expression and field must hold. */
export function termMatches(t: CompiledTerm, node: Node): boolean {
  if (t.invalid) return false;
  const labels = node.metadata.labels ?? {};
  for (const r of t.labels) if (!matchLabel(r, labels)) return false;
  const name = node.metadata.name ?? '';
  for (const f of t.fields) if ((f.op === 'In') !== (name === f.value)) return false;
  return true;
}

/** The pod's node constraints, compiled once per scheduling cycle. */
export interface RequiredNodeAffinity {
  readonly nodeSelector: readonly (readonly [string, string])[];
  /** undefined when the pod has no required node affinity; terms are ORed. */
  readonly required: readonly CompiledTerm[] | undefined;
}

export function compileRequired(pod: Pod): RequiredNodeAffinity {
  const nodeSelector = Object.entries(pod.spec?.nodeSelector ?? {});
  const ns: NodeSelector | undefined = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  let required: CompiledTerm[] | undefined;
  if (ns) {
    required = [];
    for (const t of ns.nodeSelectorTerms ?? []) {
      const c = compileTerm(t);
      if (c) required.push(c);
    }
  }
  return { nodeSelector, required };
}

/** Whether the node satisfies the pod's nodeSelector (all labels equal) and required affinity (some term). */
export function matchesRequired(r: RequiredNodeAffinity, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of r.nodeSelector) if (!Object.prototype.hasOwnProperty.call(labels, k) || labels[k] !== v) return false;
  if (r.required === undefined) return true;
  for (const t of r.required) if (termMatches(t, node)) return true;
  return false;
}

export function fits(pod: Pod, nodeInfo: NodeInfo, required: RequiredNodeAffinity = compileRequired(pod)): Status {
  if (!nodeInfo.node) return NOT_MATCH;
  return matchesRequired(required, nodeInfo.node) ? SUCCESS : NOT_MATCH;
}

export interface CompiledPreference { readonly weight: number; readonly term: CompiledTerm }

/** Preferred terms with a weight and a non-empty preference (others never count). */
export function compilePreferred(pod: Pod): CompiledPreference[] {
  const out: CompiledPreference[] = [];
  const terms: PreferredSchedulingTerm[] = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  for (const t of terms) {
    if (!t.weight) continue;
    const c = compileTerm(t.preference ?? {});
    if (c) out.push({ weight: t.weight, term: c });
  }
  return out;
}

/** Raw score: the sum of the weights of the preferred terms the node matches. */
export function preferredScore(prefs: readonly CompiledPreference[], node: Node | undefined): number {
  if (!node) return 0;
  let sum = 0;
  for (const p of prefs) if (termMatches(p.term, node)) sum += p.weight;
  return sum;
}

const FILTER_KEY = `PreFilter${NAME}`;
const SCORE_KEY = `PreScore${NAME}`;

export const plugin: PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions = {
  name: NAME,
  // A node added or relabelled helps only if the pod's selector and required affinity now match it.
  isSchedulableAfter: nodeFilterHint((pod, nodeInfo) => fits(pod, nodeInfo, compileRequired(pod))),
  preFilter(pod: Pod, state: CycleState) {
    const r = compileRequired(pod);
    if (r.nodeSelector.length === 0 && r.required === undefined) return SKIP;
    state.write(FILTER_KEY, r);
    return SUCCESS;
  },
  filter(pod, nodeInfo, state) {
    return fits(pod, nodeInfo, state.read<RequiredNodeAffinity>(FILTER_KEY) ?? compileRequired(pod));
  },
  preScore(pod: Pod, state: CycleState) {
    const prefs = compilePreferred(pod);
    if (prefs.length === 0) return SKIP;
    state.write(SCORE_KEY, prefs);
    return SUCCESS;
  },
  score(pod, nodeInfo, state) {
    return preferredScore(state.read<CompiledPreference[]>(SCORE_KEY) ?? compilePreferred(pod), nodeInfo.node);
  },
  normalize(_pod, _state, _nodes, scores) {
    defaultNormalizeScore(scores, false);
  },
};
