/** readCompletionReport: S3 Batch Operations completion reports from local disk and the local S3 server. */
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { isUtf8 } from 'node:buffer'
import fc from 'fast-check'
import { firstInvalidUtf8 } from '../src/batch/report-csv.js'
import { readCompletionReport } from '../src/batch/report.js'
import { rowSource } from '../src/index.js'
import { encodeKey, reportCsv, sampleRows, SCHEMA, writeReport, type ReportFixture, type ReportRowSpec } from './support/batch.js'
import { startProxy } from './support/proxy.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { collect, tmpDir } from './support/tmp.js'
import { until } from './support/wait.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** What the reader must return for a spec row (decoded key, empty fields absent). */
const expected = (rows: readonly ReportRowSpec[]) =>
  rows.map((r) => ({
    bucket: r.bucket,
    key: r.key,
    versionId: r.versionId,
    taskStatus: r.taskStatus,
    errorCode: r.errorCode,
    httpStatusCode: r.httpStatusCode,
    resultMessage: r.resultMessage,
  }))

describe('firstInvalidUtf8 (the exact offset of a bad sequence)', () => {
  it('agrees with isUtf8 on any bytes, and the bytes before it are UTF-8', () => {
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 12 }).map((t) => new Uint8Array(Buffer.from(t))))
    fc.assert(
      fc.property(fc.array(bytes, { minLength: 1, maxLength: 4 }), (parts) => {
        const b = Buffer.concat(parts)
        const at = firstInvalidUtf8(b)
        expect(at === -1).toBe(isUtf8(b))
        if (at >= 0) expect(isUtf8(b.subarray(0, at))).toBe(true)
      }),
      { numRuns: 5000 },
    )
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toBe(1) // a surrogate
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe0, 0x80, 0x80]))).toBe(1) // overlong
    expect(firstInvalidUtf8(Buffer.from('aé😀'))).toBe(-1)
  })
})

