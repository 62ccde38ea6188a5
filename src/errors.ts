/**
 * One error class for everything this library raises on bad input or failed I/O. `message` is a
 * sentence for people; `code` is stable (switch on it); the other fields say where and what was
 * expected. `formatError` puts them on one line (the CLI prints that).
 */
export type ErrorCode =
  | 'LOCATION_INVALID' // a location that is not s3://, {bucket,key}, a path or file:// URL
  | 'NOT_FOUND' // object or file does not exist (404 / ENOENT)
  | 'ACCESS_DENIED' // 403 / EACCES
  | 'MANIFEST_INVALID' // not JSON, a field missing / of the wrong type, a fileSchema that cannot be right
  | 'MANIFEST_CHECKSUM_MISMATCH' // manifest.checksum does not match MD5(manifest.json)
  | 'MANIFEST_EMPTY' // files[] is empty (opt in with allowEmpty)
  | 'UNSUPPORTED_FORMAT' // a fileFormat or file layout this library cannot read
  | 'UNSUPPORTED_CODEC' // a compression codec we cannot decode (names it)
  | 'UNSUPPORTED_ENCODING' // a value encoding we cannot decode (names it)
  | 'UNKNOWN_FIELD' // a field name (columns, filter, grouping) that no inventory has; lists the valid names
  | 'FIELD_MISSING' // a field this inventory's schema does not have (names the field and the schema)
  | 'PATH_ESCAPE' // a data file key that would resolve outside the places it may be read from
  | 'CSV_MALFORMED' // quoting, field count, over-long row, invalid UTF-8
  | 'KEY_DECODE_FAILED' // malformed percent-escape in a CSV key
  | 'VALUE_INVALID' // a field that does not parse as its type (size, date, boolean)
  | 'GZIP_CORRUPT' // truncated or garbage gzip (also a damaged later member)
  | 'PARQUET_CORRUPT' // bad magic, footer, page header, encoding, counts that disagree
  | 'ORC_CORRUPT' // bad postscript, footer, stream, encoding, counts that disagree
  | 'DATA_CHECKSUM_MISMATCH' // MD5 of a data file differs from files[].MD5checksum
  | 'DATA_SIZE_MISMATCH' // byte count differs from files[].size
  | 'LIMIT_EXCEEDED' // a size or count read from a file is over a documented limit (docs/reliability.md)
  | 'OBJECT_CHANGED' // the object's ETag changed between ranged reads
  | 'RETRIES_EXHAUSTED' // a retriable failure kept happening
  | 'S3_ERROR' // any other S3 failure
  | 'IO_ERROR' // a local file could not be read (EIO, EMFILE, ELOOP, not a regular file…)
  | 'CURSOR_INVALID' // startAfter does not belong to this inventory
  | 'EVENT_INVALID' // a Lambda event that is not an S3 Batch Operations invocation
  | 'INVALID_ARGUMENT' // an option of the wrong shape or out of its range (names the option)
  | 'MESSAGE_TOO_LARGE' // an SQS message body over the size limit (names the row's key)
  | 'MESSAGE_INVALID' // an SQS message body with characters SQS rejects, or an invalid FIFO id
  | 'SQS_ERROR' // an SQS request failed (not a per-entry failure: those are in the result)
  | 'SECRET_INVALID' // a database secret that is not JSON, or lacks a part the URI needs (never quotes the password)
  | 'SECRETS_MANAGER_ERROR' // a Secrets Manager request failed
  | 'CREDENTIALS_MISSING' // no AWS credentials (or no such profile) where the SDK looked
  | 'WRITE_FAILED' // an output (file, stdout) could not be written
  | 'INTERNAL' // a bug in this library: please report it

