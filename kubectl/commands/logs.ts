// PLACEHOLDER: replaced by the module implementing `tskubectl logs`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('logs').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: logs is not implemented yet');
  });
}
