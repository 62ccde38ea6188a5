/** Counts over completion report rows: by status, error code and HTTP status, and the most frequent result messages. */
import { numberOption, RANGES } from '../options.js'
import type { CompletionReportRow } from './report-csv.js'

export interface ReportSummary {
  rows: number
  byStatus: { succeeded: number; failed: number }
  /** Rows without an error code count under `(none)`. */
  byErrorCode: Record<string, number>
  byHttpStatus: Record<string, number>
  /** Most frequent messages first (messages cut to 300 characters before counting). */
  topMessages: { message: string; count: number }[]
  /** True when more distinct messages appeared than were tallied (then counts of later, new messages are missing). */
  messagesCapped: boolean
}

export interface SummarizeOptions {
  /** Messages listed. Default 10. */
  top?: number
  /** Distinct messages tallied, so memory stays bounded. Default 10,000. */
  maxDistinctMessages?: number
}

export function reportSummarizer(options: SummarizeOptions = {}) {
  const maxDistinct = numberOption(options.maxDistinctMessages, 'maxDistinctMessages', RANGES.maxDistinctMessages, 10_000)
  const top = numberOption(options.top, 'top', { min: 0, max: 1_000_000 }, 10)
  const s = { rows: 0, byStatus: { succeeded: 0, failed: 0 }, byErrorCode: {} as Record<string, number>, byHttpStatus: {} as Record<string, number> }
  const messages = new Map<string, number>()
  let capped = false
  return {
    add(row: CompletionReportRow) {
      s.rows++
      s.byStatus[row.taskStatus]++
      const code = row.errorCode ?? '(none)'
      s.byErrorCode[code] = (s.byErrorCode[code] ?? 0) + 1
      const http = row.httpStatusCode === undefined ? '(none)' : String(row.httpStatusCode)
      s.byHttpStatus[http] = (s.byHttpStatus[http] ?? 0) + 1
      const m = (row.resultMessage ?? '').slice(0, 300)
      const n = messages.get(m)
      if (n !== undefined) messages.set(m, n + 1)
      else if (messages.size < maxDistinct) messages.set(m, 1)
      else capped = true
    },
    result(): ReportSummary {
      const topMessages = [...messages]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, top)
        .map(([message, count]) => ({ message, count }))
      return { ...s, byErrorCode: { ...s.byErrorCode }, byHttpStatus: { ...s.byHttpStatus }, topMessages, messagesCapped: capped }
    },
  }
}

/** Summary of all rows of a stream (e.g. `readCompletionReport(loc)`). */
export async function summarizeReport(rows: AsyncIterable<CompletionReportRow> | Iterable<CompletionReportRow>, options: SummarizeOptions = {}): Promise<ReportSummary> {
  const s = reportSummarizer(options)
  for await (const row of rows) s.add(row)
  return s.result()
}
