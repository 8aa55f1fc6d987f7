import { onTestFinished } from 'vitest';
import { Resources } from '../../src/client/resources.js';
import { testKubeConfig } from '../cluster/namespace.js';
import { pollResult, waitFor } from '../cluster/wait.js';
import { installRedisInstanceCrd } from './crd.js';
import { testClient } from './kube.js';
import { startOperator, type RunningOperator, type StartOperatorOptions } from './operator.js';

/**
 * An operator for one test's namespace. Before it stops, the test's instances are deleted and
 * their finalizers run; an operator stopped first would leave them, and their namespace,
 * Terminating for good (as in any cluster whose operator is gone).
 */
export async function operatorFor(options: StartOperatorOptions & { namespace: string }): Promise<RunningOperator> {
  await installRedisInstanceCrd(testKubeConfig());
  const operator = await startOperator(options);
  onTestFinished(async () => {
    const client = testClient();
    const instances = await client.list(Resources.redisInstance, { namespace: options.namespace });
    await Promise.all(instances.items.map((i) => client.delete(Resources.redisInstance, i.metadata.name, options.namespace)));
    await waitFor(async () => {
      const left = (await client.list(Resources.redisInstance, { namespace: options.namespace })).items.length;
      return pollResult(left === 0 || undefined, `${left} left`);
    }, { description: 'the test\'s instances to be deleted', timeoutMs: 60_000 }).catch(() => undefined);
    await operator.stop();
  });
  return operator;
}
