/**
 * The manifest's `fileSchema` checked when the manifest is read, so a schema that cannot be right
 * fails before any data file is fetched: CSV's column list (csv/schema.ts), and the Parquet message
 * and ORC struct strings when they have the shape S3 writes. Parquet and ORC files are read by their
 * own schema (the footer), never by this string: a string of another shape is left to that check
 * (assertInventoryFields, when each file is opened) instead of being guessed at.
 */
import { S3InventoryError, type ErrorContext } from '../errors.js'
import { fieldForColumnName } from '../schema/fields.js'
import { csvFields } from './csv/schema.js'

/** MANIFEST_INVALID (column `fileSchema`) when the schema has a column twice or lacks Bucket or Key. */
export function checkFileSchema(fileFormat: string, fileSchema: string, where: Pick<ErrorContext, 'bucket' | 'key'>): void {
  const format = fileFormat.toLowerCase()
  if (format === 'csv') {
    csvFields(fileSchema, where)
    return
  }
  const names = format === 'parquet' ? parquetMessageNames(fileSchema) : format === 'orc' ? orcStructNames(fileSchema) : undefined
  if (!names) return
  const invalid = (message: string, expected: string) =>
    new S3InventoryError('MANIFEST_INVALID', message, { ...where, column: 'fileSchema', expected, actual: fileSchema.slice(0, 400) })
  const seen = new Map<string, string>()
  for (const n of names) {
    const f = fieldForColumnName(n)
    const before = seen.get(f.name)
    if (before !== undefined) throw invalid(`fileSchema lists the column ${n} twice`, `each column once (${before} and ${n} are the same field)`)
    seen.set(f.name, n)
  }
  for (const required of ['bucket', 'key']) {
    if (!seen.has(required)) throw invalid(`fileSchema has no ${required} column`, 'a fileSchema with bucket and key columns')
  }
}

// `required binary key (STRING)`, `optional int64 last_modified_date (TIMESTAMP(MILLIS,true))`, `… = 3`
const PARQUET_FIELD = /^(?:required|optional|repeated)\s+[A-Za-z0-9_]+\s+([^\s(){};=]+)(?:\s*\(.*\))?(?:\s*=\s*\d+)?$/s

/** Column names of `message s3.inventory { required binary bucket (STRING); … }`; undefined for any other shape (groups too). */
export function parquetMessageNames(schema: string): string[] | undefined {
  const m = /^\s*message\s+[^{}\s]+\s*\{([^{}]*)\}\s*;?\s*$/s.exec(schema)
  if (!m) return undefined
  const names: string[] = []
  for (const part of m[1].split(';')) {
    const decl = part.trim()
    if (decl === '') continue
    const f = PARQUET_FIELD.exec(decl)
    if (!f) return undefined
    names.push(f[1])
  }
  return names.length > 0 ? names : undefined
}

/** Field names of `struct<bucket:string,key:string,…>` (top level); undefined for any other shape. */
export function orcStructNames(schema: string): string[] | undefined {
  const m = /^\s*struct\s*<(.*)>\s*$/s.exec(schema)
  if (!m) return undefined
  const names: string[] = []
  let depth = 0
  let start = 0
  const body = m[1]
  for (let i = 0; i <= body.length; i++) {
    const c = body[i]
    if (c === '<' || c === '(') depth++
    else if (c === '>' || c === ')') {
      if (--depth < 0) return undefined
    } else if ((c === ',' && depth === 0) || i === body.length) {
      const field = /^\s*([^:<>(),\s]+)\s*:\s*\S/.exec(body.slice(start, i))
      if (!field) return undefined
      names.push(field[1])
      start = i + 1
    }
  }
  return depth === 0 && names.length > 0 ? names : undefined
}
