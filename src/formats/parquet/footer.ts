/**
 * The footer: one ranged read of the file's tail (the whole file when it is small), the magic, the
 * FileMetaData — length and decoded size capped — and its consistency: row counts that add up,
 * column chunks inside the data area, one value per row in every (flat) column. Nested schemas are
 * refused here (UNSUPPORTED_FORMAT).
 */
import { createHash } from 'node:crypto'
import type { ByteSource } from '../../sources/source.js'
import { checkEnd, type Expected } from '../../sources/verify.js'
import { asBuffer, chunkRange, type Slice } from './chunks.js'
import { corrupt, decodeFailure, parquetError, type FileId } from './errors.js'
import { PARQUET_LIMITS } from './limits.js'
import { parseFileMeta, PHYSICAL_NAMES, PhysicalType, type FileMeta } from './metadata.js'
import type { ColumnDesc } from './values.js'

const TAIL_GUESS = 64 * 1024
const MAGIC = 0x31524150 // "PAR1" little-endian

export interface Footer {
  meta: FileMeta
  /** The flat columns, in file order. */
  columns: ColumnDesc[]
  size: number
  footerStart: number
  /** The last bytes of the file, as read for the footer. */
  tail: Buffer
  tailStart: number
  /** The whole file, when it fitted the read size (then its MD5 was checked already). */
  whole?: Buffer
  /** Bytes [start, end) of the file (from `whole` when there). */
  slice: Slice
}

export async function readFooter(source: ByteSource, file: FileId, o: { readSize: number; expected?: Expected; sizeHint?: number; signal?: AbortSignal }): Promise<Footer> {
  const { signal, readSize } = o
  // The tail (footer) and the object's real size in one request; the size is checked against the
  // manifest before anything is read at an offset computed from it. A file the manifest says fits in
  // one read is fetched whole by this one request.
  const hint = o.expected?.size ?? o.sizeHint
  const end = await source.tail(hint !== undefined && hint <= readSize ? Math.max(hint, 12) : TAIL_GUESS, signal, hint)
  const size = end.size
  if (o.expected) checkEnd(source.ref, { size: o.expected.size }, size, undefined)
  if (size < 12) throw corrupt(file, 'The file is too small to be Parquet.', { offset: 0, expected: 'at least 12 bytes', actual: `${size} bytes` })

  // Small files: one read for everything (and the MD5 comes for free).
  const whole = size <= readSize ? (size <= end.bytes.length ? asBuffer(end.bytes) : asBuffer(await source.slice(0, size, signal))) : undefined
  if (whole && o.expected) checkEnd(source.ref, o.expected, whole.length, createHash('md5').update(whole).digest('hex'))
  const slice: Slice = async (start, stop) => (whole ? whole.subarray(start, stop) : asBuffer(await source.slice(start, stop, signal)))

  const tailStart = size - end.bytes.length
  const tail = asBuffer(end.bytes)
  if (tail.readUInt32LE(tail.length - 4) !== MAGIC) throw corrupt(file, 'The file does not end with the PAR1 magic (not Parquet, or truncated).', { offset: size - 4 })
  const footerLen = tail.readUInt32LE(tail.length - 8)
  const footerStart = size - 8 - footerLen
  // A length the file cannot hold is damage, whatever the limit says; one it can hold is then limited.
  if (footerLen <= 0 || footerStart < 4) throw corrupt(file, 'The footer length does not fit in the file.', { offset: size - 8, expected: `at most ${size - 12} bytes`, actual: `${footerLen} bytes` })
  if (footerLen > PARQUET_LIMITS.footerBytes) {
    throw parquetError(file, 'LIMIT_EXCEEDED', 'The footer is longer than the documented limit.', { offset: size - 8, expected: `at most ${PARQUET_LIMITS.footerBytes} bytes`, actual: `${footerLen} bytes` })
  }
  const footer = footerStart >= tailStart ? tail.subarray(footerStart - tailStart, tail.length - 8) : await slice(footerStart, size - 8)
  let meta: FileMeta
  try {
    meta = parseFileMeta(footer, PARQUET_LIMITS.footerValues)
  } catch (err) {
    throw decodeFailure(err, file, 'footer', { offset: footerStart })
  }
  const columns = flatColumns(meta, file, footerStart)
  validate(meta, columns, file, footerStart)
  return { meta, columns, size, footerStart, tail, tailStart, whole, slice }
}

