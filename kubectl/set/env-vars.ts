// The pure rules of `set env`, as kubectl's pkg/cmd/set/env and set_env.go: which
// arguments are resources and which are KEY=VALUE / KEY- changes, reading KEY=VALUE lines
// from stdin for `-`, merging the changes into a container's env (updateEnv), the
// --overwrite=false check, --from keys turned into variable names, and how --list
// describes a valueFrom reference.
import { isEnvVarName } from '../../api/validation/names.js';
import type { EnvVar, EnvVarSource } from './pod-spec.js';

/** SplitEnvironmentFromResources: resources first, then env changes; undefined when they mix. */
export function splitEnvironmentFromResources(args: string[]): { resources: string[]; envArgs: string[] } | undefined {
  const resources: string[] = [];
  const envArgs: string[] = [];
  for (const s of args) {
    const isEnv = /^.+=/s.test(s) || s.endsWith('-');
    if (isEnv) envArgs.push(s);
    else if (envArgs.length > 0) return undefined;
    else resources.push(s);
  }
  return { resources, envArgs };
}

/** readEnv: KEY=VALUE lines, `#` starting a comment anywhere on a line. */
export function readEnvLines(text: string): EnvVar[] {
  const env: EnvVar[] = [];
  for (let line of text.split('\n')) {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const hash = line.indexOf('#');
    if (hash !== -1) line = line.slice(0, hash);
    const eq = line.indexOf('=');
    if (eq !== -1) env.push({ name: line.slice(0, eq), value: line.slice(eq + 1) });
  }
  return env;
}

/**
 * ParseEnv: the variables to set and the names to remove; `-` reads stdin (the caller
 * passes its text through readStdin, called at most once).
 */
export async function parseEnv(specs: string[], readStdin: () => Promise<string>): Promise<{ env: EnvVar[]; remove: string[] }> {
  const env: EnvVar[] = [];
  const remove: string[] = [];
  const set = new Set<string>();
  for (const spec of specs) {
    if (spec === '-') {
      env.push(...readEnvLines(await readStdin()));
    } else if (spec.includes('=')) {
      const i = spec.indexOf('=');
      const name = spec.slice(0, i);
      const errs = isEnvVarName(name);
      if (errs.length > 0) throw new Error(`"${name}" is not a valid key name: ${errs.join(';')}`);
      set.add(name);
      env.push({ name, value: spec.slice(i + 1) });
    } else if (spec.endsWith('-')) {
      remove.push(spec.slice(0, -1));
    } else {
      throw new Error(`unknown environment variable: ${spec}`);
    }
  }
  if (remove.some((r) => set.has(r))) throw new Error('can not both modify and remove the same environment variable in the same command');
  return { env, remove };
}

/**
 * updateEnv: an added variable replaces every existing one of its name (in the first
 * one's place), removals win over additions, new names are appended, unrelated
 * duplicates stay.
 */
export function updateEnv(existing: EnvVar[], env: EnvVar[], remove: string[]): EnvVar[] {
  const out: EnvVar[] = [];
  const covered = new Set(remove);
  for (const e of existing) {
    if (covered.has(e.name)) continue;
    const newer = env.find((n) => n.name === e.name);
    if (newer) {
      covered.add(e.name);
      out.push(newer);
      continue;
    }
    out.push(e);
  }
  for (const e of env) {
    if (covered.has(e.name)) continue;
    covered.add(e.name);
    out.push(e);
  }
  return out;
}

/** validateNoOverwrites (without --overwrite): a variable may not change an existing value. */
export function checkNoOverwrites(existing: EnvVar[], env: EnvVar[]): void {
  for (const e of env) {
    const cur = existing.find((x) => x.name === e.name);
    if (cur && (cur.value ?? '') !== (e.value ?? '')) {
      throw new Error(`'${cur.name}' already has a value (${cur.value ?? ''}), and --overwrite is false`);
    }
  }
}

/** keyToEnvName: a --from key as a variable name (upper case, other characters as '_'). */
export function keyToEnvName(key: string): string {
  return key.replace(/[^a-zA-Z0-9_]/g, '_').toUpperCase();
}

/** GetEnvVarRefString: what --list prints for a reference it does not resolve. */
export function envVarRefString(from: EnvVarSource): string {
  if (from.configMapKeyRef) return `configmap ${from.configMapKeyRef.name ?? ''}, key ${from.configMapKeyRef.key}`;
  if (from.secretKeyRef) return `secret ${from.secretKeyRef.name ?? ''}, key ${from.secretKeyRef.key}`;
  if (from.fieldRef) return `field path ${from.fieldRef.fieldPath}`;
  if (from.resourceFieldRef) {
    const c = from.resourceFieldRef.containerName ? `${from.resourceFieldRef.containerName}/` : '';
    return `resource field ${c}${from.resourceFieldRef.resource}`;
  }
  return 'invalid valueFrom';
}
