// tskubectl config: read and edit kubeconfig files as kubectl's `config` does (view,
// get-contexts, get-clusters, get-users, current-context, use-context, set-context,
// delete-context, rename-context). Edits go to the file that defines the entry, else to
// the default file (--kubeconfig; else the first existing KUBECONFIG file; else
// ~/.kube/config), keeping everything else in it.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  kubeconfigPaths, readKubeconfigDocument, writeKubeconfigDocument, type Kubeconfig, type Named,
} from '../../client/kubeconfig.js';
import type { Cli } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { collectList, collectRepeat } from '../command-flags.js';
import { modifyProperty, namedEntryOf, parsePropertyPath, PropertyError } from '../kubeconfig-properties.js';
import { toYaml } from '../printers/object.js';
import { executeJsonPath, parseOutput } from '../printers/output.js';
import { tabulate } from '../printers/tabwriter.js';

export function register(program: Command, cli: Cli): void {
  const config = program.command('config')
    .description('Modify kubeconfig files using subcommands like "tskubectl config use-context my-context"');

  config.command('view')
    .description('Display merged kubeconfig settings or a specified kubeconfig file')
    .option('--minify', 'Remove all information not used by current-context from the output')
    .option('--raw', 'Display raw byte data and sensitive data')
    .option('--flatten', 'Flatten the resulting kubeconfig file into self-contained output')
    .option('-o, --output <format>', 'Output format: yaml (default), json, jsonpath=...')
    .action((opts: ViewOptions) => {
      cli.out.write(viewConfig(cli, opts));
    });

  config.command('get-contexts')
    .description('Describe one or many contexts')
    .argument('[names...]')
    .option('-o, --output <format>', 'Output format. One of: (name).')
    .option('--no-headers', 'When using the default or custom-column output format, don\'t print headers (default print headers).')
    .action((names: string[], opts: { output?: string; headers?: boolean }) => {
      getContexts(cli, names, opts);
    });

  config.command('get-clusters')
    .description('Display clusters defined in the kubeconfig')
    .action(() => {
      cli.print(['NAME', ...cli.kubeconfig().clusters.map((c) => c.name).sort()].join('\n'));
    });

  config.command('get-users')
    .description('Display users defined in the kubeconfig')
    .action(() => {
      cli.print(['NAME', ...cli.kubeconfig().users.map((u) => u.name).sort()].join('\n'));
    });

  config.command('current-context')
    .description('Display the current-context')
    .action(() => {
      const cur = cli.kubeconfig().currentContext;
      if (!cur) throw new CliError('error: current-context is not set');
      cli.print(cur);
    });

  config.command('use-context').alias('use')
    .description('Set the current-context in a kubeconfig file')
    .argument('<name>')
    .action((name: string) => {
      useContext(cli, name);
    });

  config.command('set-context')
    .description('Set a context entry in kubeconfig (--cluster, --user and --namespace set its fields)')
    .argument('[name]')
    .option('--current', 'Modify the current context')
    .action((name: string | undefined, opts: { current?: boolean }) => {
      setContext(cli, name, opts.current ?? false);
    });

  config.command('delete-context')
    .description('Delete the specified context from the kubeconfig')
    .argument('<name>')
    .action((name: string) => {
      deleteContext(cli, name);
    });

  registerEntryEdits(config, cli);

  config.command('rename-context')
    .description('Rename a context from the kubeconfig file')
    .argument('<old>')
    .argument('<new>')
    .action((from: string, to: string) => {
      renameContext(cli, from, to);
    });
}

// ---------------------------------------------------------------- view

interface ViewOptions { minify?: boolean; raw?: boolean; flatten?: boolean; output?: string }

const DATA_OMITTED = 'DATA+OMITTED';
const REDACTED = 'REDACTED';

