// The CEL environment Kubernetes gives x-kubernetes-validations rules and
// ValidatingAdmissionPolicy expressions (k8s.io/apiserver/pkg/cel/library): the standard
// library with the strings extension (from @marcbachmann/cel-js), plus Kubernetes'
// lists (isSorted, sum, min, max, indexOf, lastIndexOf), regex (find, findAll) and url
// libraries. Expressions are compiled once and evaluated with a cost budget that stops
// a rule which would run (practically) forever.
import { Environment, Optional } from '@marcbachmann/cel-js';
import { registerKubernetesLibraries } from './library.js';

/** One compiled expression, evaluated against an activation (variable name -> CEL value). */
export interface Program {
  readonly expression: string;
  evaluate(activation: Record<string, unknown>, budget: CostBudget): unknown;
}

/** Thrown by evaluate when the expression spent its budget. */
export class CostLimitError extends Error {
  constructor(readonly kind: 'cost' | 'time') {
    super(kind === 'cost' ? 'operation cancelled: actual cost limit exceeded' : 'operation interrupted: evaluation time limit exceeded');
  }
}

/**
 * Evaluation budget, shared by all rules of one request (Kubernetes' RuntimeCELCostBudget)
 * with a per-call limit (PerCallLimit). Cost counts list and map element reads, the work
 * comprehensions do; the deadline bounds wall time as a last resort.
 */
export class CostBudget {
  /** Cost spent so far by the current call. */
  callCost = 0;
  /** Cost left for the whole request. */
  remaining: number;
  private deadline = 0;
  /** Metered views of the values this budget has seen (see meter). */
  readonly views = new WeakMap<object, object>();

  constructor(total = RUNTIME_COST_BUDGET, readonly perCall = PER_CALL_LIMIT, readonly timeLimitMs = CALL_TIME_LIMIT_MS) {
    this.remaining = total;
  }

  startCall(): void {
    this.callCost = 0;
    this.deadline = Date.now() + this.timeLimitMs;
  }

  /** Adds n to the call's cost; throws CostLimitError past a limit. */
  charge(n = 1): void {
    this.callCost += n;
    this.remaining -= n;
    if (this.callCost > this.perCall || this.remaining < 0) throw new CostLimitError('cost');
    if ((this.callCost & 0x3ff) === 0 && Date.now() > this.deadline) throw new CostLimitError('time');
  }
}

/** Kubernetes' per-expression cost limit (celconfig.PerCallLimit). */
export const PER_CALL_LIMIT = 1_000_000;
/** Kubernetes' cost budget for all rules of one object (celconfig.RuntimeCELCostBudget). */
export const RUNTIME_COST_BUDGET = 10_000_000;
/** Wall-clock bound for one call, beside the cost limit. */
export const CALL_TIME_LIMIT_MS = 1_000;

/** A compile error as Kubernetes words it: "compilation failed: ERROR: <input>:1:6: ...". */
export class CompileError extends Error {}

export interface EnvironmentOptions {
  /** Variables the expressions may use; every other identifier is a compile error. */
  variables: readonly string[];
}

/** A CEL environment with Kubernetes' libraries and the given variables (all dyn). */
export class CelEnvironment {
  private readonly env: Environment;
  private readonly cache = new Map<string, Program | CompileError>();

  constructor(opts: EnvironmentOptions) {
    const env = new Environment({
      unlistedVariablesAreDyn: false,
      enableOptionalTypes: true,
      homogeneousAggregateLiterals: false,
      limits: { maxAstNodes: 10_000, maxDepth: 250, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 },
    });
    for (const v of opts.variables) env.registerVariable(v, 'dyn');
    registerKubernetesLibraries(env);
    this.env = env;
  }

  /** Compiles (once; results are cached) or returns the CompileError. */
  compile(expression: string): Program | CompileError {
    let p = this.cache.get(expression);
    if (p) return p;
    p = this.compileUncached(expression);
    if (this.cache.size > 5_000) this.cache.clear();
    this.cache.set(expression, p);
    return p;
  }

  private compileUncached(expression: string): Program | CompileError {
    let parsed: ReturnType<Environment['parse']>;
    try {
      parsed = this.env.parse(expression);
    } catch (err) {
      return new CompileError(`compilation failed: ERROR: <input>: ${summary(err)}`);
    }
    const checked = parsed.check();
    if (!checked.valid) return new CompileError(`compilation failed: ERROR: <input>: ${summary(checked.error)}`);
    return {
      expression,
      evaluate(activation, budget) {
        budget.startCall();
        return parsed(meter(activation, budget) as Record<string, unknown>);
      },
    };
  }
}

function summary(err: unknown): string {
  const e = err as { summary?: string; message?: string };
  return (e?.summary ?? e?.message ?? String(err)).split('\n')[0];
}

/**
 * Wraps lists and maps so each element read is charged to the budget: comprehensions
 * (all, exists, map, filter) read elements, so nested ones over big inputs run out of
 * budget instead of running for minutes.
 */
export function meter(value: unknown, budget: CostBudget): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array || !(Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype)) return value;
  const cached = budget.views.get(value);
  if (cached) return cached;
  const proxy = new Proxy(value as Record<PropertyKey, unknown>, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof prop === 'string' && Object.prototype.hasOwnProperty.call(target, prop)) {
        budget.charge();
        return meter(v, budget);
      }
      return v;
    },
  });
  budget.views.set(value, proxy);
  return proxy;
}

/** A CEL optional: optional.of(v), or optional.none() for undefined. */
export function optionalOf(v: unknown): unknown {
  return v === undefined ? Optional.none() : Optional.of(v);
}