function flatColumns(meta: FileMeta, file: FileId, offset: number): ColumnDesc[] {
  const [root, ...leaves] = meta.schema
  if (!root) throw corrupt(file, 'The footer has an empty schema.', { offset })
  if (leaves.some((l) => (l.numChildren ?? 0) > 0 || l.repetition === 2)) {
    throw parquetError(file, 'UNSUPPORTED_FORMAT', 'Nested Parquet schemas (lists, maps, structs) cannot be read.', { expected: 'a flat schema of primitive columns' })
  }
  if ((root.numChildren ?? 0) !== leaves.length) throw corrupt(file, 'The schema root does not count its columns right.', { offset, expected: `${leaves.length} children`, actual: String(root.numChildren) })
  return leaves.map((l, leaf) => {
    if (l.type === undefined || PHYSICAL_NAMES[l.type] === undefined) throw corrupt(file, 'A column of the schema has no valid physical type.', { offset, column: l.name, actual: String(l.type) })
    if (l.type === PhysicalType.FIXED_LEN_BYTE_ARRAY && !((l.typeLength ?? 0) > 0)) throw corrupt(file, 'A FIXED_LEN_BYTE_ARRAY column has no valid length.', { offset, column: l.name, actual: String(l.typeLength) })
    if (l.logical?.type === 'DECIMAL') checkDecimal(l.logical, l.type, l.typeLength ?? 0, file, offset, l.name)
    return { name: l.name, leaf, type: l.type, typeLength: l.typeLength, maxDef: l.repetition === 1 ? 1 : 0, logical: l.logical }
  })
}

/** Digits a decimal's physical type can hold (BYTE_ARRAY: a documented limit). */
function maxDigits(type: number, length: number): number {
  if (type === PhysicalType.INT32) return 9
  if (type === PhysicalType.INT64) return 18
  if (type === PhysicalType.FIXED_LEN_BYTE_ARRAY) return Math.floor((8 * length - 1) * Math.log10(2))
  return PARQUET_LIMITS.decimalDigits
}

function checkDecimal(d: { scale: number; precision: number }, type: number, length: number, file: FileId, offset: number, column: string): void {
  const max = maxDigits(type, length)
  if (!(d.precision >= 1 && d.precision <= max && d.scale >= 0 && d.scale <= d.precision)) {
    throw corrupt(file, 'A DECIMAL column has a precision or scale its type cannot have.', { offset, column, expected: `1 ≤ precision ≤ ${max}, 0 ≤ scale ≤ precision`, actual: `precision ${d.precision}, scale ${d.scale}` })
  }
}

function validate(meta: FileMeta, columns: ColumnDesc[], file: FileId, footerStart: number): void {
  let rows = 0
  meta.rowGroups.forEach((rg, g) => {
    rows += rg.numRows
    if (rg.columns.length !== columns.length) throw corrupt(file, 'A row group has a different number of columns than the schema.', { offset: footerStart, expected: `${columns.length} columns`, actual: `${rg.columns.length} in row group ${g}` })
    rg.columns.forEach((c, j) => {
      const col = columns[j]
      if (c.type !== col.type) throw corrupt(file, 'A column chunk has another physical type than its schema column.', { offset: footerStart, column: col.name, expected: PHYSICAL_NAMES[col.type], actual: PHYSICAL_NAMES[c.type] ?? String(c.type) })
      // A flat column has exactly one value (maybe null) per row.
      if (c.numValues !== rg.numRows) throw corrupt(file, 'A column chunk holds another number of values than its row group has rows.', { offset: footerStart, column: col.name, expected: `${rg.numRows} values (row group ${g})`, actual: `${c.numValues} values` })
      const [a, b] = chunkRange(c)
      if (a < 4 || b > footerStart) throw corrupt(file, 'A column chunk lies outside the data area.', { offset: a, column: col.name, expected: `bytes 4 to ${footerStart}`, actual: `bytes ${a} to ${b} (row group ${g})` })
    })
  })
  if (rows !== meta.numRows) throw corrupt(file, 'The row groups hold another number of rows than the footer says.', { offset: footerStart, expected: `${meta.numRows} rows`, actual: `${rows} rows` })
}
