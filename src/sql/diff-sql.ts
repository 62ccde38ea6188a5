/**
 * The diff of two deliveries as one SQL query: each side's rows decoded, a key listed twice kept once
 * (the row from the data file listed last in the manifest, as diffInventories keeps the row read
 * last), then a FULL OUTER JOIN on the identity and the compared fields tested with IS DISTINCT FROM.
 * Identity and compared fields follow diffInventories: (key, versionId) when both sides list
 * versions, else the key and only the current, non-delete-marker rows of a versioned side.
 */
import type { InventoryManifest } from '../manifest.js'
import { resolveKnownField } from '../schema/fields.js'
import { CHANGE_KINDS, DEFAULT_COMPARE, type ChangeKind } from '../diff/types.js'
import { S3InventoryError } from '../errors.js'
import type { RowFilter } from '../filter.js'
import { filterCondition } from './filter-sql.js'
import { comparableExpr, formatOf, ident, inventoryColumns, literal, snakeCase, valueExpr, type SqlEngine } from './columns.js'
import { athenaTable, decodedColumns, duckdbSource, script, tableName, type SqlScript, type SqlStatement } from './inventory-sql.js'
import { dataFileUrls, hiveDt, hiveLocation } from './sources.js'

export interface DiffSqlOptions {
  engine: SqlEngine
  /** Fields compared (default: diffInventories' default list), where both sides have them. */
  compare?: readonly string[]
  /** Athena table name (or prefix, when the two deliveries need a table each). Default `inventory`. */
  table?: string
  /** DuckDB, local manifests: the folder that plays the destination bucket's root. */
  root?: string
  /**
   * Applied to both sides before anything else, as diffInventories' `filter`: prefix, suffix, sizes,
   * storage classes, dates, latestOnly, excludeDeleteMarkers. glob, regex and ignoreCase are
   * INVALID_ARGUMENT (the engines' regular expressions and case folding are not JavaScript's).
   */
  filter?: RowFilter
  /** The changes the query returns (and counts). Default: all three. */
  only?: readonly ChangeKind[]
}

/** Athena can take a file list of this many paths in the query (queries are limited to 256 KB). */
const ATHENA_FILE_ORDER_LIMIT = 1000

