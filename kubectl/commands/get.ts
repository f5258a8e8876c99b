// PLACEHOLDER: replaced by the module implementing `tskubectl get`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('get').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: get is not implemented yet');
  });
}
