/**
 * A CSV inventory's columns come only from the manifest's `fileSchema` ("Bucket, Key, Size, …"): no
 * header row. A schema that cannot be right (a duplicate column, no Key or Bucket) is refused here.
 */
import { S3InventoryError, type ErrorContext } from '../../errors.js'
import { fieldForCsvName, type FieldDef } from '../../schema/fields.js'
import { planColumns, type FileRead } from '../format.js'
import type { ColumnKind, ColumnSpec } from './columns.js'

/** Splits a CSV `fileSchema` into trimmed names. */
export function parseCsvSchema(fileSchema: string): string[] {
  return fileSchema.split(',').map((s) => s.trim())
}

/** The fields of a CSV fileSchema, in file order; MANIFEST_INVALID naming the column when the schema cannot be right. */
export function csvFields(fileSchema: string, where: Pick<ErrorContext, 'bucket' | 'key'>): FieldDef[] {
  const names = parseCsvSchema(fileSchema)
  // The manifest's field is named by `field`; the message names the schema's column.
  const invalid = (message: string, _column: string | undefined, expected: string) =>
    new S3InventoryError('MANIFEST_INVALID', message, { ...where, field: 'fileSchema', expected, actual: fileSchema.slice(0, 400) })
  const fields = names.map((n, i) => {
    if (n === '') throw invalid(`fileSchema has an empty column name at position ${i + 1}`, undefined, 'comma-separated column names such as "Bucket, Key, Size"')
    return fieldForCsvName(n)
  })
  const seen = new Map<string, string>()
  for (const [i, f] of fields.entries()) {
    const before = seen.get(f.name)
    if (before !== undefined) throw invalid(`fileSchema lists the column ${names[i]} twice`, names[i], `each column once (${before} and ${names[i]} are the same field)`)
    seen.set(f.name, names[i])
  }
  for (const required of ['Bucket', 'Key']) {
    if (!seen.has(required.toLowerCase())) throw invalid(`fileSchema has no ${required} column`, required, `a fileSchema with Bucket and Key, such as "Bucket, Key, Size, LastModifiedDate"`)
  }
  return fields
}

/** Which columns of the file are extracted, in what order: the rows' columns first, then those only the filter reads. */
export interface CsvPlan {
  fieldCount: number
  spec: ColumnSpec[]
  /** The first `outputs` entries of `spec` go into rows. */
  outputs: number
}

export function csvPlan(read: Pick<FileRead, 'fileSchema' | 'columns' | 'extraColumns' | 'filter' | 'file'>): CsvPlan {
  const fields = csvFields(read.fileSchema, read.file)
  const { outputs, filterOnly } = planColumns(fields, read, read.fileSchema)
  const spec = [...outputs, ...filterOnly].map((index): ColumnSpec => ({ index, kind: columnKind(fields[index]), name: fields[index].name }))
  return { fieldCount: fields.length, spec, outputs: outputs.length }
}

/** How each row field is extracted (see ColumnarBatch). */
export function columnKind(field: FieldDef): ColumnKind {
  switch (field.type) {
    case 'key':
      return 'key'
    case 'number':
      return 'number'
    case 'date':
      return 'date'
    case 'boolean':
      return 'boolean'
    default:
      return UNIQUE_PER_ROW.has(field.name) ? 'text' : 'dict'
  }
}

/** String columns whose values rarely repeat: a dictionary would only cost. */
const UNIQUE_PER_ROW = new Set(['versionId', 'eTag'])