// Field order of client-go's v1 Cluster, AuthInfo and Context (what -o json shows).
const CLUSTER_FIELDS = ['server', 'tls-server-name', 'insecure-skip-tls-verify', 'certificate-authority', 'certificate-authority-data', 'proxy-url', 'disable-compression', 'extensions'];
const USER_FIELDS = ['client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'token', 'tokenFile', 'as', 'as-uid', 'as-groups', 'as-user-extra', 'username', 'password', 'auth-provider', 'exec', 'extensions'];
const CONTEXT_FIELDS = ['cluster', 'user', 'namespace', 'extensions'];

// Fields client-go's v1 types always write (no omitempty): a cluster's server, a
// context's cluster and user.
const REQUIRED: Record<string, string[]> = { cluster: ['server'], user: [], context: ['cluster', 'user'] };

/** The fields of v in kubectl's order, unknown ones after; unset ones dropped unless required. */
function ordered(v: object, fields: string[], required: string[] = []): Record<string, unknown> {
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of [...fields, ...Object.keys(src).filter((k) => !fields.includes(k)).sort()]) {
    const x = src[k];
    if (x !== undefined && x !== null && x !== '' && x !== false) out[k] = x;
    else if (required.includes(k)) out[k] = typeof x === 'string' ? x : '';
  }
  return out;
}

