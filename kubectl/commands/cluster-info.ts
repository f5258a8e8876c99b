// PLACEHOLDER: replaced by the module implementing `tskubectl cluster-info`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('cluster-info').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: cluster-info is not implemented yet');
  });
}
