/**
 * readInventory / listKeys: manifest → data files (fanned out, in manifest order) → typed rows.
 *
 * The data flow of one CSV file: source bytes → MD5/size check → gunzip → CSV records → rows.
 * One Parquet file: footer → row groups → column chunks → pages → rows (formats/parquet).
 */
import { parseCursor, type Cursor } from './cursor.js'
import { S3InventoryError, throwIfAborted } from './errors.js'
import { orderedFanOut } from './fanout.js'
import { rowStream, type RowStream } from './row-stream.js'
import { compileFilter, type CompiledFilter, type RowFilter } from './filter.js'
import { columnKind, csvRowBuilder, parseCsvSchema, type ColumnSpec } from './formats/csv.js'
import { decodeCsvGz } from './formats/csv-decode.js'
import { readParquetRows } from './formats/parquet/rows.js'
import { orcFormat } from './formats/orc/index.js'
import { locationRef, type Location } from './location.js'
import { readManifestWith, type InventoryManifest } from './manifest.js'
import { fieldForCsvName } from './schema/fields.js'
import type { DataFileRef, InventoryRow } from './schema/row.js'
import { fileLocator } from './sources/locate.js'
import { clientScope, sourceFor, type ClientOptions, type ClientScope } from './sources/open.js'
import type { ByteCounter, ByteSource } from './sources/source.js'

export interface ReadInventoryOptions extends ClientOptions {
  /** Data files downloaded and decoded at once. Default 4. */
  concurrency?: number
  /** Cancels the read: in-flight requests are aborted and the iteration rejects with the signal's reason. */
  signal?: AbortSignal
  /** Only these row fields are decoded (camelCase names, e.g. ['key', 'size']). Default: all columns. */
  columns?: readonly string[]
  /** Rows each file may hold decoded ahead of the consumer before its download pauses. Default 4096. */
  bufferRows?: number
  /** Check every data file's MD5 and size against the manifest. Default true. See docs/reliability.md. */
  verify?: boolean
  /** Local only: the folder that plays the destination bucket's root. Default: found from the manifest's folder. */
  root?: string
  /** Resume after this cursor (from `cursorOf(row)`): earlier files are not downloaded. */
  startAfter?: Cursor | string
  /** Accept a manifest with an empty files[] (yields nothing). Default false: MANIFEST_EMPTY. */
  allowEmpty?: boolean
  /** Rows that do not match are dropped as early as possible. */
  filter?: RowFilter
  /** Counters to update while reading (default: a new object, exposed as `stream.progress`). */
  progress?: InventoryProgress
  /** Read only these data files (indexes into manifest.files), in this order. Default: all. */
  fileIndexes?: readonly number[]
  /** Parquet only: bytes fetched per request / buffered per file. Default 16 MiB. */
  parquetReadSize?: number
  /** CSV only: decompress, verify and scan on a worker thread. Default false (measured slower when rows are the output). */
  workers?: boolean
}

/** Counters a progress display can poll while rows stream. */
export interface InventoryProgress {
  filesTotal: number
  filesDone: number
  /** Sum of files[].size (compressed). */
  bytesTotal: number
  /**
   * Data-file bytes received so far, as fetched: a verified Parquet file whose row groups exceed
   * `parquetReadSize` is read twice (hashed, and decoded), so this can pass `bytesTotal`.
   */
  bytesRead: number
  /** Rows handed to the consumer. */
  rows: number
}

export type InventoryStream = RowStream<InventoryManifest, InventoryRow, InventoryProgress>

const DEFAULTS = { concurrency: 4, bufferRows: 4096 }

/** Stream the rows of the inventory whose manifest.json is at `bucket`/`manifestKey`. */
export function listKeys(bucket: string, manifestKey: string, options: ReadInventoryOptions = {}): InventoryStream {
  return readInventory({ bucket, key: manifestKey }, options)
}

/** Stream the rows of an inventory, given its manifest's location (or an already read manifest). */
export function readInventory(location: Location | InventoryManifest, options: ReadInventoryOptions = {}): InventoryStream {
  const scope = clientScope(options)
  const progress: InventoryProgress = options.progress ?? { filesTotal: 0, filesDone: 0, bytesTotal: 0, bytesRead: 0, rows: 0 }
  return rowStream({
    scope,
    progress,
    signal: options.signal,
    manifest: async () => {
      const m = isManifest(location) ? location : await readManifestWith(location, options, scope)
      setTotals(m, options, progress)
      return m
    },
    read: (m) => readBatches(m, options, scope, progress),
  })
}

