/** `s3inv estimate`: what an S3 Batch Operations job over an inventory's (filtered) objects would cost. */
import { writer } from '../output.js'
import { CommanderError, type Command } from 'commander'
import { BATCH_PRICES_2026_11, estimateBatchCost, type BatchCostEstimate, type BatchPrices } from '../../batch/cost.js'
import { addCommon, addFilters, int, openInventory, type CommonFlags, type FilterFlags } from '../common.js'

interface EstimateFlags extends CommonFlags, FilterFlags {
  lambdaMemory?: number
  lambdaMs?: number
  gets: number
  puts: number
  jobs: number
  freeTier?: boolean
  price?: Partial<BatchPrices>
  json?: boolean
}

const PRICE_NAMES = Object.keys(BATCH_PRICES_2026_11) as (keyof BatchPrices)[]

function price(v: string, prev: Partial<BatchPrices> | undefined): Partial<BatchPrices> {
  const m = /^([A-Za-z0-9]+)=(\d+(?:\.\d+)?(?:e-?\d+)?)$/.exec(v.trim())
  if (!m || !PRICE_NAMES.includes(m[1] as keyof BatchPrices)) {
    throw new CommanderError(2, 'commander.invalidArgument', `--price must be NAME=USD with NAME one of ${PRICE_NAMES.join(', ')}, got "${v}"`)
  }
  return { ...prev, [m[1]]: Number(m[2]) }
}

export function register(program: Command): void {
  addFilters(addCommon(program.command('estimate')))
    .description("estimate the cost of an S3 Batch Operations job over an inventory's objects")
    .argument('<location>', 'manifest.json (s3:// or local), a delivery folder, or an inventory configuration folder (its latest complete delivery)')
    .option('--lambda-memory <MB>', 'LambdaInvoke jobs: function memory in MB', int('--lambda-memory'))
    .option('--lambda-ms <ms>', 'LambdaInvoke jobs: average billed duration per task in ms', int('--lambda-ms'))
    .option('--gets <n>', 'S3 GET requests per object', int('--gets'), 0)
    .option('--puts <n>', 'S3 PUT requests per object', int('--puts'), 0)
    .option('--jobs <n>', 'jobs the objects are split into', int('--jobs'), 1)
    .option('--free-tier', "subtract Lambda's monthly free tier (1M requests, 400,000 GB-s)")
    .option('--price <name=usd>', `override a price (repeatable): ${PRICE_NAMES.join(', ')}`, price)
    .option('--json', 'print the estimate as JSON')
    .addHelpText(
      'after',
      `
Prices default to us-east-1 list prices as of 2026-11 (unconfirmed-current; see docs/batch-operations.md).

Examples:
  s3inv estimate ./manifest.json --lambda-memory 128 --lambda-ms 2000 --gets 1 --puts 1
  s3inv estimate s3://inv/…/manifest.json --suffix .jpg --price lambdaPerGbSecond=0.0000133334 --json`,
    )
    .action(async (location: string, flags: EstimateFlags) => {
      if ((flags.lambdaMemory === undefined) !== (flags.lambdaMs === undefined)) {
        throw new CommanderError(2, 'commander.invalidArgument', '--lambda-memory and --lambda-ms go together')
      }
      const ac = new AbortController()
      // Only keys are decoded; the filter reads whatever other columns it needs.
      const { stream, client } = await openInventory(location, flags, ac.signal, ['key'])
      let objects = 0
      try {
        for await (const batch of stream.batches()) objects += batch.length
      } finally {
        client?.destroy()
      }
      const estimate = estimateBatchCost({
        objects,
        jobs: flags.jobs,
        lambda: flags.lambdaMemory !== undefined ? { memoryMB: flags.lambdaMemory, avgMs: flags.lambdaMs! } : undefined,
        gets: flags.gets,
        puts: flags.puts,
        prices: flags.price,
        freeTier: flags.freeTier,
      })
      await writer().write(flags.json ? `${JSON.stringify(estimate)}\n` : render(estimate))
    })
}

const usd = (v: number) => `$${v.toFixed(v !== 0 && v < 0.01 ? 6 : 2)}`
const count = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 3 })

function render(e: BatchCostEstimate): string {
  const q = e.quantities
  const p = e.prices
  const rows: [string, string, number][] = [
    ['job fee', `${count(q.jobs)} × ${usd(p.perJob)}`, e.jobFee],
    ['object operations', `${count(q.objects)} × ${usd(p.perMillionObjects)}/million`, e.objectOperations],
    ['Lambda requests', `${count(q.lambdaRequests)} × ${usd(p.lambdaPerMillionRequests)}/million`, e.lambdaRequests],
    ['Lambda compute', `${count(q.gbSeconds)} GB-s × $${p.lambdaPerGbSecond}/GB-s`, e.lambdaCompute],
    ['S3 GET requests', `${count(q.gets)} × $${p.getPer1000}/1,000`, e.gets],
    ['S3 PUT requests', `${count(q.puts)} × $${p.putPer1000}/1,000`, e.puts],
  ]
  const lines = [
    `objects  ${count(q.objects)}`,
    '',
    ...rows.map(([name, how, cost]) => `${name.padEnd(18)} ${how.padEnd(44)} ${usd(cost).padStart(12)}`),
    `${'total'.padEnd(18)} ${''.padEnd(44)} ${`$${e.total.toFixed(2)}`.padStart(12)}`,
    '',
    `prices: us-east-1 list prices as of ${e.pricesAsOf} (unconfirmed-current; override with --price)`,
  ]
  return `${lines.join('\n')}\n`
}
