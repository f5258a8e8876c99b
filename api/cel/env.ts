// The CEL environment Kubernetes gives x-kubernetes-validations rules and
// ValidatingAdmissionPolicy expressions (k8s.io/apiserver/pkg/cel/library): the standard
// library with the strings extension (from @marcbachmann/cel-js), plus Kubernetes'
// lists (isSorted, sum, min, max, indexOf, lastIndexOf), regex (find, findAll) and url
// libraries. Expressions are compiled once and evaluated with a cost budget that stops
// a rule which would run (practically) forever.
import { Environment, Optional } from '@marcbachmann/cel-js';
import { registerKubernetesLibraries } from './library.js';

/**
 * One compiled expression, evaluated against an activation (variable name -> CEL value).
 * Lists and maps in the activation should be metered (meter, meterList, meterMap) so the
 * budget sees the work comprehensions do.
 */
export interface Program {
  readonly expression: string;
  /** cel-js's parsed tree ({op, args, range}), for static checks against a schema. */
  readonly ast: unknown;
  evaluate(activation: Record<string, unknown>, budget: CostBudget): unknown;
}

/** Thrown by evaluate when the expression spent its budget. */
export class CostLimitError extends Error {
  constructor(readonly kind: 'cost' | 'time') {
    // The time bound is a backstop for the cost model; both read as cel-go's cost error.
    super('operation cancelled: actual cost limit exceeded');
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
  /**
   * Variables the expressions may use, by name, with their CEL type ('dyn',
   * 'optional<dyn>', 'map<string, dyn>', ...); every other identifier is a compile error.
   */
  variables: Readonly<Record<string, string>>;
}

/** A CEL environment with Kubernetes' libraries and the given variables. */
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
    for (const [name, type] of Object.entries(opts.variables)) env.registerVariable(name, type);
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
      return new CompileError(compileMessage(expression, err, true));
    }
    const checked = parsed.check();
    if (!checked.valid) return new CompileError(compileMessage(expression, checked.error, false));
    return {
      expression,
      ast: parsed.ast,
      evaluate(activation, budget) {
        budget.startCall();
        const outer = active;
        active = budget;
        try {
          return parsed(activation);
        } finally {
          active = outer;
        }
      },
    };
  }
}

/**
 * cel-go's wording of a compile error: "compilation failed: ERROR: <input>:1:1:
 * undeclared reference to 'foo' (in container '')" and the source line with a caret.
 */
function compileMessage(expression: string, err: unknown, syntax: boolean): string {
  let msg = summary(err);
  const unknown = /^Unknown variable: (.*)$/.exec(msg);
  if (unknown) msg = `undeclared reference to '${unknown[1]}' (in container '')`;
  const overload = /^no such overload: (\S+) (\S+) (\S+)$/.exec(msg);
  if (overload) msg = `found no matching overload for '_${overload[2]}_' applied to '(${overload[1]}, ${overload[3]})'`;
  if (syntax) msg = `Syntax error: ${msg}`;
  return formatCompileError(expression, (err as { range?: { start?: number } })?.range?.start ?? 0, msg);
}

/** "compilation failed: ERROR: <input>:line:col: msg" with the source line and a caret at offset. */
export function formatCompileError(expression: string, start: number, msg: string): string {
  const before = expression.slice(0, start);
  const line = before.split('\n').length;
  const col = start - (before.lastIndexOf('\n') + 1);
  const src = expression.split('\n')[line - 1] ?? '';
  return `compilation failed: ERROR: <input>:${line}:${col + 1}: ${msg}\n | ${src}\n | ${'.'.repeat(col)}^`;
}

function summary(err: unknown): string {
  const e = err as { summary?: string; message?: string };
  return (e?.summary ?? e?.message ?? String(err)).split('\n')[0];
}

/** The budget of the evaluation under way (evaluation is synchronous). */
let active: CostBudget | undefined;

const isIndex = (p: string | symbol): boolean => typeof p === 'string' && p.length > 0 && p.charCodeAt(0) >= 48 && p.charCodeAt(0) <= 57;

/**
 * A list whose element reads are charged to the running evaluation's budget:
 * comprehensions (all, exists, map, filter) read elements, so nested ones over big
 * inputs run out of budget instead of running for minutes.
 */
export function meterList<T>(list: T[]): T[] {
  return new Proxy(list, {
    get(target, prop, receiver) {
      if (active && isIndex(prop)) active.charge();
      return Reflect.get(target, prop, receiver);
    },
  });
}

/** A map whose key listings (iteration by comprehensions) are charged to the budget. */
export function meterMap<T extends object>(map: T): T {
  return new Proxy(map, {
    ownKeys(target) {
      const keys = Reflect.ownKeys(target);
      if (active) active.charge(keys.length + 1);
      return keys;
    },
  });
}

/** A JSON value with every list and map metered (for activations built from raw JSON). */
export function meter(value: unknown): unknown {
  if (Array.isArray(value)) return meterList(value.map(meter));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = meter(v);
    return meterMap(out);
  }
  return value;
}

const durationProgram = new Environment().registerVariable('s', 'string').parse('duration(s)');

/** A Go duration string ("1h30m") as a CEL duration, or undefined when it does not parse. */
export function celDuration(s: string): unknown {
  try {
    return durationProgram({ s });
  } catch {
    return undefined;
  }
}

/** A CEL optional: optional.of(v), or optional.none() for undefined. */
export function optionalOf(v: unknown): unknown {
  return v === undefined ? Optional.none() : Optional.of(v);
}
