import { createHash } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { snappyCompress } from 'hyparquet-writer/src/snappy.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeRows, parquetBytes, writeInventory, type InventoryFixture, type Row } from '../fixtures/generate.js'
import { snappyUncompress } from '../src/codecs/snappy.js'
import { readInventory, readManifest } from '../src/index.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { collect, plain, tmpDir } from './support/tmp.js'

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex')

describe('snappy', () => {
  it('round-trips data compressed by an independent implementation (hyparquet-writer)', () => {
    let seed = 1
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    for (const n of [0, 1, 15, 16, 17, 60, 61, 255, 256, 65535, 65536, 70000, 300000]) {
      const input = Buffer.alloc(n)
      // Mix of runs (copies, overlapping copies) and noise (literals).
      for (let i = 0; i < n; i++) input[i] = rnd() < 0.3 ? Math.floor(rnd() * 256) : i % 7 === 0 ? 65 : input[Math.max(0, i - 3)]
      const compressed = snappyCompress(input)
      expect(Buffer.compare(snappyUncompress(compressed, n), input), `n=${n}`).toBe(0)
    }
  })
  it('rejects corrupt input instead of reading out of bounds', () => {
    const good = snappyCompress(Buffer.from('hello hello hello hello hello'))
    expect(() => snappyUncompress(good.subarray(0, good.length - 3))).toThrow(/snappy/)
    expect(() => snappyUncompress(Buffer.from([10, 0xfd, 0xff]))).toThrow(/snappy/)
  })
})

/** A Parquet file written by DuckDB: data pages v1 and PLAIN/dictionary choices like parquet-mr's. */
async function duckdbParquet(rows: Row[], file: string, rowGroupSize: number, compression = 'snappy'): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const db = await DuckDBInstance.create(':memory:')
  const con = await db.connect()
  const json = `${file}.ndjson`
  await writeFile(json, rows.map((r) => JSON.stringify({ ...r, lastModifiedDate: r.lastModifiedDate instanceof Date ? r.lastModifiedDate.getTime() : null })).join('\n'))
  await con.run(`COPY (
      SELECT bucket, key, versionId AS version_id, isLatest AS is_latest, isDeleteMarker AS is_delete_marker, size,
             make_timestamp_ms(lastModifiedDate)::TIMESTAMP_MS AS last_modified_date, eTag AS e_tag, storageClass AS storage_class
      FROM read_json('${json}', format = 'newline_delimited', columns = {bucket: 'VARCHAR', key: 'VARCHAR', versionId: 'VARCHAR', isLatest: 'BOOLEAN',
        isDeleteMarker: 'BOOLEAN', size: 'BIGINT', lastModifiedDate: 'BIGINT', eTag: 'VARCHAR', storageClass: 'VARCHAR'})
    ) TO '${file}' (FORMAT parquet, COMPRESSION ${compression}, ROW_GROUP_SIZE ${rowGroupSize})`)
  con.closeSync()
}

