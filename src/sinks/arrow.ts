/**
 * The Arrow sink's public functions. The encoder (arrow-encode.ts, which imports apache-arrow) loads on
 * the first call: importing this package, or running an s3inv command other than `export`, does not
 * load Arrow (~0.25 s of start-up).
 */
import type { RecordBatch, Schema } from 'apache-arrow'
import type { KnownField } from '../schema/fields.js'
import type { RowSource } from './columns.js'
import type { ToArrowOptions, WriteResult } from './arrow-encode.js'

export type { ToArrowOptions, WriteResult } from './arrow-encode.js'

const encoder = () => import('./arrow-encode.js')

/** The schema `toArrow` produces for these fields (all nullable; extraColumns after them). Async: Arrow is loaded on first use. */
export async function arrowSchema(columns: readonly KnownField[], extraColumns?: readonly string[]): Promise<Schema> {
  return (await encoder()).arrowSchema(columns, extraColumns)
}

/** Rows as Arrow RecordBatches of `batchSize` rows, all with one schema. Undefined values are nulls. */
export async function* toArrow(rows: RowSource, options: ToArrowOptions = {}): AsyncGenerator<RecordBatch> {
  yield* (await encoder()).toArrow(rows, options)
}

/**
 * Writes rows as an Arrow IPC stream (RecordBatchStreamWriter) to `file`, one batch at a time: the
 * source is pulled only once the previous batch has reached the file. With no rows, the stream holds
 * the schema of `columns` (default: bucket, key).
 */
export async function writeArrowFile(rows: RowSource, file: string, options: ToArrowOptions = {}): Promise<WriteResult> {
  return (await encoder()).writeArrowFile(rows, file, options)
}
