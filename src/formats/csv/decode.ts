/**
 * The one CSV decoder: CSV.gz bytes → MD5/size check → gunzip → scanned records → typed columnar
 * batches. The same function runs in-process (rows) and on a worker thread (summaries), where only
 * the bytes come in and only a partial summary goes out.
 */
import { gunzip } from '../../codecs/gzip.js'
import { S3InventoryError, type ErrorCode } from '../../errors.js'
import type { CompiledFilter } from '../../filter.js'
import type { ObjectRef } from '../../sources/source.js'
import { verified, type Expected } from '../../sources/verify.js'
import { createColumnExtractor, isValueFailure, type ColumnarBatch } from './columns.js'
import { createCsvScanner, isScanFailure } from './scanner.js'
import type { CsvPlan } from './schema.js'

/**
 * Bytes scanned at a time. A batch's text is one string; strings over 128 KiB go to V8's large-object
 * space, whose allocation made decoding text ~6× slower (docs/performance.md).
 */
const SCAN_SLICE = 64 * 1024

/** The longest record accepted (a quote left open would otherwise swallow the file). */
export const MAX_RECORD_BYTES = 8 * 1024 * 1024

export interface DecodeOptions {
  plan: CsvPlan
  /** Size and MD5 of the compressed bytes, or undefined to skip verification. */
  expected?: Expected
  /** Evaluated during extraction: the other columns are extracted only for records that pass. */
  filter?: CompiledFilter
  /** Records before this index are skipped by the reader: the filter does not look at them. Default 0. */
  startRow?: number
  maxRecordBytes?: number
  /** zlib's output chunk size (default 64 KiB; see codecs/gzip.ts). */
  zlibChunk?: number
}

/** Columnar batches of one CSV.gz file; the last one is held until the file has ended cleanly (verified, gzip complete). */
export async function* csvBatches(bytes: AsyncIterable<Uint8Array>, ref: ObjectRef, o: DecodeOptions): AsyncGenerator<ColumnarBatch> {
  const checked = o.expected ? verified(bytes, o.expected, ref) : bytes
  const scanner = createCsvScanner(o.plan.fieldCount, o.maxRecordBytes ?? MAX_RECORD_BYTES)
  const extract = createColumnExtractor(o.plan.fieldCount, o.plan.spec, o.filter, o.startRow)
  try {
    let held: ColumnarBatch | undefined
    for await (const chunk of gunzip(checked, ref, o.zlibChunk)) {
      // zlib's output chunks are large (fewer round trips to its thread); the scanner takes them in
      // slices, so each batch's text stays under V8's large-object threshold (see SCAN_SLICE).
      for (let at = 0; at < chunk.length; at += SCAN_SLICE) {
        const batch = scanner.push(chunk.subarray(at, Math.min(chunk.length, at + SCAN_SLICE)))
        if (!batch) continue
        if (held) yield held
        held = extract(batch)
      }
    }
    const tail = scanner.end()
    if (held) yield held
    if (tail) yield extract(tail)
  } catch (err) {
    throw failureToError(err, ref)
  }
}

/** Scan and value failures (plain objects) → S3InventoryError naming the file; anything else unchanged. */
export function failureToError(e: unknown, ref: ObjectRef): unknown {
  const where = { bucket: ref.bucket, key: ref.key }
  if (isScanFailure(e)) return new S3InventoryError('CSV_MALFORMED', e.message, { ...where, row: e.row, expected: e.expected, actual: e.actual })
  if (isValueFailure(e)) {
    return new S3InventoryError(e.code as ErrorCode, `cannot read ${e.column}`, { ...where, row: e.row, column: e.column, expected: e.expected, actual: e.actual })
  }
  return e
}
