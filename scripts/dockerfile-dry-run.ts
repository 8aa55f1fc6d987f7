/**
 * Runs the Dockerfile's steps without a container engine, to prove them where none runs:
 * each stage gets a scratch directory standing in for its filesystem under WORKDIR; COPY copies
 * from the build context (honouring .dockerignore) or from an earlier stage; RUN runs with sh
 * there, with the stage's ENV; finally the ENTRYPOINT runs from the last stage with the given
 * arguments (default: --help). The base image is this machine (its Node), so the check is of
 * our steps, not of the base image.
 *
 * Usage: tsx scripts/dockerfile-dry-run.ts [args for the entrypoint...]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';

const context = resolve(import.meta.dirname, '..');
const lines = readFileSync(join(context, 'Dockerfile'), 'utf8')
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const ignored = existsSync(join(context, '.dockerignore'))
  ? readFileSync(join(context, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean)
  : [];

const scratch = mkdtempSync(join(tmpdir(), 'redis-operator-image-'));
const stages: Array<{ name: string; root: string; workdir: string; env: Record<string, string> }> = [];
let entrypoint: string[] = [];

function copyFromContext(sources: string[], destination: string): void {
  for (const source of sources) {
    cpSync(join(context, source), destination.endsWith('/') || sources.length > 1 ? join(destination, basename(source)) : destination, {
      recursive: true,
      filter: (path) => !ignored.some((pattern) => relative(context, path).split('/')[0] === pattern),
    });
  }
}

try {
  for (const line of lines) {
    const [instruction = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    const stage = stages.at(-1);
    switch (instruction.toUpperCase()) {
      case 'FROM': {
        const name = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? `stage${stages.length}`;
        const root = join(scratch, name);
        mkdirSync(root, { recursive: true });
        stages.push({ name, root, workdir: root, env: {} });
        console.log(`== FROM ${args} (scratch ${root})`);
        break;
      }
      case 'WORKDIR':
        stage!.workdir = join(stage!.root, args);
        mkdirSync(stage!.workdir, { recursive: true });
        break;
      case 'ENV': {
        const [key, ...value] = args.split('=');
        stage!.env[key!] = value.join('=');
        break;
      }
      case 'COPY': {
        const parts = rest.filter((p) => !p.startsWith('--'));
        const from = rest.find((p) => p.startsWith('--from='))?.slice('--from='.length);
        const destination = join(stage!.workdir, parts.at(-1)!);
        if (from) {
          const source = stages.find((s) => s.name === from);
          if (!source) throw new Error(`COPY --from=${from}: no such stage`);
          const path = parts[0]!;
          cpSync(path.startsWith('/') ? join(source.root, path) : join(source.workdir, path), destination, { recursive: true });
        } else {
          copyFromContext(parts.slice(0, -1), destination);
        }
        console.log(`   COPY ${args}`);
        break;
      }
      case 'RUN': {
        console.log(`   RUN ${args}`);
        execFileSync('sh', ['-c', args], { cwd: stage!.workdir, stdio: 'inherit', env: { ...process.env, ...stage!.env } });
        break;
      }
      case 'ENTRYPOINT':
        entrypoint = JSON.parse(args) as string[];
        break;
      default:
        break; // USER, CMD, syntax directives: nothing to do outside a container.
    }
  }
  const last = stages.at(-1)!;
  const argv = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['--help'];
  console.log(`== ENTRYPOINT ${entrypoint.join(' ')} ${argv.join(' ')}`);
  const result = spawnSync(entrypoint[0]!, [...entrypoint.slice(1), ...argv], { cwd: last.workdir, stdio: 'inherit', env: { ...process.env, ...last.env } });
  const devDependencies = ['vitest', 'typescript', 'cdk8s-cli', 'tsx'].filter((d) => existsSync(join(last.workdir, 'node_modules', d)));
  if (devDependencies.length > 0) throw new Error(`the final stage has development dependencies: ${devDependencies.join(', ')}`);
  console.log(`== final stage holds production dependencies only; entrypoint exited ${result.status}`);
  process.exitCode = result.status ?? 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
