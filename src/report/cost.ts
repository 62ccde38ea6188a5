/**
 * A monthly storage cost estimate per storage class from object counts and bytes: each class's bytes
 * at its rate (volume tiers applied to this inventory's bytes alone — AWS applies them to the
 * account's total in the region), small objects billed at the minimum billable size, the archive
 * classes' 40 KB per object, Intelligent-Tiering's monitoring fee. Storage only: no requests,
 * retrievals, transfer, or minimum-duration charges.
 */
import { S3InventoryError } from '../errors.js'
import { BILLING_RULES, costOf, firstRate, GB, priceKey, S3_STORAGE_PRICES_2026_12, type StoragePrices, type StorageRate } from './prices.js'

/** Objects of one storage class (and Intelligent-Tiering access tier). */
export interface CostGroup {
  /** As the inventory spells it; `(none)` for rows without one (delete markers). */
  storageClass: string
  accessTier?: string
  objects: number
  bytes: number
  /** Of them, the objects smaller than the minimum billable size (128 KB), and their bytes. */
  smallObjects: number
  smallBytes: number
}

export interface CostLine {
  /** The price key: the storage class, or `INTELLIGENT_TIERING:<tier>`. */
  key: string
  objects: number
  bytes: number
  /** Objects smaller than the minimum billable size (128 KB). */
  smallObjects: number
  /** Bytes billed at the class rate: `bytes` plus the padding of small objects to 128 KB where it applies. */
  billedBytes: number
  /** That padding. */
  minimumSizeBytes: number
  /** `billedBytes` at the class rate. */
  storageUsd: number
  /** The padding's part of `storageUsd`. */
  minimumSizeUsd: number
  /** Archive classes: 40 KB per object (32 KB at the class rate, 8 KB at S3 Standard's). */
  overheadBytes: number
  overheadUsd: number
  /** Intelligent-Tiering: objects of 128 KB or more, and their monitoring fee. */
  monitoredObjects: number
  monitoringUsd: number
  /** storage + overhead + monitoring. */
  usd: number
  /** The rate applied (undefined: the price table has none for this class). */
  rate?: StorageRate
}

export interface StorageCostEstimate {
  /** Priced classes, most expensive first. */
  lines: CostLine[]
  /** Classes the price table has no price for (usd 0). */
  unpriced: CostLine[]
  /** USD per month. */
  total: number
  prices: StoragePrices
}

export function estimateStorageCost(groups: readonly CostGroup[], prices: StoragePrices = S3_STORAGE_PRICES_2026_12): StorageCostEstimate {
  const merged = new Map<string, { objects: number; bytes: number; smallObjects: number; smallBytes: number }>()
  groups.forEach(check)
  for (const g of groups) {
    // Rows without a class and without bytes are delete markers: not storage (see hints).
    if (g.storageClass === '(none)' && g.bytes === 0) continue
    const key = priceKey(g.storageClass, g.accessTier)
    const m = merged.get(key) ?? { objects: 0, bytes: 0, smallObjects: 0, smallBytes: 0 }
    m.objects += g.objects
    m.bytes += g.bytes
    m.smallObjects += g.smallObjects
    m.smallBytes += g.smallBytes
    merged.set(key, m)
  }
  const standard = prices.storage.STANDARD
  const lines: CostLine[] = []
  const unpriced: CostLine[] = []
  for (const [key, m] of merged) {
    const rate = prices.storage[key]
    const padded = BILLING_RULES.minimumSizeClasses.includes(key) ? m.smallObjects * BILLING_RULES.minimumBillableBytes - m.smallBytes : 0
    const billedBytes = m.bytes + padded
    const archived = BILLING_RULES.archiveClasses.includes(key)
    const overheadBytes = archived ? m.objects * (BILLING_RULES.archiveOverheadClassBytes + BILLING_RULES.archiveOverheadStandardBytes) : 0
    const monitoredObjects = key.startsWith('INTELLIGENT_TIERING:') ? m.objects - m.smallObjects : 0
    const line: CostLine = {
      key,
      objects: m.objects,
      bytes: m.bytes,
      smallObjects: m.smallObjects,
      billedBytes,
      minimumSizeBytes: padded,
      storageUsd: 0,
      minimumSizeUsd: 0,
      overheadBytes,
      overheadUsd: 0,
      monitoredObjects,
      monitoringUsd: 0,
      usd: 0,
      rate,
    }
    if (rate === undefined) {
      unpriced.push(line)
      continue
    }
    line.storageUsd = costOf(rate, billedBytes / GB)
    line.minimumSizeUsd = line.storageUsd - costOf(rate, m.bytes / GB)
    if (archived) {
      line.overheadUsd =
        ((m.objects * BILLING_RULES.archiveOverheadClassBytes) / GB) * firstRate(rate) +
        (standard === undefined ? 0 : ((m.objects * BILLING_RULES.archiveOverheadStandardBytes) / GB) * firstRate(standard))
    }
    line.monitoringUsd = (monitoredObjects / 1000) * prices.intelligentTieringMonitoringPer1000
    line.usd = line.storageUsd + line.overheadUsd + line.monitoringUsd
    lines.push(line)
  }
  lines.sort((a, b) => b.usd - a.usd || (a.key < b.key ? -1 : 1))
  unpriced.sort((a, b) => b.bytes - a.bytes)
  return { lines, unpriced, total: lines.reduce((n, l) => n + l.usd, 0), prices }
}

/** Counts are non-negative numbers, and the small objects a part of the group. */
function check(g: CostGroup, i: number): void {
  for (const k of ['objects', 'bytes', 'smallObjects', 'smallBytes'] as const) {
    const v = g[k]
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new S3InventoryError('INVALID_ARGUMENT', 'cost groups have non-negative counts and bytes', { option: `groups[${i}].${k}`, actual: String(v) })
    }
  }
  if (g.smallObjects > g.objects || g.smallBytes > g.bytes) {
    throw new S3InventoryError('INVALID_ARGUMENT', 'the small objects of a cost group are part of it', { option: `groups[${i}]`, expected: 'smallObjects ≤ objects and smallBytes ≤ bytes', actual: JSON.stringify(g) })
  }
}
