/**
 * `npm run bench`: timing figures, reported and never asserted (tests assert behaviour).
 * `npm run bench -- synth` runs only the in-process synthesis figures (no cluster).
 */
import { benchSynth } from './synth.js';
import { benchOperator } from './operator.js';

const only = process.argv[2];

const synth = benchSynth();
console.log('synthesize one RedisInstance (5 objects), in-process');
console.log(`  median of 500 single runs:                ${synth.singleMedianMs.toFixed(3)} ms`);
console.log(`  1000 instances in one run (median of 5):  ${synth.thousandTotalMs.toFixed(1)} ms total, ${synth.thousandPerInstanceMs.toFixed(3)} ms per instance`);

if (only !== 'synth') {
  console.log('\noperator against the local control plane (redis-operator run as its own process)');
  const figures = await benchOperator((line) => console.log(line));
  console.log('\nsummary');
  console.log(`  200 new instances, all objects:       ${(figures.createAllMs / 1000).toFixed(2)} s`);
  console.log(`  spec change -> StatefulSet updated:   median ${figures.changeMedianMs.toFixed(1)} ms, p99 ${figures.changeP99Ms.toFixed(1)} ms (100 changes)`);
  console.log(`  write requests per idle resync:       ${figures.idleWritesPerResync}`);
  console.log(`  operator RSS with 200 instances:      ${figures.rssMiB.toFixed(0)} MiB`);
}
