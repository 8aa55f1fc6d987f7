/**
 * The cdk8s app behind `cdk8s synth` (see cdk8s.yaml): renders the operator's install manifests
 * and an example RedisInstance into dist/.
 */
import { App, Chart } from 'cdk8s';
import { OperatorChart } from './operator-chart.js';
import { RedisInstance, RedisInstanceSpecUpdatePolicyConfig } from '../imports/redis.github.com.js';

const app = new App();
new OperatorChart(app, 'redis-operator', {
  ...(process.env.OPERATOR_NAMESPACE ? { namespace: process.env.OPERATOR_NAMESPACE } : {}),
  ...(process.env.OPERATOR_IMAGE ? { image: process.env.OPERATOR_IMAGE } : {}),
});

const example = new Chart(app, 'example-instance', { disableResourceNameHashes: true });
new RedisInstance(example, 'cache', {
  metadata: { name: 'cache', namespace: 'default' },
  spec: {
    replicas: 3,
    image: 'redis:7.2',
    config: { maxmemory: '200mb', 'maxmemory-policy': 'allkeys-lru' },
    storage: { size: '1Gi' },
    updatePolicy: { config: RedisInstanceSpecUpdatePolicyConfig.RECREATE },
  },
});

app.synth();
