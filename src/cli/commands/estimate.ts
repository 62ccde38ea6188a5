/** `s3inv estimate`: what an S3 Batch Operations job over an inventory's (filtered) objects would cost. */
import { Option, type Command } from 'commander'
import { BATCH_PRICES_2026_11, compileFilter, estimateBatchCost, rowMatches, type BatchCostEstimate, type BatchPrices, type KnownField } from '../../index.js'
import { addCommon, addFilters, checkFilterFlags, filterFromFlags, openInventory, withClient, type CommonFlags, type FilterFlags } from '../common.js'
import { writer } from '../output.js'
import { decimal, FLAG_RANGES, integer, UsageError } from '../usage.js'

interface EstimateFlags extends CommonFlags, FilterFlags {
  lambdaMemory?: number
  lambdaMs?: number
  gets: number
  puts: number
  jobs: number
  freeTier?: boolean
  generatedManifest?: boolean
  price?: Partial<BatchPrices>
  json?: boolean
}

const PRICE_NAMES = Object.keys(BATCH_PRICES_2026_11) as (keyof BatchPrices)[]

function price(v: string, prev: Partial<BatchPrices> | undefined): Partial<BatchPrices> {
  const m = /^([A-Za-z0-9]+)=(.*)$/.exec(v.trim())
  if (!m || !PRICE_NAMES.includes(m[1] as keyof BatchPrices)) throw new UsageError(`bad value for --price: ${JSON.stringify(v)} (expected NAME=USD with NAME one of ${PRICE_NAMES.join(', ')})`)
  return { ...prev, [m[1]]: decimal('--price')(m[2]) }
}

export function register(program: Command): void {
  addFilters(addCommon(program.command('estimate')))
    .description("estimate the cost of an S3 Batch Operations job over an inventory's objects")
    .argument('<location>', 'manifest.json (s3:// or local), a delivery folder, or an inventory configuration folder (its latest complete delivery)')
    .option('--lambda-memory <MB>', 'LambdaInvoke jobs: function memory in MB, 128-10240 (with --lambda-ms)', integer('--lambda-memory', FLAG_RANGES.lambdaMemory))
    .option('--lambda-ms <ms>', 'LambdaInvoke jobs: average billed duration per task in ms (with --lambda-memory)', integer('--lambda-ms', FLAG_RANGES.lambdaMs))
    .option('--gets <n>', 'S3 GET requests per object', decimal('--gets', 1_000_000), 0)
    .option('--puts <n>', 'S3 PUT requests per object', decimal('--puts', 1_000_000), 0)
    .option('--jobs <n>', 'jobs the objects are split into', integer('--jobs', FLAG_RANGES.jobs), 1)
    .addOption(new Option('--generated-manifest', 'the job generates its manifest (a manifest generator whose filters are these): add the $0.015 per million objects in the source bucket (every inventory row)'))
    .option('--free-tier', "subtract Lambda's monthly free tier (1M requests, 400,000 GB-s)")
    .option('--price <name=usd>', `override a price (repeatable): ${PRICE_NAMES.join(', ')}`, price)
    .option('--json', 'print the estimate as JSON')
    .addHelpText(
      'after',
      `
Prices default to us-east-1 list prices as of 2026-11 (unconfirmed-current; see docs/batch-operations.md).

Examples:
  s3inv estimate ./manifest.json --lambda-memory 128 --lambda-ms 2000 --gets 1 --puts 1
  s3inv estimate s3://inv/…/manifest.json --suffix .jpg --price lambdaPerGbSecond=0.0000133334 --json
  s3inv estimate ./manifest.json --prefix logs/ --generated-manifest`,
    )
    .action(async (location: string, flags: EstimateFlags) => {
      if ((flags.lambdaMemory === undefined) !== (flags.lambdaMs === undefined)) throw new UsageError('--lambda-memory and --lambda-ms go together')
      checkFilterFlags(flags)
      const { objects, sourceObjects } = await withClient(location, flags, (client) => countObjects(location, flags, client))
      const estimate = estimateBatchCost({
        objects,
        jobs: flags.jobs,
        generatedManifestSourceObjects: flags.generatedManifest ? sourceObjects : undefined,
        lambda: flags.lambdaMemory !== undefined ? { memoryMB: flags.lambdaMemory, avgMs: flags.lambdaMs! } : undefined,
        gets: flags.gets,
        puts: flags.puts,
        prices: flags.price,
        freeTier: flags.freeTier,
      })
      await writer().write(flags.json ? `${JSON.stringify(estimate)}\n` : render(estimate))
    })
}

