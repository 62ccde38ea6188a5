/**
 * Parquet read as a general reader: conformance over Apache's parquet-testing files (`s3inv cat`
 * equals NAME.json, value by value), hyparquet and DuckDB as oracles over files DuckDB and
 * hyparquet-writer write here (decimals, timestamps in every unit, unsigned types, ZSTD…), the
 * documented JS mapping of readParquet, and readParquetMetadata.
 */
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { Decimal, LocalDate, readParquet, readParquetMetadata, Timestamp } from '../src/index.js'
import { runCli } from './support/cli.js'
import { encodingsFile } from './support/parquet-fuzz.js'
import { collect, tmpDir } from './support/tmp.js'

const SAMPLES = path.resolve('../shared/real-samples/parquet-testing')
const haveSamples = existsSync(SAMPLES)
if (!haveSamples) console.warn(`skipping the parquet-testing conformance: ${SAMPLES} is absent`)

/** JSON with numbers kept as their text (64-bit integers and decimals must not go through a double). */
function parseExact(text: string): unknown {
  let i = 0
  const ws = () => {
    while (/\s/.test(text[i])) i++
  }
  const value = (): unknown => {
    ws()
    const c = text[i]
    if (c === '[') {
      i++
      const out: unknown[] = []
      ws()
      if (text[i] === ']') return i++, out
      for (;;) {
        out.push(value())
        ws()
        if (text[i++] === ']') return out
      }
    }
    if (c === '{') {
      i++
      const out: Record<string, unknown> = {}
      ws()
      if (text[i] === '}') return i++, out
      for (;;) {
        ws()
        const k = value() as string
        ws()
        i++ // :
        out[k] = value()
        ws()
        if (text[i++] === '}') return out
      }
    }
    if (c === '"') {
      const start = i
      i++
      while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1
      i++
      return JSON.parse(text.slice(start, i))
    }
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400))!
    i += m[0].length
    if (m[0] === 'true' || m[0] === 'false' || m[0] === 'null') return JSON.parse(m[0])
    return { num: canonicalNumber(m[0]) }
  }
  return value()
}

/** `1.00` and `1` are the same number; exponent forms are compared as written (both sides come from doubles). */
function canonicalNumber(s: string): string {
  if (/[eE]/.test(s) || !s.includes('.')) return s === '-0' ? '0' : s
  const t = s.replace(/0+$/, '').replace(/\.$/, '')
  return t === '-0' ? '0' : t
}

describe.skipIf(!haveSamples)('parquet-testing conformance (s3inv cat vs NAME.json)', async () => {
  const files = haveSamples ? (await readdir(SAMPLES)).filter((f) => f.endsWith('.parquet')) : []
  it('has the sample files', () => expect(files.length).toBeGreaterThanOrEqual(11))
  for (const f of files) {
    it(f, async () => {
      const file = path.join(SAMPLES, f)
      const expected = parseExact(await readFile(file.replace(/\.parquet$/, '.json'), 'utf8')) as unknown[][]
      const { code, stdout, stderr } = await runCli(['cat', file])
      expect(stderr).toBe('')
      expect(code).toBe(0)
      const meta = await readParquetMetadata(file)
      // hyparquet prints local (not UTC) timestamps with a Z; we print them without one (no zone is known).
      const local = meta.columns.map((c) => /^TIMESTAMP\(.*,local\)$/.test(c.logicalType ?? ''))
      const got = stdout.trim().split('\n').map((line) => Object.values(parseExact(line) as Record<string, unknown>).map((v, j) => (local[j] && typeof v === 'string' ? `${v}Z` : v)))
      expect(got).toEqual(expected)
      expect(local.some(Boolean)).toBe(f === 'duckdb5533.parquet')
    })
  }
})

/** One DuckDB COPY … TO a Parquet file. */
async function duckdb(sql: string): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const db = await DuckDBInstance.create(':memory:')
  const con = await db.connect()
  await con.run(sql)
  con.closeSync()
}

