/**
 * One completion report results file → typed rows. The file is plain CSV (not gzipped), no header,
 * quoted only where needed; ResultMessage holds commas, doubled quotes, newlines and JSON, so it goes
 * through csv-parse (streaming: memory is bounded by one record and the stream buffers).
 */
import { isUtf8 } from 'node:buffer'
import { Readable } from 'node:stream'
import { finished } from 'node:stream/promises'
import { CsvError, parse } from 'csv-parse'
import { S3InventoryError } from '../errors.js'
import { valueErrorToInventoryError } from '../schema/build.js'
import { ROW_FILE, ROW_INDEX, type DataFileRef } from '../schema/row.js'
import { decodeKey } from '../schema/values.js'
import type { ByteSource } from '../sources/source.js'
import { verified } from '../sources/verify.js'

export type TaskStatus = 'succeeded' | 'failed'

export function isTaskStatus(s: unknown): s is TaskStatus {
  return s === 'succeeded' || s === 'failed'
}

/** A row of a completion report. Empty fields are `undefined`. */
export interface CompletionReportRow {
  bucket: string
  /** Decoded once from the manifest's encoding (`%2520` → `%20`; `+` and `%20` are spaces). */
  key: string
  versionId?: string
  taskStatus: TaskStatus
  /** e.g. `PermanentFailure`, `TemporaryFailure`, or an S3 error code. */
  errorCode?: string
  httpStatusCode?: number
  resultMessage?: string
}

// A class so rows carry their file and index (for rowSource) without extra own properties.
class ReportRow implements CompletionReportRow {
  readonly #file: DataFileRef
  readonly #row: number
  // Declared in output order (JSON, CSV).
  bucket: string
  key: string
  versionId?: string
  taskStatus: TaskStatus
  errorCode?: string
  httpStatusCode?: number
  resultMessage?: string
  constructor(
    file: DataFileRef,
    row: number,
    bucket: string,
    key: string,
    versionId: string | undefined,
    taskStatus: TaskStatus,
    errorCode: string | undefined,
    httpStatusCode: number | undefined,
    resultMessage: string | undefined,
  ) {
    this.#file = file
    this.#row = row
    this.bucket = bucket
    this.key = key
    this.versionId = versionId
    this.taskStatus = taskStatus
    this.errorCode = errorCode
    this.httpStatusCode = httpStatusCode
    this.resultMessage = resultMessage
  }
  get [ROW_FILE](): DataFileRef {
    return this.#file
  }
  get [ROW_INDEX](): number {
    return this.#row
  }
}

/** Field names of a report row, in output order. */
export const REPORT_ROW_FIELDS = ['bucket', 'key', 'versionId', 'taskStatus', 'errorCode', 'httpStatusCode', 'resultMessage'] as const

export interface ReportFileOptions {
  /** Column names from ReportSchema. */
  columns: readonly string[]
  /** Expected MD5 (hex); undefined skips the check. */
  md5?: string
  /** Keep only rows with these statuses. */
  statuses?: ReadonlySet<TaskStatus>
  /** Largest record (bytes of one row) accepted before CSV_MALFORMED. */
  maxRecordBytes: number
  signal: AbortSignal
}

const BATCH = 1024
const DIGITS = /^\d+$/

/**
 * ReportSchema lists `ErrorCode, HTTPStatusCode`, but every AWS example row has the HTTP status first.
 * Which is real is unconfirmed, so each row is read by content: the all-digit one of the two columns
 * is the HTTP status. A row where both or neither look numeric keeps the order last seen in this file
 * (the schema's order before any).
 */
function rowBuilder(columns: readonly string[], file: DataFileRef) {
  const at = (name: string) => columns.indexOf(name)
  const iBucket = at('Bucket')
  const iKey = at('Key')
  const iVersion = at('VersionId')
  const iStatus = at('TaskStatus')
  const iCode = at('ErrorCode')
  const iHttp = at('HTTPStatusCode')
  const iMessage = at('ResultMessage')
  let swapped = false
  const ref = { bucket: file.bucket, key: file.key }
  const opt = (rec: string[], i: number) => (i < 0 || rec[i] === '' ? undefined : rec[i])

  function status(rec: string[], row: number): TaskStatus {
    const raw = rec[iStatus]
    const s = raw.toLowerCase()
    if (isTaskStatus(s)) return s
    throw new S3InventoryError('VALUE_INVALID', 'cannot read taskStatus', { ...ref, row, column: 'taskStatus', expected: 'succeeded or failed', actual: raw })
  }

  function codeAndHttp(rec: string[], row: number): [string | undefined, number | undefined] {
    const a = opt(rec, iCode)
    const b = opt(rec, iHttp)
    const aDigits = a !== undefined && DIGITS.test(a)
    const bDigits = b !== undefined && DIGITS.test(b)
    if (aDigits !== bDigits) swapped = aDigits
    else if (!aDigits && a !== undefined && b !== undefined) {
      throw new S3InventoryError('VALUE_INVALID', 'neither ErrorCode nor HTTPStatusCode holds an HTTP status', {
        ...ref,
        row,
        column: 'httpStatusCode',
        expected: 'one of the two columns all digits (or empty)',
        actual: `${a} / ${b}`,
      })
    }
    const [code, http] = swapped ? [b, a] : [a, b]
    // Both empty, or one empty and the other not numeric: that one is the error code.
    if (http !== undefined && !DIGITS.test(http)) return [http, undefined]
    return [code, http === undefined ? undefined : Number(http)]
  }

  return {
    status,
    build(rec: string[], row: number, taskStatus: TaskStatus): CompletionReportRow {
      const bucket = rec[iBucket]
      const rawKey = rec[iKey]
      if (bucket === '' || rawKey === '') {
        const column = bucket === '' ? 'bucket' : 'key'
        throw new S3InventoryError('VALUE_INVALID', `empty ${column}`, { ...ref, row, column, expected: `a ${column}` })
      }
      let key: string
      try {
        key = decodeKey(rawKey)
      } catch (err) {
        throw valueErrorToInventoryError(err, file, row, 'key')
      }
      const [errorCode, httpStatusCode] = codeAndHttp(rec, row)
      return new ReportRow(file, row, bucket, key, opt(rec, iVersion), taskStatus, errorCode, httpStatusCode, opt(rec, iMessage))
    },
  }
}

