/**
 * The crowd of issue 11 in the benchmark report: `npm run load -- --stations 200 --seconds 60`
 * (bench/load.ts), with live notices. BENCH_LOAD_STATIONS and BENCH_LOAD_SECONDS scale it.
 * Figures only; errors are printed, never turned into a failed run.
 */
import { type LoadOptions, printLoad, runLoad } from './load.js';

const options: LoadOptions = {
  stations: Number(process.env.BENCH_LOAD_STATIONS ?? 200),
  seconds: Number(process.env.BENCH_LOAD_SECONDS ?? 60),
  items: 3,
  live: true,
};
printLoad('load', options, await runLoad(options));
