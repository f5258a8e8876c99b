// PLACEHOLDER: replaced by the module implementing `tskubectl create`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('create').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: create is not implemented yet');
  });
}