export async function diffSql(older: InventoryManifest, newer: InventoryManifest, o: DiffSqlOptions): Promise<SqlScript> {
  const engine = o.engine
  const table = tableName(o.table ?? 'inventory')
  const co = inventoryColumns(older).columns
  const cn = inventoryColumns(newer).columns
  const has = (cols: typeof co, f: string) => cols.some((c) => c.field === f)
  const versioned = has(co, 'versionId') && has(cn, 'versionId')
  const compare = [...new Set((o.compare ?? DEFAULT_COMPARE).map((f) => resolveKnownField(f, 'compare')))].filter((f) => f !== 'key' && f !== 'versionId' && has(co, f) && has(cn, f))
  const only = [...new Set(o.only ?? CHANGE_KINDS)]
  for (const k of only) {
    if (!CHANGE_KINDS.includes(k)) throw new S3InventoryError('INVALID_ARGUMENT', 'only takes added, removed and changed', { option: 'only', actual: String(k) })
  }
  const statements: SqlStatement[] = []

  // Where each side's decoded rows come from, and how to order its rows (last read first).
  const sides: { name: 'older' | 'newer'; m: InventoryManifest; from: string; fileOrder: string; rowOrder: string }[] = []
  if (engine === 'athena') {
    const same = hiveLocation(older) === hiveLocation(newer) && older.fileSchema === newer.fileSchema && older.fileFormat === newer.fileFormat
    const since = older.creationDate < newer.creationDate ? older : newer
    const names = same ? [table, table] : [`${table}_older`, `${table}_newer`]
    if (same) statements.push(athenaTable(since, table))
    else statements.push(athenaTable(older, names[0]), athenaTable(newer, names[1]))
    for (const [i, m] of [older, newer].entries()) {
      const paths = m.files.map((f) => `s3://${m.destinationBucketName}/${f.key}`)
      const fileOrder = paths.length <= ATHENA_FILE_ORDER_LIMIT ? `array_position(ARRAY[${paths.map(literal).join(', ')}], "$path")` : '"$path"'
      sides.push({ name: i === 0 ? 'older' : 'newer', m, from: `${names[i]} WHERE dt = ${literal(hiveDt(m))}`, fileOrder, rowOrder: '0' })
    }
  } else {
    for (const [i, m] of [older, newer].entries()) {
      const from = await duckdbSource(m, o.root) // first: it refuses ORC
      const files = `[${(await dataFileUrls(m, o.root)).map(literal).join(', ')}]`
      const parquet = formatOf(m) === 'parquet'
      sides.push({ name: i === 0 ? 'older' : 'newer', m, from, fileOrder: `list_position(${files}, filename)`, rowOrder: parquet ? 'file_row_number' : '0' })
    }
  }

  const ctes = sides.map((s) => {
    const format = formatOf(s.m)
    const cols = inventoryColumns(s.m).columns
    const latestOnly = !versioned && has(cols, 'versionId')
    const keep = ['key', ...(versioned ? ['versionId'] : []), ...compare]
    const picked = cols.filter((c) => keep.includes(c.field))
    // The window sees the table's columns, not the decoded ones: it partitions by the decoded identity.
    const key = valueExpr(engine, format, 'key', ident('key'))
    const identity = versioned ? `${key}, coalesce(${valueExpr(engine, format, 'versionId', ident('version_id'))}, '')` : key
    const [source, cond] = s.from.includes(' WHERE ') ? s.from.split(' WHERE ') : [s.from, undefined]
    // The filter, then the identity's current rows: both before a duplicate is chosen, as diffInventories reads.
    const conds = [filterCondition(engine, format, cols, o.filter), ...(latestOnly ? [`coalesce(${ident('is_latest')}, true) AND NOT coalesce(${ident('is_delete_marker')}, false)`] : [])].filter((x) => x !== undefined)
    const current = conds.length ? `\n    WHERE ${conds.join(' AND ')}` : ''
    return `${s.name} AS (
  SELECT ${keep.map((f) => ident(snakeCase(f))).join(', ')} FROM (
    SELECT ${decodedColumns(engine, format, picked, (c) => c).replace(/\n  /g, '\n      ')},
      row_number() OVER (PARTITION BY ${identity} ORDER BY file_order_ DESC, ${s.rowOrder} DESC) AS copy_
    FROM (SELECT *, ${s.fileOrder} AS file_order_ FROM ${source}${cond ? ` WHERE ${cond}` : ''}) t${current}
  ) d WHERE copy_ = 1
)`
  })
  const c = (side: 'o' | 'n', f: string) => `${side}.${ident(snakeCase(f))}`
  const differs = (f: string) => `${comparableExpr(engine, f, c('o', f))} IS DISTINCT FROM ${comparableExpr(engine, f, c('n', f))}`
  const on = versioned ? `o.${ident('key')} = n.${ident('key')} AND coalesce(o.${ident('version_id')}, '') = coalesce(n.${ident('version_id')}, '')` : `o.${ident('key')} = n.${ident('key')}`
  const changes = `WITH ${ctes.join(',\n')}
SELECT
  CASE WHEN o.${ident('key')} IS NULL THEN 'added' WHEN n.${ident('key')} IS NULL THEN 'removed' ELSE 'changed' END AS change,
  coalesce(n.${ident('key')}, o.${ident('key')}) AS ${ident('key')},${versioned ? `\n  coalesce(n.${ident('version_id')}, o.${ident('version_id')}) AS ${ident('version_id')},` : ''}
  CASE WHEN o.${ident('key')} IS NOT NULL AND n.${ident('key')} IS NOT NULL THEN concat_ws(',', ${compare.map((f) => `CASE WHEN ${differs(f)} THEN ${literal(f)} END`).join(', ') || "''"}) END AS fields${compare.map((f) => `,\n  ${c('o', f)} AS ${ident(`${snakeCase(f)}_before`)}, ${c('n', f)} AS ${ident(`${snakeCase(f)}_after`)}`).join('')}
FROM older o FULL OUTER JOIN newer n ON ${on}
WHERE ${which(only, `o.${ident('key')}`, `n.${ident('key')}`, compare.map(differs))}`
  statements.push({
    title: `${only.length < CHANGE_KINDS.length ? `Changes (${only.join(', ')})` : 'Changes'} from ${hiveDt(older)} to ${hiveDt(newer)}: identity ${versioned ? '(key, version_id)' : 'key'}; compared: ${compare.join(', ') || 'nothing'}${o.filter ? '; filtered as asked' : ''}`,
    sql: `${changes}\nORDER BY 2${versioned ? ', 3' : ''}`,
  })
  const size = compare.includes('size')
  statements.push({
    title: 'Counts and bytes per change (bytes: new sizes for added and changed, old ones for removed)',
    sql: `WITH changes AS (\n${changes}\n)\nSELECT change, count(*) AS objects${size ? `, coalesce(sum(CASE WHEN change = 'removed' THEN ${ident('size_before')} ELSE ${ident('size_after')} END), 0) AS bytes` : ''}\nFROM changes\nGROUP BY change\nORDER BY change`,
  })
  return script(engine, statements)
}


/** The join's WHERE: the rows of the change kinds asked for (a side's key is NULL where it has no row). */
function which(only: readonly ChangeKind[], older: string, newer: string, differs: readonly string[]): string {
  const parts: string[] = []
  if (only.includes('added')) parts.push(`${older} IS NULL`)
  if (only.includes('removed')) parts.push(`${newer} IS NULL`)
  if (only.includes('changed') && differs.length) {
    if (parts.length === 2) parts.push(...differs) // either key NULL is already in; the rest are both present
    else parts.push(`(${older} IS NOT NULL AND ${newer} IS NOT NULL AND (${differs.join(' OR ')}))`)
  }
  return parts.length ? parts.join(' OR ') : 'false'
}
