/**
 * Property and fuzz tests: thousands of generated or mutated manifests and CSV texts produce either
 * the right rows or a typed S3InventoryError — never another exception, never a hang.
 */
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { csvFileSchema, csvText, encodeCsvKey, makeRows } from '../fixtures/generate.js'
import { S3InventoryError } from '../src/errors.js'
import { createColumnExtractor } from '../src/formats/csv/columns.js'
import { csvBatches } from '../src/formats/csv/decode.js'
import { csvRowBuilder } from '../src/formats/csv/rows.js'
import { createCsvScanner, type ScanBatch } from '../src/formats/csv/scanner.js'
import { columnKind, parseCsvSchema } from '../src/formats/csv/schema.js'
import type { ColumnSpec } from '../src/formats/csv/columns.js'
import type { CompiledFilter } from '../src/filter.js'
import type { ObjectRef } from '../src/sources/source.js'
import { parseManifest } from '../src/manifest.js'
import { fieldForCsvName } from '../src/schema/fields.js'
import type { DataFileRef, InventoryRow } from '../src/schema/row.js'

/** The CSV decoder over a byte stream, as the format reader runs it. */
function decodeCsvGz(open: (signal: AbortSignal) => AsyncIterable<Uint8Array>, ref: ObjectRef, o: { fieldCount: number; spec: ColumnSpec[]; signal: AbortSignal; expected?: { md5?: string; size?: number }; filter?: CompiledFilter; startRow?: number }) {
  return csvBatches(open(o.signal), ref, { plan: { fieldCount: o.fieldCount, spec: o.spec, outputs: o.spec.length }, expected: o.expected, filter: o.filter, startRow: o.startRow })
}


const loc = { kind: 'local' as const, path: '/fuzz/manifest.json' }
const file: DataFileRef = { key: 'fuzz.csv.gz', fileIndex: 0, manifestMd5: '0'.repeat(32) }
const valid = {
  sourceBucket: 'src',
  destinationBucket: 'arn:aws:s3:::dest',
  version: '2016-11-30',
  creationTimestamp: '1715043600000',
  fileFormat: 'CSV',
  fileSchema: 'Bucket, Key, Size',
  files: [{ key: 'a/b.csv.gz', size: 10, MD5checksum: 'c473bcc2407d0a5cec5229b21d967e59' }],
}

/** Runs `fn`; only S3InventoryError (with one of `codes`) may escape. */
function typedOrOk<T>(fn: () => T, codes: string[]): T | S3InventoryError {
  try {
    return fn()
  } catch (e) {
    if (!(e instanceof S3InventoryError)) throw new Error(`untyped error: ${(e as Error)?.stack ?? e}`)
    if (!codes.includes(e.code)) throw new Error(`unexpected code ${e.code}: ${e.message}`)
    return e
  }
}

describe('manifest fuzzing', () => {
  it('arbitrary bytes are MANIFEST_INVALID', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = typedOrOk(() => parseManifest(bytes, loc), ['MANIFEST_INVALID'])
        expect(r).toBeInstanceOf(S3InventoryError)
      }),
      { numRuns: 2000 },
    )
  })
  it('fields replaced by arbitrary JSON values validate or fail with MANIFEST_INVALID naming the field', () => {
    const fields = Object.keys(valid) as (keyof typeof valid)[]
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.option(fc.jsonValue(), { nil: undefined }), (field, value) => {
        const m: Record<string, unknown> = { ...valid, [field]: value }
        const r = typedOrOk(() => parseManifest(Buffer.from(JSON.stringify(m)), loc), ['MANIFEST_INVALID'])
        if (r instanceof S3InventoryError) expect(r.field ?? '').toMatch(new RegExp(`^${field}`))
        else expect(r.sourceBucket.length).toBeGreaterThan(0)
      }),
      { numRuns: 2000 },
    )
  })
  it('character-level mutations of a valid manifest validate or fail with MANIFEST_INVALID', () => {
    const text = JSON.stringify(valid, null, 1)
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(text.length), fc.constantFrom('"', '{', '}', ',', ':', '1', 'x', ''), fc.boolean()), { maxLength: 4 }), (edits) => {
        let t = text
        for (const [at, ch, insert] of edits) t = insert ? t.slice(0, at) + ch + t.slice(at) : t.slice(0, at) + ch + t.slice(at + 1)
        typedOrOk(() => parseManifest(Buffer.from(t), loc), ['MANIFEST_INVALID'])
      }),
      { numRuns: 2000 },
    )
  })
})

