/**
 * The fields an inventory has, from its manifest alone (before any data file is read): what a diff
 * must decide up front (is a side versioned, which columns to ask for) and what SQL needs (column
 * lists). CSV's fileSchema is the column map itself; Parquet's and ORC's describe the files' footers,
 * so they are read for column names only, never types, and when one cannot be read the answer is
 * "unknown" (undefined) rather than a guess.
 */
import { fieldForColumnName, fieldForCsvName } from '../schema/fields.js'

export interface SchemaColumn {
  /** Row field name (camelCase), e.g. `lastModifiedDate`. */
  field: string
  /** The column as the file names it: `LastModifiedDate` (CSV), `last_modified_date` (Parquet, ORC). */
  column: string
}

/** The manifest's columns in file order, or undefined when its fileSchema does not list any. */
export function schemaColumns(fileFormat: string, fileSchema: string): SchemaColumn[] | undefined {
  const format = fileFormat.toLowerCase()
  let names: string[]
  if (format === 'csv') {
    names = fileSchema.split(',').map((s) => s.trim()).filter(Boolean)
    const cols = names.map((column) => ({ field: fieldForCsvName(column).name, column }))
    return cols.some((c) => c.field === 'key') ? cols : undefined
  }
  if (format === 'orc') {
    // struct<bucket:string,key:string,…> — inventory columns are never nested, so top-level commas split them.
    const m = /^\s*struct\s*<([\s\S]*)>\s*$/i.exec(fileSchema)
    names = m ? m[1].split(',').map((s) => s.split(':')[0].trim()).filter(Boolean) : []
  } else {
    // message s3.inventory { required binary key (STRING); optional int64 size; … }
    names = [...fileSchema.matchAll(/\b(?:required|optional|repeated)\s+[A-Za-z_][\w]*\s+([A-Za-z_][\w]*)/g)].map((m) => m[1])
  }
  const cols = names.map((column) => ({ field: fieldForColumnName(column).name, column }))
  return cols.some((c) => c.field === 'key') ? cols : undefined
}
