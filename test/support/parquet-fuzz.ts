/**
 * Parquet fuzzing, shared by test/fuzz.test.ts (a sample) and fuzz/parquet.ts (≥ 10,000 cases):
 * real files (Apache's parquet-testing samples, S3's own, DuckDB's v1 and v2 pages in every codec,
 * hyparquet-writer's) mutated by byte flips, truncation, cut-out ranges, and thrift fields of the
 * footer and of page headers (sizes, counts, lengths) set to extremes. Each mutated file is read
 * with verification off (an MD5 would catch every mutation) by the general reader or the inventory
 * path, alternately. The verdict: a typed S3InventoryError (never INTERNAL, never another exception),
 * or rows — exactly the original rows when the mutation touched only numbers that must not change
 * them (page header fields, row group and chunk metadata), the original row count otherwise (a
 * flipped value byte in an unchecksummed page is a different valid file).
 */
import { memorySource } from './memory-source.js'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import fc from 'fast-check'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { makeRows, parquetBytes } from '../../fixtures/generate.js'
import { S3InventoryError } from '../../src/errors.js'
import { parquetFormat, readParquet } from '../../src/formats/parquet/index.js'
import { exactJson } from '../../src/schema/exact.js'

export { memorySource }

export interface Seed {
  name: string
  bytes: Buffer
  /** exactJson of every row, general reader. */
  rows: string[]
  /** The same by the inventory path; undefined for files that are not inventory files (no bucket or key column). */
  inventory?: string[]
  /** Varint fields that, set to another number, must give an error or the same rows. */
  strictFields: Field[]
  /** Other varint fields (schema, key/value metadata): the same row count at least. */
  looseFields: Field[]
}

/** A varint in the file: where, and whether it is in the footer (whose length then changes). */
export interface Field {
  pos: number
  len: number
  footer: boolean
}


/** Every row of a file by the general reader, as exact JSON (throws what the reader throws). */
export async function generalRows(bytes: Uint8Array, key = 'fuzz.parquet'): Promise<string[]> {
  const out: string[] = []
  for await (const r of readParquet(memorySource(bytes, key), { readSize: 64 * 1024 })) out.push(exactJson(r))
  return out
}

/** Every row by the inventory path (all columns, unknown ones as extraColumns), as exact JSON. */
export async function inventoryRows(bytes: Uint8Array, columns: string[], key = 'fuzz.parquet'): Promise<string[]> {
  const out: string[] = []
  const read = {
    source: memorySource(bytes, key),
    file: { key, fileIndex: 0, manifestMd5: '0'.repeat(32) },
    fileSchema: '',
    extraColumns: columns,
    startRow: 0,
    signal: new AbortController().signal,
    readSize: 64 * 1024,
  }
  for await (const batch of parquetFormat.rows(read)) for (const r of batch) out.push(exactJson({ ...r }))
  return out
}

// ---- thrift field positions (compact protocol), for the extreme-value mutations ----

interface Walk {
  buf: Uint8Array
  pos: number
  fields: { pos: number; len: number; loose: boolean }[]
  /** Field paths of enums (encodings, codecs, types): another valid value can be another valid file, so only loosely checked. */
  enums: readonly string[]
}

/** Enum fields: page headers' encodings; column chunks' type, encodings and codec. */
const PAGE_ENUMS = ['5.2', '5.3', '5.4', '8.4', '7.2']
const FOOTER_ENUMS = ['4.1.3.1', '4.1.3.2', '4.1.3.4']

function varintAt(w: Walk, loose: boolean): number {
  const start = w.pos
  let v = 0
  let shift = 0
  for (;;) {
    if (w.pos >= w.buf.length) throw new Error('end')
    const b = w.buf[w.pos++]
    v += (b & 0x7f) * 2 ** shift
    if (!(b & 0x80)) break
    shift += 7
  }
  w.fields.push({ pos: start, len: w.pos - start, loose })
  return v
}

function walkStruct(w: Walk, loose: boolean, depth = 0, top = false, path = ''): void {
  let last = 0
  for (;;) {
    const h = w.buf[w.pos++]
    if (h === undefined) throw new Error('end')
    if (h === 0) return
    const type = h & 15
    const id = h >> 4 ? last + (h >> 4) : (() => {
      let v = 0
      let s = 0
      for (;;) {
        const b = w.buf[w.pos++]
        v |= (b & 0x7f) << s
        if (!(b & 0x80)) return v % 2 ? -(v + 1) / 2 : v / 2
        s += 7
      }
    })()
    last = id
    // FileMetaData's schema (2), key/value metadata (5) and created_by (6) change what rows are, not whether they are right.
    const at = path ? `${path}.${id}` : String(id)
    walkValue(w, type, loose || (top && (id === 2 || id === 5 || id === 6)) || w.enums.includes(at), depth + 1, at)
  }
}

