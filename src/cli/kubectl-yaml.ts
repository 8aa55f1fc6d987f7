/**
 * YAML as kubectl reads it. kubectl (go-yaml v2, YAML 1.1) treats U+0085, U+2028 and U+2029 as
 * line breaks, refuses most other control characters, and resolves plain scalars by its own
 * rules (go-yaml-scalars.ts), so YAML that other readers see as one string can be several keys,
 * or other objects, to kubectl. synth's output goes to kubectl (often unread, in a pipeline),
 * so it is written here to mean the same to every reader whatever its strings hold.
 */
import { stringify, type ScalarTag, type Tags } from 'yaml';
import { isPlainString } from './go-yaml-scalars.js';

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
