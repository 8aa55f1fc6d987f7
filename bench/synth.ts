import { withDefaults } from '../src/api/defaults.js';
import type { RedisInstance } from '../src/api/redis-instance.js';
import { synthesizeInstance } from '../src/synth/synthesize-instance.js';

function instance(i: number): RedisInstance {
  return {
    apiVersion: 'redis.github.com/v1',
    kind: 'RedisInstance',
    metadata: { name: `cache-${i}`, namespace: 'bench' },
    spec: {
      replicas: 3,
      image: 'redis:7.2',
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
      config: { maxmemory: '400mb', 'maxmemory-policy': 'allkeys-lru', save: '900 1 300 10' },
      storage: { size: '2Gi' },
      auth: { secretName: 'auth' },
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface SynthFigures {
  readonly singleMedianMs: number;
  readonly thousandTotalMs: number;
  readonly thousandPerInstanceMs: number;
}

/** Synthesis of one instance's objects (ConfigMap, StatefulSet, 2 Services, PDB), in-process. */
export function benchSynth(): SynthFigures {
  for (let i = 0; i < 200; i++) synthesizeInstance(withDefaults(instance(i))); // warm-up (JIT)
  const singles: number[] = [];
  for (let i = 0; i < 500; i++) {
    const start = performance.now();
    synthesizeInstance(withDefaults(instance(i)));
    singles.push(performance.now() - start);
  }
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    for (let i = 0; i < 1000; i++) synthesizeInstance(withDefaults(instance(i)));
    runs.push(performance.now() - start);
  }
  const thousand = median(runs);
  return { singleMedianMs: median(singles), thousandTotalMs: thousand, thousandPerInstanceMs: thousand / 1000 };
}
