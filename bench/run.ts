/**
 * `npm run bench`: timing and memory figures, reported and never asserted (tests assert
 * behaviour).
 *
 *   npm run bench                      synthesis, footprint, then the operator against a cluster
 *   npm run bench -- synth             only the in-process synthesis figures (no cluster)
 *   npm run bench -- footprint         only what each import and command costs in RSS
 */
import { parseArgs } from 'node:util';
import { benchFootprint } from './footprint.js';
import { benchSynth } from './synth.js';
import { benchOperator } from './operator.js';

const { positionals } = parseArgs({ allowPositionals: true, options: {} });
const only = positionals[0];
const wants = (part: string): boolean => only === undefined || only === part;

if (wants('synth')) {
  const synth = benchSynth();
  console.log('synthesize one RedisInstance (5 objects), in-process');
  console.log(`  median of 500 single runs:                ${synth.singleMedianMs.toFixed(3)} ms`);
  console.log(`  1000 instances in one run (median of 5):  ${synth.thousandTotalMs.toFixed(1)} ms total, ${synth.thousandPerInstanceMs.toFixed(3)} ms per instance`);
}

if (wants('footprint')) {
  const { imports, commands } = benchFootprint();
  console.log('\nmaximum RSS of a process that imports one module (lib/: the build)');
  for (const f of imports) console.log(`  ${f.maxRssMiB.toFixed(0).padStart(4)} MiB  ${f.label}`);
  console.log('maximum RSS of one CLI command (the built CLI)');
  for (const f of commands) console.log(`  ${f.maxRssMiB.toFixed(0).padStart(4)} MiB  ${f.label}`);
}

if (wants('operator')) {
  console.log('\noperator against the local control plane (redis-operator run as its own process)');
  const figures = await benchOperator((line) => console.log(line));
  console.log('\nsummary');
  console.log(`  200 new instances, all objects:       ${(figures.createAllMs / 1000).toFixed(2)} s`);
  console.log(`  spec change -> StatefulSet updated:   median ${figures.changeMedianMs.toFixed(1)} ms, p99 ${figures.changeP99Ms.toFixed(1)} ms (100 changes)`);
  console.log(`  write requests per idle resync:       ${figures.idleWritesPerResync}`);
  console.log(`  operator RSS with 200 instances:      ${figures.rssMiB.toFixed(0)} MiB`);
}
