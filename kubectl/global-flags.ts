// kubectl's global flags may appear anywhere on the command line (`tskubectl -n x get po`
// and `tskubectl get po -n x`), so they are taken out of argv before commander parses
// the command. Scanning stops at `--`: what follows belongs to the container command.
import type { Overrides } from '../client/kubeconfig.js';
import { parseDurationFlag } from '../api/duration.js';

/** The kubeconfig overrides (--context, --server, -n, ...) plus --kubeconfig and --request-timeout. */
export interface GlobalFlags extends Overrides {
  kubeconfig?: string;
  requestTimeoutMs?: number;
  /** -v/--v: klog's verbosity (6: each request's URL, status and time; 7: its headers; 8: bodies). */
  verbosity?: number;
}

/** repeated: each use adds to a list (--as-group a --as-group b). */
interface FlagSpec { names: string[]; key: keyof GlobalFlags; boolean?: boolean; repeated?: boolean }

const SPECS: FlagSpec[] = [
  { names: ['--kubeconfig'], key: 'kubeconfig' },
  { names: ['--context'], key: 'context' },
  { names: ['--cluster'], key: 'cluster' },
  { names: ['--user'], key: 'user' },
  { names: ['-s', '--server'], key: 'server' },
  { names: ['-n', '--namespace'], key: 'namespace' },
  { names: ['--token'], key: 'token' },
  { names: ['--insecure-skip-tls-verify'], key: 'insecureSkipTLSVerify', boolean: true },
  { names: ['--certificate-authority'], key: 'certificateAuthority' },
  { names: ['--client-certificate'], key: 'clientCertificate' },
  { names: ['--client-key'], key: 'clientKey' },
  { names: ['--request-timeout'], key: 'requestTimeoutMs' },
  { names: ['--as'], key: 'as' },
  { names: ['--as-group'], key: 'asGroups', repeated: true },
  { names: ['--as-uid'], key: 'asUid' },
  { names: ['-v', '--v'], key: 'verbosity' },
];

/** The help text for `tskubectl options`. */
export const GLOBAL_FLAGS_HELP = `The following options can be passed to any command:

    --as='': Username to impersonate for the operation. User could be a regular user or a service account in a namespace.
    --as-group=[]: Group to impersonate for the operation, this flag can be repeated to specify multiple groups.
    --as-uid='': UID to impersonate for the operation.
    --certificate-authority='': Path to a cert file for the certificate authority
    --client-certificate='': Path to a client certificate file for TLS
    --client-key='': Path to a client key file for TLS
    --cluster='': The name of the kubeconfig cluster to use
    --context='': The name of the kubeconfig context to use
    --insecure-skip-tls-verify=false: If true, the server's certificate will not be checked for validity
    --kubeconfig='': Path to the kubeconfig file to use for CLI requests (else KUBECONFIG, else ~/.kube/config)
-n, --namespace='': If present, the namespace scope for this CLI request
    --request-timeout='0': The length of time to wait before giving up on a single server request (e.g. 1s, 2m)
-s, --server='': The address and port of the Kubernetes API server
    --token='': Bearer token for authentication to the API server
    --user='': The name of the kubeconfig user to use
-v, --v=0: number for the log level verbosity
`;

/**
 * Commands with a flag of their own named like a global one: cobra lets the command's
 * flag win there (`set subject --user=bob` names a subject, not a kubeconfig user).
 */
const SHADOWED: { command: string[]; flags: string[] }[] = [
  { command: ['set', 'subject'], flags: ['--user'] },
];

function shadowed(rest: string[], name: string): boolean {
  const words = rest.filter((w) => !w.startsWith('-'));
  return SHADOWED.some((s) => s.flags.includes(name) && s.command.every((c, i) => words[i] === c));
}

/** Splits argv (without node and script) into global flags and the rest, in order. */
export function extractGlobalFlags(argv: string[]): { flags: GlobalFlags; rest: string[] } {
  const flags: GlobalFlags = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    // -nfoo (short flag with attached value)
    const attached = !arg.startsWith('--') && /^-[nsv].+/.test(arg) ? SPECS.find((s) => s.names.includes(arg.slice(0, 2))) : undefined;
    const spec = attached ?? SPECS.find((s) => s.names.includes(name));
    if (!spec || (!attached && shadowed(rest, name))) {
      rest.push(arg);
      continue;
    }
    let value: string | boolean;
    // pflag: `-nfoo` and `-n=foo` are both "foo" (and `-n=` is "=").
    if (attached) value = arg.slice(arg[2] === '=' && arg.length > 3 ? 3 : 2);
    else if (eq > 0) value = spec.boolean ? arg.slice(eq + 1) !== 'false' : arg.slice(eq + 1);
    else if (spec.boolean) value = true;
    else {
      if (i + 1 >= argv.length) throw new Error(`flag needs an argument: ${arg}`);
      value = argv[++i]!;
    }
    if (spec.key === 'requestTimeoutMs') flags.requestTimeoutMs = parseDurationFlag(String(value)); // client-go: whole seconds or a Go duration; 0 is no limit
    else if (spec.key === 'verbosity') flags.verbosity = parseVerbosity(String(value));
    else if (spec.repeated) (((flags as Record<string, unknown>)[spec.key] ??= []) as string[]).push(String(value));
    else (flags as Record<string, unknown>)[spec.key] = value;
  }
  return { flags, rest };
}

/** klog's -v value: a non-negative integer (pflag's Level parser). */
function parseVerbosity(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new Error(`invalid argument "${value}" for "-v, --v" flag: strconv.ParseInt: parsing "${value}": invalid syntax`);
  return n;
}
