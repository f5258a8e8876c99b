// The machinery of the quick-reference walk (quick-reference.test.ts): each command of the
// Kubernetes docs' "kubectl Quick Reference" page runs in bash, as a user types it, once
// with the real kubectl and once with ours (a `kubectl` on the PATH that runs
// tskubectl), each in its own namespace, kubeconfig, node and folder, and the two results
// are compared after the parts that must differ (namespace, node, folder, ages, random
// name suffixes, addresses, uids, times) are replaced by placeholders.
import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { componentCommand } from '../../harness/apiserver.js';

export type ToolName = 'kubectl' | 'tskubectl';

/** One side of the walk: which CLI, and the names and places that side owns. */
export interface Tool {
  name: ToolName;
  /** Namespace of the context (what the page's commands act on without -n). */
  ns: string;
  /** A second namespace (the page's my-ns, emptied by `delete pod,svc --all`). */
  myns: string;
  /** A Node object of its own (cordon, drain, taint, patch). */
  node: string;
  /** Working folder: the page's ./files, the kubeconfig, HOME. */
  dir: string;
  kubeconfig: string;
  /** PATH with this side's `kubectl` first. */
  path: string;
}

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * How two outcomes must agree:
 * - exact: exit code, stdout and stderr after normalising;
 * - header: exit code and the first line of stdout (tables whose rows change: top, events);
 * - keys: exit code and the field names of describe's lines ("Name:", "Labels:", ...);
 * - shape: exit code and the structure of a JSON or YAML document (keys and value types);
 * - sorted: as exact, with stdout's lines sorted (streams of several pods interleave);
 * - code: exit code, and output on the same streams.
 */
export type Compare = 'exact' | 'header' | 'keys' | 'shape' | 'sorted' | 'code';

export interface Step {
  /** The command as bash reads it; {ns}, {myns} and {node} are the side's own. */
  run: string;
  compare?: Compare;
  /** Written to stdin. */
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** For commands that run until stopped (port-forward): stop once stdout matches, then compare what they printed. */
  until?: RegExp;
  /** Run before the step, for each side (state the step needs). */
  before?: (tool: Tool) => Promise<void>;
}

const KUBE_RAND = '[bcdfghjklmnpqrstvwxz2456789]';

/** Replaces what legitimately differs between the two sides and between two runs. */
export function normalize(text: string, sides: readonly Tool[]): string {
  let s = text;
  for (const t of sides) s = s.replaceAll(t.dir, '<dir>').replaceAll(t.ns, '<ns>').replaceAll(t.node, '<node>');
  s = s
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<uid>')
    .replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\b/g, '<time>')
    .replace(/\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d [+-]\d{4}\b/g, '<time>')
    .replace(/(docker|containerd):\/\/[0-9a-f]{64}/g, '<cid>')
    .replace(/sha256:[0-9a-f]{64}/g, '<digest>')
    .replace(/\b(10|127|172)\.\d+\.\d+\.\d+\b/g, '<ip>')
    .replace(/(resourceVersion"?:\s*)"?\d+"?/g, '$1<rv>')
    .replace(/(generation"?:\s*)\d+/g, '$1<n>')
    .replace(new RegExp(`-${KUBE_RAND}{5,10}(?=\\b|-)`, 'g'), '-<rand>')
    .replace(/\b\d+(\.\d+)?(y|d|h|m|s)(\d+(h|m|s))?\b/g, '<age>')
    .replace(/<invalid>/g, '<age>');
  // Column widths follow the longest cell, which ages and names change.
  return s.split('\n').map((l) => l.replace(/ {2,}/g, '  ').trimEnd()).join('\n');
}

const describeKeys = (s: string): string => s.split('\n').filter((l) => /^[A-Z][A-Za-z ]*:/.test(l)).map((l) => l.slice(0, l.indexOf(':'))).join('\n');

function shapeOf(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [shapeOf(v[0])] : [];
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, shapeOf((v as Record<string, unknown>)[k])]));
  return typeof v;
}