const byName = <T>(list: Named<T>[]): Named<T>[] => [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** The merged kubeconfig as kubectl's `config view` prints it. */
export function viewObject(kc: Kubeconfig, o: { minify?: boolean; raw?: boolean; flatten?: boolean; context?: string; baseDir?: (entry: object) => string | undefined }): Record<string, unknown> {
  let clusters = byName(kc.clusters);
  let users = byName(kc.users);
  let contexts = byName(kc.contexts);
  const current = o.context ?? kc.currentContext;
  if (o.minify) {
    if (!current) throw new CliError('error: current-context must exist in order to minify');
    const ctx = contexts.find((c) => c.name === current);
    if (!ctx) throw new CliError(`error: cannot locate context ${current}`);
    contexts = [ctx];
    const clusterName = ctx.value.cluster;
    if (clusterName && !clusters.some((c) => c.name === clusterName)) throw new CliError(`error: cannot locate cluster ${clusterName}`);
    clusters = clusters.filter((c) => c.name === clusterName);
    const userName = ctx.value.user;
    if (userName && !users.some((u) => u.name === userName)) throw new CliError(`error: cannot locate user ${userName}`);
    users = users.filter((u) => u.name === userName);
  }
  const fileData = (file: unknown, entry: object): string | undefined => {
    if (typeof file !== 'string' || !file) return undefined;
    try {
      return readFileSync(resolve(o.baseDir?.(entry) ?? '.', file)).toString('base64');
    } catch {
      throw new CliError(`error: open ${file}: no such file or directory`);
    }
  };
  const clusterOut = clusters.map((c) => {
    const v: Record<string, unknown> = { ...c.value };
    if (o.flatten && v['certificate-authority']) {
      v['certificate-authority-data'] = fileData(v['certificate-authority'], c.value);
      delete v['certificate-authority'];
    }
    if (!o.raw && v['certificate-authority-data']) v['certificate-authority-data'] = DATA_OMITTED;
    return { name: c.name, cluster: ordered(v, CLUSTER_FIELDS, REQUIRED.cluster) };
  });
  const userOut = users.map((u) => {
    const v: Record<string, unknown> = { ...u.value };
    if (o.flatten) {
      for (const f of ['client-certificate', 'client-key']) {
        if (v[f]) {
          v[`${f}-data`] = fileData(v[f], u.value);
          delete v[f];
        }
      }
    }
    if (!o.raw) {
      for (const f of ['client-certificate-data', 'client-key-data']) if (v[f]) v[f] = DATA_OMITTED;
      for (const f of ['token', 'password']) if (v[f]) v[f] = REDACTED;
    }
    return { name: u.name, user: ordered(v, USER_FIELDS) };
  });
  const contextOut = contexts.map((c) => ({ name: c.name, context: ordered(c.value, CONTEXT_FIELDS, REQUIRED.context) }));
  return {
    kind: 'Config',
    apiVersion: 'v1',
    preferences: kc.preferences ?? {},
    clusters: clusterOut.length ? clusterOut : null,
    users: userOut.length ? userOut : null,
    contexts: contextOut.length ? contextOut : null,
    'current-context': current ?? '',
  };
}

/**
 * The files merged as kubectl merges them (the first to define a name or set
 * current-context wins), with every value as written: `config view` shows relative
 * paths unresolved. fileOf says which file each cluster and user came from.
 */
function rawKubeconfig(cli: Cli): { kc: Kubeconfig; dirOf: Map<object, string> } {
  const { paths, explicit } = kubeconfigPaths({ kubeconfig: cli.flags.kubeconfig, env: cli.env });
  const kc: Kubeconfig = { clusters: [], users: [], contexts: [], currentContext: '', preferences: {}, files: paths };
  const dirOf = new Map<object, string>();
  for (const file of paths) {
    if (!existsSync(file)) {
      if (explicit) throw new CliError(`error: stat ${file}: no such file or directory`);
      continue;
    }
    const doc = readKubeconfigDocument(file);
    const add = <T extends object>(list: Named<T>[], key: string, field: string): void => {
      for (const e of (Array.isArray(doc[key]) ? doc[key] : []) as NamedEntry[]) {
        if (typeof e?.name !== 'string' || list.some((x) => x.name === e.name)) continue;
        const value = { ...((e[field] ?? {}) as T) };
        dirOf.set(value, dirname(file));
        list.push({ name: e.name, value });
      }
    };
    add(kc.clusters, 'clusters', 'cluster');
    add(kc.users, 'users', 'user');
    add(kc.contexts, 'contexts', 'context');
    if (!kc.currentContext && typeof doc['current-context'] === 'string') kc.currentContext = doc['current-context'];
    if (Object.keys(kc.preferences).length === 0 && doc.preferences && typeof doc.preferences === 'object') kc.preferences = doc.preferences as Record<string, unknown>;
  }
  return { kc, dirOf };
}

function viewConfig(cli: Cli, opts: ViewOptions): string {
  const { kc, dirOf } = rawKubeconfig(cli);
  // --flatten makes a self-contained file: it implies --raw.
  const obj = viewObject(kc, { ...opts, raw: opts.raw || opts.flatten, context: cli.flags.context, baseDir: (v) => dirOf.get(v) });
  const f = parseOutput(opts.output ?? 'yaml');
  if (f.kind === 'json') return `${JSON.stringify(obj, null, 4)}\n`;
  if (f.kind === 'yaml') return toYaml(obj);
  if (f.kind === 'jsonpath') return executeJsonPath(f.template!, JSON.parse(JSON.stringify(obj)), f.asJson);
  throw new CliError(`error: unable to match a printer suitable for the output format "${opts.output}", allowed formats are: json,jsonpath,jsonpath-as-json,jsonpath-file,yaml`);
}

// ---------------------------------------------------------------- get-contexts

function getContexts(cli: Cli, names: string[], opts: { output?: string; headers?: boolean }): void {
  const output = (opts.output ?? '').replace(/^=/, '');
  if (output !== '' && output !== 'name') throw new CliError(`error: output must be one of '' or 'name': ${output}`);
  const kc = cli.kubeconfig();
  const errors: string[] = [];
  let toPrint: string[];
  if (names.length === 0) {
    toPrint = kc.contexts.map((c) => c.name);
  } else {
    toPrint = [];
    for (const n of names) {
      if (kc.contexts.some((c) => c.name === n)) toPrint.push(n);
      else errors.push(`context ${n} not found`);
    }
  }
  toPrint.sort();
  if (output === 'name') {
    cli.out.write(toPrint.map((n) => `${n}\n`).join(''));
  } else {
    const rows: string[][] = opts.headers === false ? [] : [['CURRENT', 'NAME', 'CLUSTER', 'AUTHINFO', 'NAMESPACE']];
    for (const n of toPrint) {
      const ctx = kc.contexts.find((c) => c.name === n)!.value;
      rows.push([kc.currentContext === n ? '*' : ' ', n, ctx.cluster ?? '', ctx.user ?? '', ctx.namespace ?? '']);
    }
    cli.out.write(tabulate(rows));
  }
  // kubectl prefixes a single error with "error: "; several print one per line, bare.
  if (errors.length) throw new CliError(errors.length === 1 ? `error: ${errors[0]}` : errors.join('\n'));
}

// ---------------------------------------------------------------- edits

/** clientcmd's GetDefaultFilename: where new entries and current-context are written. */
export function defaultKubeconfigFile(cli: Cli): string {
  const { paths, explicit } = kubeconfigPaths({ kubeconfig: cli.flags.kubeconfig, env: cli.env });
  if (explicit || paths.length === 1) return paths[0]!;
  return paths.find((p) => existsSync(p)) ?? paths[paths.length - 1]!;
}

type Doc = Record<string, unknown>;
interface NamedEntry { name?: string; [field: string]: unknown }

const entries = (doc: Doc, key: string): NamedEntry[] => {
  const list = doc[key];
  if (!Array.isArray(list)) {
    doc[key] = [];
    return doc[key] as NamedEntry[];
  }
  return list as NamedEntry[];
};

/** The first file (in loading precedence) that defines a context of that name. */
function fileDefiningContext(cli: Cli, name: string): string | undefined {
  return fileDefining(cli, 'contexts', name);
}

/** The first file (in loading precedence) whose list (clusters, users, contexts) has an entry of that name. */
function fileDefining(cli: Cli, list: string, name: string): string | undefined {
  const { paths } = kubeconfigPaths({ kubeconfig: cli.flags.kubeconfig, env: cli.env });
  return paths.find((p) => existsSync(p) && entries(readKubeconfigDocument(p), list).some((e) => e.name === name));
}

/** Reads, edits and writes one file; kubectl writes its named lists sorted by name. */
function editFile(file: string, edit: (doc: Doc) => void): void {
  const doc = readKubeconfigDocument(file);
  edit(doc);
  writeKubeconfigDocument(file, normalizeDocument(doc));
}

/**
 * The document as clientcmd writes a v1 Config: named lists sorted by name (null when
 * empty), empty and false fields of clusters, users and contexts left out, preferences
 * and current-context always present. Fields clientcmd does not know are kept.
 */
export function normalizeDocument(doc: Doc): Doc {
  const out: Doc = { ...doc, apiVersion: doc.apiVersion ?? 'v1', kind: doc.kind ?? 'Config' };
  out.preferences = doc.preferences && typeof doc.preferences === 'object' ? doc.preferences : {};
  out['current-context'] = typeof doc['current-context'] === 'string' ? doc['current-context'] : '';
  for (const [key, field] of [['clusters', 'cluster'], ['users', 'user'], ['contexts', 'context']] as const) {
    const list = Array.isArray(doc[key]) ? [...(doc[key] as NamedEntry[])] : [];
    list.sort((a, b) => ((a?.name ?? '') < (b?.name ?? '') ? -1 : (a?.name ?? '') > (b?.name ?? '') ? 1 : 0));
    out[key] = list.length ? list.map((e) => {
      const value = e[field];
      const kept = value && typeof value === 'object' ? dropEmpty(value as Record<string, unknown>) : {};
      for (const k of REQUIRED[field]!) if (typeof kept[k] !== 'string') kept[k] = '';
      return { ...e, [field]: kept };
    }) : null;
  }
  return out;
}

function dropEmpty(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== '' && v !== false
    && !(Array.isArray(v) && v.length === 0)));
}

