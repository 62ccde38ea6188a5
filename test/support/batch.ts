/**
 * Deterministic S3 Batch Operations completion reports for tests, written the way AWS lays them out:
 * `{prefix}/job-{id}/manifest.json`, `manifest.json.md5`, `results/{40-hex}.csv`. Result CSVs are
 * written here with their own minimal quoting (quote only when needed, `""` inside quotes), not with
 * the library's code, and keys are encoded with the fixture encoder of fixtures/generate.ts.
 */
import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { encodeCsvKey } from '../../fixtures/generate.js'

export interface ReportRowSpec {
  bucket: string
  /** Decoded key: what the reader must return. */
  key: string
  versionId?: string
  taskStatus: 'succeeded' | 'failed'
  errorCode?: string
  httpStatusCode?: number
  resultMessage?: string
}

export const SCHEMA = 'Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage'

/** `schema`: ErrorCode then HTTPStatusCode, as ReportSchema says; `example`: HTTP status first, as AWS's example rows. */
export type ColumnOrder = 'schema' | 'example'

function field(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v
}

/** How a job manifest encodes keys (space as %20): the report echoes this text. */
export const encodeKey = (key: string) => encodeCsvKey(key, '%20')

export function reportCsv(rows: readonly ReportRowSpec[], order: ColumnOrder, eol = '\n'): string {
  return rows
    .map((r) => {
      const code = r.errorCode ?? ''
      const http = r.httpStatusCode === undefined ? '' : String(r.httpStatusCode)
      const pair = order === 'schema' ? [code, http] : [http, code]
      return [r.bucket, encodeKey(r.key), r.versionId ?? '', r.taskStatus, ...pair, r.resultMessage ?? ''].map(field).join(',') + eol
    })
    .join('')
}

export interface ReportFileSpec {
  status: 'succeeded' | 'failed'
  rows: readonly ReportRowSpec[]
  order: ColumnOrder
  /** Write these bytes instead (after the manifest's MD5 was taken from the real ones). */
  tamper?: (bytes: Buffer) => Buffer
  eol?: string
}

export interface ReportFixture {
  /** Key of manifest.json in the report bucket. */
  manifestKey: string
  /** Local path of manifest.json (under root). */
  manifestPath: string
  resultKeys: string[]
  manifestBytes: Buffer
  /** Every object: key → bytes (for the local S3 server). */
  objects: Map<string, Buffer>
}

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex')

export async function writeReport(o: {
  root: string
  bucket?: string
  prefix?: string
  jobId?: string
  files: readonly ReportFileSpec[]
  /** manifest.json.md5: correct (default), absent, or wrong. */
  md5File?: 'ok' | 'none' | 'bad'
}): Promise<ReportFixture> {
  const jobId = o.jobId ?? 'f8fb9d89-a3aa-461d-bddc-ea6a1b131955'
  const base = [o.prefix ?? 'reports', `job-${jobId}`].filter(Boolean).join('/')
  const objects = new Map<string, Buffer>()
  const results = o.files.map((f) => {
    const bytes = Buffer.from(reportCsv(f.rows, f.order, f.eol))
    const key = `${base}/results/${createHash('sha1').update(bytes).update(f.status).digest('hex')}.csv`
    objects.set(key, f.tamper ? f.tamper(bytes) : bytes)
    return { TaskExecutionStatus: f.status, Bucket: o.bucket ?? 'my-job-reports', MD5Checksum: md5(bytes), Key: key }
  })
  const manifest = { Format: 'Report_CSV_20180820', ReportCreationDate: '2019-04-05T17:48:39.725Z', Results: results, ReportSchema: SCHEMA }
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2))
  const manifestKey = `${base}/manifest.json`
  objects.set(manifestKey, manifestBytes)
  const md5File = o.md5File ?? 'ok'
  if (md5File !== 'none') objects.set(`${manifestKey}.md5`, Buffer.from(md5File === 'ok' ? `${md5(manifestBytes)}\n` : '0'.repeat(32)))
  for (const [key, bytes] of objects) {
    const p = path.join(o.root, key)
    await mkdir(path.dirname(p), { recursive: true })
    await writeFile(p, bytes)
  }
  return { manifestKey, manifestPath: path.join(o.root, manifestKey), resultKeys: results.map((r) => r.Key), manifestBytes, objects }
}

/** Rows with every kind of awkward ResultMessage, deterministic. */
export function sampleRows(n: number, status: 'succeeded' | 'failed', seed = 1): ReportRowSpec[] {
  const messages = [
    'Successful',
    'Lambda returned function error: {"errorMessage":"Task timed out after 3.00 seconds","errorType":"TimeoutError"}',
    'multi\nline\r\nmessage, with "quotes", commas',
    "{u'message': u'Successfully deleted', 'n': 1}",
    '',
    ' leading and trailing spaces ',
    '"',
    'naïve café 日本語 😀',
  ]
  const keys = ['with space/and two  spaces.txt', 'plus+sign/a+b=c.txt', 'percent%20literal/100%.txt', 'comma,key.csv', 'quote"key\'s.txt', 'new\nline.txt', 'unicode/😀.png']
  const rows: ReportRowSpec[] = []
  for (let i = 0; i < n; i++) {
    const k = (i * 7 + seed) % 97
    rows.push({
      bucket: 'awsexamplebucket1',
      key: i < keys.length ? keys[i] : `images/${seed}/image_${String(i).padStart(6, '0')}.jpg`,
      versionId: k % 5 === 0 ? `v${k}.${i}_Ab+/=` : undefined,
      taskStatus: status,
      errorCode: status === 'failed' ? (k % 3 === 0 ? 'TemporaryFailure' : 'PermanentFailure') : undefined,
      httpStatusCode: k % 11 === 0 ? undefined : status === 'failed' && k % 4 === 0 ? 500 : 200,
      resultMessage: messages[(i + seed) % messages.length] || undefined,
    })
  }
  return rows
}
