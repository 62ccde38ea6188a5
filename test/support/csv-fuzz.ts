/**
 * CSV.gz fuzzing, shared by test/fuzz.test.ts (a sample) and fuzz/run.ts (≥ 10,000 cases): real
 * inventory files (S3's own sample when ../shared is present, and generated ones with the keys that
 * break naive readers, `+` and `%20` spaces, multi-member gzip, realistic keys over several chunks)
 * mutated as compressed bytes (flips, truncation, cut-out ranges, appended bytes) or as text (CSV
 * characters inserted or replaced, then compressed again). Read with verification off (an MD5
 * would catch every byte mutation). The verdict: a typed S3InventoryError (never INTERNAL, never
 * another exception) or rows — exactly the original rows after a byte mutation (gzip's CRC covers
 * the content: anything else read without an error is a wrong answer), well-typed rows after a text
 * mutation (it makes another valid file).
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync, gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { ALL_FIELDS, csvFileSchema, CURRENT_ONLY_FIELDS, csvGz, csvText, makeRows } from '../../fixtures/generate.js'
import { S3InventoryError } from '../../src/errors.js'
import { csvFormat } from '../../src/formats/csv/index.js'
import { exactJson } from '../../src/schema/exact.js'
import type { InventoryRow } from '../../src/schema/row.js'
import { memorySource } from './memory-source.js'

export interface CsvSeed {
  name: string
  fileSchema: string
  bytes: Buffer
  /** exactJson of every row. */
  rows: string[]
}

export type CsvMutation =
  | { kind: 'flip'; at: number[]; xor: number[] }
  | { kind: 'truncate'; length: number }
  | { kind: 'cut'; at: number; length: number }
  | { kind: 'append'; bytes: number[] }
  | { kind: 'text'; edits: [number, string, boolean][] }

const SHARED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'real-samples', 'umccr-orcabus')
const file = { key: 'fuzz.csv.gz', fileIndex: 0, manifestMd5: '0'.repeat(32) }

/** Every row of a CSV.gz file through the inventory reader (unverified), as exact JSON. */
export async function csvRows(bytes: Uint8Array, fileSchema: string): Promise<string[]> {
  const out: string[] = []
  const read = { source: memorySource(bytes, file.key), file, fileSchema, startRow: 0, signal: new AbortController().signal, readSize: 1 << 20 }
  for await (const batch of csvFormat.rows(read)) for (const r of batch) out.push(exactJson({ ...r }))
  return out
}

export async function loadCsvSeeds(): Promise<CsvSeed[]> {
  const seeds: Omit<CsvSeed, 'rows'>[] = []
  const add = (name: string, fields: readonly string[], bytes: Buffer) => seeds.push({ name, fileSchema: csvFileSchema(fields), bytes })
  add('hard keys, + spaces', ALL_FIELDS, csvGz(makeRows({ count: 60, seed: 11 }), ALL_FIELDS, '+'))
  add('current versions, %20 spaces', CURRENT_ONLY_FIELDS, csvGz(makeRows({ count: 40, seed: 12, versioned: false }), CURRENT_ONLY_FIELDS, '%20'))
  const a = makeRows({ count: 30, seed: 13 })
  add('two gzip members', ALL_FIELDS, Buffer.concat([csvGz(a.slice(0, 15), ALL_FIELDS), csvGz(a.slice(15), ALL_FIELDS)]))
  add('realistic keys over several chunks', ALL_FIELDS, gzipSync(csvText(makeRows({ count: 1500, seed: 14, keys: 'realistic', hardKeys: false }), ALL_FIELDS, '%20'), { level: 1 }))
  if (existsSync(SHARED)) {
    for (const name of ['csv_inventory', 'csv_inventory_no_version']) {
      const m = JSON.parse(readFileSync(path.join(SHARED, `${name}_manifest.json`), 'utf8'))
      seeds.push({ name: `S3 sample ${name}`, fileSchema: m.fileSchema, bytes: readFileSync(path.join(SHARED, `${name}.csv.gz`)) })
    }
  }
  return Promise.all(seeds.map(async (s) => ({ ...s, rows: await csvRows(s.bytes, s.fileSchema) })))
}

export function csvMutations(): fc.Arbitrary<CsvMutation> {
  const char = fc.constantFrom('"', ',', '\n', '\r', '%', '%Z', '%C3', '+', 'x', '9', '-', 'T', 'é', '\u0000', '""', '')
  return fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), xor: fc.array(fc.integer({ min: 1, max: 255 }), { minLength: 4, maxLength: 4 }) }),
    fc.record({ kind: fc.constant('truncate' as const), length: fc.nat() }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.nat({ max: 4096 }) }),
    fc.record({ kind: fc.constant('append' as const), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 32 }) }),
    fc.record({ kind: fc.constant('text' as const), edits: fc.array(fc.tuple(fc.nat(), char, fc.boolean()), { minLength: 1, maxLength: 5 }) }),
  ) as fc.Arbitrary<CsvMutation>
}

