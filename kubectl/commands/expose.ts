// PLACEHOLDER: replaced by the module implementing `tskubectl expose`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('expose').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: expose is not implemented yet');
  });
}
