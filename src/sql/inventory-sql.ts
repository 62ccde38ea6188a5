/**
 * SQL for an inventory, for when one machine is not the right tool: the table DDL (Athena: over the
 * configuration's Hive folder with partition projection on `dt`; DuckDB: a view over the delivery's
 * data files) and the queries `s3inv stats` answers, with keys decoded as each engine needs. Athena
 * SQL follows the AWS page "Querying Amazon S3 Inventory with Amazon Athena"; it cannot be run here,
 * the DuckDB SQL is run by the tests against the library's own answers.
 */
import { S3InventoryError } from '../errors.js'
import { locationRef } from '../location.js'
import { numberOption, RANGES } from '../options.js'
import type { InventoryManifest } from '../manifest.js'
import { athenaType, duckdbCsvType, extensionExpr, formatOf, ident, inventoryColumns, literal, prefixExpr, valueExpr, type InventoryFormat, type SqlColumn, type SqlEngine } from './columns.js'
import { dataFileUrls, hiveDt, hiveLocation } from './sources.js'

export interface SqlStatement {
  /** What it does, in words (printed as a comment above it). */
  title: string
  sql: string
}

export interface SqlScript {
  engine: SqlEngine
  statements: SqlStatement[]
  /** The statements with their titles as comments, ready to paste. */
  text: string
}

export interface InventorySqlOptions {
  engine: SqlEngine
  /** Athena table, DuckDB view. Default `inventory`. */
  table?: string
  /** Path segments of the by-prefix query. Default 1. */
  prefixDepth?: number
  /** Athena: the first delivery time partition projection covers. Default: this delivery's. */
  since?: Date
  /** Athena: project every minute (deliveries not on the hour). Default: hourly when the deliveries are on the hour. */
  minutes?: boolean
  /** DuckDB, local manifests: the folder that plays the destination bucket's root (as readInventory's `root`). */
  root?: string
}

export async function inventorySql(m: InventoryManifest, o: InventorySqlOptions): Promise<SqlScript> {
  const table = tableName(o.table ?? 'inventory')
  const depth = numberOption(o.prefixDepth, 'prefixDepth', RANGES.prefixDepth, 1)
  const statements: SqlStatement[] = []
  let from: string
  const { columns } = inventoryColumns(m)
  if (o.engine === 'athena') {
    statements.push(athenaTable(m, table, o.since ?? undefined, o.minutes))
    statements.push({
      title: `Decoded rows: keys URL-decoded, CSV's empty strings as NULL, sizes and dates typed (query it with WHERE dt = '${hiveDt(m)}')`,
      sql: `CREATE OR REPLACE VIEW ${table}_rows AS\nSELECT dt, ${decodedColumns('athena', formatOf(m), columns, (c) => c)}\nFROM ${table}`,
    })
    from = `${table}_rows WHERE dt = ${literal(hiveDt(m))}`
  } else {
    statements.push(await duckdbView(m, table, o.root))
    from = table
  }
  const has = new Set(columns.map((c) => c.field))
  const bytes = has.has('size') ? `, coalesce(sum(${ident('size')}), 0) AS bytes` : ''
  const order = has.has('size') ? 'bytes DESC' : 'objects DESC'
  const key = ident('key')
  const [where, cond] = splitWhere(from)
  statements.push({ title: 'Objects and bytes', sql: `SELECT count(*) AS objects${bytes}\nFROM ${from}` })
  if (has.has('storageClass')) {
    statements.push({ title: 'Objects and bytes by storage class', sql: `SELECT ${ident('storage_class')}, count(*) AS objects${bytes}\nFROM ${from}\nGROUP BY 1\nORDER BY ${order}, 1` })
  }
  statements.push({ title: 'Objects and bytes by extension (lowercased; (folder) and (none) as s3inv stats --by extension)', sql: `SELECT ${extensionExpr(o.engine, key)} AS extension, count(*) AS objects${bytes}\nFROM ${from}\nGROUP BY 1\nORDER BY ${order}, 1` })
  statements.push({ title: `Objects and bytes by prefix (${depth} segment${depth > 1 ? 's' : ''}, as s3inv stats --by prefix:${depth})`, sql: `SELECT ${prefixExpr(key, depth)} AS prefix, count(*) AS objects${bytes}\nFROM ${from}\nGROUP BY 1\nORDER BY 1` })
  statements.push({ title: 'Keys ending in .png (decoded; change the suffix)', sql: `SELECT ${key}${has.has('size') ? `, ${ident('size')}` : ''}\nFROM ${where}\nWHERE ${cond ? `${cond} AND ` : ''}${key} LIKE '%.png'\nORDER BY 1` })
  return script(o.engine, statements)
}

export function script(engine: SqlEngine, statements: SqlStatement[]): SqlScript {
  return { engine, statements, text: statements.map((s) => `-- ${s.title}\n${s.sql};\n`).join('\n') }
}

/** `x WHERE cond` → [x, cond]; no WHERE → [x, undefined]. */
function splitWhere(from: string): [string, string | undefined] {
  const at = from.indexOf(' WHERE ')
  return at < 0 ? [from, undefined] : [from.slice(0, at), from.slice(at + 7)]
}

