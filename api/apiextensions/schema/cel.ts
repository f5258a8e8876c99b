// x-kubernetes-validations: CEL rules of a CRD schema (apiextensions-apiserver
// pkg/apiserver/schema/cel). Each rule sees `self`, the value at its schema node, and on
// update `oldSelf`, the correlated old value (same property, same map key, same
// list-type=map key). Rules that use oldSelf (transition rules) run only when an old
// value exists, unless optionalOldSelf makes oldSelf an optional. Rules are compiled
// once per schema; errors read as Kubernetes words them.
import type { JSONSchemaProps, ValidationRule } from '../../types/apiextensions.js';
import {
  type FieldCause, type CauseReason, invalid, required, forbidden, duplicate, child, index, key, Raw,
} from '../../validation/field.js';
import { goQuote } from '../../errors.js';
import {
  CelEnvironment, CompileError, CostBudget, CostLimitError, optionalOf, celDuration, formatCompileError, meterList, meterMap,
  type Program,
} from '../../cel/env.js';
import { isObject, itemsSchema, additionalSchema, deepEqual } from './util.js';

const env = new CelEnvironment({ variables: { self: 'dyn', oldSelf: 'dyn' } });
/** For optionalOldSelf rules: oldSelf is optional.of(old) or optional.none(). */
const optionalEnv = new CelEnvironment({ variables: { self: 'dyn', oldSelf: 'optional<dyn>' } });

/** A rule compiled for one schema node. */
interface CompiledRule {
  rule: ValidationRule;
  program?: Program;
  messageProgram?: Program;
  error?: string;
  messageError?: string;
  usesOldSelf: boolean;
}

const compiledBySchema = new WeakMap<JSONSchemaProps, CompiledRule[]>();

const STRING_LITERALS = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g;
const usesOldSelf = (rule: string): boolean => /\boldSelf\b/.test(rule.replace(STRING_LITERALS, '""'));

function compileNode(s: JSONSchemaProps, isResourceRoot = false): CompiledRule[] {
  let out = compiledBySchema.get(s);
  if (out) return out;
  out = (s['x-kubernetes-validations'] ?? []).map((rule) => {
    const c: CompiledRule = { rule, usesOldSelf: usesOldSelf(rule.rule ?? '') };
    const p = (rule.optionalOldSelf ? optionalEnv : env).compile(rule.rule ?? '');
    if (p instanceof CompileError) c.error = p.message;
    else {
      const fieldErr = checkSelections(p, s, isResourceRoot || Boolean(s['x-kubernetes-embedded-resource']));
      if (fieldErr) c.error = fieldErr;
      else c.program = p;
    }
    if (rule.messageExpression?.trim()) {
      const m = (rule.optionalOldSelf ? optionalEnv : env).compile(rule.messageExpression);
      if (m instanceof CompileError) c.messageError = `messageExpression ${m.message}`;
      else c.messageProgram = m;
    }
    return c;
  });
  compiledBySchema.set(s, out);
  return out;
}

interface Node { op: string; args: unknown; range?: { start: number; end: number } }
const isNode = (x: unknown): x is Node => typeof x === 'object' && x !== null && typeof (x as Node).op === 'string';

const CEL_TYPE: Record<string, string> = { string: 'string', integer: 'int', number: 'double', boolean: 'bool' };

/**
 * What Kubernetes' type checker says of field selections on self and oldSelf that the
 * schema does not declare ("undefined field 'foo'"); undefined when all resolve.
 * Schemas are dyn below x-kubernetes-preserve-unknown-fields and int-or-string.
 */
function checkSelections(p: Program, schema: JSONSchemaProps, isResourceRoot: boolean): string | undefined {
  let error: string | undefined;
  const visit = (n: unknown): void => {
    if (error || !isNode(n)) return;
    if (n.op === '.') {
      const chain: Node[] = [];
      let cur: unknown = n;
      while (isNode(cur) && cur.op === '.') { chain.unshift(cur); cur = (cur.args as unknown[])[0]; }
      if (isNode(cur) && cur.op === 'id' && (cur.args === 'self' || cur.args === 'oldSelf')) {
        error = resolveChain(p.expression, chain, schema, isResourceRoot);
        if (error) return;
      }
    }
    const args = Array.isArray(n.args) ? n.args : [];
    for (const a of args) {
      if (Array.isArray(a)) a.forEach(visit);
      else visit(a);
    }
  };
  visit(p.ast);
  return error;
}

