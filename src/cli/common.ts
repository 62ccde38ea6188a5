/** Flags and helpers shared by the s3inv commands. */
import type { S3Client } from '@aws-sdk/client-s3'
import type { Command } from 'commander'
import {
  compileFilter,
  formatLocation,
  openManifest as openLibraryManifest,
  readInventory,
  type Delivery,
  type InventoryManifest,
  type InventoryStream,
  type KnownField,
  type ReadInventoryOptions,
  type RowFilter,
} from '../index.js'
import { s3ClientFromFlags, type AwsFlags } from './aws.js'
import { interruption } from './interrupt.js'
import { date, decimal, FLAG_RANGES, glob, integer, list, regex, size, UsageError } from './usage.js'

/** Earlier names of the flag parsers (usage.ts has them all): `collect` is `list`; `int` a non-negative number. */
export const collect = list
export const int = (flag: string) => decimal(flag)
export { size }

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
  ignoreCase?: boolean
}

/** The AWS flags, for commands that reach S3 (every reading command, `manifest`'s destination). */
export function addAws(cmd: Command): Command {
  return cmd
    .option('--profile <name>', 'AWS profile (default: AWS_PROFILE, else the default credential chain)')
    .option('--region <region>', 'AWS region (default: AWS_REGION / AWS_DEFAULT_REGION, the profile\'s region, else us-east-1; S3 follows redirects to a bucket\'s region)')
    .option('--endpoint-url <url>', 'S3-compatible endpoint, path-style (default: AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)')
    .option('--no-sign-request', 'do not sign requests (public buckets)')
}

export function addCommon(cmd: Command): Command {
  return addAws(cmd)
    .option('--concurrency <n>', 'data files read at once, 1-64 (default: 4)', integer('--concurrency', FLAG_RANGES.concurrency))
    .option('--no-verify', 'skip the MD5 and size checks of data files')
    .option('--root <dir>', 'local inventories: the folder that plays the destination bucket root (default: found from the manifest)')
    .option('-q, --quiet', 'no progress, notes or summary on stderr')
    .option('--progress', 'periodic progress lines on stderr even when it is not a terminal')
    .option('--progress-interval <ms>', 'milliseconds between --progress lines (default: 2000)', integer('--progress-interval', FLAG_RANGES.progressInterval))
    .option('--debug', 'print stack traces on errors')
}

/** `--max-groups` for the commands that summarize (stats, html). */
export function addMaxGroups(cmd: Command): Command {
  return cmd.option('--max-groups <n>', 'the most groups one summary may hold, 1-1000000; more is an error (default: 1000000)', integer('--max-groups', FLAG_RANGES.maxGroups))
}

export function addFilters(cmd: Command): Command {
  return cmd
    .option('--prefix <p>', 'key starts with (repeatable, comma-separated)', list)
    .option('--suffix <s>', 'key ends with, e.g. .png (repeatable, comma-separated)', list)
    .option('--glob <pattern>', 'key glob: * and ? within a segment, ** across; no "/" matches the file name', glob('--glob'))
    .option('--regex <re>', 'key matches this regular expression', regex('--regex'))
    .option('--ignore-case', 'key filters (prefix, suffix, glob, regex) and extension groups ignore case')
    .option('--min-size <size>', 'size >= (1024, 10KB, 5MiB, …)', size('--min-size'))
    .option('--max-size <size>', 'size <= (1024, 10KB, 5MiB, …)', size('--max-size'))
    .option('--storage-class <class>', 'storage class is one of (repeatable, comma-separated, any case)', list)
    .option('--modified-after <date>', 'last modified at or after (ISO date or date-time, UTC)', date('--modified-after'))
    .option('--modified-before <date>', 'last modified before (ISO date or date-time, UTC)', date('--modified-before'))
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
  if (!Object.values(filter).some((v) => v !== undefined && v !== false)) return undefined
  if (f.ignoreCase) filter.ignoreCase = true
  return filter
}

