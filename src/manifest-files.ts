/**
 * The files of a manifest: the one reader that inventories (readInventory, summarizeInventory,
 * readShard) and completion reports (readCompletionReport) share. It picks the files (all, chosen
 * ones, from a cursor on), locates each (sources/locate.ts), opens its byte source with the size and
 * MD5 it must have, keeps the progress counters, and runs the files with bounded concurrency —
 * in file order for rows (fanout.ts), or as they finish for summaries.
 */
import { forEachLimited } from './concurrency.js'
import { S3InventoryError } from './errors.js'
import { orderedFanOut } from './fanout.js'
import { locationRef, type ResolvedLocation } from './location.js'
import { numberOption, RANGES } from './options.js'
import type { DataFileRef } from './schema/row.js'
import { fileLocator, type Layout } from './sources/locate.js'
import { sourceFor, type ClientOptions, type ClientScope } from './sources/open.js'
import type { ByteCounter, ByteSource } from './sources/source.js'
import type { Expected } from './sources/verify.js'

export interface FileEntry {
  key: string
  /** Bytes the file has (verified when known). */
  size?: number
  /** Lowercase hex MD5 of the file (verified when known). */
  md5?: string
}

/** A manifest as this reader needs it. `files` may be sparse (a shard holds one file at its index). */
export interface FileList {
  location: ResolvedLocation
  layout: Layout
  files: readonly (FileEntry | undefined)[]
  /** The delivery's identity, carried by every row (cursors). */
  manifestMd5: string
}

export interface ReadFilesOptions extends ClientOptions {
  /** Files read at once. Default 4; 1–64. */
  concurrency?: number
  /** Rows each file may hold ahead of the consumer (ordered reads). Default 4096; 1–1,000,000. */
  bufferRows?: number
  signal?: AbortSignal
  /** Local only: a folder that plays the bucket root. */
  root?: string
  /** Check sizes and MD5s. Default true. */
  verify?: boolean
  /** Which files (indexes into files[]), in this order. Default: every file. */
  indexes?: readonly number[]
  /** Resume: the file index and the first row to produce in it; earlier files are skipped unread. */
  start?: { file: number; row: number }
}

/** Counters a progress display can poll while files are read. */
export interface FilesProgress {
  filesTotal: number
  filesDone: number
  /** Sum of the chosen files' sizes, where known. */
  bytesTotal: number
  /** Bytes received so far. */
  bytesRead: number
  /** Rows handed to the consumer. */
  rows: number
}

export function emptyProgress(): FilesProgress {
  return { filesTotal: 0, filesDone: 0, bytesTotal: 0, bytesRead: 0, rows: 0 }
}

/** One file, ready to read. */
export interface OpenedFile {
  /** Index in files[]. */
  index: number
  file: DataFileRef
  source: ByteSource
  /** Its size per the manifest, when known (a hint for ranged reads). */
  size?: number
  /** What its bytes must be (undefined when not verifying). */
  expected?: Expected
  /** First row to produce (a resumed read), else 0. */
  startRow: number
}

export const FILE_DEFAULTS = { concurrency: 4, bufferRows: 4096 }

/** Indexes of the files to read (in order), after the cursor's file when there is one. */
export function chosenFiles(list: FileList, options: Pick<ReadFilesOptions, 'indexes' | 'start'>): number[] {
  const chosen = options.indexes ?? list.files.flatMap((f, i) => (f ? [i] : []))
  for (const i of chosen) {
    if (!Number.isInteger(i) || list.files[i] === undefined) {
      throw new S3InventoryError('INVALID_ARGUMENT', `no file at index ${i}`, { ...locationRef(list.location), option: 'fileIndexes', expected: `indexes of files[] (0–${list.files.length - 1})`, actual: String(i) })
    }
  }
  if (!options.start) return [...chosen]
  const from = chosen.indexOf(options.start.file)
  if (from < 0) {
    throw new S3InventoryError('CURSOR_INVALID', 'the cursor points at a file that is not being read', {
      ...locationRef(list.location),
      option: 'startAfter',
      expected: `one of the files being read (${chosen.slice(0, 20).join(', ')}${chosen.length > 20 ? ', …' : ''})`,
      actual: `file ${options.start.file}`,
    })
  }
  return chosen.slice(from)
}

