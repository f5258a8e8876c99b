// PLACEHOLDER: replaced by the module implementing `tskubectl drain`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('drain').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: drain is not implemented yet');
  });
}
