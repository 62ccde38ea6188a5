/**
 * readCompletionReport: an S3 Batch Operations completion report (`job-<id>/manifest.json` → results
 * CSVs) as typed rows, with the inventory reader's locations, fan-out, cancellation and errors.
 */
import path from 'node:path'
import { S3InventoryError } from '../errors.js'
import { orderedFanOut } from '../fanout.js'
import { rowStream, type RowStream } from '../row-stream.js'
import type { Location } from '../location.js'
import type { DataFileRef } from '../schema/row.js'
import { fileLocator } from '../sources/locate.js'
import { clientScope, sourceFor, type ClientOptions, type ClientScope } from '../sources/open.js'
import type { ByteCounter } from '../sources/source.js'
import { readReportManifestWith, type CompletionReportManifest } from './report-manifest.js'
import { isTaskStatus, reportFileRows, type CompletionReportRow, type TaskStatus } from './report-csv.js'

export interface ReadCompletionReportOptions extends ClientOptions {
  /** Keep only rows with this status (or these). Result files of other statuses are not downloaded. Default: all. */
  status?: TaskStatus | readonly TaskStatus[]
  /** Result files downloaded and parsed at once. Default 4. */
  concurrency?: number
  /** Rows each file may hold parsed ahead of the consumer before its download pauses. Default 16384. */
  bufferRows?: number
  /** Check each result file's MD5 against the report manifest. Default true. */
  verify?: boolean
  /** Cancels the read: in-flight requests are aborted and the iteration rejects with the signal's reason. */
  signal?: AbortSignal
  /** Local only: the folder that plays the report bucket's root. Default: found from the manifest's folder. */
  root?: string
  /** Largest single row accepted (ResultMessage can be long). Default 16 MiB. */
  maxRecordBytes?: number
}

export interface CompletionReportProgress {
  filesTotal: number
  filesDone: number
  /** Result-file bytes received so far (the report manifest gives no sizes, so there is no total). */
  bytesRead: number
  /** Rows handed to the consumer. */
  rows: number
}

export type CompletionReportStream = RowStream<CompletionReportManifest, CompletionReportRow, CompletionReportProgress>

const DEFAULTS = { concurrency: 4, bufferRows: 16_384, maxRecordBytes: 16 * 1024 * 1024 }

/** Stream the rows of the completion report whose `manifest.json` is at `location`. */
export function readCompletionReport(location: Location, options: ReadCompletionReportOptions = {}): CompletionReportStream {
  const scope = clientScope(options)
  const progress: CompletionReportProgress = { filesTotal: 0, filesDone: 0, bytesRead: 0, rows: 0 }
  return rowStream({
    scope,
    progress,
    signal: options.signal,
    manifest: () => readReportManifestWith(location, options, scope),
    read: (m) => readBatches(m, options, statusSet(options.status), scope, progress),
  })
}

function statusSet(status: ReadCompletionReportOptions['status']): ReadonlySet<TaskStatus> | undefined {
  if (status === undefined) return undefined
  const list = typeof status === 'string' ? [status] : [...status]
  for (const s of list) {
    if (!isTaskStatus(s)) {
      throw new S3InventoryError('INVALID_ARGUMENT', 'status must be "succeeded" or "failed"', { option: 'status', actual: String(s) })
    }
  }
  return new Set(list)
}

async function* readBatches(
  m: CompletionReportManifest,
  options: ReadCompletionReportOptions,
  statuses: ReadonlySet<TaskStatus> | undefined,
  scope: ClientScope,
  progress: CompletionReportProgress,
): AsyncGenerator<CompletionReportRow[]> {
  // One results file per status: files of statuses not asked for are skipped unread.
  const chosen = m.results.flatMap((r, i) => (!statuses || !isTaskStatus(r.taskExecutionStatus) || statuses.has(r.taskExecutionStatus) ? [i] : []))
  const counter: ByteCounter = { bytes: 0 }
  progress.filesTotal = chosen.length
  const locate = await fileLocator(m.location, m.results[chosen[0]]?.key, {
    root: options.root,
    // A job folder copied on its own: results/<hash>.csv beside manifest.json.
    beside: (key) => [path.posix.join('results', path.posix.basename(key)), path.posix.basename(key)],
  })
  const verify = options.verify ?? true
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULTS.maxRecordBytes

  const open = (i: number, signal: AbortSignal): AsyncIterable<CompletionReportRow[]> => {
    const fileIndex = chosen[i]
    const entry = m.results[fileIndex]
    return (async function* () {
      const located = await locate(entry.key)
      const ref: DataFileRef = Object.freeze({ bucket: located.bucket, key: located.key, fileIndex, manifestMd5: m.md5 })
      const source = sourceFor(located.loc, scope, { ...options, counter })
      yield* reportFileRows(source, ref, { columns: m.columns, md5: verify ? entry.md5 : undefined, statuses, maxRecordBytes, signal })
    })()
  }

  for await (const batch of orderedFanOut(chosen.length, open, {
    concurrency: options.concurrency ?? DEFAULTS.concurrency,
    bufferRows: options.bufferRows ?? DEFAULTS.bufferRows,
    signal: options.signal,
    onFileDone: () => progress.filesDone++,
  })) {
    progress.bytesRead = counter.bytes
    progress.rows += batch.length
    yield batch
  }
  progress.bytesRead = counter.bytes
}

