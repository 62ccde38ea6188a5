import { S3InventoryError } from '../errors.js'

/**
 * Where bytes come from. A source reads one object (an S3 object or a local file) either as a
 * sequential stream (CSV.gz, hashing) or by random-access slices (Parquet footers and column chunks,
 * the "async buffer" idea from hyparquet).
 */
export interface ObjectRef {
  /** S3 bucket; undefined for a local file. */
  readonly bucket?: string
  /** S3 key, or local path. */
  readonly key: string
}

export interface ByteSource {
  readonly ref: ObjectRef
  /**
   * Bytes [start, end) in order. `end` defaults to the object's end. Stops reading from the network
   * when the consumer stops pulling; returning early (or aborting) closes the connection.
   */
  stream(start: number, end: number | undefined, signal?: AbortSignal): AsyncIterable<Uint8Array>
  /** Bytes [start, end) as one buffer. */
  slice(start: number, end: number, signal?: AbortSignal): Promise<Uint8Array>
  /** The last `n` bytes (fewer if the object is smaller) and the object's real size; `sizeHint` (the manifest's size) lets S3 do it in one request. */
  tail(n: number, signal?: AbortSignal, sizeHint?: number): Promise<{ bytes: Uint8Array; size: number }>
  /**
   * The whole object's hex MD5, read and hashed off the caller's thread, where the source can do that
   * (local files of 8 MiB or more, when a size to verify was given); absent for S3 objects, whose bytes
   * reach the caller's thread anyway. The columnar readers use it (formats/parquet/integrity.ts, orc/stripe-io.ts).
   */
  md5?(signal?: AbortSignal): Promise<string>
}

/** Shared counters a reader updates as bytes arrive (for progress and tests). */
export interface ByteCounter {
  bytes: number
}

/**
 * Every chunk, concatenated. With `max`, more than `max` bytes is LIMIT_EXCEEDED naming `ref` and
 * `what`, raised as soon as the count passes it (the rest is not read): files read whole — manifests,
 * checksums — cannot grow memory without bound, even as a link to an endless file.
 */
export async function readAll(chunks: AsyncIterable<Uint8Array>, max?: { bytes: number; ref: ObjectRef; what: string }): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  let n = 0
  for await (const c of chunks) {
    n += c.length
    if (max && n > max.bytes) throw tooLarge(max, `more than ${max.bytes} bytes`)
    parts.push(c)
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts)
}

/** LIMIT_EXCEEDED for a file read whole that is larger than its limit. */
export function tooLarge(max: { bytes: number; ref: ObjectRef; what: string }, actual: string): S3InventoryError {
  return new S3InventoryError('LIMIT_EXCEEDED', `${max.what} is larger than the ${max.bytes.toLocaleString('en-US')}-byte limit for files read whole`, {
    bucket: max.ref.bucket,
    key: max.ref.key,
    expected: `at most ${max.bytes} bytes (see docs/reliability.md)`,
    actual,
  })
}
