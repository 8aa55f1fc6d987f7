import { Command, CommanderError } from 'commander';
import { ExitCode, InvalidInputError } from './exit-codes.js';
import { processIO, type CommandIO } from './io.js';
import { StrategyModuleError } from '../strategies/strategy-module.js';

export const VERSION = '0.1.0';

type ActionRunner = (action: () => Promise<void>) => Promise<void>;
type CommandFactory = (io: CommandIO, run: ActionRunner) => Command;

/**
 * Each subcommand's module, loaded only when that subcommand runs: `synth` never loads the
 * Kubernetes client, and `run` never loads YAML output, the operator chart or the planner's
 * printing. Every module loaded stays in the heap for the life of the process, which for `run`
 * is the life of the operator.
 */
const COMMANDS: Readonly<Record<string, () => Promise<CommandFactory>>> = {
  synth: async () => (await import('./synth-command.js')).synthCommand,
  plan: async () => (await import('./plan-command.js')).planCommand,
  run: async () => {
    const { runCommand } = await import('./run-command.js');
    return (_io, run) => runCommand(run);
  },
};

/**
 * The subcommand argv names, when it names one; otherwise (no subcommand, `help`, a typo, the
 * top-level --help) every subcommand is loaded, so that help and errors list them all. The
 * top-level options (--help, --version) take no value, so the first word not starting with a
 * dash is the subcommand, as commander reads it.
 */
export function commandsToLoad(argv: readonly string[]): string[] {
  const named = argv.find((arg) => !arg.startsWith('-'));
  return named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
}

/**
 * Runs the `redis-operator` CLI and returns its exit code: 0 success, 2 invalid input (every
 * problem printed with its field path), 1 any other failure.
 */
export async function main(argv: readonly string[], io: CommandIO = processIO): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const run: ActionRunner = async (action) => {
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
  const factories = await Promise.all(commandsToLoad(argv).map((name) => COMMANDS[name]!()));
  for (const factory of factories) program.addCommand(factory(io, run));
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
