/**
 * ORC fuzzing, shared by test/fuzz-orc.test.ts (a sample) and fuzz/orc.ts (≥ 10,000 cases): our
 * fixture inventories (every codec, several stripes, small compression blocks) and Apache's small
 * example files, mutated by byte flips, truncation, cut-out ranges, and protobuf varints of the
 * PostScript, footer and stripe footers set to extremes. Each mutated file is read with
 * verification off (an MD5 would catch every mutation) by the general reader or the inventory
 * path. The verdict: a typed S3InventoryError (never INTERNAL, never another exception), or rows —
 * exactly the original rows when the mutation touched only bytes that must not change them (row
 * indexes, statistics, stripe layout numbers), otherwise as many rows as the (mutated) file declares
 * (a flipped byte in an unchecksummed value, or a footer flipped into another valid footer, is a
 * different valid file).
 */
import { memorySource } from './memory-source.js'
import fc from 'fast-check'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ALL_FIELDS, makeRows, orcBytes } from '../../fixtures/generate.js'
import { S3InventoryError } from '../../src/errors.js'
import { orcFormat, readOrc } from '../../src/formats/orc/index.js'
import { readTail } from '../../src/formats/orc/tail.js'
import { exactJson } from '../../src/schema/exact.js'

const APACHE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/real-samples/apache-orc')
const APACHE_SEEDS = [
  'TestOrcFile.test1.orc',
  'TestOrcFile.testStringAndBinaryStatistics.orc',
  'TestOrcFile.testTimestamp.orc',
  // Timestamps in a writer time zone (America/Los_Angeles): the zone lookup is fuzzed too.
  'TestOrcFile.testDate1900.orc',
  'TestOrcFile.testUnionAndTimestamp.orc',
  'TestOrcFile.testWithoutCompressionBlockSize.orc',
  'TestOrcFile.metaData.orc',
  'decimal.orc',
  'orc_index_int_string.orc',
  'orc_no_format.orc',
  'TestVectorOrcFile.testLz4.orc',
]

export interface Seed {
  name: string
  bytes: Buffer
  /** exactJson of every row by the general reader. */
  rows: string[]
  /** By the inventory path (our inventories only). */
  inventory?: string[]
  /** Varints whose change must give an error or the same rows / at least the same row count. */
  strict: Field[]
  loose: Field[]
  /** Byte ranges no reader decodes (row indexes, and statistics unless a prefix filter asks): a change there must not change a row. */
  inert: [number, number][]
}

export interface Field {
  pos: number
  len: number
}

export type Mutation =
  | { kind: 'flip'; at: number[]; xor: number[] }
  | { kind: 'truncate'; length: number }
  | { kind: 'cut'; at: number; length: number }
  | { kind: 'strict' | 'loose'; index: number; value: bigint }

export const EXTREMES = [0n, 1n, 2n, 127n, 128n, 255n, 65535n, 2n ** 31n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 64n - 1n]


export async function generalRows(bytes: Uint8Array): Promise<string[]> {
  const out: string[] = []
  for await (const r of readOrc(memorySource(bytes, 'fuzz.orc'), { readSize: 64 * 1024 })) out.push(exactJson(r))
  return out
}

export async function inventoryRows(bytes: Uint8Array): Promise<string[]> {
  const out: string[] = []
  const read = { source: memorySource(bytes, 'fuzz.orc'), file: { key: 'fuzz.orc', fileIndex: 0, manifestMd5: '0'.repeat(32) }, fileSchema: '', startRow: 0, signal: new AbortController().signal, readSize: 64 * 1024 }
  for await (const b of orcFormat.rows(read)) for (const r of b) out.push(exactJson({ ...r }))
  return out
}

export async function loadSeeds(): Promise<Seed[]> {
  const seeds: Seed[] = []
  const rows = makeRows({ count: 300, seed: 21, versioned: true })
  for (const compression of ['NONE', 'ZLIB', 'SNAPPY', 'LZ4', 'ZSTD'] as const) {
    const bytes = orcBytes(rows, ALL_FIELDS, { compression, stripeRows: 120, blockSize: 2048 })
    seeds.push(await seed(`inventory-${compression}`, bytes, true))
  }
  if (existsSync(APACHE)) for (const name of APACHE_SEEDS) seeds.push(await seed(name, readFileSync(path.join(APACHE, name)), false))
  return seeds
}

async function seed(name: string, bytes: Buffer, inventory: boolean): Promise<Seed> {
  const { strict, loose, inert } = layout(bytes)
  return { name, bytes, rows: await generalRows(bytes), inventory: inventory ? await inventoryRows(bytes) : undefined, strict, loose, inert }
}

