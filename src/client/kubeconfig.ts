/**
 * Where the operator's credentials come from, in client-go's order: an explicit file, else the
 * files `$KUBECONFIG` names, else `~/.kube/config`, else the pod's service account. Finding none
 * is an error that says so; client-node would instead fall back to `http://localhost:8080`, and
 * the first request would fail with "HTTP protocol is not allowed when skipTLSVerify is not set",
 * which names neither the cause nor the fix.
 */
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** No usable kubeconfig: the user must pass or fix one (the CLI exits 2). */
export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

export interface KubeconfigSources {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default os.homedir() */
  readonly home?: string;
  /** The in-cluster service account token. @default /var/run/secrets/kubernetes.io/serviceaccount/token */
  readonly serviceAccountToken?: string;
}

/** The kubeconfig to use, from `path` when given, else from where client-go would look. */
export function loadKubeConfig(path?: string, sources: KubeconfigSources = {}): KubeConfig {
  const env = sources.env ?? process.env;
  if (path !== undefined) return fromFiles([path], `--kubeconfig ${path}`);
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((file) => file !== '');
  if (listed.length > 0) return fromFiles(listed, `KUBECONFIG=${env.KUBECONFIG}`);
  const home = join(sources.home ?? homedir(), '.kube', 'config');
  if (readable(home)) return fromFiles([home], home);
  const token = sources.serviceAccountToken ?? SERVICE_ACCOUNT_TOKEN;
  if (env.KUBERNETES_SERVICE_HOST && readable(token)) {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromCluster();
    return kubeConfig;
  }
  throw new KubeconfigError('no kubeconfig found: pass --kubeconfig or set KUBECONFIG (in a cluster, the pod\'s service account is used)');
}

function fromFiles(files: readonly string[], source: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  files.forEach((file, index) => {
    try {
      accessSync(file, constants.R_OK);
    } catch (error) {
      throw new KubeconfigError(`cannot read kubeconfig ${file} (${source}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const loaded = index === 0 ? kubeConfig : new KubeConfig();
    try {
      // loadFromFile, not loadFromString: relative certificate paths are relative to the file.
      loaded.loadFromFile(file);
      // As client-go merges KUBECONFIG's files: the first to name a current context wins.
      if (loaded !== kubeConfig) kubeConfig.mergeConfig(loaded, Boolean(kubeConfig.getCurrentContext()));
    } catch (error) {
      throw new KubeconfigError(`kubeconfig ${file} is not valid: ${(error as Error).message}`);
    }
  });
  const first = files[0]!;
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster?.server) {
    throw new KubeconfigError(`kubeconfig ${first} has no current context with a cluster server (current-context: ${kubeConfig.getCurrentContext() || 'unset'})`);
  }
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    throw new KubeconfigError(`kubeconfig ${first}: cluster ${cluster.name} is plain HTTP (${cluster.server}); use its https:// address`);
  }
  return kubeConfig;
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
