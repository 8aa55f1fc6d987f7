import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Resources } from '../../../src/client/resources.js';
import type { KubeObject } from '../../../src/client/objects.js';
import { freshNamespace } from '../../cluster/namespace.js';
import { IMAGES } from '../../cluster/real-node/node-config.js';
import { REAL_NODE_LOCK_FILE } from '../../cluster/real-node/lock.js';
import { processesNaming } from '../../cluster/real-node/host-snapshot.js';
import { pollResult, waitFor } from '../../cluster/wait.js';
import { testClient } from '../../support/kube.js';
import { clusterDir, getPod, isReady } from '../support/real-node.js';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cluster', 'cli.ts');

describe('one real node per machine', () => {
  it('makes a second `up --real-node` wait on the lock and say so, starting nothing, and an interrupted wait leaves nothing behind', async () => {
    // A pod of the running node, to show that the waiting cluster never touches it.
    const client = testClient();
    const { name: ns } = await freshNamespace({ prefix: 'lock' });
    await client.create(Resources.pod, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bystander', namespace: ns },
      spec: { containers: [{ name: 'redis', image: IMAGES.redis, imagePullPolicy: 'Never', command: ['redis-server', '--save', ''] }], terminationGracePeriodSeconds: 0 },
    } as KubeObject);
    const bystander = await waitFor(async () => {
      const pod = await getPod(client, ns, 'bystander');
      return pollResult(isReady(pod) ? pod : undefined);
    }, { description: 'the bystander pod to run', timeoutMs: 60_000 });

    const parent = await mkdtemp(join(tmpdir(), 'redis-operator-second-'));
    onTestFinished(() => rm(parent, { recursive: true, force: true }));
    const dir = join(parent, 'cluster');
    const second = spawn(process.execPath, ['--import', 'tsx', CLI, 'up', '--real-node', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    second.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    second.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((done) => second.on('exit', (code) => done(code)));
    try {
      await waitFor(async () => pollResult(output.includes('Another real node is running on this machine') || undefined, output),
        { description: 'the second up to say it waits', timeoutMs: 60_000, intervalMs: 100 });
      expect(output).toContain(`(state in ${clusterDir()})`);
      expect(output).toContain(REAL_NODE_LOCK_FILE);
      // Waiting, it has started no component: besides itself, only its lock holder names its directory.
      const running = (await processesNaming(dir)).filter((line) => !line.startsWith(`${second.pid}: `));
      expect(running).toHaveLength(1);
      expect(running[0]).toContain('redis-operator-real-node-lock');
      expect((await readdir(dir)).sort()).toEqual(['cluster.json', 'real-node-lock.status']);
    } finally {
      second.kill('SIGINT');
    }
    expect(await exited).toBe(130);
    expect(output).toContain(`Interrupted; stopping what was started in ${dir}.`);
    expect(await processesNaming(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(false);

    const after = await getPod(client, ns, 'bystander');
    expect(isReady(after)).toBe(true);
    expect(after.status?.containerStatuses?.[0]?.restartCount).toBe(bystander.status?.containerStatuses?.[0]?.restartCount);
  });
});
