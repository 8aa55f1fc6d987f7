/**
 * YAML as kubectl reads it. kubectl (go-yaml v2, YAML 1.1) treats U+0085, U+2028 and U+2029 as
 * line breaks, refuses most other control characters, and resolves plain scalars by its own
 * rules (go-yaml-scalars.ts), so YAML that other readers see as one string can be several keys,
 * or other objects, to kubectl. synth's output goes to kubectl (often unread, in a pipeline),
 * so it is written here to mean the same to every reader whatever its strings hold.
 */
import { parseAllDocuments, Scalar, stringify, visit, type ScalarTag, type Tags } from 'yaml';
import { describeCharacter } from '../api/characters.js';
import { isPlainString, resolvePlainScalar } from './go-yaml-scalars.js';

const STRING_TAG = 'tag:yaml.org,2002:str';

/** Text that every YAML 1.1 and 1.2 reader reads alike, as plain, quoted or block scalar. */
const PRINTABLE_ASCII_LINES = /^[\x20-\x7e\n]*$/;

const hex = (codePoint: number, digits: number) => codePoint.toString(16).toUpperCase().padStart(digits, '0');

/**
 * A double-quoted scalar holding only printable ASCII: every other character is an escape that
 * YAML 1.1 and 1.2 share (`\n`, `\xHH`, `\uHHHH`, `\UHHHHHHHH`). go-yaml refuses `\u` escapes of
 * surrogates, so characters beyond the BMP use `\U`, and a lone surrogate (which no Go reader
 * keeps: encoding/json makes U+FFFD of it) is written as U+FFFD.
 */
export function escapedDoubleQuoted(text: string): string {
  let out = '"';
  for (const character of text) {
    const codePoint = character.codePointAt(0) ?? 0;
    if (character === '"' || character === '\\') out += `\\${character}`;
    else if (codePoint >= 0x20 && codePoint <= 0x7e) out += character;
    else if (codePoint === 0x0a) out += '\\n';
    else if (codePoint >= 0xd800 && codePoint <= 0xdfff) out += '\\uFFFD';
    else if (codePoint <= 0xff) out += `\\x${hex(codePoint, 2)}`;
    else if (codePoint <= 0xffff) out += `\\u${hex(codePoint, 4)}`;
    else out += `\\U${hex(codePoint, 8)}`;
  }
  return `${out}"`;
}

/**
 * The `yaml` package's own string tag, except for strings it would write in a way kubectl reads
 * differently: anything but printable ASCII and line feeds, keys with line breaks, and words that
 * go-yaml resolves to something else (`y`, `0o17`, `2001-12-14`, `<<`).
 */
function kubectlSafeStrings(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag === 'string' || tag.tag !== STRING_TAG || tag.collection !== undefined) return tag;
    const original: ScalarTag = tag;
    const safe: ScalarTag = {
      ...original,
      stringify(item, ctx, onComment, onChompKeep) {
        const text = String(item.value);
        const multiLine = text.includes('\n');
        const delegate = PRINTABLE_ASCII_LINES.test(text) && (multiLine ? !ctx.implicitKey : isPlainString(text));
        return delegate && original.stringify
          ? original.stringify(item, ctx, onComment, onChompKeep)
          : escapedDoubleQuoted(text);
      },
    };
    return safe;
  });
}

/** One YAML document; block literals keep redis.conf and the start script readable. */
export function toKubectlYaml(value: unknown): string {
  return stringify(value, { blockQuote: 'literal', lineWidth: 0, customTags: kubectlSafeStrings });
}

/** One document of a manifest stream, or why kubectl would not read it as it looks. */
export type ManifestDocument =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'error'; readonly message: string };

/** go-yaml v2's reader refuses raw characters outside this set ("control characters are not allowed"). */
function goYamlAllows(codePoint: number): boolean {
  return codePoint === 0x09 || codePoint === 0x0a || codePoint === 0x0d || (codePoint >= 0x20 && codePoint <= 0x7e) ||
    codePoint === 0x85 || (codePoint >= 0xa0 && codePoint <= 0xd7ff) || (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    codePoint >= 0x10000;
}

/** Raw characters that kubectl refuses, or reads as line breaks where no other reader does. */
function rawCharacterProblems(text: string, firstLine: number): string[] {
  const problems: string[] = [];
  let line = firstLine;
  let column = 0;
  for (const character of text) {
    column += 1;
    const codePoint = character.codePointAt(0) ?? 0;
    if (character === '\n') {
      line += 1;
      column = 0;
    } else if (codePoint === 0x85 || codePoint === 0x2028 || codePoint === 0x2029) {
      problems.push(`line ${line}, column ${column}: ${describeCharacter(character)} is a line break to kubectl (YAML 1.1), though not to most editors; write it as an escape in a double-quoted string if you mean it`);
    } else if (!goYamlAllows(codePoint)) {
      problems.push(`line ${line}, column ${column}: kubectl refuses ${describeCharacter(character)} in YAML; write it as an escape in a double-quoted string if you mean it`);
    }
  }
  return problems;
}

const JSON_STREAM = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*\{/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** What Go's encoding/json makes of decoded strings: lone surrogates become U+FFFD. */
function asGoStrings(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(LONE_SURROGATE, '\ufffd');
  if (Array.isArray(value)) return value.map(asGoStrings);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [asGoStrings(k) as string, asGoStrings(v)]));
  }
  return value;
}