/** An empty files[] is an error unless the caller accepts it (allowEmpty) or chose the files (fileIndexes). */
export function assertHasFiles(m: InventoryManifest, options: Pick<ReadInventoryOptions, 'allowEmpty' | 'fileIndexes'>): void {
  if (m.files.length === 0 && !options.allowEmpty && options.fileIndexes === undefined) {
    throw new S3InventoryError('MANIFEST_EMPTY', 'manifest lists no data files', {
      ...locationRef(m.location),
      column: 'files',
      expected: 'at least one file (pass allowEmpty: true to accept none)',
    })
  }
}

/** Indexes of the data files to read: all of them, or `fileIndexes` once each is checked. */
export function chosenFiles(m: InventoryManifest, fileIndexes: readonly number[] | undefined): readonly number[] {
  if (fileIndexes === undefined) return m.files.map((_, i) => i)
  for (const i of fileIndexes) {
    if (!Number.isInteger(i) || m.files[i] === undefined) {
      throw new S3InventoryError('INVALID_ARGUMENT', `fileIndexes: no data file at index ${i}`, { ...locationRef(m.location), expected: `indexes of files[] (0–${m.files.length - 1})` })
    }
  }
  return fileIndexes
}

export function isManifest(v: unknown): v is InventoryManifest {
  return typeof v === 'object' && v !== null && 'files' in v && 'md5' in v && 'location' in v
}

/**
 * Every row of the inventory to `each`, for aggregations (files read concurrently, in no particular
 * order of rows). Parquet rows are one reused object, valid only during the call: no row objects.
 */
export async function forEachRow(m: InventoryManifest, options: ReadInventoryOptions, scope: ClientScope, progress: InventoryProgress, each: (row: InventoryRow) => void): Promise<void> {
  setTotals(m, options, progress)
  for await (const batch of readBatches(m, options, scope, progress, each)) for (const row of batch) each(row)
}

/** Totals as soon as the manifest is known (with startAfter, reading counts the skipped files as done). */
function setTotals(m: InventoryManifest, options: ReadInventoryOptions, progress: InventoryProgress): void {
  const chosen = options.fileIndexes ?? m.files.map((_, i) => i)
  progress.filesTotal = chosen.length
  progress.bytesTotal = chosen.reduce((n, i) => n + (m.files[i]?.size ?? 0), 0)
}

async function* readBatches(
  m: InventoryManifest,
  options: ReadInventoryOptions,
  scope: ClientScope,
  progress: InventoryProgress,
  parquetEach?: (row: InventoryRow) => void,
): AsyncGenerator<InventoryRow[]> {
  const format = m.fileFormat.toLowerCase()
  if (format !== 'csv' && format !== 'parquet' && format !== 'orc') {
    throw new S3InventoryError('UNSUPPORTED_FORMAT', `${m.fileFormat} inventories cannot be read; CSV, Parquet and ORC are supported`, {
      ...locationRef(m.location),
      expected: 'fileFormat CSV, Parquet or ORC',
      actual: m.fileFormat,
    })
  }
  assertHasFiles(m, options)
  const start = startPosition(m, options.startAfter)
  // The data files to read, in order: all of them (or those chosen), from the cursor's file on.
  const chosen = chosenFiles(m, options.fileIndexes)
  const from = options.startAfter === undefined ? 0 : chosen.indexOf(start.file)
  if (from < 0) throw new S3InventoryError('CURSOR_INVALID', 'cursor points at a data file that is not being read', { ...locationRef(m.location), expected: `one of the files being read (${chosen.join(', ')})`, actual: `file ${start.file}` })
  const list = chosen.slice(from)
  const filter = compileFilter(options.filter)
  const counter: ByteCounter = { bytes: 0 }
  progress.filesDone = chosen.length - list.length
  // Probe with a file that is being read: files[] may be sparse (a shard) or not start at 0.
  const dataFile = await fileLocator(m.location, m.files[chosen[0]]?.key, { root: options.root })
  const verify = options.verify ?? true
  const csvColumns = format === 'csv' ? csvPlan(m.fileSchema, options.columns, filter) : undefined

  const open = (i: number, signal: AbortSignal): AsyncIterable<InventoryRow[]> => {
    const fileIndex = list[i]
    const entry = m.files[fileIndex]
    const startRow = fileIndex === start.file ? start.row : 0
    return (async function* () {
      const located = await dataFile(entry.key)
      const ref: DataFileRef = Object.freeze({ bucket: located.bucket, key: located.key, fileIndex, manifestMd5: m.md5 })
      const source = sourceFor(located.loc, scope, { ...options, counter, size: entry.size })
      const expected = { size: entry.size, md5: entry.MD5checksum }
      if (csvColumns) {
        yield* csvFile(source, ref, { ...csvColumns, startRow, filter, expected: verify ? expected : undefined, signal, workers: options.workers })
      } else if (format === 'orc') {
        const read = { source, file: ref, fileSchema: m.fileSchema, columns: options.columns, filter, startRow, expected: verify ? expected : undefined, signal, readSize: options.parquetReadSize ?? 16 * 1024 * 1024 }
        if (!parquetEach) yield* orcFormat.rows(read)
        else {
          await orcFormat.visit(read, (row) => {
            progress.rows++
            progress.bytesRead = counter.bytes
            parquetEach(row)
          })
        }
      } else {
        yield* readParquetRows(source, ref, {
          columns: options.columns,
          filter,
          startRow,
          verify,
          expected,
          readSize: options.parquetReadSize,
          signal,
          // Nothing is yielded in this mode: progress is kept current from here.
          each: parquetEach && ((row: InventoryRow) => {
            progress.rows++
            progress.bytesRead = counter.bytes
            parquetEach(row)
          }),
        })
      }
    })()
  }

  const count = list.length
  for await (const batch of orderedFanOut(count, open, {
    concurrency: options.concurrency ?? DEFAULTS.concurrency,
    bufferRows: options.bufferRows ?? DEFAULTS.bufferRows,
    signal: options.signal,
    onFileDone: () => {
      progress.filesDone++
      progress.bytesRead = counter.bytes
    },
  })) {
    throwIfAborted(options.signal)
    progress.bytesRead = counter.bytes
    progress.rows += batch.length
    yield batch
  }
  progress.bytesRead = counter.bytes
}

