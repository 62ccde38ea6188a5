/** estimateBatchCost: the seed article's example and the arithmetic of each line. */
import { describe, expect, it } from 'vitest'
import { BATCH_PRICES_2026_11, estimateBatchCost } from '../src/batch/cost.js'

describe('estimateBatchCost', () => {
  it("reproduces the seed article's example: 5M objects, 128 MB × 2 s Lambda, one GET and one PUT each → $54.08", () => {
    const e = estimateBatchCost({ objects: 5_000_000, lambda: { memoryMB: 128, avgMs: 2000 }, gets: 1, puts: 1 })
    expect(e.total.toFixed(2)).toBe('54.08')
    // Each line, from the article's prices.
    expect(e.jobFee).toBeCloseTo(0.25, 10)
    expect(e.objectOperations).toBeCloseTo(5.0, 10)
    expect(e.lambdaRequests).toBeCloseTo(1.0, 10)
    expect(e.quantities.gbSeconds).toBe(1_250_000)
    expect(e.lambdaCompute).toBeCloseTo(20.833375, 6)
    expect(e.gets).toBeCloseTo(2.0, 10)
    expect(e.puts).toBeCloseTo(25.0, 10)
    expect(e.total).toBeCloseTo(e.jobFee + e.objectOperations + e.lambdaRequests + e.lambdaCompute + e.gets + e.puts, 10)
    expect(e.pricesAsOf).toBe('2026-11')
  })

  it('defaults: no Lambda, no requests, one job; prices are the documented 2026-11 list', () => {
    expect(BATCH_PRICES_2026_11).toEqual({ perJob: 0.25, perMillionObjects: 1, manifestGenerationPerMillion: 0.015, getPer1000: 0.0004, putPer1000: 0.005, lambdaPerMillionRequests: 0.2, lambdaPerGbSecond: 0.0000166667 })
    const e = estimateBatchCost({ objects: 2_000_000 })
    expect(e).toMatchObject({ jobFee: 0.25, objectOperations: 2, manifestGeneration: 0, lambdaRequests: 0, lambdaCompute: 0, gets: 0, puts: 0, total: 2.25 })
  })

  it('a job that generates its manifest pays $0.015 per million objects in the source bucket, not per task', () => {
    // 40M objects listed, 2M of them match the generator's filters and become tasks.
    const e = estimateBatchCost({ objects: 2_000_000, generatedManifestSourceObjects: 40_000_000 })
    expect(e.manifestGeneration).toBeCloseTo(0.6, 10)
    expect(e.quantities.sourceObjects).toBe(40_000_000)
    expect(e.total).toBeCloseTo(0.25 + 2 + 0.6, 10)
    expect(() => estimateBatchCost({ objects: 1, generatedManifestSourceObjects: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', option: 'generatedManifestSourceObjects' }))
  })

  it('price overrides, several jobs, and the Lambda free tier', () => {
    const arm = estimateBatchCost({ objects: 1_000_000, jobs: 3, lambda: { memoryMB: 1024, avgMs: 500 }, prices: { lambdaPerGbSecond: 0.0000133334 } })
    expect(arm.jobFee).toBeCloseTo(0.75, 10)
    expect(arm.quantities.gbSeconds).toBe(500_000)
    expect(arm.lambdaCompute).toBeCloseTo(500_000 * 0.0000133334, 8)
    const free = estimateBatchCost({ objects: 1_000_000, lambda: { memoryMB: 1024, avgMs: 500 }, freeTier: true })
    expect(free.lambdaRequests).toBe(0) // 1M requests are free
    expect(free.lambdaCompute).toBeCloseTo(100_000 * 0.0000166667, 8) // 500,000 − 400,000 GB-s
  })

  it.each([
    [{ objects: -1 }, 'objects'],
    [{ objects: Number.NaN }, 'objects'],
    [{ objects: 1, gets: -2 }, 'gets'],
    [{ objects: 1, lambda: { memoryMB: 128, avgMs: Number.POSITIVE_INFINITY } }, 'lambda.avgMs'],
    [{ objects: 1, prices: { perJob: -0.25 } }, 'prices.perJob'],
  ])('rejects %j with INVALID_ARGUMENT naming %s', (input, column) => {
    expect(() => estimateBatchCost(input)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', option: column }))
  })
})