/** The end of the JSON object or array starting at `start`, or -1. */
function jsonValueEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i += 1) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth += 1;
    else if (c === '}' || c === ']') {
      depth -= 1;
      if (depth === 0) return i + 1;
    } else if (depth === 0) return -1;
  }
  return -1;
}

function jsonError(text: string): string {
  try {
    JSON.parse(text);
    return 'expected an object';
  } catch (error) {
    return (error as Error).message;
  }
}

/** kubectl reads a stream that starts with "{" as JSON values one after another. */
function readJsonStream(text: string): ManifestDocument[] {
  const documents: ManifestDocument[] = [];
  let i = text.search(/\S/);
  while (i >= 0 && i < text.length) {
    const end = jsonValueEnd(text, i);
    if (end < 0) {
      documents.push({ kind: 'error', message: `invalid JSON: ${jsonError(text.slice(i))}` });
      break;
    }
    try {
      documents.push({ kind: 'value', value: asGoStrings(JSON.parse(text.slice(i, end))) });
    } catch (error) {
      documents.push({ kind: 'error', message: error instanceof RangeError ? NESTED_TOO_DEEPLY : `invalid JSON: ${(error as Error).message}` });
      break;
    }
    i = end;
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i += 1;
  }
  return documents;
}

interface Chunk {
  readonly text: string;
  /** 1-based line of its first line in the stream. */
  readonly line: number;
  /** Set when the separator line that ends the previous chunk carries content. */
  readonly separatorProblem?: string;
}

/**
 * Splits a YAML stream where kubectl does (apimachinery's YAMLReader): at lines that begin with
 * "---" followed by nothing but spaces or a comment. kubectl refuses (or, before 1.29, silently
 * drops) content after "---" on the same line, so that is refused here too.
 */
function splitDocuments(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  let current: string[] = [];
  let start = 1;
  let problem: string | undefined;
  const lines = text.split(/(?<=\n)/);
  lines.forEach((line, index) => {
    if (line.startsWith('---')) {
      const after = line.slice(3).trim();
      if (after !== '' && !after.startsWith('#')) {
        problem = `line ${index + 1}: kubectl splits documents only at a line that is "---" alone, not "---" followed by content`;
      }
      if (current.length > 0 || problem !== undefined) {
        chunks.push({ text: current.join(''), line: start, ...(problem !== undefined ? { separatorProblem: problem } : {}) });
      }
      current = [];
      problem = undefined;
      start = index + 2;
      return;
    }
    current.push(line);
  });
  if (current.length > 0) chunks.push({ text: current.join(''), line: start });
  return chunks;
}

const TAG_PREFIX = 'tag:yaml.org,2002:';
const NESTED_TOO_DEEPLY = 'nested too deeply to read';

/** go-yaml's resolve() for a scalar with an explicit tag; throws what kubectl would say. */
function resolveTagged(tag: string, text: string): unknown {
  if (!tag.startsWith(TAG_PREFIX)) return text;
  const name = tag.slice(TAG_PREFIX.length);
  if (name === 'str') return text;
  if (name === 'binary') return Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8');
  const resolved = resolvePlainScalar(text);
  const matches = resolved.kind === name || (name === 'float' && resolved.kind === 'int');
  if (!['int', 'float', 'bool', 'null', 'timestamp'].includes(name)) return text;
  if (!matches) throw new Error(`kubectl cannot decode ${JSON.stringify(text)} as !!${name}`);
  return 'value' in resolved ? resolved.value : null;
}

