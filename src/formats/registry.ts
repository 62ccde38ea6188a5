/** The format reader for a manifest's fileFormat: CSV, Parquet or ORC. */
import { S3InventoryError } from '../errors.js'
import { locationRef } from '../location.js'
import type { InventoryManifest } from '../manifest.js'
import { csvFormat } from './csv/index.js'
import type { InventoryFormat } from './format.js'
import { orcFormat } from './orc/index.js'
import { parquetFormat } from './parquet/index.js'

const FORMATS: Record<string, InventoryFormat> = { csv: csvFormat, parquet: parquetFormat, orc: orcFormat }

export function formatFor(m: Pick<InventoryManifest, 'fileFormat' | 'location'>): InventoryFormat {
  const format = FORMATS[m.fileFormat.toLowerCase()]
  if (format) return format
  throw new S3InventoryError('UNSUPPORTED_FORMAT', `${m.fileFormat} inventories cannot be read; CSV, Parquet and ORC are supported`, {
    ...locationRef(m.location),
    expected: 'fileFormat CSV, Parquet or ORC',
    actual: m.fileFormat,
  })
}