function walkValue(w: Walk, type: number, loose: boolean, depth: number, path: string): void {
  if (depth > 40) throw new Error('deep')
  switch (type) {
    case 1:
    case 2:
      return
    case 3:
      w.pos++
      return
    case 4:
    case 5:
    case 6:
      varintAt(w, loose)
      return
    case 7:
      w.pos += 8
      return
    case 8: {
      const n = varintAt(w, loose)
      w.pos += n
      return
    }
    case 9:
    case 10: {
      const h = w.buf[w.pos++]
      let n = h >> 4
      if (n === 15) n = varintAt(w, loose)
      for (let i = 0; i < n; i++) {
        if ((h & 15) === 1 || (h & 15) === 2) w.pos++
        else walkValue(w, h & 15, loose, depth + 1, path)
      }
      return
    }
    case 11: {
      const n = varintAt(w, loose)
      if (n === 0) return
      const kv = w.buf[w.pos++]
      for (let i = 0; i < n; i++) {
        walkValue(w, kv >> 4, loose, depth + 1, path)
        walkValue(w, kv & 15, loose, depth + 1, path)
      }
      return
    }
    case 12:
      return walkStruct(w, loose, depth, false, path)
    default:
      throw new Error(`type ${type}`)
  }
}

async function fieldsOf(bytes: Buffer): Promise<{ strict: Field[]; loose: Field[] }> {
  const strict: Field[] = []
  const loose: Field[] = []
  const footerLen = bytes.readUInt32LE(bytes.length - 8)
  const footerStart = bytes.length - 8 - footerLen
  const fw: Walk = { buf: bytes.subarray(footerStart, bytes.length - 8), pos: 0, fields: [], enums: FOOTER_ENUMS }
  walkStruct(fw, false, 0, true)
  for (const f of fw.fields) (f.loose ? loose : strict).push({ pos: footerStart + f.pos, len: f.len, footer: true })
  // Page headers: walk each chunk's pages by their compressed sizes.
  const { parquetMetadata } = await import('hyparquet')
  const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer)
  for (const rg of meta.row_groups) {
    for (const c of rg.columns) {
      const md = c.meta_data!
      const d = md.dictionary_page_offset !== undefined ? Number(md.dictionary_page_offset) : undefined
      let pos = d !== undefined && d > 0 && d < Number(md.data_page_offset) ? d : Number(md.data_page_offset)
      const end = pos + Number(md.total_compressed_size)
      for (let k = 0; k < 64 && pos < end; k++) {
        const w: Walk = { buf: bytes.subarray(pos, end), pos: 0, fields: [], enums: PAGE_ENUMS }
        try {
          walkStruct(w, false)
        } catch {
          break
        }
        for (const f of w.fields) (f.loose ? loose : strict).push({ pos: pos + f.pos, len: f.len, footer: false })
        // compressed_page_size is the struct's field 3: re-read it from the header.
        const header = bytes.subarray(pos, pos + w.pos)
        pos += w.pos + compressedSize(header)
      }
    }
  }
  return { strict, loose }
}

function compressedSize(header: Uint8Array): number {
  // Field 1 (type), 2 (uncompressed), 3 (compressed): short-form headers 0x15, 0x15, 0x15.
  let p = 0
  const vals: number[] = []
  while (vals.length < 3 && p < header.length) {
    p++ // field header
    let v = 0
    let s = 0
    for (;;) {
      const b = header[p++]
      v += (b & 0x7f) * 2 ** s
      if (!(b & 0x80)) break
      s += 7
    }
    vals.push(v % 2 ? -(v + 1) / 2 : v / 2)
  }
  return vals[2] ?? 0
}

// ---- seeds ----

