/**
 * Mistakes people make and files that cannot be right: each gets a typed error naming what was
 * wrong, before any row that would look like an answer.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFile, mkdir, readFile, symlink, truncate, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { ALL_FIELDS, csvFileSchema, CURRENT_ONLY_FIELDS, makeRows, writeInventory } from '../fixtures/generate.js'
import { listDeliveries, readCompletionReport, readInventory, readManifest, summarize, summarizeInventory, type KnownField } from '../src/index.js'
import { collect, plain, tmpDir } from './support/tmp.js'

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex')
const rows = makeRows({ count: 60, seed: 3, versioned: true })

async function fixture(hint: string, fields: readonly string[] = ALL_FIELDS) {
  const root = await tmpDir(hint)
  return writeInventory({ root, format: 'CSV', rows: makeRows({ count: 60, seed: 3, versioned: fields.includes('versionId'), fields }), fields, filesRows: [30] })
}

/** A one-file CSV inventory with this fileSchema and these records, as a delivery folder under `dir`. */
async function csvDelivery(dir: string, fileSchema: string, csv: string, extra: { gz?: Buffer } = {}) {
  const delivery = path.join(dir, 'src-bucket', 'cfg', '2026-11-20T01-00Z')
  await mkdir(path.join(dir, 'src-bucket', 'cfg', 'data'), { recursive: true })
  await mkdir(delivery, { recursive: true })
  const data = extra.gz ?? gzipSync(csv)
  const key = 'src-bucket/cfg/data/part-0.csv.gz'
  await writeFile(path.join(dir, key), data)
  const manifest = Buffer.from(
    JSON.stringify({ sourceBucket: 'src-bucket', destinationBucket: 'arn:aws:s3:::dest', version: '2016-11-30', creationTimestamp: '1763600000000', fileFormat: 'CSV', fileSchema, files: [{ key, size: data.length, MD5checksum: md5(data) }] }),
  )
  await writeFile(path.join(delivery, 'manifest.json'), manifest)
  await writeFile(path.join(delivery, 'manifest.checksum'), md5(manifest))
  return { manifestPath: path.join(delivery, 'manifest.json'), dataPath: path.join(dir, key), data }
}

