// PLACEHOLDER: replaced by the module implementing `tskubectl version`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('version').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: version is not implemented yet');
  });
}