function startPosition(m: InventoryManifest, after: Cursor | string | undefined): { file: number; row: number } {
  if (after === undefined) return { file: 0, row: 0 }
  const c = parseCursor(after)
  if (c.manifestMd5 !== m.md5 || c.file >= m.files.length) {
    throw new S3InventoryError('CURSOR_INVALID', 'cursor belongs to another inventory delivery', {
      ...locationRef(m.location),
      expected: `manifest ${m.md5} with ${m.files.length} files`,
      actual: `manifest ${c.manifestMd5}, file ${c.file}`,
    })
  }
  return { file: c.file, row: c.row + 1 }
}

/**
 * Column plan for a CSV inventory: fields come from fileSchema, by name, never by position. The
 * columns extracted are the requested ones (in file order), then any the filter alone needs.
 */
export function csvPlan(fileSchema: string, columns: readonly string[] | undefined, filter: CompiledFilter | undefined) {
  const names = parseCsvSchema(fileSchema)
  const fields = names.map(fieldForCsvName)
  const wanted = columns ? new Set(columns) : undefined
  const out = fields.flatMap((f, index) => (!wanted || wanted.has(f.name) ? [index] : []))
  const extra = fields.flatMap((f, index) => (!out.includes(index) && filter?.fields.has(f.name) ? [index] : []))
  const order = [...out, ...extra]
  return {
    fieldCount: names.length,
    spec: order.map((index): ColumnSpec => ({ index, kind: columnKind(fields[index]), name: fields[index].name })),
    outputs: out.length,
  }
}

async function* csvFile(
  source: ByteSource,
  ref: DataFileRef,
  o: ReturnType<typeof csvPlan> & {
    startRow: number
    filter: CompiledFilter | undefined
    /** Size and MD5 to verify, or undefined to skip verification. */
    expected: { size: number; md5: string } | undefined
    signal: AbortSignal
    workers?: boolean
  },
): AsyncGenerator<InventoryRow[]> {
  const build = csvRowBuilder({ spec: o.spec, outputs: o.outputs, file: ref, startRow: o.startRow, filter: o.filter })
  const batches = decodeCsvGz((signal) => source.stream(0, undefined, signal), source.ref, {
    fieldCount: o.fieldCount,
    spec: o.spec,
    expected: o.expected,
    signal: o.signal,
    workers: o.workers,
    filter: o.filter,
    startRow: o.startRow,
  })
  for await (const batch of batches) {
    const rows = build(batch)
    if (rows.length > 0) yield rows
  }
}

