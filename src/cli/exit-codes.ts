/** Exit codes every subcommand keeps (brief, section 4). */
export const ExitCode = {
  Ok: 0,
  /** Anything that is not the input's fault: I/O, the cluster, a bug. */
  Failure: 1,
  /** The input is invalid; every problem has been printed with its field path. */
  InvalidInput: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Input the user must fix; carries lines that each name a file, document and field path. */
export class InvalidInputError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'InvalidInputError';
    this.problems = problems;
  }
}
