/** Messages between the caller's thread and the CSV worker (formats/csv-worker.ts). */
import type { RowFilter } from '../filter.js'
import type { GroupBy, PartialSummary } from '../summarize.js'
import type { ColumnarBatch, ColumnSpec, ScanBatch } from './csv.js'

/** Aggregate in the worker instead of sending batches back (summaries: only totals cross threads). */
export interface AggregateSpec {
  by: GroupBy[]
  outputs: number
  filter?: RowFilter
  startRow?: number
}

export type ToWorker =
  | { type: 'open'; id: number; fieldCount: number; spec: ColumnSpec[]; maxRecord: number; md5?: string; size?: number; aggregate?: AggregateSpec }
  | { type: 'data'; id: number; chunk: Uint8Array }
  | { type: 'end'; id: number }
  | { type: 'close'; id: number }

export type FromWorker =
  /**
   * Rows mode: scanned records (without `text`) and the dictionary columns extracted here; the
   * caller extracts the rest and builds rows (see csv-decode.ts decodeInWorker).
   */
  | { type: 'scanned'; id: number; batch: ScanBatch; dicts: Pick<ColumnarBatch, 'cols' | 'dictAdds' | 'dictResets'> }
  /** A compressed chunk has been consumed; `rows` records were scanned since the last ack. */
  | { type: 'ack'; id: number; rows: number }
  | { type: 'done'; id: number; summary?: PartialSummary; rows: number }
  | { type: 'error'; id: number; code: string; message: string; expected?: string; actual?: string; row?: number; column?: string; offset?: number }
