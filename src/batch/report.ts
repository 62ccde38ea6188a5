/**
 * readCompletionReport: an S3 Batch Operations completion report (`job-<id>/manifest.json` → results
 * CSVs) as typed rows, with the inventory reader's locations, fan-out, cancellation and errors.
 */
import { S3InventoryError } from '../errors.js'
import type { Location } from '../location.js'
import { emptyProgress, readFilesInOrder, type FileList, type FilesProgress } from '../manifest-files.js'
import { numberOption, RANGES } from '../options.js'
import { rowStream, type RowStream } from '../row-stream.js'
import { REPORT_LAYOUT } from '../sources/locate.js'
import { clientScope, type ClientOptions, type ClientScope } from '../sources/open.js'
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

/** Counters a progress display can poll (the report manifest gives no sizes: bytesTotal stays 0). */
export type CompletionReportProgress = FilesProgress

export type CompletionReportStream = RowStream<CompletionReportManifest, CompletionReportRow, CompletionReportProgress>

const DEFAULTS = { concurrency: 4, bufferRows: 16_384, maxRecordBytes: 16 * 1024 * 1024 }

/** Stream the rows of the completion report whose `manifest.json` is at `location`. */
export function readCompletionReport(location: Location, options: ReadCompletionReportOptions = {}): CompletionReportStream {
  const scope = clientScope(options)
  const statuses = statusSet(options.status)
  numberOption(options.concurrency, 'concurrency', RANGES.concurrency, DEFAULTS.concurrency)
  numberOption(options.bufferRows, 'bufferRows', RANGES.bufferRows, DEFAULTS.bufferRows)
  numberOption(options.maxRecordBytes, 'maxRecordBytes', RANGES.maxRecordBytes, DEFAULTS.maxRecordBytes)
  const progress: CompletionReportProgress = emptyProgress()
  return rowStream({
    scope,
    progress,
    signal: options.signal,
    manifest: () => readReportManifestWith(location, options, scope),
    read: (m) => readBatches(m, options, statuses, scope, progress),
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
  const indexes = m.results.flatMap((r, i) => (!statuses || !isTaskStatus(r.taskExecutionStatus) || statuses.has(r.taskExecutionStatus) ? [i] : []))
  const list: FileList = { location: m.location, layout: REPORT_LAYOUT, files: m.results.map((r) => ({ key: r.key, md5: r.md5 })), manifestMd5: m.md5 }
  const maxRecordBytes = numberOption(options.maxRecordBytes, 'maxRecordBytes', RANGES.maxRecordBytes, DEFAULTS.maxRecordBytes)
  yield* readFilesInOrder(list, { ...options, indexes, bufferRows: options.bufferRows ?? DEFAULTS.bufferRows }, scope, progress, (f, signal) =>
    reportFileRows(f.source, f.file, { columns: m.columns, md5: f.expected?.md5, statuses, maxRecordBytes, signal }),
  )
}
