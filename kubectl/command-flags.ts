// The flags the mutating commands share, declared once so each command reads the same
// names with the same meaning: -f/-R, -l/--field-selector/--all/-A, -o, --dry-run.
import type { Command } from 'commander';

/** -f may repeat and takes comma-separated lists, as kubectl's string slices do. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').filter((v) => v !== '')];
}

/** Repeatable flags whose values may contain commas (--from-literal, --env). */
export function collectRepeat(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function fileFlags(cmd: Command, what: string): Command {
  return cmd
    .option('-f, --filename <file>', `Filename, directory, or URL to files identifying the resource to ${what}`, collectList, [])
    .option('-R, --recursive', 'Process the directory used in -f, --filename recursively', false);
}

export function selectorFlags(cmd: Command, withAllNamespaces = true): Command {
  cmd
    .option('-l, --selector <selector>', 'Selector (label query) to filter on, supports \'=\', \'==\', \'!=\', \'in\', \'notin\'')
    .option('--field-selector <selector>', 'Selector (field query) to filter on')
    .option('--all', 'Select all resources, in the namespace of the specified resource types', false);
  if (withAllNamespaces) cmd.option('-A, --all-namespaces', 'If present, list the requested object(s) across all namespaces', false);
  return cmd;
}

export function outputFlags(cmd: Command): Command {
  return cmd
    .option('-o, --output <format>', 'Output format. One of: (json, yaml, name)')
    .option('--dry-run [strategy]', 'Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.');
}

/** A flag value that must be an integer: kubectl's pflag error when it is not. */
export function intFlag(name: string): (value: string) => number {
  return (value: string) => {
    if (!/^-?\d+$/.test(value.trim())) throw new Error(`invalid argument "${value}" for "--${name}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`);
    return Number(value);
  };
}

/** "true"/"false" values for boolean flags that kubectl writes as --flag=false. */
export function boolFlag(value: string): boolean {
  return !['false', '0', 'f', 'F', 'FALSE', 'False'].includes(value);
}
