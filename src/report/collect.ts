/**
 * What the report page is built from: the delivery, the fields the inventory has, and one summary per
 * chart, computed in one pass over the rows (summarizeInventoryMany: an independent accumulator per
 * summary). Before the pass, one batch of the first non-empty data file is read to learn the
 * inventory's fields, so that groupings on fields it lacks are left out (their sections get a note)
 * rather than failing the pass. Plain JSON: it can be saved and rendered later.
 */
import { openManifest } from '../deliveries.js'
import { S3InventoryError } from '../errors.js'
import type { RowFilter } from '../filter.js'
import { isManifest, readInventory } from '../inventory.js'
import { formatLocation, type Location } from '../location.js'
import type { InventoryManifest } from '../manifest.js'
import { summarizeInventoryMany, type SummarizeManyOptions } from '../summarize-inventory.js'
import { maxGroupsOption, type GroupBy, type Summary } from '../summarize.js'
import type { CompareSummary } from './compare.js'

/** The summaries a report has, by name (each present only when the inventory has its fields). */
export type ReportSummaryName =
  | 'total'
  | 'classes'
  | 'sizes'
  | 'months'
  | 'prefixes'
  | 'extensions'
  | 'versions'
  | 'encryption'
  | 'replication'
  | 'lockMode'
  | 'legalHold'
  | 'cost'

export interface ReportData {
  delivery: {
    sourceBucket: string
    destinationBucket: string
    /** The manifest, as s3://… or a local path. */
    manifest: string
    /** The delivery's creation time (ISO). */
    creationDate: string
    fileFormat: string
    /** Data files, and their bytes (compressed, per the manifest). */
    files: number
    filesBytes: number
  }
  /** The inventory's fields (row names); empty when no data file has a row. */
  fields: string[]
  /** Path segments of the `prefixes` summary. */
  prefixDepth: number
  /** The filter the rows passed, when there was one. */
  filter?: RowFilter
  summaries: { total: Summary } & Partial<Record<ReportSummaryName, Summary>>
  /** The diff against an older delivery (--compare). */
  compare?: CompareSummary
  /** When the summaries were computed (ISO). */
  generatedAt: string
}

export interface CollectReportOptions extends SummarizeManyOptions {
  /** Path segments of the top-prefixes chart. Default 1; 1–32. */
  prefixDepth?: number
  /** The diff against an older delivery, computed by the caller (see compare.ts). */
  compare?: CompareSummary
}

export const PREFIX_DEPTH = { min: 1, max: 32, default: 1 }

/** The groupings of a report for an inventory with these fields. */
export function reportGroupings(fields: readonly string[], prefixDepth: number): Partial<Record<ReportSummaryName, GroupBy[]>> {
  const has = (f: string) => fields.includes(f)
  const g: Partial<Record<ReportSummaryName, GroupBy[]>> = { total: [] }
  if (fields.length === 0) return g
  if (has('storageClass')) g.classes = ['storageClass']
  if (has('size')) g.sizes = [{ size: 'pow2' }]
  if (has('lastModifiedDate')) g.months = [{ modified: 'month' }]
  g.prefixes = [{ prefix: prefixDepth }]
  g.extensions = [{ extension: 'lower' }]
  if (has('isLatest') && has('isDeleteMarker')) g.versions = ['isLatest', 'isDeleteMarker']
  if (has('encryptionStatus')) g.encryption = ['encryptionStatus']
  if (has('replicationStatus')) g.replication = ['replicationStatus']
  if (has('objectLockMode')) g.lockMode = ['objectLockMode']
  if (has('objectLockLegalHoldStatus')) g.legalHold = ['objectLockLegalHoldStatus']
  // The cost estimate: class (and Intelligent-Tiering tier) × current or not × power-of-two size (128 KiB is a bucket bound).
  if (has('storageClass') && has('size')) {
    g.cost = ['storageClass', ...(has('intelligentTieringAccessTier') ? ['intelligentTieringAccessTier'] : []), ...(has('isLatest') ? ['isLatest'] : []), { size: 'pow2' }]
  }
  return g
}

/** The summaries of one delivery for its report (one pass over its rows). */
export async function collectReport(location: Location | InventoryManifest, options: CollectReportOptions = {}): Promise<ReportData> {
  maxGroupsOption(options.maxGroups) // checked before the first read, as the prefix depth is
  const depth = options.prefixDepth ?? PREFIX_DEPTH.default
  if (!Number.isInteger(depth) || depth < PREFIX_DEPTH.min || depth > PREFIX_DEPTH.max) {
    throw new S3InventoryError('INVALID_ARGUMENT', 'the prefix depth must be an integer from 1 to 32', { option: 'prefixDepth', actual: String(depth) })
  }
  const { compare, prefixDepth: _, ...summarize } = options
  const m = isManifest(location) ? location : (await openManifest(location, { client: options.client, retry: options.retry, idleTimeoutMs: options.idleTimeoutMs, signal: options.signal })).manifest
  const fields = await inventoryFields(m, options)
  const groupings = reportGroupings(fields, depth)
  const summaries = (await summarizeInventoryMany(m, groupings as Record<ReportSummaryName, GroupBy[]>, summarize)) as ReportData['summaries']
  return {
    delivery: {
      sourceBucket: m.sourceBucket,
      destinationBucket: m.destinationBucketName,
      manifest: formatLocation(m.location),
      creationDate: m.creationDate.toISOString(),
      fileFormat: m.fileFormat,
      files: m.files.length,
      filesBytes: m.files.reduce((n, f) => n + f.size, 0),
    },
    fields,
    prefixDepth: depth,
    filter: options.filter,
    summaries,
    compare,
    generatedAt: new Date().toISOString(),
  }
}

/**
 * The fields of the inventory's rows: those of the first row of the first data file that has one
 * (a row carries every field its file has). Read unverified and in the smallest windows; the pass
 * that follows verifies every file.
 */
export async function inventoryFields(m: InventoryManifest, options: Pick<CollectReportOptions, 'client' | 'retry' | 'idleTimeoutMs' | 'root' | 'signal' | 'allowEmpty'>): Promise<string[]> {
  const rows = readInventory(m, {
    client: options.client,
    retry: options.retry,
    idleTimeoutMs: options.idleTimeoutMs,
    root: options.root,
    signal: options.signal,
    allowEmpty: options.allowEmpty,
    verify: false,
    concurrency: 1,
    bufferRows: 1,
    readSize: 64 * 1024,
  })
  for await (const row of rows) return Object.keys(row)
  return []
}
