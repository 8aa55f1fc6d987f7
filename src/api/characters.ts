/**
 * Characters that free-form fields (config values, the image) must not carry, and how errors
 * name them. Shared by the offline validation and the CRD's CEL messages, so both say the same.
 *
 * Lengths and positions count Unicode code points, as the API server does (OpenAPI `maxLength`
 * and CEL's `size()` and `indexOf()` count runes), never UTF-16 units.
 */

const NAMES: Readonly<Record<number, string>> = {
  0x00: 'NUL', 0x09: 'tab', 0x0a: 'line feed', 0x0b: 'vertical tab', 0x0c: 'form feed',
  0x0d: 'carriage return', 0x1b: 'escape', 0x20: 'space', 0x7f: 'delete',
  0x85: 'next line', 0xa0: 'no-break space', 0x1680: 'ogham space mark', 0x180e: 'Mongolian vowel separator',
  0x2000: 'en quad', 0x2001: 'em quad', 0x2002: 'en space', 0x2003: 'em space', 0x2004: 'three-per-em space',
  0x2005: 'four-per-em space', 0x2006: 'six-per-em space', 0x2007: 'figure space', 0x2008: 'punctuation space',
  0x2009: 'thin space', 0x200a: 'hair space', 0x200b: 'zero width space', 0x200c: 'zero width non-joiner',
  0x200d: 'zero width joiner', 0x2028: 'line separator', 0x2029: 'paragraph separator',
  0x202f: 'narrow no-break space', 0x205f: 'medium mathematical space', 0x3000: 'ideographic space',
  0xfeff: 'zero width no-break space',
};

function categoryOf(codePoint: number): string | undefined {
  if (codePoint < 0x20) return 'a control character';
  if (codePoint >= 0x80 && codePoint <= 0x9f) return 'a C1 control character';
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return 'a lone surrogate, not a character';
  return undefined;
}

/** `U+2028 (line separator)`, `U+0081 (a C1 control character)`, `U+00E9 "é"`. */
export function describeCharacter(character: string): string {
  const codePoint = character.codePointAt(0) ?? 0;
  const hex = codePoint.toString(16).toUpperCase().padStart(4, '0');
  const name = NAMES[codePoint] ?? categoryOf(codePoint);
  return name !== undefined ? `U+${hex} (${name})` : `U+${hex} ${JSON.stringify(character)}`;
}

/**
 * Never allowed in a config value: C0 controls, DEL and C1 controls would end or corrupt a
 * redis.conf line; U+0085, U+2028 and U+2029 are line breaks to YAML 1.1 readers such as kubectl,
 * so a value holding them could end a YAML block scalar and add keys or objects to a manifest.
 * Lone surrogates are not characters: no YAML or JSON reader in Go keeps them.
 */
export function isForbiddenInValue(codePoint: number): boolean {
  return codePoint <= 0x1f || (codePoint >= 0x7f && codePoint <= 0x9f) ||
    codePoint === 0x2028 || codePoint === 0x2029 || (codePoint >= 0xd800 && codePoint <= 0xdfff);
}

/** The characters of an image reference: printable ASCII, no spaces (the distribution grammar). */
export function isAllowedInImage(codePoint: number): boolean {
  return codePoint >= 0x21 && codePoint <= 0x7e;
}

/** An RE2 character class (Go's regexp works on runes) and its complement, for CEL rules. */
export interface RegExpClass {
  readonly re2: string;
  readonly complementRe2: string;
}

const VALUE_RANGES = String.raw`\x{00}-\x{1f}\x{7f}-\x{9f}\x{2028}\x{2029}`;
/** What a config value refuses (lone surrogates never reach the API server: JSON has none). */
export const FORBIDDEN_IN_VALUE: RegExpClass = { re2: `[${VALUE_RANGES}]`, complementRe2: `[^${VALUE_RANGES}]` };
/** What an image refuses. */
export const FORBIDDEN_IN_IMAGE: RegExpClass = { re2: String.raw`[^\x{21}-\x{7e}]`, complementRe2: String.raw`[\x{21}-\x{7e}]` };

/** Characters whose name the API server's messages spell out; others it quotes. */
export const NAMED_CHARACTERS: readonly string[] = [
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCodePoint(i)),
  ...Array.from({ length: 0x21 }, (_, i) => String.fromCodePoint(0x7f + i)),
  ...Object.keys(NAMES).map(Number).filter((c) => c > 0x9f || c === 0x20).map((c) => String.fromCodePoint(c)),
];

export interface FoundCharacter {
  readonly character: string;
  /** 1-based, in code points. */
  readonly position: number;
}

/** The first character for which `refused` holds, with its position. */
export function findCharacter(value: string, refused: (codePoint: number) => boolean): FoundCharacter | undefined {
  let position = 0;
  for (const character of value) {
    position += 1;
    if (refused(character.codePointAt(0) ?? 0)) return { character, position };
  }
  return undefined;
}

/** Length in code points, as the API server counts `maxLength`. */
export function codePointLength(value: string): number {
  let length = 0;
  for (const _ of value) length += 1;
  return length;
}
