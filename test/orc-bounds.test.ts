/**
 * ORC values and counts that a file can claim but a reader must not trust: decimal types out of
 * range, timestamps and dates beyond what a JS Date holds, rows no column backs, lengths that do not
 * fit in the file. Each one a typed error, found before the work it would have cost.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeInventory } from '../fixtures/generate.js'
import { message, writeOrc, type OrcColumn, type OrcRow, type WriteOrcOptions } from '../fixtures/orc-writer.js'
import { orcFormat, orcJsonLines, readOrc, readOrcMetadata } from '../src/formats/orc/index.js'
import { readInventory, summarizeInventory } from '../src/index.js'
import { Decimal } from '../src/schema/exact.js'
import { localSource } from '../src/sources/local.js'
import { collect, failure, tmpDir } from './support/tmp.js'

const dir = await tmpDir('orc-bounds')
let n = 0
const rows = (count: number, f: (i: number) => OrcRow) => Array.from({ length: count }, (_, i) => f(i))
async function orcFile(columns: OrcColumn[], rows: OrcRow[], o: WriteOrcOptions = {}): Promise<string> {
  const p = path.join(dir, `f-${n++}.orc`)
  await writeFile(p, writeOrc(columns, rows, o))
  return p
}

describe('decimal types: precision 1–38, scale 0–precision; precision 0 is a Hive 0.11 decimal', () => {
  const decimals = [{ d: 12345n }, { d: -1n }]
  it.each([
    ['a scale of 50,000 (printed 50,000-digit values)', 38, 50_000],
    ['a scale of 10^9 (36 s, 669 MB, then an untyped RangeError)', 38, 1e9],
    ['a precision of 10^9', 1e9, 2],
    ['a scale above the precision', 10, 40],
    ['a Hive 0.11 decimal (precision 0) with a scale', 0, 5],
  ])('%s is ORC_CORRUPT naming the column and type', async (_what, precision, scale) => {
    const p = await orcFile([{ name: 'd', kind: 'decimal', precision, scale }], decimals)
    const e = await failure(readOrcMetadata(p))
    expect(e).toMatchObject({ code: 'ORC_CORRUPT', column: 'd', actual: `decimal(${precision},${scale})`, key: p })
    expect(e.message).toBe('a decimal column has a precision or scale out of range')
    expect((await failure(orcJsonLines(p))).code).toBe('ORC_CORRUPT')
  })
  it('decimal(38,38), decimal(1,0) and a Hive 0.11 decimal without precision or scale read', async () => {
    const p = await orcFile(
      [
        { name: 'a', kind: 'decimal', precision: 38, scale: 38 },
        { name: 'b', kind: 'decimal', precision: 1, scale: 0 },
        { name: 'c', kind: 'decimal' },
      ],
      [{ a: 1n, b: 7n, c: 5n }],
    )
    expect((await readOrcMetadata(p)).type).toBe('struct<a:decimal(38,38),b:decimal(1,0),c:decimal(0,0)>')
    expect(await collect(readOrc(p))).toEqual([{ a: new Decimal(1n, 38), b: new Decimal(7n, 0), c: new Decimal(5n, 0) }])
  })
})

describe('timestamps and dates beyond what a Date holds (±8.64e15 ms) are ORC_CORRUPT, never null', () => {
  const ts = [{ name: 'ts', kind: 'timestamp' }] as OrcColumn[]
  const far = 1e18 // ms: 10^15 s, printed as "ts": null before
  it.each([
    ['UTC', 'UTC'],
    ['a writer time zone (an untyped RangeError from the zone lookup)', 'America/Los_Angeles'],
  ])('timestamp 10^15 s, %s: readOrc and the printer', async (_what, zone) => {
    const p = await orcFile(ts, [{ ts: new Date(0) }, { ts: far }], { writerTimezone: zone })
    for (const read of [readOrc(p), orcJsonLines(p)]) {
      const e = await failure(read)
      expect(e).toMatchObject({ code: 'ORC_CORRUPT', column: 'ts', key: p, actual: `${1e15 - 1_420_070_400} s since 2015-01-01` })
      expect(e.message).toBe('a timestamp is out of range')
      expect(e.offset).toBeGreaterThan(3)
    }
  })
  it('the last second a Date holds reads and prints (a year of six digits)', async () => {
    const last = 8.64e15 - 1000
    const p = await orcFile(ts, [{ ts: last }, { ts: -last }])
    const [a, b] = (await collect(readOrc(p))) as { ts: Date }[]
    expect([a.ts.getTime(), b.ts.getTime()]).toEqual([last, -last])
    expect(await collect(orcJsonLines(p))).toEqual(['{"ts": "+275760-09-12 23:59:59.0"}', '{"ts": "-271821-04-20 00:00:01.0"}'])
  })
  it('a date of 2×10^8 days is ORC_CORRUPT; 10^8 days reads', async () => {
    const e = await failure(readOrc(await orcFile([{ name: 'day', kind: 'date' }], [{ day: 1 }, { day: 2e8 }])))
    expect(e).toMatchObject({ code: 'ORC_CORRUPT', column: 'day', actual: '200000000 days', message: 'a date is out of range' })
    expect(await collect(orcJsonLines(await orcFile([{ name: 'day', kind: 'date' }], [{ day: -1e8 }, { day: 1e8 }])))).toEqual(['{"day": "-271821-04-20"}', '{"day": "+275760-09-13"}'])
  })
  it('an ORC inventory: ls and stats by modified year are ORC_CORRUPT (they printed null and threw an untyped RangeError)', async () => {
    const inv = await writeInventory({
      root: await tmpDir('orc-bounds-inv'),
      format: 'ORC',
      fields: ['bucket', 'key', 'size', 'lastModifiedDate'],
      rows: [
        { bucket: 'b', key: 'a', size: 1, lastModifiedDate: new Date(0) },
        { bucket: 'b', key: 'b', size: 2, lastModifiedDate: 1e16 as unknown as Date },
      ],
    })
    const expected = { code: 'ORC_CORRUPT', column: 'last_modified_date', message: 'a timestamp is out of range' }
    expect(await failure(readInventory(inv.manifestPath))).toMatchObject(expected)
    expect(await failure(summarizeInventory(inv.manifestPath, { by: { modified: 'year' } }))).toMatchObject(expected)
  })
})

describe('rows no column backs: a stripe cannot claim rows its streams do not hold', () => {
  const cols: OrcColumn[] = [{ name: 'bucket', kind: 'string' }, { name: 'key', kind: 'string' }, { name: 'size', kind: 'bigint' }]
  const data = rows(200, (i) => ({ bucket: 'b', key: `k${i}`, size: i }))
  /** The file's one stripe (and so the footer) claims `claimed` rows. */
  const claiming = (claimed: number): WriteOrcOptions => ({
    tamper: {
      footer: (f) => f.map((x) => (x[0] === 3 ? [3, Buffer.concat([x[1] as Buffer, message([5, claimed])])] : x[0] === 6 ? [6, claimed] : x)),
    },
  })
  it('readOrc with columns [] is INVALID_ARGUMENT (it read 2^52 rows of {} from a 2 KB file)', async () => {
    const p = await orcFile(cols, data, claiming(3_000_000))
    expect(await failure(readOrc(p, { columns: [] }))).toMatchObject({ code: 'INVALID_ARGUMENT', option: 'columns' })
  })
  it('an inventory read of no field still decodes a column: ORC_CORRUPT, not 3 million empty rows', async () => {
    const p = await orcFile(cols, data, claiming(3_000_000))
    const read = (columns: string[]) => ({ source: localSource(p), file: { key: p, fileIndex: 0, manifestMd5: '0'.repeat(32) }, fileSchema: '', columns, startRow: 0, signal: new AbortController().signal, readSize: 1 << 20 })
    const all = async (columns: string[]) => {
      let n = 0
      for await (const b of orcFormat.rows(read(columns))) n += b.length
      return n
    }
    expect(await failure(all([]))).toMatchObject({ code: 'ORC_CORRUPT' })
    // The same file of its true row count gives its 200 rows with no field at all.
    const good = await orcFile(cols, data)
    let n = 0
    for await (const b of orcFormat.rows({ ...read([]), source: localSource(good) })) n += b.length
    expect(n).toBe(200)
  })
  it('a file of no column (struct<>): its rows up to 1,048,576, LIMIT_EXCEEDED beyond', async () => {
    const empty = rows(5, () => ({}))
    expect(await collect(readOrc(await orcFile([], empty)))).toEqual(empty)
    const e = await failure(readOrc(await orcFile([], empty, claiming(2 ** 21))))
    expect(e).toMatchObject({ code: 'LIMIT_EXCEEDED', expected: 'at most 1048576 rows', actual: '2097152 rows' })
  })
})

describe('a length the file cannot hold is ORC_CORRUPT, before any limit', () => {
  it('a small file whose footer length says 2^40 (it was LIMIT_EXCEEDED)', async () => {
    const keys = rows(20, (i) => ({ key: `k${i}` }))
    const p = await orcFile([{ name: 'key', kind: 'string' }], keys, { compression: 'NONE', tamper: { postscript: (f) => f.map((x) => (x[0] === 1 ? [1, 2 ** 40] : x)) } })
    const e = await failure(readOrcMetadata(p))
    expect(e).toMatchObject({ code: 'ORC_CORRUPT', key: p })
    expect(e.message).toMatch(/^a 1099511627776-byte footer and \d+-byte metadata do not fit in a \d+-byte file$/)
  })
})