async function shape(text: string): Promise<string> {
  const { parseAllDocuments } = await import('yaml');
  try {
    return JSON.stringify(parseAllDocuments(text).map((d) => shapeOf(d.toJSON())));
  } catch {
    return text;
  }
}

/** What of an outcome the comparison looks at, normalised. */
export async function significant(o: Outcome, sides: readonly Tool[], how: Compare): Promise<unknown> {
  const out = normalize(o.stdout, sides);
  const err = normalize(o.stderr, sides);
  switch (how) {
    case 'exact': return { code: o.code, stdout: out, stderr: err };
    case 'sorted': return { code: o.code, stdout: out.split('\n').sort(), stderr: err };
    case 'header': return { code: o.code, header: out.split('\n')[0], stderr: err };
    case 'keys': return { code: o.code, keys: describeKeys(out), stderr: err };
    case 'shape': return { code: o.code, shape: await shape(o.stdout), stderr: err };
    case 'code': return { code: o.code, stdout: out.length > 0, stderr: err.length > 0 };
  }
}

/** Makes a side's folder: its kubeconfig (the admin's, with the side's namespace) and a `kubectl` for the PATH. */
export async function makeTool(name: ToolName, base: string, adminKubeconfig: string, ns: string, node: string): Promise<Tool> {
  const dir = join(base, name);
  const bin = join(dir, '.bin');
  await mkdir(bin, { recursive: true });
  const { parse, stringify } = await import('yaml');
  const { readFile } = await import('node:fs/promises');
  const config = parse(await readFile(adminKubeconfig, 'utf8')) as { 'current-context': string; contexts: { name: string; context: { namespace?: string } }[] };
  for (const c of config.contexts) if (c.name === config['current-context']) c.context.namespace = ns;
  const kubeconfig = join(dir, '.kube', 'config');
  await mkdir(join(dir, '.kube'), { recursive: true });
  await writeFile(kubeconfig, stringify(config));
  let path = process.env['PATH'] ?? '/usr/bin:/bin';
  if (name === 'tskubectl') {
    const [script, ...rest] = componentCommand('kubectl');
    const quoted = [process.execPath, script, ...rest].map((a) => `'${a}'`).join(' ');
    await writeFile(join(bin, 'kubectl'), `#!/bin/sh\nexec ${quoted} "$@"\n`);
    await chmod(join(bin, 'kubectl'), 0o755);
    path = `${bin}:${path}`;
  }
  return { name, ns, myns: `${ns}-my-ns`, node, dir, kubeconfig, path };
}

/** Runs a step's command in bash for one side. */
export function runStep(step: Step, tool: Tool): Promise<Outcome> {
  const command = step.run.replaceAll('{ns}', tool.ns).replaceAll('{myns}', tool.myns).replaceAll('{node}', tool.node);
  const env: NodeJS.ProcessEnv = {
    PATH: tool.path, HOME: tool.dir, KUBECONFIG: tool.kubeconfig, LANG: 'C.UTF-8', TERM: 'dumb', ...step.env,
  };
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { cwd: tool.dir, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let done = false;
    const stop = (): void => {
      if (done) return;
      try { process.kill(-child.pid!, 'SIGINT'); } catch { /* gone */ }
      setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 5000).unref();
    };
    const timer = setTimeout(() => { stderr += `\n[walk: timed out after ${step.timeoutMs ?? 60_000} ms]`; stop(); }, step.timeoutMs ?? 60_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (step.until?.test(stdout)) stop();
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.stdin.on('error', () => undefined);
    child.stdin.end(step.input ?? '');
    child.on('error', reject);
    child.on('close', (code, signal) => {
      done = true;
      clearTimeout(timer);
      // A command stopped once it printed what `until` waits for counts as a success.
      resolve({ code: step.until && signal ? 0 : step.until && step.until.test(stdout) ? 0 : code ?? 1, stdout, stderr });
    });
  });
}
