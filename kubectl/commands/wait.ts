// PLACEHOLDER: replaced by the module implementing `tskubectl wait`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('wait').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: wait is not implemented yet');
  });
}
