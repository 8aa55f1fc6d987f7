import { Command, CommanderError } from 'commander';
import { ExitCode, InvalidInputError } from './exit-codes.js';
import { processIO, type CommandIO } from './io.js';
import { synthCommand } from './synth-command.js';
import { planCommand } from './plan-command.js';
import { runCommand } from './run-command.js';
import { StrategyModuleError } from '../strategies/strategy-module.js';

export const VERSION = '0.1.0';

/**
 * Runs the `redis-operator` CLI and returns its exit code: 0 success, 2 invalid input (every
 * problem printed with its field path), 1 any other failure.
 */
export async function main(argv: readonly string[], io: CommandIO = processIO): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const run = async (action: () => Promise<void>): Promise<void> => {
    try {
      await action();
    } catch (error) {
      if (error instanceof InvalidInputError) {
        for (const problem of error.problems) io.stderr.write(`error: ${problem}\n`);
        exitCode = ExitCode.InvalidInput;
      } else if (error instanceof StrategyModuleError) {
        io.stderr.write(`error: ${error.message}\n`);
        exitCode = ExitCode.InvalidInput;
      } else {
        io.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
        exitCode = ExitCode.Failure;
      }
    }
  };

  const program = new Command('redis-operator')
    .description('A Kubernetes operator for Redis: rolls what Kubernetes can roll, recreates only what it cannot, and never takes Redis down for it.')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  const output = {
    writeOut: (text: string) => io.stdout.write(text),
    writeErr: (text: string) => io.stderr.write(text),
  };
  program.configureOutput(output);
  program.addCommand(synthCommand(io, run));
  program.addCommand(planCommand(io, run));
  program.addCommand(runCommand(run));
  // addCommand() does not pass these settings on, unlike command().
  for (const command of program.commands) command.exitOverride().configureOutput(output).showHelpAfterError();

  try {
    await program.parseAsync(['node', 'redis-operator', ...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; usage mistakes are invalid input.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.InvalidInput;
    }
    throw error;
  }
  return exitCode;
}