function useContext(cli: Cli, name: string): void {
  const kc = cli.kubeconfig();
  if (!kc.contexts.some((c) => c.name === name)) throw new CliError(`error: no context exists with the name: ${JSON.stringify(name)}`);
  if (kc.currentContext !== name) {
    editFile(defaultKubeconfigFile(cli), (doc) => {
      doc['current-context'] = name;
    });
  }
  cli.print(`Switched to context ${JSON.stringify(name)}.`);
}

function setContext(cli: Cli, nameArg: string | undefined, current: boolean): void {
  if (!nameArg && !current) throw new CliError('error: you must specify a non-empty context name or --current');
  if (nameArg && current) throw new CliError('error: you cannot specify both a context name and --current');
  const kc = cli.kubeconfig();
  let name = nameArg ?? '';
  if (current) {
    if (!kc.currentContext) throw new CliError('error: no current context is set');
    name = kc.currentContext;
  }
  const file = fileDefiningContext(cli, name);
  const exists = file !== undefined;
  const { cluster, user, namespace } = cli.flags;
  editFile(file ?? defaultKubeconfigFile(cli), (doc) => {
    const list = entries(doc, 'contexts');
    let entry = list.find((e) => e.name === name);
    if (!entry) {
      entry = { name, context: {} };
      list.push(entry);
    }
    const ctx = (entry.context && typeof entry.context === 'object' ? entry.context : {}) as Record<string, unknown>;
    if (cluster !== undefined) ctx.cluster = cluster;
    if (user !== undefined) ctx.user = user;
    if (namespace !== undefined) ctx.namespace = namespace;
    for (const k of ['cluster', 'user', 'namespace']) if (ctx[k] === '') delete ctx[k];
    entry.context = ctx;
  });
  cli.print(`Context ${JSON.stringify(name)} ${exists ? 'modified' : 'created'}.`);
}

