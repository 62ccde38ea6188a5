/** Flags and helpers shared by the s3inv commands. */
import type { S3Client } from '@aws-sdk/client-s3'
import { CommanderError, type Command } from 'commander'
import { openManifest as openLibraryManifest, type Delivery } from '../deliveries.js'
import { resolveKnownField, type KnownField } from '../schema/fields.js'
import type { RowFilter } from '../filter.js'
import { readInventory, type InventoryStream } from '../inventory.js'
import { formatLocation } from '../location.js'
import type { InventoryManifest } from '../manifest.js'
import { s3ClientFromFlags, type AwsFlags } from './aws.js'

export interface CommonFlags extends AwsFlags {
  debug?: boolean
  quiet?: boolean
  progress?: boolean
  progressInterval?: number
  concurrency?: number
  verify?: boolean
  root?: string
}

export interface FilterFlags {
  prefix?: string[]
  suffix?: string[]
  glob?: string
  regex?: string
  minSize?: number
  maxSize?: number
  storageClass?: string[]
  modifiedAfter?: string
  modifiedBefore?: string
  latestOnly?: boolean
  deleteMarkers?: boolean
}

export const int = (name: string) => (v: string) => {
  const n = Number(v)
  if (!Number.isFinite(n) || n < 0) throw new CommanderError(2, 'commander.invalidArgument', `${name} must be a non-negative number, got "${v}"`)
  return n
}
export const size = (name: string) => (v: string) => {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]i?b?|b)?$/i.exec(v.trim())
  if (!m) throw new CommanderError(2, 'commander.invalidArgument', `${name} must be a size like 1024, 10KB, 5MiB, got "${v}"`)
  const unit = (m[2] ?? 'b').toLowerCase()
  const pow = 'bkmgtp'.indexOf(unit[0])
  const base = unit.includes('i') || unit.length === 1 ? 1024 : 1000
  return Math.round(Number(m[1]) * base ** (unit === 'b' ? 0 : pow))
}
export const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), ...v.split(',').map((s) => s.trim()).filter(Boolean)]

export function addCommon(cmd: Command): Command {
  return cmd
    .option('--profile <name>', 'AWS profile (default: AWS_PROFILE or default chain)')
    .option('--region <region>', 'AWS region (default: AWS_REGION / profile)')
    .option('--endpoint-url <url>', 'S3-compatible endpoint (path-style); also AWS_ENDPOINT_URL_S3')
    .option('--no-sign-request', 'do not sign requests (public buckets)')
    .option('--concurrency <n>', 'data files read at once', int('--concurrency'), 4)
    .option('--no-verify', 'skip MD5/size checks of data files')
    .option('--root <dir>', 'local inventories: the folder that plays the destination bucket root')
    .option('-q, --quiet', 'no progress, notes or summary on stderr')
    .option('--progress', 'periodic progress lines on stderr even when it is not a terminal')
    .option('--progress-interval <ms>', 'milliseconds between --progress lines', int('--progress-interval'), 2000)
    .option('--debug', 'print stack traces on errors')
}

export function addFilters(cmd: Command): Command {
  return cmd
    .option('--prefix <p>', 'key starts with (repeatable, comma-separated)', collect)
    .option('--suffix <s>', 'key ends with, e.g. .png (repeatable)', collect)
    .option('--glob <pattern>', 'key glob: * and ? within a segment, ** across; no "/" matches the file name')
    .option('--regex <re>', 'key matches this regular expression')
    .option('--min-size <bytes>', 'size >= (accepts 10KB, 5MiB, …)', size('--min-size'))
    .option('--max-size <bytes>', 'size <= (accepts 10KB, 5MiB, …)', size('--max-size'))
    .option('--storage-class <class>', 'storage class is one of (repeatable, comma-separated)', collect)
    .option('--modified-after <date>', 'last modified at or after (ISO date/time)')
    .option('--modified-before <date>', 'last modified before (ISO date/time)')
    .option('--latest-only', 'current versions only')
    .option('--no-delete-markers', 'drop delete markers')
}

export function filterFromFlags(f: FilterFlags): RowFilter | undefined {
  const filter: RowFilter = {
    prefix: f.prefix,
    suffix: f.suffix,
    glob: f.glob,
    regex: f.regex,
    minSize: f.minSize,
    maxSize: f.maxSize,
    storageClass: f.storageClass,
    modifiedAfter: f.modifiedAfter,
    modifiedBefore: f.modifiedBefore,
    latestOnly: f.latestOnly,
    excludeDeleteMarkers: f.deleteMarkers === false,
  }
  return Object.values(filter).some((v) => v !== undefined && v !== false) ? filter : undefined
}

/** Reader options from the common and filter flags (`columns` as the user spelled them: resolved here). */
export function readerOptions(location: string, flags: CommonFlags & FilterFlags, signal: AbortSignal, columns?: readonly string[], client = clientFor(location, flags)) {
  return {
    client,
    concurrency: flags.concurrency,
    verify: flags.verify,
    root: flags.root,
    signal,
    columns: columns && knownColumns(columns),
    filter: filterFromFlags(flags),
  }
}

/** `--columns Key,storage_class` → the row names; UNKNOWN_FIELD for a name no inventory has. */
export function knownColumns(columns: readonly string[]): KnownField[] {
  return columns.map((c) => resolveKnownField(c, '--columns'))
}

export function clientFor(location: string, flags: AwsFlags): S3Client | undefined {
  // Only S3 locations need a client (and only then does the SDK get configured).
  return /^s3:\/\//i.test(location) ? s3ClientFromFlags(flags) : undefined
}

/**
 * Finds and reads the manifest a command names: a manifest.json, a delivery folder, or a configuration
 * folder (its newest complete delivery, announced on stderr).
 */
export async function openManifest(
  location: string,
  flags: CommonFlags,
  signal: AbortSignal,
): Promise<{ manifest: InventoryManifest; delivery?: Delivery; client?: S3Client }> {
  const client = clientFor(location, flags)
  try {
    const { manifest, delivery, skipped } = await openLibraryManifest(location, { client, signal })
    if (delivery && !flags.quiet) {
      if (skipped?.length) {
        process.stderr.write(`s3inv: skipped ${skipped.length} newer incomplete ${skipped.length === 1 ? 'delivery' : 'deliveries'}: ${skipped.slice(0, 5).map((d) => `${d.name} (${d.status})`).join(', ')}${skipped.length > 5 ? ', …' : ''}\n`)
      }
      process.stderr.write(`s3inv: using delivery ${delivery.name} (${formatLocation(manifest.location)})\n`)
    }
    return { manifest, delivery, client }
  } catch (err) {
    client?.destroy()
    throw err
  }
}

/** openManifest, then a reader over it with the common and filter flags. */
export async function openInventory(
  location: string,
  flags: CommonFlags & FilterFlags,
  signal: AbortSignal,
  columns?: string[],
): Promise<{ stream: InventoryStream; delivery?: Delivery; client?: S3Client }> {
  const { manifest, delivery, client } = await openManifest(location, flags, signal)
  const stream = readInventory(manifest, readerOptions(location, flags, signal, columns, client))
  await stream.manifest // progress totals are known before any progress is shown
  return { stream, delivery, client }
}