async function duckdbText(file: string, columns: string[]): Promise<string[][]> {
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const db = await DuckDBInstance.create(':memory:')
  const con = await db.connect()
  const reader = await con.runAndReadAll(`SELECT ${columns.map((c) => `${c}::VARCHAR`).join(', ')} FROM '${file}'`)
  const rows = reader.getRows().map((r) => r.map((v) => (v === null ? null : String(v))))
  con.closeSync()
  return rows as string[][]
}

async function hyparquetRows(file: string): Promise<Record<string, unknown>[]> {
  const { parquetReadObjects } = await import('hyparquet')
  const { compressors } = await import('hyparquet-compressors')
  const b = await readFile(file)
  return (await parquetReadObjects({ file: b.buffer.slice(b.byteOffset, b.byteOffset + b.length), compressors })) as Record<string, unknown>[]
}

describe('oracles over files written here', async () => {
  const root = await tmpDir('pq-general')

  for (const compression of ['zstd', 'snappy', 'gzip', 'lz4_raw', 'brotli', 'uncompressed']) {
    it(`DuckDB (${compression}): decimals, timestamps in every unit, unsigned and signed integers, dates, times, UUIDs, blobs`, async () => {
      const file = path.join(root, `duck-${compression}.parquet`)
      await duckdb(`COPY (
        SELECT (i % 256)::UTINYINT AS u8, (i * 200)::USMALLINT AS u16, (i * 70000 + 4000000000)::UINTEGER AS u32,
               (i * 1000000007 + 18000000000000000000)::UBIGINT AS u64, (i % 256 - 128)::TINYINT AS s8, (i * -100)::SMALLINT AS s16,
               (i * 12345 - 2000000)::INTEGER AS s32, (i * -9000000000000000)::BIGINT AS s64,
               (i / 7)::DECIMAL(4,2) AS d32, (i * 123456789.123)::DECIMAL(18,3) AS d64, (i * 1234567890123456789.0123456789 - 7)::DECIMAL(38,10) AS d128,
               make_timestamp(1700000000000000 + i * 1234567)::TIMESTAMP_MS AS ts_ms, make_timestamp(1700000000000000 + i * 1234567) AS ts_us,
               make_timestamp_ns(1700000000000000000 + i * 1234567891) AS ts_ns,
               make_timestamp(1700000000000000 + i * 1234567)::TIMESTAMPTZ AS ts_tz,
               DATE '1969-12-25' + i::INTEGER AS day, make_time(i % 24, i % 60, (i % 60) + 0.123456) AS t,
               ('00000000-0000-4000-8000-' || lpad(i::VARCHAR, 12, '0'))::UUID AS id, ('\\x00\\xff' || i::VARCHAR)::BLOB AS bin,
               CASE WHEN i % 5 = 0 THEN NULL ELSE 'text ' || i END AS s, (i * 1.5)::FLOAT AS f, (i / 3.0)::DOUBLE AS d
        FROM range(0, 300) t(i)
      ) TO '${file}' (FORMAT parquet, COMPRESSION ${compression}, ROW_GROUP_SIZE 128)`)
      const ours = await collect(readParquet(file))
      const theirs = await hyparquetRows(file)
      expect(ours.length).toBe(300)
      expect(theirs.length).toBe(300)
      for (let r = 0; r < ours.length; r++) {
        const a = ours[r]
        const b = theirs[r]
        expect(Object.keys(a)).toEqual(Object.keys(b))
        for (const k of Object.keys(a)) {
          // hyparquet's decimals are doubles (rounded its own way): within 1e-12 relative; DuckDB's text below is exact.
          if (a[k] instanceof Decimal) expect(Math.abs(Number(a[k].toString()) - (b[k] as number)), `row ${r} ${k}`).toBeLessThanOrEqual(Math.abs(b[k] as number) * 1e-12)
          else expect(k === 't' ? timeMicros(a[k] as string) : comparable(a[k]), `row ${r} ${k}`).toEqual(comparable(b[k]))
        }
      }
      // Exact decimals and timestamps, against DuckDB's own text.
      const text = await duckdbText(file, ['d32', 'd64', 'd128', 'ts_ns', 'u64'])
      for (let r = 0; r < ours.length; r++) {
        expect(String(ours[r].d32)).toBe(text[r][0])
        expect(String(ours[r].d64)).toBe(text[r][1])
        expect(String(ours[r].d128)).toBe(text[r][2])
        const ts = ours[r].ts_ns as Timestamp
        expect(ts.isoString().replace('T', ' ')).toBe(text[r][3].replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '.000').replace(/ (\d\d:\d\d:\d\d)$/, ' $1.000'))
        expect(String(ours[r].u64)).toBe(text[r][4])
      }
    })
  }

  it('the documented JS mapping (readParquet)', async () => {
    const file = path.join(root, 'duck-zstd.parquet')
    const [row] = await collect(readParquet(file, { columns: ['u8', 'u64', 's64', 'd32', 'd128', 'ts_ms', 'ts_ns', 'ts_tz', 'day', 't', 'id', 'bin', 's', 'f'] }))
    expect(Object.keys(row)).toEqual(['u8', 'u64', 's64', 'd32', 'd128', 'ts_ms', 'ts_ns', 'ts_tz', 'day', 't', 'id', 'bin', 's', 'f'])
    expect(row.u8).toBe(0)
    expect(row.u64).toBe(18000000000000000000n)
    expect(row.s64).toBe(0n)
    expect(row.d32).toBeInstanceOf(Decimal)
    expect(row.d32).toMatchObject({ unscaled: 0n, scale: 2 })
    expect((row.d128 as Decimal).toString()).toBe('-7.0000000000')
    expect(row.ts_ms).toBeInstanceOf(Timestamp)
    expect(row.ts_ms).toMatchObject({ utc: false, nanos: 0 })
    expect((row.ts_ns as Timestamp).isoString()).toBe('2023-11-14T22:13:20.000')
    expect(row.ts_tz).toMatchObject({ utc: true })
    expect((row.ts_tz as Timestamp).toJSON()).toMatch(/Z$/)
    expect(row.day).toBeInstanceOf(LocalDate)
    expect((row.day as LocalDate).toJSON()).toBe('1969-12-25')
    expect(row.t).toBe('00:00:00.123456')
    expect(row.id).toBe('00000000-0000-4000-8000-000000000000')
    expect(row.bin).toEqual(new Uint8Array([0, 255, 48]))
    expect(row.s).toBeNull()
    expect(row.f).toBe(0)
  })

  it('hyparquet-writer files (its own encodings and page layout) read like hyparquet reads them', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer')
    const n = 2000
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 3_000_000_000n - 5n), type: 'INT64' },
        { name: 'name', data: Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : `név ${i % 50}`)), type: 'STRING' },
        { name: 'ok', data: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : i % 2 === 0)), type: 'BOOLEAN' },
        { name: 'x', data: Float64Array.from({ length: n }, (_, i) => i / 7), type: 'DOUBLE' },
        { name: 'n', data: Int32Array.from({ length: n }, (_, i) => i - 1000), type: 'INT32' },
      ],
      rowGroupSize: 700,
    })
    const file = path.join(root, 'hyw.parquet')
    await (await import('node:fs/promises')).writeFile(file, Buffer.from(buf))
    const ours = await collect(readParquet(file))
    const theirs = await hyparquetRows(file)
    expect(ours.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, comparable(v)])))).toEqual(theirs.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, comparable(v)]))))
    expect(ours[1]).toEqual({ id: 2_999_999_995n, name: 'név 1', ok: false, x: 1 / 7, n: -999 })
  })

  it('every encoding hyparquet-writer writes (DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT) reads like hyparquet reads it', async () => {
    const file = path.join(root, 'encodings.parquet')
    await (await import('node:fs/promises')).writeFile(file, encodingsFile(1000))
    const meta = await readParquetMetadata(file)
    expect(new Set(meta.rowGroups.flatMap((g) => g.columns.flatMap((c) => c.encodings)))).toEqual(new Set(['DELTA_BINARY_PACKED', 'DELTA_BYTE_ARRAY', 'DELTA_LENGTH_BYTE_ARRAY', 'BYTE_STREAM_SPLIT']))
    const ours = await collect(readParquet(file))
    const theirs = await hyparquetRows(file)
    expect(ours.map((r) => Object.values(r).map(comparable))).toEqual(theirs.map((r) => Object.values(r).map(comparable)))
    expect(ours[999]).toMatchObject({ big: 999n * 7_000_000_001n - 3n ** 30n, key: 'logs/2026/000/part-999.gz', y: Math.fround(333) })
  })

  it('readParquetMetadata: schema, row groups, codecs, writer', async () => {
    const meta = await readParquetMetadata(path.join(root, 'duck-zstd.parquet'))
    expect(meta.numRows).toBe(300)
    expect(meta.createdBy).toMatch(/DuckDB/i)
    expect(meta.codecs).toEqual(['ZSTD'])
    expect(meta.rowGroups.reduce((n, g) => n + g.numRows, 0)).toBe(300)
    expect(meta.rowGroups[0].columns.map((c) => c.name)).toEqual(meta.columns.map((c) => c.name))
    const byName = Object.fromEntries(meta.columns.map((c) => [c.name, c]))
    expect(byName.d128).toMatchObject({ physicalType: 'FIXED_LEN_BYTE_ARRAY', logicalType: 'DECIMAL(38,10)' })
    expect(byName.u32).toMatchObject({ physicalType: 'INT32', logicalType: 'INTEGER(32,unsigned)' })
    expect(byName.ts_ns).toMatchObject({ physicalType: 'INT64', logicalType: 'TIMESTAMP(NANOS,local)' })
  })

  it('a column that is not in the file is FIELD_MISSING naming it and the file', async () => {
    const file = path.join(root, 'duck-zstd.parquet')
    await expect(collect(readParquet(file, { columns: ['nope'] }))).rejects.toMatchObject({ code: 'FIELD_MISSING', column: 'nope', key: file })
  })
})

