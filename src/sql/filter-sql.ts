/**
 * A RowFilter as a SQL condition on one side's table columns, meaning what the readers' filter means
 * (src/filter.ts): key tests on the decoded key, rows without a size (or date, or storage class)
 * never matching a bound on it, IsLatest/IsDeleteMarker absent meaning current versions. Parts whose
 * semantics an engine would change (globs and regular expressions: RE2 and Java are not JavaScript;
 * case folding) are refused rather than approximated.
 */
import { S3InventoryError } from '../errors.js'
import { compileFilter, instant, type RowFilter } from '../filter.js'
import { comparableExpr, ident, literal, valueExpr, type InventoryFormat, type SqlColumn, type SqlEngine } from './columns.js'

/** Filter options the SQL builders cannot express (the CLI names their flags). */
export const SQL_UNSUPPORTED_FILTERS = ['glob', 'regex', 'ignoreCase'] as const

/** The options of `filter` that SQL cannot express, in SQL_UNSUPPORTED_FILTERS order. */
export function unsupportedInSql(filter: RowFilter | undefined): string[] {
  if (!filter) return []
  return SQL_UNSUPPORTED_FILTERS.filter((k) => filter[k] !== undefined && filter[k] !== false)
}

/**
 * The condition (undefined: every row) on a side with `columns`, its values read from the table's
 * columns as `valueExpr` decodes them. FIELD_MISSING for a bound on a field the side lacks, as the
 * readers do; INVALID_ARGUMENT for a filter part SQL cannot express.
 */
export function filterCondition(engine: SqlEngine, format: InventoryFormat, columns: readonly SqlColumn[], filter: RowFilter | undefined): string | undefined {
  if (!compileFilter(filter)) return undefined // also checks every option as the readers would
  const f = filter!
  const refused = unsupportedInSql(f)
  if (refused.length) {
    throw new S3InventoryError('INVALID_ARGUMENT', `SQL cannot apply the filter's ${refused.join(', ')} the way this library does`, {
      option: `filter.${refused[0]}`,
      expected: 'prefix, suffix, minSize, maxSize, storageClass, modifiedAfter, modifiedBefore, latestOnly, excludeDeleteMarkers',
      actual: refused.join(', '),
    })
  }
  const value = (field: string, required: boolean): string | undefined => {
    const c = columns.find((x) => x.field === field)
    if (!c) {
      if (!required) return undefined
      throw new S3InventoryError('FIELD_MISSING', `this inventory has no ${field} field (filter)`, { column: field, expected: `one of ${columns.map((x) => x.field).join(', ')}` })
    }
    return valueExpr(engine, format, field, ident(c.column))
  }
  const list = (v: string | readonly string[] | undefined) => (v === undefined ? [] : typeof v === 'string' ? [v] : [...v])
  const any = (parts: string[]) => (parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`)
  // Lengths in code points, as SQL's length and substr count them.
  const chars = (s: string) => [...s].length
  const conds: string[] = []
  const key = value('key', true)!
  const prefixes = list(f.prefix)
  if (prefixes.length) conds.push(any(prefixes.map((p) => `substr(${key}, 1, ${chars(p)}) = ${literal(p)}`)))
  const suffixes = list(f.suffix)
  const tail = (s: string) => (chars(s) === 0 ? 'true' : `(length(${key}) >= ${chars(s)} AND substr(${key}, length(${key})${chars(s) > 1 ? ` - ${chars(s) - 1}` : ''}) = ${literal(s)})`)
  if (suffixes.length) conds.push(any(suffixes.map(tail)))
  if (f.minSize !== undefined || f.maxSize !== undefined) {
    const size = value('size', true)!
    const bounds = [`${size} IS NOT NULL`]
    if (f.minSize !== undefined) bounds.push(f.minSize === Infinity ? 'false' : `${size} >= ${f.minSize}`)
    if (f.maxSize !== undefined && f.maxSize !== Infinity) bounds.push(`${size} <= ${f.maxSize}`)
    conds.push(bounds.join(' AND '))
  }
  const classes = list(f.storageClass)
  if (classes.length) conds.push(`upper(${value('storageClass', true)}) IN (${[...new Set(classes.map((c) => c.toUpperCase()))].map(literal).join(', ')})`)
  if (f.modifiedAfter !== undefined || f.modifiedBefore !== undefined) {
    // Epoch milliseconds: CSV's and Parquet's timestamps compare the same way, with no session time zone involved.
    const ms = comparableExpr(engine, 'lastModifiedDate', value('lastModifiedDate', true)!)
    const after = instant(f.modifiedAfter, 'filter.modifiedAfter')
    const before = instant(f.modifiedBefore, 'filter.modifiedBefore')
    const bounds = [`${ms} IS NOT NULL`]
    if (after !== undefined) bounds.push(`${ms} >= ${after}`)
    if (before !== undefined) bounds.push(`${ms} < ${before}`)
    conds.push(bounds.join(' AND '))
  }
  if (f.latestOnly) {
    const latest = value('isLatest', false)
    if (latest) conds.push(`coalesce(${latest}, true)`)
  }
  if (f.excludeDeleteMarkers) {
    const marker = value('isDeleteMarker', false)
    if (marker) conds.push(`NOT coalesce(${marker}, false)`)
  }
  return conds.length ? conds.join(' AND ') : undefined
}
