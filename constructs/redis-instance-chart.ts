import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import type { k8s } from 'cdk8s-plus-27';
import type { DefaultedRedisInstance } from '../src/api/redis-instance.js';
import { instanceLabels, ownedNames } from '../src/api/names.js';
import { renderRedisConf } from '../src/config/render.js';
import { liveConfigHash, podTemplateConfigHash } from '../src/config/live-config.js';
import { redisVersionOfImage } from '../src/config/redis-version.js';
import { type InstanceOwner, ownerReferences } from './owner.js';
import { RedisConfigMap } from './redis-config-map.js';
import { RedisStatefulSet } from './redis-stateful-set.js';
import { RedisServices } from './redis-services.js';
import { RedisDisruptionBudget } from './redis-disruption-budget.js';

export interface RedisInstanceChartProps extends ChartProps {
  /** A validated instance with every default applied (src/api/defaults.ts). */
  readonly instance: DefaultedRedisInstance;
  /**
   * The stored RedisInstance, so every object gets an owner reference to it.
   * @default no owner references (synth-only output has no UIDs to point at)
   */
  readonly owner?: InstanceOwner;
}

/** Everything one RedisInstance owns: ConfigMap, StatefulSet, Services and (replicas > 1) PDB. */
export class RedisInstanceChart extends Chart {
  readonly redisConf: string;
  /** The pod template's `config-hash`: of redis.conf, or under `updatePolicy.config: Live` of
   * what only a restart applies. */
  readonly configHash: string;
  /** Of the directives the operator sets with CONFIG SET under Live (see live-config.ts). */
  readonly liveConfigHash: string;
  readonly configMap: RedisConfigMap;
  readonly statefulSet: RedisStatefulSet;
  readonly services: RedisServices;
  readonly disruptionBudget?: RedisDisruptionBudget;

  constructor(scope: Construct, id: string, props: RedisInstanceChartProps) {
    super(scope, id, { ...props, disableResourceNameHashes: true });
    const { instance } = props;
    const name = instance.metadata.name;
    const namespace = instance.metadata.namespace;
    const names = ownedNames(name);
    const labels = instanceLabels(name);
    const owners = ownerReferences(props.owner);
    const metadata = (objectName: string): k8s.ObjectMeta => ({
      name: objectName,
      namespace,
      labels,
      ...(owners ? { ownerReferences: owners } : {}),
    });

    this.redisConf = renderRedisConf(instance.spec.config);
    const version = redisVersionOfImage(instance.spec.image);
    this.configHash = podTemplateConfigHash(instance.spec.config, instance.spec.updatePolicy.config, version);
    this.liveConfigHash = liveConfigHash(instance.spec.config, version);
    this.configMap = new RedisConfigMap(this, 'Config', {
      metadata: metadata(names.configMap),
      redisConf: this.redisConf,
    });
    this.statefulSet = new RedisStatefulSet(this, 'StatefulSet', {
      metadata: metadata(names.statefulSet),
      selectorLabels: labels,
      instanceName: name,
      spec: instance.spec,
      configHash: this.configHash,
    });
    this.services = new RedisServices(this, 'Services', {
      instanceName: name,
      namespace,
      labels,
      ...(owners ? { ownerReferences: owners } : {}),
    });
    if (instance.spec.replicas > 1) {
      this.disruptionBudget = new RedisDisruptionBudget(this, 'DisruptionBudget', {
        metadata: metadata(names.podDisruptionBudget),
        selectorLabels: labels,
      });
    }
  }
}
