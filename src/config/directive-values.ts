/** How Redis reads the value of a directive that takes several words. */

/** The words of a multi-argument value, as Redis splits it (whatever the spacing). */
export function wordsOf(value: string): string[] {
  return value.trim().split(/\s+/).filter((w) => w !== '');
}

// `slave` is the older name of the `replica` client class; Redis accepts both and prints `slave`.
const CLIENT_CLASS_ALIASES: Readonly<Record<string, string>> = { slave: 'replica' };

/**
 * The `class hard soft seconds` groups of a `client-output-buffer-limit` value, by class. It is
 * the one directive whose CONFIG SET merges: classes left out keep their running limits.
 */
export function outputBufferLimits(value: string): Map<string, readonly string[]> {
  const words = wordsOf(value);
  const limits = new Map<string, readonly string[]>();
  for (let i = 0; i + 3 < words.length; i += 4) {
    const name = words[i]!.toLowerCase();
    limits.set(CLIENT_CLASS_ALIASES[name] ?? name, words.slice(i + 1, i + 4));
  }
  return limits;
}