/** Sets the totals as soon as the manifest is known. */
export function setTotals(list: FileList, options: Pick<ReadFilesOptions, 'indexes'>, progress: FilesProgress): void {
  const chosen = options.indexes ?? list.files.flatMap((f, i) => (f ? [i] : []))
  progress.filesTotal = chosen.length
  progress.bytesTotal = chosen.reduce((n, i) => n + (list.files[i]?.size ?? 0), 0)
}

/** Everything a run over the files needs, validated before any I/O. */
function prepare(list: FileList, options: ReadFilesOptions, scope: ClientScope, progress: FilesProgress) {
  const concurrency = numberOption(options.concurrency, 'concurrency', RANGES.concurrency, FILE_DEFAULTS.concurrency)
  const bufferRows = numberOption(options.bufferRows, 'bufferRows', RANGES.bufferRows, FILE_DEFAULTS.bufferRows)
  const all = options.indexes ?? list.files.flatMap((f, i) => (f ? [i] : []))
  const chosen = chosenFiles(list, options)
  setTotals(list, options, progress)
  progress.filesDone = all.length - chosen.length
  const verify = options.verify ?? true
  const counter: ByteCounter = { bytes: 0 }
  const locate = fileLocator(list.location, list.layout, { root: options.root })
  const open = async (index: number): Promise<OpenedFile> => {
    const entry = list.files[index]!
    const located = await locate(entry.key)
    const file: DataFileRef = Object.freeze({ bucket: located.bucket, key: located.key, fileIndex: index, manifestMd5: list.manifestMd5 })
    const expected = verify ? { size: entry.size, md5: entry.md5 } : undefined
    const source = sourceFor(located.loc, scope, { ...options, counter, size: entry.size, verifySize: verify ? entry.size : undefined })
    return { index, file, source, size: entry.size, expected, startRow: options.start && index === options.start.file ? options.start.row : 0 }
  }
  return { concurrency, bufferRows, chosen, counter, open }
}

/**
 * The items `read` yields for each chosen file, in file order: up to `concurrency` files are read at
 * once, each holding at most `bufferRows` items ahead of the consumer.
 */
export async function* readFilesInOrder<T>(
  list: FileList,
  options: ReadFilesOptions,
  scope: ClientScope,
  progress: FilesProgress,
  read: (f: OpenedFile, signal: AbortSignal) => AsyncIterable<T[]>,
): AsyncGenerator<T[]> {
  const { concurrency, bufferRows, chosen, counter, open } = prepare(list, options, scope, progress)
  const stream = orderedFanOut(
    chosen.length,
    (i, signal) =>
      (async function* () {
        yield* read(await open(chosen[i]), signal)
      })(),
    {
      concurrency,
      bufferRows,
      signal: options.signal,
      onFileDone: () => {
        progress.filesDone++
        progress.bytesRead = counter.bytes
      },
    },
  )
  for await (const batch of stream) {
    progress.bytesRead = counter.bytes
    progress.rows += batch.length
    yield batch
  }
  progress.bytesRead = counter.bytes
}

/** `task` on each chosen file, up to `concurrency` at once; the first failure stops the others. */
export async function forEachFile(
  list: FileList,
  options: ReadFilesOptions,
  scope: ClientScope,
  progress: FilesProgress,
  task: (f: OpenedFile, signal: AbortSignal, counter: ByteCounter) => Promise<void>,
): Promise<void> {
  const { concurrency, chosen, counter, open } = prepare(list, options, scope, progress)
  await forEachLimited(
    chosen.length,
    Math.min(concurrency, Math.max(1, chosen.length)),
    async (i, signal) => {
      await task(await open(chosen[i]), signal, counter)
      progress.filesDone++
      progress.bytesRead = counter.bytes
    },
    options.signal,
  )
  progress.bytesRead = counter.bytes
}
