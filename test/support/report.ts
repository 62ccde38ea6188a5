/** Report data from rows in memory: the report's groupings summarized with `summarize` (no files). */
import type { ReportData, ReportSummaryName } from '../../src/report/collect.js'
import { reportGroupings } from '../../src/report/collect.js'
import type { InventoryRow } from '../../src/schema/row.js'
import { summarize, type Summary } from '../../src/summarize.js'

export async function reportData(rows: Record<string, unknown>[], prefixDepth = 1): Promise<ReportData> {
  const fields = rows.length ? Object.keys(rows[0]) : []
  const summaries: Partial<Record<ReportSummaryName, Summary>> = {}
  for (const [name, by] of Object.entries(reportGroupings(fields, prefixDepth))) {
    summaries[name as ReportSummaryName] = await summarize(rows as unknown as InventoryRow[], { by })
  }
  return {
    delivery: { sourceBucket: 'src', destinationBucket: 'dest', manifest: '/inv/manifest.json', creationDate: '2026-11-20T01:00:00.000Z', fileFormat: 'CSV', files: 1, filesBytes: 1000 },
    fields,
    prefixDepth,
    summaries: summaries as ReportData['summaries'],
    generatedAt: '2026-12-01T00:00:00.000Z',
  }
}
