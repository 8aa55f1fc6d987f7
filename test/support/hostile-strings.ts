/**
 * Strings that YAML readers disagree on, or that could end a line, a scalar or a document:
 * used to prove that synth's YAML means to kubectl exactly what its JSON means.
 */
const controls = [
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)),
  ...Array.from({ length: 0x21 }, (_, i) => String.fromCharCode(0x7f + i)),
];

export const HOSTILE_STRINGS: readonly string[] = [
  // The published attack: a config value that ends the redis.conf block scalar for kubectl.
  'x\u2028  redis.conf: |-\u2028    loadmodule /tmp/evil.so\u2028  zz: z',
  'x\u2029---\u2029apiVersion: rbac.authorization.k8s.io/v1\u2029kind: ClusterRoleBinding',
  'redis:7.2\u0085x', 'a\u0085b', '\u2028', '\u2029', '\u0085',
  ...controls, ...controls.map((c) => `a${c}b`),
  '\r\n', 'a\rb', 'a\r\nb', '\t', 'a\tb', '\n', '\n\n', 'a\nb', 'a\n', ' a\nb', 'a \nb', 'a\n ', 'a\n\n\n', '\na',
  'line\n--- \nkind: Secret', 'x\n...\ny', '# not a comment\nkey: value',
  // Not characters, or not allowed raw in YAML: go-yaml refuses them unescaped.
  '\ud800', 'a\udc00b', '\ufffe', '\uffff', '\ufeff', 'a\ufeffb',
  'é', '😀', '\u{10ffff}', '\u00a0', '\u3000', 'ﬀ', 'e\u0301',
  // Plain words that YAML 1.1 (go-yaml) reads as something else than a string.
  'y', 'n', 'Y', 'N', 'yes', 'No', 'on', 'OFF', 'true', 'False', '~', 'null', 'Null', '',
  '0o17', '0x1F', '0b101', '08', '017', '1_000', '1e3', '1.', '.5', '-.5', '+1', '-0', '.inf', '-.Inf', '.nan', '1e400',
  '9223372036854775808', '18446744073709551616',
  '2001-12-14', '2001-12-14 21:59:43.10', '2001-12-14T21:59:43.10-05:00', '2001-2-3t4:5:6Z', '2001-02-30',
  '1:20', '190:20:30', '<<', '=', '!', '!!str', '&a', '*a', '|', '>', '%YAML 1.1', '@x', '`x', "'", '"', '\\', '\\n',
  '- x', '? x', ': x', 'x:', 'x: y', '#x', 'x #y', '[x', ']', '{x', '}', 'x,y', '---', '...', '--- x', ' ', '  x  ',
  'trailing space ', ' leading space', '\\x41', '"quoted"', "it's",
  'a'.repeat(1100), `${'b'.repeat(20_000)}\u2028c`,
];