/** hyparquet-writer with every encoding it writes: DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT. */
export function encodingsFile(n: number): Buffer {
  const keys = Array.from({ length: n }, (_, i) => `logs/2026/${String(i % 37).padStart(3, '0')}/part-${i}.gz`)
  return Buffer.from(
    parquetWriteBuffer({
      columnData: [
        { name: 'big', data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * 7_000_000_001n - 3n ** 30n), type: 'INT64', encoding: 'DELTA_BINARY_PACKED' },
        { name: 'small', data: Int32Array.from({ length: n }, (_, i) => ((i * 7919) % 4001) - 2000), type: 'INT32', encoding: 'DELTA_BINARY_PACKED' },
        { name: 'key', data: keys, type: 'STRING', encoding: 'DELTA_BYTE_ARRAY' },
        { name: 'bucket', data: keys.map((_, i) => `bucket-${i % 3}`), type: 'STRING', encoding: 'DELTA_BYTE_ARRAY' },
        { name: 'etag', data: keys.map((k, i) => (i % 9 === 0 ? null : `${k.length}-${i}`)), type: 'STRING', encoding: 'DELTA_LENGTH_BYTE_ARRAY' },
        { name: 'x', data: Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 1e6), type: 'DOUBLE', encoding: 'BYTE_STREAM_SPLIT' },
        { name: 'y', data: Float32Array.from({ length: n }, (_, i) => i / 3), type: 'FLOAT', encoding: 'BYTE_STREAM_SPLIT' },
      ],
      rowGroupSize: 128,
    } as never),
  )
}

async function duckdbFile(sql: string, dir: string, name: string): Promise<Buffer> {
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const db = await DuckDBInstance.create(':memory:')
  const con = await db.connect()
  const file = path.join(dir, name)
  await con.run(sql.replace('$FILE', file))
  con.closeSync()
  return readFile(file)
}

export async function loadSeeds(): Promise<Seed[]> {
  const raw: { name: string; bytes: Buffer }[] = []
  for (const dir of ['../shared/real-samples/parquet-testing', '../shared/real-samples/umccr-orcabus']) {
    const abs = path.resolve(dir)
    if (!existsSync(abs)) continue
    for (const f of readdirSync(abs).filter((x) => x.endsWith('.parquet'))) raw.push({ name: f, bytes: readFileSync(path.join(abs, f)) })
  }
  const fields = ['bucket', 'key', 'versionId', 'isLatest', 'size', 'lastModifiedDate', 'storageClass']
  raw.push({ name: 'hyparquet-writer.parquet', bytes: parquetBytes(makeRows({ count: 300, seed: 5, fields }), fields, { rowGroupSize: 120, pageSize: 2048 }) })
  raw.push({ name: 'hyparquet-writer-encodings.parquet', bytes: encodingsFile(300) })
  const tmp = await mkdtemp(path.join(tmpdir(), 'pq-fuzz-'))
  try {
    const select = `SELECT 'bucket-' || (i % 3)::VARCHAR AS bucket, i::BIGINT AS size, 'k/' || (i * 7919 % 1000)::VARCHAR || '.txt' AS key, CASE WHEN i % 4 = 0 THEN NULL ELSE 'STANDARD' END AS storage_class,
      (i / 3.0)::DOUBLE AS d, (i * 1.5)::FLOAT AS f, (i * 123.45)::DECIMAL(12,2) AS dec, make_timestamp(1700000000000000 + i * 999) AS ts, i % 2 = 0 AS b
      FROM range(0, 200) t(i)`
    for (const [codec, version] of [['zstd', 'V2'], ['lz4_raw', 'V2'], ['snappy', 'V2'], ['gzip', 'V1'], ['brotli', 'V1'], ['uncompressed', 'V2']]) {
      raw.push({ name: `duckdb-${codec}-${version}.parquet`, bytes: await duckdbFile(`COPY (${select}) TO '$FILE' (FORMAT parquet, COMPRESSION ${codec}, PARQUET_VERSION ${version}, ROW_GROUP_SIZE 2048)`, tmp, `${codec}.parquet`) })
    }
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
  const seeds: Seed[] = []
  for (const r of raw) {
    const { strict, loose } = await fieldsOf(r.bytes)
    const rows = await generalRows(r.bytes)
    // Files that are not inventories (no bucket or key column: most of parquet-testing) are refused by the inventory path before their pages.
    const inventory = await inventoryRows(r.bytes, rows.length ? Object.keys(JSON.parse(rows[0])) : []).catch((err) => {
      if (err instanceof S3InventoryError && err.code === 'PARQUET_CORRUPT' && /schema has no/.test(err.message)) return undefined
      throw err
    })
    seeds.push({ name: r.name, bytes: r.bytes, rows, inventory, strictFields: strict, looseFields: loose })
  }
  return seeds
}

// ---- mutations and the verdict ----

export type Mutation =
  | { kind: 'flip'; at: number[]; xor: number[] }
  | { kind: 'truncate'; length: number }
  | { kind: 'cut'; at: number; length: number }
  | { kind: 'strictField' | 'looseField'; index: number; value: number | bigint }

/** Values a count or size is set to. */
export const EXTREMES: readonly (number | bigint)[] = [0, 1, 2, 7, 255, 65535, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 53, 2n ** 63n - 1n, 2n ** 64n - 1n]

function encodeVarint(v: bigint): number[] {
  const out: number[] = []
  do {
    let b = Number(v & 0x7fn)
    v >>= 7n
    if (v > 0n) b |= 0x80
    out.push(b)
  } while (v > 0n)
  return out
}

export function mutate(seed: Seed, m: Mutation): { bytes: Buffer; strict: boolean } {
  const b = seed.bytes
  switch (m.kind) {
    case 'flip': {
      const out = Buffer.from(b)
      m.at.forEach((a, i) => (out[a % out.length] ^= m.xor[i] || 1))
      return { bytes: out, strict: false }
    }
    case 'truncate':
      return { bytes: b.subarray(0, m.length % b.length), strict: false }
    case 'cut': {
      const at = m.at % b.length
      return { bytes: Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + (m.length % 4096)))]), strict: false }
    }
    default: {
      const list = m.kind === 'strictField' ? seed.strictFields : seed.looseFields
      if (list.length === 0) return { bytes: b, strict: true }
      const f = list[m.index % list.length]
      // The value as a zigzag varint would be read back as itself (i32/i64), or raw (lengths, sizes).
      const v = BigInt(m.value)
      const enc = encodeVarint(v * 2n)
      const out = Buffer.concat([b.subarray(0, f.pos), Buffer.from(enc), b.subarray(f.pos + f.len)])
      if (f.footer) {
        const footerLen = b.readUInt32LE(b.length - 8) + enc.length - f.len
        out.writeUInt32LE(footerLen, out.length - 8)
      }
      return { bytes: out, strict: m.kind === 'strictField' }
    }
  }
}

