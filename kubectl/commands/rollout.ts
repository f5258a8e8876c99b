// PLACEHOLDER: replaced by the module implementing `tskubectl rollout`.
import type { Command } from 'commander';
import type { Cli } from '../context.js';
import { CliError } from '../errors.js';

export function register(program: Command, _cli: Cli): void {
  program.command('rollout').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('error: rollout is not implemented yet');
  });
}