/** Objects the filters keep (the tasks) and, for a generated manifest, every object listed (the source bucket's). */
async function countObjects(location: string, flags: EstimateFlags, client: Parameters<typeof openInventory>[2]): Promise<{ objects: number; sourceObjects: number }> {
  if (!flags.generatedManifest) {
    // Only keys are decoded; the filter reads whatever other columns it needs.
    const { stream } = await openInventory(location, flags, client, ['key'])
    let objects = 0
    for await (const batch of stream.batches()) objects += batch.length
    return { objects, sourceObjects: 0 }
  }
  // Every row is counted, and the filter applied here, in one pass.
  const filter = compileFilter(filterFromFlags(flags))
  const unfiltered = { ...flags, prefix: undefined, suffix: undefined, glob: undefined, regex: undefined, minSize: undefined, maxSize: undefined, storageClass: undefined, modifiedAfter: undefined, modifiedBefore: undefined, latestOnly: undefined, deleteMarkers: undefined }
  const { stream } = await openInventory(location, unfiltered, client, ['key', ...((filter?.fields ?? []) as Iterable<KnownField>)])
  let objects = 0
  let sourceObjects = 0
  for await (const batch of stream.batches()) {
    sourceObjects += batch.length
    if (!filter) objects += batch.length
    else for (const r of batch) if (rowMatches(filter, r as unknown as Record<string, unknown>)) objects++
  }
  return { objects, sourceObjects }
}

const usd = (v: number) => `$${v.toFixed(v !== 0 && v < 0.01 ? 6 : 2)}`
const count = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 3 })

function render(e: BatchCostEstimate): string {
  const q = e.quantities
  const p = e.prices
  const rows: [string, string, number][] = [
    ['job fee', `${count(q.jobs)} × ${usd(p.perJob)}`, e.jobFee],
    ['object operations', `${count(q.objects)} × ${usd(p.perMillionObjects)}/million`, e.objectOperations],
    ...(q.sourceObjects > 0 ? [['manifest generation', `${count(q.sourceObjects)} listed × $${p.manifestGenerationPerMillion}/million`, e.manifestGeneration] as [string, string, number]] : []),
    ['Lambda requests', `${count(q.lambdaRequests)} × ${usd(p.lambdaPerMillionRequests)}/million`, e.lambdaRequests],
    ['Lambda compute', `${count(q.gbSeconds)} GB-s × $${p.lambdaPerGbSecond}/GB-s`, e.lambdaCompute],
    ['S3 GET requests', `${count(q.gets)} × $${p.getPer1000}/1,000`, e.gets],
    ['S3 PUT requests', `${count(q.puts)} × $${p.putPer1000}/1,000`, e.puts],
  ]
  const lines = [
    `objects  ${count(q.objects)}`,
    '',
    ...rows.map(([name, how, cost]) => `${name.padEnd(19)} ${how.padEnd(44)} ${usd(cost).padStart(12)}`),
    `${'total'.padEnd(19)} ${''.padEnd(44)} ${`$${e.total.toFixed(2)}`.padStart(12)}`,
    '',
    `prices: us-east-1 list prices as of ${e.pricesAsOf} (unconfirmed-current; override with --price)`,
  ]
  return `${lines.join('\n')}\n`
}
