/**
 * Whether what CONFIG GET shows is what CONFIG SET was given. Redis answers in its own spelling
 * (`100mb` reads back as `104857600`, `Ex` as `xE`, YES as yes), so an exact comparison would
 * report every such change as failed; these rules accept exactly those respellings.
 */
import { outputBufferLimits, wordsOf } from '../config/directive-values.js';

// Redis's memtoll: k/m/g are powers of 1000, kb/mb/gb powers of 1024, case-insensitive.
const MEMORY = /^(\d+)(k|kb|m|mb|g|gb)?$/i;
const MEMORY_UNITS: Readonly<Record<string, number>> = { k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };

function sameWord(requested: string, observed: string): boolean {
  if (requested.toLowerCase() === observed.toLowerCase()) return true;
  const memory = MEMORY.exec(requested);
  if (memory !== null && /^\d+$/.test(observed)) {
    const unit = memory[2]?.toLowerCase();
    return Number(memory[1]) * (unit === undefined ? 1 : MEMORY_UNITS[unit]!) === Number(observed);
  }
  const a = Number(requested);
  const b = Number(observed);
  return requested.trim() !== '' && Number.isFinite(a) && Number.isFinite(b) && a === b;
}

function sameWords(requested: readonly string[], observed: readonly string[]): boolean {
  return requested.length === observed.length && requested.every((word, i) => sameWord(word, observed[i]!));
}

// Every class Redis's notify-keyspace-events `A` stands for, in all supported versions.
const ALL_EVENT_CLASSES = 'g$lshzxetd';

function eventClasses(value: string): Set<string> {
  return new Set(value.replace(/A/g, ALL_EVENT_CLASSES).split(''));
}

function sameSet<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/** Whether `observed` (CONFIG GET) shows the value `requested` (CONFIG SET) for directive `name`. */
export function configValueMatches(name: string, requested: string, observed: string): boolean {
  if (requested === observed) return true;
  switch (name.toLowerCase()) {
    case 'notify-keyspace-events':
      return sameSet(eventClasses(requested), eventClasses(observed));
    case 'client-output-buffer-limit': {
      const held = outputBufferLimits(observed);
      const wanted = outputBufferLimits(requested);
      return wanted.size > 0 && [...wanted].every(([cls, limits]) => {
        const got = held.get(cls);
        return got !== undefined && sameWords(limits, got);
      });
    }
    default: {
      const requestedWords = wordsOf(requested);
      const observedWords = wordsOf(observed);
      if (sameWords(requestedWords, observedWords)) return true;
      // Flag lists (shutdown-on-sigterm `now nosave`) read back in Redis's order.
      return sameWords([...requestedWords].sort(), [...observedWords].sort());
    }
  }
}