function deleteContext(cli: Cli, name: string): void {
  const file = fileDefiningContext(cli, name);
  if (!file) throw new CliError(`error: cannot delete context ${name}, not in ${defaultKubeconfigFile(cli)}`);
  if (cli.kubeconfig().currentContext === name) cli.warn(`warning: this removed your active context, use "tskubectl config use-context" to select a different one`);
  editFile(file, (doc) => {
    doc.contexts = entries(doc, 'contexts').filter((e) => e.name !== name);
  });
  cli.print(`deleted context ${name} from ${file}`);
}

function renameContext(cli: Cli, from: string, to: string): void {
  const kc = cli.kubeconfig();
  const file = fileDefiningContext(cli, from);
  if (!file) throw new CliError(`error: cannot rename the context ${JSON.stringify(from)}, it's not in ${defaultKubeconfigFile(cli)}`);
  if (kc.contexts.some((c) => c.name === to)) throw new CliError(`error: cannot rename the context ${JSON.stringify(from)}, the context ${JSON.stringify(to)} already exists in ${file}`);
  editFile(file, (doc) => {
    for (const e of entries(doc, 'contexts')) if (e.name === from) e.name = to;
    if (doc['current-context'] === from) doc['current-context'] = to;
  });
  cli.print(`Context ${JSON.stringify(from)} renamed to ${JSON.stringify(to)}.`);
}

// ---------------------------------------------------------------- set-cluster, set-credentials, set, unset, delete-cluster, delete-user

interface SetClusterOptions { embedCerts?: boolean; tlsServerName?: string; proxyUrl?: string }
interface SetCredentialsOptions {
  embedCerts?: boolean; username?: string; password?: string;
  authProvider?: string; authProviderArg?: string[];
  execCommand?: string; execApiVersion?: string; execArg?: string[]; execEnv?: string[];
}

/**
 * The subcommands that write clusters, users and single properties. --server,
 * --certificate-authority, --insecure-skip-tls-verify, --token, --client-certificate and
 * --client-key are global flags here as in kubectl (taken out of argv first): they are
 * read from cli.flags, and declared below only for --help.
 */
