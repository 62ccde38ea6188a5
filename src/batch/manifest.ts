/**
 * writeBatchManifest: rows (an inventory, a completion report, any iterable of { bucket, key,
 * versionId? }) → an S3 Batch Operations CSV manifest (`bucket,key[,versionId]`, no header), streamed
 * to a local file or to S3, and the `Manifest` values `CreateJob` needs.
 */
import { createHash } from 'node:crypto'
import { S3InventoryError, throwIfAborted } from '../errors.js'
import { formatLocation, locationRef, resolveLocation, type Location } from '../location.js'
import { batchesOf, type BatchSource } from '../row-stream.js'
import { clientScope, type ClientOptions } from '../sources/open.js'
import { encodeManifestKey } from './encode.js'
import { sinkFor } from './sink.js'

export const MANIFEST_FORMAT = 'S3BatchOperations_CSV_20180820'

/** The ARN partitions an `ObjectArn` may name (the commercial, China and GovCloud regions). */
export const ARN_PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const
export type ArnPartition = (typeof ARN_PARTITIONS)[number]

/** A row to put in a manifest. Inventory rows and completion report rows fit as they are. */
export interface ManifestRowInput {
  bucket: string
  /** The object key, decoded (it is encoded here). */
  key: string
  /** Empty, null and undefined all mean "no version ID". */
  versionId?: string | null
}

/** Rows, or a stream from readInventory / readCompletionReport (read by batches: less per-row overhead). */
export type ManifestRows = BatchSource<ManifestRowInput>

export interface WriteBatchManifestOptions extends Pick<ClientOptions, 'client' | 'retry'> {
  /**
   * The VersionId column. `null`: always written, rows without a version ID get the string `null`
   * (Batch Operations fails tasks with an empty version ID). `drop`: never written (tasks act on the
   * current version). `auto` (default): decided by the first row — `null` mode if it has a version ID,
   * else `drop` mode, and then a later row that has a version ID is an INVALID_ARGUMENT error (pass
   * `null` or `drop` for versioned inventories, whose first row may be a null version).
   */
  versionIds?: 'auto' | 'null' | 'drop'
  signal?: AbortSignal
  /** S3: first multipart part size in bytes. Default 8 MiB; manifests smaller than that are one PutObject. */
  partSize?: number
  /** Accept zero rows (and write an empty manifest). Default false: MANIFEST_EMPTY, nothing written. */
  allowEmpty?: boolean
  /** ARN partition for `ObjectArn`: one of ARN_PARTITIONS. Default `aws` (`aws-cn`, `aws-us-gov`). */
  partition?: ArnPartition
  /**
   * Called (and awaited) after each chunk is handed to the destination, with the rows written so far —
   * always a whole number of the input's batches. For standard output or a pipe those lines are out
   * (a cut run can be resumed after them); a local file or an S3 object shows nothing until complete.
   */
  onWritten?: (rows: number) => void | Promise<void>
}

export type ManifestField = 'Bucket' | 'Key' | 'VersionId'

export interface BatchManifest {
  /** `CreateJob` → `Manifest.Location` (S3 destinations only). `ETag` is as S3 returned it (quoted). */
  location?: { ObjectArn: string; ETag: string; ObjectVersionId?: string }
  /** The ETag without quotes, as the AWS CLI examples pass it. S3 destinations only. */
  etag?: string
  /** `CreateJob` → `Manifest.Spec`. */
  spec: { Format: typeof MANIFEST_FORMAT; Fields: ManifestField[] }
  /** Rows written. */
  rows: number
  /** Bytes written. */
  bytes: number
  /** Hex MD5 of the bytes written (for a local file: the ETag a single-part upload of it will get). */
  md5: string
  /** Where it was written (`s3://bucket/key` or a local path). */
  destination: string
}

