/** `s3inv report`: summary of an S3 Batch Operations completion report (counts, error codes, top messages), or its rows. */
import type { S3Client } from '@aws-sdk/client-s3'
import { Option, type Command } from 'commander'
import { formatLocation, readCompletionReport, REPORT_ROW_FIELDS, reportSummarizer, type CompletionReportManifest, type InventoryRow, type ReportSummary, type TaskStatus } from '../../index.js'
import { addCommon, withClient, type CommonFlags } from '../common.js'
import { interruption } from '../interrupt.js'
import { formatter, writer } from '../output.js'
import { choice, FLAG_RANGES, integer } from '../usage.js'

interface ReportFlags extends CommonFlags {
  status?: TaskStatus
  rows?: boolean
  format: 'ndjson' | 'csv'
  top: number
  json?: boolean
}

export function register(program: Command): void {
  addCommon(program.command('report'))
    .description('summarize an S3 Batch Operations completion report (or print its rows)')
    .argument('<location>', 's3://bucket/…/job-<id>/manifest.json or its job folder (s3://bucket/…/job-<id>/), local or file:// alike')
    .addOption(new Option('--status <status>', 'only tasks with this status: succeeded or failed (default: both)').argParser(choice('--status', ['succeeded', 'failed'] as const)))
    .option('--rows', 'print the rows on stdout (the summary goes to stderr unless --quiet)')
    .addOption(new Option('--format <format>', 'row format for --rows: ndjson or csv (default: ndjson)').argParser(choice('--format', ['ndjson', 'csv'] as const)).default('ndjson', undefined))
    .option('--top <n>', 'result messages listed in the summary (default: 10)', integer('--top', FLAG_RANGES.count), 10)
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
Examples:
  s3inv report s3://report-bucket/reports/job-f8fb9d89-…/
  s3inv report ./job-f8fb9d89-…/manifest.json --status failed --rows --format csv > failed.csv`,
    )
    .action(async (location: string, flags: ReportFlags) => {
      await withClient(location, flags, (client) => run(location, flags, client))
    })
}

async function run(location: string, flags: ReportFlags, client: S3Client | undefined): Promise<void> {
  const report = readCompletionReport(location, { client, concurrency: flags.concurrency, verify: flags.verify, root: flags.root, signal: interruption(), status: flags.status })
  const summary = reportSummarizer({ top: flags.top })
  if (flags.rows) {
    const out = writer()
    const fmt = formatter(flags.format, flags.format === 'csv' ? [...REPORT_ROW_FIELDS] : undefined)
    for await (const batch of report.batches()) {
      for (const row of batch) summary.add(row)
      // The formatters read fields by name; report rows have no index signature.
      await out.write(fmt.rows(batch as unknown as InventoryRow[]))
    }
    await out.flush()
    if (!flags.quiet) process.stderr.write(render(await report.manifest, summary.result(), flags.json))
    return
  }
  for await (const batch of report.batches()) for (const row of batch) summary.add(row)
  await writer().write(render(await report.manifest, summary.result(), flags.json))
}

function render(m: CompletionReportManifest, s: ReportSummary, json: boolean | undefined): string {
  if (json) {
    return `${JSON.stringify({ report: formatLocation(m.location), jobId: m.jobId, reportCreationDate: m.reportCreationDate.toISOString(), checksum: m.checksum, ...s })}\n`
  }
  const lines = [
    `report     ${formatLocation(m.location)}`,
    `job        ${m.jobId ?? '(unknown)'}`,
    `created    ${m.reportCreationDate.toISOString()}`,
    `checksum   ${m.checksum === 'verified' ? 'manifest.json.md5 verified' : 'no manifest.json.md5'}`,
    `tasks      ${s.rows} (succeeded ${s.byStatus.succeeded}, failed ${s.byStatus.failed})`,
    '',
    'by error code',
    ...table(s.byErrorCode),
    '',
    'by HTTP status',
    ...table(s.byHttpStatus),
    '',
    `top result messages${s.messagesCapped ? ' (too many distinct messages: later new ones not counted)' : ''}`,
    ...s.topMessages.map(({ message, count }) => `  ${String(count).padStart(8)}  ${oneLine(message) || '(empty)'}`),
  ]
  return `${lines.join('\n')}\n`
}

function table(counts: Record<string, number>): string[] {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([k, n]) => `  ${String(n).padStart(8)}  ${k}`)
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim()
  return t.length > 160 ? `${t.slice(0, 159)}…` : t
}