describe('Parquet reader', async () => {
  const root = await tmpDir('pq')
  const fields = ['bucket', 'key', 'versionId', 'isLatest', 'isDeleteMarker', 'size', 'lastModifiedDate', 'eTag', 'storageClass']
  // Sorted keys, as real deliveries are, so that row-group statistics can exclude a prefix.
  const rows = makeRows({ count: 5000, seed: 9, fields }).sort((a, b) => (Buffer.compare(Buffer.from(a.key), Buffer.from(b.key))))
  const client = s3Client()
  afterAll(() => client.destroy())
  let bucket = ''
  let v2: InventoryFixture

  beforeAll(async () => {
    bucket = await freshBucket(client, 'parquet')
    v2 = await writeInventory({ root, format: 'Parquet', rows, fields, rowGroupSize: 500, pageSize: 8192, statisticsTruncateLength: Infinity })
    await putObjects(client, bucket, v2.objects)
  })

  it('reads pages v1 written by DuckDB (another writer) to the same rows', async () => {
    const file = path.join(root, 'duck.parquet')
    await duckdbParquet(rows, file, 700)
    const bytes = await readFile(file)
    const manifest = path.join(root, 'duck-manifest.json')
    await writeFile(manifest, JSON.stringify({
      sourceBucket: 'b', destinationBucket: 'd', version: '1', creationTimestamp: '1', fileFormat: 'Parquet', fileSchema: 'message s3.inventory {}',
      files: [{ key: 'duck.parquet', size: bytes.length, MD5checksum: md5(bytes) }],
    }))
    expect(plain(await collect(readInventory(manifest)))).toEqual(rows)
  })

  it('reads a file larger than the read size in bounded windows (and still verifies its MD5)', async () => {
    const got = await collect(readInventory(v2.manifestPath, { readSize: 64 * 1024 }))
    expect(plain(got)).toEqual(rows)
    const m = await readManifest(v2.manifestPath)
    const tampered = { ...m, files: [{ ...m.files[0], MD5checksum: 'f'.repeat(32) }] }
    await expect(collect(readInventory(tampered, { readSize: 64 * 1024 }))).rejects.toMatchObject({ code: 'DATA_CHECKSUM_MISMATCH', actual: m.files[0].MD5checksum })
  })

  it('a projection fetches only those column chunks from S3 (bytes counted)', async () => {
    const all = readInventory({ bucket, key: v2.manifestKey }, { client, verify: false })
    await collect(all)
    const projected = readInventory({ bucket, key: v2.manifestKey }, { client, verify: false, columns: ['isLatest', 'isDeleteMarker'], readSize: 64 * 1024 })
    const got = await collect(projected)
    expect(plain(got)).toEqual(rows.map((r) => ({ isLatest: r.isLatest, isDeleteMarker: r.isDeleteMarker })))
    // Independent account of the file's layout, from hyparquet's footer parser.
    const bytes = await readFile(path.join(v2.root, v2.dataKeys[0]))
    const { parquetMetadata } = await import('hyparquet')
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))
    let chunks = 0
    for (const rg of meta.row_groups) {
      for (const c of rg.columns) if (['is_latest', 'is_delete_marker'].includes(c.meta_data!.path_in_schema[0])) chunks += Number(c.meta_data!.total_compressed_size)
    }
    // A file under the read size is fetched once, whole.
    expect(all.progress.bytesRead).toBe(bytes.length)
    // One read of the file's tail (footer), then exactly the two (adjacent) columns' chunks.
    expect(projected.progress.bytesRead).toBe(Math.min(bytes.length, 64 * 1024) + chunks)
    expect(chunks).toBeLessThan(bytes.length / 4)
  })

  it('a prefix filter skips row groups whose key statistics exclude it', async () => {
    const prefix = rows[2600].key.slice(0, 8)
    const expected = rows.filter((r) => r.key.startsWith(prefix))
    expect(expected.length).toBeGreaterThan(0)
    const filtered = readInventory({ bucket, key: v2.manifestKey }, { client, verify: false, filter: { prefix }, readSize: 64 * 1024 })
    expect(plain(await collect(filtered))).toEqual(expected)
    const fileSize = (await readManifest(v2.manifestPath)).files[0].size
    expect(filtered.progress.bytesRead).toBeLessThan(fileSize / 2)
  })

  it('a broken footer is PARQUET_CORRUPT naming the file and offset', async () => {
    const good = await readFile(path.join(v2.root, v2.dataKeys[0]))
    const bad = Buffer.from(good)
    const footerLen = bad.readUInt32LE(bad.length - 8)
    bad.fill(0xff, bad.length - 8 - footerLen, bad.length - 8 - footerLen + 40)
    const file = path.join(root, 'bad.parquet')
    await writeFile(file, bad)
    const manifest = path.join(root, 'bad-manifest.json')
    await writeFile(manifest, JSON.stringify({
      sourceBucket: 'b', destinationBucket: 'd', version: '1', creationTimestamp: '1', fileFormat: 'Parquet', fileSchema: 'message s3.inventory {}',
      files: [{ key: 'bad.parquet', size: bad.length, MD5checksum: md5(bad) }],
    }))
    const err = await collect(readInventory(manifest)).catch((e) => e)
    expect(err).toMatchObject({ code: 'PARQUET_CORRUPT', key: file })
    expect(err.offset).toBe(bad.length - 8 - footerLen)
  })

  it('a truncated file is caught by size, or by its missing magic when not verifying', async () => {
    const good = parquetBytes(rows.slice(0, 100), fields)
    const cut = good.subarray(0, good.length - 10)
    await writeFile(path.join(root, 'cut.parquet'), cut)
    const manifest = path.join(root, 'cut-manifest.json')
    await writeFile(manifest, JSON.stringify({
      sourceBucket: 'b', destinationBucket: 'd', version: '1', creationTimestamp: '1', fileFormat: 'Parquet', fileSchema: 'message s3.inventory {}',
      files: [{ key: 'cut.parquet', size: good.length, MD5checksum: md5(good) }],
    }))
    await expect(collect(readInventory(manifest))).rejects.toMatchObject({ code: 'DATA_SIZE_MISMATCH' })
    await expect(collect(readInventory(manifest, { verify: false }))).rejects.toMatchObject({ code: 'PARQUET_CORRUPT' })
  })

  it('ZSTD pages written by DuckDB read to the same rows', async () => {
    const file = path.join(root, 'zstd.parquet')
    await duckdbParquet(rows.slice(0, 50), file, 700, 'zstd')
    const bytes = await readFile(file)
    const manifest = path.join(root, 'zstd-manifest.json')
    await writeFile(manifest, JSON.stringify({
      sourceBucket: 'b', destinationBucket: 'd', version: '1', creationTimestamp: '1', fileFormat: 'Parquet', fileSchema: 'message s3.inventory {}',
      files: [{ key: 'zstd.parquet', size: bytes.length, MD5checksum: md5(bytes) }],
    }))
    expect(plain(await collect(readInventory(manifest)))).toEqual(rows.slice(0, 50))
  })

  it('a file longer or shorter than the manifest says is DATA_SIZE_MISMATCH, locally and over S3', async () => {
    const good = parquetBytes(rows.slice(0, 100), fields)
    // A valid Parquet file with bytes in front: its footer still parses, only the size gives it away.
    const longer = Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(100, 7), good.subarray(4)])
    const cases: Array<[string, Buffer]> = [['longer', longer], ['shorter', good.subarray(0, good.length - 50)]]
    for (const [name, bytes] of cases) {
      const key = `size-${name}.parquet`
      await writeFile(path.join(root, key), bytes)
      const manifestJson = JSON.stringify({
        sourceBucket: 'b', destinationBucket: 'd', version: '1', creationTimestamp: '1', fileFormat: 'Parquet', fileSchema: 'message s3.inventory {}',
        files: [{ key, size: good.length, MD5checksum: md5(good) }],
      })
      const manifest = path.join(root, `size-${name}-manifest.json`)
      await writeFile(manifest, manifestJson)
      const local = await collect(readInventory(manifest)).catch((e) => e)
      expect(local, name).toMatchObject({ code: 'DATA_SIZE_MISMATCH', key: path.join(root, key), expected: `${good.length} bytes` })
      await putObjects(client, bucket, new Map([[key, bytes], [`size-${name}-manifest.json`, Buffer.from(manifestJson)]]))
      const remote = await collect(readInventory({ bucket, key: `size-${name}-manifest.json` }, { client })).catch((e) => e)
      expect(remote, name).toMatchObject({ code: 'DATA_SIZE_MISMATCH', bucket, key })
    }
  })
})

