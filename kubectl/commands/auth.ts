// `tskubectl auth can-i VERB [TYPE | TYPE/NAME | NONRESOURCEURL]` and `tskubectl auth
// whoami`, as kubectl's pkg/cmd/auth: can-i asks the server a SelfSubjectAccessReview
// ("yes", exit 0; "no", exit 1) or, with --list, a SelfSubjectRulesReview printed as the
// Resources / Non-Resource URLs / Resource Names / Verbs table; whoami asks a
// SelfSubjectReview. Both pair with the --as / --as-group / --as-uid global flags.
import type { Command } from 'commander';
import { isForbidden, isNotFound } from '../../api/errors.js';
import type { SelfSubjectReview } from '../../api/types/authentication.js';
import type { SelfSubjectRulesReview, SubjectAccessReview } from '../../api/types/authorization.js';
import type { PolicyRule } from '../../api/types/rbac.js';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { displayRules, ruleCells } from '../policy-rules.js';
import { formatGeneric, parseOutput } from '../printers/output.js';
import { tabulate } from '../printers/tabwriter.js';

/** kubectl's resourceVerbs and nonResourceURLVerbs: others get a "not a known verb" warning. */
const RESOURCE_VERBS = new Set(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'use', 'bind', 'impersonate', '*', 'approve', 'sign', 'escalate', 'attest']);
const NON_RESOURCE_VERBS = new Set(['get', 'put', 'post', 'head', 'options', 'delete', 'patch', '*']);
/** Resources the server authorizes but does not serve (impersonate users and groups): no warning for them. */
const NON_STANDARD_RESOURCES = new Set(['users', 'groups']);

interface CanIOptions {
  allNamespaces?: boolean;
  quiet?: boolean;
  subresource?: string;
  list?: boolean;
  headers?: boolean;
}

export function register(program: Command, cli: Cli): void {
  const auth = program.command('auth')
    .description('Inspect authorization')
    .usage('[flags] [options]');

  auth.command('can-i')
    .description('Check whether an action is allowed')
    .usage('VERB [TYPE | TYPE/NAME | NONRESOURCEURL] [options]')
    .argument('[args...]')
    .option('-A, --all-namespaces', 'If true, check the specified action in all namespaces.')
    .option('-q, --quiet', 'If true, suppress output and just return the exit code.')
    .option('--subresource <subresource>', 'SubResource such as pod/log or deployment/scale', '')
    .option('--list', 'If true, prints all allowed actions.')
    .option('--no-headers', 'If true, prints allowed actions without headers')
    .addHelpText('before', `Check whether an action is allowed.

 VERB is a logical Kubernetes API verb like 'get', 'list', 'watch', 'delete', etc. TYPE is a Kubernetes resource. Shortcuts and groups will be resolved. NONRESOURCEURL is a partial URL that starts with "/". NAME is the name of a particular Kubernetes resource. This command pairs nicely with impersonation. See --as global flag.
`)
    .action(async (args: string[], opts: CanIOptions) => runCanI(cli, args, opts));

  auth.command('whoami')
    .description('Experimental: Check self subject attributes')
    .option('-o, --output <format>', 'Output format. One of: (json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file).')
    .action(async (opts: { output?: string }) => runWhoAmI(cli, opts.output));
}

/** What can-i asks about: a resource (group, plural, name) or a non-resource URL. */
interface AccessTarget {
  verb: string;
  nonResourceURL?: string;
  group: string;
  resource: string;
  /** Set when the type resolved to a served resource (kubectl checks its scope then). */
  namespaced?: boolean;
  name: string;
}

async function runCanI(cli: Cli, args: string[], o: CanIOptions): Promise<void> {
  // kubectl's WarningPrinter ends the line itself: a message ending in "\n" leaves a blank line.
  const warn = (message: string): void => { cli.err.write(`Warning: ${message}\n`); };
  if (o.list) {
    if (args.length !== 0) throw new CliError('error: list option must be specified with no arguments');
    if (o.quiet || o.allNamespaces || o.subresource) throw new CliError('error: list option can\'t be specified with neither quiet, all-namespaces nor subresource options');
    const review = await cli.rest().request<SelfSubjectRulesReview>({
      method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
      body: { kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', metadata: {}, spec: { namespace: cli.namespace() } },
    });
    const status = review.status ?? { resourceRules: [], nonResourceRules: [], incomplete: false };
    if (status.incomplete) warn(`the list may be incomplete: ${status.evaluationError ?? ''}`);
    const rules: PolicyRule[] = [
      ...(status.resourceRules ?? []).map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources, resourceNames: r.resourceNames })),
      ...(status.nonResourceRules ?? []).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
    ];
    const rows = displayRules(rules).map(ruleCells);
    cli.out.write(tabulate(o.headers === false ? rows : [['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs'], ...rows]));
    return;
  }
  if (args.length !== 2) {
    throw new CliError('error: you must specify two arguments: verb resource or verb resource/resourceName.\nSee \'tskubectl auth can-i -h\' for help and examples.');
  }
  const target = await accessTarget(cli, args[0]!, args[1]!, warn);
  if (target.nonResourceURL !== undefined) {
    if (o.subresource) throw new CliError('error: --subresource can not be used with NonResourceURL');
    if (!NON_RESOURCE_VERBS.has(target.verb)) warn(`verb '${target.verb}' is not a known verb\n`);
  } else if (target.resource && !o.allNamespaces) {
    if (target.namespaced === false) {
      warn(target.group ? `resource '${target.resource}' is not namespace scoped in group '${target.group}'\n` : `resource '${target.resource}' is not namespace scoped\n`);
    }
    if (!RESOURCE_VERBS.has(target.verb)) warn(`verb '${target.verb}' is not a known verb\n`);
  }
  if (o.headers === false) throw new CliError('error: --no-headers cannot be set without --list specified');

  const spec = target.nonResourceURL !== undefined
    ? { nonResourceAttributes: { verb: target.verb, path: target.nonResourceURL } }
    : {
      resourceAttributes: {
        namespace: o.allNamespaces ? '' : cli.namespace(), verb: target.verb, group: target.group, resource: target.resource,
        subresource: o.subresource ?? '', name: target.name,
      },
    };
  const review = await cli.rest().request<SubjectAccessReview>({
    method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    body: { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: {}, spec },
  });
  const st = review.status ?? { allowed: false };
  if (!o.quiet) {
    cli.out.write(st.allowed ? 'yes\n' : `no${st.reason ? ` - ${st.reason}` : ''}${st.evaluationError ? ` - ${st.evaluationError}` : ''}\n`);
  }
  if (!st.allowed) process.exitCode = 1;
}

