/** `s3inv report`: summary of an S3 Batch Operations completion report (counts, error codes, top messages), or its rows. */
import type { S3Client } from '@aws-sdk/client-s3'
import { Option, type Command } from 'commander'
import {
  formatLocation,
  readCompletionReport,
  S3InventoryError,
  REPORT_ROW_FIELDS,
  reportSummarizer,
  writeBatchManifest,
  type CompletionReportManifest,
  type CompletionReportRow,
  type InventoryRow,
  type ReportSummary,
  type TaskStatus,
} from '../../index.js'
import { addCommon, clientFor, withClient, type CommonFlags } from '../common.js'
import { interruption } from '../interrupt.js'
import { formatter, outPath, toStdout, writer } from '../output.js'
import { choice, FLAG_RANGES, integer, UsageError } from '../usage.js'
import { printManifest } from './manifest.js'

interface ReportFlags extends CommonFlags {
  status?: TaskStatus
  rows?: boolean
  format: 'ndjson' | 'csv'
  top: number
  json?: boolean
  manifestOut?: string
  versions?: boolean
}

export function register(program: Command): void {
  addCommon(program.command('report'))
    .description('summarize an S3 Batch Operations completion report (or print its rows)')
    .argument('<location>', 's3://bucket/…/job-<id>/manifest.json or its job folder (s3://bucket/…/job-<id>/), local or file:// alike')
    .addOption(new Option('--status <status>', 'only tasks with this status: succeeded or failed (default: both)').argParser(choice('--status', ['succeeded', 'failed'] as const)))
    .option('--rows', 'print the rows on stdout (the summary goes to stderr unless --quiet)')
    .addOption(new Option('--format <format>', 'row format for --rows: ndjson or csv').argParser(choice('--format', ['ndjson', 'csv'] as const)).default('ndjson', undefined))
    .option('--top <n>', 'result messages listed in the summary', integer('--top', FLAG_RANGES.count), 10)
    .option('--json', 'print the summary as JSON')
    .option('--manifest-out <dest>', 'also write a Batch Operations CSV manifest of these tasks (s3://…, a file, or -): re-drive failures with --status failed; prints the Manifest block for CreateJob, the summary goes to stderr')
    .option('--versions', "with --manifest-out: always write the VersionId column (\"null\" where a task had none) (default: as the report's first task has one or not)")
    .addHelpText(
      'after',
      `
Examples:
  s3inv report s3://report-bucket/reports/job-f8fb9d89-…/
  s3inv report ./job-f8fb9d89-…/manifest.json --status failed --rows --format csv > failed.csv
  s3inv report s3://report-bucket/reports/job-f8fb9d89-…/ --status failed --manifest-out s3://jobs/retry-1.csv`,
    )
    .action(async (location: string, flags: ReportFlags) => {
      if (flags.manifestOut !== undefined && flags.rows) throw new UsageError('--rows and --manifest-out both print on stdout: choose one')
      if (flags.versions && flags.manifestOut === undefined) throw new UsageError('--versions applies to --manifest-out')
      await withClient(location, flags, (client) => run(location, flags, client))
    })
}

async function run(location: string, flags: ReportFlags, client: S3Client | undefined): Promise<void> {
  const report = readCompletionReport(location, { client, concurrency: flags.concurrency, verify: flags.verify, root: flags.root, signal: interruption(), status: flags.status })
  const summary = reportSummarizer({ top: flags.top })
  if (flags.manifestOut !== undefined) {
    const dest = flags.manifestOut
    const destClient = client ?? (await clientFor(dest, flags))
    try {
      // Each task counted on its way into the manifest.
      const tasks = {
        async *batches(): AsyncGenerator<CompletionReportRow[]> {
          for await (const batch of report.batches()) {
            for (const row of batch) summary.add(row)
            yield batch
          }
        },
      }
      const written = await writeBatchManifest(tasks, outPath(dest), { client: destClient, versionIds: flags.versions ? 'null' : 'auto', signal: interruption() }).catch((err: unknown) => {
        // The library names its option; the CLI user needs the flag.
        if (err instanceof S3InventoryError && err.code === 'INVALID_ARGUMENT' && err.column === 'versionId' && !flags.versions) {
          throw new S3InventoryError('INVALID_ARGUMENT', 'some tasks have a version ID and the first had none: pass --versions to keep them ("null" for the others)', {
            bucket: err.bucket,
            key: err.key,
            row: err.row,
            column: err.column,
            actual: err.actual,
          })
        }
        throw err
      })
      if (!flags.quiet) process.stderr.write(render(await report.manifest, summary.result(), flags.json))
      await printManifest(written, { quiet: flags.quiet }, toStdout(dest))
    } finally {
      if (destClient !== client) destClient?.destroy()
    }
    return
  }
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
