import { parseAllDocuments } from 'yaml';
import { KIND, type RedisInstance } from '../api/redis-instance.js';
import { validateRedisInstance } from '../api/validate.js';
import type { FieldError } from '../api/field-error.js';
import { InvalidInputError } from './exit-codes.js';
import type { CommandIO } from './io.js';

export interface ReadResult {
  readonly instances: readonly RedisInstance[];
  /** Allowed but suspicious input, already formatted with file, document and field path. */
  readonly warnings: readonly string[];
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
 * YAML is read as YAML 1.1, as kubectl reads it, so `appendonly: yes` is a boolean here too and
 * is refused with a hint instead of being accepted here and refused by the API server.
 * Throws InvalidInputError listing every problem in every document.
 */
export async function readInstances(files: readonly string[], io: CommandIO): Promise<ReadResult> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const instances: RedisInstance[] = [];
  const seen = new Map<string, string>();

  for (const file of files) {
    const source = file === '-' ? '<stdin>' : file;
    const text = file === '-' ? await io.readStdin() : await io.readFile(file);
    const documents = parseAllDocuments(text, { version: '1.1', prettyErrors: true });
    const parsed: unknown[] = [];
    for (const [index, document] of (Array.isArray(documents) ? documents : [documents]).entries()) {
      if (document.errors.length > 0) {
        for (const error of document.errors) problems.push(`${source}: document ${index + 1}: ${error.message.split('\n')[0]}`);
        continue;
      }
      const value: unknown = document.toJS({ maxAliasCount: 100 });
      if (value === null || value === undefined) continue;
      const list = value as { kind?: unknown; items?: unknown };
      if (list.kind === 'List' && Array.isArray(list.items)) parsed.push(...list.items);
      else parsed.push(value);
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
