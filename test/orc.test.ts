/**
 * ORC: conformance over the Apache ORC project's example files (../shared/real-samples/apache-orc,
 * read in place: their expected rows, and the metadata facts Apache's tools/test/TestMatch.cc lists),
 * damaged and edge-case files, our fixture writer checked against the reader, and the reader's
 * limits and typed errors.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ALL_FIELDS, makeRows, orcBytes, writeInventory, type Row } from '../fixtures/generate.js'
import { message, packed, rleV2, writeOrc, type Field, type WriteOrcOptions } from '../fixtures/orc-writer.js'
import { compileFilter } from '../src/filter.js'
import { compressionOf } from '../src/formats/orc/compression.js'
import { orcFormat, orcJsonLines, readOrc, readOrcMetadata } from '../src/formats/orc/index.js'
import { IntRleV2 } from '../src/formats/orc/int-rle-v2.js'
import { StreamKind } from '../src/formats/orc/proto.js'
import { OrcStream } from '../src/formats/orc/stream.js'
import { footerRange, parseStripeFooter } from '../src/formats/orc/stripe.js'
import { readTail } from '../src/formats/orc/tail.js'
import { readInventory, readManifest } from '../src/index.js'
import { Decimal, Timestamp } from '../src/schema/exact.js'
import type { DataFileRef, InventoryRow } from '../src/schema/row.js'
import { localSource } from '../src/sources/local.js'
import type { ByteSource } from '../src/sources/source.js'
import { losslessDiff, parseLossless } from './support/lossless-json.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { collect, failure, plain, tmpDir } from './support/tmp.js'

const APACHE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/real-samples/apache-orc')
const present = existsSync(APACHE)
if (!present) console.warn(`orc conformance: skipped — ${APACHE} is absent (CI provides ../shared/real-samples)`)
const example = (name: string) => path.join(APACHE, name)
const file: DataFileRef = { key: 'test.orc', fileIndex: 0, manifestMd5: '0'.repeat(32) }

async function inventoryRows(source: ByteSource, more: Partial<Parameters<typeof orcFormat.rows>[0]> = {}): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = []
  for await (const b of orcFormat.rows({ source, file, fileSchema: '', startRow: 0, signal: new AbortController().signal, readSize: 16 << 20, ...more })) for (const r of b) out.push({ ...r })
  return out
}

describe.skipIf(!present)('Apache ORC examples: our printer gives the rows in expected/*.jsn.gz', () => {
  const names = present ? readdirSync(path.join(APACHE, 'expected')).map((f) => f.replace(/\.jsn\.gz$/, '')) : []
  it('covers every example that has expected rows', () => expect(names.length).toBeGreaterThanOrEqual(16))
  it.each(names)('%s', async (name) => {
    const expected = gunzipSync(readFileSync(example(`expected/${name}.jsn.gz`))).toString('utf8').split('\n').filter(Boolean)
    let i = 0
    for await (const line of orcJsonLines(example(`${name}.orc`))) {
      const diff = losslessDiff(parseLossless(line), parseLossless(expected[i] ?? 'null'))
      if (diff) expect.fail(`row ${i}: ${diff}\nours:     ${line.slice(0, 300)}\nexpected: ${expected[i]?.slice(0, 300)}`)
      i++
    }
    expect(i).toBe(expected.length)
  })
  it('a projection prints the chosen columns of every row', async () => {
    const expected = gunzipSync(readFileSync(example('expected/TestOrcFile.columnProjection.jsn.gz'))).toString('utf8').split('\n').filter(Boolean)
    const lines = await collect(orcJsonLines(example('TestOrcFile.columnProjection.orc'), { columns: ['string1'] }))
    expect(lines).toHaveLength(expected.length)
    expect(lines[5]).toBe(JSON.stringify({ string1: JSON.parse(expected[5]).string1 }).replace(':', ': '))
  })
})

// type string, format version, rows, content length, stripes, compression, block size, row index stride (tools/test/TestMatch.cc)
const FACTS: [string, string, string, number, number, number, string, number, number][] = [
  ['TestOrcFile.columnProjection.orc', 'struct<int1:int,string1:string>', '0.12', 21000, 428406, 5, 'NONE', 262144, 1000],
  ['TestOrcFile.emptyFile.orc', 'struct<boolean1:boolean,byte1:tinyint,short1:smallint,int1:int,long1:bigint,float1:float,double1:double,bytes1:binary,string1:string,middle:struct<list:array<struct<int1:int,string1:string>>>,list:array<struct<int1:int,string1:string>>,map:map<string,struct<int1:int,string1:string>>>', '0.12', 0, 3, 0, 'NONE', 262144, 10000],
  ['TestOrcFile.metaData.orc', 'struct<boolean1:boolean,byte1:tinyint,short1:smallint,int1:int,long1:bigint,float1:float,double1:double,bytes1:binary,string1:string,middle:struct<list:array<struct<int1:int,string1:string>>>,list:array<struct<int1:int,string1:string>>,map:map<string,struct<int1:int,string1:string>>>', '0.12', 1, 980, 1, 'NONE', 262144, 10000],
  ['TestOrcFile.test1.orc', 'struct<boolean1:boolean,byte1:tinyint,short1:smallint,int1:int,long1:bigint,float1:float,double1:double,bytes1:binary,string1:string,middle:struct<list:array<struct<int1:int,string1:string>>>,list:array<struct<int1:int,string1:string>>,map:map<string,struct<int1:int,string1:string>>>', '0.12', 2, 1015, 1, 'ZLIB', 10000, 10000],
  ['TestOrcFile.testStringAndBinaryStatistics.orc', 'struct<bytes1:binary,string1:string>', '0.12', 4, 185, 1, 'ZLIB', 10000, 10000],
  ['TestOrcFile.testStripeLevelStats.orc', 'struct<int1:int,string1:string>', '0.12', 11000, 597, 3, 'ZLIB', 10000, 10000],
  ['TestOrcFile.testTimestamp.orc', 'timestamp', '0.11', 12, 188, 1, 'ZLIB', 10000, 10000],
  ['TestOrcFile.testUnionAndTimestamp.orc', 'struct<time:timestamp,union:uniontype<int,string>,decimal:decimal(38,18)>', '0.12', 5077, 20906, 2, 'NONE', 262144, 10000],
  ['TestOrcFile.testWithoutIndex.orc', 'struct<int1:int,string1:string>', '0.12', 50000, 214643, 10, 'SNAPPY', 1000, 0],
  ['decimal.orc', 'struct<_col0:decimal(10,5)>', '0.12', 6000, 16186, 1, 'NONE', 262144, 10000],
  ['orc-file-11-format.orc', 'struct<boolean1:boolean,byte1:tinyint,short1:smallint,int1:int,long1:bigint,float1:float,double1:double,bytes1:binary,string1:string,middle:struct<list:array<struct<int1:int,string1:string>>>,list:array<struct<int1:int,string1:string>>,map:map<string,struct<int1:int,string1:string>>,ts:timestamp,decimal1:decimal(0,0)>', '0.11', 7500, 372542, 2, 'NONE', 262144, 10000],
  ['orc_index_int_string.orc', 'struct<_col0:int,_col1:varchar(4)>', '0.12', 6000, 11280, 1, 'ZLIB', 262144, 2000],
  ['TestVectorOrcFile.testLz4.orc', 'struct<x:bigint,y:int,z:bigint>', '0.12', 10000, 120952, 2, 'LZ4', 1000, 10000],
  ['TestOrcFile.testDate1900.orc', 'struct<time:timestamp,date:date>', '0.12', 70000, 30478, 8, 'ZLIB', 10000, 10000],
]

describe.skipIf(!present)('Apache ORC examples: the metadata facts of TestMatch.cc', () => {
  it.each(FACTS)('%s', async (name, type, version, rows, content, stripes, compression, blockSize, stride) => {
    const m = await readOrcMetadata(example(name))
    expect({ type: m.type, formatVersion: m.formatVersion, rows: m.rows, contentLength: m.contentLength, stripes: m.stripes.length, compression: m.compression, blockSize: m.blockSize, rowIndexStride: m.rowIndexStride }).toEqual({
      type,
      formatVersion: version,
      rows,
      contentLength: content,
      stripes,
      compression,
      blockSize,
      rowIndexStride: stride,
    })
    expect(m.stripes.reduce((n, s) => n + s.rows, 0)).toBe(rows)
    expect(m.writer).toBe('ORC_JAVA')
  })
  it('user metadata (TestOrcFile.metaData.orc)', async () => {
    const m = await readOrcMetadata(example('TestOrcFile.metaData.orc'))
    expect(Buffer.from(m.userMetadata['my.meta']).toString('hex')).toBe('01020304050607fffe7f80')
    expect(Buffer.from(m.userMetadata.clobber).toString('hex')).toBe('05070b0d1113')
  })
})

describe.skipIf(!present)('Apache ORC examples: damaged and edge-case files', () => {
  it.each([
    ['corrupt/missing_blob_stream_in_string_dict.orc', 'string_col'],
    ['corrupt/missing_length_stream_in_string_dict.orc', 'date_string_col'],
    ['corrupt/negative_dict_entry_lengths.orc', 'date_string_col'],
  ])('%s: ORC_CORRUPT naming the column', async (name, column) => {
    const e = await failure(readOrc(example(name)))
    expect(e).toMatchObject({ code: 'ORC_CORRUPT', key: example(name), column })
    expect(e.offset).toBeGreaterThan(0)
  })
  it('corrupt/stripe_footer_bad_column_encodings.orc: ORC_CORRUPT at the stripe footer', async () => {
    const e = await failure(readOrc(example('corrupt/stripe_footer_bad_column_encodings.orc')))
    expect(e).toMatchObject({ code: 'ORC_CORRUPT', key: example('corrupt/stripe_footer_bad_column_encodings.orc') })
    expect(e.offset).toBeGreaterThan(300)
  })
  it('zero.orc (0 bytes): an empty file with no rows, as Apache\'s Java reader reads it', async () => {
    expect(await collect(readOrc(example('zero.orc')))).toEqual([])
    expect(await readOrcMetadata(example('zero.orc'))).toMatchObject({ type: 'struct<>', rows: 0, stripes: [] })
  })
  it('version1999.orc: the metadata reads, the rows are UNSUPPORTED_FORMAT naming the version', async () => {
    expect((await readOrcMetadata(example('version1999.orc'))).formatVersion).toBe('19.99')
    expect(await failure(readOrc(example('version1999.orc')))).toMatchObject({ code: 'UNSUPPORTED_FORMAT', actual: '19.99' })
  })
  it('orc_no_format.orc (no magic in the PostScript, no version): read as 0.11 after checking the ORC header', async () => {
    const rows = (await collect(readOrc(example('orc_no_format.orc')))) as Record<string, unknown>[]
    expect(rows).toHaveLength(5)
    expect(rows[0]._col0).toEqual(['Java/C++/Linux,4306:Bob/4307:Jack,Bob/90'])
    expect((await readOrcMetadata(example('orc_no_format.orc'))).formatVersion).toBe('0.11')
  })
  it('TestOrcFile.testWithoutCompressionBlockSize.orc: the default 256 KiB block size; a bare bigint root', async () => {
    expect((await readOrcMetadata(example('TestOrcFile.testWithoutCompressionBlockSize.orc'))).blockSize).toBe(262144)
    const values = await collect(readOrc(example('TestOrcFile.testWithoutCompressionBlockSize.orc')))
    expect(values).toHaveLength(100)
    expect(values.every((v) => typeof v === 'bigint')).toBe(true)
  })
  it('general values: bigint exact, Timestamp with nanoseconds in the writer\'s zone, Decimal, Uint8Array, unions, maps', async () => {
    const [first] = (await collect(readOrc(example('TestOrcFile.test1.orc')))) as Record<string, unknown>[]
    expect(first.long1).toBe(9223372036854775807n)
    expect(first.bytes1).toEqual(new Uint8Array([0, 1, 2, 3, 4]))
    expect(first.map).toEqual([])
    const union = (await collect(readOrc(example('TestOrcFile.testUnionAndTimestamp.orc')))) as Record<string, unknown>[]
    expect(union[1].union).toEqual({ tag: 1, value: 'hello' })
    expect(union[1].time).toBeInstanceOf(Timestamp)
    expect((union[1].time as Timestamp).nanos).toBe(123_456_789)
    expect((union[1].time as Timestamp).wallClock()).toBe('2000-03-20 12:00:00.123456789')
    expect((union[0].decimal as Decimal).toString()).toBe('12345678.654745600000000000')
    const t = (await collect(readOrc(example('TestOrcFile.testDate1900.orc')))) as Record<string, Timestamp>[]
    // Written in US/Pacific: the wall clock there, not the instant.
    expect(t[0].time.wallClock()).toBe('1900-05-05 12:34:56.1')
    expect(t[0].date.toJSON()).toBe('1900-12-25')
  })
  it('readOrc columns: only those fields; an unknown one is FIELD_MISSING', async () => {
    const rows = (await collect(readOrc(example('TestOrcFile.test1.orc'), { columns: ['int1', 'string1'] }))) as Record<string, unknown>[]
    expect(rows).toEqual([
      { int1: 65536, string1: 'hi' },
      { int1: 65536, string1: 'bye' },
    ])
    expect(await failure(readOrc(example('TestOrcFile.test1.orc'), { columns: ['nope'] }))).toMatchObject({ code: 'FIELD_MISSING', column: 'nope' })
  })
  it('an aborted signal stops the read with its reason', async () => {
    const ac = new AbortController()
    let n = 0
    const err = await (async () => {
      for await (const _ of readOrc(example('TestOrcFile.testDate1900.orc'), { signal: ac.signal })) if (++n === 10) ac.abort(new Error('stop'))
    })().catch((e: Error) => e)
    expect((err as Error).message).toBe('stop')
    expect(n).toBeLessThan(2100)
  })
})

describe('integer RLE v2: the fixture writer and the reader agree', () => {
  const decode = (bytes: Buffer, n: number, signed: boolean) => {
    const s = new OrcStream('c', 'DATA', compressionOf(0, undefined), 0, bytes.length, bytes, 0)
    const d = new IntRleV2(s, signed)
    const out = new Float64Array(n)
    expect(d.read(out, 0, n)).toBe(n)
    expect(s.pos).toBe(s.end)
    return Array.from(out)
  }
  it('any safe integers, signed or not, round-trip', () => {
    // The writer takes safe integers (signed: whose zigzag is safe too).
    const big = fc.integer({ min: -(2 ** 52), max: 2 ** 52 })
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: -1000, max: 1000 }), big, fc.integer({ min: 0, max: 2 ** 40 })), { maxLength: 1500 }), fc.boolean(), (raw, signed) => {
        const values = signed ? raw : raw.map((v) => (v === 0 ? 0 : Math.abs(v) * 2 - 1))
        expect(decode(rleV2(values, signed), values.length, signed)).toEqual(values)
      }),
      { numRuns: 400 },
    )
  })
  it('the writer uses every sub-encoding: SHORT_REPEAT, DIRECT, PATCHED_BASE, DELTA', () => {
    const cases: [number[], number][] = [
      [[7, 7, 7, 7], 0],
      [[5, 1, 9, 3, 8, 2], 1],
      [[...Array.from({ length: 60 }, (_, i) => i % 7), 1_000_000, ...Array.from({ length: 40 }, (_, i) => i % 5)], 2],
      [Array.from({ length: 100 }, (_, i) => 1000 + 3 * i), 3],
    ]
    for (const [values, kind] of cases) {
      const bytes = rleV2(values, false)
      expect(bytes[0] >>> 6).toBe(kind)
      expect(decode(bytes, values.length, false)).toEqual(values)
    }
  })
  it('64-bit values beyond 2^53 are exact (wide)', () => {
    // DIRECT, 64 bits, unsigned: 2^63 - 1 and 2^53 + 1.
    const bytes = Buffer.from([0x40 | (31 << 1), 1, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x20, 0, 0, 0, 0, 0, 1])
    const s = new OrcStream('c', 'DATA', compressionOf(0, undefined), 0, bytes.length, bytes, 0)
    const d = new IntRleV2(s, false)
    d.read(new Float64Array(2), 0, 2)
    expect(d.wide).toEqual([
      [0, 9223372036854775807n],
      [1, 9007199254740993n],
    ])
  })
})

describe('the fixture writer, read back', async () => {
  const dir = await tmpDir('orc')
  const rows = makeRows({ count: 3000, seed: 11, versioned: true }).sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)))
  const write = async (name: string, bytes: Buffer) => {
    const p = path.join(dir, name)
    await writeFile(p, bytes)
    return p
  }

  it('inventory rows: every field, hard keys, delete markers, nulls, several stripes, every codec', async () => {
    for (const compression of ['ZLIB', 'NONE', 'SNAPPY', 'LZ4', 'ZSTD'] as const) {
      const p = await write(`all-${compression}.orc`, orcBytes(rows, ALL_FIELDS, { stripeRows: 700, compression, blockSize: 4096 }))
      expect(await inventoryRows(localSource(p))).toEqual(rows)
    }
  })
  it('the file has what the Java writer writes: dictionary and direct strings, PRESENT streams, row indexes, statistics', async () => {
    const p = await write('layout.orc', orcBytes(rows, ALL_FIELDS, { stripeRows: 1000 }))
    const src = localSource(p)
    const t = await readTail(src)
    expect(t.stripes).toHaveLength(3)
    expect(t.compression).toMatchObject({ name: 'ZLIB', blockSize: 262144 })
    const [a, b] = footerRange(t.stripes[0])
    const layout = parseStripeFooter(await src.slice(a, b), t.stripes[0], t)
    const col = (name: string) => t.root.children[t.root.fieldNames.indexOf(name)].id
    expect(layout.writerTimezone).toBe('UTC')
    expect(layout.encodings[col('key')].kind).toBe(2) // DIRECT_V2
    expect(layout.encodings[col('storage_class')].kind).toBe(3) // DICTIONARY_V2
    expect(layout.find(col('size'), StreamKind.PRESENT)).toBeDefined() // delete markers
    expect(layout.find(col('bucket'), StreamKind.PRESENT)).toBeUndefined()
    expect(layout.find(col('key'), StreamKind.ROW_INDEX)).toBeDefined()
    const m = await readOrcMetadata(p)
    expect(m).toMatchObject({ type: expect.stringMatching(/^struct<bucket:string,key:string,version_id:string,is_latest:boolean/), rows: 3000, stripeStatistics: 3, formatVersion: '0.12' })
  })
  it('decimal64 of files version 1.9999 (UNSTABLE-PRE-2.0): RLE v2 unscaled values at the type\'s scale', async () => {
    // A bigint column's DATA stream is what decimal64 stores: retype it decimal(10,2) and mark the file 1.9999.
    const values = [12345n, -1n, 0n, 99999999999n, null]
    const p = await write(
      'decimal64.orc',
      writeOrc([{ name: 'd', kind: 'bigint' }], values.map((d) => ({ d })), {
        tamper: {
          footer: (f: Field[]) => {
            let t = 0
            return f.map((x): Field => (x[0] === 4 && t++ === 1 ? [4, message([1, 14], [5, 18], [6, 2])] : x))
          },
          postscript: (f: Field[]) => f.map((x): Field => (x[0] === 4 ? [4, packed([1, 9999])] : x)),
        },
      }),
    )
    expect((await readOrcMetadata(p)).type).toBe('struct<d:decimal(18,2)>')
    const rows = (await collect(readOrc(p))) as { d: Decimal | null }[]
    expect(rows.map((r) => r.d?.toString() ?? null)).toEqual(['123.45', '-0.01', '0.00', '999999999.99', null])
    expect(await collect(orcJsonLines(p))).toEqual(['{"d": 123.45}', '{"d": -0.01}', '{"d": 0.00}', '{"d": 999999999.99}', '{"d": null}'])
  })
  it('an encoding may change from stripe to stripe (dictionary, then direct)', async () => {
    const mixed: Row[] = rows.map((r, i) => ({ ...r, storageClass: i < 1500 ? 'STANDARD' : `CLASS-${i}` }))
    const p = await write('mixed.orc', orcBytes(mixed, ALL_FIELDS, { stripeRows: 1500 }))
    const src = localSource(p)
    const t = await readTail(src)
    const id = t.root.children[t.root.fieldNames.indexOf('storage_class')].id
    const kinds = await Promise.all(t.stripes.map(async (s) => parseStripeFooter(await src.slice(...footerRange(s)), s, t).encodings[id].kind))
    expect(kinds).toEqual([3, 2])
    expect(await inventoryRows(src)).toEqual(mixed)
  })
  it('columns this library does not know: read only when asked for (extraColumns), with the general mapping', async () => {
    const p = await write(
      'extra.orc',
      writeOrc(
        [
          { name: 'bucket', kind: 'string' },
          { name: 'key', kind: 'string' },
          { name: 'object_lock_event_hold_status', kind: 'string' },
          { name: 'retention_days', kind: 'int' },
          { name: 'size', kind: 'bigint' },
        ],
        [
          { bucket: 'b', key: 'k1', object_lock_event_hold_status: 'ON', retention_days: 30, size: 7 },
          { bucket: 'b', key: 'k2', object_lock_event_hold_status: null, retention_days: null, size: null },
        ],
      ),
    )
    expect(await inventoryRows(localSource(p))).toEqual([
      { bucket: 'b', key: 'k1', size: 7 },
      { bucket: 'b', key: 'k2', size: undefined },
    ])
    expect(await inventoryRows(localSource(p), { extraColumns: ['object_lock_event_hold_status', 'retentionDays'] })).toEqual([
      { bucket: 'b', key: 'k1', objectLockEventHoldStatus: 'ON', retentionDays: 30, size: 7 },
      { bucket: 'b', key: 'k2', objectLockEventHoldStatus: undefined, retentionDays: undefined, size: undefined },
    ])
    expect(await failure(inventoryRows(localSource(p), { columns: ['key', 'versionId'] }))).toMatchObject({ code: 'FIELD_MISSING', column: 'versionId' })
  })
  it('filters, projection, a resume point and a prefix that skips stripes give the same rows as filtering everything', async () => {
    const p = await write('filters.orc', orcBytes(rows, ALL_FIELDS, { stripeRows: 500 }))
    const prefix = rows[1800].key.slice(0, 8)
    const filter = compileFilter({ prefix, excludeDeleteMarkers: true, minSize: 1 })!
    const want = rows
      .map((r, i) => ({ r, i }))
      .filter(({ r, i }) => i >= 100 && r.key.startsWith(prefix) && r.isDeleteMarker !== true && ((r.size as number | undefined) ?? -1) >= 1)
      .map(({ r }) => ({ key: r.key, storageClass: r.storageClass }))
    const got = await inventoryRows(localSource(p), { filter, columns: ['key', 'storageClass'], startRow: 100 })
    expect(got).toEqual(want)
    expect(want.length).toBeGreaterThan(0)
  })
})

describe('typed errors and limits', async () => {
  const dir = await tmpDir('orc-bad')
  const rows = makeRows({ count: 200, seed: 12, versioned: true })
  let n = 0
  const write = async (bytes: Buffer | Uint8Array) => {
    const p = path.join(dir, `bad-${n++}.orc`)
    await writeFile(p, bytes)
    return p
  }
  const orc = (o: WriteOrcOptions) => orcBytes(rows, ALL_FIELDS, o)
  const replace = (fields: Field[], num: number, value: Field[1]) => fields.map((f): Field => (f[0] === num ? [num, value] : f))

  it('LZO is UNSUPPORTED_CODEC naming it', async () => {
    const p = await write(orc({ tamper: { postscript: (f: Field[]) => replace(f, 2, 3) } }))
    expect(await failure(readOrc(p))).toMatchObject({ code: 'UNSUPPORTED_CODEC', actual: 'LZO', key: p })
  })
  it('an encrypted column is UNSUPPORTED_FORMAT; the others still read', async () => {
    // Encryption variant rooted at column 2 (key).
    const p = await write(orc({ tamper: { footer: (f: Field[]) => [...f, [10, message([3, message([1, 2])])]] } }))
    expect(await failure(readOrc(p))).toMatchObject({ code: 'UNSUPPORTED_FORMAT', column: 'key' })
    expect(await collect(readOrc(p, { columns: ['bucket'] }))).toHaveLength(200)
  })
  it('a footer length over the limit is LIMIT_EXCEEDED before anything is fetched for it', async () => {
    // A 71 MiB (sparse) file, so that the 70 MiB footer fits in it.
    const ps = message([1, 70 * 1024 * 1024], [2, 0], [8000, 'ORC'])
    const size = 71 * 1024 * 1024
    const p = await write(Buffer.from('ORC'))
    const { open } = await import('node:fs/promises')
    const h = await open(p, 'r+')
    await h.write(Buffer.concat([ps, Buffer.from([ps.length])]), 0, ps.length + 1, size - ps.length - 1)
    await h.close()
    expect(await failure(readOrc(p))).toMatchObject({ code: 'LIMIT_EXCEEDED', offset: size - ps.length - 1 })
  })
  it('types nested deeper than the limit are LIMIT_EXCEEDED', async () => {
    const types: Field[] = []
    for (let i = 0; i < 80; i++) types.push([4, message([1, 10], [2, packed([i + 1])])])
    types.push([4, message([1, 3])])
    const footer = message([1, 3], [2, 3], ...types, [6, 0])
    const ps = message([1, footer.length], [2, 0], [4, packed([0, 12])], [8000, 'ORC'])
    const p = await write(Buffer.concat([Buffer.from('ORC'), footer, ps, Buffer.from([ps.length])]))
    expect(await failure(readOrcMetadata(p))).toMatchObject({ code: 'LIMIT_EXCEEDED' })
  })
  it('a type that is the child of two types is ORC_CORRUPT', async () => {
    const footer = message([1, 3], [2, 3], [4, message([1, 12], [2, packed([1, 1])], [3, 'a'], [3, 'b'])], [4, message([1, 3])], [6, 0])
    const ps = message([1, footer.length], [2, 0], [8000, 'ORC'])
    const p = await write(Buffer.concat([Buffer.from('ORC'), footer, ps, Buffer.from([ps.length])]))
    expect(await failure(readOrcMetadata(p))).toMatchObject({ code: 'ORC_CORRUPT' })
  })
  it('a dictionary larger than the limit is LIMIT_EXCEEDED, before it is allocated', async () => {
    const p = await write(
      orc({
        tamper: {
          // Column 9 (storage_class) is dictionary-encoded: claim 2^23 entries.
          stripeFooter: (f: Field[]) => {
            let c = 0
            return f.map((x): Field => (x[0] === 2 && c++ === 9 ? [2, message([1, 3], [2, 2 ** 23])] : x))
          },
        },
      }),
    )
    expect(await failure(readOrc(p, { columns: ['storage_class'] }))).toMatchObject({ code: 'LIMIT_EXCEEDED', column: 'storage_class' })
  })
  it('stripe rows that disagree with the footer are ORC_CORRUPT', async () => {
    const p = await write(orc({ tamper: { footer: (f: Field[]) => replace(f, 6, 999) } }))
    expect(await failure(readOrcMetadata(p))).toMatchObject({ code: 'ORC_CORRUPT', expected: '999 rows', actual: '200 rows' })
  })
  it('a stripe with fewer rows than its streams hold is ORC_CORRUPT, never silently short', async () => {
    const p = await write(
      orc({
        tamper: {
          footer: (f: Field[]) => {
            const out = replace(f, 6, 150)
            // stripe 0 claims 150 rows
            return out.map((x): Field => (x[0] === 3 ? [3, Buffer.concat([x[1] as Buffer, message([5, 150])])] : x))
          },
        },
      }),
    )
    expect(await failure(readOrc(p))).toMatchObject({ code: 'ORC_CORRUPT' })
  })
  it('an unknown writer time zone is UNSUPPORTED_FORMAT when a timestamp is read', async () => {
    const p = await write(orc({ tamper: { stripeFooter: (f: Field[]) => replace(f, 3, 'Mars/Olympus_Mons') } }))
    expect(await failure(readOrc(p, { columns: ['last_modified_date'] }))).toMatchObject({ code: 'UNSUPPORTED_FORMAT', actual: 'Mars/Olympus_Mons' })
    expect(await collect(readOrc(p, { columns: ['key'] }))).toHaveLength(200)
  })
  it('a known inventory field of another type is UNSUPPORTED_FORMAT naming it', async () => {
    const p = await write(writeOrc([{ name: 'bucket', kind: 'string' }, { name: 'key', kind: 'string' }, { name: 'size', kind: 'string' }], [{ bucket: 'b', key: 'k', size: '12' }]))
    expect(await failure(inventoryRows(localSource(p)))).toMatchObject({ code: 'UNSUPPORTED_FORMAT', column: 'size', expected: 'bigint', actual: 'string' })
  })
  it('a truncated file, and one that is not ORC, are ORC_CORRUPT', async () => {
    const good = orcBytes(rows, ALL_FIELDS)
    expect(await failure(readOrc(await write(good.subarray(0, good.length - 7))))).toMatchObject({ code: 'ORC_CORRUPT' })
    expect(await failure(readOrc(await write(Buffer.from('PAR1 this is not an ORC file at all, not at all\x08'))))).toMatchObject({ code: 'ORC_CORRUPT' })
  })
  it('a file of another size than its manifest entry is DATA_SIZE_MISMATCH before any row (cat --manifest, readInventory, a ranged source)', async () => {
    const root = await tmpDir('orc-size')
    const f = await writeInventory({ root, format: 'ORC', rows: makeRows({ count: 300, seed: 6 }), filesRows: [150, 150] })
    const data = path.join(root, f.dataKeys[0])
    const bytes = await readFile(data)
    await writeFile(data, bytes.subarray(0, bytes.length - 10)) // the tail is gone: parsing would say ORC_CORRUPT
    const { readDataFile } = await import('../src/index.js')
    const seen: unknown[] = []
    const viaFile = await (async () => {
      for await (const r of readDataFile(data, { manifest: f.manifestPath })) seen.push(r)
    })().catch((e) => e)
    expect(viaFile).toMatchObject({ code: 'DATA_SIZE_MISMATCH', expected: `${bytes.length} bytes`, actual: `${bytes.length - 10} bytes` })
    const viaInventory = await (async () => {
      for await (const b of readInventory(f.manifestPath, { concurrency: 1 }).batches()) seen.push(...b)
    })().catch((e) => e)
    expect(viaInventory).toMatchObject({ code: 'DATA_SIZE_MISMATCH' })
    expect(seen).toEqual([])
    // A source that is not a local file (no stat): the size the tail request reports is checked before the tail is parsed.
    const { memorySource } = await import('./support/memory-source.js')
    const ranged = await failure(readOrc(memorySource(bytes.subarray(0, bytes.length - 10), 'x.orc'), { expected: { size: bytes.length } }))
    expect(ranged).toMatchObject({ code: 'DATA_SIZE_MISMATCH', key: 'x.orc' })
  })
  it('an MD5 mismatch fails before the last batch', async () => {
    const p = await write(orcBytes(makeRows({ count: 3000, seed: 4 }), ALL_FIELDS))
    const got: InventoryRow[][] = []
    const err = await (async () => {
      for await (const b of orcFormat.rows({ source: localSource(p), file, fileSchema: '', startRow: 0, signal: new AbortController().signal, readSize: 1 << 20, expected: { md5: '0'.repeat(32) } })) got.push(b)
    })().catch((e) => e)
    expect(err).toMatchObject({ code: 'DATA_CHECKSUM_MISMATCH' })
    expect(got.flat().length).toBeLessThan(3000)
  })
})

describe('ranged reads of ORC inventories', async () => {
  const root = await tmpDir('orc-ranges')
  // Sorted keys, as real deliveries are, so that stripe statistics can exclude a prefix.
  const rows = makeRows({ count: 5000, seed: 9 }).sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)))
  const inv = await writeInventory({ root, format: 'ORC', rows, orc: { stripeRows: 500 } })
  const dataPath = path.join(root, inv.dataKeys[0])
  const client = s3Client()
  afterAll(() => client.destroy())
  let bucket = ''
  beforeAll(async () => {
    bucket = await freshBucket(client, 'orc-ranges')
    await putObjects(client, bucket, inv.objects)
  })

  /** A local source that records every range asked for. */
  const recording = () => {
    const inner = localSource(dataPath)
    const ranges: [number, number][] = []
    const src: ByteSource = {
      ref: inner.ref,
      stream: (a, b, signal) => (ranges.push([a, b ?? Infinity]), inner.stream(a, b, signal)),
      slice: (a, b, signal) => (ranges.push([a, b]), inner.slice(a, b, signal)),
      tail: async (n, signal, hint) => {
        const t = await inner.tail(n, signal, hint)
        ranges.push([t.size - t.bytes.length, t.size])
        return t
      },
    }
    return { src, ranges }
  }
  const layoutOf = async () => {
    const src = localSource(dataPath)
    const t = await readTail(src)
    const layouts = await Promise.all(t.stripes.map(async (s) => parseStripeFooter(await src.slice(...footerRange(s)), s, t)))
    return { t, layouts, id: (name: string) => t.root.children[t.root.fieldNames.indexOf(name)].id }
  }

  it('without verification: the tail, then per stripe its footer and the projected columns\' streams — never a row index', async () => {
    const { t, layouts, id } = await layoutOf()
    expect(t.stripes).toHaveLength(10)
    const { src, ranges } = recording()
    const got = await inventoryRows(src, { columns: ['isLatest', 'size'], readSize: 64 * 1024 })
    expect(got).toEqual(rows.map((r) => ({ isLatest: r.isLatest, size: r.size })))
    const wanted = new Set([id('is_latest'), id('size')])
    const allowed: [number, number][] = [[t.tailStart, t.size], ...t.stripes.map(footerRange)]
    for (const l of layouts) for (const s of l.streams) if (wanted.has(s.column) && s.kind !== StreamKind.ROW_INDEX) allowed.push([s.start, s.start + s.length])
    const indexes = layouts.flatMap((l) => l.streams.filter((s) => s.kind === StreamKind.ROW_INDEX).map((s) => [s.start, s.start + s.length] as [number, number]))
    // The tail request (64 KiB) may hold the last stripes: it is the one range that can.
    expect(ranges[0]).toEqual([t.tailStart, t.size])
    for (const [a, b] of ranges.slice(1)) {
      expect(indexes.some(([x, y]) => a < y && b > x), `range ${a}-${b} overlaps a row index`).toBe(false)
      // Each range starts and ends in a stripe footer or a wanted stream (nearby ones are fetched together).
      expect(allowed.some(([x, y]) => a >= x && a < y), `range start ${a}`).toBe(true)
      expect(allowed.some(([x, y]) => b > x && b <= y), `range end ${b}`).toBe(true)
    }
    const fetched = ranges.slice(1).reduce((n, [a, b]) => n + b - a, 0)
    expect(fetched).toBeLessThan(t.tailStart / 4)
  })

  it('a file up to 2 MiB is fetched once, whole, and verified before its rows', async () => {
    const { src, ranges } = recording()
    const size = (await readFile(dataPath)).length
    const got = await inventoryRows(src, { expected: { size, md5: (await readManifest(inv.manifestPath)).files[0].MD5checksum } })
    expect(got).toEqual(rows)
    expect(ranges).toEqual([[0, size]])
  })

  it('through the local S3 server: a prefix filter skips the stripes its statistics exclude (bytes counted)', async () => {
    const prefix = rows[2600].key.slice(0, 8)
    const expected = rows.filter((r) => r.key.startsWith(prefix))
    expect(expected.length).toBeGreaterThan(0)
    const all = readInventory({ bucket, key: inv.manifestKey }, { client, verify: false, readSize: 64 * 1024 })
    expect(plain(await collect(all))).toEqual(rows)
    const filtered = readInventory({ bucket, key: inv.manifestKey }, { client, verify: false, filter: { prefix }, readSize: 64 * 1024 })
    expect(plain(await collect(filtered))).toEqual(expected)
    // The same tail requests; then one stripe of ten instead of ten.
    expect(filtered.progress.bytesRead).toBeLessThan(all.progress.bytesRead / 2)
    expect(all.progress.bytesRead).toBeGreaterThanOrEqual((await readFile(dataPath)).length - 64 * 1024)
  })

  it('through the local S3 server: verified, a resume point, and a tampered MD5', async () => {
    const m = await readManifest({ bucket, key: inv.manifestKey }, { client })
    const got = await collect(readInventory(m, { client, readSize: 64 * 1024, startAfter: { manifestMd5: m.md5, file: 0, row: 3999 } }))
    expect(plain(got)).toEqual(rows.slice(4000))
    const tampered = { ...m, files: [{ ...m.files[0], MD5checksum: 'f'.repeat(32) }] }
    await expect(collect(readInventory(tampered, { client, readSize: 64 * 1024 }))).rejects.toMatchObject({ code: 'DATA_CHECKSUM_MISMATCH', actual: m.files[0].MD5checksum })
    await expect(collect(readInventory(tampered, { client }))).rejects.toMatchObject({ code: 'DATA_CHECKSUM_MISMATCH' })
  })
})

