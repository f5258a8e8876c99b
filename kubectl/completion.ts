// Shell completion the way cobra does it for kubectl: the shell script
// (commands/completion.ts) runs `tskubectl __complete ARGS... WORD` and reads one
// candidate per line ("name<TAB>description"), then ":<directive>" (cobra's
// ShellCompDirective bits). Candidates come from our commander tree (commands,
// subcommands, flags) and from the server as kubectl's completion functions ask it
// (resource types from discovery, names from lists, namespaces, nodes) or the kubeconfig
// (contexts, clusters, users). A server that cannot be reached just yields nothing.
import { Command, type Option } from 'commander';
import { Cli } from './context.js';
import { COMMANDS } from './commands/index.js';
import { extractGlobalFlags, GLOBAL_FLAGS_HELP } from './global-flags.js';

/** cobra's ShellCompDirective bits. */
export const Directive = {
  Error: 1, NoSpace: 2, NoFileComp: 4, FilterFileExt: 8, FilterDirs: 16, KeepOrder: 32, Default: 0,
} as const;

const DIRECTIVE_NAMES: [number, string][] = [
  [1, 'ShellCompDirectiveError'], [2, 'ShellCompDirectiveNoSpace'], [4, 'ShellCompDirectiveNoFileComp'],
  [8, 'ShellCompDirectiveFilterFileExt'], [16, 'ShellCompDirectiveFilterDirs'], [32, 'ShellCompDirectiveKeepOrder'],
];

export interface Completion {
  /** "value" or "value\tdescription". */
  items: string[];
  directive: number;
}

/** What cobra prints on stderr after the candidates. */
export function directiveText(d: number): string {
  const names = DIRECTIVE_NAMES.filter(([bit]) => d & bit).map(([, n]) => n);
  return `Completion ended with directive: ${names.length ? names.join(', ') : 'ShellCompDirectiveDefault'}`;
}

/** The global flags as completion offers them: name, whether it takes a value, help. */
const GLOBAL_FLAGS: { long: string; short?: string; value: boolean; help: string }[] = GLOBAL_FLAGS_HELP.split('\n')
  .map((l) => /^(?:(-\w), )?\s*(--[\w-]+)=(\S*): (.*)$/.exec(l.trim()))
  .filter((m): m is RegExpExecArray => m !== null)
  .map((m) => ({ long: m[2]!, ...(m[1] ? { short: m[1] } : {}), value: m[3] !== 'false', help: m[4]! }));

/** kubectl's completion of -o / --output. */
const OUTPUT_FORMATS = ['json', 'yaml', 'name', 'go-template', 'go-template-file', 'template', 'templatefile', 'jsonpath', 'jsonpath-as-json', 'jsonpath-file', 'custom-columns', 'custom-columns-file', 'wide'];
/** The types `logs`, `exec`, `attach` and `port-forward` accept as TYPE/NAME (kubectl's resourcesWithPods). */
const RESOURCES_WITH_PODS = ['daemonsets', 'deployments', 'pods', 'jobs', 'replicasets', 'replicationcontrollers', 'services', 'statefulsets'];

/** Commands whose operands are TYPE [NAME...] or TYPE/NAME... (kubectl's ResourceTypeAndNameCompletionFunc). */
const TYPE_AND_NAME = new Set(['get', 'describe', 'delete', 'edit', 'label', 'annotate', 'patch', 'wait', 'scale', 'autoscale', 'expose', 'taint',
  'rollout status', 'rollout history', 'rollout undo', 'rollout restart', 'rollout pause', 'rollout resume', 'set image', 'set env', 'set resources']);
const POD_COMMANDS = new Set(['logs', 'exec', 'attach', 'port-forward']);
const NODE_COMMANDS = new Set(['cordon', 'uncordon', 'drain', 'top node']);
const KUBECONFIG_NAMES: Record<string, 'contexts' | 'clusters' | 'users'> = {
  'config use-context': 'contexts', 'config delete-context': 'contexts', 'config rename-context': 'contexts', 'config set-context': 'contexts',
  'config get-contexts': 'contexts', 'config get-clusters': 'clusters', 'config delete-cluster': 'clusters', 'config set-cluster': 'clusters',
  'config delete-user': 'users', 'config set-credentials': 'users',
};

const byPrefix = (xs: Iterable<string>, prefix: string): string[] => [...xs].filter((x) => x.startsWith(prefix));
const takesValue = (o: Option): boolean => o.required || o.optional;

/**
 * The candidates for the last word of args (the word being typed, maybe empty), given the
 * words before it, as `tskubectl __complete` answers them. withDescriptions: cobra's
 * __complete (zsh, fish) rather than __completeNoDesc (bash).
 */