/**
 * kubectl's CanIOptions.Complete and resourceFor: a non-resource URL starts with "/";
 * else TYPE[/NAME], the type resolved as the RESTMapper does ("*" as is); a type the
 * server does not serve is asked about as typed, with kubectl's warning.
 */
async function accessTarget(cli: Cli, verb: string, what: string, warn: (m: string) => void): Promise<AccessTarget> {
  if (what.startsWith('/')) return { verb, nonResourceURL: what, group: '', resource: '', name: '' };
  const slash = what.indexOf('/');
  const type = slash < 0 ? what : what.slice(0, slash);
  const name = slash < 0 ? '' : what.slice(slash + 1);
  if (type === '*') return { verb, group: '', resource: '*', name };
  const ri = await cli.resourceIfServed(type.toLowerCase());
  if (ri) return { verb, group: ri.group, resource: ri.plural, namespaced: ri.namespaced, name };
  const dot = type.indexOf('.');
  const resource = (dot < 0 ? type : type.slice(0, dot)).toLowerCase();
  const group = dot < 0 ? '' : type.slice(dot + 1).toLowerCase();
  if (!(group === '' && NON_STANDARD_RESOURCES.has(resource))) {
    warn(group ? `the server doesn't have a resource type '${resource}' in group '${group}'\n` : `the server doesn't have a resource type '${resource}'\n`);
  }
  return { verb, group: '', resource: type, name };
}

async function runWhoAmI(cli: Cli, output: string | undefined): Promise<void> {
  const format = output === undefined ? undefined : parseOutput(output);
  let review: SelfSubjectReview;
  try {
    review = await createSelfSubjectReview(cli);
  } catch (err) {
    if (isForbidden(err)) throw new CliError('error: the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it');
    if (isNotFound(err)) {
      throw new CliError('error: the selfsubjectreviews API is not enabled in the cluster\nenable APISelfSubjectReview feature gate and authentication.k8s.io/v1alpha1 or authentication.k8s.io/v1beta1 API');
    }
    throw err;
  }
  const ui = review.status?.userInfo ?? {};
  if (format?.kind === 'json') {
    // kubectl prints the typed object: its fields in the Go struct's order.
    const typed = {
      kind: review.kind, apiVersion: review.apiVersion, metadata: review.metadata,
      status: { userInfo: { username: ui.username, uid: ui.uid, groups: ui.groups, extra: ui.extra } },
    };
    cli.out.write(`${JSON.stringify(typed, null, 4).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)}\n`);
    return;
  }
  if (format) {
    cli.out.write(formatGeneric([review], format, { single: true }));
    return;
  }
  const rows = [['ATTRIBUTE', 'VALUE']];
  if (ui.username) rows.push(['Username', ui.username]);
  if (ui.uid) rows.push(['UID', ui.uid]);
  if (ui.groups?.length) rows.push(['Groups', `[${ui.groups.join(' ')}]`]);
  for (const k of Object.keys(ui.extra ?? {}).sort()) rows.push([`Extra: ${k}`, `[${ui.extra![k]!.join(' ')}]`]);
  cli.out.write(tabulate(rows));
}

/** authentication.k8s.io/v1, else v1beta1 on a server that serves only that. */
async function createSelfSubjectReview(cli: Cli): Promise<SelfSubjectReview> {
  const post = (version: string): Promise<SelfSubjectReview> => cli.rest().request<SelfSubjectReview>({
    method: 'POST', path: `/apis/authentication.k8s.io/${version}/selfsubjectreviews`,
    body: { kind: 'SelfSubjectReview', apiVersion: `authentication.k8s.io/${version}`, metadata: {} },
  });
  try {
    return await post('v1');
  } catch (err) {
    if (!isNotFound(err)) throw err;
    return post('v1beta1');
  }
}
