/**
 * `npm run bench`: every case runs BENCH_RUNS (3) times, each in a fresh process, interleaved (machine
 * noise hits all cases alike). The table shows medians and each case's ratio to the baseline it is
 * compared with, all measured in the same run; the process exits 1 when a ratio misses its target.
 *
 * Data (bench/data.ts, generated once into .cache/bench): 2,000,000 rows of 14 columns in 8 files, as
 * CSV.gz and as Snappy Parquet, with realistic keys (~58% URL-escaped in CSV, 40–120 bytes); the same
 * with short ASCII keys as a second case; and 10,000,000 realistic rows of CSV.gz for the memory check.
 *
 * Diff data (bench/diff-data.ts): two deliveries of 2,000,000 rows, 1% added, 1% removed, 2% changed;
 * with BENCH_DIFF_10M=1 also 10,000,000 rows each, for the diff's memory.
 *
 * Env: BENCH_RUNS, BENCH_ONLY (regexp on case names), BENCH_SKIP_10M=1, BENCH_SKIP_DIFF=1, BENCH_DIFF_10M=1.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import S3rver from 's3rver'
import { benchData } from './data.js'
import { diffBenchData } from './diff-data.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(HERE, '..')
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined

interface Case {
  name: string
  /** Short id other cases refer to. */
  id: string
  cmd: string[]
  opts?: object
  /** Compared with this case's median (defaults to the gunzip floor). */
  vs?: string
  /** Target: this case's median / the baseline's median must be ≤ target. */
  target?: number
  /** Only report the ratio (no target). */
  note?: string
  /** Ratio rows without a command: the case divided (default `csv`). */
  of?: string
  /** Peak RSS limit in MB for `note: 'RSS …'` cases (default 200). */
  rssLimit?: number
}

interface Result {
  wall: number
  rows: number
  rss: number
}

