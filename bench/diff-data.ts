/**
 * Benchmark data for `diff`: two deliveries of the same bucket, `rows` rows each (14 columns, 8 CSV.gz
 * files per delivery, all versions; also as Parquet written by DuckDB), the newer one with 1% of the rows added, 1%
 * removed and 2% changed (size, ETag, storage class). Keys carry %XX escapes as real inventories do
 * (spaces, accents, symbols). Generated once into .cache/bench (outside git).
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { BENCH_FIELDS, csvFileSchema, csvGz, makeRows, parquetFileSchema, prng, type Row } from '../fixtures/generate.js'
import { CACHE, writeManifest, writeParquet } from './data.js'

export interface DiffBenchSide {
  csvManifest: string
  parquetManifest?: string
  csvFiles: string[]
  parquetFiles: string[]
}

export interface DiffBenchData {
  rows: number
  older: DiffBenchSide
  newer: DiffBenchSide
  /** What the diff must find. */
  expected: { added: number; removed: number; changed: number }
}

const ESCAPED = [' copy', ' (1)', 'é', '+plus', '#1', ' 2026', '&co', 'ü']
const CLASSES = ['STANDARD', 'STANDARD_IA', 'GLACIER', 'DEEP_ARCHIVE']

export async function diffBenchData(rows = 2_000_000, files = 8, o: { parquet?: boolean } = {}): Promise<DiffBenchData> {
  const dir = path.join(CACHE, `diff-${rows}x${files}`)
  const sideDirs = { older: path.join(dir, 'older'), newer: path.join(dir, 'newer') }
  const side = (d: string): DiffBenchSide => ({
    csvManifest: path.join(d, 'csv', 'manifest.json'),
    parquetManifest: o.parquet ?? true ? path.join(d, 'parquet', 'manifest.json') : undefined,
    csvFiles: Array.from({ length: files }, (_, i) => path.join(d, 'csv', `part-${i}.csv.gz`)),
    parquetFiles: o.parquet ?? true ? Array.from({ length: files }, (_, i) => path.join(d, 'parquet', `part-${i}.parquet`)) : [],
  })
  const data: DiffBenchData = { rows, older: side(sideDirs.older), newer: side(sideDirs.newer), expected: { added: 0, removed: 0, changed: 0 } }
  const done = path.join(dir, 'done.json')
  if (existsSync(done)) return { ...data, expected: JSON.parse(await readFile(done, 'utf8')) }
  for (const d of Object.values(sideDirs)) {
    await mkdir(path.join(d, 'csv'), { recursive: true })
    if (o.parquet ?? true) await mkdir(path.join(d, 'parquet'), { recursive: true })
  }
  process.stderr.write(`generating two deliveries of ${rows} rows in ${files} files under ${dir} …\n`)
  const per = Math.ceil(rows / files)
  const entries: { older: unknown[]; newer: unknown[] } = { older: [], newer: [] }
  const expected = { added: 0, removed: 0, changed: 0 }
  for (let i = 0; i < files; i++) {
    const rnd = prng(5000 + i)
    const part = makeRows({ count: Math.min(per, rows - i * per), seed: 2000 + i, versioned: true, hardKeys: i === 0, fields: BENCH_FIELDS })
    for (const [j, r] of part.entries()) r.key = `part${i}/${r.key}${j % 7 === 0 ? ESCAPED[j % ESCAPED.length] : ''}`
    const newer: Row[] = []
    for (const r of part) {
      const x = rnd()
      if (x < 0.01) expected.removed++
      else if (x < 0.03) {
        expected.changed++
        const m = { ...r }
        const k = Math.floor(rnd() * 3)
        if (k === 0) m.size = ((r.size as number | undefined) ?? 0) + 1
        else if (k === 1) m.eTag = `${String(r.eTag).slice(0, -1)}${String(r.eTag).endsWith('0') ? '1' : '0'}`
        else m.storageClass = CLASSES[(CLASSES.indexOf(String(r.storageClass)) + 1) % CLASSES.length]
        newer.push(m)
      } else newer.push(r)
    }
    const added = makeRows({ count: Math.round(part.length / 100), seed: 3000 + i, versioned: true, hardKeys: false, fields: BENCH_FIELDS })
    for (const r of added) newer.push({ ...r, key: `new${i}/${r.key} é` })
    expected.added += added.length
    for (const [name, list] of [['older', part], ['newer', newer]] as const) {
      const file = data[name].csvFiles[i]
      const bytes = csvGz(list, BENCH_FIELDS, '%20')
      await writeFile(file, bytes)
      entries[name].push({ key: path.basename(file), size: bytes.length, MD5checksum: md5(bytes) })
    }
  }
  for (const name of ['older', 'newer'] as const) {
    await writeManifest(data[name].csvManifest, 'CSV', csvFileSchema(BENCH_FIELDS), entries[name])
    if (o.parquet ?? true) {
      await writeParquet(data[name].csvFiles, data[name].parquetFiles)
      const list = []
      for (const f of data[name].parquetFiles) {
        const bytes = await readFile(f)
        list.push({ key: path.basename(f), size: bytes.length, MD5checksum: md5(bytes) })
      }
      await writeManifest(data[name].parquetManifest!, 'Parquet', parquetFileSchema(BENCH_FIELDS), list)
    }
  }
  await writeFile(done, JSON.stringify(expected))
  return { ...data, expected }
}

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex')

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  console.log(await diffBenchData(Number(process.argv[2] ?? 2_000_000), Number(process.argv[3] ?? 8), { parquet: process.argv[4] !== 'csv' }))
}
