// PLACEHOLDER: replaced by the module implementing `tskubectl edit`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('edit').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: edit is not implemented yet');
  });
}