function mutate(seed: CsvSeed, m: CsvMutation): { bytes: Buffer; exact: boolean } {
  const b = Buffer.from(seed.bytes)
  switch (m.kind) {
    case 'flip':
      m.at.forEach((at, i) => (b[at % b.length] ^= m.xor[i % m.xor.length]))
      return { bytes: b, exact: true }
    case 'truncate':
      return { bytes: b.subarray(0, m.length % b.length), exact: true }
    case 'cut': {
      const at = m.at % b.length
      return { bytes: Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + m.length))]), exact: true }
    }
    case 'append':
      return { bytes: Buffer.concat([b, Buffer.from(m.bytes)]), exact: true }
    case 'text': {
      let t = gunzipSync(b).toString('latin1')
      for (const [at, ch, insert] of m.edits) {
        const p = at % (t.length + 1)
        t = insert ? t.slice(0, p) + ch + t.slice(p) : t.slice(0, p) + ch + t.slice(p + 1)
      }
      return { bytes: gzipSync(Buffer.from(t, 'latin1')), exact: false }
    }
  }
}

const TYPES: Record<string, (v: unknown) => boolean> = {
  key: (v) => typeof v === 'string',
  bucket: (v) => v === undefined || typeof v === 'string',
  size: (v) => v === undefined || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0),
  isLatest: (v) => v === undefined || typeof v === 'boolean',
  isDeleteMarker: (v) => v === undefined || typeof v === 'boolean',
  isMultipartUploaded: (v) => v === undefined || typeof v === 'boolean',
}

/** Rows that are well typed: strings, safe sizes, booleans, valid dates. */
function wellTyped(rows: InventoryRow[]): boolean {
  return rows.every((r) =>
    Object.entries(r).every(([k, v]) => (TYPES[k] ? TYPES[k](v) : v === undefined || typeof v === 'string' || (v instanceof Date && !Number.isNaN(v.getTime())))),
  )
}

export async function checkCsv(seed: CsvSeed, m: CsvMutation, timeLimitMs: number, outcome?: (o: string) => void): Promise<string | undefined> {
  const { bytes, exact } = mutate(seed, m)
  const started = performance.now()
  const rows: InventoryRow[] = []
  let error: unknown
  try {
    const read = { source: memorySource(bytes, file.key), file, fileSchema: seed.fileSchema, startRow: 0, signal: new AbortController().signal, readSize: 1 << 20 }
    for await (const batch of csvFormat.rows(read)) rows.push(...batch)
  } catch (err) {
    error = err
  }
  const ms = performance.now() - started
  outcome?.(`${m.kind} ${error === undefined ? 'ok' : error instanceof S3InventoryError ? error.code : 'untyped'}`)
  const what = `${seed.name} ${JSON.stringify(m)} (md5 ${createHash('md5').update(bytes).digest('hex').slice(0, 8)})`
  if (ms > timeLimitMs) return `${what}: took ${Math.round(ms)} ms`
  if (error !== undefined) {
    if (!(error instanceof S3InventoryError)) return `${what}: untyped ${(error as Error)?.stack ?? error}`
    if (error.code === 'INTERNAL') return `${what}: INTERNAL ${error.message}`
    if (error.key !== file.key) return `${what}: ${error.code} does not name the file`
    return undefined
  }
  if (exact) {
    const got = rows.map((r) => exactJson({ ...r }))
    if (got.length !== seed.rows.length || got.some((r, i) => r !== seed.rows[i])) return `${what}: ${got.length} different rows (of ${seed.rows.length}) without an error`
    return undefined
  }
  return wellTyped(rows) ? undefined : `${what}: rows of the wrong type without an error`
}

/** For fuzz/run.ts. */
export const fuzzTarget = {
  name: 'csv',
  async prepare() {
    const seeds = await loadCsvSeeds()
    return {
      seeds: seeds.map((s) => `${s.name} (${s.rows.length} rows)`),
      cases: fc.tuple(fc.nat(seeds.length - 1), csvMutations()),
      check: ([s, m]: [number, CsvMutation], timeLimitMs: number, outcome: (o: string) => void) => checkCsv(seeds[s], m, timeLimitMs, outcome),
    }
  },
}
