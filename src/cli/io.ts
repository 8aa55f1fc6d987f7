import { readFile } from 'node:fs/promises';

/** Where a command reads and writes; tests pass their own. */
export interface CommandIO {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Reads all of standard input (for `-f -`). */
  readonly readStdin: () => Promise<string>;
  readonly readFile: (path: string) => Promise<string>;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export const processIO: CommandIO = {
  stdout: process.stdout,
  stderr: process.stderr,
  readStdin: () => readAll(process.stdin),
  readFile: (path) => readFile(path, 'utf8'),
};
