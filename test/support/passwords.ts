/**
 * Secret values for the password rule (src/config/password.ts), as `kubectl create secret`
 * and editors produce them, with the password Redis must be configured with, or `null` when the
 * pod must refuse to start.
 */
export interface PasswordCase {
  readonly what: string;
  readonly secretValue: string;
  readonly password: string | null;
}

export const PASSWORD_CASES: readonly PasswordCase[] = [
  { what: 'a plain word', secretValue: 'hunter2', password: 'hunter2' },
  { what: 'one trailing newline (echo pw > f; --from-file)', secretValue: 'hunter2\n', password: 'hunter2' },
  { what: 'quotes, backslashes and spaces', secretValue: 'p"a ss\\word', password: 'p"a ss\\word' },
  { what: 'leading and trailing spaces', secretValue: '  spaced out  ', password: '  spaced out  ' },
  { what: 'a tab', secretValue: 'tab\there', password: 'tab\there' },
  { what: 'non-ASCII text', secretValue: 'héllo wörld 😀\n', password: 'héllo wörld 😀' },
  { what: 'shell syntax', secretValue: '$HOME `id` $(id) ${x} ; | & *', password: '$HOME `id` $(id) ${x} ; | & *' },
  { what: 'an echo flag', secretValue: '-n', password: '-n' },
  { what: 'printf and sed syntax', secretValue: '%s%n\\1&/', password: '%s%n\\1&/' },
  { what: 'what Redis would decode in quotes', secretValue: '\\x41\\n', password: '\\x41\\n' },
  { what: 'a comment sign and a quote', secretValue: "#it's", password: "#it's" },
  { what: 'other control characters', secretValue: '\x01\x1b[31m\x7f', password: '\x01\x1b[31m\x7f' },
  { what: 'a directive as text', secretValue: 'x" \nrequirepass "', password: null },
  { what: 'exactly 16384 bytes', secretValue: 'a'.repeat(16384), password: 'a'.repeat(16384) },
  { what: '16384 bytes and the trailing newline', secretValue: `${'b'.repeat(16384)}\n`, password: 'b'.repeat(16384) },
  { what: 'nothing', secretValue: '', password: null },
  { what: 'only a newline', secretValue: '\n', password: null },
  { what: 'two newlines', secretValue: '\n\n', password: null },
  { what: 'two trailing newlines', secretValue: 'hunter2\n\n', password: null },
  { what: 'a Windows line end', secretValue: 'hunter2\r\n', password: null },
  { what: 'two lines', secretValue: 'first\nsecond', password: null },
  { what: 'a carriage return', secretValue: 'first\rsecond', password: null },
  { what: 'a leading carriage return', secretValue: '\rhunter2', password: null },
  { what: 'a second requirepass line', secretValue: 'hunter2\nrequirepass ""', password: null },
  { what: '16385 bytes', secretValue: 'a'.repeat(16385), password: null },
  { what: '8193 two-byte characters (16386 bytes)', secretValue: 'é'.repeat(8193), password: null },
];
