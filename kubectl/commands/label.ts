// PLACEHOLDER: replaced by the module implementing `tskubectl label`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('label').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: label is not implemented yet');
  });
}
