/** `s3inv report` and `s3inv estimate`, run as child processes (the built dist/cli.js) against local files and the local S3 server. */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { makeRows, writeInventory, type InventoryFixture } from '../fixtures/generate.js'
import { encodeManifestKey } from '../src/batch/encode.js'
import { sampleRows, writeReport, type ReportFixture, type ReportRowSpec } from './support/batch.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { runCli as run, s3env } from './support/cli.js'
import { tmpDir } from './support/tmp.js'




const tally = (values: (string | number | undefined)[]) => {
  const out: Record<string, number> = {}
  for (const v of values) out[v === undefined ? '(none)' : String(v)] = (out[v === undefined ? '(none)' : String(v)] ?? 0) + 1
  return out
}

describe('s3inv report', async () => {
  const root = await tmpDir('cli-report')
  const succeeded = sampleRows(120, 'succeeded', 1)
  const failed = sampleRows(80, 'failed', 2)
  const all: ReportRowSpec[] = [...succeeded, ...failed]
  let f: ReportFixture
  let bucket = ''

  beforeAll(async () => {
    f = await writeReport({ root, files: [{ status: 'succeeded', rows: succeeded, order: 'example' }, { status: 'failed', rows: failed, order: 'schema' }] })
    const client = s3Client()
    bucket = await freshBucket(client, 'cli-report')
    await putObjects(client, bucket, f.objects)
    client.destroy()
  })

  it('prints a summary: counts by status, error code and HTTP status, top messages', async () => {
    const { code, stdout, stderr } = await run(['report', f.manifestPath])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toContain(`tasks      ${all.length} (succeeded ${succeeded.length}, failed ${failed.length})`)
    expect(stdout).toContain('job        f8fb9d89-a3aa-461d-bddc-ea6a1b131955')
    expect(stdout).toContain('manifest.json.md5 verified')
    for (const [codeName, n] of Object.entries(tally(all.map((r) => r.errorCode)))) expect(stdout).toMatch(new RegExp(`^ +${n}  ${codeName.replace(/[()]/g, '\\$&')}$`, 'm'))
  })

  it('--json gives the same counts as the fixture, and the most frequent message first', async () => {
    const { code, stdout } = await run(['report', f.manifestPath, '--json', '--top', '3'])
    expect(code).toBe(0)
    const s = JSON.parse(stdout)
    expect(s.rows).toBe(all.length)
    expect(s.byStatus).toEqual({ succeeded: succeeded.length, failed: failed.length })
    expect(s.byErrorCode).toEqual(tally(all.map((r) => r.errorCode)))
    expect(s.byHttpStatus).toEqual(tally(all.map((r) => r.httpStatusCode)))
    const messages = tally(all.map((r) => r.resultMessage ?? ''))
    const maxCount = Math.max(...Object.values(messages))
    expect(s.topMessages).toHaveLength(3)
    expect(s.topMessages[0].count).toBe(maxCount)
    expect(messages[s.topMessages[0].message]).toBe(maxCount)
  })

  it('--status failed --rows prints the failed rows as NDJSON; the summary goes to stderr (or nowhere with -q)', async () => {
    const { code, stdout, stderr } = await run(['report', f.manifestPath, '--status', 'failed', '--rows'])
    expect(code).toBe(0)
    expect(stdout.trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual(failed.map((r) => JSON.parse(JSON.stringify(r))))
    expect(stderr).toContain(`tasks      ${failed.length} (succeeded 0, failed ${failed.length})`)
    const quiet = await run(['report', f.manifestPath, '--status', 'failed', '--rows', '-q'])
    expect(quiet.stderr).toBe('')
    expect(quiet.stdout).toBe(stdout)
  })

  it('--rows --format csv is RFC 4180 with a header (messages with newlines and quotes survive)', async () => {
    const { code, stdout } = await run(['report', f.manifestPath, '--rows', '--format', 'csv', '-q'])
    expect(code).toBe(0)
    const records = parse(stdout, { columns: true }) as Record<string, string>[]
    expect(records).toEqual(
      all.map((r) => ({
        bucket: r.bucket,
        key: r.key,
        versionId: r.versionId ?? '',
        taskStatus: r.taskStatus,
        errorCode: r.errorCode ?? '',
        httpStatusCode: r.httpStatusCode === undefined ? '' : String(r.httpStatusCode),
        resultMessage: r.resultMessage ?? '',
      })),
    )
  })

  it('--status failed --manifest-out writes the re-drive manifest (tasks as bucket,key,version) and prints the CreateJob block', async () => {
    const out = path.join(root, 'retry.csv')
    const { code, stdout, stderr } = await run(['report', f.manifestPath, '--status', 'failed', '--manifest-out', out, '--versions'])
    expect(code, stderr).toBe(0)
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n')
    expect(lines).toEqual(failed.map((r) => `${r.bucket},${encodeManifestKey(r.key)},${r.versionId ?? 'null'}`))
    expect(JSON.parse(stdout)).toEqual({ Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key', 'VersionId'] } })
    expect(stderr).toContain(`tasks      ${failed.length} (succeeded 0, failed ${failed.length})`)
    const s3 = await run(['report', `s3://${bucket}/${f.manifestKey}`, '--status', 'failed', '--manifest-out', `s3://${bucket}/retry/1.csv`, '--versions', '--endpoint-url', inject('s3Endpoint'), '-q'], s3env)
    expect(s3.code, s3.stderr).toBe(0)
    expect(JSON.parse(s3.stdout).Location.ObjectArn).toBe(`arn:aws:s3:::${bucket}/retry/1.csv`)
    const both = await run(['report', f.manifestPath, '--rows', '--manifest-out', out])
    expect(both.code).toBe(2)
  })

  it('--manifest-out -: an error names standard output (not /dev/stdout) and no library option', async () => {
    const ok = await writeReport({ root: path.join(root, 'all-succeeded'), files: [{ status: 'succeeded', rows: succeeded, order: 'example' }] })
    const r = await run(['report', ok.manifestPath, '--status', 'failed', '--manifest-out', '-', '-q'])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe('s3inv: MANIFEST_EMPTY: no rows to write: a job needs at least one task, unless an empty manifest is allowed (standard output; expected at least one row)\n')
  })

  it('reads from s3:// through --endpoint-url', async () => {
    const { code, stdout, stderr } = await run(['report', `s3://${bucket}/${f.manifestKey}`, '--endpoint-url', inject('s3Endpoint'), '--json'], s3env)
    expect(code, stderr).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({ rows: all.length, report: `s3://${bucket}/${f.manifestKey}` })
  })

  it('errors print one line "s3inv: CODE: message" and exit 1', async () => {
    const missing = await run(['report', path.join(root, 'nope', 'manifest.json')])
    expect(missing.code).toBe(1)
    expect(missing.stdout).toBe('')
    expect(missing.stderr).toMatch(/^s3inv: NOT_FOUND: file not found \(.*nope\/manifest\.json\)\n$/)
  })

  it.each([
    [['--status', 'cancelled'], 's3inv: bad value for --status: "cancelled" (expected one of succeeded, failed)'],
    [['--format', 'tsv', '--rows'], 's3inv: bad value for --format: "tsv" (expected one of ndjson, csv)'],
    [['--top', 'many'], 's3inv: bad value for --top: "many" (expected an integer from 0 to 1,000,000)'],
    [['--bogus'], "s3inv: unknown option '--bogus'"],
  ])('bad flags %j exit 2: one line and where the help is', async (flags, message) => {
    const { code, stdout, stderr } = await run(['report', f.manifestPath, ...flags])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toBe(`${message}\nsee \`s3inv report --help\`\n`)
  })
})

describe('s3inv estimate', async () => {
  const root = await tmpDir('cli-estimate')
  const rows = makeRows({ count: 400, seed: 11 })
  let f: InventoryFixture
  let bucket = ''

  beforeAll(async () => {
    f = await writeInventory({ root, format: 'CSV', rows, filesRows: [150] })
    const client = s3Client()
    bucket = await freshBucket(client, 'cli-estimate')
    await putObjects(client, bucket, f.objects)
    client.destroy()
  })

  /** The article's formula with the article's prices, written out independently of the library. */
  const expectedTotal = (n: number) => 0.25 + (n / 1e6) * 1 + (n / 1e6) * 0.2 + n * (128 / 1024) * 2 * 0.0000166667 + (n / 1000) * 0.0004 + (n / 1000) * 0.005

  it('counts the (filtered) objects of a local inventory and prints the breakdown', async () => {
    const n = rows.filter((r) => r.key.endsWith('.png')).length
    expect(n).toBeGreaterThan(10)
    const { code, stdout, stderr } = await run(['estimate', f.manifestPath, '--suffix', '.png', '--lambda-memory', '128', '--lambda-ms', '2000', '--gets', '1', '--puts', '1'])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toMatch(new RegExp(`^objects  ${n}$`, 'm'))
    expect(stdout).toMatch(new RegExp(`^total +\\$${expectedTotal(n).toFixed(2).replace('.', '\\.')}$`, 'm'))
    expect(stdout).toContain('as of 2026-11')
    for (const line of ['job fee', 'object operations', 'Lambda requests', 'Lambda compute', 'S3 GET requests', 'S3 PUT requests']) expect(stdout).toContain(line)
  })

  it('--json: quantities from the inventory, total from the formula; filters combine', async () => {
    const n = rows.filter((r) => typeof r.size === 'number' && r.size >= 1_000_000 && r.isLatest !== false).length
    expect(n).toBeGreaterThan(0)
    expect(n).toBeLessThan(rows.length)
    const { code, stdout } = await run(['estimate', f.manifestPath, '--min-size', '1MB', '--latest-only', '--lambda-memory', '128', '--lambda-ms', '2000', '--gets', '1', '--puts', '1', '--json'])
    expect(code).toBe(0)
    const e = JSON.parse(stdout)
    expect(e.quantities).toEqual({ jobs: 1, objects: n, sourceObjects: 0, lambdaRequests: n, gbSeconds: n * 0.25, gets: n, puts: n })
    expect(e.total).toBeCloseTo(expectedTotal(n), 9)
  })

  it('--price overrides a price; no Lambda flags means no Lambda cost', async () => {
    const { code, stdout } = await run(['estimate', f.manifestPath, '--price', 'perJob=1.5', '--price', 'perMillionObjects=2', '--json'])
    expect(code).toBe(0)
    const e = JSON.parse(stdout)
    expect(e.quantities.objects).toBe(rows.length)
    expect(e.total).toBeCloseTo(1.5 + (rows.length / 1e6) * 2, 12)
    expect(e.lambdaRequests + e.lambdaCompute).toBe(0)
  })

  it('counts an inventory on S3 through --endpoint-url', async () => {
    const { code, stdout, stderr } = await run(['estimate', `s3://${bucket}/${f.manifestKey}`, '--endpoint-url', inject('s3Endpoint'), '--json'], s3env)
    expect(code, stderr).toBe(0)
    expect(JSON.parse(stdout).quantities.objects).toBe(rows.length)
  })

  it.each([
    [['--lambda-memory', '128'], '--lambda-memory and --lambda-ms go together'],
    [['--price', 'bogus=1'], 'bad value for --price: "bogus=1" (expected NAME=USD with NAME one of perJob,'],
    [['--gets', '-1'], 'bad value for --gets: "-1" (expected a number from 0 to 1,000,000)'],
    [['--lambda-memory', '64', '--lambda-ms', '10'], 'bad value for --lambda-memory: "64" (expected an integer from 128 to 10,240)'],
    [['--nope'], "unknown option '--nope'"],
  ])('bad flags %j exit 2 before reading anything', async (flags, message) => {
    const { code, stdout, stderr } = await run(['estimate', f.manifestPath, ...flags])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toContain(`s3inv: ${message}`)
    expect(stderr).toMatch(/\nsee `s3inv estimate --help`\n$/)
    expect(stderr.split('\n')).toHaveLength(3)
  })

  it('--generated-manifest adds $0.015 per million objects listed (every inventory row), tasks stay the filtered ones', async () => {
    const n = rows.filter((r) => r.key.endsWith('.png')).length
    const { code, stdout, stderr } = await run(['estimate', f.manifestPath, '--suffix', '.png', '--generated-manifest', '--json'])
    expect(code, stderr).toBe(0)
    const e = JSON.parse(stdout)
    expect(e.quantities).toMatchObject({ objects: n, sourceObjects: rows.length })
    expect(e.manifestGeneration).toBeCloseTo((rows.length / 1e6) * 0.015, 12)
    expect(e.total).toBeCloseTo(0.25 + (n / 1e6) * 1 + (rows.length / 1e6) * 0.015, 12)
    const table = await run(['estimate', f.manifestPath, '--suffix', '.png', '--generated-manifest'])
    expect(table.stdout).toMatch(new RegExp(`^manifest generation +${rows.length} listed × \\$0\\.015/million +\\$0\\.00\\d+$`, 'm'))
  })

  it('a missing inventory exits 1 with the error code', async () => {
    const { code, stderr } = await run(['estimate', path.join(root, 'missing.json')])
    expect(code).toBe(1)
    expect(stderr).toMatch(/^s3inv: NOT_FOUND: /)
  })
})
