/**
 * What S3 charges per GB-month of storage, by storage class: a dated price table read from AWS's S3
 * pricing page, overridable by a JSON file (another region, a newer date, negotiated prices), and the
 * billing rules from the S3 storage-class docs (minimum billable size, the archive classes' per-object
 * overhead). Prices are USD per GB-month where a GB is 2^30 bytes (the page's own examples: 1 TB =
 * 1,024 GB); volume tiers are in TB of 1,024 GB.
 */
import { readFile, stat } from 'node:fs/promises'
import { z } from 'zod'
import { S3InventoryError } from '../errors.js'

/** One volume tier: this rate applies to the GB up to `upToTB` (undefined: all the rest). */
export interface PriceTier {
  upToTB?: number
  usdPerGB: number
}

/** A flat USD per GB-month, or volume tiers in ascending order. */
export type StorageRate = number | readonly PriceTier[]

export interface StoragePrices {
  /** The AWS region the prices are for, e.g. `us-east-1`. */
  region: string
  /** When the prices were read (ISO date). */
  asOf: string
  /** Where they were read (a URL or a file). */
  source: string
  /**
   * By storage class as inventories spell it (`STANDARD`, `GLACIER_IR`…); Intelligent-Tiering by access
   * tier as `INTELLIGENT_TIERING:INFREQUENT` (…`:FREQUENT`, `:ARCHIVE_INSTANT_ACCESS`, `:ARCHIVE`,
   * `:DEEP_ARCHIVE`). A class without an entry is not priced (the page lists no price for it).
   */
  storage: Readonly<Record<string, StorageRate>>
  /** USD per month per 1,000 Intelligent-Tiering objects of 128 KB or more (monitoring and automation). */
  intelligentTieringMonitoringPer1000: number
  /** Price keys a JSON file replaced, and the file (set by `storagePrices`). */
  overridden?: { file?: string; keys: string[] }
}

/**
 * US East (N. Virginia), read 2026-12-01 from https://aws.amazon.com/s3/pricing/ (Storage pricing
 * table). Reduced Redundancy, Outposts and Snow have no price on that page and are left unpriced.
 */
export const S3_STORAGE_PRICES_2026_12: Readonly<StoragePrices> = Object.freeze({
  region: 'us-east-1',
  asOf: '2026-12-01',
  source: 'https://aws.amazon.com/s3/pricing/',
  storage: Object.freeze({
    STANDARD: [{ upToTB: 50, usdPerGB: 0.023 }, { upToTB: 500, usdPerGB: 0.022 }, { usdPerGB: 0.021 }],
    'INTELLIGENT_TIERING:FREQUENT': [{ upToTB: 50, usdPerGB: 0.023 }, { upToTB: 500, usdPerGB: 0.022 }, { usdPerGB: 0.021 }],
    'INTELLIGENT_TIERING:INFREQUENT': 0.0125,
    'INTELLIGENT_TIERING:ARCHIVE_INSTANT_ACCESS': 0.004,
    'INTELLIGENT_TIERING:ARCHIVE': 0.0036,
    'INTELLIGENT_TIERING:DEEP_ARCHIVE': 0.00099,
    STANDARD_IA: 0.0125,
    ONEZONE_IA: 0.01,
    GLACIER_IR: 0.004,
    GLACIER: 0.0036,
    DEEP_ARCHIVE: 0.00099,
  }),
  intelligentTieringMonitoringPer1000: 0.0025,
})

export const KIB = 1024
export const GB = 2 ** 30

/**
 * Billing rules from https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-class-intro.html
 * (minimum billable object size) and the pricing page's notes (the archive overhead).
 */
export const BILLING_RULES = Object.freeze({
  /** Objects smaller than this are billed as this size in these classes. */
  minimumBillableBytes: 128 * KIB,
  minimumSizeClasses: Object.freeze(['STANDARD_IA', 'ONEZONE_IA', 'GLACIER_IR']),
  /** Intelligent-Tiering monitors (and charges monitoring for) objects of at least this size only. */
  monitoredFromBytes: 128 * KIB,
  /** Each archived object adds 32 KB billed at its class's rate and 8 KB billed at S3 Standard's. */
  archiveOverheadClassBytes: 32 * KIB,
  archiveOverheadStandardBytes: 8 * KIB,
  archiveClasses: Object.freeze(['GLACIER', 'DEEP_ARCHIVE', 'INTELLIGENT_TIERING:ARCHIVE', 'INTELLIGENT_TIERING:DEEP_ARCHIVE']),
})

const tier = z.object({ upToTB: z.number().finite().positive().optional(), usdPerGB: z.number().finite().nonnegative() }).strict()
const rate = z.union([z.number().finite().nonnegative(), z.array(tier).min(1)])