describe('the CLI over an ORC inventory (dist/cli.js)', async () => {
  const root = await tmpDir('orc-cli')
  const rows = makeRows({ count: 800, seed: 17 })
  const inv = await writeInventory({ root, format: 'ORC', rows, filesRows: [300, 500], orc: { stripeRows: 200 } })
  const { runCli } = await import('./support/cli.js')
  it('ls --format keys lists every key; --suffix filters; stats --by storage-class counts them', async () => {
    const ls = await runCli(['ls', inv.manifestPath, '--format', 'keys', '--quiet'])
    expect(ls.code).toBe(0)
    // Keys with newlines print on several lines: compare the whole text.
    expect(ls.stdout).toBe(rows.map((r) => `${r.key}\n`).join(''))
    const png = await runCli(['ls', inv.manifestPath, '--suffix', '.png', '--format', 'keys', '--quiet'])
    expect(png.stdout).toBe(rows.filter((r) => r.key.endsWith('.png')).map((r) => `${r.key}\n`).join(''))
    const stats = await runCli(['stats', inv.manifestPath, '--by', 'storage-class', '--json', '--quiet'])
    expect(stats.code).toBe(0)
    const summary = JSON.parse(stats.stdout)
    expect(summary.total.count).toBe(rows.length)
    expect(summary.total.bytes).toBe(rows.reduce((n, r) => n + ((r.size as number | undefined) ?? 0), 0))
  })
})
