import { execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BUILD_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'build-binaries.sh');

/** Absolute paths of the executables the local control plane runs. */
export interface ControlPlaneBinaries {
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
  readonly kwok: string;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure every binary exists (building the missing ones with build-binaries.sh, a quick
 * no-op when all are there) and returns where each is: KUBEBUILDER_ASSETS first, as envtest
 * does, then our cache.
 */
export async function ensureBinaries(): Promise<ControlPlaneBinaries> {
  await new Promise<void>((resolve, reject) => {
    // The build's progress goes to our stderr: the first build takes minutes.
    const build = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'inherit', 'inherit'] });
    build.on('error', reject);
    build.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${BUILD_SCRIPT} failed (exit code ${code}); see its output above`)),
    );
  });
  const { stdout } = await promisify(execFile)('bash', [BUILD_SCRIPT, '--print-dir']);
  const cacheDir = stdout.trim();
  const assetsDir = process.env.KUBEBUILDER_ASSETS;
  const locate = (name: string): string => {
    if (assetsDir !== undefined && assetsDir !== '' && isExecutable(join(assetsDir, name))) return join(assetsDir, name);
    const cached = join(cacheDir, name);
    if (isExecutable(cached)) return cached;
    throw new Error(`${name} is neither in KUBEBUILDER_ASSETS nor in ${cacheDir}`);
  };
  return {
    etcd: locate('etcd'),
    kubeApiserver: locate('kube-apiserver'),
    kubeControllerManager: locate('kube-controller-manager'),
    kubeScheduler: locate('kube-scheduler'),
    kwok: locate('kwok'),
  };
}
