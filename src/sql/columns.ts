/**
 * An inventory's columns as SQL sees them: the table columns (the file's names and order, which
 * Athena's CSV and ORC SerDes map by position), their types, and the expressions that give each
 * field its value — keys decoded the way each engine needs, CSV's empty strings as NULL, sizes and
 * dates typed — so every query over a view of them means what the library's rows mean.
 */
import { S3InventoryError } from '../errors.js'
import type { InventoryManifest } from '../manifest.js'
import { locationRef } from '../location.js'
import { schemaColumns } from '../diff/schema.js'

export type SqlEngine = 'athena' | 'duckdb'
export const SQL_ENGINES: readonly SqlEngine[] = ['athena', 'duckdb']

export type InventoryFormat = 'csv' | 'parquet' | 'orc'

export interface SqlColumn {
  /** Row field (camelCase): `lastModifiedDate`. */
  field: string
  /** Table column: `last_modified_date`. */
  column: string
}

/** The fields of AWS's documented full schema, in file order (used when a fileSchema lists none). */
const DOCUMENTED = [
  'bucket', 'key', 'versionId', 'isLatest', 'isDeleteMarker', 'size', 'lastModifiedDate', 'eTag', 'storageClass', 'isMultipartUploaded',
  'replicationStatus', 'encryptionStatus', 'objectLockRetainUntilDate', 'objectLockMode', 'objectLockLegalHoldStatus',
  'intelligentTieringAccessTier', 'bucketKeyStatus', 'checksumAlgorithm', 'objectAccessControlList', 'objectOwner', 'lifecycleExpirationDate',
]

const BOOLEAN = new Set(['isLatest', 'isDeleteMarker', 'isMultipartUploaded'])
const DATE = new Set(['lastModifiedDate', 'objectLockRetainUntilDate', 'lifecycleExpirationDate'])

/** `lastModifiedDate` → `last_modified_date`, `eTag` → `e_tag`. */
export const snakeCase = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

export function formatOf(m: InventoryManifest): InventoryFormat {
  const f = m.fileFormat.toLowerCase()
  if (f === 'csv' || f === 'parquet' || f === 'orc') return f
  throw new S3InventoryError('UNSUPPORTED_FORMAT', `${m.fileFormat} inventories have no SQL table`, { ...locationRef(m.location), expected: 'fileFormat CSV, Parquet or ORC', actual: m.fileFormat })
}

/**
 * The inventory's columns in file order. `assumed`: the fileSchema listed none (a Parquet or ORC
 * schema this library could not read) and AWS's full documented list stands in.
 */
export function inventoryColumns(m: InventoryManifest): { columns: SqlColumn[]; assumed: boolean } {
  const found = schemaColumns(m.fileFormat, m.fileSchema)
  const fields = found ? found.map((c) => c.field) : DOCUMENTED
  return { columns: fields.map((field) => ({ field, column: snakeCase(field) })), assumed: !found }
}

/**
 * Athena types as the AWS page "Querying Amazon S3 Inventory with Amazon Athena" gives them: CSV
 * columns are strings but for the three booleans; ORC and Parquet columns are typed, and every date
 * is a timestamp (the page types object_lock_retain_until_date as bigint, but the files hold a
 * timestamp there, as for the other two dates).
 */
export function athenaType(format: InventoryFormat, field: string): string {
  if (BOOLEAN.has(field)) return 'boolean'
  if (format === 'csv') return 'string'
  if (field === 'size') return 'bigint'
  if (DATE.has(field)) return 'timestamp'
  return 'string'
}

/** DuckDB types for read_csv's columns (CSV's empty strings read as NULL). */
export function duckdbCsvType(field: string): string {
  if (BOOLEAN.has(field)) return 'BOOLEAN'
  if (field === 'size') return 'BIGINT'
  if (DATE.has(field)) return 'TIMESTAMP'
  return 'VARCHAR'
}

/** A quoted identifier for either engine. */
export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`
/** A string literal for either engine. */
export const literal = (s: string) => `'${s.replace(/'/g, "''")}'`

/**
 * The expression giving `field`'s value from the table's column `c` (a qualified or bare column
 * reference): the decoded key, NULL for CSV's empty strings (Athena; DuckDB reads them as NULL),
 * sizes as bigint and dates as timestamps.
 */
export function valueExpr(engine: SqlEngine, format: InventoryFormat, field: string, c: string): string {
  if (field === 'key') {
    if (format !== 'csv') return c // ORC and Parquet keys are not encoded
    // CSV keys are URL-encoded, spaces as `+` or `%20`. Athena's url_decode turns `+` into a space; DuckDB's does not.
    return engine === 'athena' ? `url_decode(${c})` : `url_decode(replace(${c}, '+', '%20'))`
  }
  if (engine === 'duckdb' || format !== 'csv' || BOOLEAN.has(field)) return c
  if (field === 'size') return `CAST(NULLIF(${c}, '') AS bigint)`
  if (DATE.has(field)) return `CAST(from_iso8601_timestamp(NULLIF(${c}, '')) AS timestamp)`
  return `NULLIF(${c}, '')`
}

/** A comparable form of a field's value: dates as epoch milliseconds (timestamps of CSV and Parquet agree then). */
export function comparableExpr(engine: SqlEngine, field: string, c: string): string {
  if (!DATE.has(field)) return c
  return engine === 'athena' ? `to_unixtime(${c}) * 1000` : `epoch_ms(${c})`
}

/** The decoded key's extension as `stats --by extension` labels it: lowercased, `(folder)` for keys ending in `/`, `(none)` without one. */
export function extensionExpr(engine: SqlEngine, key: string): string {
  // \z, not $: Java's $ also matches before a final line break, and keys may end with one.
  const name = `regexp_extract(${key}, '[^/]*\\z')`
  const like = engine === 'athena' ? 'regexp_like' : 'regexp_matches'
  return `CASE WHEN ${key} LIKE '%/' THEN '(folder)' WHEN ${like}(${name}, '(?s)^.+\\.[^.]+\\z') THEN regexp_extract(${name}, '\\.([^.]*)\\z', 1) ELSE '(none)' END`
}

/** The first `depth` segments with their slash, `(root)` for a key without one (as `stats --by prefix:N`). */
export function prefixExpr(key: string, depth: number): string {
  // DuckDB's regexp_extract gives '' when nothing matches, Athena's NULL.
  return `coalesce(nullif(regexp_extract(${key}, '^(?:[^/]*/){1,${depth}}'), ''), '(root)')`
}
