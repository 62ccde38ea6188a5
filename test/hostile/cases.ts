/**
 * Hostile files: each case writes its files into a temp folder, names the call to make, and the
 * error code it must end with — in bounded time and memory (test/hostile.test.ts runs each one in a
 * child process through run-case.ts, killed after 30 s, its peak RSS checked). Add a case by adding
 * an entry to CASES (other formats: add a `call` kind and its runner in run-case.ts).
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import type { ErrorCode } from '../../src/errors.js'
import { FILE_CASES } from './cases-files.js'
import { ORC_CASES } from './cases-orc.js'
import { craftParquet, defLevelsRun, deltaHeader, plainInt64, plainStrings, T, varint, type CraftChunk, type CraftFile } from '../support/parquet-craft.js'
import { oneFileInventory } from '../support/one-file-inventory.js'

/** What the child does with the files: read an inventory through its manifest (verified), or one data file. */
export type HostileCall =
  | { kind: 'inventory'; manifest: string; columns?: string[] }
  | { kind: 'parquet'; file: string; columns?: string[] }
  | { kind: 'report'; manifest: string }
  /** summarizeInventory with no grouping: the counts alone (no column needed when the inventory has no Size). */
  | { kind: 'summarize'; manifest: string }
  /** readOrc, or (`lines`) orcJsonLines: what `s3inv cat` prints. */
  | { kind: 'orc'; file: string; columns?: string[]; lines?: boolean }

export interface HostileCase {
  name: string
  /** Why the file is hostile (what it did before the fix). */
  what: string
  write(dir: string): Promise<void>
  call: HostileCall
  expected: ErrorCode | 'ok'
}

/** A data file and a manifest listing it (with its real size and MD5, so verification passes). */
async function inventory(dir: string, bytes: Buffer, name = 'data.parquet'): Promise<void> {
  await oneFileInventory(dir, { name, bytes, fileFormat: 'Parquet', fileSchema: 'message s3.inventory { required binary key (STRING); required binary bucket (STRING); }' })
}

const viaManifest: HostileCall = { kind: 'inventory', manifest: 'manifest.json' }
/** `bucket`: add a valid bucket column to a crafted file (default; see withBucket). */
const parquetCase = (name: string, what: string, expected: ErrorCode | 'ok', file: () => Buffer | CraftFile, bucket = true): HostileCase => ({
  name,
  what,
  expected,
  call: viaManifest,
  write: async (dir) => {
    const f = file()
    await inventory(dir, Buffer.isBuffer(f) ? f : craftParquet(bucket ? withBucket(f) : f))
  },
})

/** PLAIN BYTE_ARRAY values from raw bytes (which need not be UTF-8). */
function plainBytes(values: Buffer[]): Buffer {
  return Buffer.concat(values.flatMap((v) => [Buffer.from(Uint32Array.of(v.length).buffer), v]))
}

/** v1 definition levels (bit width 1) as one bit-packed group of up to 8 values, with their length prefix. */
function bitPackedLevels(levels: number[]): Buffer {
  let byte = 0
  levels.forEach((l, i) => (byte |= l << i))
  return Buffer.from([2, 0, 0, 0, 0x03, byte])
}

/**
 * S3 writes a bucket and a key column in every inventory file (a file without either is refused
 * before its pages): a valid bucket column, one dictionary entry, after the crafted columns so that
 * theirs are the pages read first.
 */
function withBucket(f: CraftFile): CraftFile {
  const chunk = (rows: number): CraftChunk => {
    const run: number[] = []
    varint(rows * 2, run)
    return { pages: [{ type: 2, numValues: 1, body: plainStrings(['b']) }, { numValues: rows, encoding: 8, body: Buffer.from([1, ...run, 0]) }] }
  }
  return { ...f, columns: [...f.columns, { name: 'bucket', type: T.BYTE_ARRAY }], rowGroups: f.rowGroups.map((rg) => ({ ...rg, chunks: [...rg.chunks, chunk(rg.numRows)] })) }
}

const key = { name: 'key', type: T.BYTE_ARRAY }
const size = { name: 'size', type: T.INT64 }
const GZIP = 2
const BROTLI = 4
const SNAPPY = 1

/** A footer (FileMetaData) whose schema list holds `n` elements of `element` bytes each. */
function footerList(n: number, element: number): Buffer {
  const head = [0x29, 0xfc] // field 2, a list; list of structs with a varint count
  let v = n
  while (v >= 0x80) {
    head.push((v & 0x7f) | 0x80)
    v = Math.floor(v / 128)
  }
  head.push(v)
  return Buffer.concat([Buffer.from(head), Buffer.alloc(n, element), Buffer.from([0])])
}

/** A Parquet file around footer bytes (no data). */
function withFooter(footer: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32LE(footer.length)
  return Buffer.concat([Buffer.from('PAR1'), footer, len, Buffer.from('PAR1')])
}

