// PLACEHOLDER: replaced by the module implementing `tskubectl apply`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('apply').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: apply is not implemented yet');
  });
}
