/**
 * A Batch Operations completion report's `manifest.json`: read, check against `manifest.json.md5` when
 * present, validate with zod. (Inventory manifests are manifest.ts; this one has other field names.)
 */
import { createHash } from 'node:crypto'
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { S3InventoryError } from '../errors.js'
import { locationRef, resolveLocation, type Location, type ResolvedLocation } from '../location.js'
import { isObject, parseJsonWith, readVerified } from '../manifest.js'
import type { ClientScope } from '../sources/open.js'
import type { ReadManifestOptions } from '../manifest.js'

const REPORT_FORMAT = 'Report_CSV_20180820'

/** The columns AWS documents, in the order `ReportSchema` lists them. */
const REPORT_COLUMNS = ['Bucket', 'Key', 'VersionId', 'TaskStatus', 'ErrorCode', 'HTTPStatusCode', 'ResultMessage'] as const

const ResultEntry = z.looseObject({
  TaskExecutionStatus: z.string().min(1),
  Bucket: z.string().min(1),
  MD5Checksum: z.string().regex(/^[0-9a-fA-F]{32}$/, 'expected a 32-digit hex MD5'),
  Key: z.string().min(1),
})

const ReportJson = z.looseObject({
  Format: z.string().min(1),
  ReportCreationDate: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO-8601 date like 2019-04-05T17:48:39.725Z'),
  Results: z.array(ResultEntry),
  ReportSchema: z.string().min(1),
})

export interface ReportResultFile {
  /** `succeeded` or `failed` (lowercased): every row of the file has this status. */
  taskExecutionStatus: string
  /** Report bucket as written in the manifest. */
  bucket: string
  /** Full key in the report bucket, e.g. `reports/job-<id>/results/<hash>.csv`. */
  key: string
  /** Lowercase hex MD5 of the file's bytes. */
  md5: string
}

export interface CompletionReportManifest {
  /** `Report_CSV_20180820`. */
  format: string
  reportCreationDate: Date
  results: ReportResultFile[]
  /** As written, e.g. `Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage`. */
  reportSchema: string
  /** `reportSchema` split on commas and trimmed. */
  columns: string[]
  /** The job ID from the `job-<id>` folder holding the manifest, when it has that name. */
  jobId?: string
  /** Where the manifest was read from; result files are read from the same bucket (S3) or root folder (local). */
  location: ResolvedLocation
  /** MD5 of the manifest's raw bytes. */
  md5: string
  /** `verified` when `manifest.json.md5` exists and matches; `absent` when there is none. */
  checksum: 'verified' | 'absent'
  /** The parsed JSON, including fields this library does not know. */
  raw: Record<string, unknown>
}

/** Reads and validates a completion report's manifest.json (given the caller's client scope). */
export async function readReportManifestWith(location: Location, options: ReadManifestOptions, scope: ClientScope): Promise<CompletionReportManifest> {
  const loc = await manifestInFolder(resolveLocation(location))
  // AWS writes `manifest.json.md5` beside it (peer-observed; content assumed to be hex MD5, like manifest.checksum).
  const { bytes, md5, checksum } = await readVerified(loc, (k) => `${k}.md5`, 'report manifest.json does not match manifest.json.md5', options, scope)
  return parseReportManifest(bytes, loc, md5, checksum)
}

/** A job folder (`…/job-<id>/`) names its manifest.json, as a manifest does itself. */
async function manifestInFolder(loc: ResolvedLocation): Promise<ResolvedLocation> {
  if (loc.kind === 's3') return /\.json$/i.test(loc.key) ? loc : { ...loc, key: `${loc.key.replace(/\/?$/, '/')}manifest.json` }
  try {
    if ((await stat(loc.path)).isDirectory()) return { kind: 'local', path: path.join(loc.path, 'manifest.json') }
  } catch {
    // Not there: reading it says NOT_FOUND.
  }
  return loc
}

function parseReportManifest(
  bytes: Uint8Array,
  loc: ResolvedLocation,
  md5 = createHash('md5').update(bytes).digest('hex'),
  checksum: CompletionReportManifest['checksum'] = 'absent',
): CompletionReportManifest {
  const { data: m, json } = parseJsonWith(bytes, loc, ReportJson, 'an S3 Batch Operations completion report manifest', (j) =>
    isObject(j) && 'fileFormat' in j && 'files' in j ? 'this is an S3 Inventory manifest; read it with readInventory (s3inv ls)' : undefined,
  )
  if (m.Format !== REPORT_FORMAT) {
    throw new S3InventoryError('UNSUPPORTED_FORMAT', `completion report format ${m.Format} cannot be read`, {
      ...locationRef(loc),
      field: 'Format',
      expected: REPORT_FORMAT,
      actual: m.Format,
    })
  }
  const columns = m.ReportSchema.split(',').map((s) => s.trim())
  for (const required of ['Bucket', 'Key', 'TaskStatus']) {
    if (!columns.includes(required)) {
      throw new S3InventoryError('MANIFEST_INVALID', `ReportSchema has no ${required} column`, {
        ...locationRef(loc),
        field: 'ReportSchema',
        expected: REPORT_COLUMNS.join(', '),
        actual: m.ReportSchema,
      })
    }
  }
  const folder = (loc.kind === 's3' ? loc.key : loc.path.replace(/\\/g, '/')).split('/').slice(-2, -1)[0] ?? ''
  const jobId = /^job-(.+)$/.exec(folder)?.[1]
  return {
    format: m.Format,
    reportCreationDate: new Date(m.ReportCreationDate),
    results: m.Results.map((r) => ({ taskExecutionStatus: r.TaskExecutionStatus.toLowerCase(), bucket: r.Bucket, key: r.Key, md5: r.MD5Checksum.toLowerCase() })),
    reportSchema: m.ReportSchema,
    columns,
    jobId,
    location: loc,
    md5,
    checksum,
    raw: json as Record<string, unknown>,
  }
}
