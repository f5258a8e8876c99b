// The `key=value` / `key-` arguments of label and annotate, split from the resource
// arguments and parsed with kubectl's rules and messages (cmdutil.GetResourcesAndPairs,
// label's parseLabels, annotate's ParsePairs), and the map update both commands make.
import { CliError } from './errors.js';

/** Resources first, then pairs: the first `k=v` or `k-` argument starts the pairs. */
export function splitResourcesAndPairs(args: string[], pairType: 'label' | 'annotation'): { resources: string[]; pairs: string[] } {
  const resources: string[] = [];
  const pairs: string[] = [];
  for (const s of args) {
    const isPair = (s.includes('=') && !s.startsWith('=')) || (s.endsWith('-') && s !== '-');
    if (isPair) pairs.push(s);
    else if (pairs.length > 0) throw new CliError(`error: all resources must be specified before ${pairType} changes: ${s}`);
    else resources.push(s);
  }
  return { resources, pairs };
}

export interface PairUpdate {
  set: Map<string, string>;
  remove: string[];
}

/** label's parseLabels: exactly one `=`, a valid label value, no key both set and removed. */
export function parseLabelPairs(pairs: string[]): PairUpdate {
  const set = new Map<string, string>();
  const remove: string[] = [];
  for (const spec of pairs) {
    if (spec.includes('=')) {
      const parts = spec.split('=');
      if (parts.length !== 2) throw new CliError(`error: invalid label spec: ${spec}`);
      const problem = labelValueProblem(parts[1]!);
      if (problem) throw new CliError(`error: invalid label value: ${JSON.stringify(spec)}: ${problem}`);
      set.set(parts[0]!, parts[1]!);
    } else if (spec.endsWith('-')) {
      remove.push(spec.slice(0, -1));
    } else {
      throw new CliError(`error: unknown label spec: ${spec}`);
    }
  }
  if (remove.some((k) => set.has(k))) throw new CliError('error: can not both modify and remove a label in the same command');
  return { set, remove };
}

function labelValueProblem(v: string): string | undefined {
  const errs: string[] = [];
  if (v.length > 63) errs.push('must be no more than 63 characters');
  if (v !== '' && !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v)) {
    errs.push("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  }
  return errs.length ? errs.join('; ') : undefined;
}

/** annotate's ParsePairs: `k=v` (the value may hold `=`) and `k-`. */
export function parseAnnotationPairs(pairs: string[]): PairUpdate {
  const set = new Map<string, string>();
  const remove: string[] = [];
  const invalid: string[] = [];
  for (const spec of pairs) {
    const eq = spec.indexOf('=');
    if (eq > 0) set.set(spec.slice(0, eq), spec.slice(eq + 1));
    else if (eq < 0 && spec.endsWith('-')) remove.push(spec.slice(0, -1));
    else invalid.push(spec);
  }
  if (invalid.length) throw new CliError(`error: invalid annotation format: ${invalid.join(', ')}`);
  if (remove.some((k) => set.has(k))) throw new CliError('error: can not both modify and remove an annotation in the same command');
  return { set, remove };
}

/**
 * Applies an update to a label or annotation map (a copy is returned). Without
 * overwrite, a key that already has a different value is an error: label reports each
 * key as its own error; annotate lists them in one message.
 */
export function updateMap(current: Record<string, string> | undefined, update: PairUpdate, overwrite: boolean, kind: 'label' | 'annotation'): Record<string, string> {
  const cur = current ?? {};
  if (!overwrite) {
    const conflicts = [...update.set].filter(([k, v]) => k in cur && cur[k] !== v && !(kind === 'annotation' && k === 'kubernetes.io/change-cause'));
    if (conflicts.length > 0) {
      if (kind === 'annotation') {
        throw new CliError(`error: --overwrite is false but found the following declared annotation(s): ${conflicts.map(([k]) => `'${k}' already has a value (${cur[k]})`).join('; ')}`);
      }
      const msgs = conflicts.map(([k]) => `'${k}' already has a value (${cur[k]}), and --overwrite is false`);
      throw new CliError(msgs.length === 1 ? `error: ${msgs[0]}` : `error: [${msgs.join(', ')}]`);
    }
  }
  const out = { ...cur };
  for (const [k, v] of update.set) out[k] = v;
  for (const k of update.remove) delete out[k];
  return out;
}
