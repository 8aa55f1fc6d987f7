import { execFile } from 'node:child_process';
import { appendFile, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The journal of what a cluster changed on the host outside its directory (routes, iptables
 * rules, sysctls, links, cgroups, directories), as shell commands that undo each change, one a
 * line. The undo line is written *before* the change is made: a cluster killed half-way leaves
 * at worst an undo that finds nothing to undo, never a change nobody knows of. `down` (and the
 * watchdog, which is a shell script) run the lines last to first.
 */
export const HOST_UNDO_FILE = 'host-undo.sh';

/** Quotes one word for sh. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

export class HostChanges {
  constructor(private readonly dir: string) {}

  get journalPath(): string {
    return join(this.dir, HOST_UNDO_FILE);
  }

  /** Records how to undo a change, then makes it; the change's command must succeed. */
  async apply(change: readonly string[], undo: readonly string[] | string): Promise<void> {
    await this.record(undo);
    await runCommand(change);
  }

  /** Records an undo for a change that something else (a component we start) will make. */
  async record(undo: readonly string[] | string): Promise<void> {
    await appendFile(this.journalPath, `${typeof undo === 'string' ? undo : shellCommand(undo)}\n`);
  }

  /**
   * Runs every recorded undo, newest first, and empties the journal. An undo that fails is
   * reported, not thrown: the others must still run.
   */
  async undoAll(): Promise<string[]> {
    const lines = await readJournal(this.journalPath);
    const failures: string[] = [];
    for (const line of lines.reverse()) {
      try {
        await run('sh', ['-c', line]);
      } catch (error) {
        failures.push(`${line}: ${commandError(error)}`);
      }
    }
    await rm(this.journalPath, { force: true });
    return failures;
  }
}

async function readJournal(path: string): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Runs a command; a failure's message carries its stderr. */
export async function runCommand(argv: readonly string[], options: { timeoutMs?: number } = {}): Promise<string> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('empty command');
  try {
    const { stdout } = await run(file, args, { timeout: options.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    throw new Error(`${shellCommand(argv)} failed: ${commandError(error)}`);
  }
}

function commandError(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr?.trim();
  if (stderr) return stderr;
  return error instanceof Error ? error.message : String(error);
}