/** The JSON a price file holds: every field optional; `storage` entries replace the defaults' one by one. */
const overrideSchema = z
  .object({
    region: z.string().min(1).optional(),
    asOf: z.string().min(1).optional(),
    source: z.string().min(1).optional(),
    storage: z.record(z.string().min(1), rate).optional(),
    intelligentTieringMonitoringPer1000: z.number().finite().nonnegative().optional(),
  })
  .strict()

export type StoragePriceOverride = z.infer<typeof overrideSchema>

/**
 * The default table with `override` applied (a parsed price file, or an object in the same shape).
 * Invalid prices are INVALID_ARGUMENT naming the field; `file` names the file in errors and on the page.
 */
export function storagePrices(override?: unknown, file?: string): StoragePrices {
  const base = S3_STORAGE_PRICES_2026_12
  if (override === undefined) return base
  const parsed = overrideSchema.safeParse(override)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const at = issue.path.map(String).join('.')
    throw new S3InventoryError('INVALID_ARGUMENT', 'the price table is not valid', {
      key: file,
      option: 'prices',
      column: at || undefined,
      expected: 'an object with region, asOf, source, storage (class: USD per GB-month or [{ upToTB, usdPerGB }, …]) and intelligentTieringMonitoringPer1000',
      actual: issue.message,
    })
  }
  const o = parsed.data
  for (const [key, r] of Object.entries(o.storage ?? {})) checkTiers(key, r, file)
  const keys = [...Object.keys(o.storage ?? {}), ...(o.intelligentTieringMonitoringPer1000 !== undefined ? ['intelligentTieringMonitoringPer1000'] : [])]
  return {
    region: o.region ?? base.region,
    asOf: o.asOf ?? base.asOf,
    source: o.source ?? (file ? `${base.source}, with prices from ${file}` : base.source),
    storage: { ...base.storage, ...o.storage },
    intelligentTieringMonitoringPer1000: o.intelligentTieringMonitoringPer1000 ?? base.intelligentTieringMonitoringPer1000,
    overridden: { file, keys },
  }
}

/** Largest price file read (a price table is a few hundred bytes). */
export const MAX_PRICE_FILE_BYTES = 1024 * 1024

/** A JSON price file (see docs/report.md) applied over the default table. */
export async function readPriceFile(file: string): Promise<StoragePrices> {
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new S3InventoryError(err.code === 'ENOENT' ? 'NOT_FOUND' : 'IO_ERROR', 'the price file cannot be read', { key: file, option: 'prices', cause: err })
  })
  if (!info.isFile()) throw new S3InventoryError('IO_ERROR', 'the price file is not a regular file', { key: file, option: 'prices' })
  if (info.size > MAX_PRICE_FILE_BYTES) {
    throw new S3InventoryError('LIMIT_EXCEEDED', 'the price file is larger than a price table can be', { key: file, option: 'prices', expected: `at most ${MAX_PRICE_FILE_BYTES} bytes`, actual: `${info.size} bytes` })
  }
  const text = await readFile(file, 'utf8')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new S3InventoryError('INVALID_ARGUMENT', 'the price file is not JSON', { key: file, option: 'prices', actual: (err as Error).message, cause: err })
  }
  return storagePrices(json, file)
}

/** Tiers ascend, and only the last is open-ended. */
function checkTiers(key: string, r: StorageRate, file: string | undefined): void {
  if (typeof r === 'number') return
  let last = 0
  r.forEach((t, i) => {
    const final = i === r.length - 1
    if (final ? t.upToTB !== undefined : t.upToTB === undefined || t.upToTB <= last) {
      throw new S3InventoryError('INVALID_ARGUMENT', 'price tiers must ascend and only the last may be open-ended', {
        key: file,
        option: 'prices',
        column: `storage.${key}[${i}]`,
        expected: 'upToTB ascending on every tier but the last, which has none',
        actual: JSON.stringify(t),
      })
    }
    last = t.upToTB ?? last
  })
}

/** The price key of a storage class and Intelligent-Tiering access tier. */
export function priceKey(storageClass: string, accessTier?: string): string {
  if (storageClass !== 'INTELLIGENT_TIERING') return storageClass
  return `INTELLIGENT_TIERING:${accessTier && accessTier !== '(none)' ? accessTier : 'FREQUENT'}`
}

/** USD per month for `gb` GB-months at a rate, tiers filled from zero. */
export function costOf(r: StorageRate, gb: number): number {
  if (typeof r === 'number') return gb * r
  let usd = 0
  let from = 0
  for (const t of r) {
    const to = t.upToTB === undefined ? Infinity : t.upToTB * 1024
    if (gb <= from) break
    usd += (Math.min(gb, to) - from) * t.usdPerGB
    from = to
  }
  return usd
}

/** The rate of the first GB (the rate small additions are charged at). */
export function firstRate(r: StorageRate): number {
  return typeof r === 'number' ? r : r[0].usdPerGB
}
