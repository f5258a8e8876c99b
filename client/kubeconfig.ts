// Kubeconfig loading in the standard format, with client-go's merge rules:
// --kubeconfig names one file that must exist; otherwise every file in KUBECONFIG
// (path-list separated) is merged, the first file to set a map entry or
// current-context wins; otherwise ~/.kube/config. Relative file paths in a file are
// resolved against that file's directory. When that names no server and the process
// runs in a pod (KUBERNETES_SERVICE_HOST/PORT set, a service-account token mounted),
// the in-cluster configuration is used instead, as client-go's deferred loading does.
// Token files (in-cluster, or a user's tokenFile) are re-read every minute, so rotated
// tokens are picked up.
import { readFileSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { realClock, type Clock } from './clock.js';

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
  /** Impersonation (kubectl's --as, --as-group, --as-uid). */
  as?: string;
  'as-groups'?: string[];
  'as-uid'?: string;
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
  /**
   * A file holding the bearer token, re-read every minute (TokenFile): when set, the
   * RestClient sends its current content, `token` being only the first read.
   */
  tokenFile?: string;
  username?: string;
  password?: string;
  /** Sent as Impersonate-User, Impersonate-Group (one header each) and Impersonate-Uid. */
  impersonate?: { user: string; groups?: string[]; uid?: string };
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
  namespace: string;
  contextName?: string;
  /** True when built from the pod's service account (in-cluster), not a kubeconfig. */
  inCluster?: boolean;
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
  /** Where a pod's service account is mounted (SERVICE_ACCOUNT_DIR; tests use a temporary directory). */
  serviceAccountDir?: string;
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
  /** --as, --as-group, --as-uid: replace the user's own as, as-groups and as-uid. */
  as?: string;
  asGroups?: string[];
  asUid?: string;
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
  // client-go: --token replaces the user's token and tokenFile; a user's tokenFile is
  // read now and re-read while the client runs, even next to a token.
  let token = o.token ?? user.token;
  const tokenFile = o.token ? undefined : user.tokenFile;
  if (!token && tokenFile) token = bytes(undefined, tokenFile, 'token file')!.toString('utf8').trim();
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
    ...(tokenFile ? { tokenFile } : {}),
    username: user.username,
    password: user.password,
  };
  const asUser = o.as ?? user.as;
  const asGroups = o.asGroups ?? user['as-groups'];
  const asUid = o.asUid ?? user['as-uid'];
  if (asUser) cfg.impersonate = { user: asUser, ...(asGroups?.length ? { groups: asGroups } : {}), ...(asUid ? { uid: asUid } : {}) };
  // client-go refuses groups or a uid without a user to impersonate.
  else if (asGroups?.length || asUid) throw new KubeconfigError(`requesting uid, groups or user-extra for ${userName ?? ''} without impersonating a user`);
  return cfg;
}

/** "localhost:8080" → "http://localhost:8080"; trailing slashes dropped. */
export function normalizeServer(server: string): string {
  let s = server.trim();
  if (!/^[a-z]+:\/\//i.test(s)) s = `${/:443$/.test(s) ? 'https' : 'http'}://${s}`;
  return s.replace(/\/+$/, '');
}

/**
 * One call for components: --kubeconfig / --master (or KUBECONFIG, ~/.kube/config),
 * else the in-cluster configuration when the process runs in a pod.
 */
export function loadClientConfig(opts: LoadOptions & Overrides & { master?: string } = {}): ClientConfig {
  // --master alone (no kubeconfig anywhere) is enough for a plain-HTTP apiserver.
  const kc = opts.master && !opts.kubeconfig && !kubeconfigPaths(opts).paths.some((p) => existsSync(p))
    ? { clusters: [], users: [], contexts: [], currentContext: '', preferences: {}, files: [] }
    : loadKubeconfig(opts);
  return clientConfigOrInCluster(kc, { ...opts, server: opts.server ?? opts.master }, opts);
}

// ---------------------------------------------------------------- in-cluster

/** Where Kubernetes mounts a pod's service account: token, ca.crt, namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InClusterOptions {
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Defaults to SERVICE_ACCOUNT_DIR. */
  serviceAccountDir?: string;
}

/**
 * Whether the in-cluster configuration can be used (clientcmd's inClusterClientConfig
 * Possible): KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT set and a token file
 * in the service-account directory.
 */
export function inClusterPossible(opts: InClusterOptions = {}): boolean {
  const env = opts.env ?? process.env;
  if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) return false;
  try {
    return !statSync(join(opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR, 'token')).isDirectory();
  } catch {
    return false;
  }
}

/**
 * client-go's rest.InClusterConfig: https://KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT,
 * the service account's token (its file re-read every minute, as the kubelet rotates
 * it), its ca.crt when readable (else the system's CAs, as client-go logs and goes on),
 * and its namespace (POD_NAMESPACE first, as clientcmd). Throws KubeconfigError when
 * not in a pod.
 */