export async function complete(args: readonly string[], withDescriptions: boolean, env: NodeJS.ProcessEnv = process.env): Promise<Completion> {
  const toComplete = args.length ? args[args.length - 1]! : '';
  const prior = args.slice(0, -1);
  let parsed: ReturnType<typeof extractGlobalFlags>;
  try {
    parsed = extractGlobalFlags(prior);
  } catch {
    // A global flag without its value: that value is what is being typed.
    parsed = extractGlobalFlags(prior.slice(0, -1));
  }
  const cli = new Cli(parsed.flags, undefined, undefined, env);
  const desc = (name: string, help: string): string => (withDescriptions && help ? `${name}\t${help}` : name);
  try {
    // --flag=value: the value of the flag, offered with its prefix.
    const eq = /^(--[\w-]+)=(.*)$/s.exec(toComplete);
    const prev = prior[prior.length - 1];
    const globalValue = eq ? GLOBAL_FLAGS.find((g) => g.long === eq[1] && g.value) : prev === undefined ? undefined : GLOBAL_FLAGS.find((g) => (g.long === prev || g.short === prev) && g.value);
    if (globalValue) {
      // As cobra, a --flag=value word is completed with the values alone (the shell splits at "=").
      return await flagValues(cli, globalValue.long, eq ? eq[2]! : toComplete);
    }

    const root = await commandTree(cli);
    const { cmd, positional, pendingOption } = walk(root, parsed.rest);
    if (pendingOption) {
      const got = await flagValues(cli, pendingOption.long ?? '', toComplete);
      return got;
    }
    if (eq) {
      const opt = [cmd, ...ancestors(cmd)].flatMap((c) => c.options).find((o) => o.long === eq[1] && takesValue(o));
      if (opt) return await flagValues(cli, eq[1]!, eq[2]!);
    }
    if (toComplete.startsWith('-')) {
      const items: string[] = [];
      for (const c of [cmd, ...ancestors(cmd)]) {
        for (const o of c.options) {
          if (o.hidden || o.negate) continue;
          if (o.long?.startsWith(toComplete)) items.push(desc(o.long, o.description));
          if (o.short?.startsWith(toComplete)) items.push(desc(o.short, o.description));
        }
      }
      for (const g of GLOBAL_FLAGS) {
        if (g.long.startsWith(toComplete)) items.push(desc(g.long, g.help));
        if (g.short?.startsWith(toComplete)) items.push(desc(g.short, g.help));
      }
      return { items: [...new Set(items)], directive: Directive.NoFileComp };
    }
    // cobra lists subcommands by name.
    const subcommands = cmd.commands.filter((c) => !(c as Command & { _hidden?: boolean })._hidden)
      .sort((a, b) => (a.name() < b.name() ? -1 : a.name() > b.name() ? 1 : 0));
    if (subcommands.length && positional.length === 0) {
      return {
        items: subcommands.filter((c) => c.name().startsWith(toComplete)).map((c) => desc(c.name(), c.description())),
        directive: Directive.NoFileComp,
      };
    }
    return await operands(cli, commandPathOf(cmd), positional, toComplete);
  } finally {
    await cli.close();
  }
}

function ancestors(cmd: Command): Command[] {
  const out: Command[] = [];
  for (let c = cmd.parent; c; c = c.parent) out.push(c);
  return out;
}

function commandPathOf(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Every command, registered on a program of its own. */
async function commandTree(cli: Cli): Promise<Command> {
  const root = new Command('tskubectl');
  root.command('options').description('Print the list of flags inherited by all commands');
  for (const m of await Promise.all(COMMANDS.map((c) => c.load()))) m.register(root, cli);
  return root;
}

/** The command the words name, its operands so far, and the option whose value comes next (if any). */
function walk(root: Command, words: readonly string[]): { cmd: Command; positional: string[]; pendingOption?: Option } {
  let cmd = root;
  const positional: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') {
      positional.push(...words.slice(i + 1));
      break;
    }
    if (w.startsWith('-') && w !== '-') {
      if (w.includes('=')) continue;
      const opt = [cmd, ...ancestors(cmd)].flatMap((c) => c.options).find((o) => o.long === w || o.short === w);
      if (opt && opt.required) {
        if (i === words.length - 1) return { cmd, positional, pendingOption: opt };
        i++;
      }
      continue;
    }
    const sub = positional.length === 0 ? cmd.commands.find((c) => c.name() === w || c.aliases().includes(w)) : undefined;
    if (sub) cmd = sub;
    else positional.push(w);
  }
  return { cmd, positional };
}

