import { CONFIG_FILE_KEY } from '../src/api/names.js';

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
 *   ConfigMap.
 * Extra arguments are passed to redis-server (unused in the pod; tests use them to pick ports).
 *
 * No `$(...)` appears in the text: the kubelet expands `$(VAR)` in a container's command.
 */
// Shell text kept verbatim (no "${" in it, so the template literal interpolates nothing);
// @CONFIG_FILE@ and @RUN_DIR@ are filled in below. REDIS_PRIMARY_HOST and REDIS_PRIMARY_PORT come
// from the pod's environment.
const SCRIPT = String.raw`set -e
conf="@RUN_DIR@/redis.conf"
{
  echo "include @CONFIG_FILE@"
  case "$POD_NAME" in
    *-0) ;;
    *) echo "replicaof $REDIS_PRIMARY_HOST $REDIS_PRIMARY_PORT" ;;
  esac
  if [ -n "$REDIS_PASSWORD" ]; then
    for directive in requirepass masterauth; do
      printf '%s\n' "$REDIS_PASSWORD" | sed -e 's/[\\"]/\\&/g' -e "s/^/$directive \"/" -e 's/$/"/'
    done
  fi
} > "$conf"
exec redis-server "$conf" "$@"`;

export function startupScript(paths: { configDir?: string; runDir?: string } = {}): string {
  return SCRIPT
    .replaceAll('@CONFIG_FILE@', `${paths.configDir ?? CONFIG_MOUNT}/${CONFIG_FILE_KEY}`)
    .replaceAll('@RUN_DIR@', paths.runDir ?? RUN_MOUNT);
}
