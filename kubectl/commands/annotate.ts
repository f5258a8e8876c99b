// `tskubectl annotate TYPE NAME k=v k2- [--overwrite]`: see kubectl/label-command.ts.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { registerLabelCommand } from '../label-command.js';

export function register(program: Command, cli: Cli): void {
  registerLabelCommand(program, cli, 'annotation');
}
