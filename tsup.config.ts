import { defineConfig, type Options } from 'tsup'

const common: Options = {
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  shims: true,
}

// No `clean`: the two builds run at once and one's cleaning could delete the other's output; the build
// script empties dist/ first.
export default defineConfig([
  // ESM with code splitting: what the CLI does not need for a command (Arrow, the Parquet writer) loads
  // only when that command runs, which keeps `s3inv` start-up short.
  { ...common, format: ['esm'], splitting: true, dts: { entry: { index: 'src/index.ts' } } },
  // The CSV worker only as CommonJS: both builds load dist/csv-worker.cjs (see formats/csv-decode.ts).
  { ...common, entry: { ...(common.entry as Record<string, string>), 'csv-worker': 'src/formats/csv/worker.ts' }, format: ['cjs'], splitting: false, dts: { entry: { index: 'src/index.ts' } } },
])
