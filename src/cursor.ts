/**
 * Cursors: a position in one inventory delivery (manifest identity + file index + row index), so a
 * crashed job can restart right after the last row it finished.
 */
import { S3InventoryError, safeJson } from './errors.js'
import { rowSource } from './schema/row.js'

export interface Cursor {
  /** MD5 of the manifest.json bytes the cursor belongs to. */
  manifestMd5: string
  /** Index into the manifest's files[]. */
  file: number
  /** 0-based row index within that file (counting every row of the file, filtered or not). */
  row: number
}

/** The cursor of a row produced by this library (undefined for other objects). */
export function cursorOf(row: object): Cursor | undefined {
  const s = rowSource(row)
  return s && { manifestMd5: s.file.manifestMd5, file: s.file.fileIndex, row: s.row }
}

/** `v1.<md5>.<file>.<row>`: short, URL- and file-name-safe. */
export function formatCursor(c: Cursor): string {
  return `v1.${c.manifestMd5}.${c.file}.${c.row}`
}

export function parseCursor(value: Cursor | string): Cursor {
  if (typeof value === 'string') {
    const m = /^v1\.([0-9a-f]{32})\.(\d+)\.(\d+)$/.exec(value.trim())
    if (!m) throw new S3InventoryError('CURSOR_INVALID', 'not a cursor', { expected: 'v1.<md5>.<file>.<row>', actual: value })
    return { manifestMd5: m[1], file: Number(m[2]), row: Number(m[3]) }
  }
  if (
    !value ||
    typeof value.manifestMd5 !== 'string' ||
    !Number.isSafeInteger(value.file) ||
    !Number.isSafeInteger(value.row) ||
    value.file < 0 ||
    value.row < 0
  ) {
    throw new S3InventoryError('CURSOR_INVALID', 'not a cursor', { expected: '{ manifestMd5, file, row }', actual: safeJson(value) })
  }
  return value
}
