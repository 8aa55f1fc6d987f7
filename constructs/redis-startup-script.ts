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
 * - `replicaof` the client Service unless REDIS_ROLE is `primary`: only the pod the operator
 *   labelled primary starts as one (its data is on its volume); any other pod, a new one or one
 *   whose role moved while it was down, starts as a replica and never serves writes;
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
// @...@ placeholders are filled in below. REDIS_ROLE, REDIS_PRIMARY_HOST and REDIS_PRIMARY_PORT
// come from the pod's environment.
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
  case "$REDIS_ROLE" in
    primary) ;;
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

/**
 * How long the preStop hook holds a primary's pod for the operator's FAILOVER: time for the pod
 * watch to report the deletion, a reconcile to look at every pod, and FAILOVER's own pause
 * (HAND_OVER_TIMEOUT_MS in the replication reconciler) with room to spare.
 */
export const HAND_OVER_WAIT_SECONDS = 10;
/**
 * How long, within that, a pod that handed over may wait for the client Service to reach the new
 * primary. kube-proxy applies an EndpointSlice change at most once a second, and it applied one
 * when this pod turned terminating; until it applies the next, new connections to the Service
 * still come here.
 */
export const HAND_OVER_SETTLE_SECONDS = 3;
/** Between two looks of the hook: the old primary stops this soon after the Service moved on. */
const HAND_OVER_LOOK_SECONDS = 0.2;
/** How long one look may take; a Redis that does not answer within it has nothing to hand over. */
const HAND_OVER_LOOK_TIMEOUT_SECONDS = 1;

// Shell text; it holds no "${", so the template literal interpolates nothing. @...@ placeholders
// are filled in below; REDIS_PRIMARY_HOST and REDIS_PRIMARY_PORT (the client Service) come from
// the pod's environment.
const PRE_STOP = `@STRIP_PASSWORD_NEWLINE@
looks=0
settling=0
while [ "$looks" -lt @LOOKS@ ]; do
  if [ "$settling" -eq 0 ]; then
    info=\`timeout @LOOK_TIMEOUT@ redis-cli -h 127.0.0.1 -p @PORT@ info replication 2>/dev/null\` || exit 0
    case "$info" in
      *role:master*)
        case "$info" in *connected_slaves:0*) exit 0 ;; esac ;;
      *)
        if [ "$looks" -eq 0 ] || [ -z "$REDIS_PRIMARY_HOST" ]; then exit 0; fi
        settling=1 ;;
    esac
  fi
  if [ "$settling" -gt 0 ]; then
    case \`timeout @LOOK_TIMEOUT@ redis-cli -h "$REDIS_PRIMARY_HOST" -p "$REDIS_PRIMARY_PORT" info replication 2>/dev/null\` in
      *role:master*) exit 0 ;;
    esac
    if [ "$settling" -ge @SETTLE_LOOKS@ ]; then exit 0; fi
    settling=\`expr "$settling" + 1\`
  fi
  sleep @LOOK_INTERVAL@
  looks=\`expr "$looks" + 1\`
done`;

/**
 * The redis container's preStop hook. The kubelet runs it when the pod is deleted (a `kubectl
 * delete`, a drain, an eviction) and sends SIGTERM only once it returns.
 * - While Redis here is a primary with a replica connected, it waits for the operator's
 *   coordinated FAILOVER to make it a replica. Until then the old primary keeps serving: kube-proxy
 *   sends the client Service's traffic to a terminating pod that is still serving while no other
 *   pod is ready.
 * - Once it is a replica, it waits (up to `settleSeconds`) until the client Service answers as a
 *   primary, that is until this node's kube-proxy sends it to the new one. Meanwhile a client
 *   that still reaches this pod gets `READONLY` at once; were Redis and the pod's address gone,
 *   its connection attempt would wait for a timeout instead.
 * - Anything else returns at once: a pod that was a replica to begin with, a primary with no
 *   replica to take over (`replicas: 1`), a Redis that refuses the password or does not answer, a
 *   shell without `timeout` or `redis-cli`.
 * The whole wait is bounded by `waitSeconds`. The password comes from REDISCLI_AUTH in the hook's
 * environment, as for the readiness probe, never from the command line.
 */
export function preStopScript(options: { port?: number; waitSeconds?: number; settleSeconds?: number } = {}): string {
  const looks = (seconds: number) => String(Math.ceil(seconds / HAND_OVER_LOOK_SECONDS));
  return PRE_STOP
    .replace('@STRIP_PASSWORD_NEWLINE@', stripTrailingNewline('REDISCLI_AUTH'))
    .replace('@LOOKS@', looks(options.waitSeconds ?? HAND_OVER_WAIT_SECONDS))
    .replace('@SETTLE_LOOKS@', looks(options.settleSeconds ?? HAND_OVER_SETTLE_SECONDS))
    .replaceAll('@LOOK_TIMEOUT@', String(HAND_OVER_LOOK_TIMEOUT_SECONDS))
    .replace('@PORT@', String(options.port ?? REDIS_PORT))
    .replace('@LOOK_INTERVAL@', String(HAND_OVER_LOOK_SECONDS));
}
