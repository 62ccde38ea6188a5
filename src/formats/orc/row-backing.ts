/**
 * Rows a read must be able to count from the file's bytes. Every column that is not a struct has a
 * stream with one entry per row of its parent (PRESENT bits, values, lengths or union tags), so a read
 * that decodes such a column cannot go on past what its streams hold: a stripe claiming more rows
 * ends in ORC_CORRUPT. A read of structs only (a projection of `struct<>` fields, an inventory read of
 * no column) decodes nothing per row: it would trust the stripe's row count, 2^52 rows in a 2 KB file.
 * Such a read also decodes (and discards) the first column that has per-row streams; a file with none
 * at all (only structs) may declare at most MAX_UNBACKED_ROWS rows (docs/reliability.md).
 */
import { overLimit } from './errors.js'
import { TypeKind } from './proto.js'
import type { OrcTail } from './tail.js'
import type { OrcType } from './types.js'

/** Rows of a file whose columns are all structs: nothing in the file can confirm its row count. */
export const MAX_UNBACKED_ROWS = 1 << 20

/** True when reading `t` decodes a per-row stream (it is, or holds, a column that is not a struct). */
export function backsRows(t: OrcType): boolean {
  return t.kind !== TypeKind.STRUCT || t.children.some(backsRows)
}

/**
 * The column to decode besides `read` so that the stripes' row counts are checked, or undefined when
 * `read` does that already. LIMIT_EXCEEDED when nothing in the file can, over MAX_UNBACKED_ROWS rows.
 */
export function rowBacker(tail: OrcTail, read: readonly OrcType[]): OrcType | undefined {
  if (read.some(backsRows)) return undefined
  const backer = tail.root.children.find((c) => backsRows(c) && !tail.encrypted.has(c.id))
  if (!backer && tail.rows > MAX_UNBACKED_ROWS) {
    throw overLimit(`the file declares ${tail.rows} rows and no column that can confirm them`, { expected: `at most ${MAX_UNBACKED_ROWS} rows`, actual: `${tail.rows} rows` })
  }
  return backer
}