describe('Parquet inventory columns this library does not know', async () => {
  const root = await tmpDir('pq-raw')
  const file = path.join(root, 'new-columns.parquet')
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const db = await DuckDBInstance.create(':memory:')
  const con = await db.connect()
  await con.run(`COPY (
      SELECT 'b' AS bucket, 'k' || i AS key, i::BIGINT AS size, make_timestamp_ms(1700000000000 + i)::TIMESTAMP_MS AS last_modified_date,
             (i * 9007199254740993)::BIGINT AS object_version_count, (i * 1.25)::DECIMAL(10,2) AS storage_cost,
             make_timestamp(1700000000000000 + i)::TIMESTAMPTZ AS restore_expiry_date, i % 2 = 0 AS is_archived, 'x' || i AS new_text
      FROM range(1, 4) t(i)
    ) TO '${file}' (FORMAT parquet)`)
  con.closeSync()
  const { parquetFormat } = await import('../src/formats/parquet/index.js')
  const { localSource } = await import('../src/sources/local.js')
  const read = (more: Record<string, unknown> = {}) => ({
    source: localSource(file, {}),
    file: { key: file, fileIndex: 0, manifestMd5: '0'.repeat(32) },
    fileSchema: '',
    startRow: 0,
    signal: new AbortController().signal,
    readSize: 1 << 20,
    ...more,
  })

  it('are left out unless asked for; asked for (extraColumns), they get their exact values, known fields keep their row types', async () => {
    const plainRows = (await collect(parquetFormat.rows(read()))).flat()
    expect(Object.keys(plainRows[0])).toEqual(['bucket', 'key', 'size', 'lastModifiedDate'])
    const rows = (await collect(parquetFormat.rows(read({ extraColumns: ['object_version_count', 'storageCost', 'restore_expiry_date', 'is_archived', 'new_text'] })))).flat()
    const { Decimal, Timestamp } = await import('../src/index.js')
    const r = rows[1]
    expect(r.size).toBe(2)
    expect(r.lastModifiedDate).toEqual(new Date(1700000000002))
    expect(r.objectVersionCount).toBe(2n * 9007199254740993n)
    expect(r.storageCost).toBeInstanceOf(Decimal)
    expect(String(r.storageCost)).toBe('2.50')
    expect(r.restoreExpiryDate).toBeInstanceOf(Timestamp)
    expect((r.restoreExpiryDate as InstanceType<typeof Timestamp>).isoString()).toBe('2023-11-14T22:13:20.000002Z')
    expect(r.isArchived).toBe(true)
    expect(r.newText).toBe('x2')
    // visit() fills one reused object with the same values.
    const visited: Record<string, unknown>[] = []
    await parquetFormat.visit(read({ extraColumns: ['object_version_count', 'storage_cost'] }), (row) => visited.push({ ...row }))
    expect(visited[1]).toEqual({ bucket: 'b', key: 'k2', size: 2, lastModifiedDate: new Date(1700000000002), objectVersionCount: 2n * 9007199254740993n, storageCost: r.storageCost })
  })

  it('a known field the file lacks, asked for, is FIELD_MISSING naming it', async () => {
    await expect(collect(parquetFormat.rows(read({ columns: ['key', 'eTag'] })))).rejects.toMatchObject({ code: 'FIELD_MISSING', column: 'eTag', key: file })
  })

  it('nested schemas stay a typed error for inventories', async () => {
    const nested = path.join(root, 'nested.parquet')
    const c2 = await (await DuckDBInstance.create(':memory:')).connect()
    await c2.run(`COPY (SELECT 'k' AS key, [1, 2] AS tags) TO '${nested}' (FORMAT parquet)`)
    c2.closeSync()
    await expect(collect(parquetFormat.rows({ ...read(), source: localSource(nested, {}), file: { key: nested, fileIndex: 0, manifestMd5: '0'.repeat(32) } }))).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT', key: nested })
  })
})

