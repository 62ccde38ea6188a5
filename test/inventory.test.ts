import { createHash } from 'node:crypto'
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CURRENT_ONLY_FIELDS, HARD_KEYS, makeRows, writeInventory, type InventoryFixture } from '../fixtures/generate.js'
import { cursorOf, formatCursor, listKeys, readInventory, readManifest, rowSource, type InventoryRow } from '../src/index.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { collect, plain, tmpDir } from './support/tmp.js'

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex')

async function manifestFile(dir: string, body: object): Promise<string> {
  await mkdir(dir, { recursive: true })
  const file = path.join(dir, 'manifest.json')
  await writeFile(file, JSON.stringify(body))
  return file
}

describe('readInventory over fixtures with every hard case', async () => {
  const root = await tmpDir('inv')
  const client = s3Client()
  afterAll(() => client.destroy())
  const rows = makeRows({ count: 600, seed: 3, versioned: true })
  const fixtures: Record<string, InventoryFixture> = {}
  let bucket = ''

  beforeAll(async () => {
    bucket = await freshBucket(client, 'inventory')
    for (const format of ['CSV', 'Parquet', 'ORC'] as const) {
      // Several files, one of them empty; CSV files alternate '+' and '%20' for spaces; ORC files have several stripes.
      const f = await writeInventory({ root, format, rows, filesRows: [250, 0, 200, 150], rowGroupSize: 64, pageSize: 4096, orc: { stripeRows: 64 } })
      fixtures[format] = f
      await putObjects(client, bucket, f.objects)
    }
  })

  it('the fixture really contains the hard cases', () => {
    const keys = new Set(rows.map((r) => r.key))
    for (const k of HARD_KEYS) expect(keys.has(k)).toBe(true)
    expect(rows.some((r) => r.isDeleteMarker === true && r.size === undefined && r.eTag === undefined)).toBe(true)
    expect(rows.some((r) => r.versionId === undefined)).toBe(true)
    expect(Buffer.byteLength(HARD_KEYS.find((k) => k.startsWith('é'))!)).toBe(1024)
    expect(fixtures.CSV.dataKeys).toHaveLength(4)
  })

  for (const format of ['CSV', 'Parquet', 'ORC'] as const) {
    it(`${format}: local disk yields exactly the generated rows, in manifest order`, async () => {
      const got = await collect(readInventory(fixtures[format].manifestPath))
      expect(got).toHaveLength(rows.length)
      expect(plain(got)).toEqual(rows)
    })
    it(`${format}: the local S3 server yields the same rows`, async () => {
      const got = await collect(listKeys(bucket, fixtures[format].manifestKey, { client }))
      expect(plain(got)).toEqual(rows)
    })
    it(`${format}: rows carry their data file and row index`, async () => {
      const got = await collect(readInventory({ bucket, key: fixtures[format].manifestKey }, { client }))
      const s = rowSource(got[260])!
      expect(s.file).toMatchObject({ bucket, key: fixtures[format].dataKeys[2], fileIndex: 2 })
      expect(s.row).toBe(10)
      expect(cursorOf(got[260])).toEqual({ manifestMd5: md5(fixtures[format].manifestBytes), file: 2, row: 10 })
    })
    it(`${format}: columns projects the rows to those fields`, async () => {
      const got = await collect(readInventory(fixtures[format].manifestPath, { columns: ['key', 'size', 'lastModifiedDate'] }))
      expect(plain(got)).toEqual(rows.map((r) => ({ key: r.key, size: r.size, lastModifiedDate: r.lastModifiedDate })))
      expect(Object.keys(got[0]).sort()).toEqual(['key', 'lastModifiedDate', 'size'])
    })
    it(`${format}: concurrency does not change the order`, async () => {
      for (const concurrency of [1, 3, 16]) {
        const got = await collect(readInventory(fixtures[format].manifestPath, { concurrency, bufferRows: 7, columns: ['key'] }))
        expect(got.map((r) => r.key)).toEqual(rows.map((r) => r.key))
      }
    })
  }

  it('a missing data object on S3 is NOT_FOUND naming the bucket and key', async () => {
    const m = await readManifest({ bucket, key: fixtures.CSV.manifestKey }, { client })
    const broken = { ...m, files: [...m.files, { key: 'inventory/gone.csv.gz', size: 10, MD5checksum: '0'.repeat(32) }] }
    await expect(collect(readInventory(broken, { client }))).rejects.toMatchObject({ code: 'NOT_FOUND', bucket, key: 'inventory/gone.csv.gz' })
  })
})