export interface ErrorContext {
  /** Bucket of the object involved (absent for local files). */
  bucket?: string
  /** Key of the object, or local path. */
  key?: string
  /** 0-based data row index within the file. */
  row?: number
  /** Byte offset (within the object, compressed) where the problem was seen. */
  offset?: number
  /** Column (row field, or the file's column name) involved. */
  column?: string
  /** A field of a JSON document (manifest.json, a report manifest, a shard, an event, a secret), as a path: `files[2].size`. */
  field?: string
  /** The option (library) or flag (CLI) at fault, e.g. `concurrency`, `--min-size`. */
  option?: string
  /** Another resource involved, e.g. an SQS queue URL. */
  resource?: string
  /** What was expected, in words or as a value. */
  expected?: string
  /** What was found. */
  actual?: string
  cause?: unknown
}

const FIELDS = ['bucket', 'key', 'row', 'offset', 'column', 'field', 'option', 'resource', 'expected', 'actual'] as const

export class S3InventoryError extends Error {
  override readonly name = 'S3InventoryError'
  readonly code: ErrorCode
  readonly bucket?: string
  readonly key?: string
  readonly row?: number
  readonly offset?: number
  readonly column?: string
  readonly field?: string
  readonly option?: string
  readonly resource?: string
  readonly expected?: string
  readonly actual?: string

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause })
    this.code = code
    // Only defined fields become own properties, so logs and JSON stay short.
    for (const k of FIELDS) {
      if (context[k] !== undefined) (this as Record<string, unknown>)[k] = context[k]
    }
  }

  /** Where the problem is, in words: `s3://b/k, row 5, column size`. Empty when nothing is known. */
  get where(): string {
    return describeWhere(this)
  }

  toJSON(): ErrorData {
    return errorData(this)
  }
}

function describeWhere(c: ErrorContext): string {
  const parts: string[] = []
  if (c.option !== undefined) parts.push(c.option)
  if (c.key !== undefined) parts.push(c.bucket !== undefined ? `s3://${c.bucket}/${c.key}` : c.key)
  else if (c.bucket !== undefined) parts.push(`s3://${c.bucket}`)
  if (c.resource !== undefined) parts.push(c.resource)
  if (c.row !== undefined) parts.push(`row ${c.row}`)
  if (c.column !== undefined) parts.push(`column ${c.column}`)
  if (c.field !== undefined) parts.push(`field ${c.field}`)
  if (c.offset !== undefined) parts.push(`byte ${c.offset}`)
  return parts.join(', ')
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s
}

/**
 * One line for people: `CODE: message (where; expected …; got …)`. For errors of other kinds,
 * their name and message.
 */
export function formatError(err: unknown): string {
  if (!(err instanceof S3InventoryError)) {
    const e = err as { name?: string; message?: string } | null
    return `${e?.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e?.message ?? String(err)}`
  }
  const parts: string[] = []
  const where = describeWhere(err)
  if (where) parts.push(where)
  // 1,000: UNKNOWN_FIELD lists every valid name (~450 characters), and the list must be whole.
  if (err.expected !== undefined) parts.push(`expected ${truncate(err.expected, 1000)}`)
  if (err.actual !== undefined) parts.push(`got ${truncate(err.actual, 200)}`)
  return `${err.code}: ${err.message}${parts.length ? ` (${parts.join('; ')})` : ''}`
}

/** An error as plain data (it crosses worker threads and JSON); `errorFromData` turns it back. */
export interface ErrorData extends Omit<ErrorContext, 'cause'> {
  code: ErrorCode
  message: string
}

export function errorData(err: S3InventoryError): ErrorData {
  const d: ErrorData = { code: err.code, message: err.message }
  for (const k of FIELDS) if (err[k] !== undefined) (d as unknown as Record<string, unknown>)[k] = err[k]
  return d
}

export function errorFromData(d: ErrorData, more: ErrorContext = {}): S3InventoryError {
  const context: ErrorContext = { ...more }
  for (const k of FIELDS) if (d[k] !== undefined) (context as Record<string, unknown>)[k] = d[k]
  return new S3InventoryError(d.code, d.message, context)
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
