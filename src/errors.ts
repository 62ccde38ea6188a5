/**
 * One error class for everything this library raises on bad input or failed I/O.
 * `code` is stable (switch on it); the other fields say where and what was expected.
 */
export type ErrorCode =
  | 'LOCATION_INVALID' // a location that is not s3://, {bucket,key}, a path or file:// URL
  | 'NOT_FOUND' // object or file does not exist (404 / ENOENT)
  | 'ACCESS_DENIED' // 403 / EACCES
  | 'MANIFEST_INVALID' // not JSON, or a field missing / of the wrong type
  | 'MANIFEST_CHECKSUM_MISMATCH' // manifest.checksum does not match MD5(manifest.json)
  | 'MANIFEST_EMPTY' // files[] is empty (opt in with allowEmpty)
  | 'UNSUPPORTED_FORMAT' // fileFormat other than CSV / Parquet (ORC, unknown)
  | 'UNSUPPORTED_CODEC' // a Parquet compression codec we cannot decode
  | 'PATH_ESCAPE' // a data file key that would resolve outside the local root
  | 'CSV_MALFORMED' // quoting, field count, over-long row
  | 'KEY_DECODE_FAILED' // malformed percent-escape in a CSV key
  | 'VALUE_INVALID' // a field that does not parse as its type (size, date, boolean)
  | 'GZIP_CORRUPT' // truncated or garbage gzip
  | 'PARQUET_CORRUPT' // bad magic, footer, page header, encoding
  | 'DATA_CHECKSUM_MISMATCH' // MD5 of a data file differs from files[].MD5checksum
  | 'DATA_SIZE_MISMATCH' // byte count differs from files[].size
  | 'OBJECT_CHANGED' // the object's ETag changed between ranged reads
  | 'RETRIES_EXHAUSTED' // a retriable failure kept happening
  | 'S3_ERROR' // any other S3 failure
  | 'IO_ERROR' // a local file could not be read (EIO, EMFILE, ELOOP…)
  | 'CURSOR_INVALID' // startAfter does not belong to this inventory
  | 'EVENT_INVALID' // a Lambda event that is not an S3 Batch Operations invocation
  | 'INVALID_ARGUMENT' // an option of the wrong shape
  | 'MESSAGE_TOO_LARGE' // an SQS message body over the size limit (names the row's key)
  | 'MESSAGE_INVALID' // an SQS message body with characters SQS rejects, or an invalid FIFO id
  | 'SQS_ERROR' // an SQS request failed (not a per-entry failure: those are in the result)
  | 'SECRET_INVALID' // a database secret that is not JSON, or lacks a part the URI needs (never quotes the password)
  | 'SECRETS_MANAGER_ERROR' // a Secrets Manager request failed
  | 'WRITE_FAILED' // an export's output file could not be written
  | 'INTERNAL' // a bug in this library: please report it

export interface ErrorContext {
  /** Bucket of the object involved (absent for local files). */
  bucket?: string
  /** Key of the object, or local path. */
  key?: string
  /** 0-based data row index within the file. */
  row?: number
  /** Byte offset (compressed, within the object) where the problem was seen. */
  offset?: number
  /** Column (camelCase field) involved. */
  column?: string
  /** What was expected, in words or as a value. */
  expected?: string
  /** What was found. */
  actual?: string
  cause?: unknown
}

export class S3InventoryError extends Error {
  override readonly name = 'S3InventoryError'
  readonly code: ErrorCode
  readonly bucket?: string
  readonly key?: string
  readonly row?: number
  readonly offset?: number
  readonly column?: string
  readonly expected?: string
  readonly actual?: string

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}) {
    super(`${code}: ${message}${describeContext(context)}`, context.cause === undefined ? undefined : { cause: context.cause })
    this.code = code
    // Only defined fields become own properties, so logs and JSON stay short.
    for (const k of ['bucket', 'key', 'row', 'offset', 'column', 'expected', 'actual'] as const) {
      if (context[k] !== undefined) (this as Record<string, unknown>)[k] = context[k]
    }
  }
}

function describeContext(c: ErrorContext): string {
  const parts: string[] = []
  if (c.key !== undefined) parts.push(c.bucket !== undefined ? `s3://${c.bucket}/${c.key}` : c.key)
  if (c.row !== undefined) parts.push(`row ${c.row}`)
  if (c.column !== undefined) parts.push(`column ${c.column}`)
  if (c.offset !== undefined) parts.push(`byte ${c.offset}`)
  if (c.expected !== undefined) parts.push(`expected ${c.expected}`)
  if (c.actual !== undefined) parts.push(`got ${truncate(c.actual, 200)}`)
  return parts.length ? ` [${parts.join(', ')}]` : ''
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s
}

export function isInventoryError(err: unknown, code?: ErrorCode): err is S3InventoryError {
  return err instanceof S3InventoryError && (code === undefined || err.code === code)
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? abortError()
}

export function abortError(): Error {
  const e = new Error('This operation was aborted')
  e.name = 'AbortError'
  return e
}

/** JSON text of a value for an error's `actual`, even when JSON.stringify would throw (BigInt, cycles). */
export function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v)
  } catch {
    return String(v)
  }
}