function runOnce(c: Case, env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve, reject) => {
    const timeFile = path.join(tmpdir(), `bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`)
    const argv = TIME ? [TIME, '-f', '%e %M', '-o', timeFile, ...c.cmd] : c.cmd
    const start = process.hrtime.bigint()
    const child = spawn(argv[0], argv.slice(1), {
      cwd: ROOT,
      env: { ...env, BENCH_OPTS: JSON.stringify(c.opts ?? {}), NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('close', async (code) => {
      const wall = Number(process.hrtime.bigint() - start) / 1e9
      if (code !== 0) return reject(new Error(`${c.name} failed (${code}): ${err.slice(-2000)}`))
      let rss = NaN
      if (TIME) {
        const [, kb] = (await readFile(timeFile, 'utf8')).trim().split('\n').pop()!.split(' ')
        rss = Number(kb) / 1024
        await rm(timeFile, { force: true })
      }
      let rows = 0
      try {
        // The last line of a case's output, or the whole output (stats --json prints one indented object).
        const text = out.trim()
        let last
        try {
          last = JSON.parse(text.split('\n').pop() ?? '{}')
        } catch {
          last = JSON.parse(text)
        }
        rows = Number(last.rows ?? last.total?.count ?? 0)
        if (!TIME) rss = Number(last.rss ?? NaN)
      } catch {
        /* a command without JSON output */
      }
      resolve({ wall, rows, rss })
    })
  })
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function main() {
  const data = await benchData(2_000_000, 8, { orc: true })
  const ascii = await benchData(2_000_000, 8, { keys: 'plain' })
  const big = process.env.BENCH_SKIP_10M ? undefined : await benchData(10_000_000, 40, { parquet: false, orc: true })
  const pair = process.env.BENCH_SKIP_DIFF ? undefined : await diffBenchData()
  const bigPair = process.env.BENCH_DIFF_10M ? await diffBenchData(10_000_000, 40, { parquet: false }) : undefined
  const node = (...a: string[]) => [process.execPath, path.join(HERE, 'case.mjs'), ...a]
  const cli = (...a: string[]) => [process.execPath, path.join(ROOT, 'dist', 'cli.js'), ...a]
  const python = spawnSync('python3', ['--version']).status === 0

  // The local S3 server, with the CSV inventory uploaded once.
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-s3-'))
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir })
  const { port } = await server.run()
  const endpoint = `http://127.0.0.1:${port}`
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' })
  await client.send(new CreateBucketCommand({ Bucket: 'bench' }))
  const csvDir = path.dirname(data.csvManifest)
  // files[].key are the data files' names, so they go at the bucket's root; the manifest under csv/.
  for (const f of await readdir(csvDir)) {
    const key = f.startsWith('manifest.') ? `csv/${f}` : f
    await client.send(new PutObjectCommand({ Bucket: 'bench', Key: key, Body: await readFile(path.join(csvDir, f)) }))
  }
  client.destroy()

  const cases: Case[] = [
    { id: 'floor', name: 'gunzip only, 1 MiB chunks (the floor)', cmd: node('gunzip', String(1 << 20), ...data.csvFiles) },
    { id: 'gunzip16k', name: 'gunzip only, 16 KiB chunks (Node default)', cmd: node('gunzip', '0', ...data.csvFiles), note: 'reference' },
    { id: 'csv', name: 'listKeys CSV.gz, all columns, local disk', cmd: node('listKeys', data.csvManifest), target: 2.5 },
    { id: 'floor-ascii', name: 'gunzip only, 1 MiB chunks, ASCII-key data (its floor)', cmd: node('gunzip', String(1 << 20), ...ascii.csvFiles), note: 'reference' },
    { id: 'csv-ascii', name: 'listKeys CSV.gz, ASCII keys (the previous bench data)', cmd: node('listKeys', ascii.csvManifest), vs: 'floor-ascii', note: 'was 3.70× its floor on 11-27' },
    { id: 'hand-parser', name: 'throwaway hand parser → typed objects (keys decoded, no MD5)', cmd: node('hand-parser', ...data.csvFiles), vs: 'csv', note: 'ratio to listKeys CSV' },
    {
      id: 'rows-only',
      name: 'rows only: the same typed rows built from pre-parsed columns, through for await (no gunzip, scan, typing or MD5)',
      cmd: node('rows-only', data.csvFiles[0], String(data.rows)),
      note: 'the caller-thread minimum of any CSV reader',
    },
    { id: 'csv-noverify', name: 'listKeys CSV.gz, verify: false (cost of MD5)', cmd: node('listKeys', data.csvManifest), opts: { verify: false }, vs: 'csv', note: 'ratio to verified' },
    { id: 'csv-workers', name: 'listKeys CSV.gz, workers: true (decode on a worker thread)', cmd: node('listKeys', data.csvManifest), opts: { workers: true }, vs: 'csv', note: 'ratio to in-process' },
    { id: 'csv-s3', name: 'listKeys CSV.gz, local S3 server', cmd: node('listKeys', 's3://bench/csv/manifest.json'), vs: 'csv', target: 1.3 },
    ...(python
      ? [
          { id: 'py-untyped', name: 'seed Python script (gzip + csv.reader), untyped', cmd: ['python3', path.join(HERE, 'peers', 'seed.py'), data.csvManifest, 'untyped'] },
          { id: 'py-typed', name: 'seed Python script, typed', cmd: ['python3', path.join(HERE, 'peers', 'seed.py'), data.csvManifest, 'typed'] },
          { id: 'csv-vs-py', name: 'listKeys CSV.gz vs untyped Python (≥ 2× faster)', cmd: [], vs: 'py-untyped', target: 0.5 },
        ]
      : []),
    { id: 'duck-rows-csv', name: 'DuckDB rows → JS objects, CSV.gz (2 threads)', cmd: node('duckdb-rows-csv', '2', ...data.csvFiles) },
    { id: 'csv-vs-duck', name: 'listKeys CSV.gz vs DuckDB rows → JS (≥ 10× faster)', cmd: [], vs: 'duck-rows-csv', target: 0.1 },
    { id: 'duck-sum-2', name: 'DuckDB count/sum over CSV.gz, 2 threads', cmd: node('duckdb-sum-csv', '2', ...data.csvFiles) },
    { id: 'duck-sum-1', name: 'DuckDB count/sum over CSV.gz, 1 thread', cmd: node('duckdb-sum-csv', '1', ...data.csvFiles) },
    { id: 'parquet', name: 'listKeys Parquet, all columns, local disk', cmd: node('listKeys', data.parquetManifest), vs: 'hyparquet', target: 0.5 },
    { id: 'hyparquet', name: 'hyparquet → objects, all columns (peer)', cmd: node('hyparquet', ...data.parquetFiles) },
    { id: 'parquet-size', name: 'listKeys Parquet, columns: [size]', cmd: node('listKeys', data.parquetManifest), opts: { columns: ['size'], verify: false }, vs: 'hyparquet-size', note: 'ratio to hyparquet' },
    { id: 'hyparquet-size', name: 'hyparquet → objects, size column only (peer)', cmd: node('hyparquet', ...data.parquetFiles), opts: { columns: ['size'] } },
    { id: 'duck-rows-parquet', name: 'DuckDB rows → JS objects, Parquet (2 threads)', cmd: node('duckdb-rows-parquet', '2', ...data.parquetFiles), vs: 'parquet', note: 'ratio to listKeys Parquet' },
    { id: 'stats-csv', name: 's3inv stats --by storage-class, CSV.gz', cmd: cli('stats', data.csvManifest, '--by', 'storage-class', '--json', '--quiet'), vs: 'duck-group-csv', target: 1.0 },
    { id: 'duck-group-csv', name: 'DuckDB group by storage_class, CSV.gz, 2 threads', cmd: node('duckdb-group-csv', '2', ...data.csvFiles) },
    { id: 'stats-parquet', name: 's3inv stats --by storage-class, Parquet (verified: reads every byte)', cmd: cli('stats', data.parquetManifest, '--by', 'storage-class', '--json', '--quiet'), vs: 'duck-group-parquet', target: 3.0 },
    { id: 'stats-parquet-cols', name: 's3inv stats --by storage-class, Parquet, --no-verify (only the 2 column chunks)', cmd: cli('stats', data.parquetManifest, '--by', 'storage-class', '--json', '--quiet', '--no-verify'), vs: 'duck-group-parquet', note: 'no MD5' },
    { id: 'duck-group-parquet', name: 'DuckDB group by storage_class, Parquet, 2 threads', cmd: node('duckdb-group-parquet', '2', ...data.parquetFiles) },
    { id: 'orc', name: 'listKeys ORC (ZLIB, as S3 writes it), all columns, local disk', cmd: node('listKeys', data.orcManifest), vs: 'parquet', target: 1.2 },
    { id: 'stats-orc', name: 's3inv stats --by storage-class, ORC (verified)', cmd: cli('stats', data.orcManifest, '--by', 'storage-class', '--json', '--quiet'), vs: 'stats-parquet', target: 1.5 },
    ...(big
      ? [
          { id: 'csv-10m', name: 'listKeys CSV.gz, 10,000,000 rows (memory)', cmd: node('listKeys', big.csvManifest), vs: 'csv', note: 'RSS must stay ≤ 200 MB' },
          { id: 'csv-10m-slow', name: 'listKeys CSV.gz, 10M rows, slow consumer (1 ms / 1,000 rows)', cmd: node('listKeys', big.csvManifest), opts: { slowEvery: 1000 }, vs: 'csv', note: 'RSS must stay ≤ 200 MB' },
          { id: 'orc-10m', name: 'listKeys ORC, 10,000,000 rows (memory)', cmd: node('listKeys', big.orcManifest), vs: 'orc', note: 'RSS must stay ≤ 200 MB' },
        ]
      : []),
    ...(pair
      ? [
          { id: 'diff-read', name: 'diff baseline: listKeys over both deliveries (2 × 2M rows, CSV.gz)', cmd: node('listKeys-both', pair.older.csvManifest, pair.newer.csvManifest) },
          { id: 'diff', name: 'diffInventories 2M vs 2M rows (1% added, 1% removed, 2% changed), CSV.gz', cmd: node('diff', pair.older.csvManifest, pair.newer.csvManifest), vs: 'diff-read', target: 3 },
          { id: 'diff-duck', name: 'DuckDB, the same diff (s3inv diff --sql duckdb: FULL OUTER JOIN), 2 threads', cmd: node('duckdb-diff', '2', pair.older.csvManifest, pair.newer.csvManifest), vs: 'diff-read', note: 'ratio to reading' },
          { id: 'diff-vs-duck', name: 'diffInventories vs DuckDB (ratio of times)', cmd: [], of: 'diff', vs: 'diff-duck', note: 'reported' },
          { id: 'diff-parquet', name: 'diffInventories 2M vs 2M rows, Parquet', cmd: node('diff', pair.older.parquetManifest!, pair.newer.parquetManifest!), vs: 'diff', note: 'ratio to CSV.gz' },
        ]
      : []),
    ...(bigPair
      ? [{ id: 'diff-10m', name: 'diffInventories 10M vs 10M rows, default budget (memory)', cmd: node('diff', bigPair.older.csvManifest, bigPair.newer.csvManifest), vs: 'diff', note: 'RSS must stay ≤ 350 MB', rssLimit: 350 }]
      : []),
  ]
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, 'i') : undefined
  const wanted = (c: Case) => !only || only.test(c.name) || only.test(c.id)
  const runnable = cases.filter((c) => c.cmd.length > 0)
  // A selected case brings its baseline along.
  const chosen = new Set(runnable.filter((c) => c.id === 'floor' || wanted(c)).map((c) => c.id))
  for (const c of cases.filter(wanted)) if (c.vs) chosen.add(c.vs)
  for (const c of cases.filter(wanted)) if (c.cmd.length === 0) chosen.add(c.of ?? 'csv')
  const selected = runnable.filter((c) => chosen.has(c.id))
  const results = new Map<string, Result[]>(selected.map((c) => [c.id, []]))
  const env = { ...process.env, BENCH_S3: endpoint }
  for (let r = 0; r < RUNS; r++) {
    for (const c of selected) {
      process.stderr.write(`run ${r + 1}/${RUNS}: ${c.name} … `)
      const res = await runOnce(c, env)
      process.stderr.write(`${res.wall.toFixed(2)} s, ${res.rss.toFixed(0)} MB\n`)
      results.get(c.id)!.push(res)
    }
  }
  await server.close()
  await rm(dir, { recursive: true, force: true })

  const med = (id: string) => median(results.get(id)!.map((x) => x.wall))
  // MB/s of compressed input: the data files a case names on its command line (or its manifest's).
  const inputMB = (c: Case): number | undefined => {
    let total = 0
    for (const a of c.cmd) {
      if (/\.(gz|parquet|orc)$/.test(a) && existsSync(a)) total += statSync(a).size
      else if (a.endsWith('manifest.json') && existsSync(a)) total += (JSON.parse(readFileSync(a, 'utf8')).files as { size: number }[]).reduce((n, f) => n + f.size, 0)
    }
    return total ? total / 2 ** 20 : undefined
  }
  const lines = [
    `${data.rows.toLocaleString('en-US')} rows × 14 columns in ${data.csvFiles.length} files; median of ${RUNS} whole-process runs; peak RSS from /usr/bin/time`,
    '',
    '| case | median s (min–max) | rows/s | MB/s | peak RSS MB | ratio | to | target |',
    '|---|---|---|---|---|---|---|---|',
  ]
  let failed = false
  for (const c of cases) {
    const vs = c.vs ?? 'floor'
    if (c.cmd.length === 0) {
      // A ratio between two measured cases (the first is listKeys CSV unless `of` says otherwise).
      const of = c.of ?? 'csv'
      if (!results.has(of) || !results.has(vs)) continue
      const ratio = med(of) / med(vs)
      const ok = c.target === undefined || ratio <= c.target
      failed ||= !ok
      lines.push(`| ${c.name} | | | | | ${ratio.toFixed(3)} | ${vs} | ${c.target === undefined ? '' : `≤ ${c.target} ${ok ? '✓' : '✗'}`} |`)
      continue
    }
    if (!results.has(c.id)) continue
    const rs = results.get(c.id)!
    const walls = rs.map((x) => x.wall)
    const m = median(walls)
    const rss = median(rs.map((x) => x.rss))
    const rows = rs[0].rows
    const ratio = results.has(vs) ? m / med(vs) : NaN
    let target = ''
    if (c.target !== undefined) {
      const ok = ratio <= c.target
      failed ||= !ok
      target = `≤ ${c.target} ${ok ? '✓' : '✗'}`
    } else if (c.note?.startsWith('RSS')) {
      const limit = c.rssLimit ?? 200
      const ok = rss <= limit
      failed ||= !ok
      target = `RSS ≤ ${limit} ${ok ? '✓' : '✗'}`
    }
    lines.push(
      `| ${c.name} | ${m.toFixed(2)} (${Math.min(...walls).toFixed(2)}–${Math.max(...walls).toFixed(2)}) | ${rows ? Math.round(rows / m).toLocaleString('en-US') : '—'} | ${inputMB(c) ? (inputMB(c)! / m).toFixed(0) : '—'} | ${rss.toFixed(0)} | ${c.id === 'floor' ? '1.00' : ratio.toFixed(2)} | ${c.id === 'floor' ? '' : vs} | ${target} |`,
    )
  }
  console.log(lines.join('\n'))
  if (failed) process.exitCode = 1
}

await main()
