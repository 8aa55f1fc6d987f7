import { App } from 'cdk8s';
import type { DefaultedRedisInstance } from '../api/redis-instance.js';
import type { KubeObject } from '../client/objects.js';
import type { InstanceOwner } from '../../constructs/owner.js';
import { RedisInstanceChart } from '../../constructs/redis-instance-chart.js';

export interface SynthesizedInstance {
  /** ConfigMap, StatefulSet, headless Service, client Service and (replicas > 1) PDB. */
  readonly objects: readonly KubeObject[];
  readonly redisConf: string;
  readonly configHash: string;
}

/**
 * The desired objects for one instance. Pure: the same instance gives the same objects, and
 * nothing is written anywhere (the App's output directory is never touched).
 */
export function synthesizeInstance(instance: DefaultedRedisInstance, owner?: InstanceOwner): SynthesizedInstance {
  const chart = new RedisInstanceChart(new App(), instance.metadata.name, {
    instance,
    ...(owner ? { owner } : {}),
  });
  return {
    objects: chart.toJson() as KubeObject[],
    redisConf: chart.redisConf,
    configHash: chart.configHash,
  };
}
