/**
 * Quick ORC-vs-Parquet measurement (not part of `npm run bench`): the same rows (14 benchmark
 * columns) as ZLIB ORC (fixtures/orc-writer.ts, as S3 writes it), as Snappy Parquet from
 * fixtures/generate.ts (hyparquet-writer) and as the benchmark's DuckDB-written Snappy Parquet
 * (bench/data.ts: the same generator and seeds), read with readInventory (typed rows,
 * MD5-verified) and summarized by storage class. Each case runs in a fresh process; prints the
 * median of the runs.
 *
 *   npm run build && npx tsx bench/orc-quick.ts [rows=2000000] [files=8] [runs=5]
 *
 * The measured reads run the built library (dist/), as `npm run bench` does.
 *
 * Data is generated once into .cache/orc-quick.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { BENCH_FIELDS, makeRows, writeInventory, type Row } from '../fixtures/generate.js'
import { benchData } from './data.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const [rows = 2_000_000, files = 8, runs = 5] = process.argv.slice(2).map(Number)

if (process.env.ORC_QUICK_CASE) {
  // Child: one measured read.
  const { readInventory, summarizeInventory } = (await import(path.resolve(here, '..', 'dist', 'index.js'))) as typeof import('../src/index.js')
  const [kind, manifest] = process.env.ORC_QUICK_CASE.split('|')
  const t0 = performance.now()
  let n = 0
  if (kind === 'rows') {
    for await (const batch of readInventory(manifest).batches()) n += batch.length
  } else {
    const s = await summarizeInventory(manifest, { by: 'storageClass' })
    n = s.total.count
  }
  const ms = performance.now() - t0
  process.stdout.write(JSON.stringify({ ms, n, rss: process.resourceUsage().maxRSS / 1024 }))
  process.exit(0)
}

const dir = path.resolve(here, '..', '.cache', 'orc-quick', `${rows}x${files}`)
const manifests: Record<string, string> = { orc: '', parquet: '', duckdb: '' }
for (const format of ['ORC', 'Parquet'] as const) {
  const root = path.join(dir, format)
  const done = path.join(root, 'done')
  const manifestPath = path.join(root, 'inventory', 'src', `bench-${format.toLowerCase()}`, '2026-11-20T01-00Z', 'manifest.json')
  if (!existsSync(done)) {
    const per = Math.ceil(rows / files)
    const all: Row[] = []
    for (let i = 0; i < files; i++) {
      const part = makeRows({ count: Math.min(per, rows - i * per), seed: 1000 + i, versioned: true, hardKeys: i === 0, fields: BENCH_FIELDS })
      for (const r of part) r.key = `part${i}/${r.key}`
      for (const r of part) all.push(r)
    }
    process.stderr.write(`writing ${rows} rows as ${format} …\n`)
    await mkdir(root, { recursive: true })
    const t0 = Date.now()
    await writeInventory({ root, format, rows: all, fields: BENCH_FIELDS, filesRows: [per], sourceBucket: 'src', configId: `bench-${format.toLowerCase()}`, rowGroupSize: 100_000 })
    process.stderr.write(`  ${Date.now() - t0} ms\n`)
    await writeFile(done, '')
  }
  manifests[format === 'ORC' ? 'orc' : 'parquet'] = manifestPath
}

manifests.duckdb = (await benchData(rows, files)).parquetManifest

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const results: Record<string, { ms: number; rss: number }> = {}
for (const kind of ['rows', 'stats']) {
  for (const f of ['duckdb', 'parquet', 'orc'] as const) {
    const ms: number[] = []
    const rss: number[] = []
    for (let r = 0; r < runs; r++) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], { env: { ...process.env, ORC_QUICK_CASE: `${kind}|${manifests[f]}` } }).toString()
      const j = JSON.parse(out) as { ms: number; n: number; rss: number }
      if (j.n !== rows) throw new Error(`${f} ${kind}: ${j.n} rows, expected ${rows}`)
      ms.push(j.ms)
      rss.push(j.rss)
    }
    results[`${kind} ${f}`] = { ms: median(ms), rss: median(rss) }
    process.stderr.write(`${kind} ${f}: median ${median(ms).toFixed(0)} ms (${ms.map((x) => x.toFixed(0)).join(', ')}), RSS ${median(rss).toFixed(0)} MB\n`)
  }
  const r = (f: string) => (results[`${kind} orc`].ms / results[`${kind} ${f}`].ms).toFixed(2)
  process.stderr.write(`${kind}: ORC / Parquet (hyparquet-writer) = ${r('parquet')}, ORC / Parquet (DuckDB) = ${r('duckdb')}\n`)
}
