// Kubeconfig loading in the standard format, with client-go's merge rules:
// --kubeconfig names one file that must exist; otherwise every file in KUBECONFIG
// (path-list separated) is merged, the first file to set a map entry or
// current-context wins; otherwise ~/.kube/config. Relative file paths in a file are
// resolved against that file's directory.
import { readFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

export interface KubeconfigCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}

export interface KubeconfigUser {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
}

export interface KubeconfigContext {
  cluster?: string;
  user?: string;
  namespace?: string;
}

export interface Named<T> { name: string; value: T }

/** A merged kubeconfig; `files` says where it came from (the first is where edits go). */
export interface Kubeconfig {
  clusters: Named<KubeconfigCluster>[];
  users: Named<KubeconfigUser>[];
  contexts: Named<KubeconfigContext>[];
  currentContext: string;
  preferences: Record<string, unknown>;
  files: string[];
}

/** What a client needs to talk to one server: the resolved context. */
export interface ClientConfig {
  server: string;
  /** PEM bytes. */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  username?: string;
  password?: string;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
  namespace: string;
  contextName?: string;
}

/** A kubeconfig problem a person must fix; the message says what to do. */
export class KubeconfigError extends Error {
  override name = 'KubeconfigError';
}

export interface LoadOptions {
  /** --kubeconfig: one explicit file. */
  kubeconfig?: string;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/** The files a load would read, in precedence order. */
export function kubeconfigPaths(opts: LoadOptions = {}): { paths: string[]; explicit: boolean } {
  const env = opts.env ?? process.env;
  if (opts.kubeconfig) return { paths: [resolve(opts.kubeconfig)], explicit: true };
  const list = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p.trim() !== '');
  if (list.length > 0) return { paths: [...new Set(list.map((p) => resolve(p)))], explicit: false };
  return { paths: [join(opts.home ?? env.HOME ?? homedir(), '.kube', 'config')], explicit: false };
}

/** Loads and merges kubeconfig files. Missing files in KUBECONFIG are skipped, as kubectl does. */
export function loadKubeconfig(opts: LoadOptions = {}): Kubeconfig {
  const { paths, explicit } = kubeconfigPaths(opts);
  const merged: Kubeconfig = { clusters: [], users: [], contexts: [], currentContext: '', preferences: {}, files: paths };
  for (const file of paths) {
    if (!existsSync(file)) {
      if (explicit) throw new KubeconfigError(`stat ${file}: no such file or directory`);
      continue;
    }
    mergeInto(merged, parseKubeconfig(readFileSync(file, 'utf8'), file));
  }
  return merged;
}

/** Parses one kubeconfig document; `file` resolves relative paths and names errors. */
export function parseKubeconfig(text: string, file = '<kubeconfig>'): Kubeconfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    // yaml's message is "<what> at line L, column C:" followed by a code excerpt.
    const what = (err as Error).message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const pos = (err as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    throw new KubeconfigError(`error loading config file "${file}": yaml: ${pos ? `line ${pos.line}, column ${pos.col}: ` : ''}${what}`);
  }
  if (doc == null) doc = {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new KubeconfigError(`error loading config file "${file}": the file is not a kubeconfig (expected a YAML mapping with clusters, users and contexts)`);
  }
  const d = doc as Record<string, unknown>;
  const base = dirname(file);
  const named = <T>(key: string, field: string, fix: (v: T) => T): Named<T>[] => {
    const list = d[key];
    if (list == null) return [];
    if (!Array.isArray(list)) throw new KubeconfigError(`error loading config file "${file}": ${key} must be a list`);
    return list.map((entry, i) => {
      const e = (entry ?? {}) as Record<string, unknown>;
      if (typeof e.name !== 'string' || e.name === '') throw new KubeconfigError(`error loading config file "${file}": ${key}[${i}] has no name`);
      return { name: e.name, value: fix({ ...((e[field] ?? {}) as T) }) };
    });
  };
  const abs = (p: string | undefined): string | undefined => (p && !isAbsolute(p) ? resolve(base, p) : p);
  return {
    clusters: named<KubeconfigCluster>('clusters', 'cluster', (c) => ({ ...c, 'certificate-authority': abs(c['certificate-authority']) })),
    users: named<KubeconfigUser>('users', 'user', (u) => ({ ...u, 'client-certificate': abs(u['client-certificate']), 'client-key': abs(u['client-key']), tokenFile: abs(u.tokenFile) })),
    contexts: named<KubeconfigContext>('contexts', 'context', (c) => c),
    currentContext: typeof d['current-context'] === 'string' ? d['current-context'] : '',
    preferences: (d.preferences ?? {}) as Record<string, unknown>,
    files: [file],
  };
}

function mergeInto(into: Kubeconfig, from: Kubeconfig): void {
  const add = <T>(list: Named<T>[], more: Named<T>[]): void => {
    for (const e of more) if (!list.some((x) => x.name === e.name)) list.push(e);
  };
  add(into.clusters, from.clusters);
  add(into.users, from.users);
  add(into.contexts, from.contexts);
  if (!into.currentContext) into.currentContext = from.currentContext;
}

export interface Overrides {
  context?: string;
  cluster?: string;
  user?: string;
  server?: string;
  namespace?: string;
  token?: string;
  insecureSkipTLSVerify?: boolean;
  certificateAuthority?: string;
  clientCertificate?: string;
  clientKey?: string;
}