/** Our TIME text (`HH:MM:SS.ffffff`) as hyparquet's microseconds. */
function timeMicros(t: string): bigint {
  const [h, m, s] = t.split(':')
  const [whole, frac] = s.split('.')
  return ((BigInt(h) * 60n + BigInt(m)) * 60n + BigInt(whole)) * 1_000_000n + BigInt(frac.padEnd(6, '0'))
}

/** Both readers' values in one comparable form: hyparquet gives decimals as numbers, timestamps as Dates (ms). */
function comparable(v: unknown): unknown {
  if (v instanceof Decimal) return Number(v.toString())
  if (v instanceof Date) return v.getTime()
  if (typeof v === 'number' && Number.isNaN(v)) return 'NaN'
  // hyparquet decodes unannotated binary as (lossy) UTF-8 text; we keep non-UTF-8 bytes as bytes.
  if (v instanceof Uint8Array) return new TextDecoder().decode(v)
  return v
}

describe('the general mapping of types no sample file has (crafted files)', async () => {
  const { craftParquet, struct, T } = await import('./support/parquet-craft.js')
  const root = await tmpDir('pq-types')
  const u32 = (...v: number[]) => Buffer.concat(v.map((x) => { const b = Buffer.alloc(4); b.writeUInt32LE(x >>> 0); return b }))
  const i32s = (...v: number[]) => Buffer.concat(v.map((x) => { const b = Buffer.alloc(4); b.writeInt32LE(x); return b }))
  const strs = (...v: (string | Buffer)[]) => Buffer.concat(v.flatMap((x) => { const s = Buffer.from(x); const l = Buffer.alloc(4); l.writeUInt32LE(s.length); return [l, s] }))
  const int96 = (nanosOfDay: bigint, julianDay: number) => { const b = Buffer.alloc(12); b.writeBigUInt64LE(nanosOfDay); b.writeInt32LE(julianDay, 8); return b }
  const page = (numValues: number, body: Buffer) => ({ pages: [{ numValues, body }] })
  const file = path.join(root, 'types.parquet')

  it('INT96, INTERVAL, TIME_MILLIS, DATE, DECIMAL(INT32), JSON, ENUM, BSON, FLOAT16 infinities, unannotated binary and fixed-length bytes', async () => {
    const columns = [
      { name: 'ts96', type: T.INT96 },
      { name: 'iv', type: T.FIXED_LEN_BYTE_ARRAY, typeLength: 12, convertedType: 21 },
      { name: 'tm', type: T.INT32, convertedType: 7 },
      { name: 'day', type: T.INT32, convertedType: 6 },
      { name: 'dec', type: T.INT32, convertedType: 5, scale: 3, precision: 9 },
      { name: 'js', type: T.BYTE_ARRAY, convertedType: 19 },
      { name: 'en', type: T.BYTE_ARRAY, convertedType: 4 },
      { name: 'bs', type: T.BYTE_ARRAY, convertedType: 20 },
      { name: 'half', type: T.FIXED_LEN_BYTE_ARRAY, typeLength: 2, logical: struct({ 15: struct({}) }) },
      { name: 'raw', type: T.BYTE_ARRAY },
      { name: 'fixed', type: T.FIXED_LEN_BYTE_ARRAY, typeLength: 3 },
    ]
    await (await import('node:fs/promises')).writeFile(file, craftParquet({
      columns,
      rowGroups: [{
        numRows: 2,
        chunks: [
          page(2, Buffer.concat([int96(1_000_000_123n, 2440588), int96(86_399_999_999_999n, 2440587)])),
          page(2, Buffer.concat([u32(1, 2, 3), u32(14, 0, 500)])),
          page(2, i32s(45_296_789, 0)),
          page(2, i32s(19_700, -1)),
          page(2, i32s(-12_345, 5)),
          page(2, strs('{"a":1}', '[]')),
          page(2, strs('RED', 'GREEN')),
          page(2, strs(Buffer.from([5, 0, 0, 0, 0]), Buffer.from([0xff]))),
          page(2, Buffer.from([0x00, 0x7c, 0x00, 0xfc])),
          page(2, strs('héllo', Buffer.from([0xc3, 0x28]))),
          page(2, Buffer.from([1, 2, 3, 4, 5, 6])),
        ],
      }],
    }))
    const rows = await collect(readParquet(file))
    expect((rows[0].ts96 as Timestamp).isoString()).toBe('1970-01-01T00:00:01.000000123Z')
    expect((rows[1].ts96 as Timestamp).isoString()).toBe('1969-12-31T23:59:59.999999999Z')
    expect(rows[0].iv).toEqual({ months: 1, days: 2, milliseconds: 3 })
    expect(rows[0].tm).toBe('12:34:56.789')
    expect(rows[1].tm).toBe('00:00:00.000')
    expect((rows[0].day as LocalDate).toJSON()).toBe('2023-12-09')
    expect((rows[1].day as LocalDate).toJSON()).toBe('1969-12-31')
    expect(String(rows[0].dec)).toBe('-12.345')
    expect(String(rows[1].dec)).toBe('0.005')
    expect([rows[0].js, rows[0].en]).toEqual(['{"a":1}', 'RED'])
    expect(rows[0].bs).toEqual(new Uint8Array([5, 0, 0, 0, 0]))
    expect([rows[0].half, rows[1].half]).toEqual([Infinity, -Infinity])
    // Unannotated BYTE_ARRAY: text when UTF-8, bytes otherwise (never a replacement character).
    expect(rows[0].raw).toBe('héllo')
    expect(rows[1].raw).toEqual(new Uint8Array([0xc3, 0x28]))
    expect(rows[1].fixed).toEqual(new Uint8Array([4, 5, 6]))
    // And printed by cat (columns in file order): exact, NaN/Infinity as null, bytes as arrays.
    const { stdout } = await runCli(['cat', file, '--columns', 'ts96,dec,half,raw,iv'])
    expect(stdout.split('\n')[1]).toBe('{"ts96":"1969-12-31T23:59:59.999999999Z","iv":{"months":14,"days":0,"milliseconds":500},"dec":0.005,"half":null,"raw":[195,40]}')
  })
})