function registerEntryEdits(config: Command, cli: Cli): void {
  const setCluster = config.command('set-cluster')
    .description('Set a cluster entry in kubeconfig')
    .usage('NAME [--server=server] [--certificate-authority=path/to/certificate/authority] [--insecure-skip-tls-verify=true] [--tls-server-name=example.com] [options]')
    .argument('[args...]')
    .option('--certificate-authority <path>', 'Path to certificate-authority file for the cluster entry in kubeconfig')
    .option('--embed-certs', 'embed-certs for the cluster entry in kubeconfig')
    .option('--insecure-skip-tls-verify', 'insecure-skip-tls-verify for the cluster entry in kubeconfig')
    .option('--proxy-url <url>', 'proxy-url for the cluster entry in kubeconfig')
    .option('--server <server>', 'server for the cluster entry in kubeconfig')
    .option('--tls-server-name <name>', 'tls-server-name for the cluster entry in kubeconfig');
  setCluster.action((args: string[], opts: SetClusterOptions) => {
    if (args.length !== 1) {
      setCluster.outputHelp();
      throw new CliError(`error: Unexpected args: [${args.join(' ')}]`);
    }
    runSetCluster(cli, args[0]!, opts);
  });

  const setCredentials = config.command('set-credentials')
    .description('Set a user entry in kubeconfig')
    .usage('NAME [--client-certificate=path/to/certfile] [--client-key=path/to/keyfile] [--token=bearer_token] [--username=basic_user] [--password=basic_password] [--auth-provider=provider_name] [--auth-provider-arg=key=value] [--exec-command=exec_command] [--exec-api-version=exec_api_version] [--exec-arg=arg] [--exec-env=key=value] [options]')
    .argument('[args...]')
    .option('--auth-provider <name>', 'Auth provider for the user entry in kubeconfig')
    .option('--auth-provider-arg <key=value>', '\'key=value\' arguments for the auth provider', collectList)
    .option('--client-certificate <path>', 'Path to client-certificate file for the user entry in kubeconfig')
    .option('--client-key <path>', 'Path to client-key file for the user entry in kubeconfig')
    .option('--embed-certs', 'Embed client cert/key for the user entry in kubeconfig')
    .option('--exec-api-version <version>', 'API version of the exec credential plugin for the user entry in kubeconfig')
    .option('--exec-arg <arg>', 'New arguments for the exec credential plugin command for the user entry in kubeconfig', collectList)
    .option('--exec-command <command>', 'Command for the exec credential plugin for the user entry in kubeconfig')
    .option('--exec-env <key=value>', '\'key=value\' environment values for the exec credential plugin', collectRepeat)
    .option('--password <password>', 'password for the user entry in kubeconfig')
    .option('--token <token>', 'token for the user entry in kubeconfig')
    .option('--username <username>', 'username for the user entry in kubeconfig');
  setCredentials.action((args: string[], opts: SetCredentialsOptions) => {
    if (args.length !== 1) {
      setCredentials.outputHelp();
      throw new CliError(`error: Unexpected args: [${args.join(' ')}]`);
    }
    runSetCredentials(cli, args[0]!, opts);
  });

  const set = config.command('set')
    .description('Set an individual value in a kubeconfig file')
    .usage('PROPERTY_NAME PROPERTY_VALUE [options]')
    .argument('[args...]')
    .option('--set-raw-bytes [bool]', 'When writing a []byte PROPERTY_VALUE, write the given string directly without base64 decoding.');
  set.action((args: string[], opts: { setRawBytes?: boolean | string }) => {
    if (args.length !== 2) {
      set.outputHelp();
      throw new CliError(`error: Unexpected args: [${args.join(' ')}]`);
    }
    const [name, value] = args as [string, string];
    if (value === '') throw new CliError('error: you cannot use set to unset a property');
    if (name === '') throw new CliError('error: you must specify a property');
    const raw = opts.setRawBytes === true || opts.setRawBytes === 'true';
    editProperty(cli, name, value, raw);
    cli.print(`Property ${JSON.stringify(name)} set.`);
  });

  const unset = config.command('unset')
    .description('Unset an individual value in a kubeconfig file')
    .usage('PROPERTY_NAME [options]')
    .argument('[args...]');
  unset.action((args: string[]) => {
    if (args.length !== 1) {
      unset.outputHelp();
      throw new CliError(`error: Unexpected args: [${args.join(' ')}]`);
    }
    if (args[0] === '') throw new CliError('error: you must specify a property');
    editProperty(cli, args[0]!, undefined, false);
    cli.print(`Property ${JSON.stringify(args[0])} unset.`);
  });

  for (const [verb, list, what] of [['delete-cluster', 'clusters', 'cluster'], ['delete-user', 'users', 'user']] as const) {
    const del = config.command(verb)
      .description(`Delete the specified ${what} from the kubeconfig`)
      .usage(`NAME [options]`)
      .argument('[args...]');
    del.action((args: string[]) => {
      if (args.length !== 1) {
        // kubectl's delete-user refuses; its delete-cluster prints its help and succeeds.
        if (what === 'user') throw usageError('config delete-user', 'user to delete is required');
        del.outputHelp();
        return;
      }
      deleteEntry(cli, list, what, args[0]!);
    });
  }
}

