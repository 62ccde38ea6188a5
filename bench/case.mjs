// One benchmark case, run in its own process by bench/run.ts (under /usr/bin/time when available).
// Prints {"rows":…,"bytes":…,"rss":…}. Plain JS against dist/ so nothing but the code under test runs.
import { createReadStream } from 'node:fs'
import { createGunzip } from 'node:zlib'

const [name, ...args] = process.argv.slice(2)
const opts = JSON.parse(process.env.BENCH_OPTS ?? '{}')
let rows = 0
let bytes = 0

async function s3Client() {
  const { S3Client } = await import('@aws-sdk/client-s3')
  return new S3Client({
    endpoint: process.env.BENCH_S3, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * The 14 bench columns as DuckDB reads a header-less inventory CSV. Typed like our rows for the
 * rows → JS cases (TIMESTAMP, not TIMESTAMPTZ: the values are UTC and ICU zone handling is slow);
 * for aggregates only `size` is typed, the fastest setup we found for DuckDB.
 */
const columns = (typed) => `{'bucket': 'VARCHAR', 'key': 'VARCHAR', 'version_id': 'VARCHAR', 'is_latest': '${typed ? 'BOOLEAN' : 'VARCHAR'}',
  'is_delete_marker': '${typed ? 'BOOLEAN' : 'VARCHAR'}', 'size': 'BIGINT', 'last_modified_date': '${typed ? 'TIMESTAMP' : 'VARCHAR'}', 'e_tag': 'VARCHAR',
  'storage_class': 'VARCHAR', 'is_multipart_uploaded': '${typed ? 'BOOLEAN' : 'VARCHAR'}', 'replication_status': 'VARCHAR', 'encryption_status': 'VARCHAR',
  'bucket_key_status': 'VARCHAR', 'checksum_algorithm': 'VARCHAR'}`

async function duckdb(sql, threads, eachChunk) {
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const db = await DuckDBInstance.create(':memory:', { threads: String(threads) })
  const con = await db.connect()
  const result = await con.stream(sql)
  for await (const chunk of result.yieldRowObjectJs()) eachChunk(chunk)
  con.closeSync()
}

const list = (files) => `[${files.map((f) => `'${f}'`).join(', ')}]`
// Explicit quote/escape/nullstr options made DuckDB 3× slower here; its defaults read this dialect.
const csvSource = (files, typed = false) => `read_csv(${list(files)}, header = false, columns = ${columns(typed)})`
/** Aggregates: DuckDB's own type detection was its fastest setup (column05 = size, column08 = storage class). */
const csvAuto = (files) => `read_csv(${list(files)}, header = false)`

switch (name) {
  case 'gunzip': // chunkSize files...
    for (const f of args.slice(1)) {
      const size = Number(args[0])
      const z = createReadStream(f, { highWaterMark: 1 << 20 }).pipe(size ? createGunzip({ chunkSize: size }) : createGunzip())
      for await (const c of z) bytes += c.length
    }
    break
  case 'hand-parser': { // files... A throwaway parser for the inventory dialect, as the issue's baseline:
    // gunzip (1 MiB chunks) → lines → split('","') → typed objects; keys decoded, no MD5, no provenance.
    for (const f of args) {
      const gz = createReadStream(f, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 20 }))
      let carry = ''
      for await (const chunk of gz) {
        const text = carry + chunk.toString('latin1')
        let start = 0
        for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
          const p = text.slice(start + 1, nl - 1).split('","')
          start = nl + 1
          const row = {
            bucket: p[0], key: decodeURIComponent(p[1].replace(/\+/g, ' ')), versionId: p[2] || undefined,
            isLatest: p[3] === 'true', isDeleteMarker: p[4] === 'true', size: p[5] ? Number(p[5]) : undefined,
            lastModifiedDate: p[6] ? new Date(p[6]) : undefined, eTag: p[7] || undefined, storageClass: p[8] || undefined,
            isMultipartUploaded: p[9] === 'true', replicationStatus: p[10] || undefined, encryptionStatus: p[11] || undefined,
            bucketKeyStatus: p[12] || undefined, checksumAlgorithm: p[13] || undefined,
          }
          rows++
          if (row.size !== undefined) bytes += row.size
        }
        carry = text.slice(start)
      }
    }
    break
  }
  case 'listKeys': { // location
    const { readInventory } = await import('../dist/index.js')
    const client = args[0].startsWith('s3://') ? await s3Client() : undefined
    const slowEvery = opts.slowEvery
    delete opts.slowEvery
    for await (const row of readInventory(args[0], { ...opts, client })) {
      rows++
      if (row.size !== undefined) bytes += row.size
      if (slowEvery && rows % slowEvery === 0) await sleep(1)
    }
    client?.destroy()
    break
  }
  case 'rows-only': { // file count. The caller-side minimum for any CSV reader: rows of the same 14 typed
    // fields built from columns already parsed (no gunzip, scan, typing or MD5), three strings copied out of
    // bytes (as rows must not pin their chunk), a Date, delivered in batches through `for await` like listKeys.
    const [file, count] = [args[0], Number(args[1])]
    const { gunzipSync, constants } = await import('node:zlib')
    const { readFileSync } = await import('node:fs')
    // The first ~4,000 rows of the file (a prefix of the compressed bytes), cycled.
    const text = gunzipSync(readFileSync(file).subarray(0, 1 << 18), { finishFlush: constants.Z_SYNC_FLUSH }).toString('latin1', 0, 1 << 20)
    const lines = text.split('\n').slice(0, -1)
    const B = 256
    const buf = Buffer.from(text, 'latin1')
    const off = new Int32Array(6 * lines.length) // key, versionId, eTag: start/end byte offsets
    const cols = lines.map((line, i) => {
      const p = line.slice(1, -1).split('","')
      const at = text.indexOf(line, i === 0 ? 0 : off[6 * (i - 1) + 5])
      const pos = (k) => at + 1 + p.slice(0, k).reduce((n, f) => n + f.length + 3, 0)
      off.set([pos(1), pos(1) + p[1].length, pos(2), pos(2) + p[2].length, pos(7), pos(7) + p[7].length], 6 * i)
      return { p, ms: p[6] === '' ? NaN : Date.parse(p[6]), size: p[5] === '' ? undefined : Number(p[5]) }
    })
    const n = lines.length
    const bool = (v) => (v === 'true' ? true : v === 'false' ? false : undefined)
    async function* batches() {
      for (let done = 0; done < count; ) {
        const out = []
        for (let j = 0; j < B && done < count; j++, done++) {
          const i = done % n
          const c = cols[i].p
          const key = buf.latin1Slice(off[6 * i], off[6 * i + 1])
          const ms = cols[i].ms
          out.push({
            bucket: c[0], key: key.indexOf('%') === -1 && key.indexOf('+') === -1 ? key : decodeURIComponent(key.replace(/\+/g, ' ')),
            versionId: c[2] === '' ? undefined : buf.latin1Slice(off[6 * i + 2], off[6 * i + 3]),
            isLatest: bool(c[3]), isDeleteMarker: bool(c[4]), size: cols[i].size, lastModifiedDate: ms === ms ? new Date(ms) : undefined,
            eTag: c[7] === '' ? undefined : buf.latin1Slice(off[6 * i + 4], off[6 * i + 5]), storageClass: c[8] || undefined, isMultipartUploaded: bool(c[9]),
            replicationStatus: c[10] || undefined, encryptionStatus: c[11] || undefined, bucketKeyStatus: c[12] || undefined, checksumAlgorithm: c[13] || undefined,
          })
        }
        yield out
      }
    }
    // Rows one at a time from the batches, as the library's iterator does (one promise per row).
    const it = batches()
    let batch = []
    let k = 0
    const iterable = { [Symbol.asyncIterator]: () => ({ next: async () => {
      if (k < batch.length) return { value: batch[k++], done: false }
      const r = await it.next()
      if (r.done) return r
      batch = r.value
      k = 1
      return { value: batch[0], done: false }
    } }) }
    for await (const row of iterable) {
      rows++
      if (row.size !== undefined) bytes += row.size
    }
    break
  }
  case 'hyparquet': { // files...
    const { parquetReadObjects, asyncBufferFromFile } = await import('hyparquet')
    for (const f of args) {
      const file = await asyncBufferFromFile(f)
      const objs = await parquetReadObjects({ file, ...(opts.columns ? { columns: opts.columns } : {}) })
      rows += objs.length
      for (const o of objs) if (o.size != null) bytes += Number(o.size)
    }
    break
  }
  case 'duckdb-sum-csv': // threads files...
    await duckdb(`SELECT count(*) AS n, sum(column05) AS s FROM ${csvAuto(args.slice(1))}`, args[0], (c) => ((rows = Number(c[0].n)), (bytes = Number(c[0].s))))
    break
  case 'duckdb-group-csv':
    await duckdb(`SELECT column08, count(*) AS n, sum(column05) AS s FROM ${csvAuto(args.slice(1))} GROUP BY 1`, args[0], (c) => c.forEach((r) => ((rows += Number(r.n)), (bytes += Number(r.s ?? 0)))))
    break
  case 'duckdb-group-parquet':
    await duckdb(`SELECT storage_class, count(*) AS n, sum(size) AS s FROM read_parquet(${list(args.slice(1))}) GROUP BY 1`, args[0], (c) => c.forEach((r) => ((rows += Number(r.n)), (bytes += Number(r.s ?? 0)))))
    break
  case 'duckdb-rows-csv':
    await duckdb(`SELECT * FROM ${csvSource(args.slice(1), true)}`, args[0], (c) => ((rows += c.length), c.forEach((r) => r.size != null && (bytes += Number(r.size)))))
    break
  case 'duckdb-rows-parquet':
    await duckdb(`SELECT * FROM read_parquet(${list(args.slice(1))})`, args[0], (c) => ((rows += c.length), c.forEach((r) => r.size != null && (bytes += Number(r.size)))))
    break
  case 'listKeys-both': { // manifests... — the diff's baseline: every row of both deliveries
    const { readInventory } = await import('../dist/index.js')
    for (const m of args) {
      for await (const row of readInventory(m, opts)) {
        rows++
        if (row.size !== undefined) bytes += row.size
      }
    }
    break
  }
  case 'diff': { // older newer — changes counted, summary bytes
    const { diffInventories } = await import('../dist/index.js')
    const d = diffInventories(args[0], args[1], opts)
    for await (const batch of d.batches()) rows += batch.length
    const s = await d.summary()
    bytes = s.total.added.bytes + s.total.removed.bytes + s.total.changed.bytes
    break
  }
  case 'duckdb-diff': { // threads older newer — the same diff as DuckDB runs it (s3inv diff --sql duckdb's query)
    const { diffSql, readManifest } = await import('../dist/index.js')
    const sql = await diffSql(await readManifest(args[1]), await readManifest(args[2]), { engine: 'duckdb' })
    await duckdb(sql.statements[0].sql, args[0], (c) => (rows += c.length))
    break
  }
  default:
    throw new Error(`unknown case ${name}`)
}
process.stdout.write(`${JSON.stringify({ rows, bytes, rss: process.resourceUsage().maxRSS / 1024 })}\n`)
