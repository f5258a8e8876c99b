// `tskubectl kustomize [DIR]`: the YAML kustomize builds from DIR's kustomization, as
// kubectl's built-in kustomize (v5) prints it (kubectl/kustomize/ does the building).
// Failures are printed as kubectl reports them for this command: a klog line
// `E1207 05:06:12.336284   22991 run.go:72] "command failed" err="..."`, exit code 1.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';
import { kustomizeBuild } from '../kustomize/build.js';
import { KustomizeError } from '../kustomize/errors.js';
import { renderYaml } from '../kustomize/render.js';

export function register(program: Command, cli: Cli): void {
  program.command('kustomize')
    .description("Build a set of KRM resources using a 'kustomization.yaml' file. The DIR argument must be a path to a directory containing 'kustomization.yaml'. If DIR is omitted, '.' is assumed. (Git repository URLs are not supported by tskubectl.)")
    .usage('[DIR] [flags]')
    .argument('[dirs...]')
    .option('-o, --output <path>', 'If specified, write output to this path.')
    .action(async (dirs: string[], opts: { output?: string }) => {
      if (dirs.length > 1) throw commandFailed('specify one path to kustomization.yaml');
      try {
        const { objects, warnings } = await kustomizeBuild(dirs[0] ?? '.');
        for (const w of warnings) cli.warn(w);
        const yaml = renderYaml(objects);
        if (opts.output) await writeFile(opts.output, yaml);
        else cli.out.write(yaml);
      } catch (err) {
        if (err instanceof KustomizeError) throw commandFailed(err.message);
        throw err;
      }
    });
}

/** kubectl's klog line for an error a command returns (component-base's cli.Run). */
export function commandFailed(message: string, now = new Date(), pid = process.pid): CliError {
  const two = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${two(now.getMonth() + 1)}${two(now.getDate())} ${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}.${String(now.getMilliseconds() * 1000).padStart(6, '0')}`;
  // klog quotes a one-line value; a multi-line one goes in <...> with each line tab-indented.
  const value = message.includes('\n') ? `<\n${message.split('\n').map((l) => `\t${l}`).join('\n')}\n >` : JSON.stringify(message);
  return new CliError(`E${stamp} ${String(pid).padStart(7)} run.go:72] "command failed" err=${value}`);
}