describe('unknown names are UNKNOWN_FIELD, AWS spellings are aliases', () => {
  it('columns: a typo lists the valid names; StorageClass, storage_class and storage-class mean storageClass', async () => {
    const f = await fixture('names')
    const typo = (() => {
      try {
        readInventory(f.manifestPath, { columns: ['sizee' as KnownField] })
      } catch (e) {
        return e
      }
    })()
    expect(typo).toMatchObject({ code: 'UNKNOWN_FIELD', option: 'columns', actual: 'sizee' })
    expect((typo as Error).message).toContain('did you mean size?')
    expect((typo as { expected: string }).expected).toContain('storageClass')
    // formatError prints the list whole (it was cut at 300 characters, in the middle of a name).
    const { formatError } = await import('../src/index.js')
    expect(formatError(typo)).toContain('lifecycleExpirationDate (or their AWS spellings')
    expect(formatError(typo)).not.toContain('…')
    const got = plain(await collect(readInventory(f.manifestPath, { columns: ['Key', 'storage_class', 'Size'] as unknown as KnownField[] })))
    expect(got).toEqual(f.rows.map((r) => ({ key: r.key, size: r.size, storageClass: r.storageClass })))
  })

  it('groupings: StorageClass groups by storage class (not all "(none)"); a typo is UNKNOWN_FIELD', async () => {
    const f = await fixture('by')
    const classes = new Set(f.rows.map((r) => r.storageClass ?? '(none)'))
    for (const by of ['StorageClass', 'storage_class', 'storage-class', 'storageClass']) {
      const s = await summarizeInventory(f.manifestPath, { by })
      expect(new Set(s.groups.map((g) => g.key[0]))).toEqual(classes)
      expect(s.by).toEqual(['storageClass'])
    }
    await expect(summarizeInventory(f.manifestPath, { by: 'StorageClas' })).rejects.toMatchObject({ code: 'UNKNOWN_FIELD', option: 'by' })
    await expect(summarize([], { by: 'sise' })).rejects.toMatchObject({ code: 'UNKNOWN_FIELD' })
  })

  it('filters: an option that does not exist is refused (it would filter nothing)', async () => {
    const f = await fixture('filter')
    expect(() => readInventory(f.manifestPath, { filter: { storageclass: 'GLACIER' } as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', option: 'filter.storageclass' }))
    expect(() => readInventory(f.manifestPath, { filter: { minSize: -1 } })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', option: 'filter.minSize' }))
    expect(() => readInventory(f.manifestPath, { filter: { modifiedAfter: '2021-13-01' } })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => readInventory(f.manifestPath, { filter: { modifiedAfter: 'May 5' } })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})

describe('fields this inventory does not have are FIELD_MISSING, naming the field and the schema', () => {
  const noClass = CURRENT_ONLY_FIELDS.filter((f) => f !== 'storageClass')

  it('a filter, a grouping or a projection on a missing field', async () => {
    const f = await fixture('missing', noClass)
    const schema = csvFileSchema(noClass)
    await expect(collect(readInventory(f.manifestPath, { filter: { storageClass: 'STANDARD' } }))).rejects.toMatchObject({ code: 'FIELD_MISSING', column: 'storageClass', actual: schema })
    await expect(summarizeInventory(f.manifestPath, { by: 'storage-class' })).rejects.toMatchObject({ code: 'FIELD_MISSING', column: 'storageClass' })
    await expect(summarizeInventory(f.manifestPath, { by: 'storage-class', workers: false })).rejects.toMatchObject({ code: 'FIELD_MISSING', column: 'storageClass' })
    await expect(collect(readInventory(f.manifestPath, { columns: ['key', 'versionId'] }))).rejects.toMatchObject({ code: 'FIELD_MISSING', column: 'versionId' })
  })

  it('an inventory of current versions has no IsLatest: latestOnly holds for every row, no error', async () => {
    const f = await fixture('current', CURRENT_ONLY_FIELDS)
    const got = await collect(readInventory(f.manifestPath, { filter: { latestOnly: true, excludeDeleteMarkers: true }, columns: ['key'] }))
    expect(got.map((r) => r.key)).toEqual(f.rows.map((r) => r.key))
  })

  it('a column that exists but is empty is fine', async () => {
    const dir = await tmpDir('empty-col')
    const d = await csvDelivery(dir, 'Bucket, Key, StorageClass', '"b","k1",""\n"b","k2",""\n')
    expect(plain(await collect(readInventory(d.manifestPath, { filter: { storageClass: 'STANDARD' } })))).toEqual([])
    expect((await summarizeInventory(d.manifestPath, { by: 'storageClass' })).groups).toMatchObject([{ key: ['(none)'], count: 2 }])
  })
})

describe('schemas that cannot be right are MANIFEST_INVALID naming the column', () => {
  it.each([
    ['a duplicate column', 'Bucket, Key, Size, Size', 'Size twice'],
    ['two spellings of one column', 'Bucket, Key, StorageClass, storageclass', 'twice'],
    ['no Key', 'Bucket, Size', 'no Key'],
    ['no Bucket', 'Key, Size', 'no Bucket'],
    ['an empty name', 'Bucket, Key, , Size', 'empty column name'],
  ])('%s', async (_, fileSchema, words) => {
    const dir = await tmpDir('schema')
    const d = await csvDelivery(dir, fileSchema, '"b","k","1","1"\n')
    const err = await readManifest(d.manifestPath).catch((e) => e)
    expect(err).toMatchObject({ code: 'MANIFEST_INVALID', field: 'fileSchema', key: d.manifestPath })
    expect(err.message).toContain(words)
  })
})

describe('numeric options are checked against their documented range, naming the option', () => {
  it.each([
    ['bufferRows', 0],
    ['bufferRows', -1],
    ['bufferRows', Number.NaN],
    ['concurrency', Number.NaN],
    ['concurrency', 1e9],
    ['concurrency', 0],
    ['concurrency', 1.5],
    ['readSize', 1],
    ['idleTimeoutMs', -5],
  ])('readInventory %s: %s', async (option, value) => {
    const f = await fixture('opts')
    expect(() => readInventory(f.manifestPath, { [option]: value })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', option }))
  })

  it('every reader checks before any I/O', async () => {
    const f = await fixture('opts2')
    await expect(summarizeInventory(f.manifestPath, { concurrency: Number.NaN })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option: 'concurrency' })
    expect(() => readInventory(f.manifestPath, { retry: { retries: -1 } })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', option: 'retry.retries' }))
    expect(() => readCompletionReport('/nonexistent/manifest.json', { bufferRows: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', option: 'bufferRows' }))
    await expect(listDeliveries(path.dirname(path.dirname(f.manifestPath)), { concurrency: 1e9 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option: 'concurrency' })
    await expect(readManifest(f.manifestPath, { maxManifestBytes: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option: 'maxManifestBytes' })
  })
})

describe('options of the wrong shape are INVALID_ARGUMENT naming the option, never a TypeError', () => {
  const invalid = (option: string) => expect.objectContaining({ code: 'INVALID_ARGUMENT', option })

  it('readInventory: null options, columns that are not a list of names, an empty list, fileIndexes, root', async () => {
    const f = await fixture('shapes')
    expect(() => readInventory(f.manifestPath, null as never)).toThrow(invalid('options'))
    expect(() => readInventory(f.manifestPath, { columns: [5] as never })).toThrow(invalid('columns'))
    expect(() => readInventory(f.manifestPath, { columns: 'key' as never })).toThrow(invalid('columns'))
    // An empty list would give rows of no fields ({} lines).
    expect(() => readInventory(f.manifestPath, { columns: [] })).toThrow(invalid('columns'))
    expect(() => readInventory(f.manifestPath, { extraColumns: 'x' as never })).toThrow(invalid('extraColumns'))
    expect(() => readInventory(f.manifestPath, { fileIndexes: '0' as never })).toThrow(invalid('fileIndexes'))
    expect(() => readInventory(f.manifestPath, { fileIndexes: [0, 0] })).toThrow(invalid('fileIndexes'))
    expect(() => readInventory(f.manifestPath, { fileIndexes: [-1] })).toThrow(invalid('fileIndexes'))
    expect(() => readInventory(f.manifestPath, { root: 5 as never })).toThrow(invalid('root'))
    // Summaries still read no row fields beyond what they group by.
    expect((await summarizeInventory(f.manifestPath, { workers: false })).total.count).toBe(60)
  })

  it('sinks resolve columns like readInventory: AWS spellings, UNKNOWN_FIELD, extraColumns, no empty list', async () => {
    const { arrowSchema, readParquetMetadata, toArrow, writeParquetFile } = await import('../src/index.js')
    const f = await fixture('sink-cols')
    const dir = await tmpDir('sink-cols-out')
    const out = path.join(dir, 'x.parquet')
    await expect(writeParquetFile(readInventory(f.manifestPath), out, { columns: ['key', 'sizee' as KnownField] })).rejects.toMatchObject({ code: 'UNKNOWN_FIELD', actual: 'sizee' })
    await expect(writeParquetFile(readInventory(f.manifestPath), out, { columns: [] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option: 'columns' })
    await writeParquetFile(readInventory(f.manifestPath), out, { columns: ['key', 'Size', 'size'] as unknown as KnownField[] })
    expect((await readParquetMetadata(out)).columns.map((c) => c.name)).toEqual(['key', 'size'])
    await expect(collect(toArrow(readInventory(f.manifestPath), { columns: ['key', 'sizee' as KnownField] }))).rejects.toMatchObject({ code: 'UNKNOWN_FIELD' })
    const batches = await collect(toArrow(readInventory(f.manifestPath), { columns: ['Key', 'storage_class'] as unknown as KnownField[] }))
    expect(batches[0].schema.fields.map((x) => x.name)).toEqual(['key', 'storageClass'])
    expect(batches[0].getChild('storageClass')!.nullCount).toBeLessThan(batches[0].numRows)
    expect((await arrowSchema(['key'], ['ObjectLockEventHoldStatus'])).fields.map((x) => x.name)).toEqual(['key', 'objectLockEventHoldStatus'])
    await expect(collect(toArrow([], { batchSize: 1e9 }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option: 'batchSize' })
    await expect(writeParquetFile([], out, { rowGroupSize: 1e9 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option: 'rowGroupSize' })
  })

  it('readParquet, readOrc and their metadata readers check startRow and readSize', async () => {
    const { readOrc, readOrcMetadata, readParquet, readParquetMetadata } = await import('../src/index.js')
    const root = await tmpDir('gen-opts')
    const pq = await writeInventory({ root: path.join(root, 'pq'), format: 'Parquet', rows: rows.slice(0, 10), filesRows: [10] })
    const orc = await writeInventory({ root: path.join(root, 'orc'), format: 'ORC', rows: rows.slice(0, 10), filesRows: [10] })
    const pqFile = path.join(pq.root, pq.dataKeys[0])
    const orcFile = path.join(orc.root, orc.dataKeys[0])
    for (const startRow of [Number.NaN, 1.5, -3]) expect(() => readParquet(pqFile, { startRow })).toThrow(invalid('startRow'))
    for (const readSize of [0, -1, Number.NaN, 2 ** 31]) {
      expect(() => readParquet(pqFile, { readSize })).toThrow(invalid('readSize'))
      await expect(collect(readOrc(orcFile, { readSize }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option: 'readSize' })
      await expect(readParquetMetadata(pqFile, { readSize })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option: 'readSize' })
      await expect(readOrcMetadata(orcFile, { readSize })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option: 'readSize' })
    }
    expect(() => readParquet(pqFile, { columns: [] })).toThrow(invalid('columns'))
    expect(await collect(readParquet(pqFile, { startRow: 7 }))).toHaveLength(3)
    expect((await readOrcMetadata(orcFile, { readSize: 64 * 1024 })).rows).toBe(10)
  })

  it('enqueue, estimateBatchCost and batchHandler check their numbers when called or built', async () => {
    const { batchHandler, enqueue, estimateBatchCost } = await import('../src/index.js')
    const queueUrl = 'http://127.0.0.1:9/queue'
    for (const [option, value] of [['concurrency', 1e9], ['concurrency', 0], ['rowsPerMessage', 1e9], ['rowsPerMessage', 1.5]] as const) {
      await expect(enqueue([], { queueUrl, [option]: value })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option })
    }
    for (const jobs of [0, 1.5, -1, Number.NaN]) expect(() => estimateBatchCost({ objects: 10, jobs })).toThrow(invalid('jobs'))
    expect(estimateBatchCost({ objects: 10, jobs: 2 }).jobFee).toBe(2 * estimateBatchCost({ objects: 10 }).jobFee)
    // At construction, not at every invocation of a running job.
    expect(() => batchHandler(async () => ({ resultCode: 'Succeeded' }), { maxErrorLength: 0 })).toThrow(invalid('maxErrorLength'))
    expect(() => batchHandler(async () => ({ resultCode: 'Succeeded' }), { timeoutMarginMs: -1 })).toThrow(invalid('timeoutMarginMs'))
  })
})

describe('local data files are read only where the manifest path allows', () => {
  it('a key that exists three folders above the delivery is not read (no climbing)', async () => {
    const top = await tmpDir('climb')
    const deep = path.join(top, 'a', 'b', 'c')
    const d = await csvDelivery(deep, 'Bucket, Key', '"b","k"\n')
    // The same key under a folder three levels up — the old search would have found and read it.
    const m = JSON.parse(await readFile(d.manifestPath, 'utf8'))
    m.files[0].key = 'elsewhere/data/part-0.csv.gz'
    await mkdir(path.join(top, 'elsewhere', 'data'), { recursive: true })
    await copyFile(d.dataPath, path.join(top, 'elsewhere', 'data', 'part-0.csv.gz'))
    // Nothing at the places the manifest's path allows (config folder, beside it).
    execFileSync('rm', [d.dataPath])
    const bytes = Buffer.from(JSON.stringify(m))
    await writeFile(d.manifestPath, bytes)
    await writeFile(path.join(path.dirname(d.manifestPath), 'manifest.checksum'), md5(bytes))
    await expect(collect(readInventory(d.manifestPath))).rejects.toMatchObject({ code: 'NOT_FOUND', key: 'elsewhere/data/part-0.csv.gz' })
  })

  it('the four allowed places: synced bucket, synced config folder, beside the manifest, the root option (also /)', async () => {
    const f = await fixture('places')
    const want = f.rows.map((r) => r.key)
    const keys = async (manifestPath: string, root?: string) => (await collect(readInventory(manifestPath, { root, columns: ['key'] }))).map((r) => r.key)
    // 1. the synced bucket (the fixture's layout)
    expect(await keys(f.manifestPath)).toEqual(want)
    // 2. only the config folder synced: <copy>/<delivery>/manifest.json and <copy>/data/…
    const cfg = await tmpDir('cfg-only')
    const delivery = path.basename(path.dirname(f.manifestPath))
    await mkdir(path.join(cfg, delivery), { recursive: true })
    await mkdir(path.join(cfg, 'data'), { recursive: true })
    for (const file of ['manifest.json', 'manifest.checksum']) await copyFile(path.join(path.dirname(f.manifestPath), file), path.join(cfg, delivery, file))
    for (const k of f.dataKeys) await copyFile(path.join(f.root, k), path.join(cfg, 'data', path.posix.basename(k)))
    expect(await keys(path.join(cfg, delivery, 'manifest.json'))).toEqual(want)
    // 3. beside the manifest
    const flat = await tmpDir('flat')
    await copyFile(f.manifestPath, path.join(flat, 'manifest.json'))
    for (const k of f.dataKeys) await copyFile(path.join(f.root, k), path.join(flat, path.posix.basename(k)))
    expect(await keys(path.join(flat, 'manifest.json'))).toEqual(want)
    // 4. the root option: the manifest elsewhere, the bucket under root — and root "/" with keys from it.
    const lone = await tmpDir('lone')
    await copyFile(f.manifestPath, path.join(lone, 'manifest.json'))
    await expect(collect(readInventory(path.join(lone, 'manifest.json')))).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect(await keys(path.join(lone, 'manifest.json'), f.root)).toEqual(want)
    const m = JSON.parse(await readFile(f.manifestPath, 'utf8'))
    for (const file of m.files) file.key = path.join(f.root, file.key).slice(1)
    await writeFile(path.join(lone, 'abs.json'), JSON.stringify(m))
    expect(await keys(path.join(lone, 'abs.json'), '/')).toEqual(want)
  })

  it('a key with .. segments is PATH_ESCAPE before anything is read', async () => {
    const dir = await tmpDir('escape')
    const d = await csvDelivery(dir, 'Bucket, Key', '"b","k"\n')
    const m = JSON.parse(await readFile(d.manifestPath, 'utf8'))
    m.files[0].key = 'src-bucket/cfg/data/../../../../../../etc/passwd'
    await writeFile(d.manifestPath, JSON.stringify(m))
    await writeFile(path.join(path.dirname(d.manifestPath), 'manifest.checksum'), md5(Buffer.from(JSON.stringify(m))))
    await expect(collect(readInventory(d.manifestPath))).rejects.toMatchObject({ code: 'PATH_ESCAPE' })
  })
})

describe('local files: sizes, kinds and lengths checked before reading', () => {
  it('a truncated local data file fails before its first row', async () => {
    // Many chunks of rows, cut short by 10 bytes: a reader that checks only at the end prints most rows first.
    const dir = await tmpDir('trunc')
    const csv = Array.from({ length: 40_000 }, (_, i) => `"b","key/${i}-${md5(Buffer.from(String(i)))}","${i}"\n`).join('')
    const d = await csvDelivery(dir, 'Bucket, Key, Size', csv)
    await truncate(d.dataPath, d.data.length - 10)
    let seen = 0
    const err = await (async () => {
      for await (const _ of readInventory(d.manifestPath, { concurrency: 1 })) seen++
    })().catch((e) => e)
    expect(err).toMatchObject({ code: 'DATA_SIZE_MISMATCH', actual: `${d.data.length - 10} bytes`, key: d.dataPath })
    expect(seen).toBe(0)
  })

  it('a data file that is a FIFO is IO_ERROR, not a hang', async () => {
    const f = await fixture('fifo')
    const file = path.join(f.root, f.dataKeys[0])
    execFileSync('rm', [file])
    execFileSync('mkfifo', [file])
    await expect(collect(readInventory(f.manifestPath))).rejects.toMatchObject({ code: 'IO_ERROR', key: file })
  })

  it('manifest.checksum that is a link to an endless file, or a huge one, is an error in bounded memory', async () => {
    const f = await fixture('endless')
    const checksum = path.join(path.dirname(f.manifestPath), 'manifest.checksum')
    execFileSync('rm', [checksum])
    await symlink('/dev/zero', checksum)
    await expect(readManifest(f.manifestPath)).rejects.toMatchObject({ code: 'IO_ERROR' })
    execFileSync('rm', [checksum])
    await writeFile(checksum, '')
    await truncate(checksum, 1 << 30) // a sparse 1 GiB file
    await expect(readManifest(f.manifestPath)).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED', key: checksum })
    // A manifest over maxManifestBytes (padded with whitespace: still valid JSON).
    const padded = Buffer.concat([await readFile(f.manifestPath), Buffer.alloc(4096, ' ')])
    await writeFile(f.manifestPath, padded)
    await writeFile(checksum, md5(padded))
    await expect(readManifest(f.manifestPath, { maxManifestBytes: 1024 })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED', key: f.manifestPath })
    expect((await readManifest(f.manifestPath)).checksum).toBe('verified')
  })

  it('gzip: a damaged later member is GZIP_CORRUPT, not the first member\'s rows as the whole file', async () => {
    const dir = await tmpDir('members')
    const first = gzipSync('"b","k1"\n"b","k2"\n')
    const second = gzipSync('"b","k3"\n')
    // Whole members in a row are one file…
    const ok = await csvDelivery(path.join(dir, 'ok'), 'Bucket, Key', '', { gz: Buffer.concat([first, second]) })
    expect((await collect(readInventory(ok.manifestPath))).map((r) => r.key)).toEqual(['k1', 'k2', 'k3'])
    // …but bytes after a member that are not gzip are damage (the MD5 in the manifest matches them).
    const bad = await csvDelivery(path.join(dir, 'bad'), 'Bucket, Key', '', { gz: Buffer.concat([first, Buffer.alloc(64)]) })
    await expect(collect(readInventory(bad.manifestPath))).rejects.toMatchObject({ code: 'GZIP_CORRUPT', offset: first.length })
  })
})
