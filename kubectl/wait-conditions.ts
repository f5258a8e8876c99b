// What `wait --for=...` waits for, and whether an object meets it: kubectl's
// conditionFuncFor and the checks of pkg/cmd/wait (condition.go, json.go).
import type { KubeObject } from '../api/types/meta.js';
import { JsonPath, relaxedJsonPath } from './printers/jsonpath.js';

export type WaitFor =
  | { kind: 'delete' }
  | { kind: 'create' }
  | { kind: 'condition'; name: string; status: string }
  | { kind: 'jsonpath'; path: JsonPath; expression: string; value?: string };

/** Parses --for; throws kubectl's errors for a value it does not understand. */
export function parseWaitFor(text: string): WaitFor {
  const lower = text.toLowerCase();
  if (lower === 'delete') return { kind: 'delete' };
  if (lower === 'create') return { kind: 'create' };
  if (text.startsWith('condition=')) {
    const rest = text.slice('condition='.length);
    const eq = rest.indexOf('=');
    return eq === -1 ? { kind: 'condition', name: rest, status: 'true' } : { kind: 'condition', name: rest.slice(0, eq), status: rest.slice(eq + 1) };
  }
  if (text.startsWith('jsonpath=')) {
    const parts = splitJsonPathInput(text.slice('jsonpath='.length));
    if (parts.length < 1 || parts.length > 2) {
      throw new Error("jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'");
    }
    const expression = relaxedJsonPath(parts[0]!);
    if (expression === '') throw new Error('jsonpath expression cannot be empty');
    let value: string | undefined;
    if (parts.length === 2) {
      value = parts[1]!.replace(/^['"]+|['"]+$/g, '');
      if (value === '') throw new Error("jsonpath wait has to have a value after equal sign, like --for=jsonpath='{.status.readyReplicas}'=3");
    }
    return { kind: 'jsonpath', path: new JsonPath(expression, { allowMissingKeys: true }), expression, value };
  }
  throw new Error(`unrecognized condition: ${JSON.stringify(text)}`);
}

/** Splits on single '='; '==' stays in the element (kubectl's splitJSONPathInput). */
export function splitJsonPathInput(input: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < input.length; i++) {
    if (input[i] === '=') {
      if (input[i + 1] === '=') {
        cur += '==';
        i++;
        continue;
      }
      out.push(cur);
      cur = '';
      continue;
    }
    cur += input[i];
  }
  out.push(cur);
  return out;
}

interface Conditioned extends KubeObject {
  status?: { observedGeneration?: number; conditions?: { type?: string; status?: string; observedGeneration?: number }[] };
}

/**
 * True when obj has condition `name` with `status` (both compared case-insensitively),
 * and the condition is not stale (its observedGeneration, or the status's, is not
 * behind metadata.generation).
 */
export function conditionMet(obj: KubeObject, name: string, status: string): boolean {
  const o = obj as Conditioned;
  for (const c of o.status?.conditions ?? []) {
    if (typeof c.type !== 'string' || c.type.toLowerCase() !== name.toLowerCase()) continue;
    if (typeof c.status !== 'string') continue;
    const generation = o.metadata.generation;
    if (generation !== undefined) {
      const observed = c.observedGeneration ?? o.status?.observedGeneration;
      if (observed !== undefined && observed < generation) return false;
    }
    return c.status.toLowerCase() === status.toLowerCase();
  }
  return false;
}

/** True when the JSONPath finds one value (equal to `value` when given); throws kubectl's errors. */
export function jsonPathMet(obj: KubeObject, path: JsonPath, value: string | undefined): boolean {
  const results = path.findResults(obj);
  if (results.length === 0 || results[0]!.length === 0) return false;
  if (results.length > 1) throw new Error('given jsonpath expression matches more than one list');
  if (results[0]!.length > 1) throw new Error('given jsonpath expression matches more than one value');
  if (value === undefined) return true;
  const found = results[0]![0];
  if (typeof found === 'object' && found !== null) throw new Error('jsonpath leads to a nested object or list which is not supported');
  return String(found).trim() === value.trim();
}
