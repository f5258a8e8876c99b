// PLACEHOLDER: replaced by the module implementing `tskubectl api-resources`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('api-resources').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: api-resources is not implemented yet');
  });
}