export function mutate(seed: Seed, m: Mutation): Buffer {
  const b = Buffer.from(seed.bytes)
  switch (m.kind) {
    case 'flip':
      m.at.forEach((a, i) => (b[a % b.length] ^= m.xor[i % m.xor.length]))
      return b
    case 'truncate':
      return b.subarray(0, m.length % b.length)
    case 'cut': {
      const at = m.at % b.length
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + (m.length % 64)))])
    }
    default: {
      const fields = m.kind === 'strict' ? seed.strict : seed.loose
      if (fields.length === 0) return b
      const f = fields[m.index % fields.length]
      // The same number of bytes (so nothing else moves): the value's low bits, continuation bits kept.
      let v = m.value
      for (let i = 0; i < f.len; i++) {
        const more = i < f.len - 1 ? 0x80 : 0
        b[f.pos + i] = Number(v & 0x7fn) | more
        v >>= 7n
      }
      return b
    }
  }
}

/**
 * Reads a mutated file; undefined when the outcome is allowed, else what went wrong. `outcome`
 * is told which way it ended (for the run's statistics).
 */
export async function check(seed: Seed, m: Mutation, path: 'general' | 'inventory', timeLimitMs: number, outcome: (o: string) => void): Promise<string | undefined> {
  const bytes = mutate(seed, m)
  const usePath = path === 'inventory' && seed.inventory ? 'inventory' : 'general'
  const original = usePath === 'inventory' ? seed.inventory! : seed.rows
  const what = `${seed.name} ${JSON.stringify(m, (_, v) => (typeof v === 'bigint' ? String(v) : v))} (${usePath})`
  const t0 = performance.now()
  let rows: string[] | undefined
  try {
    rows = usePath === 'inventory' ? await inventoryRows(bytes) : await generalRows(bytes)
  } catch (err) {
    const ms = performance.now() - t0
    if (ms > timeLimitMs) return `${what}: ${Math.round(ms)} ms, over the ${timeLimitMs} ms limit`
    if (!(err instanceof S3InventoryError)) return `${what}: untyped ${(err as Error)?.stack ?? String(err)}`
    if (err.code === 'INTERNAL') return `${what}: INTERNAL ${err.message}`
    if (/[A-Z_]{6,}:/.test(err.message) || err.message.includes('fuzz.orc')) return `${what}: the message is not a sentence: ${err.message}`
    outcome(err.code)
    return undefined
  }
  const ms = performance.now() - t0
  if (ms > timeLimitMs) return `${what}: ${Math.round(ms)} ms, over the ${timeLimitMs} ms limit`
  const same = rows.length === original.length && rows.every((r, i) => r === original[i])
  outcome(same ? 'same rows' : 'other rows')
  const mustBeSame = m.kind === 'strict' || (m.kind === 'flip' && m.at.every((a) => inside(seed.inert, a % seed.bytes.length)))
  if (mustBeSame && !same) return `${what}: different rows, no error`
  // A damaged footer can still be a valid one (of fewer stripes, say): never more or fewer rows than it declares.
  const declared = (await readTail(memorySource(bytes, 'fuzz.orc'))).rows
  if (rows.length !== declared) return `${what}: ${rows.length} rows, but the file declares ${declared}`
  if (!same && m.kind === 'flip' && rows.length !== original.length && declared === original.length) return `${what}: ${rows.length} rows instead of ${original.length}, no error`
  return undefined
}

function inside(ranges: [number, number][], p: number): boolean {
  return ranges.some(([a, b]) => p >= a && p < b)
}

// ---- where the varints and the inert bytes are (uncompressed metadata only) ----

/** Sub-messages to walk into, by field path; the leaves are varints. */
const POSTSCRIPT = {}
const FOOTER = { 3: {}, 4: {}, 7: { 2: {}, 4: {}, 5: {}, 9: {} } }
const STRIPE_FOOTER = { 1: {}, 2: {} }

/**
 * Varint fields of the PostScript (all strict), and when the file is uncompressed of the footer
 * (stripe information and statistics strict, types loose) and stripe footers (loose); the row
 * index streams as inert ranges.
 */