describe('inventories without versions, and unknown columns', async () => {
  const root = await tmpDir('cur')
  it('reads a current-versions-only inventory (no VersionId/IsLatest/IsDeleteMarker)', async () => {
    const rows = makeRows({ count: 50, versioned: false, hardKeys: false })
    for (const format of ['CSV', 'Parquet', 'ORC'] as const) {
      const f = await writeInventory({ root: path.join(root, format), format, rows, fields: CURRENT_ONLY_FIELDS })
      const got = await collect(readInventory(f.manifestPath))
      expect(plain(got)).toEqual(rows)
      expect(got[0]).not.toHaveProperty('versionId')
    }
  })
  it('reads a column it does not know only when asked (extraColumns), under a camelCase name, mapping by name not position', async () => {
    const dir = path.join(root, 'unknown')
    const data = gzipSync('"NEW-1","b","k%201","7"\n"","b","k2",""\n')
    await mkdir(dir, { recursive: true })
    await writeFile(path.join(dir, 'd.csv.gz'), data)
    const file = await manifestFile(dir, {
      sourceBucket: 'b', destinationBucket: 'arn:aws:s3:::d', version: '2016-11-30', creationTimestamp: '1', fileFormat: 'CSV',
      fileSchema: 'ObjectLockEventHoldStatus, Bucket, Key, Size',
      files: [{ key: 'd.csv.gz', size: data.length, MD5checksum: md5(data) }],
    })
    expect(plain(await collect(readInventory(file, { extraColumns: ['ObjectLockEventHoldStatus'] })))).toEqual([
      { objectLockEventHoldStatus: 'NEW-1', bucket: 'b', key: 'k 1', size: 7 },
      { objectLockEventHoldStatus: undefined, bucket: 'b', key: 'k2', size: undefined },
    ])
    // Not asked for: not read (a new AWS column must not change the rows callers get).
    expect(plain(await collect(readInventory(file)))).toEqual([
      { bucket: 'b', key: 'k 1', size: 7 },
      { bucket: 'b', key: 'k2', size: undefined },
    ])
    // Asked for by its row name, with columns: both.
    expect(plain(await collect(readInventory(file, { columns: ['key'], extraColumns: ['objectLockEventHoldStatus'] })))).toEqual([
      { objectLockEventHoldStatus: 'NEW-1', key: 'k 1' },
      { objectLockEventHoldStatus: undefined, key: 'k2' },
    ])
    await expect(collect(readInventory(file, { extraColumns: ['NoSuchColumn'] }))).rejects.toMatchObject({ code: 'FIELD_MISSING', column: 'NoSuchColumn' })
  })
})

describe('manifest edge cases', async () => {
  const root = await tmpDir('edge')
  const base = { sourceBucket: 'b', destinationBucket: 'arn:aws:s3:::d', version: '2016-11-30', creationTimestamp: '1', fileSchema: 'Bucket, Key' }
  it('a manifest with zero files is MANIFEST_EMPTY, or nothing with allowEmpty', async () => {
    const file = await manifestFile(path.join(root, 'empty'), { ...base, fileFormat: 'CSV', files: [] })
    await expect(collect(readInventory(file))).rejects.toMatchObject({ code: 'MANIFEST_EMPTY', key: file })
    expect(await collect(readInventory(file, { allowEmpty: true }))).toEqual([])
  })
  it.each(['Avro', 'JSON'])('%s is UNSUPPORTED_FORMAT naming the supported formats', async (fmt) => {
    const file = await manifestFile(path.join(root, fmt), { ...base, fileFormat: fmt, files: [{ key: 'x', size: 1, MD5checksum: '0'.repeat(32) }] })
    const err = await collect(readInventory(file)).catch((e) => e)
    expect(err).toMatchObject({ code: 'UNSUPPORTED_FORMAT', actual: fmt })
    expect(err.message).toMatch(/CSV, Parquet and ORC are supported/)
  })
})