describe('readCompletionReport', async () => {
  const root = await tmpDir('report')
  const succeeded = sampleRows(300, 'succeeded', 1)
  const failed = sampleRows(200, 'failed', 2)
  let f: ReportFixture

  beforeAll(async () => {
    // Succeeded rows in AWS's example column order, failed rows in ReportSchema's order.
    f = await writeReport({
      root: path.join(root, 'bucket'),
      files: [
        { status: 'succeeded', rows: succeeded, order: 'example' },
        { status: 'failed', rows: failed, order: 'schema', eol: '\r\n' },
      ],
    })
  })

  it('streams typed rows of every result file, in manifest order, from a local report', async () => {
    const report = readCompletionReport(f.manifestPath)
    const rows = await collect(report)
    expect(rows).toEqual(expected([...succeeded, ...failed]))
    const m = await report.manifest
    expect(m).toMatchObject({ format: 'Report_CSV_20180820', checksum: 'verified', jobId: 'f8fb9d89-a3aa-461d-bddc-ea6a1b131955', columns: SCHEMA.split(', ') })
    expect(m.reportCreationDate.toISOString()).toBe('2019-04-05T17:48:39.725Z')
    expect(report.progress).toMatchObject({ filesTotal: 2, filesDone: 2, rows: 500 })
    expect(report.progress.bytesRead).toBe([...f.objects].filter(([k]) => k.endsWith('.csv')).reduce((n, [, b]) => n + b.length, 0))
    // Each row knows its file and index.
    const src = rowSource(rows[300])
    expect(src?.row).toBe(0)
    expect(src?.file.key).toBe(path.join(root, 'bucket', f.resultKeys[1]))
  })

  it('keeps commas, doubled quotes, newlines and JSON in ResultMessage', async () => {
    const rows = await collect(readCompletionReport(f.manifestPath))
    const messages = new Set(rows.map((r) => r.resultMessage))
    expect(messages).toContain('multi\nline\r\nmessage, with "quotes", commas')
    expect(messages).toContain('Lambda returned function error: {"errorMessage":"Task timed out after 3.00 seconds","errorType":"TimeoutError"}')
    expect(messages).toContain('"')
    expect(messages).toContain(' leading and trailing spaces ')
  })

  it('reads ErrorCode/HTTPStatusCode in either order (the all-digit column is the HTTP status)', async () => {
    const rows: ReportRowSpec[] = [
      { bucket: 'b', key: 'k1', taskStatus: 'failed', errorCode: 'PermanentFailure', httpStatusCode: 200, resultMessage: 'x' },
      { bucket: 'b', key: 'k2', taskStatus: 'succeeded', httpStatusCode: 200 },
      { bucket: 'b', key: 'k3', taskStatus: 'failed', errorCode: 'PermanentFailure' },
      { bucket: 'b', key: 'k4', taskStatus: 'failed', errorCode: 'SlowDown', httpStatusCode: 503 },
      { bucket: 'b', key: 'k5', taskStatus: 'succeeded' },
    ]
    for (const order of ['schema', 'example'] as const) {
      const r = await writeReport({ root: path.join(root, `order-${order}`), files: [{ status: 'failed', rows, order }] })
      expect(await collect(readCompletionReport(r.manifestPath)), order).toEqual(expected(rows))
    }
    // The example row from the AWS docs, verbatim.
    const doc = await writeReport({ root: path.join(root, 'doc-row'), files: [{ status: 'failed', rows: [], order: 'example' }] })
    await writeFile(
      path.join(root, 'doc-row', doc.resultKeys[0]),
      'awsexamplebucket1,image_14975,,failed,200,PermanentFailure,"Lambda returned function error: {""errorMessage"":""Lambda timed out""}"\n',
    )
    expect(await collect(readCompletionReport(doc.manifestPath, { verify: false }))).toEqual([
      {
        bucket: 'awsexamplebucket1',
        key: 'image_14975',
        versionId: undefined,
        taskStatus: 'failed',
        errorCode: 'PermanentFailure',
        httpStatusCode: 200,
        resultMessage: 'Lambda returned function error: {"errorMessage":"Lambda timed out"}',
      },
    ])
  })

  it('decodes the echoed manifest key exactly once (%2520 stays %20, + and %20 are spaces)', async () => {
    const r = await writeReport({ root: path.join(root, 'keys'), files: [{ status: 'succeeded', rows: [], order: 'schema' }] })
    await writeFile(path.join(root, 'keys', r.resultKeys[0]), 'b,a%2520b,,succeeded,,200,\nb,c+d%20e%2Bf,,succeeded,,200,\nb,%E6%97%A5/x,,succeeded,,200,\n')
    const rows = await collect(readCompletionReport(r.manifestPath, { verify: false }))
    expect(rows.map((x) => x.key)).toEqual(['a%20b', 'c d e+f', '日/x'])
    expect(encodeKey('a%20b')).toBe('a%2520b') // the fixture encoder agrees
  })

  it('status: "failed" yields only failed rows and does not read the succeeded file', async () => {
    const copy = path.join(root, 'failed-only')
    await cp(path.join(root, 'bucket'), copy, { recursive: true })
    await rm(path.join(copy, f.resultKeys[0])) // the succeeded file
    const manifest = path.join(copy, f.manifestKey)
    const report = readCompletionReport(manifest, { status: 'failed' })
    expect(await collect(report)).toEqual(expected(failed))
    expect(report.progress.filesTotal).toBe(1)
    expect(await collect(readCompletionReport(manifest, { status: ['succeeded', 'failed'] })).catch((e) => e)).toMatchObject({ code: 'NOT_FOUND' })
  })

  it('filters rows by status inside a file too (whatever TaskExecutionStatus says)', async () => {
    const mixed = [...sampleRows(5, 'succeeded', 3), ...sampleRows(4, 'failed', 4)]
    const r = await writeReport({ root: path.join(root, 'mixed'), files: [{ status: 'failed', rows: mixed, order: 'example' }] })
    expect(await collect(readCompletionReport(r.manifestPath, { status: 'succeeded' }))).toEqual([])
    expect(await collect(readCompletionReport(r.manifestPath, { status: 'failed' }))).toEqual(expected(mixed.filter((x) => x.taskStatus === 'failed')))
    // Checked before any I/O: the call itself throws.
    expect(() => readCompletionReport(r.manifestPath, { status: 'cancelled' as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', option: 'status' }))
  })

  it('fails with DATA_CHECKSUM_MISMATCH naming the result file when its MD5 differs', async () => {
    const r = await writeReport({
      root: path.join(root, 'tampered'),
      files: [
        { status: 'succeeded', rows: succeeded.slice(0, 20), order: 'example' },
        { status: 'failed', rows: failed.slice(0, 20), order: 'example', tamper: (b) => Buffer.from(b.toString().replace('PermanentFailure', 'PermanentFailurE')) },
      ],
    })
    const err = await collect(readCompletionReport(r.manifestPath)).catch((e) => e)
    expect(err).toMatchObject({ code: 'DATA_CHECKSUM_MISMATCH', key: path.join(root, 'tampered', r.resultKeys[1]) })
    expect(err.key).toContain(r.resultKeys[1])
    // verify: false reads it anyway.
    expect(await collect(readCompletionReport(r.manifestPath, { verify: false }))).toHaveLength(40)
  })

  it('checks manifest.json.md5 when present, reports it absent otherwise', async () => {
    const bad = await writeReport({ root: path.join(root, 'md5-bad'), md5File: 'bad', files: [{ status: 'failed', rows: failed.slice(0, 3), order: 'schema' }] })
    await expect(collect(readCompletionReport(bad.manifestPath))).rejects.toMatchObject({ code: 'MANIFEST_CHECKSUM_MISMATCH', key: bad.manifestPath })
    const none = await writeReport({ root: path.join(root, 'md5-none'), md5File: 'none', files: [{ status: 'failed', rows: failed.slice(0, 3), order: 'schema' }] })
    const report = readCompletionReport(none.manifestPath)
    expect(await collect(report)).toHaveLength(3)
    expect((await report.manifest).checksum).toBe('absent')
  })

  it('rejects malformed manifests and rows with typed errors naming file, row and column', async () => {
    const dir = path.join(root, 'bad')
    const r = await writeReport({ root: dir, files: [{ status: 'failed', rows: [], order: 'schema' }], md5File: 'none' })
    const write = (text: string) => writeFile(path.join(dir, r.resultKeys[0]), text)
    const read = () => collect(readCompletionReport(r.manifestPath, { verify: false })).catch((e) => e)
    const file = path.join(dir, r.resultKeys[0])

    await write('b,k,,failed,PermanentFailure,200,"unterminated\n')
    expect(await read()).toMatchObject({ code: 'CSV_MALFORMED', key: file })
    await write('b,k1,,failed,PermanentFailure,200,ok\nb,k2,,failed,200\n')
    expect(await read()).toMatchObject({ code: 'CSV_MALFORMED', key: file, row: 1, expected: '7 fields (ReportSchema)', actual: '5 fields' })
    await write('b,k,,cancelled,,200,\n')
    expect(await read()).toMatchObject({ code: 'VALUE_INVALID', key: file, row: 0, column: 'taskStatus', actual: 'cancelled' })
    await write('b,k,,failed,PermanentFailure,NotANumber,\n')
    expect(await read()).toMatchObject({ code: 'VALUE_INVALID', key: file, row: 0, column: 'httpStatusCode' })
    await write('b,ok,,failed,,200,\nb,bad%E6,,failed,,200,\n')
    expect(await read()).toMatchObject({ code: 'KEY_DECODE_FAILED', key: file, row: 1, column: 'key' })

    // Invalid UTF-8: the offset is the bad byte's, wherever it falls (past the first read chunk, or a
    // sequence begun at a chunk's last byte and ended by ASCII in the next).
    const line = 'b,k,,failed,,200,ok\n'
    const lines = (bytes: number) => line.repeat(Math.floor(bytes / line.length))
    for (const at of [100_003, 65_535, 65_534, 131_071]) {
      const base = Buffer.from(`${lines(at - 100)}b,é/k`)
      const head = Buffer.concat([base, Buffer.from('x'.repeat(at - base.length))])
      expect(head.length).toBe(at)
      await writeFile(path.join(dir, r.resultKeys[0]), Buffer.concat([head, Buffer.from([0xe9]), Buffer.from(',,failed,,200,\n')]))
      expect(await read()).toMatchObject({ code: 'CSV_MALFORMED', key: file, offset: at })
    }
    // A file that ends inside a sequence: the offset of its first byte.
    await writeFile(path.join(dir, r.resultKeys[0]), Buffer.concat([Buffer.from(lines(70_000)), Buffer.from([0xf0, 0x9f])]))
    expect(await read()).toMatchObject({ code: 'CSV_MALFORMED', offset: Math.floor(70_000 / line.length) * line.length })

    const manifest = JSON.parse(r.manifestBytes.toString())
    await writeFile(r.manifestPath, JSON.stringify({ ...manifest, Results: [{ ...manifest.Results[0], MD5Checksum: 'x' }] }))
    expect(await read()).toMatchObject({ code: 'MANIFEST_INVALID', key: r.manifestPath, field: 'Results[0].MD5Checksum', message: 'a field of an S3 Batch Operations completion report manifest is missing or invalid' })
    await writeFile(r.manifestPath, JSON.stringify({ ...manifest, Format: 'Report_JSON_20990101' }))
    expect(await read()).toMatchObject({ code: 'UNSUPPORTED_FORMAT', actual: 'Report_JSON_20990101' })
    await writeFile(r.manifestPath, JSON.stringify({ ...manifest, ReportSchema: 'Bucket, VersionId' }))
    expect(await read()).toMatchObject({ code: 'MANIFEST_INVALID', field: 'ReportSchema' })
  })

  it('finds result files of a job folder copied on its own (results/ beside manifest.json)', async () => {
    const alone = path.join(root, 'alone', 'job-copy')
    await mkdir(alone, { recursive: true })
    await cp(path.dirname(f.manifestPath), alone, { recursive: true })
    expect(await collect(readCompletionReport(path.join(alone, 'manifest.json')))).toHaveLength(500)
  })

  it('parses records that straddle read chunks (many long multi-line messages)', async () => {
    const rows = sampleRows(20_000, 'failed', 9).map((r, i) => ({ ...r, resultMessage: `${'x,"y"\n'.repeat(i % 50)}#${i}` }))
    const r = await writeReport({ root: path.join(root, 'big'), files: [{ status: 'failed', rows, order: 'example' }] })
    const got = await collect(readCompletionReport(r.manifestPath))
    expect(got.length).toBe(rows.length)
    expect(got).toEqual(expected(rows))
  })

  it('reads the same report from the local S3 server (s3:// URL and { bucket, key })', async () => {
    const client = s3Client()
    const bucket = await freshBucket(client, 'report')
    await putObjects(client, bucket, f.objects)
    const rows = await collect(readCompletionReport(`s3://${bucket}/${f.manifestKey}`, { client }))
    expect(rows).toEqual(expected([...succeeded, ...failed]))
    expect(rowSource(rows[0])?.file).toMatchObject({ bucket, key: f.resultKeys[0] })
    const onlyFailed = await collect(readCompletionReport({ bucket, key: f.manifestKey }, { client, status: 'failed' }))
    expect(onlyFailed).toEqual(expected(failed))

    // A tampered result file on S3 names bucket and key.
    await putObjects(client, bucket, [[f.resultKeys[1], Buffer.from(reportCsv(failed.slice(1), 'schema'))]])
    await expect(collect(readCompletionReport({ bucket, key: f.manifestKey }, { client }))).rejects.toMatchObject({
      code: 'DATA_CHECKSUM_MISMATCH',
      bucket,
      key: f.resultKeys[1],
    })
    client.destroy()
  })
})

describe('readCompletionReport cancellation', async () => {
  const root = await tmpDir('report-cancel')
  // Large result files, so that breaking early leaves most of them unread.
  const rows = (status: 'succeeded' | 'failed', seed: number) =>
    sampleRows(60_000, status, seed).map((r, i) => ({ ...r, resultMessage: `${status} ${i} ${'m'.repeat(40)}` }))
  let f: ReportFixture
  beforeAll(async () => {
    f = await writeReport({ root, files: [{ status: 'succeeded', rows: rows('succeeded', 1), order: 'example' }, { status: 'failed', rows: rows('failed', 2), order: 'example' }] })
  })

  it('break over S3 closes the connections and nothing more arrives', async () => {
    const direct = s3Client()
    const bucket = await freshBucket(direct, 'report-cancel')
    await putObjects(direct, bucket, f.objects)
    direct.destroy()
    const proxy = await startProxy((await import('vitest')).inject('s3Endpoint'))
    try {
      const client = s3Client(proxy.url)
      let n = 0
      for await (const _ of readCompletionReport({ bucket, key: f.manifestKey }, { client, concurrency: 2, bufferRows: 1000 })) if (++n === 10) break
      await sleep(150)
      const received = proxy.bytes
      await sleep(400)
      expect(proxy.bytes).toBe(received)
      const total = [...f.objects].filter(([k]) => k.endsWith('.csv')).reduce((s, [, b]) => s + b.length, 0)
      expect(received).toBeLessThan(total)
      client.destroy()
      expect(await until(() => proxy.open === 0)).toBe(true)
    } finally {
      await proxy.close()
    }
  })

  it.skipIf(process.platform !== 'linux')('break on local files closes them', async () => {
    const openFds = async () => (await readdir('/proc/self/fd')).length
    const before = await openFds()
    const report = readCompletionReport(f.manifestPath, { concurrency: 2, bufferRows: 1000 })
    let n = 0
    let during = 0
    for await (const _ of report) {
      if (++n === 10) {
        during = await openFds()
        break
      }
    }
    await new Promise((r) => setTimeout(r, 50)) // the closes that break started
    expect(during).toBeGreaterThan(before) // both result files were open (the check can see them)
    expect(await openFds()).toBe(before)
    expect(report.progress.rows).toBeLessThan(120_000)
  })

  it('an aborted signal rejects with its reason', async () => {
    const ac = new AbortController()
    const reason = new Error('stop now')
    let n = 0
    const err = await (async () => {
      for await (const _ of readCompletionReport(f.manifestPath, { signal: ac.signal })) if (++n === 5) ac.abort(reason)
    })().catch((e) => e)
    expect(err).toBe(reason)
  })
})
