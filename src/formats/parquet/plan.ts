/**
 * What a read needs: which columns (projection and filter, for inventories through planColumns),
 * and which row groups — those before a resume cursor, or whose key statistics exclude every prefix
 * of the filter, are never fetched.
 */
import type { FieldDef } from '../../schema/fields.js'
import type { ColumnChunkMeta, RowGroupMeta } from './metadata.js'
import type { ColumnDesc } from './values.js'

export interface RowGroupSpan {
  index: number
  /** Row index (in the file) of the row group's first row. */
  firstRow: number
  meta: RowGroupMeta
}

/** Row groups to read, in file order: none that end before `startRow` or whose key statistics exclude the prefixes. */
export function rowGroupsToRead(rowGroups: readonly RowGroupMeta[], o: { startRow: number; prefixes?: readonly string[]; keyLeaf?: number }): RowGroupSpan[] {
  const out: RowGroupSpan[] = []
  let firstRow = 0
  rowGroups.forEach((rg, index) => {
    const start = firstRow
    firstRow += rg.numRows
    if (firstRow <= o.startRow || rg.numRows === 0) return
    if (o.prefixes && o.keyLeaf !== undefined && o.keyLeaf >= 0 && excludedByPrefix(rg.columns[o.keyLeaf], o.prefixes)) return
    out.push({ index, firstRow: start, meta: rg })
  })
  return out
}

/** The file's schema as text for FIELD_MISSING (`name TYPE, …`). */
export function schemaText(columns: readonly ColumnDesc[], fields: readonly FieldDef[]): string {
  return columns.map((c, i) => `${c.name} (${fields[i].name})`).join(', ')
}

/** True when the key column's min/max statistics prove no key in the row group starts with any prefix. */
export function excludedByPrefix(keyChunk: ColumnChunkMeta, prefixes: readonly string[]): boolean {
  const min = keyChunk.statistics?.minValue
  const max = keyChunk.statistics?.maxValue
  if (!min && !max) return false
  return prefixes.every((p) => {
    const pb = Buffer.from(p, 'utf8')
    // max (an upper bound, or a truncated prefix of the true max): below P and not a prefix of P.
    if (max && Buffer.compare(max, pb) < 0 && !startsWith(pb, max)) return true
    // min (a lower bound): its first |P| bytes already sort after P.
    if (min && Buffer.compare(min.subarray(0, pb.length), pb) > 0) return true
    return false
  })
}

function startsWith(s: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length > s.length) return false
  for (let i = 0; i < prefix.length; i++) if (s[i] !== prefix[i]) return false
  return true
}
