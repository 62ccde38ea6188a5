/**
 * Parquet values and counts that a file can claim but a reader must not trust: timestamps and dates
 * beyond what a JS Date holds, rows no column backs, a footer length that does not fit in the file.
 * Each one a typed error, found before the work it would have cost.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { exactJson, readInventory, readParquet, summarizeInventory } from '../src/index.js'
import { oneFileInventory } from './support/one-file-inventory.js'
import { craftParquet, plainInt64, plainStrings, T, type CraftFile } from './support/parquet-craft.js'
import { collect, failure, tmpDir } from './support/tmp.js'

const dir = await tmpDir('parquet-bounds')
let n = 0
async function parquetFile(f: CraftFile | Buffer): Promise<string> {
  const p = path.join(dir, `f-${n++}.parquet`)
  await writeFile(p, Buffer.isBuffer(f) ? f : craftParquet(f))
  return p
}

/** A Parquet inventory delivery of one crafted file (its real size and MD5 in the manifest), with a bucket column added. */
async function inventory(f: CraftFile): Promise<string> {
  const rows = f.rowGroups.map((rg) => rg.chunks[0].pages.reduce((n, p) => n + p.numValues, 0))
  const bytes = craftParquet({
    columns: [{ name: 'bucket', type: T.BYTE_ARRAY }, ...f.columns],
    rowGroups: f.rowGroups.map((rg, i) => ({ ...rg, chunks: [{ pages: [{ numValues: rows[i], body: plainStrings(Array(rows[i]).fill('b')) }] }, ...rg.chunks] })),
  })
  const sub = path.join(dir, `inv-${n++}`)
  await (await import('node:fs/promises')).mkdir(sub)
  return oneFileInventory(sub, {
    name: 'data.parquet',
    bytes,
    fileFormat: 'Parquet',
    fileSchema: 'message s3.inventory { required binary bucket (STRING); required binary key (STRING); optional int64 last_modified_date (TIMESTAMP(MILLIS,true)); }',
  })
}

const TIMESTAMP_MILLIS = 9
const DATE = 6
const int32s = (values: number[]) => Buffer.concat(values.map((v) => Buffer.from(new Int32Array([v]).buffer)))
/** INT96: nanoseconds of the day (int64), then the Julian day (int32). */
const int96 = (day: number) => Buffer.concat([Buffer.alloc(8), int32s([day])])

