import { spawn } from 'node:child_process';

export interface KubectlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs kubectl (from PATH) with `input` on stdin. */
export function kubectl(args: readonly string[], input = '', env: Record<string, string> = {}): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.once('error', (error) => reject(new Error(`kubectl could not be run (${error.message}); install kubectl, e.g. the kubernetes-client package`)));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** A label no object carries, so removing it changes nothing. */
const ABSENT_LABEL = 'redis-operator.test/absent';

/**
 * The objects kubectl makes of a manifest stream, read exactly as `kubectl apply -f` reads
 * them, without a cluster: `kubectl label --local` decodes with the same resource builder and
 * decoder (sigs.k8s.io/yaml over go-yaml v2, or encoding/json for JSON) and prints each object
 * as JSON. Every object must carry `metadata.labels` (kubectl adds an empty map otherwise).
 */
export async function kubectlRead(manifests: string): Promise<unknown[]> {
  const result = await kubectl(['label', '--local', '-f', '-', '-o', 'json', `${ABSENT_LABEL}-`], manifests, { KUBECONFIG: '/dev/null' });
  if (result.code !== 0) throw new Error(`kubectl could not read the manifests: ${result.stderr.trim()}`);
  // One pretty-printed object after another: a line "}" followed by "{" only occurs between
  // objects, since JSON strings hold no raw line breaks and nested braces are indented.
  return JSON.parse(`[${result.stdout.trim().replaceAll('\n}\n{', '\n},\n{')}]`) as unknown[];
}