/** The entry of list named name in a document, created empty when absent. */
function entryValue(doc: Doc, list: string, field: string, name: string): Record<string, unknown> {
  const all = entries(doc, list);
  let entry = all.find((e) => e.name === name);
  if (!entry) {
    entry = { name, [field]: {} };
    all.push(entry);
  }
  if (!entry[field] || typeof entry[field] !== 'object') entry[field] = {};
  return entry[field] as Record<string, unknown>;
}

/** clientcmd's ModifyConfig target: the file defining the entry, else the default file. */
function fileFor(cli: Cli, list: string, name: string): string {
  return fileDefining(cli, list, name) ?? defaultKubeconfigFile(cli);
}

function statOrFail(flag: string, path: string): void {
  try {
    statSync(path);
  } catch {
    throw new CliError(`error: could not stat ${flag} file ${path}: stat ${path}: no such file or directory`);
  }
}

function runSetCluster(cli: Cli, name: string, o: SetClusterOptions): void {
  if (name === '') throw new CliError('error: you must specify a non-empty cluster name');
  const { server, certificateAuthority: ca, insecureSkipTLSVerify: insecure } = cli.flags;
  if (insecure && ca) throw new CliError('error: you cannot specify a certificate authority and insecure mode at the same time');
  if (o.embedCerts) {
    if (!ca) throw new CliError('error: you must specify a --certificate-authority to embed');
    statOrFail('certificate-authority', ca);
  }
  editFile(fileFor(cli, 'clusters', name), (doc) => {
    const c = entryValue(doc, 'clusters', 'cluster', name);
    if (server !== undefined) {
      c.server = server;
      // A new server drops the old one's TLS server name (unless given again below).
      delete c['tls-server-name'];
    }
    if (o.tlsServerName !== undefined) c['tls-server-name'] = o.tlsServerName;
    if (insecure !== undefined) {
      c['insecure-skip-tls-verify'] = insecure;
      if (insecure) {
        delete c['certificate-authority'];
        delete c['certificate-authority-data'];
      }
    }
    if (ca !== undefined) {
      if (o.embedCerts) {
        c['certificate-authority-data'] = readFileSync(ca).toString('base64');
        delete c['insecure-skip-tls-verify'];
        delete c['certificate-authority'];
      } else {
        c['certificate-authority'] = resolve(ca);
        delete c['insecure-skip-tls-verify'];
        delete c['certificate-authority-data'];
      }
    }
    if (o.proxyUrl !== undefined) c['proxy-url'] = o.proxyUrl;
  });
  cli.print(`Cluster ${JSON.stringify(name)} set.`);
}

/** kubectl's ParsePairs: `key=value` to set, `key-` to remove. */
function parsePairs(values: string[], flag: string): { set: [string, string][]; remove: string[] } {
  const set: [string, string][] = [];
  const remove: string[] = [];
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq > 0) set.push([v.slice(0, eq), v.slice(eq + 1)]);
    else if (v.endsWith('-') && v.length > 1) remove.push(v.slice(0, -1));
    else throw new CliError(`error: Error: invalid ${flag}: ${v}`);
  }
  return { set, remove };
}