describe('timestamps and dates beyond what a Date holds (±8.64e15 ms) are PARQUET_CORRUPT, never null', () => {
  it('TIMESTAMP_MILLIS 10^17: readParquet (cat printed null)', async () => {
    const p = await parquetFile({ columns: [{ name: 'ts', type: T.INT64, convertedType: TIMESTAMP_MILLIS }], rowGroups: [{ numRows: 2, chunks: [{ pages: [{ numValues: 2, body: plainInt64([0, 1e17]) }] }] }] })
    const e = await failure(readParquet(p))
    expect(e).toMatchObject({ code: 'PARQUET_CORRUPT', column: 'ts', key: p, actual: '100000000000000000 millis since 1970', message: 'A timestamp is out of range.' })
    expect(e.offset).toBe(4)
  })
  it('an inventory: ls and stats by modified year are PARQUET_CORRUPT (null lastModifiedDate, an untyped RangeError)', async () => {
    const manifest = await inventory({
      columns: [{ name: 'key', type: T.BYTE_ARRAY }, { name: 'last_modified_date', type: T.INT64, convertedType: TIMESTAMP_MILLIS }],
      rowGroups: [{ numRows: 2, chunks: [{ pages: [{ numValues: 2, body: plainStrings(['a', 'b']) }] }, { pages: [{ numValues: 2, body: plainInt64([0, 1e17]) }] }] }],
    })
    const expected = { code: 'PARQUET_CORRUPT', column: 'lastModifiedDate', message: 'A timestamp is out of range.' }
    expect(await failure(readInventory(manifest))).toMatchObject(expected)
    expect(await failure(summarizeInventory(manifest, { by: { modified: 'year' } }))).toMatchObject(expected)
  })
  it('DATE 2×10^8 days and an INT96 of Julian day 2^31-1 are PARQUET_CORRUPT', async () => {
    const day = await parquetFile({ columns: [{ name: 'day', type: T.INT32, convertedType: DATE }], rowGroups: [{ numRows: 1, chunks: [{ pages: [{ numValues: 1, body: int32s([2e8]) }] }] }] })
    expect(await failure(readParquet(day))).toMatchObject({ code: 'PARQUET_CORRUPT', column: 'day', message: 'A date is out of range.', actual: '200000000 days' })
    const ts96 = await parquetFile({ columns: [{ name: 'ts96', type: T.INT96 }], rowGroups: [{ numRows: 1, chunks: [{ pages: [{ numValues: 1, body: int96(2 ** 31 - 1) }] }] }] })
    expect(await failure(readParquet(ts96))).toMatchObject({ code: 'PARQUET_CORRUPT', column: 'ts96', message: 'A timestamp is out of range.' })
  })
  it('the limits themselves read: ±8.64e15 ms, ±10^8 days', async () => {
    const p = await parquetFile({
      columns: [{ name: 'ts', type: T.INT64, convertedType: TIMESTAMP_MILLIS }, { name: 'day', type: T.INT32, convertedType: DATE }],
      rowGroups: [{ numRows: 2, chunks: [{ pages: [{ numValues: 2, body: plainInt64([8.64e15, -8.64e15]) }] }, { pages: [{ numValues: 2, body: int32s([1e8, -1e8]) }] }] }],
    })
    expect((await collect(readParquet(p))).map((r) => exactJson(r))).toEqual([
      '{"ts":"+275760-09-13T00:00:00.000Z","day":"+275760-09-13"}',
      '{"ts":"-271821-04-20T00:00:00.000Z","day":"-271821-04-20"}',
    ])
  })
  it('exactJson refuses an Invalid Date (INVALID_ARGUMENT) instead of printing null', () => {
    expect(() => exactJson({ d: new Date(NaN) })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', actual: 'Invalid Date' }))
  })
})

describe('rows no column backs: a row group cannot claim rows its pages do not hold', () => {
  const key = { name: 'key', type: T.BYTE_ARRAY }
  /** One row group claiming `claimed` rows (the footer agrees), whose page holds 2. */
  const claiming = (claimed: number): CraftFile => ({ columns: [key], rowGroups: [{ numRows: claimed, chunks: [{ pages: [{ numValues: 2, body: plainStrings(['a', 'b']) }] }] }] })
  it('readParquet with columns [] is INVALID_ARGUMENT', async () => {
    const file = await parquetFile(claiming(3_000_000))
    expect(() => readParquet(file, { columns: [] })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', option: 'columns' }))
  })
  it('a summary that needs no field (no Size, no grouping) still decodes a column: PARQUET_CORRUPT, not 3 million rows counted', async () => {
    const manifest = await inventory(claiming(3_000_000))
    expect(await failure(summarizeInventory(manifest, {}))).toMatchObject({ code: 'PARQUET_CORRUPT', expected: '3000000 values (row group 0)', actual: '2 values' })
    // Its true count: 2 rows. (readInventory refuses columns: [] outright.)
    expect((await summarizeInventory(await inventory(claiming(2)), {})).total.count).toBe(2)
    expect(() => readInventory(manifest, { columns: [] })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', option: 'columns' }))
  })
  it('a file of no column: its rows up to 1,048,576, LIMIT_EXCEEDED beyond', async () => {
    const none = (numRows: number): CraftFile => ({ columns: [], rowGroups: [{ numRows, chunks: [] }] })
    expect(await collect(readParquet(await parquetFile(none(3))))).toEqual([{}, {}, {}])
    expect(await failure(readParquet(await parquetFile(none(2 ** 21))))).toMatchObject({ code: 'LIMIT_EXCEEDED', actual: '2097152 rows' })
  })
})

describe('a length the file cannot hold is PARQUET_CORRUPT, before any limit', () => {
  it('a footer length of 2^31 in a small file (it was LIMIT_EXCEEDED)', async () => {
    const good = craftParquet({ columns: [{ name: 'key', type: T.BYTE_ARRAY }], rowGroups: [{ numRows: 1, chunks: [{ pages: [{ numValues: 1, body: plainStrings(['a']) }] }] }] })
    good.writeUInt32LE(2 ** 31, good.length - 8)
    const p = await parquetFile(good)
    expect(await failure(readParquet(p))).toMatchObject({ code: 'PARQUET_CORRUPT', message: 'The footer length does not fit in the file.', actual: `${2 ** 31} bytes` })
  })
})