function resolveChain(expression: string, chain: Node[], schema: JSONSchemaProps, isResourceRoot: boolean): string | undefined {
  let s: JSONSchemaProps | undefined = schema;
  let root = isResourceRoot;
  let inMetadata = false;
  for (const step of chain) {
    const [receiver, name] = step.args as [Node, string];
    const at = receiver.range?.end ?? 0;
    if (inMetadata) {
      if (name !== 'name' && name !== 'generateName') return formatCompileError(expression, at, `undefined field '${name}'`);
      return undefined;
    }
    if (!s || s['x-kubernetes-preserve-unknown-fields'] || s['x-kubernetes-int-or-string'] || !s.type) return undefined;
    if (s.type !== 'object') {
      const t = CEL_TYPE[s.type];
      return t ? formatCompileError(expression, at, `type '${t}' does not support field selection`) : undefined;
    }
    const prop: [string, JSONSchemaProps] | undefined = Object.entries(s.properties ?? {}).find(([k]) => escapeName(k) === name);
    if (prop) {
      s = prop[1];
    } else if (root && (name === 'apiVersion' || name === 'kind')) {
      return undefined;
    } else if (root && name === 'metadata') {
      inMetadata = true;
    } else if (additionalSchema(s)) {
      s = additionalSchema(s);
    } else if (s.additionalProperties === true) {
      return undefined;
    } else {
      return formatCompileError(expression, at, `undefined field '${name}'`);
    }
    root = Boolean(s?.['x-kubernetes-embedded-resource']);
  }
  return undefined;
}

/** Go's %#v of a ValidationRule, the bad value of a rule compile error. */
function ruleLiteral(r: ValidationRule): Raw {
  const reason = r.reason === undefined ? '(*apiextensions.FieldValueErrorReason)(nil)' : `&${goQuote(r.reason)}`;
  const opt = r.optionalOldSelf === undefined ? '(*bool)(nil)' : `&${r.optionalOldSelf}`;
  return new Raw(`apiextensions.ValidationRule{Rule:${goQuote(r.rule ?? '')}, Message:${goQuote(r.message ?? '')}, ` +
    `MessageExpression:${goQuote(r.messageExpression ?? '')}, Reason:${reason}, FieldPath:${goQuote(r.fieldPath ?? '')}, OptionalOldSelf:${opt}}`);
}

/**
 * Compile errors of every rule in schema (fldPath is where the schema sits), and the
 * use of oldSelf where old and new values cannot be correlated.
 */
export function compileRuleErrors(schema: JSONSchemaProps, fldPath: string): FieldCause[] {
  const errs: FieldCause[] = [];
  walkCompile(schema, fldPath, undefined, errs, true);
  return errs;
}

function walkCompile(s: JSONSchemaProps | undefined, p: string, uncorrelatable: string | undefined, errs: FieldCause[], isRoot = false): void {
  if (!s || typeof s !== 'object') return;
  compileNode(s, isRoot).forEach((c, i) => {
    const rp = index(child(p, 'x-kubernetes-validations'), i);
    if (c.error) errs.push(invalid(child(rp, 'rule'), ruleLiteral(c.rule), c.error));
    if (c.messageError) errs.push(invalid(child(rp, 'messageExpression'), ruleLiteral(c.rule), c.messageError));
    if (c.usesOldSelf && uncorrelatable !== undefined) {
      errs.push(invalid(child(rp, 'rule'), c.rule.rule, `oldSelf cannot be used on the uncorrelatable portion of the schema within ${uncorrelatable || '<nil>'}`));
    } else if (!c.usesOldSelf && c.rule.optionalOldSelf !== undefined) {
      errs.push(invalid(child(rp, 'optionalOldSelf'), c.rule.optionalOldSelf, 'may not be set if oldSelf is not used in rule'));
    }
  });
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    const u = uncorrelatable ?? (s['x-kubernetes-map-type'] === 'atomic' ? p : undefined);
    walkCompile(v, key(child(p, 'properties'), k), u, errs);
  }
  const ap = additionalSchema(s);
  if (ap) walkCompile(ap, child(p, 'additionalProperties'), uncorrelatable, errs);
  const items = itemsSchema(s);
  if (items) walkCompile(items, child(p, 'items'), uncorrelatable ?? (s['x-kubernetes-list-type'] !== 'map' ? p : undefined), errs);
}

// ---- evaluation ----

const CEL_RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import',
  'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

