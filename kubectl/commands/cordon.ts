// PLACEHOLDER: replaced by the module implementing `tskubectl cordon`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('cordon').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: cordon is not implemented yet');
  });
}
