// PLACEHOLDER: replaced by the module implementing `tskubectl taint`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('taint').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: taint is not implemented yet');
  });
}
