/**
 * The one rule for the password in `spec.auth.secretName`'s Secret, shared by the pod's start
 * script (constructs/redis-startup-script.ts, which refuses to start Redis otherwise) and the
 * operator (which reports the problem and talks to Redis with the same password).
 *
 * - Exactly one trailing "\n" is removed: `echo pw > f; kubectl create secret generic x
 *   --from-file=password=f` stores "pw\n", and its author means "pw".
 * - Then it must not be empty: `requirepass ""` means no authentication at all, although the
 *   instance asked for it.
 * - It must hold no other line feed or carriage return: the pod writes one `requirepass` line,
 *   and a second line would be read as another directive (`requirepass ""` turned
 *   authentication off).
 * - No NUL: no environment variable can carry one (the container would not start).
 * - At most MAX_PASSWORD_BYTES bytes: Redis refuses a longer argument from a client that has not
 *   authenticated yet, so no client, replica or probe could log in.
 *
 * Messages never contain the password.
 */

/**
 * redis-server (7.0 and 6.2 alike) answers "Protocol error: unauthenticated bulk length" to any
 * argument longer than 16384 bytes before AUTH has succeeded (networking.c), so AUTH with a
 * longer password cannot work. Proven against a real redis-server in the tests.
 */
export const MAX_PASSWORD_BYTES = 16 * 1024;

/** The problems, as sentences that follow "the password ..."; the start script prints the same. */
export const PASSWORD_PROBLEMS = {
  empty: 'is empty: Redis would run without authentication although spec.auth.secretName is set',
  lineBreak: 'holds a line break (only one trailing newline is allowed, and it is removed): it would end the requirepass line',
  nul: 'holds a NUL byte, which no environment variable can carry',
  tooLong: (bytes: number | string) =>
    `is ${bytes} bytes long: Redis accepts at most ${MAX_PASSWORD_BYTES} bytes in AUTH from a client that has not logged in`,
} as const;

export type PasswordReading<T extends string | Uint8Array> =
  | { readonly kind: 'accepted'; readonly password: T }
  | { readonly kind: 'refused'; readonly problem: string };

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;

/**
 * Applies the rule to the Secret's value (its bytes, or their text) and returns the password
 * Redis is configured with, in the same form, or the problem.
 */
export function readPassword<T extends string | Uint8Array>(value: T): PasswordReading<T> {
  const bytes: Uint8Array = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const end = bytes.length > 0 && bytes[bytes.length - 1] === LF ? bytes.length - 1 : bytes.length;
  const password = bytes.subarray(0, end);
  if (password.length === 0) return { kind: 'refused', problem: PASSWORD_PROBLEMS.empty };
  if (password.includes(NUL)) return { kind: 'refused', problem: PASSWORD_PROBLEMS.nul };
  if (password.includes(LF) || password.includes(CR)) return { kind: 'refused', problem: PASSWORD_PROBLEMS.lineBreak };
  if (password.length > MAX_PASSWORD_BYTES) return { kind: 'refused', problem: PASSWORD_PROBLEMS.tooLong(password.length) };
  const accepted = typeof value === 'string' ? value.slice(0, value.endsWith('\n') ? -1 : undefined) : password;
  return { kind: 'accepted', password: accepted as T };
}

/** Why the Secret's value cannot be the password, or undefined when it can. */
export function passwordProblem(value: string | Uint8Array): string | undefined {
  const reading = readPassword(value);
  return reading.kind === 'refused' ? reading.problem : undefined;
}
