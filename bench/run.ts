/**
 * `npm run bench`: every case runs 3 times, each in a fresh process, interleaved (so machine noise hits
 * all cases alike); the table shows medians and ratios to the baseline measured in the same run.
 * Data: bench/data.ts (2,000,000 rows in 8 files, CSV.gz and Parquet), generated once into .cache/bench.
 */
import { spawn } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import S3rver from 's3rver'
import { benchData } from './data.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const RUNS = Number(process.env.BENCH_RUNS ?? 3)

interface Case {
  name: string
  args: string[]
  opts?: object
  /** Cases whose median is compared with this one. */
  baseline?: string
  /** Target ratio to the baseline (≤). */
  target?: number
  note?: string
}

interface Result {
  wall: number
  rows: number
  bytes: number
  rss: number
}

function runOnce(c: Case, env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(process.execPath, [path.join(HERE, 'case.mjs'), ...c.args], {
      env: { ...env, BENCH_OPTS: JSON.stringify(c.opts ?? {}), NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - start) / 1e9
      if (code !== 0) return reject(new Error(`${c.name} failed (${code}): ${err}`))
      resolve({ wall, ...JSON.parse(out.trim().split('\n').pop()!) })
    })
  })
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function main() {
  const data = await benchData()
  const rawBytes = Number(process.env.BENCH_RAW ?? 0) || (await runOnce({ name: 'size', args: ['gunzip', String(1 << 20), ...data.csvFiles] }, process.env)).bytes
  const compressed = (await Promise.all(data.csvFiles.map((f) => readFile(f).then((b) => b.length)))).reduce((a, b) => a + b, 0)

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
    { name: 'gunzip only, 1 MiB chunks (the floor)', args: ['gunzip', String(1 << 20), ...data.csvFiles] },
    { name: 'gunzip only, 16 KiB chunks (Node default)', args: ['gunzip', '0', ...data.csvFiles], baseline: 'floor' },
    { name: 'listKeys CSV.gz, local disk', args: ['listKeys', data.csvManifest], baseline: 'floor', target: 2.0 },
    { name: 'listKeys CSV.gz, local, verify: false', args: ['listKeys', data.csvManifest], opts: { verify: false }, baseline: 'floor' },
    { name: 'listKeys CSV.gz, local, workers: false', args: ['listKeys', data.csvManifest], opts: { workers: false }, baseline: 'floor' },
    { name: 'listKeys CSV.gz, local S3 server', args: ['listKeys', 's3://bench/csv/manifest.json'], baseline: 'floor' },
    { name: 'listKeys Parquet, local disk', args: ['listKeys', data.parquetManifest], baseline: 'floor' },
    { name: 'hyparquet → objects (peer)', args: ['hyparquet', ...data.parquetFiles], baseline: 'floor' },
  ]
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, 'i') : undefined
  const selected = cases.filter((c, i) => i === 0 || !only || only.test(c.name))
  const results = new Map<Case, Result[]>(selected.map((c) => [c, []]))
  const env = { ...process.env, BENCH_S3: endpoint }
  for (let r = 0; r < RUNS; r++) {
    for (const c of selected) {
      process.stderr.write(`run ${r + 1}/${RUNS}: ${c.name} … `)
      const res = await runOnce(c, env)
      process.stderr.write(`${res.wall.toFixed(2)} s\n`)
      results.get(c)!.push(res)
    }
  }
  await server.close()
  await rm(dir, { recursive: true, force: true })

  const floor = median(results.get(selected[0])!.map((x) => x.wall))
  const lines = [
    `${data.rows.toLocaleString('en-US')} rows, ${data.csvFiles.length} files: ${(compressed / 2 ** 20).toFixed(0)} MiB CSV.gz = ${(rawBytes / 2 ** 20).toFixed(0)} MiB uncompressed; median of ${RUNS} whole-process runs`,
    '',
    '| case | median s (min–max) | rows/s | MB/s uncompressed | peak RSS MB | × floor | target |',
    '|---|---|---|---|---|---|---|',
  ]
  let failed = false
  for (const c of selected) {
    const rs = results.get(c)!
    const walls = rs.map((x) => x.wall)
    const m = median(walls)
    const rows = rs[0].rows
    const ratio = m / floor
    const ok = c.target === undefined || ratio <= c.target
    if (!ok) failed = true
    lines.push(
      `| ${c.name} | ${m.toFixed(2)} (${Math.min(...walls).toFixed(2)}–${Math.max(...walls).toFixed(2)}) | ${rows ? Math.round(rows / m).toLocaleString('en-US') : '—'} | ${(rawBytes / 1e6 / m).toFixed(0)} | ${median(rs.map((x) => x.rss)).toFixed(0)} | ${ratio.toFixed(2)} | ${c.target ? `≤ ${c.target} ${ok ? '✓' : '✗'}` : ''} |`,
    )
  }
  console.log(lines.join('\n'))
  if (failed) process.exitCode = 1
}

await main()
