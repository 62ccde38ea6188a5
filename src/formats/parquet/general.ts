/**
 * Parquet read as a general reader would: any flat file, every column by its own name, values by the
 * exact general mapping (values.ts, src/schema/exact.ts), with projection, ranged reads and optional
 * verification. What `s3inv cat` prints.
 */
import type { Decimal, LocalDate, Timestamp } from '../../schema/exact.js'
import { S3InventoryError } from '../../errors.js'
import { nameList, numberOption, optionsObject, RANGES } from '../../options.js'
import { resolveLocation, type Location } from '../../location.js'
import { clientScope, sourceFor, type ClientOptions } from '../../sources/open.js'
import type { ByteSource } from '../../sources/source.js'
import type { Expected } from '../../sources/verify.js'
import { readFooter, type Footer } from './footer.js'
import { CODEC_NAMES, ENCODING_NAMES, PHYSICAL_NAMES, type Logical } from './metadata.js'
import { rowGroupsToRead } from './plan.js'
import { readWindows } from './row-groups.js'
import type { ColumnDesc } from './values.js'

/**
 * A value of a Parquet row (see values.ts for the mapping): null, boolean, number, bigint (64-bit
 * integers), string, Uint8Array (binary), Decimal, Timestamp, LocalDate, or an INTERVAL's parts.
 */
export type ParquetValue = null | boolean | number | bigint | string | Uint8Array | Decimal | Timestamp | LocalDate | ParquetInterval
export interface ParquetInterval {
  months: number
  days: number
  milliseconds: number
}
/** One row: the file's column names → values, in the file's column order. */
export type ParquetRow = Record<string, ParquetValue>

export interface ReadParquetOptions extends ClientOptions {
  /** Only these columns (by their names in the file), in file order; at least one. Default: all. */
  columns?: readonly string[]
  signal?: AbortSignal
  /** Size and MD5 the file must have (e.g. its manifest entry); rows are held until verified. Default: not verified. */
  expected?: Expected
  /** Bytes fetched per request, and buffered. Default 16 MiB; 64 KiB – 1 GiB. */
  readSize?: number
  /** Rows before this index are skipped. Default 0; an integer ≥ 0. */
  startRow?: number
}

/** The options of readParquet, checked before any I/O. */
function checkedOptions(options: ReadParquetOptions) {
  optionsObject(options)
  const columns = nameList(options.columns, 'columns')
  if (columns?.length === 0) throw new S3InventoryError('INVALID_ARGUMENT', 'columns must name at least one column', { option: 'columns', expected: 'at least one column name (leave it out for every column)', actual: '[]' })
  return {
    columns,
    readSize: numberOption(options.readSize, 'readSize', RANGES.readSize, DEFAULT_READ_SIZE),
    startRow: numberOption(options.startRow, 'startRow', RANGES.startRow, 0),
  }
}

const DEFAULT_READ_SIZE = 16 * 1024 * 1024

function isSource(v: unknown): v is ByteSource {
  return typeof v === 'object' && v !== null && 'tail' in v && 'slice' in v && 'ref' in v
}

async function* withSource<T>(location: Location | ByteSource, options: ClientOptions, body: (source: ByteSource) => AsyncGenerator<T>): AsyncGenerator<T> {
  if (isSource(location)) return yield* body(location)
  const scope = clientScope(options)
  try {
    yield* body(sourceFor(resolveLocation(location), scope, options))
  } finally {
    scope.release()
  }
}

/**
 * The rows of one Parquet file as plain objects (column name → value, by the general mapping). Reads
 * the footer, then only the chosen columns' chunks, in bounded windows.
 */
export function readParquet(location: Location | ByteSource, options: ReadParquetOptions = {}): AsyncIterable<ParquetRow> {
  const checked = checkedOptions(options)
  return withSource(location, options, (source) => rowsOf(source, options, checked))
}