describe('CSV properties', () => {
  const schema = parseCsvSchema('Bucket, Key, ColA, ColB')
  const fields = schema.map(fieldForCsvName)
  const spec = fields.map((f, index) => ({ index, kind: columnKind(f), name: f.name }))

  function decode(chunks: Uint8Array[]): InventoryRow[] {
    const scanner = createCsvScanner(schema.length, 1 << 20)
    const extract = createColumnExtractor(schema.length, spec)
    const build = csvRowBuilder({ spec, outputs: spec.length, file })
    const out: InventoryRow[] = []
    const take = (b: ScanBatch | undefined) => b && out.push(...build(extract(b)))
    try {
      for (const c of chunks) take(scanner.push(c))
      take(scanner.end())
    } catch (e) {
      // The decode path turns these plain failure objects into S3InventoryErrors; do the same here.
      if (e && typeof e === 'object' && ('scanFailure' in e || 'valueFailure' in e)) throw new S3InventoryError("CSV_MALFORMED", String((e as unknown as Error).message))
      throw e
    }
    return out
  }

  const unit = fc.oneof(fc.constantFrom('"', ',', '\n', '\r', '%', '+', ' ', 'é', '😀', '\u0000'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }))
  const text = fc.string({ unit, maxLength: 12 })
  // S3 writes a bucket and a key in every row (an empty one is VALUE_INVALID).
  const nonEmpty = fc.string({ unit, minLength: 1, maxLength: 12 })

  it('any fields, quoted per RFC 4180 and cut into any chunks, come back exactly (keys URL-decoded)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(nonEmpty, nonEmpty, text, text), { minLength: 1, maxLength: 25 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.constantFrom<'+' | '%20'>('+', '%20'),
        (records, cuts, space) => {
          const csv = records
            .map(([b, k, a, c]) => [b, encodeCsvKey(k, space), a, c].map((f) => `"${f.replace(/"/g, '""')}"`).join(',') + '\n')
            .join('')
          const bytes = Buffer.from(csv)
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y)
          const chunks: Uint8Array[] = []
          let at = 0
          for (const p of [...points, bytes.length]) {
            chunks.push(bytes.subarray(at, p))
            at = p
          }
          const got = decode(chunks).map((r) => ({ ...r }))
          const undef = (s: string) => (s === '' ? undefined : s)
          expect(got).toEqual(records.map(([b, k, a, c]) => ({ bucket: b, key: k, colA: undef(a), colB: undef(c) })))
        },
      ),
      { numRuns: 1500 },
    )
  })

  it('dictionary columns compared as bytes give the exact values (shared prefixes, lengths, non-ASCII)', async () => {
    // Few distinct values, mostly ASCII: the dictionary columns (bucket, colA, colB) take the byte
    // comparison, with values that share prefixes, differ only in length, or only outside ASCII.
    const pool = ['STANDARD', 'STANDARD_IA', 'STANDAR', 'STANDARDX', 'STANDARDY', 'ABCD', 'ABCDE', 'ABCDF', 'Ł', 'ŁŁŁŁ', 'AAAA', 'a"b', 'a,b', '']
    const value = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: text })
    const bucket = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...pool.filter(Boolean)) }, { weight: 1, arbitrary: nonEmpty })
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(bucket, nonEmpty, value, value), { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 5000 }), async (records, cut) => {
        const csv = records.map(([b, k, a, c]) => [b, encodeCsvKey(k, '%20'), a, c].map((f) => `"${f.replace(/"/g, '""')}"`).join(',') + '\n').join('')
        const gz = gzipSync(csv)
        const undef = (v: string) => (v === '' ? undefined : v)
        const expected = records.map(([b, k, a, c]) => ({ bucket: b, key: k, colA: undef(a), colB: undef(c) }))
        {
          const build = csvRowBuilder({ spec, outputs: spec.length, file })
          const source = async function* () {
            for (let i = 0; i < gz.length; i += cut) yield gz.subarray(i, i + cut)
          }
          const batches = decodeCsvGz(source, { key: 'fuzz.csv.gz' }, { fieldCount: schema.length, spec, signal: new AbortController().signal })
          const got: Record<string, unknown>[] = []
          for await (const b of batches) got.push(...build(b).map((r) => ({ ...r })))
          expect(got).toEqual(expected)
        }
      }),
      { numRuns: 150 },
    )
  }, 60_000)

  it('random mutations of a real-looking inventory give typed rows or a typed error, quickly', async () => {
    const rows = makeRows({ count: 30, seed: 5 })
    const names = Object.keys(rows[0])
    const base = csvText(rows, names)
    const realSchema = parseCsvSchema(csvFileSchema(names))
    const realFields = realSchema.map(fieldForCsvName)
    const realSpec = realFields.map((f, index) => ({ index, kind: columnKind(f), name: f.name }))
    const started = Date.now()
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(base.length), fc.constantFrom('"', ',', '\n', '\r', '%', '%Z', '+', 'x', '9', '-', 'T', 'é', '\u0000', ''), fc.boolean()), { minLength: 1, maxLength: 5 }),
        async (edits) => {
          let t = base
          for (const [at, ch, insert] of edits) t = insert ? t.slice(0, at) + ch + t.slice(at) : t.slice(0, at) + ch + t.slice(at + 1)
          const gz = gzipSync(t)
          const build = csvRowBuilder({ spec: realSpec, outputs: realSpec.length, file })
          const out: InventoryRow[] = []
          try {
            const batches = decodeCsvGz(async function* () { yield gz }, { key: 'fuzz.csv.gz' }, { fieldCount: realSchema.length, spec: realSpec, signal: new AbortController().signal })
            for await (const b of batches) out.push(...build(b))
          } catch (e) {
            if (!(e instanceof S3InventoryError)) throw new Error(`untyped error: ${(e as Error)?.stack ?? e}`)
            expect(['CSV_MALFORMED', 'VALUE_INVALID', 'KEY_DECODE_FAILED']).toContain(e.code)
            expect(e.key).toBe('fuzz.csv.gz')
            expect(typeof e.row).toBe('number')
            return
          }
          // No error: every row is well typed.
          for (const r of out) {
            expect(typeof r.key).toBe('string')
            expect(r.size === undefined || Number.isSafeInteger(r.size)).toBe(true)
            expect(r.lastModifiedDate === undefined || !Number.isNaN((r.lastModifiedDate as Date).getTime())).toBe(true)
            expect(r.isLatest === undefined || typeof r.isLatest === 'boolean').toBe(true)
          }
        },
      ),
      { numRuns: 1500 },
    )
    expect(Date.now() - started).toBeLessThan(30_000)
  })
})

