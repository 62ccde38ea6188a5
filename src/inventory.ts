/**
 * readInventory / listKeys: manifest → its data files (manifest-files.ts: fanned out, in manifest
 * order, verified) → each file through its format (formats/) → typed rows.
 */
import { parseCursor, type Cursor } from './cursor.js'
import { openManifestWith } from './deliveries.js'
import { S3InventoryError } from './errors.js'
import { compileFilter, type RowFilter } from './filter.js'
import type { FileRead, InventoryFormat } from './formats/format.js'
import { formatFor } from './formats/registry.js'
import { locationRef, type Location } from './location.js'
import { emptyProgress, FILE_DEFAULTS, readFilesInOrder, setTotals, type FileList, type FilesProgress, type OpenedFile, type ReadFilesOptions } from './manifest-files.js'
import type { InventoryManifest, ReadManifestOptions } from './manifest.js'
import { indexList, nameList, numberOption, optionalString, optionsObject, RANGES } from './options.js'
import { rowStream, type RowStream } from './row-stream.js'
import { resolveColumns, type KnownField } from './schema/fields.js'
import type { InventoryRow } from './schema/row.js'
import { INVENTORY_LAYOUT } from './sources/locate.js'
import { clientScope, type ClientOptions, type ClientScope } from './sources/open.js'

export interface ReadInventoryOptions extends ClientOptions {
  /** Data files downloaded and decoded at once. Default 4; 1–64. */
  concurrency?: number
  /** Cancels the read: in-flight requests are aborted and the iteration rejects with the signal's reason. */
  signal?: AbortSignal
  /**
   * Only these row fields are decoded (e.g. ['key', 'size']); AWS's spellings (`StorageClass`,
   * `storage_class`) are accepted too. A name no inventory has is UNKNOWN_FIELD; a field this
   * inventory lacks is FIELD_MISSING; an empty list is INVALID_ARGUMENT. Default: every known field
   * the inventory has.
   */
  columns?: readonly KnownField[]
  /**
   * Columns this library does not know (fields AWS added later), by their name in the inventory
   * (`ObjectLockEventHoldStatus`, `object_lock_event_hold_status`); they appear in rows under a
   * camelCase name. Default: none (unknown columns are not read).
   */
  extraColumns?: readonly string[]
  /** Rows each file may hold decoded ahead of the consumer before its download pauses. Default 4096; 1–1,000,000. */
  bufferRows?: number
  /** Check every data file's MD5 and size against the manifest. Default true. See docs/reliability.md. */
  verify?: boolean
  /** Local only: a folder that plays the destination bucket's root (tried after the places the manifest's path implies). */
  root?: string
  /** Resume after this cursor (from `cursorOf(row)`): earlier files are not downloaded. */
  startAfter?: Cursor | string
  /** Accept a manifest with an empty files[] (yields nothing). Default false: MANIFEST_EMPTY. */
  allowEmpty?: boolean
  /** Rows that do not match are dropped as early as possible. */
  filter?: RowFilter
  /** Counters to update while reading (default: a new object, exposed as `stream.progress`). */
  progress?: InventoryProgress
  /** Read only these data files (indexes into manifest.files, each once), in this order. Default: all. */
  fileIndexes?: readonly number[]
  /** Parquet and ORC: bytes fetched per request / buffered per file. Default 16 MiB; 64 KiB – 1 GiB. */
  readSize?: number
  /**
   * Accepted for compatibility; rows are always decoded on the caller's thread, which measured
   * faster than any split with a worker (docs/performance.md). summarizeInventory uses workers.
   */
  workers?: boolean
  /** Largest manifest.json read. Default 256 MiB. */
  maxManifestBytes?: number
}

/** Counters a progress display can poll while rows stream. */
export type InventoryProgress = FilesProgress

export type InventoryStream = RowStream<InventoryManifest, InventoryRow, InventoryProgress>

export const DEFAULT_READ_SIZE = 16 * 1024 * 1024

/** Stream the rows of the inventory whose manifest.json is at `bucket`/`manifestKey`. */
export function listKeys(bucket: string, manifestKey: string, options: ReadInventoryOptions = {}): InventoryStream {
  return readInventory({ bucket, key: manifestKey }, options)
}

/**
 * Stream the rows of an inventory. `location`: a manifest.json, a delivery folder holding one, a
 * configuration folder (its newest complete delivery), or an already read manifest.
 */
