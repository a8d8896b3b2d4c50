/**
 * `npm run bench`: how close sync and fan-out come to the Graph and Teams limits (issue 8).
 *
 *   npm run bench -- [--sizes 10000,100000] [--scale 150] [--fanout-scale 2] [--fanout 5000] [--out bench-results.json]
 *                    [--seed 7] [--status-samples 20] [--naive 10000] [--concurrency 32]
 *
 * Prints a table and writes the JSON (README "Benchmark" explains every field). Not part of `npm test`.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { runBench } from './run.js';
import { table } from './table.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

function num(name: string, fallback: string): number {
  const v = Number(arg(name, fallback));
  if (!Number.isFinite(v) || v < 0) {
    console.error(`--${name} must be a non-negative number`);
    process.exit(2);
  }
  return v;
}

const sizes = arg('sizes', '10000,100000')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => n > 0);
const options = {
  sizes,
  scale: num('scale', '150'),
  fanoutScale: num('fanout-scale', '2'),
  seed: num('seed', '7'),
  fanout: num('fanout', '5000'),
  statusSamples: num('status-samples', '20'),
  naiveUsers: num('naive', '10000'),
  concurrency: num('concurrency', '32'),
};
const out = arg('out', 'bench-results.json');
const started = Date.now();
console.log(`bench: sizes ${sizes.join(', ')} · budget scale ×${options.scale} (fan-out ×${options.fanoutScale}) · fan-out cohort ${options.fanout || 'everyone'} · ${cpus().length} CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
const result = await runBench(options);
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log('');
console.log(table(result));
console.log('');
console.log(`wrote ${out} · total ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(0);