function layout(b: Buffer): { strict: Field[]; loose: Field[]; inert: [number, number][] } {
  const strict: Field[] = []
  const loose: Field[] = []
  const inert: [number, number][] = []
  if (b.length < 4) return { strict, loose, inert }
  const psLen = b[b.length - 1]
  const psStart = b.length - 1 - psLen
  const ps: Map<number, Field[]> = new Map()
  walk(b, psStart, b.length - 1, POSTSCRIPT, '', (p, f) => {
    strict.push(f)
    ps.set(Number(p), [...(ps.get(Number(p)) ?? []), f])
  })
  const num = (n: number) => {
    const f = ps.get(n)?.[0]
    return f ? readVarint(b, f.pos) : 0
  }
  const compressed = num(2) !== 0
  const footerStart = psStart - num(1)
  if (compressed || footerStart < 3) return { strict, loose, inert }
  const stripes: number[][] = []
  walk(b, footerStart, psStart, FOOTER, '', (p, f) => {
    // stripes (3.x) and statistics (7.x) must not change rows; types (4.x) may.
    if (p.startsWith('3.') || p.startsWith('7.') || p === '6' || p === '1' || p === '2' || p === '8') strict.push(f)
    else loose.push(f)
    if (p.startsWith('3.')) {
      if (p === '3.1') stripes.push([])
      stripes[stripes.length - 1]?.push(readVarint(b, f.pos))
    }
  })
  // The metadata section (stripe statistics) is read only for a prefix filter.
  inert.push([footerStart - num(5), footerStart])
  for (const s of stripes) {
    const [offset, indexLength, dataLength, footerLength] = s
    if (offset === undefined || footerLength === undefined) continue
    const fStart = offset + (indexLength ?? 0) + (dataLength ?? 0)
    if (fStart + footerLength > b.length) continue
    inert.push([offset, offset + (indexLength ?? 0)])
    walk(b, fStart, fStart + footerLength, STRIPE_FOOTER, '', (_p, f) => loose.push(f))
  }
  return { strict, loose, inert }
}

type Table = { [n: number]: Table }

function walk(b: Buffer, start: number, end: number, table: Table, prefix: string, leaf: (path: string, f: Field) => void, depth = 0): void {
  let p = start
  const vi = () => {
    const s = p
    let v = 0
    let scale = 1
    for (let i = 0; i < 10 && p < end; i++) {
      const x = b[p++]
      v += (x & 0x7f) * scale
      scale *= 128
      if (x < 0x80) return { v, s, len: p - s }
    }
    throw new Error('bad varint')
  }
  try {
    while (p < end) {
      const key = vi().v
      const field = Math.floor(key / 8)
      const wire = key % 8
      const path = prefix ? `${prefix}.${field}` : String(field)
      if (wire === 0) {
        const { s, len } = vi()
        leaf(path, { pos: s, len })
      } else if (wire === 2) {
        const n = vi().v
        if (table[field] && depth < 4) walk(b, p, p + n, table[field], path, leaf, depth + 1)
        p += n
      } else if (wire === 1) p += 8
      else if (wire === 5) p += 4
      else return
    }
  } catch {
    // A message that is not what the table says (a string field): stop here.
  }
}

function readVarint(b: Buffer, pos: number): number {
  let v = 0
  let scale = 1
  for (let i = 0; i < 10; i++) {
    const x = b[pos + i]
    v += (x & 0x7f) * scale
    scale *= 128
    if (x < 0x80) break
  }
  return v
}

/** The mutations the fuzzers draw (flips, flips near the end where the PostScript and footer are, truncation, cut ranges, varint fields set to extremes). */
export function mutations() {
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), xor: fc.array(fc.integer({ min: 1, max: 255 }), { minLength: 4, maxLength: 4 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.array(fc.integer({ min: -400, max: -1 }), { minLength: 1, maxLength: 2 }), xor: fc.array(fc.integer({ min: 1, max: 255 }), { minLength: 4, maxLength: 4 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), length: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.nat() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('strict' as const, 'loose' as const), index: fc.nat(), value: fc.constantFrom(...EXTREMES) }) },
  )
}

/** Negative flip positions count from the end of the file. */
export function normalize<M extends { kind: string }>(m: M, size: number): M {
  if (m.kind !== 'flip') return m
  const f = m as unknown as { at: number[] }
  return { ...m, at: f.at.map((a) => (a < 0 ? Math.max(0, size + a) : a)) }
}

/** For fuzz/run.ts: every seed, every mutation, through the general reader and the inventory path. */
export const fuzzTarget = {
  name: 'orc',
  async prepare() {
    const seeds = await loadSeeds()
    return {
      seeds: seeds.map((s) => `${s.name} (${s.rows.length} rows)`),
      rssLimit: 512 * 1024 * 1024,
      cases: fc.tuple(fc.nat(seeds.length - 1), mutations(), fc.constantFrom('general' as const, 'inventory' as const)),
      check: ([s, m, path]: [number, Parameters<typeof normalize>[0], 'general' | 'inventory'], timeLimitMs: number, outcome: (o: string) => void) =>
        check(seeds[s], normalize(m, seeds[s].bytes.length) as never, path, timeLimitMs, (o) => outcome(`${m.kind} ${o}`)),
    }
  },
}