/** A table or view name: letters, digits and underscores, not starting with a digit. */
export function tableName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name)) {
    throw new S3InventoryError('INVALID_ARGUMENT', 'a table name takes letters, digits and underscores', { option: 'table', expected: '[A-Za-z_][A-Za-z0-9_]*', actual: name })
  }
  return name.toLowerCase()
}

/** `<value> AS "<column>"` for every column, the values from `ref(column)`. */
export function decodedColumns(engine: SqlEngine, format: InventoryFormat, columns: readonly SqlColumn[], ref: (column: string) => string): string {
  return columns.map((c) => `${valueExpr(engine, format, c.field, ref(ident(c.column)))} AS ${ident(c.column)}`).join(',\n  ')
}

const SERDE: Record<InventoryFormat, string> = {
  csv: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
  orc: 'org.apache.hadoop.hive.ql.io.orc.OrcSerde',
  parquet: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
}

/**
 * The Athena table over a configuration's deliveries, as the AWS page builds it: the file's columns
 * in the file's order (the CSV and ORC SerDes map them by position), the Hive symlink folder, and
 * partition projection on dt (no MSCK REPAIR TABLE: a new delivery is queryable as soon as it lands).
 */
export function athenaTable(m: InventoryManifest, table: string, since?: Date, minutes?: boolean): SqlStatement {
  const format = formatOf(m)
  const { columns, assumed } = inventoryColumns(m)
  const start = since ?? new Date(Date.parse(`${hiveDt(m).replace(/^(\d{4}-\d\d-\d\d)-(\d\d)-(\d\d)$/, '$1T$2:$3')}:00Z`))
  const everyMinute = minutes ?? start.getUTCMinutes() !== 0
  const first = start.toISOString().slice(0, 16).replace(/[T:]/g, '-')
  const sql = [
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${table} (`,
    columns.map((c) => `  ${c.column} ${athenaType(format, c.field)}`).join(',\n'),
    ')',
    'PARTITIONED BY (dt string)',
    `ROW FORMAT SERDE '${SERDE[format]}'`,
    "STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat'",
    "OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.IgnoreKeyTextOutputFormat'",
    `LOCATION ${literal(hiveLocation(m))}`,
    'TBLPROPERTIES (',
    "  'projection.enabled' = 'true',",
    "  'projection.dt.type' = 'date',",
    "  'projection.dt.format' = 'yyyy-MM-dd-HH-mm',",
    `  'projection.dt.range' = '${first},NOW',`,
    "  'projection.dt.interval' = '1',",
    `  'projection.dt.interval.unit' = '${everyMinute ? 'MINUTES' : 'HOURS'}'`,
    ')',
  ].join('\n')
  const title = `Table over every delivery of ${hiveLocation(m)} (${m.fileFormat}${assumed ? "; the manifest's fileSchema lists no columns, so AWS's full documented list is assumed: drop the ones your inventory lacks" : ''})`
  return { title, sql }
}

/** DuckDB: a view of one delivery's rows, decoded, over its data files. ORC is refused: DuckDB does not read it. */
export async function duckdbView(m: InventoryManifest, name: string, root?: string): Promise<SqlStatement> {
  const format = formatOf(m)
  const { columns, assumed } = inventoryColumns(m)
  const source = await duckdbSource(m, root)
  const extra = format === 'parquet' ? ',\n  filename AS data_file, file_row_number' : ',\n  filename AS data_file'
  return {
    title: `${m.fileFormat} delivery of ${m.sourceBucket} (${m.files.length} data file${m.files.length === 1 ? '' : 's'})${assumed ? "; its fileSchema lists no columns: AWS's full list is assumed" : ''}`,
    sql: `CREATE OR REPLACE VIEW ${name} AS\nSELECT ${decodedColumns('duckdb', format, columns, (c) => c)}${extra}\nFROM ${source}`,
  }
}

/** read_csv / read_parquet over a delivery's data files. */
export async function duckdbSource(m: InventoryManifest, root?: string): Promise<string> {
  const format = formatOf(m)
  if (format === 'orc') {
    throw new S3InventoryError('UNSUPPORTED_FORMAT', 'DuckDB cannot read ORC, so there is no DuckDB SQL for an ORC inventory', {
      ...locationRef(m.location),
      expected: 'a CSV or Parquet inventory (or --engine athena)',
      actual: m.fileFormat,
    })
  }
  const files = `[${(await dataFileUrls(m, root)).map(literal).join(', ')}]`
  if (format === 'parquet') return `read_parquet(${files}, filename = true, file_row_number = true)`
  const { columns } = inventoryColumns(m)
  const types = columns.map((c) => `${literal(c.column)}: ${literal(duckdbCsvType(c.field))}`).join(', ')
  // No header; every field quoted, "" inside; empty fields are NULL.
  return `read_csv(${files}, header = false, delim = ',', quote = '"', escape = '"', columns = {${types}}, filename = true)`
}
