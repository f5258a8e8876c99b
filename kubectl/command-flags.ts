// The flags the mutating commands share, declared once so each command reads the same
// names with the same meaning: -f/-R, -l/--field-selector/--all/-A, -o, --dry-run.
import type { Command } from 'commander';
import { durationFlag } from './go-duration.js';
import { setTemplateFlags } from './printers/output.js';

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

/** -k, --kustomize DIR: the objects of a kustomization directory (exclusive with -f and -R). */
export function kustomizeFlag(cmd: Command): Command {
  return cmd.option('-k, --kustomize <dir>', "Process the kustomization directory. This flag can't be used together with -f or -R.");
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
  return templateFlags(cmd
    .option('-o, --output <format>', 'Output format. One of: (json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file)')
    .option('--dry-run [strategy]', 'Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.'));
}

/**
 * kubectl's template flags of PrintFlags: --template (the template for -o go-template
 * and jsonpath; alone it implies -o go-template) and --allow-missing-template-keys.
 * printers/output.ts's parseOutput reads them for the command being run.
 */
export function templateFlags(cmd: Command): Command {
  return cmd
    .option('--template <string>', 'Template string or path to template file to use when -o=go-template, -o=go-template-file. The template format is golang templates [http://golang.org/pkg/text/template/#pkg-overview].')
    .option('--allow-missing-template-keys', 'If true, ignore any errors in templates when a field or map key is missing in the template. Only applies to golang and jsonpath output formats.', true)
    .option('--no-allow-missing-template-keys', 'Make a missing field or map key in a template an error')
    .hook('preAction', (_cmd, action) => {
      const o = action.opts<{ template?: string; allowMissingTemplateKeys?: boolean }>();
      setTemplateFlags({ template: o.template, allowMissingTemplateKeys: o.allowMissingTemplateKeys });
    });
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

/**
 * cobra's ArgsLenAtDash: how many of a command's operands came before `--` (-1 without
 * one). Everything after `--` ends up at the end of the operands, so it is their count
 * minus the words after `--` on the command line as the program received it.
 */
export function argsLenAtDash(cmd: Command, args: readonly string[]): number {
  let root = cmd;
  while (root.parent) root = root.parent;
  const raw = (root as unknown as { rawArgs?: string[] }).rawArgs ?? [];
  const dash = raw.indexOf('--');
  if (dash === -1) return -1;
  return Math.max(0, args.length - (raw.length - dash - 1));
}

export const CONTAINER_FLAG_HELP = 'Container name. If omitted, use the kubectl.kubernetes.io/default-container annotation for selecting the container to be attached or the first container in the pod will be chosen';
export const POD_RUNNING_TIMEOUT_HELP = 'The length of time (like 5s, 2m, or 3h, higher than zero) to wait until at least one pod is running';
/** kubectl's defaultPodExecTimeout, defaultPodAttachTimeout and port-forward's wait: one minute. */
export const DEFAULT_POD_RUNNING_TIMEOUT_MS = 60_000;

/** What podSessionFlags gives a command's action. */
export interface PodSessionOptions {
  container?: string;
  podRunningTimeout: number;
  quiet: boolean;
  stdin: boolean;
  tty: boolean;
}

/** The flags of exec and attach: -c, --pod-running-timeout, -q, -i, -t. */
export function podSessionFlags(cmd: Command): Command {
  return cmd
    .option('-c, --container <name>', CONTAINER_FLAG_HELP)
    .option('--pod-running-timeout <duration>', POD_RUNNING_TIMEOUT_HELP, durationFlag('pod-running-timeout'), DEFAULT_POD_RUNNING_TIMEOUT_MS)
    .option('-q, --quiet', 'Only print output from the remote session', false)
    .option('-i, --stdin', 'Pass stdin to the container', false)
    .option('-t, --tty', 'Stdin is a TTY', false);
}