function runSetCredentials(cli: Cli, name: string, o: SetCredentialsOptions): void {
  const { token, clientCertificate: cert, clientKey: key } = cli.flags;
  const providerArgs = parsePairs(o.authProviderArg ?? [], 'auth-provider-arg');
  const execEnv = parsePairs(o.execEnv ?? [], 'exec-env');
  if (name === '') throw new CliError('error: you must specify a non-empty user name');
  const methods: string[] = [];
  if (token) methods.push('--token');
  if (o.username || o.password) methods.push('--username/--password');
  if (methods.length > 1) throw new CliError(`error: you cannot specify more than one authentication method at the same time: ${methods.join(', ')}`);
  if (o.embedCerts) {
    if (!cert && !key) throw new CliError('error: you must specify a --client-certificate or --client-key to embed');
    if (cert) statOrFail('client-certificate', cert);
    if (key) statOrFail('client-key', key);
  }
  editFile(fileFor(cli, 'users', name), (doc) => {
    const u = entryValue(doc, 'users', 'user', name);
    for (const [path, field] of [[cert, 'client-certificate'], [key, 'client-key']] as const) {
      if (path === undefined) continue;
      if (o.embedCerts) {
        u[`${field}-data`] = readFileSync(path).toString('base64');
        delete u[field];
      } else {
        u[field] = resolve(path);
        delete u[`${field}-data`];
      }
    }
    let setToken = false;
    let setBasic = false;
    if (token !== undefined) {
      u.token = token;
      setToken = token !== '';
    }
    if (o.username !== undefined) {
      u.username = o.username;
      setBasic ||= o.username !== '';
    }
    if (o.password !== undefined) {
      u.password = o.password;
      setBasic ||= o.password !== '';
    }
    const provider = (u['auth-provider'] && typeof u['auth-provider'] === 'object' ? u['auth-provider'] : undefined) as { name?: string; config?: Record<string, string> } | undefined;
    let ap = provider;
    if (o.authProvider !== undefined && (!ap || ap.name !== o.authProvider)) ap = { name: o.authProvider };
    if (ap) {
      ap.config ??= {};
      for (const k of providerArgs.remove) delete ap.config[k];
      for (const [k, v] of providerArgs.set) ap.config[k] = v;
      u['auth-provider'] = ap;
    }
    let exec = (u.exec && typeof u.exec === 'object' ? u.exec : undefined) as { command?: string; apiVersion?: string; args?: string[]; env?: { name: string; value: string }[]; provideClusterInfo?: boolean } | undefined;
    if (o.execCommand !== undefined) {
      if (!exec) exec = { command: o.execCommand, provideClusterInfo: false };
      else {
        exec.command = o.execCommand;
        delete exec.args;
      }
      u.exec = exec;
    }
    if (exec) {
      if (o.execApiVersion !== undefined) exec.apiVersion = o.execApiVersion;
      if (o.execArg?.length) exec.args = o.execArg;
      if (execEnv.remove.length) exec.env = (exec.env ?? []).filter((e) => !execEnv.remove.includes(e.name));
      for (const [k, v] of execEnv.set) {
        const found = (exec.env ??= []).find((e) => e.name === k);
        if (found) found.value = v;
        else exec.env.push({ name: k, value: v });
      }
    }
    // Setting one kind of credential clears the other.
    if (setToken || setBasic) {
      if (!setToken) delete u.token;
      if (!setBasic) {
        delete u.username;
        delete u.password;
      }
    }
  });
  cli.print(`User ${JSON.stringify(name)} set.`);
}

function editProperty(cli: Cli, path: string, value: string | undefined, rawBytes: boolean): void {
  try {
    const steps = parsePropertyPath(path);
    const entry = namedEntryOf(steps);
    const file = entry ? fileFor(cli, entry.list, entry.name) : defaultKubeconfigFile(cli);
    const doc = readKubeconfigDocument(file);
    const before = JSON.stringify(doc);
    modifyProperty(doc, steps, value, rawBytes);
    // clientcmd writes only what changed: unsetting what is not there leaves the file alone.
    if (JSON.stringify(doc) !== before) writeKubeconfigDocument(file, normalizeDocument(doc));
  } catch (err) {
    if (err instanceof PropertyError) throw new CliError(`error: ${err.message}`);
    throw err;
  }
}

function deleteEntry(cli: Cli, list: 'clusters' | 'users', what: string, name: string): void {
  const { explicit } = kubeconfigPaths({ kubeconfig: cli.flags.kubeconfig, env: cli.env });
  const shown = explicit ? resolve(cli.flags.kubeconfig!) : defaultKubeconfigFile(cli);
  const file = fileDefining(cli, list, name);
  if (!file) throw new CliError(`error: cannot delete ${what} ${name}, not in ${shown}`);
  editFile(file, (doc) => {
    doc[list] = entries(doc, list).filter((e) => e.name !== name);
  });
  cli.print(`deleted ${what} ${name} from ${shown}`);
}
