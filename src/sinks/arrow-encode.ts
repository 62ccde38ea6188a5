/**
 * Rows → Apache Arrow RecordBatches, built column by column straight into typed arrays (numbers,
 * dates, booleans) or Arrow builders (strings), and → an Arrow IPC stream file with bounded memory.
 * Loaded on first use through arrow.ts: Arrow costs ~0.25 s of start-up that other work should not pay.
 */
import { endianness } from 'node:os'
import {
  AsyncByteQueue,
  Bool,
  Dictionary,
  DictionaryBuilder,
  Field,
  Int32,
  Int64,
  makeBuilder,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  TimestampMillisecond,
  Utf8,
  type Data,
  type DataType,
} from 'apache-arrow'
import type { KnownField } from '../schema/fields.js'
import type { InventoryRow } from '../schema/row.js'
import { fileSink } from './file.js'
import { numberOption, optionsObject, RANGES } from '../options.js'
import { booleanOf, columnSpecs, integerOf, millisOf, namesOf, rechunk, sinkColumns, textOf, type ColumnSpec, type RowSource, type SinkColumnOptions } from './columns.js'

export interface ToArrowOptions extends SinkColumnOptions {
  /** Rows per RecordBatch (held in memory while it is built). Default 65,536; 1–1,000,000. */
  batchSize?: number
  signal?: AbortSignal
}

/** The options checked (before any row is pulled): the columns to write (undefined: the first row's fields) and the batch size. */
function checked(options: ToArrowOptions): { columns: string[] | undefined; batchSize: number } {
  optionsObject(options)
  return { columns: sinkColumns(options), batchSize: numberOption(options.batchSize, 'batchSize', RANGES.batchSize, 65_536) }
}

/** Dictionaries past this many entries are restarted (a replacement dictionary), so a column that turns out not to be low-cardinality cannot grow without bound. */
const MAX_DICTIONARY = 1 << 16

/** The Arrow type of each kind of column. Dictionary types carry an id, so make one per export. */
function arrowType(kind: ColumnSpec['kind']): DataType {
  switch (kind) {
    case 'dict':
      return new Dictionary(new Utf8(), new Int32())
    case 'utf8':
      return new Utf8()
    case 'int64':
      return new Int64()
    case 'timestamp':
      return new TimestampMillisecond('UTC')
    case 'bool':
      return new Bool()
  }
}

/** The schema `toArrow` produces for these fields (all nullable); names as `columns` takes them (extraColumns after). */
export function arrowSchema(columns: readonly KnownField[], extraColumns?: readonly string[]): Schema {
  return schemaOf(sinkColumns({ columns, extraColumns }) ?? [])
}

function schemaOf(names: readonly string[]): Schema {
  return new Schema(columnSpecs(names).map((c) => new Field(c.name, arrowType(c.kind), true)))
}

/** Rows as Arrow RecordBatches of `batchSize` rows, all with one schema. Undefined values are nulls. */
export function toArrow(rows: RowSource, options: ToArrowOptions = {}): AsyncGenerator<RecordBatch> {
  return batches(rows, checked(options), options.signal)
}

async function* batches(rows: RowSource, o: ReturnType<typeof checked>, signal: AbortSignal | undefined): AsyncGenerator<RecordBatch> {
  let encoder: ((rows: InventoryRow[]) => RecordBatch) | undefined
  for await (const chunk of rechunk(rows, o.batchSize, signal)) {
    encoder ??= batchEncoder(o.columns ?? namesOf(chunk[0]))
    yield encoder(chunk)
  }
}

/** A function from an array of rows to a RecordBatch; dictionaries persist across calls (the IPC writer then sends only deltas). */
function batchEncoder(columns: readonly string[]): (rows: InventoryRow[]) => RecordBatch {
  const specs = columnSpecs(columns)
  const schema = schemaOf(columns)
  const dictionaries = new Map<number, { builder: DictionaryBuilder<Dictionary<Utf8, Int32>>; size: number }>()
  const newDictionary = (i: number) => {
    const d = { builder: makeBuilder({ type: schema.fields[i].type, nullValues: [null, undefined] }) as DictionaryBuilder<Dictionary<Utf8, Int32>>, size: 0 }
    dictionaries.set(i, d)
    return d
  }
  return (rows) => {
    const children = specs.map((spec, i): Data => {
      switch (spec.kind) {
        case 'int64':
        case 'timestamp':
          return int64Column(rows, spec, schema.fields[i].type)
        case 'bool':
          return boolColumn(rows, spec.name)
        case 'utf8': {
          const b = makeBuilder({ type: new Utf8(), nullValues: [null, undefined] })
          for (let r = 0; r < rows.length; r++) {
            const v = rows[r][spec.name]
            b.append(v === undefined || v === null ? undefined : textOf(v))
          }
          return b.flush()
        }
        case 'dict': {
          let d = dictionaries.get(i) ?? newDictionary(i)
          if (d.size > MAX_DICTIONARY) d = newDictionary(i)
          for (let r = 0; r < rows.length; r++) {
            const v = rows[r][spec.name]
            d.builder.append(v === undefined || v === null ? undefined : textOf(v))
          }
          const data = d.builder.flush()
          d.size = data.dictionary?.length ?? 0
          return data
        }
      }
    })
    const data = makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children })
    return new RecordBatch(schema, data)
  }
}

