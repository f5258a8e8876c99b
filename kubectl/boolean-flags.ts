// kubectl (pflag) accepts `--flag=true` and `--flag=false` for boolean flags, and
// `-p=value` for a shorthand; commander does not. Before parsing, such arguments are
// rewritten for the command being run: `--wait=false` becomes `--no-wait` when the
// command declares it, `--force=false` is dropped (false is the default of a plain
// boolean), `--force=true` becomes `--force`; `-p=value` becomes `--patch=value` (commander
// would read "=value"), and `-f=true` / `-f=false` are read as for the long name.
import type { Command, Option } from 'commander';

const isBoolean = (o: Option): boolean => !o.required && !o.optional;
/** What Go's strconv.ParseBool takes (pflag's boolean values). */
const PARSE_BOOL_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const PARSE_BOOL_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export function normalizeBooleanFlags(program: Command, argv: string[]): string[] {
  // The chain of commands the arguments select: program, then each subcommand named
  // before any other positional argument.
  const chain: Command[] = [program];
  for (const arg of argv) {
    if (arg === '--') break;
    if (arg.startsWith('-')) continue;
    const cur = chain[chain.length - 1]!;
    const sub = cur.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) break;
    chain.push(sub);
  }
  const find = (long: string): Option | undefined => {
    for (const c of [...chain].reverse()) {
      const o = c.options.find((opt) => opt.long === long);
      if (o) return o;
    }
    return undefined;
  };
  const findShort = (short: string): Option | undefined => {
    for (const c of [...chain].reverse()) {
      const o = c.options.find((opt) => opt.short === short);
      if (o) return o;
    }
    return undefined;
  };
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    // pflag reads `-p=value` as -p with "value" (commander would take "=value"), and
    // `-f=true` / `-f=false` for a boolean shorthand.
    // As pflag, `-p=` (nothing after the =) is left alone: the value is "=".
    const short = /^(-[^-=])=(.+)$/s.exec(arg);
    const shortOpt = short ? findShort(short[1]!) : undefined;
    if (short && shortOpt) {
      const value = short[2]!;
      if (!isBoolean(shortOpt)) out.push(...(shortOpt.long ? [`${shortOpt.long}=${value}`] : [short[1]!, value]));
      else if (PARSE_BOOL_TRUE.has(value)) out.push(short[1]!);
      else if (PARSE_BOOL_FALSE.has(value)) {
        if (shortOpt.long && find(`--no-${shortOpt.long.slice(2)}`)) out.push(`--no-${shortOpt.long.slice(2)}`);
      } else out.push(arg);
      continue;
    }
    const m = /^(--[^=]+)=(.*)$/s.exec(arg);
    const opt = m ? find(m[1]!) : undefined;
    const value = m?.[2] ?? '';
    if (!m || !opt || !isBoolean(opt) || !(PARSE_BOOL_TRUE.has(value) || PARSE_BOOL_FALSE.has(value))) {
      out.push(arg);
      continue;
    }
    // A flag declared as `--no-headers` (kubectl's own name) is a plain boolean too.
    if (PARSE_BOOL_TRUE.has(value)) out.push(m[1]!);
    else if (!opt.negate && find(`--no-${m[1]!.slice(2)}`)) out.push(`--no-${m[1]!.slice(2)}`);
    // else: false is a plain boolean's default, nothing to pass.
  }
  return out;
}