/** Runs one mutated file; returns a failure description, or undefined when the verdict holds. `outcome` hears the error code or "ok". */
export async function check(seed: Seed, m: Mutation, path: 'general' | 'inventory', timeLimitMs: number, outcome?: (o: string) => void): Promise<string | undefined> {
  const { bytes, strict } = mutate(seed, m)
  // Files that are not inventories are fuzzed through the general reader only.
  if (!seed.inventory) path = 'general'
  const started = performance.now()
  let rows: string[] | undefined
  let error: unknown
  try {
    if (path === 'general') rows = await generalRows(bytes)
    else {
      const names = seed.rows.length ? Object.keys(JSON.parse(seed.rows[0])) : []
      rows = await inventoryRows(bytes, names)
    }
  } catch (err) {
    error = err
  }
  const ms = performance.now() - started
  outcome?.(error === undefined ? 'ok' : error instanceof S3InventoryError ? error.code : 'untyped')
  const what = `${seed.name} ${JSON.stringify(m, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))} (${path})`
  if (ms > timeLimitMs) return `${what}: took ${Math.round(ms)} ms`
  if (error !== undefined) {
    if (!(error instanceof S3InventoryError)) return `${what}: untyped ${(error as Error)?.stack ?? error}`
    if (error.code === 'INTERNAL') return `${what}: INTERNAL ${error.message} ${(error.cause as Error)?.stack ?? ''}`
    return undefined
  }
  if (rows!.length !== seed.rows.length) return `${what}: ${rows!.length} rows instead of ${seed.rows.length}, no error`
  const original = path === 'general' ? seed.rows : seed.inventory!
  if (strict && rows!.some((r, i) => r !== original[i])) return `${what}: different rows, no error`
  return undefined
}

/** The mutations the fuzzers draw: byte flips, truncation, cut-out ranges, varint fields set to extremes. */
export function mutations(): fc.Arbitrary<Mutation> {
  return fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), xor: fc.array(fc.integer({ min: 1, max: 255 }), { minLength: 4, maxLength: 4 }) }),
    fc.record({ kind: fc.constant('truncate' as const), length: fc.nat() }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.nat() }),
    fc.record({ kind: fc.constantFrom('strictField' as const, 'looseField' as const), index: fc.nat(), value: fc.constantFrom(...EXTREMES) }),
  ) as fc.Arbitrary<Mutation>
}

/** For fuzz/run.ts: every seed, every mutation, through the general reader and the inventory path. */
export const fuzzTarget = {
  name: 'parquet',
  async prepare() {
    const seeds = await loadSeeds()
    return {
      seeds: seeds.map((s) => `${s.name} (${s.rows.length} rows)`),
      cases: fc.tuple(fc.nat(seeds.length - 1), mutations(), fc.constantFrom('general' as const, 'inventory' as const)),
      check: ([s, m, path]: [number, Mutation, 'general' | 'inventory'], timeLimitMs: number, outcome: (o: string) => void) =>
        check(seeds[s], m, path, timeLimitMs, (o) => outcome(`${m.kind} ${o}`)),
    }
  },
}
