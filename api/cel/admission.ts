// The CEL environments of admission (k8s.io/apiserver/pkg/admission/plugin/cel): webhook
// matchConditions see `object`, `oldObject` and `request`; ValidatingAdmissionPolicy
// expressions also see `params`, `namespaceObject` and `variables`. (`authorizer` is not
// offered: an expression using it does not compile here.)
import { CelEnvironment, CompileError, CostBudget, CostLimitError, type Program } from './env.js';

export const MATCH_CONDITION_ENV = new CelEnvironment({ variables: { object: 'dyn', oldObject: 'dyn', request: 'dyn' } });
export const POLICY_ENV = new CelEnvironment({ variables: { object: 'dyn', oldObject: 'dyn', request: 'dyn', params: 'dyn', namespaceObject: 'dyn', variables: 'dyn' } });

/** The result of one boolean expression: its value, or Kubernetes' words for why there is none. */
export type BoolResult = { value: boolean } | { error: string };

/** Evaluates a compiled expression that must yield a bool. */
export function evaluateBool(program: Program | CompileError, activation: Record<string, unknown>, budget: CostBudget): BoolResult {
  if (program instanceof CompileError) return { error: program.message };
  try {
    const v = program.evaluate(activation, budget);
    if (typeof v !== 'boolean') return { error: `expression '${program.expression}' resulted in error: expected bool, got ${typeName(v)}` };
    return { value: v };
  } catch (err) {
    if (err instanceof CostLimitError) return { error: `expression '${program.expression}' resulted in error: ${err.message}` };
    return { error: `expression '${program.expression}' resulted in error: ${firstLine(err)}` };
  }
}

/** Evaluates a compiled expression that must yield a string (messageExpression). */
export function evaluateString(program: Program | CompileError, activation: Record<string, unknown>, budget: CostBudget): { value: string } | { error: string } {
  if (program instanceof CompileError) return { error: program.message };
  try {
    const v = program.evaluate(activation, budget);
    if (typeof v !== 'string') return { error: `expression '${program.expression}' resulted in error: expected string, got ${typeName(v)}` };
    return { value: v };
  } catch (err) {
    return { error: `expression '${program.expression}' resulted in error: ${firstLine(err)}` };
  }
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null_type';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'double';
  if (typeof v === 'object') return 'map';
  return typeof v;
}

function firstLine(err: unknown): string {
  const e = err as { message?: string };
  return (e?.message ?? String(err)).split('\n')[0];
}

export { CompileError, CostBudget };

/** A JSON value as admission's CEL sees it: integers are int, other numbers double. */
export function jsonToCel(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(jsonToCel);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = jsonToCel(x);
    return out;
  }
  return v ?? null;
}
