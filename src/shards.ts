/**
 * Shards: one serializable work item per data file of an inventory delivery, so N workers (Lambda
 * functions, containers) can each read their own files. A shard carries what readInventory needs
 * to read that one file without fetching the manifest again, and is small enough for one SQS message.
 */
import path from 'node:path'
import { z } from 'zod'
import { S3InventoryError } from './errors.js'
import { isManifest, readInventory, type InventoryStream, type ReadInventoryOptions } from './inventory.js'
import type { Location } from './location.js'
import { bucketNameOf, formatPath, readManifest, type InventoryManifest, type ManifestFile, type ReadManifestOptions } from './manifest.js'

/** The `type` of every shard: lets a consumer (and enqueue's default body) recognise one. */
export const SHARD_TYPE = 's3-inventory-shard'

export interface Shard {
  type: typeof SHARD_TYPE
  version: 1
  /** MD5 of the manifest.json bytes: the delivery's identity (also in every row's cursor). */
  manifestMd5: string
  /** Where the manifest is: on S3, or a local path (then `root` is the folder playing the bucket root, when found). */
  manifest: { bucket: string; key: string } | { path: string; root?: string }
  /** `verified` when manifest.checksum matched when the shards were listed. */
  manifestChecksum: 'verified' | 'absent'
  sourceBucket: string
  destinationBucket: string
  creationTimestamp: string
  /** Manifest `version`. */
  manifestVersion: string
  /** Index of the data file in the manifest's files[]; rows keep it in rowSource()/cursorOf(). */
  fileIndex: number
  /** Number of data files in the delivery. */
  fileCount: number
  /** Data file key (files[].key). */
  key: string
  /** Bytes of the data file. */
  size: number
  /** Lowercase hex MD5 of the data file (files[].MD5checksum). */
  md5: string
  /** `CSV`, `Parquet` or `ORC` (fileFormat). */
  format: string
  fileSchema: string
}

export type ListShardsOptions = ReadManifestOptions & {
  /** Local manifests: a folder that plays the destination bucket's root (recorded in each shard). */
  root?: string
}

/** One shard per data file of the delivery, in manifest order. */
export async function listShards(location: Location | InventoryManifest, options: ListShardsOptions = {}): Promise<Shard[]> {
  const m = isManifest(location) ? location : await readManifest(location, options)
  let manifest: Shard['manifest']
  if (m.location.kind === 's3') {
    manifest = { bucket: m.location.bucket, key: m.location.key }
  } else {
    // Where data files are follows from the manifest's path (sources/locate.ts); a root the caller chose goes along.
    manifest = options.root === undefined ? { path: m.location.path } : { path: m.location.path, root: path.resolve(options.root) }
  }
  return m.files.map((f, fileIndex) => ({
    type: SHARD_TYPE,
    version: 1,
    manifestMd5: m.md5,
    manifest,
    manifestChecksum: m.checksum,
    sourceBucket: m.sourceBucket,
    destinationBucket: m.destinationBucket,
    creationTimestamp: m.creationTimestamp,
    manifestVersion: m.version,
    fileIndex,
    fileCount: m.files.length,
    key: f.key,
    size: f.size,
    md5: f.MD5checksum,
    format: m.fileFormat,
    fileSchema: m.fileSchema,
  }))
}

/** A stable id of a shard (delivery + file): for logs, FIFO deduplication ids, idempotency keys. */
export function shardId(shard: Pick<Shard, 'manifestMd5' | 'fileIndex'>): string {
  return `${shard.manifestMd5}-${shard.fileIndex}`
}

/**
 * The rows of one shard's data file. Rows keep their real file index and manifest MD5, so
 * rowSource()/cursorOf() work as for a whole-inventory read. `shard` may be the JSON text of a shard
 * (an SQS message body); it is validated.
 */
export function readShard(shard: Shard | string, options: Omit<ReadInventoryOptions, 'fileIndexes'> = {}): InventoryStream {
  const s = parseShard(shard)
  const root = options.root ?? ('root' in s.manifest ? s.manifest.root : undefined)
  return readInventory(manifestOf(s), { ...options, root, fileIndexes: [s.fileIndex] })
}

/** The manifest-like object readInventory reads a shard through: files[] is sparse, holding only this file at its index. */
function manifestOf(s: Shard): InventoryManifest {
  const files: ManifestFile[] = []
  files[s.fileIndex] = { key: s.key, size: s.size, MD5checksum: s.md5 }
  const d = s.destinationBucket
  return {
    sourceBucket: s.sourceBucket,
    destinationBucket: d,
    destinationBucketName: bucketNameOf(d),
    version: s.manifestVersion,
    creationTimestamp: s.creationTimestamp,
    creationDate: new Date(Number(s.creationTimestamp)),
    fileFormat: s.format,
    fileSchema: s.fileSchema,
    files,
    location: 'bucket' in s.manifest ? { kind: 's3', bucket: s.manifest.bucket, key: s.manifest.key } : { kind: 'local', path: s.manifest.path },
    md5: s.manifestMd5,
    checksum: s.manifestChecksum,
    raw: {},
  }
}

const md5Hex = z.string().regex(/^[0-9a-f]{32}$/, 'expected a 32-digit lowercase hex MD5')
const ShardJson = z.object({
  type: z.literal(SHARD_TYPE),
  version: z.literal(1),
  manifestMd5: md5Hex,
  manifest: z.union([z.object({ bucket: z.string().min(1), key: z.string().min(1) }), z.object({ path: z.string().min(1), root: z.string().min(1).optional() })]),
  manifestChecksum: z.enum(['verified', 'absent']),
  sourceBucket: z.string(),
  destinationBucket: z.string(),
  creationTimestamp: z.string(),
  manifestVersion: z.string(),
  fileIndex: z.number().int().nonnegative(),
  fileCount: z.number().int().positive(),
  key: z.string().min(1),
  size: z.number().int().nonnegative(),
  md5: md5Hex,
  format: z.string().min(1),
  fileSchema: z.string().min(1),
})

/** Validates a shard (an object or its JSON text). */
export function parseShard(value: unknown): Shard {
  let json = value
  if (typeof value === 'string') {
    try {
      json = JSON.parse(value)
    } catch (err) {
      throw new S3InventoryError('INVALID_ARGUMENT', 'shard is not valid JSON', { expected: 'a shard from listShards()', actual: value.slice(0, 200), cause: err })
    }
  }
  const r = ShardJson.safeParse(json)
  if (!r.success) {
    const issue = r.error.issues[0]
    const field = formatPath(issue.path)
    throw new S3InventoryError('INVALID_ARGUMENT', 'not a shard: a field is missing or invalid', { field: field || undefined, expected: 'a shard from listShards()', actual: issue.message })
  }
  if (r.data.fileIndex >= r.data.fileCount) {
    throw new S3InventoryError('INVALID_ARGUMENT', 'not a shard: fileIndex is past fileCount', { field: 'fileIndex', actual: `${r.data.fileIndex} of ${r.data.fileCount}` })
  }
  return r.data
}