describe('thrift errors say why, as flags (callers never match the message)', () => {
  it('bytes that end inside a struct are truncated; nesting over the limit is limit; garbage is neither', async () => {
    const { readStruct, ThriftError } = await import('../src/formats/parquet/thrift.js')
    const { bin, struct, thrift } = await import('./support/parquet-craft.js')
    const caught = (buf: Uint8Array) => {
      try {
        readStruct({ buf, pos: 0 })
      } catch (err) {
        expect(err).toBeInstanceOf(ThriftError)
        const e = err as InstanceType<typeof ThriftError>
        return { limit: e.limit, truncated: e.truncated }
      }
      throw new Error('decoded')
    }
    // A page header with 300 bytes of statistics, peeked 256 bytes at a time: read more, do not fail.
    const whole = thrift(struct({ 1: bin('x'.repeat(300)) }))
    expect(caught(whole.subarray(0, 256))).toEqual({ limit: false, truncated: true })
    expect(caught(whole.subarray(0, 1))).toEqual({ limit: false, truncated: true })
    let deep = Buffer.from([0])
    for (let i = 0; i < 40; i++) deep = Buffer.concat([Buffer.from([0x1c]), deep, Buffer.from([0])]) // field 1, struct
    expect(caught(deep)).toEqual({ limit: true, truncated: false })
    expect(caught(Buffer.from([0x1e, 0]))).toEqual({ limit: false, truncated: false }) // field 1 of type 14: no such type
  })
})
