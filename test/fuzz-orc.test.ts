/**
 * A sample of the ORC fuzz run (fuzz/orc.ts runs ≥ 10,000 cases): mutated ORC files — our
 * inventories in every codec and Apache's examples — give a typed S3InventoryError or the right
 * rows (exactly the original ones when only inert bytes or layout numbers changed), each case in
 * bounded time.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CASE_TIME_LIMIT_MS } from '../fuzz/run.js'
import { check, loadSeeds, mutate, mutations, normalize, type Seed } from './support/orc-fuzz.js'

describe('ORC fuzz sample', async () => {
  const seeds: Seed[] = await loadSeeds()

  it('the seeds read, and cover every codec and both paths', () => {
    expect(seeds.length).toBeGreaterThanOrEqual(5)
    for (const s of seeds) expect(s.rows.length).toBeGreaterThan(0)
    expect(seeds.filter((s) => s.inventory).map((s) => s.name)).toEqual(['inventory-NONE', 'inventory-ZLIB', 'inventory-SNAPPY', 'inventory-LZ4', 'inventory-ZSTD'])
    // With Apache's examples: timestamps in a writer time zone, so the zone lookup is mutated too.
    if (seeds.length > 5) expect(seeds.map((s) => s.name)).toContain('TestOrcFile.testDate1900.orc')
    // Uncompressed seeds expose their footer's varints and inert ranges to the mutations.
    const none = seeds[0]
    expect(none.strict.length).toBeGreaterThan(20)
    expect(none.loose.length).toBeGreaterThan(20)
    expect(none.inert.length).toBeGreaterThan(1)
  })

  it('the oracle notices a wrong row: an inert range mutated into a value is reported', async () => {
    // Sanity of the checker itself: pretend a value byte is inert.
    const s = { ...seeds[0], inert: [[0, seeds[0].bytes.length]] as [number, number][] }
    // The bucket name in the first stripe's dictionary (after its row indexes, which hold it too).
    const firstIndex = [...seeds[0].inert].sort((a, b) => a[0] - b[0])[0]
    const valueByte = seeds[0].bytes.indexOf(Buffer.from('example-source-bucket'), firstIndex[1])
    const failure = await check(s, { kind: 'flip', at: [valueByte + 3], xor: [1] }, 'inventory', CASE_TIME_LIMIT_MS, () => {})
    expect(failure).toMatch(/different rows, no error/)
    expect(mutate(s, { kind: 'flip', at: [valueByte + 3], xor: [1] })).not.toEqual(s.bytes)
  })

  it('300 mutated files: typed errors or the right rows, in bounded time', async () => {
    const failures: string[] = []
    const outcomes: Record<string, number> = {}
    await fc.assert(
      fc.asyncProperty(fc.nat(seeds.length - 1), mutations(), fc.constantFrom('general' as const, 'inventory' as const), async (i, m, path) => {
        const f = await check(seeds[i], normalize(m, seeds[i].bytes.length), path, CASE_TIME_LIMIT_MS, (o) => (outcomes[o] = (outcomes[o] ?? 0) + 1))
        if (f) failures.push(f)
      }),
      { numRuns: 300, seed: 20261201, endOnFailure: false },
    )
    expect(failures).toEqual([])
    // Both kinds of outcome happen: the sample is not all errors.
    expect(outcomes['same rows']).toBeGreaterThan(0)
    expect(outcomes.ORC_CORRUPT).toBeGreaterThan(0)
  }, 120_000)
})
