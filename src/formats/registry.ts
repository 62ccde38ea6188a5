/** The format reader for a manifest's fileFormat: CSV, Parquet (ORC: UNSUPPORTED_FORMAT until its reader lands). */
import { S3InventoryError } from '../errors.js'
import { locationRef } from '../location.js'
import type { InventoryManifest } from '../manifest.js'
import { csvFormat } from './csv/index.js'
import type { InventoryFormat } from './format.js'
import { readParquetRows } from './parquet/rows.js'

// Temporary adapter until formats/parquet exports parquetFormat.
const parquetFormat: InventoryFormat = {
  rows: (read) =>
    readParquetRows(read.source, read.file, {
      columns: read.columns && [...read.columns, ...(read.optionalColumns ?? [])],
      filter: read.filter,
      startRow: read.startRow,
      verify: read.expected !== undefined,
      expected: { size: read.size, md5: read.expected?.md5 },
      readSize: read.readSize,
      signal: read.signal,
    }),
  async visit(read, fn) {
    const it = readParquetRows(read.source, read.file, {
      columns: read.columns && [...read.columns, ...(read.optionalColumns ?? [])],
      filter: read.filter,
      startRow: read.startRow,
      verify: read.expected !== undefined,
      expected: { size: read.size, md5: read.expected?.md5 },
      readSize: read.readSize,
      signal: read.signal,
      each: fn,
    })
    for await (const _ of it) void _
  },
}

const FORMATS: Record<string, InventoryFormat> = { csv: csvFormat, parquet: parquetFormat }

export function formatFor(m: Pick<InventoryManifest, 'fileFormat' | 'location'>): InventoryFormat {
  const format = FORMATS[m.fileFormat.toLowerCase()]
  if (format) return format
  throw new S3InventoryError('UNSUPPORTED_FORMAT', `${m.fileFormat} inventories cannot be read; CSV and Parquet are supported`, {
    ...locationRef(m.location),
    expected: 'fileFormat CSV or Parquet',
    actual: m.fileFormat,
  })
}
