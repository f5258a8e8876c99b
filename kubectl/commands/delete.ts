// PLACEHOLDER: replaced by the module implementing `tskubectl delete`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('delete').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: delete is not implemented yet');
  });
}