/** A JS value for what go-yaml resolves a scalar to; throws what kubectl would say. */
function goValue(scalar: Scalar, source: string): unknown {
  const text = scalar.value === null || scalar.value === undefined ? '' : String(scalar.value);
  if (scalar.tag !== undefined) return resolveTagged(scalar.tag, text);
  if (scalar.type !== Scalar.PLAIN) {
    if (scalar.type === Scalar.QUOTE_DOUBLE && scalar.range) checkEscapes(source.slice(scalar.range[0], scalar.range[1]));
    return text;
  }
  const resolved = resolvePlainScalar(text);
  if (resolved.kind === 'null') return null;
  if (resolved.kind === 'float' && !Number.isFinite(resolved.value)) {
    throw new Error(`kubectl cannot convert ${text} to JSON: quote it if it is a string`);
  }
  return resolved.value;
}

/** The escapes go-yaml v2 knows in double-quoted scalars (YAML 1.2's `\/` is not one of them). */
const GO_YAML_ESCAPES = new Set(['0', 'a', 'b', 't', '\t', 'n', 'v', 'f', 'r', 'e', ' ', '"', "'", '\\', 'N', '_', 'L', 'P', 'x', 'u', 'U', '\n', '\r']);

/** Throws what kubectl says of an escape it refuses: unknown ones, and \u of a surrogate. */
function checkEscapes(raw: string): void {
  for (let i = 0; i < raw.length; i += 1) {
    if (raw[i] !== '\\') continue;
    const escape = raw[i + 1] ?? '';
    if (!GO_YAML_ESCAPES.has(escape)) throw new Error(`kubectl refuses the escape \\${escape} in a double-quoted string`);
    const digits = escape === 'u' ? raw.slice(i + 2, i + 6) : escape === 'U' ? raw.slice(i + 2, i + 10) : '';
    const codePoint = digits === '' ? 0 : Number.parseInt(digits, 16);
    if ((codePoint >= 0xd800 && codePoint <= 0xdfff) || codePoint > 0x10ffff) {
      throw new Error(`kubectl refuses the escape \\${escape}${digits} (not a character; for U+1F600 write \\U0001F600 or the character itself)`);
    }
    i += 1;
  }
}

/**
 * Reads a manifest stream the way kubectl does (so synth validates what the API server will
 * receive): JSON when it starts with "{", else YAML split into documents as kubectl splits it,
 * each read as go-yaml v2 reads it (YAML 1.1 scalars, merge keys, tags on collections ignored).
 * What kubectl would refuse, or read differently from what the text shows, is an error.
 */
export function readManifests(text: string): ManifestDocument[] {
  if (JSON_STREAM.test(text)) return readJsonStream(text);
  const documents: ManifestDocument[] = [];
  for (const chunk of splitDocuments(text)) {
    const problems = rawCharacterProblems(chunk.text, chunk.line);
    if (chunk.separatorProblem !== undefined) problems.push(chunk.separatorProblem);
    if (problems.length > 0) {
      documents.push({ kind: 'error', message: problems.join('; ') });
      continue;
    }
    const parsed = parseAllDocuments(chunk.text, { version: '1.1', schema: 'failsafe', merge: true });
    const yamlDocuments = Array.isArray(parsed) ? parsed : [parsed];
    // The first syntax error only: the parser's later ones are mostly the same mistake again.
    const [error] = yamlDocuments.flatMap((d) => d.errors);
    if (error !== undefined) {
      documents.push({ kind: 'error', message: yamlErrorMessage(error.message, error.linePos?.[0], chunk.line) });
      continue;
    }
    const contents = yamlDocuments.filter((d) => d.contents !== null);
    if (contents.length > 1) {
      documents.push({ kind: 'error', message: `kubectl reads only the first of the ${contents.length} documents here: separate documents with a line "---"` });
      continue;
    }
    const document = contents[0];
    if (document === undefined) continue;
    try {
      visit(document, {
        Scalar(_, node) {
          // The `yaml` package marks a merge key `<<` with a symbol; go-yaml merges it too.
          if (typeof node.value !== 'symbol') node.value = goValue(node, chunk.text);
        },
      });
      documents.push({ kind: 'value', value: document.toJS({ maxAliasCount: 100 }) });
    } catch (error) {
      const message = error instanceof RangeError ? NESTED_TOO_DEEPLY : (error as Error).message;
      documents.push({ kind: 'error', message });
    }
  }
  return documents;
}

function yamlErrorMessage(message: string, position: { line: number; col: number } | undefined, firstLine: number): string {
  if (message.includes('Maximum call stack size exceeded')) return NESTED_TOO_DEEPLY;
  const text = message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '');
  return position ? `line ${position.line + firstLine - 1}, column ${position.col}: ${text}` : text;
}
