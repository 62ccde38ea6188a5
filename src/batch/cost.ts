/**
 * What an S3 Batch Operations job costs: the job fee, the per-object fee, the manifest-generation fee
 * (jobs that generate their own manifest from the source bucket), the Lambda invocations and their
 * compute, and the S3 requests each task makes. Prices are options; the defaults are us-east-1
 * list prices compiled 2026-11 from third-party sources (not read from the AWS pricing page, so check
 * them: docs/batch-operations.md).
 */
import { S3InventoryError } from '../errors.js'
import { numberOption, optionsObject, RANGES } from '../options.js'

export interface BatchPrices {
  /** USD per job. */
  perJob: number
  /** USD per million object operations (tasks). */
  perMillionObjects: number
  /** USD per million objects in the source bucket, for a job that generates its manifest (a manifest generator with filters). */
  manifestGenerationPerMillion: number
  /** USD per 1,000 GET/HEAD/SELECT requests (S3 Standard). */
  getPer1000: number
  /** USD per 1,000 PUT/COPY/POST/LIST requests (S3 Standard). */
  putPer1000: number
  /** USD per million Lambda requests. */
  lambdaPerMillionRequests: number
  /** USD per GB-second of Lambda compute (x86, first tier; arm64 is 0.0000133334). */
  lambdaPerGbSecond: number
}

/** us-east-1, as of 2026-11 (unconfirmed-current). */
export const BATCH_PRICES_2026_11: Readonly<BatchPrices> = Object.freeze({
  perJob: 0.25,
  perMillionObjects: 1.0,
  manifestGenerationPerMillion: 0.015,
  getPer1000: 0.0004,
  putPer1000: 0.005,
  lambdaPerMillionRequests: 0.2,
  lambdaPerGbSecond: 0.0000166667,
})

export const BATCH_PRICES_AS_OF = '2026-11'

/** Lambda's monthly free tier (requests, GB-seconds), subtracted only when asked. */
const LAMBDA_FREE = { requests: 1_000_000, gbSeconds: 400_000 }

export interface BatchCostInput {
  /** Objects in the manifest (one task each). */
  objects: number
  /** Jobs the objects are split into (each has a fee). Default 1; a whole number, 1–1,000,000. */
  jobs?: number
  /**
   * Objects in the source bucket, when the job generates its manifest (S3 lists the bucket and applies
   * the manifest generator's filters; billed per object listed, not per task). Default: no generation
   * fee (a manifest you wrote, e.g. with writeBatchManifest).
   */
  generatedManifestSourceObjects?: number
  /** The Lambda function, for LambdaInvoke jobs: memory in MB and average billed duration in ms. */
  lambda?: { memoryMB: number; avgMs: number }
  /** S3 GET requests per object (made by the function or the operation). Default 0. */
  gets?: number
  /** S3 PUT requests per object. Default 0. */
  puts?: number
  /** Override any price (USD). */
  prices?: Partial<BatchPrices>
  /** Subtract Lambda's monthly free tier (1M requests, 400,000 GB-s). Default false. */
  freeTier?: boolean
}

export interface BatchCostEstimate {
  /** USD. */
  jobFee: number
  objectOperations: number
  manifestGeneration: number
  lambdaRequests: number
  lambdaCompute: number
  gets: number
  puts: number
  total: number
  /** What was counted. */
  quantities: { jobs: number; objects: number; sourceObjects: number; lambdaRequests: number; gbSeconds: number; gets: number; puts: number }
  prices: BatchPrices
  pricesAsOf: string
}

export function estimateBatchCost(input: BatchCostInput): BatchCostEstimate {
  optionsObject(input, 'input')
  const num = (name: string, v: unknown, fallback?: number): number => {
    const n = v === undefined ? fallback : v
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
      throw new S3InventoryError('INVALID_ARGUMENT', `${name} must be a non-negative number`, { option: name, actual: String(v) })
    }
    return n
  }
  const objects = num('objects', input.objects)
  // Whole jobs, at least one: a fee per job (0 or 1.5 jobs would be a wrong fee).
  const jobs = numberOption(input.jobs, 'jobs', RANGES.jobs, 1)
  const sourceObjects = num('generatedManifestSourceObjects', input.generatedManifestSourceObjects, 0)
  const prices = { ...BATCH_PRICES_2026_11, ...input.prices }
  for (const [k, v] of Object.entries(prices)) num(`prices.${k}`, v)
  const gets = objects * num('gets', input.gets, 0)
  const puts = objects * num('puts', input.puts, 0)
  const lambdaRequests = input.lambda ? objects : 0
  const gbSeconds = input.lambda ? objects * (num('lambda.memoryMB', input.lambda.memoryMB) / 1024) * (num('lambda.avgMs', input.lambda.avgMs) / 1000) : 0
  const billedRequests = input.freeTier ? Math.max(0, lambdaRequests - LAMBDA_FREE.requests) : lambdaRequests
  const billedGbSeconds = input.freeTier ? Math.max(0, gbSeconds - LAMBDA_FREE.gbSeconds) : gbSeconds

  const cost = {
    jobFee: jobs * prices.perJob,
    objectOperations: (objects / 1e6) * prices.perMillionObjects,
    manifestGeneration: (sourceObjects / 1e6) * prices.manifestGenerationPerMillion,
    lambdaRequests: (billedRequests / 1e6) * prices.lambdaPerMillionRequests,
    lambdaCompute: billedGbSeconds * prices.lambdaPerGbSecond,
    gets: (gets / 1000) * prices.getPer1000,
    puts: (puts / 1000) * prices.putPer1000,
  }
  const total = cost.jobFee + cost.objectOperations + cost.manifestGeneration + cost.lambdaRequests + cost.lambdaCompute + cost.gets + cost.puts
  return { ...cost, total, quantities: { jobs, objects, sourceObjects, lambdaRequests, gbSeconds, gets, puts }, prices, pricesAsOf: BATCH_PRICES_AS_OF }
}