/** 512 MiB of zeros as concatenated gzip members (a valid GZIP page body). */
function gzipBomb(): Buffer {
  const member = gzipSync(Buffer.alloc(16 * 1024 * 1024))
  return Buffer.concat(Array.from({ length: 32 }, () => member))
}

export const CASES: HostileCase[] = [
  ...FILE_CASES,
  ...ORC_CASES,
  parquetCase('parquet-delta-huge-block', 'a DELTA_BINARY_PACKED block of 2^30 values spun for hours on the event loop', 'PARQUET_CORRUPT', () => ({
    columns: [size],
    rowGroups: [{ numRows: 2, chunks: [{ pages: [{ numValues: 2, encoding: 5, body: deltaHeader(2 ** 30, 1, 2, 5, [0, 8, 1, 0, 0, 0]) }] }] }],
  })),
  parquetCase('parquet-page-values-over-rows', 'a 140-byte page declaring 300M null values allocated gigabytes, then reported success', 'PARQUET_CORRUPT', () => ({
    columns: [{ ...key, optional: true }],
    rowGroups: [{ numRows: 5, chunks: [{ pages: [{ numValues: 300_000_000, body: defLevelsRun(300_000_000, 0) }] }] }],
  })),
  parquetCase('parquet-page-values-over-limit', 'a row group and page of 300M null rows (counts that agree) allocated gigabytes per page', 'LIMIT_EXCEEDED', () => ({
    columns: [{ ...key, optional: true }],
    rowGroups: [{ numRows: 300_000_000, chunks: [{ pages: [{ numValues: 300_000_000, body: defLevelsRun(300_000_000, 0) }] }] }],
  })),
  parquetCase('parquet-dictionary-count', 'a dictionary page declaring 2^31 entries in a few bytes', 'PARQUET_CORRUPT', () => ({
    columns: [size],
    rowGroups: [{ numRows: 1, chunks: [{ pages: [{ type: 2, numValues: 2 ** 31 - 1, body: plainInt64([1]) }, { numValues: 1, encoding: 8, body: Buffer.from([1, 2, 0]) }] }] }],
  })),
  parquetCase('parquet-gzip-bomb', 'a GZIP page declaring 9 bytes inflated to 512 MiB (and then read one row from them)', 'LIMIT_EXCEEDED', () => ({
    columns: [key],
    rowGroups: [{ numRows: 1, chunks: [{ codec: GZIP, pages: [{ numValues: 1, body: gzipBomb(), uncompressedSize: 9 }] }] }],
  })),
  parquetCase('parquet-brotli-bomb', 'a Brotli page declaring 9 bytes inflated to 512 MiB', 'LIMIT_EXCEEDED', () => ({
    columns: [key],
    rowGroups: [{ numRows: 1, chunks: [{ codec: BROTLI, pages: [{ numValues: 1, uncompressedSize: 9, body: brotliCompressSync(Buffer.alloc(512 * 1024 * 1024), { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } }) }] }] }],
  })),
  parquetCase('parquet-page-size-over-limit', 'a page declaring a 1 GiB uncompressed size', 'LIMIT_EXCEEDED', () => ({
    columns: [key],
    rowGroups: [{ numRows: 1, chunks: [{ codec: SNAPPY, pages: [{ numValues: 1, uncompressedSize: 2 ** 30, body: Buffer.from([0x80, 0x80, 0x80, 0x80, 0x04, 0]) }] }] }],
  })),
  parquetCase('parquet-footer-over-limit', 'a 65 MiB footer (over the 64 MiB limit)', 'LIMIT_EXCEEDED', () => withFooter(Buffer.alloc(65 * 1024 * 1024))),
  parquetCase('parquet-footer-empty-structs', 'a 40 MB footer of 40M empty structs took 2.8 GB', 'LIMIT_EXCEEDED', () => withFooter(footerList(40_000_000, 0))),
  parquetCase('parquet-thrift-deep-lists', 'lists nested 100,000 deep (only structs were bounded)', 'LIMIT_EXCEEDED', () => {
    // field 2 = a list of lists, each holding one list, 100,000 deep.
    return withFooter(Buffer.concat([Buffer.from([0x29]), Buffer.alloc(100_000, 0x19), Buffer.from([0x09, 0])]))
  }),
  parquetCase('parquet-thrift-deep-maps', 'maps nested 100,000 deep', 'LIMIT_EXCEEDED', () => {
    // field 5 = a map (i32 → map): count 1, key/value types, key 0, then the value map…
    const level = [0x01, 0x5b, 0x00]
    return withFooter(Buffer.concat([Buffer.from([0x5b]), Buffer.from(Array.from({ length: 100_000 }, () => level).flat()), Buffer.from([0x00, 0])]))
  }),
  parquetCase('parquet-delta-length-fewer-lengths', 'DELTA_LENGTH_BYTE_ARRAY with 1 length for 3 values invented empty strings', 'PARQUET_CORRUPT', () => ({
    columns: [key],
    rowGroups: [{ numRows: 3, chunks: [{ pages: [{ numValues: 3, encoding: 6, body: Buffer.concat([deltaHeader(128, 4, 1, 5), Buffer.from('hello')]) }] }] }],
  })),
  parquetCase('parquet-footer-rows-mismatch', 'the footer says 10 rows, its row groups hold 2: read as 2 rows without error', 'PARQUET_CORRUPT', () => ({
    columns: [key],
    numRows: 10,
    rowGroups: [{ numRows: 2, chunks: [{ pages: [{ numValues: 2, body: plainStrings(['a', 'b']) }] }] }],
  })),
  parquetCase('parquet-rowgroup-rows-vs-pages', 'a row group of 2 rows whose page holds 3 values: read as 2 rows without error', 'PARQUET_CORRUPT', () => ({
    columns: [key],
    rowGroups: [{ numRows: 2, chunks: [{ pages: [{ numValues: 3, body: plainStrings(['a', 'b', 'c']) }] }] }],
  })),
  parquetCase('parquet-chunk-values-mismatch', 'a column chunk of 3 values in a row group of 2 rows', 'PARQUET_CORRUPT', () => ({
    columns: [key],
    rowGroups: [{ numRows: 2, chunks: [{ numValues: 3, pages: [{ numValues: 3, body: plainStrings(['a', 'b', 'c']) }] }] }],
  })),
  parquetCase('parquet-v2-null-count', 'a v2 page saying 0 nulls whose definition levels say 2: read as 2 nulls without error', 'PARQUET_CORRUPT', () => ({
    columns: [{ ...key, optional: true }],
    rowGroups: [{ numRows: 2, chunks: [{ pages: [{ type: 3, numValues: 2, numNulls: 0, defLevelsLength: 2, body: Buffer.from([4, 0]) }] }] }],
  })),
  parquetCase('parquet-unknown-codec', 'codec 42', 'UNSUPPORTED_CODEC', () => ({
    columns: [key],
    rowGroups: [{ numRows: 1, chunks: [{ codec: 42, pages: [{ numValues: 1, body: plainStrings(['a']) }] }] }],
  })),
  parquetCase('parquet-lzo', 'LZO (a codec this reader does not decode)', 'UNSUPPORTED_CODEC', () => ({
    columns: [key],
    rowGroups: [{ numRows: 1, chunks: [{ codec: 3, pages: [{ numValues: 1, body: plainStrings(['a']) }] }] }],
  })),
  parquetCase('parquet-unknown-encoding', 'encoding 42 was reported as corrupt', 'UNSUPPORTED_ENCODING', () => ({
    columns: [key],
    rowGroups: [{ numRows: 1, chunks: [{ pages: [{ numValues: 1, encoding: 42, body: plainStrings(['a']) }] }] }],
  })),
  {
    name: 'parquet-general-reader-delta-huge-block',
    what: 'the general reader (readParquet) over the DELTA_BINARY_PACKED spin',
    expected: 'PARQUET_CORRUPT',
    call: { kind: 'parquet', file: 'data.parquet' },
    write: async (dir) =>
      writeFile(path.join(dir, 'data.parquet'), craftParquet({ columns: [size], rowGroups: [{ numRows: 2, chunks: [{ pages: [{ numValues: 2, encoding: 5, body: deltaHeader(2 ** 30, 1, 2, 5, [0, 8, 1, 0, 0, 0]) }] }] }] })),
  },
  {
    name: 'parquet-timestamp-millis-out-of-range',
    what: 'TIMESTAMP_MILLIS 10^17 (beyond a Date): cat and ls printed null, stats threw an untyped RangeError',
    expected: 'PARQUET_CORRUPT',
    call: { kind: 'parquet', file: 'data.parquet' },
    write: async (dir) => writeFile(path.join(dir, 'data.parquet'), craftParquet({ columns: [{ name: 'ts', type: T.INT64, convertedType: 9 }], rowGroups: [{ numRows: 2, chunks: [{ pages: [{ numValues: 2, body: plainInt64([0, 1e17]) }] }] }] })),
  },
  {
    name: 'parquet-rows-claimed-no-columns',
    what: 'readParquet with columns [] of a row group claiming 2^52 rows (2 in its page): 2^52 empty rows',
    expected: 'INVALID_ARGUMENT',
    call: { kind: 'parquet', file: 'data.parquet', columns: [] },
    write: async (dir) => writeFile(path.join(dir, 'data.parquet'), craftParquet({ columns: [key], rowGroups: [{ numRows: 2 ** 52, chunks: [{ pages: [{ numValues: 2, body: plainStrings(['a', 'b']) }] }] }] })),
  },
  {
    name: 'parquet-inventory-rows-claimed-no-columns',
    what: 'a summary that needs no column (no Size, no grouping) over a row group claiming 2^52 rows: the count was trusted',
    expected: 'PARQUET_CORRUPT',
    call: { kind: 'summarize', manifest: 'manifest.json' },
    write: (dir) =>
      inventory(
        dir,
        craftParquet({
          columns: [key, { name: 'bucket', type: T.BYTE_ARRAY }],
          rowGroups: [{ numRows: 2 ** 52, chunks: [{ pages: [{ numValues: 2, body: plainStrings(['a', 'b']) }] }, { pages: [{ numValues: 2, body: plainStrings(['b', 'b']) }] }] }],
        }),
      ),
  },
  {
    name: 'parquet-no-columns-rows-claimed',
    what: 'a file of no column claiming 2^52 rows: nothing can confirm them',
    expected: 'LIMIT_EXCEEDED',
    call: { kind: 'parquet', file: 'data.parquet' },
    write: async (dir) => writeFile(path.join(dir, 'data.parquet'), craftParquet({ columns: [], rowGroups: [{ numRows: 2 ** 52, chunks: [] }] })),
  },
  parquetCase('parquet-null-key', 'a null key printed an empty line then a TypeError (ls --format keys)', 'VALUE_INVALID', () => ({
    columns: [{ ...key, optional: true }],
    rowGroups: [{ numRows: 2, chunks: [{ pages: [{ numValues: 2, body: Buffer.concat([bitPackedLevels([1, 0]), plainStrings(['k1'])]) }] }] }],
  })),
  parquetCase('parquet-empty-key', 'an empty key printed an empty line', 'VALUE_INVALID', () => ({
    columns: [key],
    rowGroups: [{ numRows: 2, chunks: [{ pages: [{ numValues: 2, body: plainStrings(['k1', '']) }] }] }],
  })),
  parquetCase('parquet-null-bucket', 'a null bucket printed s3:///k3, exit 0', 'VALUE_INVALID', () => ({
    columns: [key, { name: 'bucket', type: T.BYTE_ARRAY, optional: true }],
    rowGroups: [{ numRows: 2, chunks: [{ pages: [{ numValues: 2, body: plainStrings(['k1', 'k2']) }] }, { pages: [{ numValues: 2, body: Buffer.concat([bitPackedLevels([1, 0]), plainStrings(['b'])]) }] }] }],
  }), false),
  parquetCase('parquet-key-not-utf8', 'a key that is not UTF-8 became U+FFFD (caf%EF%BF%BD in a re-drive manifest)', 'VALUE_INVALID', () => ({
    columns: [key],
    rowGroups: [{ numRows: 2, chunks: [{ pages: [{ numValues: 2, body: plainBytes([Buffer.from('ok'), Buffer.from([0x63, 0x61, 0x66, 0xe9])]) }] }] }],
  })),
  parquetCase('parquet-key-not-utf8-dictionary', 'a dictionary entry that is not UTF-8 became U+FFFD', 'VALUE_INVALID', () => ({
    columns: [key],
    rowGroups: [{ numRows: 2, chunks: [{ pages: [{ type: 2, numValues: 2, body: plainBytes([Buffer.from('ok'), Buffer.from([0x61, 0xed, 0xa0, 0x80])]) }, { numValues: 2, encoding: 8, body: Buffer.from([1, 0x03, 0b10]) }] }] }],
  })),
  parquetCase('parquet-duplicate-column', 'a file holding key and Key read the first silently', 'PARQUET_CORRUPT', () => ({
    columns: [key, { name: 'Key', type: T.BYTE_ARRAY }],
    rowGroups: [{ numRows: 1, chunks: [{ pages: [{ numValues: 1, body: plainStrings(['k1']) }] }, { pages: [{ numValues: 1, body: plainStrings(['other']) }] }] }],
  })),
  parquetCase('parquet-file-without-bucket', 'a file without a bucket column (its manifest says it has one) gave rows without a bucket', 'PARQUET_CORRUPT', () => ({
    columns: [key],
    rowGroups: [{ numRows: 1, chunks: [{ pages: [{ numValues: 1, body: plainStrings(['k1']) }] }] }],
  }), false),
  parquetCase('parquet-valid-control', 'a valid crafted file (the harness itself must read it)', 'ok', () => ({
    columns: [key, size],
    rowGroups: [{ numRows: 2, chunks: [{ pages: [{ numValues: 2, body: plainStrings(['a', 'b']) }] }, { pages: [{ numValues: 2, body: plainInt64([1, 2]) }] }] }],
  })),
]
