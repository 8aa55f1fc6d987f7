import { KIND, type RedisInstance } from '../api/redis-instance.js';
import { storedForm } from '../api/stored-form.js';
import { validateRedisInstance } from '../api/validate.js';
import type { FieldError } from '../api/field-error.js';
import { InvalidInputError } from './exit-codes.js';
import type { CommandIO } from './io.js';
import { readManifests } from './kubectl-yaml.js';

export interface ReadResult {
  readonly instances: readonly RedisInstance[];
  /** Allowed but suspicious input, already formatted with file, document and field path. */
  readonly warnings: readonly string[];
}

/** Input files the user named: one that is not there is invalid input (exit 2), not a failure. */
const USER_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
};

async function readInputFile(io: CommandIO, file: string): Promise<string> {
  try {
    return await io.readFile(file);
  } catch (error) {
    const reason = USER_ERRORS[(error as NodeJS.ErrnoException).code ?? ''];
    if (reason !== undefined) throw new InvalidInputError([`${file}: cannot read it: ${reason}`]);
    throw error;
  }
}

function label(source: string, index: number, document: unknown): string {
  const name = (document as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  const named = typeof name === 'string' ? ` ${KIND} "${name}"` : '';
  return `${source}: document ${index + 1}${named}`;
}

function formatErrors(prefix: string, errors: readonly FieldError[]): string[] {
  return errors.map((e) => `${prefix}: ${e.path === '' ? '(document)' : e.path}: ${e.message}`);
}

/**
 * Reads RedisInstances from files (`-` for stdin): multi-document YAML or JSON, or a `List`.
 * They are read exactly as kubectl reads them (kubectl-yaml.ts), so `appendonly: yes` is a
 * boolean here too and is refused with a hint instead of being accepted here and refused by the
 * API server; null fields are dropped as the API server drops them (stored-form.ts).
 * Throws InvalidInputError listing every problem in every document.
 */
export async function readInstances(files: readonly string[], io: CommandIO): Promise<ReadResult> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const instances: RedisInstance[] = [];
  const seen = new Map<string, string>();

  for (const file of files) {
    const source = file === '-' ? '<stdin>' : file;
    const text = file === '-' ? await io.readStdin() : await readInputFile(io, file);
    const parsed: unknown[] = [];
    for (const [index, document] of readManifests(text).entries()) {
      if (document.kind === 'error') {
        problems.push(`${source}: document ${index + 1}: ${document.message}`);
        continue;
      }
      const value = document.value;
      if (value === null || value === undefined) continue;
      const list = value as { kind?: unknown; items?: unknown };
      // One at a time: spreading 200,000 items into push() overflows the call stack.
      if (list.kind === 'List' && Array.isArray(list.items)) for (const item of list.items) parsed.push(storedForm(item));
      else parsed.push(storedForm(value));
    }
    for (const [index, document] of parsed.entries()) {
      const prefix = label(source, index, document);
      const result = validateRedisInstance(document);
      problems.push(...formatErrors(prefix, result.errors));
      warnings.push(...formatErrors(prefix, result.warnings));
      if (result.errors.length > 0) continue;
      const instance = document as RedisInstance;
      const key = `${instance.metadata.namespace ?? ''}/${instance.metadata.name}`;
      const first = seen.get(key);
      if (first) problems.push(`${prefix}: metadata.name: "${instance.metadata.name}" is also defined by ${first}`);
      else seen.set(key, prefix);
      instances.push(instance);
    }
  }
  if (problems.length > 0) throw new InvalidInputError(problems);
  if (instances.length === 0) throw new InvalidInputError([`${files.join(', ')}: no ${KIND} documents found`]);
  return { instances, warnings };
}
