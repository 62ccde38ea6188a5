/** Messages between the caller's thread and the CSV worker (worker.ts): bytes in, a partial summary out. */
import type { ErrorData } from '../../errors.js'
import type { RowFilter } from '../../filter.js'
import type { ObjectRef } from '../../sources/source.js'
import type { Expected } from '../../sources/verify.js'
import type { AggregateSpec, PartialSummaries } from '../../summarize.js'
import type { CsvPlan } from './schema.js'

export interface OpenFile {
  type: 'open'
  id: number
  ref: ObjectRef
  plan: CsvPlan
  expected?: Expected
  filter?: RowFilter
  startRow: number
  aggregate: AggregateSpec
}

export type ToWorker = OpenFile | { type: 'data'; id: number; chunk: Uint8Array } | { type: 'end'; id: number } | { type: 'close'; id: number }

export type FromWorker =
  /** A compressed chunk has been taken; `rows` records were decoded since the last ack (progress). */
  | { type: 'ack'; id: number; rows: number }
  | { type: 'done'; id: number; summary: PartialSummaries; rows: number }
  | { type: 'error'; id: number; error: ErrorData }
