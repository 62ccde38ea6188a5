/** writeBatchManifest: Batch Operations CSV manifests, read back by independent decoders; local files and the local S3 server. */
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3'
import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { HARD_KEYS, makeRows, writeInventory } from '../fixtures/generate.js'
import { writeBatchManifest, type ManifestRowInput } from '../src/batch/manifest.js'
import { readCompletionReport } from '../src/batch/report.js'
import { readInventory } from '../src/index.js'
import { decodeKey } from '../src/schema/values.js'
import { sampleRows, writeReport } from './support/batch.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { tmpDir } from './support/tmp.js'

const md5 = (b: Uint8Array | string) => createHash('md5').update(b).digest('hex')

/** Every hard character: spaces, +, %, commas, quotes, newlines, unicode, URI "marks", 1,024-byte keys. */
const KEYS = [
  ...HARD_KEYS,
  'a+b c',
  '+',
  ' ',
  '%',
  '%2B%20%25',
  '100%25 done',
  ',',
  '"',
  '""quoted""',
  'line1\nline2\rline3\r\n',
  "mark!*'()~-_.",
  'semi;colon=eq&amp?q#h',
  'emoji 👩‍👩‍👧 family',
  'combining é vs é',
  '\u00a0nbsp\u2028sep',
  'x'.repeat(1021) + '%,+', // 1,024 bytes
  '😀'.repeat(256), // 1,024 bytes of 4-byte characters
]

/** Read a manifest the way an independent consumer would: a real CSV parser, then a key decoder. */
function readManifestText(text: string, decode: (s: string) => string): { bucket: string; key: string; versionId?: string }[] {
  const records = parse(text, { relax_column_count: false }) as string[][]
  return records.map((r) => ({ bucket: r[0], key: decode(r[1]), ...(r.length > 2 && { versionId: r[2] }) }))
}

