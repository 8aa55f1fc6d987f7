/**
 * `npm run bench`: timing figures, reported and never asserted (tests assert behaviour).
 */
import { benchSynth } from './synth.js';

const synth = benchSynth();
console.log('synthesize one RedisInstance (5 objects), in-process');
console.log(`  median of 500 single runs:          ${synth.singleMedianMs.toFixed(3)} ms`);
console.log(`  1000 instances in one run (median of 5): ${synth.thousandTotalMs.toFixed(1)} ms total, ${synth.thousandPerInstanceMs.toFixed(3)} ms per instance`);
