/**
 * Rows → a Parquet file, one row group at a time (hyparquet-writer's ParquetWriter): each row group
 * is encoded, written out and awaited before the next rows are pulled, so memory holds one row
 * group. Only the footer (row-group metadata) grows with the file.
 */
import { numberOption, optionsObject, RANGES } from '../options.js'
import type { InventoryRow } from '../schema/row.js'
import type { WriteResult } from './arrow.js'
import { fileSink } from './file.js'
import { booleanOf, columnSpecs, integerOf, millisOf, namesOf, rechunk, sinkColumns, textOf, type ColumnSpec, type RowSource, type SinkColumnOptions } from './columns.js'

export interface WriteParquetOptions extends SinkColumnOptions {
  /** Rows per row group (held in memory while it is encoded). Default 100,000; 1–1,000,000. */
  rowGroupSize?: number
  signal?: AbortSignal
}

/** Parquet schema element of a column (all OPTIONAL; strings UTF8, sizes INT64, dates TIMESTAMP(MILLIS, UTC)). */
function schemaElement(c: ColumnSpec): Record<string, unknown> {
  const base = { name: c.name, repetition_type: 'OPTIONAL' }
  switch (c.kind) {
    case 'dict':
    case 'utf8':
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } }
    case 'int64':
      return { ...base, type: 'INT64' }
    case 'timestamp':
      return { ...base, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' } }
    case 'bool':
      return { ...base, type: 'BOOLEAN' }
  }
}

/** One column of a row group in the value shapes hyparquet-writer takes (null for missing). */
function columnValues(rows: InventoryRow[], c: ColumnSpec): unknown[] {
  const out = new Array<unknown>(rows.length)
  for (let r = 0; r < rows.length; r++) {
    const v = rows[r][c.name]
    if (v === undefined || v === null) out[r] = null
    else if (c.kind === 'int64') out[r] = BigInt(integerOf(v, rows[r], c.name))
    else if (c.kind === 'timestamp') out[r] = BigInt(millisOf(v, rows[r], c.name))
    else if (c.kind === 'bool') out[r] = booleanOf(v, rows[r], c.name)
    else out[r] = textOf(v)
  }
  return out
}

/** Writes rows to a Parquet file (Snappy), `rowGroupSize` rows per row group. With no rows, an empty file with the `columns` schema (default bucket, key). */
export async function writeParquetFile(rows: RowSource, file: string, options: WriteParquetOptions = {}): Promise<WriteResult> {
  // Loaded on first use: it is ESM-only, and most users of this library never write Parquet.
  // Every option checked before a row is pulled or the file created.
  optionsObject(options)
  const columns = sinkColumns(options)
  const rowGroupSize = numberOption(options.rowGroupSize, 'rowGroupSize', RANGES.rowGroupSize, 100_000)
  const { ByteWriter, ParquetWriter } = await import('hyparquet-writer')
  const out = fileSink(file)
  const result: WriteResult = { rows: 0, batches: 0, bytes: 0 }

  // ParquetWriter appends into this buffer and calls flush() after every row group; the bytes go to
  // the file and the buffer is reused. finish() is sync in ParquetWriter, so the tail is written by us.
  const bytes = new ByteWriter() as InstanceType<typeof ByteWriter> & { flush?: () => Promise<void> }
  const drain = async () => {
    if (bytes.index === 0) return
    const chunk = Buffer.from(bytes.buffer.slice(0, bytes.index))
    bytes.index = 0
    result.bytes += chunk.byteLength
    await out.write(chunk)
  }
  bytes.flush = drain

  let writer: InstanceType<typeof ParquetWriter> | undefined
  let specs: ColumnSpec[] | undefined
  const start = (names: readonly string[]) => {
    specs = columnSpecs(names)
    const schema = [{ name: 'root', num_children: specs.length }, ...specs.map(schemaElement)]
    return new ParquetWriter({ writer: bytes, schema: schema as never, codec: 'SNAPPY' })
  }
  try {
    for await (const chunk of rechunk(rows, rowGroupSize, options.signal)) {
      writer ??= start(columns ?? namesOf(chunk[0]))
      const columnData = specs!.map((c) => ({ name: c.name, data: columnValues(chunk, c) }))
      // Resolves once the row group is in the file (write() awaits our flush()).
      await writer.write({ columnData: columnData as never, rowGroupSize: chunk.length })
      result.rows += chunk.length
      result.batches++
    }
    writer ??= start(columns ?? ['bucket', 'key'])
    await writer.finish()
    await drain()
    await out.end()
    return result
  } catch (err) {
    await out.destroy()
    throw err
  }
}
