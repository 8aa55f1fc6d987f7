/**
 * `npm run bench`: timing figures, reported and never asserted (tests assert behaviour).
 * `npm run bench -- synth` runs only the in-process synthesis figures (no cluster).
 * `npm run bench -- availability [--classes a,b] [--rate N] [--json]` runs only what a client
 * sees during each change class, on the real node (root; one real node per machine).
 */
import { parseArgs } from 'node:util';
import { benchSynth } from './synth.js';
import { benchOperator } from './operator.js';
import { benchAvailability } from './availability.js';
import { parseClasses } from './availability-classes.js';
import { availabilityTable } from './availability-table.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { classes: { type: 'string' }, rate: { type: 'string' }, json: { type: 'boolean', default: false } },
});
const only = positionals[0];

if (only === 'availability') {
  const rate = Number(values.rate ?? 200);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 10_000) throw new Error(`--rate: must be a number of SETs per second in (0, 10000], got "${values.rate}"`);
  const report = await benchAvailability({ classes: parseClasses(values.classes), rate, log: (line) => console.error(line) });
  console.log(values.json ? JSON.stringify(report, null, 2) : availabilityTable(report));
} else {
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
}