const LITTLE_ENDIAN = endianness() === 'LE'
const TWO_32 = 4294967296

/**
 * Int64 / Timestamp(ms) column: values written as two 32-bit halves into the BigInt64Array's memory,
 * so no BigInt is allocated per row (big-endian machines take the BigInt path).
 */
function int64Column(rows: InventoryRow[], spec: ColumnSpec, type: DataType): Data {
  const n = rows.length
  const values = new BigInt64Array(n)
  const halves = new Int32Array(values.buffer)
  const valid = new Uint8Array((n + 7) >> 3)
  let nulls = 0
  for (let r = 0; r < n; r++) {
    const v = rows[r][spec.name]
    if (v === undefined || v === null) {
      nulls++
      continue
    }
    const x = spec.kind === 'timestamp' ? millisOf(v, rows[r], spec.name) : integerOf(v, rows[r], spec.name)
    valid[r >> 3] |= 1 << (r & 7)
    if (LITTLE_ENDIAN) {
      const hi = Math.floor(x / TWO_32)
      halves[2 * r] = x - hi * TWO_32 // ToInt32 wraps the unsigned low half
      halves[2 * r + 1] = hi
    } else values[r] = BigInt(x)
  }
  return makeData({ type: type as Int64, length: n, nullCount: nulls, nullBitmap: nulls ? valid : null, data: values })
}

function boolColumn(rows: InventoryRow[], name: string): Data {
  const n = rows.length
  const bits = new Uint8Array((n + 7) >> 3)
  const valid = new Uint8Array((n + 7) >> 3)
  let nulls = 0
  for (let r = 0; r < n; r++) {
    const v = rows[r][name]
    if (v === undefined || v === null) {
      nulls++
      continue
    }
    valid[r >> 3] |= 1 << (r & 7)
    if (booleanOf(v, rows[r], name)) bits[r >> 3] |= 1 << (r & 7)
  }
  return makeData({ type: new Bool(), length: n, nullCount: nulls, nullBitmap: nulls ? valid : null, data: bits })
}

export interface WriteResult {
  rows: number
  batches: number
  bytes: number
}

/**
 * Collects what the IPC writer emits instead of queueing it for a reader, so the caller can write it
 * out (and wait for the file) after each batch: at most one batch's bytes are held.
 */
class CollectingSink extends AsyncByteQueue {
  chunks: Uint8Array[] = []
  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.chunks.push(value)
  }
  take(): Uint8Array[] {
    const c = this.chunks
    this.chunks = []
    return c
  }
}

/**
 * Writes rows as an Arrow IPC stream (RecordBatchStreamWriter) to `file`, one batch at a time: the
 * source is pulled only once the previous batch has reached the file. With no rows, the stream holds
 * the schema of `columns` (default: bucket, key).
 */
export async function writeArrowFile(rows: RowSource, file: string, options: ToArrowOptions = {}): Promise<WriteResult> {
  const o = checked(options)
  const out = fileSink(file)
  const sink = new CollectingSink()
  const writer = new RecordBatchStreamWriter()
  writer.reset(sink)
  const result: WriteResult = { rows: 0, batches: 0, bytes: 0 }
  const flush = async () => {
    for (const chunk of sink.take()) {
      result.bytes += chunk.byteLength
      await out.write(chunk)
    }
  }
  try {
    for await (const batch of batches(rows, o, options.signal)) {
      writer.write(batch)
      result.rows += batch.numRows
      result.batches++
      await flush()
    }
    if (result.batches === 0) writer.reset(sink, schemaOf(o.columns ?? ['bucket', 'key']))
    writer.finish()
    await flush()
    await out.end()
    return result
  } catch (err) {
    await out.destroy()
    throw err
  }
}