describe('Parquet fuzzing (a sample; npm run fuzz runs ≥ 10,000 cases)', () => {
  it('mutated real files (byte flips, truncation, cut ranges, footer and page-header numbers set to extremes) give a typed error or the original rows', async () => {
    const { check, loadSeeds, mutations } = await import('./support/parquet-fuzz.js')
    const seeds = await loadSeeds()
    expect(seeds.length).toBeGreaterThanOrEqual(8)
    // The inventory path is fuzzed on the inventory-shaped seeds (hyparquet-writer's, DuckDB's, S3's).
    expect(seeds.filter((s) => s.inventory).length).toBeGreaterThanOrEqual(8)
    const failures: string[] = []
    const outcomes = new Set<string>()
    const mutation = mutations()
    await fc.assert(
      fc.asyncProperty(fc.nat(seeds.length - 1), mutation, fc.constantFrom('general' as const, 'inventory' as const), async (s, m, path) => {
        const failure = await check(seeds[s], m, path, 3000, (o) => outcomes.add(o))
        if (failure) failures.push(failure)
      }),
      { numRuns: 400 },
    )
    expect(failures).toEqual([])
    // The sample reaches both verdicts and the limits.
    expect(outcomes).toContain('ok')
    expect(outcomes).toContain('PARQUET_CORRUPT')
    expect(process.resourceUsage().maxRSS * 1024).toBeLessThan(1024 * 1024 * 1024)
  }, 60_000)
})

describe('CSV.gz fuzzing (a sample; npm run fuzz runs ≥ 10,000 cases)', () => {
  it('mutated real files (compressed-byte flips, truncation, cut ranges, appended bytes, CSV text edits) give a typed error, the original rows, or (text edits) well-typed rows', async () => {
    const { checkCsv, csvMutations, loadCsvSeeds } = await import('./support/csv-fuzz.js')
    const seeds = await loadCsvSeeds()
    expect(seeds.length).toBeGreaterThanOrEqual(4)
    const failures: string[] = []
    const outcomes = new Set<string>()
    await fc.assert(
      fc.asyncProperty(fc.nat(seeds.length - 1), csvMutations(), async (s, m) => {
        const failure = await checkCsv(seeds[s], m, 3000, (o) => outcomes.add(o))
        if (failure) failures.push(failure)
      }),
      { numRuns: 400 },
    )
    expect(failures).toEqual([])
    expect(outcomes).toContain('truncate GZIP_CORRUPT')
    expect(outcomes).toContain('text ok')
  }, 60_000)
})