/** A property name as CEL sees it (Kubernetes escapes '-', '.', '/' and reserved words), or undefined. */
export function escapeName(name: string): string | undefined {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  return name.replace(/__/g, '__underscores__').replace(/\./g, '__dot__').replace(/-/g, '__dash__').replace(/\//g, '__slash__');
}

/**
 * A JSON value as a CEL value under its schema: integers are int (bigint), numbers
 * double, objects with properties have CEL-escaped field names, embedded resources
 * and untyped values convert by their JSON kind.
 */
export function toCEL(v: unknown, s: JSONSchemaProps | undefined, isResourceRoot = false): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') {
    if (s?.type === 'number') return v;
    return Number.isInteger(v) ? BigInt(v) : v;
  }
  if (Array.isArray(v)) {
    const items = s ? itemsSchema(s) : undefined;
    return meterList(v.map((x) => toCEL(x, items)));
  }
  if (typeof v === 'string' && s?.type === 'string' && s.format) {
    // Kubernetes declares these formats as CEL duration and timestamp values.
    if (s.format === 'duration') return celDuration(v) ?? v;
    if (s.format === 'date-time' || s.format === 'date') {
      const d = new Date(v);
      return Number.isNaN(d.getTime()) ? v : d;
    }
  }
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    if (isResourceRoot || s?.['x-kubernetes-embedded-resource']) {
      // A resource shows CEL its apiVersion, kind, and of its metadata only name and
      // generateName (model.WithTypeAndObjectMeta).
      for (const k of ['apiVersion', 'kind'] as const) if (typeof v[k] === 'string') out[k] = v[k];
      if (isObject(v.metadata)) {
        const m: Record<string, unknown> = {};
        for (const k of ['name', 'generateName'] as const) if (typeof v.metadata[k] === 'string') m[k] = v.metadata[k];
        out.metadata = m;
      }
    }
    const props = s?.properties;
    const ap = s ? additionalSchema(s) : undefined;
    for (const [k, x] of Object.entries(v)) {
      if (k in out && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
      const ps = props?.[k];
      if (ps) {
        const name = escapeName(k);
        if (name !== undefined) out[name] = toCEL(x, ps);
      } else {
        out[k] = toCEL(x, ap);
      }
    }
    return meterMap(out);
  }
  return v;
}

export interface RuleContext {
  budget: CostBudget;
  errs: FieldCause[];
  /** Set once the request's budget is spent: no further rule runs. */
  exhausted?: boolean;
}

const ruleErrorString = (r: ValidationRule): string => (r.message?.trim() ? r.message.trim() : (r.rule ?? '').trim());

function fieldErrorForReason(f: string, type: string, detail: string, reason: string | undefined): FieldCause {
  switch (reason as CauseReason | undefined) {
    case 'FieldValueForbidden': return forbidden(f, detail);
    case 'FieldValueRequired': return required(f, detail);
    case 'FieldValueDuplicate': return duplicate(f, type);
    default: return invalid(f, type, detail);
  }
}

/** Runs the rules of node s on value (and old value) at field path f (Kubernetes prints "<nil>" at the root). */
function runRules(s: JSONSchemaProps, value: unknown, old: unknown, f: string, ctx: RuleContext): void {
  const rules = compileNode(s, f === '');
  if (!rules.length || ctx.exhausted) return;
  const type = s.type ?? '';
  const fieldName = f || '<nil>';
  let self: unknown;
  let oldSelf: unknown;
  let converted = false;
  for (const c of rules) {
    if (!c.program) {
      // The CRD was refused with this error; a schema stored before still reports it.
      ctx.errs.push(invalid(fieldName, type, `rule compile error: ${c.error}`));
      continue;
    }
    const hasOld = old !== undefined && old !== null;
    if (c.usesOldSelf && !hasOld && !c.rule.optionalOldSelf) continue;
    if (!converted) {
      self = toCEL(value, s, f === '');
      oldSelf = hasOld ? toCEL(old, s, f === '') : undefined;
      converted = true;
    }
    const activation: Record<string, unknown> = { self };
    if (c.usesOldSelf) activation.oldSelf = c.rule.optionalOldSelf ? optionalOf(hasOld ? oldSelf : undefined) : oldSelf;
    let f2 = fieldName;
    if (c.rule.fieldPath?.trim()) f2 = joinFieldPath(f, c.rule.fieldPath.trim());
    let result: unknown;
    try {
      result = c.program.evaluate(activation, ctx.budget);
    } catch (err) {
      if (err instanceof CostLimitError) {
        // Kubernetes stops validating the object at the first rule over its limits.
        const text = ctx.budget.remaining < 0
          ? 'validation failed due to running out of cost budget, no further validation rules will be run'
          : `'${err.message}': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleErrorString(c.rule)}`;
        ctx.errs.push(invalid(fieldName, type, text));
        ctx.exhausted = true;
        return;
      }
      const msg = celErrorMessage(err);
      if (msg.startsWith('no such overload') || msg.startsWith('found no matching overload')) {
        ctx.errs.push(invalid(fieldName, type, `'${msg}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(c.rule)}`));
      } else {
        ctx.errs.push(invalid(fieldName, type, `${msg} evaluating rule: ${ruleErrorString(c.rule)}`));
      }
      continue;
    }
    if (result === true) continue;
    // Ratcheting: a rule without oldSelf that fails on a value equal to its old value
    // is not an error (Kubernetes sends it as a warning).
    if (!c.usesOldSelf && hasOld && deepEqual(value, old)) continue;
    ctx.errs.push(fieldErrorForReason(f2, type, ruleMessage(c, activation, ctx), c.rule.reason));
  }
}

