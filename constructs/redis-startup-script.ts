import { CONFIG_FILE_KEY, REDIS_PORT } from '../src/api/names.js';
import { MAX_PASSWORD_BYTES, PASSWORD_PROBLEMS } from '../src/config/password.js';

/** Where the ConfigMap is mounted (read-only). */
export const CONFIG_MOUNT = '/etc/redis';
/** A memory-backed emptyDir for the per-pod file, which may hold the password. */
export const RUN_MOUNT = '/run/redis';

/**
 * The container's shell entry point. The ConfigMap is shared by every pod, but replication and
 * the password differ per pod or must stay out of the ConfigMap, so each pod writes a small file
 * that includes the shared one and adds:
 * - `replicaof` the primary (ordinal 0) on every other ordinal;
 * - `requirepass`/`masterauth` from the Secret, read from the environment, never from the
 *   ConfigMap. REDIS_PASSWORD is set exactly when spec.auth.secretName is, so authentication is
 *   never silently off: a password that breaks the rule of src/config/password.ts (empty, a line
 *   break, too long) stops the pod with a message on stderr that names its Secret (from
 *   REDIS_PASSWORD_SOURCE), never its value.
 * Extra arguments are passed to redis-server (unused in the pod; tests use them to pick ports).
 *
 * Written for any POSIX sh (dash, bash, busybox). No `$(...)` appears in the text: the kubelet
 * expands `$(VAR)` in a container's command.
 */
// Shell text kept verbatim (no "${" in it, so the template literal interpolates nothing);
// @...@ placeholders are filled in below. REDIS_PRIMARY_HOST and REDIS_PRIMARY_PORT come from
// the pod's environment.
const SCRIPT = String.raw`set -e
conf="@RUN_DIR@/redis.conf"
@STRIP_PASSWORD_NEWLINE@
refuse() {
  printf 'redis-start: refusing to start Redis: the password (%s) %s\n' "@PASSWORD_SOURCE@" "$1" >&2
  exit 1
}
if [ -n "$REDIS_PASSWORD_SET" ]; then
  cr=` + '`' + String.raw`printf '\r'` + '`' + String.raw`
  case "$REDIS_PASSWORD" in
    '') refuse '@EMPTY@' ;;
    *"$nl"* | *"$cr"*) refuse '@LINE_BREAK@' ;;
  esac
  size=` + '`' + String.raw`printf '%s' "$REDIS_PASSWORD" | wc -c | tr -d ' '` + '`' + String.raw`
  if [ "$size" -gt @MAX_BYTES@ ]; then refuse "@TOO_LONG@"; fi
fi
{
  echo "include @CONFIG_FILE@"
  case "$POD_NAME" in
    *-0) ;;
    *) echo "replicaof $REDIS_PRIMARY_HOST $REDIS_PRIMARY_PORT" ;;
  esac
  if [ -n "$REDIS_PASSWORD_SET" ]; then
    for directive in requirepass masterauth; do
      printf '%s\n' "$REDIS_PASSWORD" | LC_ALL=C sed -e 's/[\\"]/\\&/g' -e "s/^/$directive \"/" -e 's/$/"/'
    done
  fi
} > "$conf"
exec redis-server "$conf" "$@"`;

/**
 * Shell lines that remove the one trailing newline the password rule allows from a variable
 * and note whether it was set at all (`${VAR+set}`, POSIX): `VAR_SET` is non-empty when it was.
 */
function stripTrailingNewline(variable: string): string {
  return [
    "nl='",
    "'",
    `${variable}_SET=\${${variable}+set}`,
    `if [ -n "$${variable}_SET" ]; then ${variable}=\${${variable}%"$nl"}; fi`,
  ].join('\n');
}

function singleQuotable(text: string): string {
  if (text.includes("'") || text.includes('$(')) throw new Error(`cannot embed in the start script: ${text}`);
  return text;
}

export function startupScript(paths: { configDir?: string; runDir?: string } = {}): string {
  return SCRIPT
    .replace('@STRIP_PASSWORD_NEWLINE@', stripTrailingNewline('REDIS_PASSWORD'))
    .replace('@PASSWORD_SOURCE@', '${REDIS_PASSWORD_SOURCE:-REDIS_PASSWORD}')
    .replace('@EMPTY@', singleQuotable(PASSWORD_PROBLEMS.empty))
    .replace('@LINE_BREAK@', singleQuotable(PASSWORD_PROBLEMS.lineBreak))
    .replace('@MAX_BYTES@', String(MAX_PASSWORD_BYTES))
    .replace('@TOO_LONG@', singleQuotable(PASSWORD_PROBLEMS.tooLong('$size')))
    .replaceAll('@CONFIG_FILE@', `${paths.configDir ?? CONFIG_MOUNT}/${CONFIG_FILE_KEY}`)
    .replaceAll('@RUN_DIR@', paths.runDir ?? RUN_MOUNT);
}

/**
 * The readiness probe: redis-cli authenticates with REDISCLI_AUTH, which holds the Secret's
 * value as it is, so the probe removes the trailing newline the password rule allows first (a
 * variable from the environment stays exported when it is assigned).
 */
export function readinessProbeScript(port: number = REDIS_PORT): string {
  return [stripTrailingNewline('REDISCLI_AUTH'), `redis-cli -h 127.0.0.1 -p ${port} ping | grep -q PONG`].join('\n');
}
