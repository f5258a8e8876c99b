// PLACEHOLDER: replaced by the module implementing `tskubectl patch`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('patch').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: patch is not implemented yet');
  });
}
