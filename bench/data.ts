/**
 * Benchmark data: 2,000,000 inventory rows (14 columns) in 8 CSV.gz files, and the same rows in 8
 * Snappy Parquet files written by DuckDB (page v1, dictionary encoding, as parquet-mr writes them).
 * Keys are `realistic` by default: 40–120 bytes, ~58% needing URL escapes in CSV (55% in a real 2021
 * delivery), spaces written as `%20` in even files and `+` in odd ones (S3 has written both); `plain`
 * keys (short ASCII) are the second case. Generated once into .cache/bench (outside git); delete the
 * folder to regenerate.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { BENCH_FIELDS, csvFileSchema, csvGz, makeRows, orcBytes, orcFileSchema } from '../fixtures/generate.js'

export const CACHE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '.cache', 'bench')

export interface BenchData {
  rows: number
  csvManifest: string
  parquetManifest: string
  csvFiles: string[]
  parquetFiles: string[]
  /** The same rows as ZLIB ORC (fixtures/orc-writer.ts, the encodings Apache's Java writer picks), when asked for. */
  orcManifest: string
  orcFiles: string[]
}

export async function benchData(rows = 2_000_000, files = 8, o: { parquet?: boolean; orc?: boolean; keys?: 'plain' | 'realistic' } = {}): Promise<BenchData> {
  const keys = o.keys ?? 'realistic'
  const dir = path.join(CACHE, `${rows}x${files}${keys === 'plain' ? '' : '-realistic'}`)
  const csvManifest = path.join(dir, 'csv', 'manifest.json')
  const parquetManifest = path.join(dir, 'parquet', 'manifest.json')
  const csvFiles = Array.from({ length: files }, (_, i) => path.join(dir, 'csv', `part-${i}.csv.gz`))
  const parquetFiles = Array.from({ length: files }, (_, i) => path.join(dir, 'parquet', `part-${i}.parquet`))
  const orcManifest = path.join(dir, 'orc', 'manifest.json')
  const orcFiles = Array.from({ length: files }, (_, i) => path.join(dir, 'orc', `part-${i}.orc`))
  const done = path.join(dir, 'done')
  const per = Math.ceil(rows / files)
  const rowsOf = (i: number) => {
    const part = makeRows({ count: Math.min(per, rows - i * per), seed: 1000 + i, versioned: true, hardKeys: i === 0, fields: BENCH_FIELDS, keys })
    // Distinct keys across files: prefix each file's keys.
    for (const r of part) r.key = `part${i}/${r.key}`
    return part
  }
  const result = { rows, csvManifest, parquetManifest, csvFiles, parquetFiles, orcManifest, orcFiles }
  if (o.orc && !existsSync(path.join(dir, 'orc-done'))) {
    await mkdir(path.join(dir, 'orc'), { recursive: true })
    process.stderr.write(`writing ${rows} rows as ORC under ${dir}/orc …\n`)
    const entries = []
    for (let i = 0; i < files; i++) {
      const bytes = orcBytes(rowsOf(i), BENCH_FIELDS)
      await writeFile(orcFiles[i], bytes)
      entries.push({ key: path.basename(orcFiles[i]), size: bytes.length, MD5checksum: createHash('md5').update(bytes).digest('hex') })
    }
    await writeManifest(orcManifest, 'ORC', orcFileSchema(BENCH_FIELDS), entries)
    await writeFile(path.join(dir, 'orc-done'), new Date().toISOString())
  }
  if (existsSync(done)) return result
  await mkdir(path.join(dir, 'csv'), { recursive: true })
  await mkdir(path.join(dir, 'parquet'), { recursive: true })
  const entries = []
  process.stderr.write(`generating ${rows} rows in ${files} files under ${dir} …\n`)
  for (let i = 0; i < files; i++) {
    const part = rowsOf(i)
    const bytes = csvGz(part, BENCH_FIELDS, keys === 'plain' || i % 2 === 0 ? '%20' : '+')
    await writeFile(csvFiles[i], bytes)
    entries.push({ key: path.basename(csvFiles[i]), size: bytes.length, MD5checksum: createHash('md5').update(bytes).digest('hex') })
  }
  await writeManifest(csvManifest, 'CSV', csvFileSchema(BENCH_FIELDS), entries)
  if (o.parquet ?? true) {
    await writeParquet(csvFiles, parquetFiles)
    const pEntries = []
    for (const f of parquetFiles) {
      const bytes = await import('node:fs/promises').then((fs) => fs.readFile(f))
      pEntries.push({ key: path.basename(f), size: bytes.length, MD5checksum: createHash('md5').update(bytes).digest('hex') })
    }
    await writeManifest(parquetManifest, 'Parquet', 'message s3.inventory { }', pEntries)
  }
  await writeFile(done, new Date().toISOString())
  return result
}

export async function writeManifest(file: string, fileFormat: string, fileSchema: string, files: unknown[]) {
  const m = { sourceBucket: 'bench-source', destinationBucket: 'arn:aws:s3:::bench-dest', version: '2016-11-30', creationTimestamp: '1763600000000', fileFormat, fileSchema, files }
  const bytes = Buffer.from(JSON.stringify(m, null, 2))
  await writeFile(`${file}.tmp`, bytes)
  await rename(`${file}.tmp`, file)
  await writeFile(file.replace(/\.json$/, '.checksum'), createHash('md5').update(bytes).digest('hex'))
}

/** CSV → Parquet with DuckDB, with the column names and types AWS uses. */
export async function writeParquet(csvFiles: string[], parquetFiles: string[]) {
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const db = await DuckDBInstance.create(':memory:')
  const con = await db.connect()
  const cols = {
    bucket: 'VARCHAR', key: 'VARCHAR', version_id: 'VARCHAR', is_latest: 'BOOLEAN', is_delete_marker: 'BOOLEAN', size: 'BIGINT',
    last_modified_date: 'VARCHAR', e_tag: 'VARCHAR', storage_class: 'VARCHAR', is_multipart_uploaded: 'BOOLEAN',
    replication_status: 'VARCHAR', encryption_status: 'VARCHAR', bucket_key_status: 'VARCHAR', checksum_algorithm: 'VARCHAR',
  }
  const colSpec = Object.entries(cols).map(([k, v]) => `'${k}': '${v}'`).join(', ')
  for (let i = 0; i < csvFiles.length; i++) {
    await con.run(`COPY (
      SELECT bucket, url_decode(replace(key, '+', ' ')) AS key, version_id, is_latest, is_delete_marker, size,
        CAST(CAST(last_modified_date AS TIMESTAMPTZ) AS TIMESTAMP_MS) AS last_modified_date,
        e_tag, storage_class, is_multipart_uploaded, replication_status, encryption_status, bucket_key_status, checksum_algorithm
      FROM read_csv('${csvFiles[i]}', header = false, quote = '"', escape = '"', columns = {${colSpec}}, nullstr = '')
    ) TO '${parquetFiles[i]}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)`)
  }
  con.closeSync?.()
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const d = await benchData(Number(process.argv[2] ?? 2_000_000), Number(process.argv[3] ?? 8))
  console.log(d)
}
