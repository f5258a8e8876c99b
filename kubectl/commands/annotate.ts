// PLACEHOLDER: replaced by the module implementing `tskubectl annotate`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('annotate').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: annotate is not implemented yet');
  });
}
