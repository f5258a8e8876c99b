// PLACEHOLDER: replaced by the module implementing `tskubectl config`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('config').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: config is not implemented yet');
  });
}