/**
 * Bytes passed through unchanged once they are known to be UTF-8. Decoding invalid bytes would give
 * U+FFFD, and a re-drive manifest built from such a row would name a key that does not exist.
 */
async function* utf8Only(input: AsyncIterable<Uint8Array>, file: DataFileRef): AsyncGenerator<Uint8Array> {
  // The error names the file offset of the first byte of the bad sequence (also when it began in the previous chunk).
  const fail = (at: number) =>
    new S3InventoryError('CSV_MALFORMED', 'the results file is not valid UTF-8', { bucket: file.bucket, key: file.key, offset: at, expected: 'UTF-8 text (keys as S3 returned them)' })
  let offset = 0 // of the first byte not yet checked (the carry's, when there is one)
  let carry: Uint8Array | undefined
  for await (const chunk of input) {
    const b = carry ? Buffer.concat([carry, chunk]) : chunk
    const cut = b.length - incompleteTail(b)
    const whole = b.subarray(0, cut)
    if (!isUtf8(whole)) throw fail(offset + firstInvalidUtf8(whole))
    carry = cut < b.length ? b.slice(cut) : undefined
    offset += cut
    yield chunk
  }
  if (carry) throw fail(offset)
}

/** Bytes (0–3) at the end of `b` that start a UTF-8 sequence the next chunk may complete. */
function incompleteTail(b: Uint8Array): number {
  for (let k = 1; k <= 3 && k <= b.length; k++) {
    const c = b[b.length - k]
    if (c >= 0x80 && c < 0xc0) continue // a continuation byte: look further back for its lead
    const size = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1
    return size > k ? k : 0
  }
  return 0
}

/** Index of the first byte of the first invalid (or cut-off) UTF-8 sequence in `b`, after RFC 3629; -1 when there is none. */
export function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]
    if (c < 0x80) {
      i++
      continue
    }
    let need: number
    let lo = 0x80
    let hi = 0xbf
    if (c >= 0xc2 && c <= 0xdf) need = 1
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2
      if (c === 0xe0) lo = 0xa0 // no overlong forms
      else if (c === 0xed) hi = 0x9f // no surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3
      if (c === 0xf0) lo = 0x90
      else if (c === 0xf4) hi = 0x8f // nothing past U+10FFFF
    } else return i
    for (let k = 1; k <= need; k++) {
      const x = b[i + k]
      if (i + k >= b.length || x < (k === 1 ? lo : 0x80) || x > (k === 1 ? hi : 0xbf)) return i
    }
    i += need + 1
  }
  return -1
}

/** Batches of rows of one results file, in file order. */
export async function* reportFileRows(source: ByteSource, file: DataFileRef, o: ReportFileOptions): AsyncGenerator<CompletionReportRow[]> {
  const raw = source.stream(0, undefined, o.signal)
  const bytes = utf8Only(o.md5 ? verified(raw, { md5: o.md5 }, source.ref) : raw, file)
  const input = Readable.from(bytes, { objectMode: false })
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, max_record_size: o.maxRecordBytes })
  // pipe() does not forward errors: a failed read or checksum must fail the parse.
  input.on('error', (err) => parser.destroy(err))
  input.pipe(parser)
  const { status, build } = rowBuilder(o.columns, file)
  const fieldCount = o.columns.length
  let row = 0
  let batch: CompletionReportRow[] = []
  try {
    for await (const rec of parser as AsyncIterable<string[]>) {
      const i = row++
      if (rec.length !== fieldCount) {
        throw new S3InventoryError('CSV_MALFORMED', 'wrong number of fields', {
          bucket: file.bucket,
          key: file.key,
          row: i,
          offset: parser.info.bytes,
          expected: `${fieldCount} fields (ReportSchema)`,
          actual: `${rec.length} fields`,
        })
      }
      const s = status(rec, i)
      if (o.statuses && !o.statuses.has(s)) continue
      batch.push(build(rec, i, s))
      // Hand over what has been parsed so far once the parser has nothing more buffered.
      if (batch.length >= BATCH || parser.readableLength === 0) {
        yield batch
        batch = []
      }
    }
    if (batch.length > 0) yield batch
  } catch (err) {
    if (o.signal.aborted) throw o.signal.reason
    if (err instanceof CsvError) {
      throw new S3InventoryError('CSV_MALFORMED', err.message, {
        bucket: file.bucket,
        key: file.key,
        row: typeof err.records === 'number' ? err.records : row,
        offset: typeof err.bytes === 'number' ? err.bytes : undefined,
        expected: 'RFC 4180 CSV',
        actual: err.code,
        cause: err,
      })
    }
    throw err
  } finally {
    parser.destroy()
    input.destroy()
    // Wait until the byte source has closed its file or connection.
    await finished(input).catch(() => {})
  }
}