/** message, else messageExpression's result, else "failed rule: <rule>". */
function ruleMessage(c: CompiledRule, activation: Record<string, unknown>, ctx: RuleContext): string {
  if (c.messageProgram) {
    try {
      const m = c.messageProgram.evaluate(activation, ctx.budget);
      if (typeof m === 'string' && m.trim() && !/[\r\n]/.test(m)) return m.trim();
    } catch {
      // Kubernetes falls back to message, then the default, when messageExpression fails.
    }
  }
  if (c.rule.message?.trim()) return c.rule.message.trim();
  return `failed rule: ${ruleErrorString(c.rule)}`;
}

function joinFieldPath(base: string, fieldPath: string): string {
  const rel = fieldPath.startsWith('.') ? fieldPath.slice(1) : fieldPath;
  if (!base) return rel;
  return rel.startsWith('[') ? `${base}${rel}` : `${base}.${rel}`;
}

function celErrorMessage(err: unknown): string {
  const e = err as { summary?: string; message?: string };
  const m = (e?.summary ?? e?.message ?? String(err)).split('\n')[0];
  // cel-go's wording: "no such key: x", "integer overflow", "division by zero".
  return m.replace(/^No such key/, 'no such key').replace(/^integer overflow.*$/, 'integer overflow');
}


/**
 * Runs every rule below schema on obj (and oldObj on update), appending failures to
 * ctx.errs. The walk follows the schema: properties, additionalProperties (paths
 * "spec.labels[key]") and items ("spec.items[0]"), correlating old values by property,
 * map key and list-type=map keys.
 */
export function validateRulesInto(schema: JSONSchemaProps, obj: unknown, oldObj: unknown, f: string, ctx: RuleContext): void {
  walk(schema, obj, oldObj, f, ctx);
}

function walk(s: JSONSchemaProps, v: unknown, old: unknown, f: string, ctx: RuleContext): void {
  if (v === null || v === undefined || ctx.exhausted) return;
  runRules(s, v, old, f, ctx);
  if (isObject(v)) {
    const o = isObject(old) ? old : undefined;
    for (const [k, ps] of Object.entries(s.properties ?? {})) {
      if (k in v) walk(ps, v[k], o?.[k], f ? `${f}.${k}` : k, ctx);
    }
    const ap = additionalSchema(s);
    if (ap) {
      for (const [k, x] of Object.entries(v)) {
        if (s.properties?.[k]) continue;
        walk(ap, x, o?.[k], key(f, k), ctx);
      }
    }
  } else if (Array.isArray(v)) {
    const items = itemsSchema(s);
    if (!items) return;
    const oldList = Array.isArray(old) ? old : undefined;
    const mapKeys = s['x-kubernetes-list-type'] === 'map' ? s['x-kubernetes-list-map-keys'] ?? [] : undefined;
    v.forEach((x, i) => {
      let ox: unknown;
      if (mapKeys && oldList && isObject(x)) {
        ox = oldList.find((y) => isObject(y) && mapKeys.every((k) => deepEqual(y[k], x[k])));
      }
      walk(items, x, ox, `${f}[${i}]`, ctx);
    });
  }
}

/** Whether any rule exists below schema (a schema without rules skips CEL entirely). */
export function hasRules(s: JSONSchemaProps | undefined): boolean {
  if (!s || typeof s !== 'object') return false;
  if (s['x-kubernetes-validations']?.length) return true;
  if (Object.values(s.properties ?? {}).some(hasRules)) return true;
  return hasRules(additionalSchema(s)) || hasRules(itemsSchema(s));
}

export { CostBudget };