async function* rowsOf(source: ByteSource, options: ReadParquetOptions, checked: ReturnType<typeof checkedOptions>): AsyncGenerator<ParquetRow> {
  const ac = new AbortController()
  const onAbort = () => ac.abort(options.signal?.reason)
  options.signal?.addEventListener('abort', onAbort, { once: true })
  if (options.signal?.aborted) onAbort()
  try {
    const { readSize, startRow } = checked
    const file = source.ref
    const footer = await readFooter(source, file, { readSize, expected: options.expected, signal: ac.signal })
    const columns = chosen(footer, checked.columns, file)
    const names = columns.map((c) => c.name)
    const windows = readWindows({
      source,
      file,
      footer,
      columns,
      modes: columns.map(() => ({})),
      rowGroups: rowGroupsToRead(footer.meta.rowGroups, { startRow }),
      startRow,
      expected: options.expected,
      readSize,
      signal: ac.signal,
    })
    let held: ParquetRow[] | undefined
    for await (const { values, n } of windows) {
      const batch: ParquetRow[] = new Array(n)
      for (let i = 0; i < n; i++) {
        const row: ParquetRow = {}
        for (let j = 0; j < names.length; j++) row[names[j]] = (values[j][i] ?? null) as ParquetValue
        batch[i] = row
      }
      if (held) yield* held
      held = batch
    }
    if (held) yield* held
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
    ac.abort()
  }
}

function chosen(footer: Footer, wanted: readonly string[] | undefined, file: { bucket?: string; key: string }): ColumnDesc[] {
  if (!wanted) return footer.columns
  const names = new Set(footer.columns.map((c) => c.name))
  for (const w of wanted) {
    if (!names.has(w)) {
      throw new S3InventoryError('FIELD_MISSING', `The file has no column named ${JSON.stringify(w)}.`, {
        bucket: file.bucket,
        key: file.key,
        option: 'columns',
        column: w,
        expected: `one of the file's columns: ${[...names].join(', ')}`,
      })
    }
  }
  const set = new Set(wanted)
  return footer.columns.filter((c) => set.has(c.name))
}

export interface ParquetColumnInfo {
  name: string
  physicalType: string
  /** e.g. `STRING`, `DECIMAL(25,2)`, `TIMESTAMP(MICROS,UTC)`, `INTEGER(32,unsigned)`; undefined when unannotated. */
  logicalType?: string
  optional: boolean
  typeLength?: number
}

export interface ParquetMetadata {
  createdBy?: string
  version: number
  numRows: number
  columns: ParquetColumnInfo[]
  rowGroups: { numRows: number; columns: { name: string; codec: string; encodings: string[]; compressedSize: number; uncompressedSize: number }[] }[]
  /** Codecs used by any column chunk. */
  codecs: string[]
  keyValueMetadata: { key: string; value?: string }[]
}

/** The footer of one Parquet file: schema, row groups, codecs, writer (one ranged read of its tail). */
export async function readParquetMetadata(
  location: Location | ByteSource,
  options: ClientOptions & { signal?: AbortSignal; expected?: Expected; /** Bytes of the first request from the file's end. Default 64 KiB; 64 KiB – 1 GiB. */ readSize?: number } = {},
): Promise<ParquetMetadata> {
  optionsObject(options)
  const readSize = numberOption(options.readSize, 'readSize', RANGES.readSize, 64 * 1024)
  for await (const meta of withSource(location, options, async function* (source) {
    const footer = await readFooter(source, source.ref, { readSize, expected: options.expected && { size: options.expected.size }, signal: options.signal })
    yield describe(footer)
  })) return meta
  throw new Error('unreachable')
}

function describe(footer: Footer): ParquetMetadata {
  const { meta, columns } = footer
  const codecs = new Set<string>()
  return {
    createdBy: meta.createdBy,
    version: meta.version,
    numRows: meta.numRows,
    columns: columns.map((c) => ({ name: c.name, physicalType: PHYSICAL_NAMES[c.type], logicalType: c.logical && logicalText(c.logical), optional: c.maxDef > 0, typeLength: c.typeLength })),
    rowGroups: meta.rowGroups.map((rg) => ({
      numRows: rg.numRows,
      columns: rg.columns.map((c, j) => {
        const codec = CODEC_NAMES[c.codec] ?? `codec ${c.codec}`
        codecs.add(codec)
        return { name: columns[j].name, codec, encodings: c.encodings.map((e) => ENCODING_NAMES[e] ?? `encoding ${e}`), compressedSize: c.totalCompressedSize, uncompressedSize: c.totalUncompressedSize }
      }),
    })),
    codecs: [...codecs],
    keyValueMetadata: meta.keyValueMetadata ?? [],
  }
}

function logicalText(l: Logical): string {
  switch (l.type) {
    case 'DECIMAL':
      return `DECIMAL(${l.precision},${l.scale})`
    case 'TIME':
    case 'TIMESTAMP':
      return `${l.type}(${l.unit},${l.utc ? 'UTC' : 'local'})`
    case 'INTEGER':
      return `INTEGER(${l.bitWidth},${l.signed ? 'signed' : 'unsigned'})`
    case 'OTHER':
      return l.name
    default:
      return l.type
  }
}