/** Resolves the context to use into a ClientConfig, applying command-line overrides. */
export function resolveClientConfig(kc: Kubeconfig, o: Overrides = {}): ClientConfig {
  const contextName = o.context ?? kc.currentContext;
  const ctx = contextName ? kc.contexts.find((c) => c.name === contextName)?.value : undefined;
  if (o.context && !ctx) throw new KubeconfigError(`context "${o.context}" does not exist`);
  const clusterName = o.cluster ?? ctx?.cluster;
  const cluster = clusterName ? kc.clusters.find((c) => c.name === clusterName)?.value : undefined;
  if (clusterName && !cluster && !o.server) throw new KubeconfigError(`cluster "${clusterName}" does not exist`);
  const userName = o.user ?? ctx?.user;
  const user = (userName ? kc.users.find((u) => u.name === userName)?.value : undefined) ?? {};
  const server = o.server ?? cluster?.server;
  if (!server) {
    throw new KubeconfigError(contextName && !ctx
      ? `context "${contextName}" does not exist; pick one with --context or fix current-context in ${kc.files.join(', ')}`
      : `no server found: set one with --server, or point --kubeconfig / KUBECONFIG at a kubeconfig (looked in ${kc.files.join(', ')}). For a local cluster run \`npm run cluster\` and use .cluster/kubeconfig`);
  }
  const bytes = (data: string | undefined, file: string | undefined, what: string): Buffer | undefined => {
    if (data) return Buffer.from(data, 'base64');
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch {
      throw new KubeconfigError(`unable to read ${what} from "${file}": no such file or directory`);
    }
  };
  let token = o.token ?? user.token;
  if (!token && user.tokenFile) token = bytes(undefined, user.tokenFile, 'token file')!.toString('utf8').trim();
  const cfg: ClientConfig = {
    server: normalizeServer(server),
    namespace: o.namespace ?? ctx?.namespace ?? 'default',
    contextName: ctx ? contextName : undefined,
    insecureSkipTLSVerify: o.insecureSkipTLSVerify ?? cluster?.['insecure-skip-tls-verify'] ?? false,
    tlsServerName: cluster?.['tls-server-name'],
    ca: o.certificateAuthority ? bytes(undefined, resolve(o.certificateAuthority), 'certificate-authority')
      : bytes(cluster?.['certificate-authority-data'], cluster?.['certificate-authority'], 'certificate-authority'),
    cert: o.clientCertificate ? bytes(undefined, resolve(o.clientCertificate), 'client-certificate')
      : bytes(user['client-certificate-data'], user['client-certificate'], 'client-certificate'),
    key: o.clientKey ? bytes(undefined, resolve(o.clientKey), 'client-key')
      : bytes(user['client-key-data'], user['client-key'], 'client-key'),
    token,
    username: user.username,
    password: user.password,
  };
  return cfg;
}

/** "localhost:8080" → "http://localhost:8080"; trailing slashes dropped. */
export function normalizeServer(server: string): string {
  let s = server.trim();
  if (!/^[a-z]+:\/\//i.test(s)) s = `${/:443$/.test(s) ? 'https' : 'http'}://${s}`;
  return s.replace(/\/+$/, '');
}

/** One call for components: --kubeconfig / --master (or KUBECONFIG, ~/.kube/config). */
export function loadClientConfig(opts: LoadOptions & Overrides & { master?: string } = {}): ClientConfig {
  // --master alone (no kubeconfig anywhere) is enough for a plain-HTTP apiserver.
  const kc = opts.master && !opts.kubeconfig && !kubeconfigPaths(opts).paths.some((p) => existsSync(p))
    ? { clusters: [], users: [], contexts: [], currentContext: '', preferences: {}, files: [] }
    : loadKubeconfig(opts);
  return resolveClientConfig(kc, { ...opts, server: opts.server ?? opts.master });
}

/** Serializes a Kubeconfig back to the standard YAML shape (for `config view` and edits). */
export function kubeconfigToObject(kc: Kubeconfig): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: kc.preferences,
    clusters: kc.clusters.map((c) => ({ name: c.name, cluster: clean(c.value) })),
    users: kc.users.map((u) => ({ name: u.name, user: clean(u.value) })),
    contexts: kc.contexts.map((c) => ({ name: c.name, context: clean(c.value) })),
    'current-context': kc.currentContext,
  };
}

function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * One kubeconfig file's YAML document exactly as written (relative paths and fields this
 * module does not know kept), for `config set-context` and friends; a new empty Config
 * when the file does not exist. Throws KubeconfigError for a file that is not a mapping.
 */
export function readKubeconfigDocument(file: string): Record<string, unknown> {
  if (!existsSync(file)) {
    return { apiVersion: 'v1', kind: 'Config', preferences: {}, clusters: [], users: [], contexts: [], 'current-context': '' };
  }
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    // yaml's message is "<what> at line L, column C:" followed by a code excerpt.
    const what = (err as Error).message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const pos = (err as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    throw new KubeconfigError(`error loading config file "${file}": yaml: ${pos ? `line ${pos.line}, column ${pos.col}: ` : ''}${what}`);
  }
  if (doc == null) return { apiVersion: 'v1', kind: 'Config' };
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new KubeconfigError(`error loading config file "${file}": the file is not a kubeconfig (expected a YAML mapping with clusters, users and contexts)`);
  }
  return doc as Record<string, unknown>;
}

/**
 * Writes a kubeconfig document as YAML (keys sorted, as kubectl writes it), creating the
 * directory; a new file gets mode 0600. Written in place, as kubectl does, so a symlinked
 * kubeconfig stays a symlink.
 */
export function writeKubeconfigDocument(file: string, doc: Record<string, unknown>): void {
  mkdirSync(dirname(file), { recursive: true });
  const text = stringifyYaml(doc, { sortMapEntries: true, indentSeq: false, lineWidth: 0, version: '1.1' });
  writeFileSync(file, text, { mode: 0o600 });
}
