import { execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { readFile } from 'node:fs/promises';
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

/** What the real node runs beside the control plane, all from our cache. */
export interface RealNodeBinaries {
  readonly kubelet: string;
  readonly kubeProxy: string;
  readonly coredns: string;
  readonly localPathProvisioner: string;
  /** OCI image archives: `redis.oci.tar`, `pause.oci.tar`, `local-path-helper.oci.tar`. */
  readonly imagesDir: string;
  /** PAUSE_VERSION of versions.env: the pause image's tag. */
  readonly pauseVersion: string;
}

function runBuildScript(args: readonly string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // The build's progress goes to our stderr: the first build takes minutes.
    const build = spawn('bash', [BUILD_SCRIPT, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    build.on('error', reject);
    build.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${BUILD_SCRIPT} failed (exit code ${code}); see its output above`)),
    );
  });
}

async function printedDir(flag: string): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [BUILD_SCRIPT, flag]);
  return stdout.trim();
}

/**
 * Makes sure every binary exists (building the missing ones with build-binaries.sh, a quick
 * no-op when all are there) and returns where each is: KUBEBUILDER_ASSETS first, as envtest
 * does, then our cache.
 */
export async function ensureBinaries(): Promise<ControlPlaneBinaries> {
  await runBuildScript([]);
  return locateControlPlaneBinaries();
}

/** As ensureBinaries, and also the real node's binaries and images (`--real-node`). */
export async function ensureRealNodeBinaries(): Promise<{ controlPlane: ControlPlaneBinaries; realNode: RealNodeBinaries }> {
  await runBuildScript(['--real-node']);
  const dir = await printedDir('--print-real-node-dir');
  const locate = (name: string): string => {
    const path = join(dir, name);
    if (!isExecutable(path)) throw new Error(`${name} is not in ${dir}`);
    return path;
  };
  const imagesDir = join(dirname(dirname(dir)), 'images', 'real-node');
  return {
    controlPlane: await locateControlPlaneBinaries(),
    realNode: {
      kubelet: locate('kubelet'),
      kubeProxy: locate('kube-proxy'),
      coredns: locate('coredns'),
      localPathProvisioner: locate('local-path-provisioner'),
      imagesDir,
      pauseVersion: await pinnedVersion('PAUSE_VERSION'),
    },
  };
}

/** A version pinned in versions.env. */
async function pinnedVersion(name: string): Promise<string> {
  const text = await readFile(join(dirname(BUILD_SCRIPT), 'versions.env'), 'utf8');
  const value = new RegExp(`^${name}=(\\S+)$`, 'm').exec(text)?.[1];
  if (value === undefined) throw new Error(`versions.env pins no ${name}`);
  return value;
}

async function locateControlPlaneBinaries(): Promise<ControlPlaneBinaries> {
  const cacheDir = await printedDir('--print-dir');
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
