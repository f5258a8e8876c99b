// PLACEHOLDER: replaced by the module implementing `tskubectl scale`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('scale').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: scale is not implemented yet');
  });
}
