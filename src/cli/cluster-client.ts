import { KubeClient, type KubeClientOptions } from '../client/kube-client.js';
import { KubeconfigError } from '../client/kubeconfig.js';
import { InvalidInputError } from './exit-codes.js';

/** The client for `--kubeconfig PATH` (or the defaults); a missing or unusable kubeconfig is invalid input (exit 2). */
export function clusterClient(kubeconfigPath: string | undefined, options: KubeClientOptions = {}): KubeClient {
  try {
    return KubeClient.load(kubeconfigPath, options);
  } catch (error) {
    if (error instanceof KubeconfigError) throw new InvalidInputError([error.message]);
    throw error;
  }
}
