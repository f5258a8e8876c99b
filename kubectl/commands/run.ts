// PLACEHOLDER: replaced by the module implementing `tskubectl run`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('run').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: run is not implemented yet');
  });
}