describe('writeBatchManifest', async () => {
  const root = await tmpDir('manifest-out')

  it('round trips every hard key: csv-parse + decodeKey and csv-parse + decodeURIComponent both give the originals', async () => {
    const rows = KEYS.map((key) => ({ bucket: 'my-bucket', key }))
    const file = path.join(root, 'hard', 'manifest.csv')
    const result = await writeBatchManifest(rows, file)
    const text = await readFile(file, 'utf8')
    expect(readManifestText(text, decodeKey)).toEqual(rows)
    // A decoder that does NOT read + as a space (plain percent-decoding) agrees.
    expect(readManifestText(text, decodeURIComponent)).toEqual(rows)
    // No quoting was needed, and nothing a form decoder could misread: one line per row, three-character escapes only.
    const lines = text.split('\n')
    expect(lines.pop()).toBe('')
    expect(lines).toHaveLength(KEYS.length)
    for (const line of lines) expect(line).toMatch(/^my-bucket,[A-Za-z0-9\-_.~/%]+$/)
    expect(text).not.toContain('+')
    expect(lines[KEYS.indexOf('a+b c')]).toBe('my-bucket,a%2Bb%20c')
    expect(lines[KEYS.indexOf(',')]).toBe('my-bucket,%2C')
    expect(result).toMatchObject({ rows: KEYS.length, bytes: Buffer.byteLength(text), md5: md5(text), destination: file, spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] } })
    expect(result.location).toBeUndefined()
  })

  it('version IDs: "null" writes null for missing ones, "drop" drops the column, "auto" follows the first row', async () => {
    const rows: ManifestRowInput[] = [
      { bucket: 'b', key: 'k1', versionId: 'v1.A_b' },
      { bucket: 'b', key: 'k2', versionId: '' },
      { bucket: 'b', key: 'k3', versionId: null },
      { bucket: 'b', key: 'k4' },
    ]
    const nul = await writeBatchManifest(rows, path.join(root, 'v-null.csv'), { versionIds: 'null' })
    expect(await readFile(path.join(root, 'v-null.csv'), 'utf8')).toBe('b,k1,v1.A_b\nb,k2,null\nb,k3,null\nb,k4,null\n')
    expect(nul.spec.Fields).toEqual(['Bucket', 'Key', 'VersionId'])
    const drop = await writeBatchManifest(rows, path.join(root, 'v-drop.csv'), { versionIds: 'drop' })
    expect(await readFile(path.join(root, 'v-drop.csv'), 'utf8')).toBe('b,k1\nb,k2\nb,k3\nb,k4\n')
    expect(drop.spec.Fields).toEqual(['Bucket', 'Key'])
    const auto = await writeBatchManifest(rows, path.join(root, 'v-auto.csv'))
    expect(auto.spec.Fields).toEqual(['Bucket', 'Key', 'VersionId'])
    expect(await readFile(path.join(root, 'v-auto.csv'), 'utf8')).toBe('b,k1,v1.A_b\nb,k2,null\nb,k3,null\nb,k4,null\n')
  })

  it('auto mode refuses rows that gain version IDs after an unversioned first row, and leaves no file', async () => {
    const dir = path.join(root, 'mixed')
    const rows = [{ bucket: 'b', key: 'k1' }, { bucket: 'b', key: 'k2', versionId: 'v2' }]
    await expect(writeBatchManifest(rows, path.join(dir, 'm.csv'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', row: 1, column: 'versionId' })
    expect(await readdir(dir).catch(() => [])).toEqual([])
  })

  it('a partition that is not an ARN partition is INVALID_ARGUMENT before any row is read or byte written', async () => {
    const dir = path.join(root, 'partition')
    let read = false
    async function* rows() {
      read = true
      yield { bucket: 'b', key: 'k' }
    }
    for (const partition of ['mars', 'AWS', '']) {
      await expect(writeBatchManifest(rows(), { bucket: 'jobs', key: 'm.csv' }, { partition: partition as 'aws' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option: 'partition', expected: 'aws, aws-cn, aws-us-gov', actual: partition })
    }
    expect(read).toBe(false)
    const gov = await writeBatchManifest([{ bucket: 'b', key: 'k' }], path.join(dir, 'm.csv'), { partition: 'aws-us-gov' })
    expect(gov.rows).toBe(1)
  })

  it('rejects rows it cannot write, and empty inputs unless allowed', async () => {
    const file = path.join(root, 'bad', 'm.csv')
    await expect(writeBatchManifest([{ bucket: 'ok', key: 'a' }, { bucket: 'bad,bucket', key: 'b' }], file)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', row: 1, column: 'bucket', key: file })
    await expect(writeBatchManifest([{ bucket: 'ok', key: '' }], file)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', row: 0, column: 'key' })
    await expect(writeBatchManifest([{ bucket: 'ok', key: 'lone \ud800 surrogate' }], file)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', column: 'key' })
    await expect(writeBatchManifest([{ bucket: 'ok', key: 'k', versionId: 'a,b' }], file)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', column: 'versionId' })
    await expect(writeBatchManifest([], file)).rejects.toMatchObject({ code: 'MANIFEST_EMPTY' })
    expect(await readdir(path.dirname(file)).catch(() => [])).toEqual([])
    expect(await writeBatchManifest([], file, { allowEmpty: true })).toMatchObject({ rows: 0, bytes: 0 })
    expect(await readFile(file, 'utf8')).toBe('')
  })

  it('a failing source leaves no manifest behind and its error comes through', async () => {
    const file = path.join(root, 'failing', 'm.csv')
    const boom = new Error('source failed')
    async function* rows() {
      for (let i = 0; i < 100_000; i++) yield { bucket: 'b', key: `k${i}` }
      throw boom
    }
    await expect(writeBatchManifest(rows(), file)).rejects.toBe(boom)
    expect(await readdir(path.dirname(file))).toEqual([])
  })

  it('from an inventory (versioned, hard keys, delete markers filtered out): null versions become "null"', async () => {
    const rows = makeRows({ count: 500, seed: 21 })
    const inv = await writeInventory({ root: path.join(root, 'inventory'), format: 'CSV', rows, filesRows: [200] })
    const dest = path.join(root, 'from-inventory.csv')
    const result = await writeBatchManifest(readInventory(inv.manifestPath, { filter: { excludeDeleteMarkers: true } }), dest, { versionIds: 'null' })
    const kept = rows.filter((r) => r.isDeleteMarker !== true)
    expect(kept.length).toBeLessThan(rows.length)
    expect(kept.some((r) => r.versionId === undefined)).toBe(true)
    expect(result).toMatchObject({ rows: kept.length, spec: { Fields: ['Bucket', 'Key', 'VersionId'] } })
    const back = readManifestText(await readFile(dest, 'utf8'), decodeKey)
    expect(back).toEqual(kept.map((r) => ({ bucket: r.bucket, key: r.key, versionId: r.versionId ?? 'null' })))
  })

  it('re-drive: failed rows of a completion report become a new manifest in one line', async () => {
    const failed = sampleRows(50, 'failed', 2).map((r) => ({ ...r, versionId: undefined }))
    const succeeded = sampleRows(30, 'succeeded', 1)
    const report = await writeReport({ root: path.join(root, 'report'), files: [{ status: 'succeeded', rows: succeeded, order: 'example' }, { status: 'failed', rows: failed, order: 'schema' }] })
    const dest = path.join(root, 'redrive.csv')

    const result = await writeBatchManifest(readCompletionReport(report.manifestPath, { status: 'failed' }), dest)

    expect(result.rows).toBe(50)
    expect(readManifestText(await readFile(dest, 'utf8'), decodeKey)).toEqual(failed.map((r) => ({ bucket: r.bucket, key: r.key })))
    // Versioned jobs keep their version IDs.
    const versioned = sampleRows(20, 'failed', 3).map((r, i) => ({ ...r, versionId: `ver${i}` }))
    const vreport = await writeReport({ root: path.join(root, 'vreport'), files: [{ status: 'failed', rows: versioned, order: 'example' }] })
    const v = await writeBatchManifest(readCompletionReport(vreport.manifestPath, { status: 'failed' }), path.join(root, 'vredrive.csv'))
    expect(v.spec.Fields).toEqual(['Bucket', 'Key', 'VersionId'])
    expect(readManifestText(await readFile(path.join(root, 'vredrive.csv'), 'utf8'), decodeKey)).toEqual(versioned.map((r) => ({ bucket: r.bucket, key: r.key, versionId: r.versionId })))
  })

  describe('to the local S3 server', () => {
    it('one PutObject for a small manifest: the returned ETag is the one HeadObject reports', async () => {
      const client = s3Client()
      const bucket = await freshBucket(client, 'manifest')
      const rows = KEYS.map((key, i) => ({ bucket: 'src-bucket', key, versionId: `v${i}` }))
      const result = await writeBatchManifest(rows, `s3://${bucket}/jobs/manifest 1.csv`, { client })
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'jobs/manifest 1.csv' }))
      expect(result.location).toEqual({ ObjectArn: `arn:aws:s3:::${bucket}/jobs/manifest 1.csv`, ETag: head.ETag })
      expect(head.ETag).toMatch(/^"[0-9a-f]{32}"$/)
      expect(result.etag).toBe(head.ETag!.slice(1, -1))
      expect(result.spec.Fields).toEqual(['Bucket', 'Key', 'VersionId'])
      const body = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'jobs/manifest 1.csv' }))).Body!.transformToString()
      expect(md5(body)).toBe(result.md5)
      expect(readManifestText(body, decodeURIComponent)).toEqual(rows)
      client.destroy()
    })

    it('a multipart upload for a large one, streamed in parts; ETag matches HeadObject', async () => {
      const client = s3Client()
      const bucket = await freshBucket(client, 'manifest-mp')
      const n = 130_000 // ~12 MiB of CSV: three 5 MiB parts
      const key = (i: number) => `logs/2026/${String(i).padStart(8, '0')}/some file name with spaces+plus,comma-${'p'.repeat(40)}.log`
      let made = 0
      async function* rows() {
        for (let i = 0; i < n; i++) {
          made++
          yield { bucket: 'src', key: key(i) }
        }
      }
      const parts: string[] = []
      client.middlewareStack.add(
        (next, context) => async (args) => {
          parts.push(context.commandName ?? '')
          return next(args)
        },
        { step: 'initialize' },
      )
      const result = await writeBatchManifest(rows(), { bucket, key: 'big/manifest.csv' }, { client, partSize: 5 * 1024 * 1024 })
      expect(made).toBe(n)
      expect(parts).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand', 'UploadPartCommand', 'UploadPartCommand', 'CompleteMultipartUploadCommand'])
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big/manifest.csv' }))
      expect(result.location?.ETag).toBe(head.ETag)
      expect(head.ContentLength).toBe(result.bytes)
      const body = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'big/manifest.csv' }))).Body!.transformToString()
      expect(md5(body)).toBe(result.md5)
      const back = readManifestText(body, decodeKey)
      expect(back).toHaveLength(n)
      expect(back[0]).toEqual({ bucket: 'src', key: key(0) })
      expect(back[n - 1]).toEqual({ bucket: 'src', key: key(n - 1) })
      client.destroy()
    })

    it('a source that fails mid-upload: the source error comes through and no object appears', async () => {
      const client = s3Client()
      const bucket = await freshBucket(client, 'manifest-fail')
      const boom = new Error('inventory broke')
      async function* rows() {
        for (let i = 0; i < 150_000; i++) yield { bucket: 'src', key: `key/${i}/${'z'.repeat(60)}` }
        throw boom
      }
      await expect(writeBatchManifest(rows(), { bucket, key: 'm.csv' }, { client, partSize: 5 * 1024 * 1024 })).rejects.toBe(boom)
      await expect(client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'm.csv' }))).rejects.toMatchObject({ name: 'NotFound' })
      client.destroy()
    })

    it('an aborted signal stops the upload and rejects with its reason', async () => {
      const client = s3Client()
      const bucket = await freshBucket(client, 'manifest-abort')
      const ac = new AbortController()
      const reason = new Error('user cancelled')
      async function* rows() {
        for (let i = 0; ; i++) {
          if (i === 50_000) ac.abort(reason)
          yield { bucket: 'src', key: `k${i}` }
        }
      }
      await expect(writeBatchManifest(rows(), { bucket, key: 'm.csv' }, { client, signal: ac.signal })).rejects.toBe(reason)
      await expect(client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'm.csv' }))).rejects.toMatchObject({ name: 'NotFound' })
      client.destroy()
    })

    it('re-drive from a report on S3 to a manifest on S3', async () => {
      const client = s3Client()
      const bucket = await freshBucket(client, 'redrive')
      const root2 = await tmpDir('redrive')
      const failed = sampleRows(40, 'failed', 5).map((r) => ({ ...r, versionId: undefined }))
      const report = await writeReport({ root: root2, files: [{ status: 'succeeded', rows: sampleRows(10, 'succeeded', 6), order: 'example' }, { status: 'failed', rows: failed, order: 'example' }] })
      await putObjects(client, bucket, report.objects)
      const result = await writeBatchManifest(readCompletionReport({ bucket, key: report.manifestKey }, { client, status: 'failed' }), `s3://${bucket}/redrive/manifest.csv`, { client })
      const body = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'redrive/manifest.csv' }))).Body!.transformToString()
      expect(readManifestText(body, decodeKey)).toEqual(failed.map((r) => ({ bucket: r.bucket, key: r.key })))
      expect(result).toMatchObject({ rows: 40, spec: { Fields: ['Bucket', 'Key'] } })
      client.destroy()
    })
  })
})