/** The values of a flag: namespaces, contexts, output formats, manifest files... */
async function flagValues(cli: Cli, long: string, toComplete: string): Promise<Completion> {
  const kc = (): ReturnType<Cli['kubeconfig']> | undefined => {
    try {
      return cli.kubeconfig();
    } catch {
      return undefined;
    }
  };
  switch (long) {
    case '--namespace': return { items: byPrefix(await names(cli, 'namespaces', false), toComplete), directive: Directive.NoFileComp };
    case '--context': return { items: byPrefix((kc()?.contexts ?? []).map((c) => c.name), toComplete), directive: Directive.NoFileComp };
    case '--cluster': return { items: byPrefix((kc()?.clusters ?? []).map((c) => c.name), toComplete), directive: Directive.NoFileComp };
    case '--user': return { items: byPrefix((kc()?.users ?? []).map((c) => c.name), toComplete), directive: Directive.NoFileComp };
    case '--output': return { items: byPrefix(OUTPUT_FORMATS, toComplete), directive: Directive.NoFileComp };
    case '--filename': return { items: ['json', 'yaml', 'yml'], directive: Directive.FilterFileExt };
    default: return { items: [], directive: Directive.Default };
  }
}

/** The operands of a command, as kubectl's ValidArgsFunction of that command completes them. */
async function operands(cli: Cli, path: string, positional: string[], toComplete: string): Promise<Completion> {
  const noFiles = (items: string[], extra = 0): Completion => ({ items, directive: Directive.NoFileComp | extra });
  if (path === 'completion') return noFiles(byPrefix(['bash', 'zsh', 'fish'], toComplete));
  if (KUBECONFIG_NAMES[path]) {
    if (positional.length > 0) return noFiles([]);
    let kc;
    try {
      kc = cli.kubeconfig();
    } catch {
      return noFiles([]);
    }
    return noFiles(byPrefix(kc[KUBECONFIG_NAMES[path]!].map((e) => e.name), toComplete));
  }
  if (NODE_COMMANDS.has(path)) return noFiles(byPrefix(await names(cli, 'nodes', false), toComplete).filter((n) => !positional.includes(n)));
  if (path === 'top pod') return noFiles(byPrefix(await names(cli, 'pods', true), toComplete));
  if (path === 'explain') return positional.length ? noFiles([]) : noFiles(byPrefix(await resourceTypes(cli), toComplete));
  if (POD_COMMANDS.has(path)) {
    if (positional.length > 0) return noFiles([]);
    const slash = toComplete.indexOf('/');
    if (slash >= 0) {
      const type = toComplete.slice(0, slash);
      return noFiles(byPrefix(await names(cli, type, true), toComplete.slice(slash + 1)).map((n) => `${type}/${n}`));
    }
    const pods = byPrefix(await names(cli, 'pods', true), toComplete);
    const types = byPrefix(RESOURCES_WITH_PODS, toComplete).map((t) => `${t}/`);
    return noFiles([...pods, ...types], pods.length === 0 ? Directive.NoSpace : 0);
  }
  if (TYPE_AND_NAME.has(path)) {
    if (positional.length > 0 && !positional[0]!.includes('/')) {
      return noFiles(byPrefix(await names(cli, positional[0]!, true), toComplete).filter((n) => !positional.slice(1).includes(n)));
    }
    const slash = toComplete.indexOf('/');
    if (slash >= 0) {
      const type = toComplete.slice(0, slash);
      return noFiles(byPrefix(await names(cli, type, true), toComplete.slice(slash + 1)).map((n) => `${type}/${n}`));
    }
    const types = byPrefix(await resourceTypes(cli), toComplete);
    // After a TYPE/NAME operand every operand is TYPE/NAME: the type and its slash.
    return positional.length === 0 ? noFiles(types) : noFiles(types.map((t) => `${t}/`), Directive.NoSpace);
  }
  return { items: [], directive: Directive.Default };
}

/** `api-resources -o name --verbs=get`: the served types as kubectl completes them. */
async function resourceTypes(cli: Cli): Promise<string[]> {
  try {
    const { discoverResources } = await import('./commands/api-resources.js');
    const all = (await discoverResources(cli)).filter((r) => (r.resource.verbs ?? []).includes('get'));
    const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
    all.sort((a, b) => cmp(a.apiGroup, b.apiGroup) || cmp(a.resource.name, b.resource.name));
    return all.map((r) => (r.apiGroup ? `${r.resource.name}.${r.apiGroup}` : r.resource.name));
  } catch {
    return [];
  }
}

/** The names of the objects of a type (in the namespace when namespaced), or none when they cannot be listed. */
async function names(cli: Cli, type: string, namespaced: boolean): Promise<string[]> {
  try {
    const ri = await cli.resource(type);
    const list = await cli.client(ri).list(ri.namespaced && namespaced ? cli.namespace() : undefined);
    return list.items.map((o) => o.metadata.name ?? '');
  } catch {
    return [];
  }
}

/** `tskubectl __complete ARGS... WORD`: the candidates on stdout, cobra's directive note on stderr. */
export async function answerCompletion(args: readonly string[], withDescriptions: boolean): Promise<number> {
  const { items, directive } = await complete(args, withDescriptions);
  process.stdout.write(`${items.map((i) => `${i}\n`).join('')}:${directive}\n`);
  process.stderr.write(`${directiveText(directive)}\n`);
  return 0;
}