/** Combinations of filter flags that cannot match anything, refused before any I/O. */
export function checkFilterFlags(f: FilterFlags): void {
  if (f.minSize !== undefined && f.maxSize !== undefined && f.minSize > f.maxSize) {
    throw new UsageError(`--min-size (${f.minSize} bytes) is larger than --max-size (${f.maxSize} bytes): nothing can match`)
  }
  if (f.modifiedAfter !== undefined && f.modifiedBefore !== undefined && Date.parse(f.modifiedAfter) >= Date.parse(f.modifiedBefore)) {
    throw new UsageError(`--modified-after ${f.modifiedAfter} is not before --modified-before ${f.modifiedBefore}: nothing can match`)
  }
  compileFilter(filterFromFlags(f)) // every part was checked as it was parsed; this is the whole
}

/** Reader options from the common and filter flags. */
export function readerOptions(flags: CommonFlags & FilterFlags & { startAfter?: string; extraColumns?: string[] }, signal: AbortSignal, columns: readonly KnownField[] | undefined, client: S3Client | undefined): ReadInventoryOptions {
  return {
    client,
    concurrency: flags.concurrency,
    verify: flags.verify,
    root: flags.root,
    signal,
    columns,
    extraColumns: flags.extraColumns,
    filter: filterFromFlags(flags),
    startAfter: flags.startAfter,
  }
}

const isS3 = (location: string) => /^s3:\/\//i.test(location)

/** A client when `location` is on S3 (only then is the SDK loaded and configured); undefined for local paths. */
export async function clientFor(location: string, flags: AwsFlags): Promise<S3Client | undefined> {
  return isS3(location) ? s3ClientFromFlags(flags) : undefined
}

/** Runs `fn` with the client for `location`, destroyed afterwards (its sockets closed). */
export async function withClient<T>(location: string, flags: AwsFlags, fn: (client: S3Client | undefined) => Promise<T>): Promise<T> {
  const client = await clientFor(location, flags)
  try {
    return await fn(client)
  } finally {
    client?.destroy()
  }
}

/** Notes for people on stderr (not with --quiet). */
export function note(flags: { quiet?: boolean }, text: string): void {
  if (!flags.quiet) process.stderr.write(`s3inv: ${text}\n`)
}

/** "skipped 2 newer incomplete deliveries: 2026-11-22T01-00Z (checksum-mismatch), …" */
export function skippedNote(skipped: readonly Delivery[]): string {
  return `skipped ${skipped.length} newer incomplete ${skipped.length === 1 ? 'delivery' : 'deliveries'}: ${skipped
    .slice(0, 5)
    .map((d) => `${d.name} (${d.status})`)
    .join(', ')}${skipped.length > 5 ? ', …' : ''}`
}

/**
 * Finds and reads the manifest a command names: a manifest.json, a delivery folder, or a configuration
 * folder (its newest complete delivery, announced on stderr with the newer incomplete ones it skipped).
 * The client is the caller's to destroy.
 */
export async function openManifest(location: string, flags: CommonFlags, client: S3Client | undefined): Promise<{ manifest: InventoryManifest; delivery?: Delivery }> {
  const { manifest, delivery, skipped } = await openLibraryManifest(location, { client, signal: interruption() })
  if (delivery) {
    if (skipped?.length) note(flags, skippedNote(skipped))
    note(flags, `using delivery ${delivery.name} (${formatLocation(manifest.location)})`)
  }
  return { manifest, delivery }
}

/**
 * openManifest, then a reader over it with the common and filter flags (progress totals known before it
 * returns). `columns` may depend on the manifest (fields an inventory may lack: see `schemaHas`).
 */
export async function openInventory(
  location: string,
  flags: CommonFlags & FilterFlags & { startAfter?: string; extraColumns?: string[] },
  client: S3Client | undefined,
  columns?: readonly KnownField[] | ((m: InventoryManifest) => readonly KnownField[] | undefined),
): Promise<{ stream: InventoryStream; manifest: InventoryManifest; delivery?: Delivery }> {
  const { manifest, delivery } = await openManifest(location, flags, client)
  const stream = readInventory(manifest, readerOptions(flags, interruption(), typeof columns === 'function' ? columns(manifest) : columns, client))
  await stream.manifest
  return { stream, manifest, delivery }
}

/**
 * Whether the inventory's schema has an optional field (VersionId, Size, …), in any format's spelling:
 * `VersionId` (CSV), `version_id` (Parquet, ORC).
 */
export function schemaHas(m: InventoryManifest, field: KnownField): boolean {
  return new RegExp(`\\b${field.replace(/[A-Z]/g, '_?$&')}\\b`, 'i').test(m.fileSchema)
}
