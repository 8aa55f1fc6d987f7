/**
 * `npm run bench`: timing and memory figures, reported and never asserted (tests assert
 * behaviour).
 *
 *   npm run bench                      synthesis, footprint, then the operator against a cluster
 *   npm run bench -- synth             only the in-process synthesis figures (no cluster)
 *   npm run bench -- footprint         only what each import and command costs in RSS
 *   npm run bench -- operator [--instances N] [--runs R] [--workers W (default: run's)] [--heap-snapshot]
 *                  [--node-flags "--max-semi-space-size=1 ..."] [--operator-args "--kube-api-qps 50 ..."]
 *   npm run bench -- availability [--classes a,b] [--rate N] [--json]
 *                                      what a client sees during each change class, on the real
 *                                      node (root; one real node per machine); never part of the
 *                                      default run
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchFootprint } from './footprint.js';
import { benchSynth } from './synth.js';
import { benchOperator, cpuTotal, type OperatorFigures } from './operator.js';
import { benchAvailability } from './availability.js';
import { parseClasses } from './availability-classes.js';
import { availabilityTable } from './availability-table.js';
import { DEFAULT_MAX_CONCURRENT_RECONCILES } from '../src/cli/run-command.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    instances: { type: 'string', default: '200' },
    runs: { type: 'string', default: '1' },
    workers: { type: 'string' },
    'heap-snapshot': { type: 'boolean', default: false },
    'node-flags': { type: 'string', default: '' },
    'operator-args': { type: 'string', default: '' },
    classes: { type: 'string' },
    rate: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const only = positionals[0];
const PARTS = ['synth', 'footprint', 'operator', 'availability'];
if (only !== undefined && !PARTS.includes(only)) throw new Error(`npm run bench -- ${only}: no such part; the parts are ${PARTS.join(', ')}`);
const wants = (part: string): boolean => only === part || (only === undefined && part !== 'availability');
const words = (text: string): string[] => text.split(/\s+/).filter((word) => word !== '');

if (only === 'availability') {
  const rate = Number(values.rate ?? 200);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 10_000) throw new Error(`--rate: must be a number of SETs per second in (0, 10000], got "${values.rate}"`);
  const report = await benchAvailability({ classes: parseClasses(values.classes), rate, log: (line) => console.error(line) });
  console.log(values.json ? JSON.stringify(report, null, 2) : availabilityTable(report));
} else {
  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

if (wants('synth')) {
  const synth = benchSynth();
  console.log('\nsynthesize one RedisInstance (5 objects), in-process');
  console.log(`  median of 500 single runs:                ${synth.singleMedianMs.toFixed(3)} ms`);
  console.log(`  1000 instances in one run (median of 5):  ${synth.thousandTotalMs.toFixed(1)} ms total, ${synth.thousandPerInstanceMs.toFixed(3)} ms per instance`);
}

if (wants('footprint')) {
  const { imports, commands } = benchFootprint(words(values['node-flags']));
  console.log('\nmaximum RSS of a process that imports one module (lib/: the build)');
  for (const f of imports) console.log(`  ${f.maxRssMiB.toFixed(0).padStart(4)} MiB  ${f.label}`);
  console.log('maximum RSS of one CLI command (the built CLI)');
  for (const f of commands) console.log(`  ${f.maxRssMiB.toFixed(0).padStart(4)} MiB  ${f.label}`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

if (wants('operator')) {
  const instances = Number(values.instances);
  const runs = Number(values.runs);
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  const nodeFlags = words(values['node-flags']);
  const operatorArgs = words(values['operator-args']);
  console.log(`\noperator against the local control plane (redis-operator run as its own process): ${instances} instances, ${runs} run(s)` +
    `${nodeFlags.length ? `, node ${nodeFlags.join(' ')}` : ''}${operatorArgs.length ? `, run ${operatorArgs.join(' ')}` : ''}`);
  console.log('building the CLI (npm run build)...');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: resolve(import.meta.dirname, '..'), stdio: 'inherit' });
  const results: OperatorFigures[] = [];
  for (let run = 1; run <= runs; run++) {
    console.log(`run ${run} of ${runs}`);
    const figures = await benchOperator({
      instances, workers: workers ?? DEFAULT_MAX_CONCURRENT_RECONCILES, nodeFlags, operatorArgs, heapSnapshot: values['heap-snapshot'],
    }, (line) => console.log(line));
    results.push(figures);
    if (figures.heap) {
      console.log(`  heap snapshot with ${instances} instances: ${(figures.heap.totalBytes / 2 ** 20).toFixed(1)} MiB live; largest types:`);
      for (const t of figures.heap.types.slice(0, 15)) {
        console.log(`    ${(t.bytes / 2 ** 20).toFixed(2).padStart(7)} MiB ${String(t.count).padStart(8)}  ${t.type}`);
      }
    }
  }
  const mib = (v: number): string => `${v.toFixed(0)} MiB`;
  console.log(`\nsummary (${instances} instances, ${results[0]!.workers} workers)`);
  console.log('  run  load      all objects  floor    ratio  change median/p99   idle writes  RSS idle/Ready/steady/peak  heap used idle/Ready  RSS per instance  cache per instance listed/kept');
  for (const [i, f] of results.entries()) {
    const perInstanceKiB = ((f.loaded.rssMiB - f.idle.rssMiB) * 1024) / f.instances;
    console.log(`  ${String(i + 1).padStart(3)}  ${f.load.map((l) => l.toFixed(1)).join('-').padEnd(8)}  ${(f.createAllMs / 1000).toFixed(2).padStart(8)} s  ${(f.floorMs / 1000).toFixed(2).padStart(6)} s  ${(f.createAllMs / f.floorMs).toFixed(2).padStart(5)}` +
      `  ${f.changeMedianMs.toFixed(0).padStart(5)}/${f.changeP99Ms.toFixed(0).padEnd(5)} ms  ${String(f.idleWritesPerResync).padStart(11)}` +
      `  ${[f.idle.rssMiB, f.loaded.rssMiB, f.steadyRssMiB, f.peakRssMiB].map((v) => v.toFixed(0)).join('/')} MiB  ${f.idle.heapUsedMiB.toFixed(1)}/${f.loaded.heapUsedMiB.toFixed(1)} MiB  ${perInstanceKiB.toFixed(0).padStart(6)} KiB  ${f.cache.listedKiB.toFixed(1)}/${f.cache.cachedKiB.toFixed(1)} KiB`);
  }
  console.log('  run  CPU seconds, every process: operator phase / floor (ratio); kube-apiserver; the operator itself');
  for (const [i, f] of results.entries()) {
    const [operator, floor] = [cpuTotal(f.cpu.operator), cpuTotal(f.cpu.floor)];
    console.log(`  ${String(i + 1).padStart(3)}  ${operator.toFixed(2)} / ${floor.toFixed(2)} s (${(operator / floor).toFixed(2)}); ` +
      `${(f.cpu.operator['kube-apiserver'] ?? 0).toFixed(2)} / ${(f.cpu.floor['kube-apiserver'] ?? 0).toFixed(2)} s; ${(f.cpu.operator.operator ?? 0).toFixed(2)} s`);
  }
  if (results.length > 1) {
    console.log(`  median: all objects ${(median(results.map((f) => f.createAllMs)) / 1000).toFixed(2)} s, ratio ${median(results.map((f) => f.createAllMs / f.floorMs)).toFixed(2)}, ` +
      `change p99 ${median(results.map((f) => f.changeP99Ms)).toFixed(0)} ms, RSS Ready ${mib(median(results.map((f) => f.loaded.rssMiB)))}, steady ${mib(median(results.map((f) => f.steadyRssMiB)))}`);
  }
}
