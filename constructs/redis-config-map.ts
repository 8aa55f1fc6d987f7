import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { CONFIG_FILE_KEY } from '../src/api/names.js';

export interface RedisConfigMapProps {
  readonly metadata: k8s.ObjectMeta;
  /** The rendered redis.conf text (see src/config/render.ts). */
  readonly redisConf: string;
}

/** ConfigMap `NAME-config` holding `redis.conf`, mounted read-only at /etc/redis. */
export class RedisConfigMap extends Construct {
  readonly apiObject: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: RedisConfigMapProps) {
    super(scope, id);
    this.apiObject = new k8s.KubeConfigMap(this, 'Resource', {
      metadata: props.metadata,
      data: { [CONFIG_FILE_KEY]: props.redisConf },
    });
  }
}