export function readInventory(location: Location | InventoryManifest, options: ReadInventoryOptions = {}): InventoryStream {
  optionsObject(options)
  resolveColumns(options.columns) // an empty list is refused here (rows of no fields); internal reads may pass one
  const request = inventoryRequest(options) // every option checked before any I/O
  const scope = clientScope(options)
  const progress: InventoryProgress = options.progress ?? emptyProgress()
  return rowStream({
    scope,
    progress,
    signal: options.signal,
    manifest: async () => {
      const m = isManifest(location) ? location : (await openManifestWith(location, options, scope)).manifest
      setTotals(fileList(m), { indexes: options.fileIndexes }, progress)
      return m
    },
    read: (m) => inventoryBatches(m, request, scope, progress),
  })
}

/** Options turned into what the readers need, validated: names resolved, numbers in range, the filter compiled. */
export function inventoryRequest(options: ReadInventoryOptions) {
  optionsObject(options)
  const columns = resolveColumns(options.columns, 'columns', true)
  const extraColumns = nameList(options.extraColumns, 'extraColumns')
  indexList(options.fileIndexes, 'fileIndexes')
  optionalString(options.root, 'root')
  return {
    options,
    columns,
    extraColumns,
    filter: compileFilter(options.filter),
    readSize: numberOption(options.readSize, 'readSize', RANGES.readSize, DEFAULT_READ_SIZE),
    concurrency: numberOption(options.concurrency, 'concurrency', RANGES.concurrency, FILE_DEFAULTS.concurrency),
    bufferRows: numberOption(options.bufferRows, 'bufferRows', RANGES.bufferRows, FILE_DEFAULTS.bufferRows),
  }
}

export type InventoryRequest = ReturnType<typeof inventoryRequest>

/** An empty files[] is an error unless the caller accepts it (allowEmpty) or chose the files (fileIndexes). */
export function assertHasFiles(m: InventoryManifest, options: Pick<ReadInventoryOptions, 'allowEmpty' | 'fileIndexes'>): void {
  if (m.files.length === 0 && !options.allowEmpty && options.fileIndexes === undefined) {
    throw new S3InventoryError('MANIFEST_EMPTY', 'the manifest lists no data files, and an empty inventory is not allowed', {
      ...locationRef(m.location),
      field: 'files',
      option: 'allowEmpty',
      expected: 'at least one file',
    })
  }
}

export function isManifest(v: unknown): v is InventoryManifest {
  return typeof v === 'object' && v !== null && 'files' in v && 'md5' in v && 'location' in v
}

/** The manifest as the files reader sees it. */
export function fileList(m: InventoryManifest): FileList {
  return { location: m.location, layout: INVENTORY_LAYOUT, files: m.files.map((f) => f && { key: f.key, size: f.size, md5: f.MD5checksum }), manifestMd5: m.md5 }
}

/** What the files reader is asked to do for an inventory read. */
export function filesOptions(m: InventoryManifest, options: ReadInventoryOptions): ReadFilesOptions {
  return { ...options, indexes: options.fileIndexes, start: startPosition(m, options.startAfter) }
}

/** The FileRead of one data file. */
export function fileRead(m: InventoryManifest, f: OpenedFile, request: InventoryRequest, signal: AbortSignal): FileRead {
  return {
    source: f.source,
    file: f.file,
    fileSchema: m.fileSchema,
    columns: request.columns,
    extraColumns: request.extraColumns,
    filter: request.filter,
    startRow: f.startRow,
    size: f.size,
    expected: f.expected,
    signal,
    readSize: request.readSize,
  }
}

async function* inventoryBatches(m: InventoryManifest, request: InventoryRequest, scope: ClientScope, progress: InventoryProgress): AsyncGenerator<InventoryRow[]> {
  const format: InventoryFormat = formatFor(m)
  assertHasFiles(m, request.options)
  const options = request.options.bufferRows === undefined && format.bufferRows ? { ...request.options, bufferRows: format.bufferRows } : request.options
  yield* readFilesInOrder(fileList(m), filesOptions(m, options), scope, progress, (f, signal) => format.rows(fileRead(m, f, request, signal)))
}

function startPosition(m: InventoryManifest, after: Cursor | string | undefined): { file: number; row: number } | undefined {
  if (after === undefined) return undefined
  const c = parseCursor(after)
  if (c.manifestMd5 !== m.md5 || c.file >= m.files.length) {
    throw new S3InventoryError('CURSOR_INVALID', 'the cursor belongs to another inventory delivery', {
      ...locationRef(m.location),
      option: 'startAfter',
      expected: `manifest ${m.md5} with ${m.files.length} files`,
      actual: `manifest ${c.manifestMd5}, file ${c.file}`,
    })
  }
  return { file: c.file, row: c.row + 1 }
}

export type { ReadManifestOptions }
