// PLACEHOLDER: replaced by the module implementing `tskubectl describe`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('describe').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: describe is not implemented yet');
  });
}