describe('local layout: where data files are found', async () => {
  const root = await tmpDir('layout')
  const rows = makeRows({ count: 20, hardKeys: false })
  const f = await writeInventory({ root: path.join(root, 'synced'), format: 'CSV', rows, filesRows: [10] })
  const keys = (r: InventoryRow[]) => r.map((x) => x.key)

  it('a synced bucket: the nearest ancestor under which files[].key exists', async () => {
    expect(keys(await collect(readInventory(f.manifestPath)))).toEqual(rows.map((r) => r.key))
  })
  it('data files copied beside the manifest', async () => {
    const flat = path.join(root, 'flat')
    await mkdir(flat, { recursive: true })
    await copyFile(f.manifestPath, path.join(flat, 'manifest.json'))
    for (const k of f.dataKeys) await copyFile(path.join(f.root, k), path.join(flat, path.basename(k)))
    expect(keys(await collect(readInventory(path.join(flat, 'manifest.json'))))).toEqual(rows.map((r) => r.key))
  })
  it('the root option overrides the search', async () => {
    const elsewhere = path.join(root, 'elsewhere')
    await mkdir(elsewhere, { recursive: true })
    await copyFile(f.manifestPath, path.join(elsewhere, 'manifest.json'))
    expect(keys(await collect(readInventory(path.join(elsewhere, 'manifest.json'), { root: f.root })))).toEqual(rows.map((r) => r.key))
    expect(keys(await collect(readInventory(`file://${path.join(elsewhere, 'manifest.json')}`, { root: f.root })))).toHaveLength(20)
  })
  it.each([['../../../etc/passwd'], ['/etc/passwd'], ['a/../../b'], ['a\\..\\..\\b']])('key %s is PATH_ESCAPE before any resolution', async (key) => {
    const file = await manifestFile(path.join(root, `esc-${md5(key)}`), {
      sourceBucket: 'b', destinationBucket: 'd', version: '1', creationTimestamp: '1', fileFormat: 'CSV', fileSchema: 'Bucket, Key',
      files: [{ key, size: 1, MD5checksum: '0'.repeat(32) }],
    })
    await expect(collect(readInventory(file))).rejects.toMatchObject({ code: 'PATH_ESCAPE', actual: key })
  })
  it('a symlinked data file that leads outside the root is PATH_ESCAPE', async () => {
    const dir = path.join(root, 'symlinked')
    await mkdir(path.join(dir, 'data'), { recursive: true })
    const outside = path.join(root, 'outside.csv.gz')
    const data = gzipSync('"b","k"\n')
    await writeFile(outside, data)
    await symlink(outside, path.join(dir, 'data', 'x.csv.gz'))
    const file = await manifestFile(dir, {
      sourceBucket: 'b', destinationBucket: 'd', version: '1', creationTimestamp: '1', fileFormat: 'CSV', fileSchema: 'Bucket, Key',
      files: [{ key: 'data/x.csv.gz', size: data.length, MD5checksum: md5(data) }],
    })
    await expect(collect(readInventory(file, { root: dir }))).rejects.toMatchObject({ code: 'PATH_ESCAPE' })
  })
})

describe('fileIndexes and startAfter', async () => {
  const root = await tmpDir('files')
  const rows = makeRows({ count: 90, seed: 11, hardKeys: false })
  const f = await writeInventory({ root, format: 'CSV', rows, filesRows: [30] })
  const keys = (r: InventoryRow[]) => r.map((x) => x.key)

  it('reads only the chosen files, in the given order, keeping their file index', async () => {
    const got = await collect(readInventory(f.manifestPath, { fileIndexes: [2, 0] }))
    expect(keys(got)).toEqual([...rows.slice(60, 90), ...rows.slice(0, 30)].map((r) => r.key))
    expect(rowSource(got[0])?.file.fileIndex).toBe(2)
    await expect(collect(readInventory(f.manifestPath, { fileIndexes: [5] }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })
  it('startAfter resumes right after a row, without reading earlier files', async () => {
    const all = await collect(readInventory(f.manifestPath))
    for (const at of [0, 29, 30, 45, 89]) {
      const cursor = cursorOf(all[at])!
      const rest = readInventory(f.manifestPath, { startAfter: formatCursor(cursor) })
      expect(keys(await collect(rest))).toEqual(keys(all.slice(at + 1)))
      expect(rest.progress.filesDone).toBe(3)
      // Files before the cursor's are not downloaded at all.
      const expectedBytes = f.dataKeys.slice(cursor.file).reduce((n, k) => n + f.objects.get(k)!.length, 0)
      expect(rest.progress.bytesRead).toBe(expectedBytes)
    }
    const other = { ...cursorOf(all[0])!, manifestMd5: 'f'.repeat(32) }
    await expect(collect(readInventory(f.manifestPath, { startAfter: other }))).rejects.toMatchObject({ code: 'CURSOR_INVALID' })
  })
})