/** Text handed to the sink at a time: large enough that per-write overhead vanishes. */
const CHUNK_CHARS = 256 * 1024
const BUCKET_NAME = /^[A-Za-z0-9._-]+$/
const CSV_SPECIAL = /[,"\r\n]/

/**
 * Streams `rows` into a Batch Operations CSV manifest at `destination` (s3:// URL, { bucket, key },
 * local path or file:// URL). On any error nothing is left behind: a local temporary file is removed,
 * an S3 multipart upload is aborted.
 */
export async function writeBatchManifest(rows: ManifestRows, destination: Location, options: WriteBatchManifestOptions = {}): Promise<BatchManifest> {
  const dest = resolveLocation(destination)
  if (dest.kind === 's3' && dest.key === '') throw new S3InventoryError('LOCATION_INVALID', 'manifest destination needs a key', { bucket: dest.bucket, key: '' })
  const mode = options.versionIds ?? 'auto'
  if (mode !== 'auto' && mode !== 'null' && mode !== 'drop') {
    throw new S3InventoryError('INVALID_ARGUMENT', 'versionIds must be "auto", "null" or "drop"', { option: 'versionIds', actual: String(mode) })
  }
  // Checked before any I/O: a wrong partition would only show when CreateJob cannot find the manifest.
  if (options.partition !== undefined && !ARN_PARTITIONS.includes(options.partition)) {
    throw new S3InventoryError('INVALID_ARGUMENT', 'partition is not an ARN partition', { option: 'partition', expected: ARN_PARTITIONS.join(', '), actual: String(options.partition) })
  }
  const signal = options.signal
  throwIfAborted(signal)
  const scope = clientScope(options)
  const sink = sinkFor(dest, { client: scope.get, signal, partSize: options.partSize, retry: options.retry, contentType: 'text/csv' })
  // Row errors name the manifest being written (the rows' own origin is the caller's to know).
  const destRef = locationRef(dest)
  const hash = createHash('md5')
  let withVersions: boolean | undefined = mode === 'auto' ? undefined : mode === 'null'
  let count = 0
  let bytes = 0
  let text = ''

  const flush = async () => {
    const chunk = Buffer.from(text, 'utf8')
    text = ''
    hash.update(chunk)
    bytes += chunk.length
    await sink.write(chunk)
    await options.onWritten?.(count)
  }

  const add = (row: ManifestRowInput) => {
    const i = count
    const bucket = row?.bucket
    if (typeof bucket !== 'string' || !BUCKET_NAME.test(bucket)) {
      throw new S3InventoryError('INVALID_ARGUMENT', 'not a bucket name', { ...destRef, row: i, column: 'bucket', expected: 'letters, digits, ".", "-", "_"', actual: String(bucket) })
    }
    if (typeof row.key !== 'string' || row.key === '') {
      throw new S3InventoryError('INVALID_ARGUMENT', 'empty or missing key', { ...destRef, row: i, column: 'key', expected: 'a non-empty string', actual: String(row.key) })
    }
    let key: string
    try {
      key = encodeManifestKey(row.key)
    } catch (err) {
      throw new S3InventoryError('INVALID_ARGUMENT', 'key is not valid Unicode (lone surrogate)', { ...destRef, row: i, column: 'key', expected: 'well-formed UTF-16', actual: (err as S3InventoryError).actual, cause: err })
    }
    const v = row.versionId
    const has = typeof v === 'string' && v !== ''
    withVersions ??= has
    if (mode === 'auto' && has && !withVersions) {
      throw new S3InventoryError('INVALID_ARGUMENT', 'rows mix version IDs and none after the first row had none', {
        ...destRef,
        row: i,
        column: 'versionId',
        expected: 'versionIds: "null" (keep them, null for the rest) or "drop"',
        actual: v,
      })
    }
    if (withVersions) {
      // Version IDs are written as they are (real ones never hold CSV specials).
      if (has && CSV_SPECIAL.test(v)) {
        throw new S3InventoryError('INVALID_ARGUMENT', 'version ID holds a comma, quote or newline', { ...destRef, row: i, column: 'versionId', actual: v })
      }
      text += `${bucket},${key},${has ? v : 'null'}\n`
    } else {
      text += `${bucket},${key}\n`
    }
    count++
  }

  try {
    for await (const batch of batchesOf(rows)) {
      throwIfAborted(signal)
      for (const row of batch) add(row)
      if (text.length >= CHUNK_CHARS) await flush()
    }
    throwIfAborted(signal)
    if (count === 0 && !options.allowEmpty) {
      throw new S3InventoryError('MANIFEST_EMPTY', 'no rows to write: a job needs at least one task, unless an empty manifest is allowed', {
        ...destRef,
        option: 'allowEmpty',
        expected: 'at least one row',
      })
    }
    if (text.length > 0) await flush()
    const done = await sink.complete()
    const Fields: ManifestField[] = withVersions ? ['Bucket', 'Key', 'VersionId'] : ['Bucket', 'Key']
    const result: BatchManifest = { spec: { Format: MANIFEST_FORMAT, Fields }, rows: count, bytes, md5: hash.digest('hex'), destination: formatLocation(dest) }
    if (dest.kind === 's3') {
      const ETag = done.etag ?? ''
      result.location = { ObjectArn: `arn:${options.partition ?? 'aws'}:s3:::${dest.bucket}/${dest.key}`, ETag, ...(done.versionId && { ObjectVersionId: done.versionId }) }
      result.etag = ETag.replace(/^"|"$/g, '')
    }
    return result
  } catch (err) {
    await sink.abort()
    if (signal?.aborted) throw signal.reason
    throw err
  } finally {
    scope.release()
  }
}