export function inClusterConfig(opts: InClusterOptions = {}): ClientConfig {
  const env = opts.env ?? process.env;
  const dir = opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new KubeconfigError('unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined');
  }
  const tokenFile = join(dir, 'token');
  let token: string;
  try {
    token = readFileSync(tokenFile, 'utf8').trim();
  } catch (err) {
    throw new KubeconfigError(`unable to load in-cluster configuration: cannot read ${tokenFile}: ${(err as Error).message}`);
  }
  let ca: Buffer | undefined;
  try {
    ca = readFileSync(join(dir, 'ca.crt'));
  } catch { /* client-go logs it and uses the system's roots */ }
  return {
    server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
    ...(ca ? { ca } : {}),
    token,
    tokenFile,
    namespace: inClusterNamespace(env, dir),
    inCluster: true,
  };
}

function inClusterNamespace(env: NodeJS.ProcessEnv, dir: string): string {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    const ns = readFileSync(join(dir, 'namespace'), 'utf8').trim();
    if (ns) return ns;
  } catch { /* no namespace file */ }
  return 'default';
}

/**
 * The config a client uses, as client-go's DeferredLoadingClientConfig decides: the
 * kubeconfig's context when it names a server (or --server does); else, in a pod, the
 * in-cluster config with --token and --certificate-authority applied; else the
 * kubeconfig's "no server" error. In a pod, a context without a namespace of its own
 * takes the pod's namespace.
 */
export function clientConfigOrInCluster(kc: Kubeconfig, o: Overrides = {}, opts: InClusterOptions = {}): ClientConfig {
  let cfg: ClientConfig;
  try {
    cfg = resolveClientConfig(kc, o);
  } catch (err) {
    if (!(err instanceof KubeconfigError) || !isEmptyConfig(kc, o) || !inClusterPossible(opts)) throw err;
    const icc = inClusterConfig(opts);
    if (o.token) {
      icc.token = o.token;
      delete icc.tokenFile;
    }
    if (o.certificateAuthority) {
      try {
        icc.ca = readFileSync(resolve(o.certificateAuthority));
      } catch {
        throw new KubeconfigError(`unable to read certificate-authority from "${o.certificateAuthority}": no such file or directory`);
      }
    }
    if (o.namespace) icc.namespace = o.namespace;
    return icc;
  }
  const contextName = o.context ?? kc.currentContext;
  const explicitNamespace = o.namespace ?? kc.contexts.find((c) => c.name === contextName)?.value.namespace;
  if (!explicitNamespace && inClusterPossible(opts)) {
    cfg.namespace = inClusterNamespace(opts.env ?? process.env, opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
  }
  return cfg;
}

/** The only thing wrong with the kubeconfig is that it names no server (clientcmd's ErrEmptyConfig). */
function isEmptyConfig(kc: Kubeconfig, o: Overrides): boolean {
  if (o.server) return false;
  const contextName = o.context ?? kc.currentContext;
  if (contextName && !kc.contexts.some((c) => c.name === contextName)) return false;
  const clusterName = o.cluster ?? kc.contexts.find((c) => c.name === contextName)?.value.cluster;
  return !clusterName || !kc.clusters.some((c) => c.name === clusterName && c.value.server);
}

// ---------------------------------------------------------------- token files

/** How long a token read from a file is used before the file is read again (client-go: 1 min). */
export const TOKEN_FILE_REREAD_MS = 60_000;

export interface TokenFileOptions {
  /** The token already read (the config's `token`), used until the first re-read. */
  initial?: string;
  /** Defaults to TOKEN_FILE_REREAD_MS. */
  periodMs?: number;
  clock?: Clock;
  /** Called when a re-read fails and the previous token stays in use. */
  onError?: (err: unknown) => void;
}

/**
 * A bearer token kept in a file that something else rotates (the kubelet's projected
 * service-account token, a kubeconfig's tokenFile): client-go's cached file token
 * source. token() answers the cached token and reads the file again once it is older
 * than the period; a failed read keeps the previous token (reported through onError),
 * and throws only when there never was one.
 */
export class TokenFile {
  private cached?: string;
  private readAt = -Infinity;
  private readonly periodMs: number;
  private readonly clock: Clock;

  constructor(readonly path: string, private readonly o: TokenFileOptions = {}) {
    this.periodMs = o.periodMs ?? TOKEN_FILE_REREAD_MS;
    this.clock = o.clock ?? realClock;
    if (o.initial) {
      this.cached = o.initial;
      this.readAt = this.clock.now();
    }
  }

  token(): string {
    const now = this.clock.now();
    if (this.cached !== undefined && now < this.readAt + this.periodMs) return this.cached;
    try {
      // A small file, read at most once a minute: sync keeps token() usable anywhere.
      const text = readFileSync(this.path, 'utf8').trim();
      if (!text) throw new Error(`the token file ${this.path} is empty`);
      this.cached = text;
      this.readAt = now;
    } catch (err) {
      if (this.cached === undefined) throw new KubeconfigError(`unable to read token file "${this.path}": ${(err as Error).message}`);
      this.o.onError?.(err);
      // Try again at the next period, not on every request.
      this.readAt = now;
    }
    return this.cached;
  }
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
