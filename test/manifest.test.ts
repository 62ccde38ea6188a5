import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { readManifest } from '../src/index.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { tmpDir } from './support/tmp.js'

const valid = {
  sourceBucket: 'src',
  destinationBucket: 'arn:aws:s3:::dest',
  version: '2016-11-30',
  creationTimestamp: '1715043600000',
  fileFormat: 'CSV',
  fileSchema: 'Bucket, Key, Size',
  files: [{ key: 'inv/src/cfg/data/a.csv.gz', size: 10, MD5checksum: 'c473bcc2407d0a5cec5229b21d967e59' }],
}
const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex')

async function writeManifest(dir: string, body: string | object, checksum?: string | ((bytes: Buffer) => string)) {
  const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body, null, 2))
  await mkdir(dir, { recursive: true })
  const file = path.join(dir, 'manifest.json')
  await writeFile(file, bytes)
  if (checksum !== undefined) await writeFile(path.join(dir, 'manifest.checksum'), typeof checksum === 'string' ? checksum : checksum(bytes))
  return { file, bytes }
}

describe('readManifest', async () => {
  const root = await tmpDir('manifest')

  it('validates, normalizes and verifies manifest.checksum (trailing newline allowed)', async () => {
    const { file, bytes } = await writeManifest(path.join(root, 'ok'), valid, (b) => `${md5(b)}\n`)
    const m = await readManifest(file)
    expect(m).toMatchObject({
      sourceBucket: 'src',
      destinationBucketName: 'dest',
      fileFormat: 'CSV',
      checksum: 'verified',
      md5: md5(bytes),
      creationDate: new Date(1715043600000),
      files: valid.files,
    })
  })
  it('reports an absent manifest.checksum instead of failing', async () => {
    const { file } = await writeManifest(path.join(root, 'nochecksum'), valid)
    expect((await readManifest(file)).checksum).toBe('absent')
  })
  it('hashes the raw bytes, whatever the whitespace (no re-serialization)', async () => {
    const text = `{ "sourceBucket" : "src",\n "destinationBucket":"arn:aws:s3:::dest", "version":"2016-11-30","creationTimestamp":"1","fileFormat":"CSV","fileSchema":"Bucket, Key","files":[] }`
    const { file } = await writeManifest(path.join(root, 'spacing'), text, md5(text))
    expect((await readManifest(file)).checksum).toBe('verified')
  })
  it('fails on a checksum mismatch with MANIFEST_CHECKSUM_MISMATCH', async () => {
    const { file, bytes } = await writeManifest(path.join(root, 'bad'), valid, 'ffffffffffffffffffffffffffffffff')
    await expect(readManifest(file)).rejects.toMatchObject({ code: 'MANIFEST_CHECKSUM_MISMATCH', key: file, expected: 'ffffffffffffffffffffffffffffffff', actual: md5(bytes) })
  })
  it('fails on text that is not JSON, naming the file', async () => {
    const { file } = await writeManifest(path.join(root, 'notjson'), '{"sourceBucket": ')
    await expect(readManifest(file)).rejects.toMatchObject({ code: 'MANIFEST_INVALID', key: file, message: 'an S3 Inventory manifest is not valid JSON', actual: expect.stringMatching(/JSON/) })
  })
  it.each([
    ['a missing field', { ...valid, fileSchema: undefined }, 'fileSchema'],
    ['a wrongly typed field', { ...valid, files: [{ ...valid.files[0], size: '10' }] }, 'files[0].size'],
    ['a bad MD5', { ...valid, files: [{ ...valid.files[0], MD5checksum: 'nope' }] }, 'files[0].MD5checksum'],
    ['a non-numeric creationTimestamp', { ...valid, creationTimestamp: 'yesterday' }, 'creationTimestamp'],
  ])('names the field for %s', async (_, body, field) => {
    const { file } = await writeManifest(path.join(root, field.replace(/\W/g, '_')), body)
    const err = await readManifest(file).catch((e) => e)
    // The JSON path is a field of the error; the message is one sentence without it.
    expect(err).toMatchObject({ code: 'MANIFEST_INVALID', key: file, field, message: 'a field of an S3 Inventory manifest is missing or invalid' })
    expect(err.column).toBeUndefined()
    expect(err.key).toBe(file)
  })
  it('accepts MD5Checksum (Batch Operations spelling) for MD5checksum', async () => {
    const body = { ...valid, files: [{ key: 'a', size: 1, MD5Checksum: 'C473BCC2407D0A5CEC5229B21D967E59' }] }
    const { file } = await writeManifest(path.join(root, 'alias'), body)
    expect((await readManifest(file)).files[0].MD5checksum).toBe('c473bcc2407d0a5cec5229b21d967e59')
  })
  it('keeps ORC and unknown formats readable as manifests (the data reader rejects them)', async () => {
    const { file } = await writeManifest(path.join(root, 'orc'), { ...valid, fileFormat: 'ORC' })
    expect((await readManifest(file)).fileFormat).toBe('ORC')
  })
  it('fails on a missing file with NOT_FOUND', async () => {
    await expect(readManifest(path.join(root, 'nope', 'manifest.json'))).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('reads from S3 the same way, verifying the sibling manifest.checksum', async () => {
    const client = s3Client()
    const bucket = await freshBucket(client, 'manifest')
    const bytes = Buffer.from(JSON.stringify(valid))
    await putObjects(client, bucket, [
      ['inv/src/cfg/2026-11-20T01-00Z/manifest.json', bytes],
      ['inv/src/cfg/2026-11-20T01-00Z/manifest.checksum', Buffer.from(md5(bytes))],
      ['inv/src/cfg/2026-11-21T01-00Z/manifest.json', bytes],
      ['inv/src/cfg/2026-11-21T01-00Z/manifest.checksum', Buffer.from('0'.repeat(32))],
    ])
    const m = await readManifest(`s3://${bucket}/inv/src/cfg/2026-11-20T01-00Z/manifest.json`, { client })
    expect(m).toMatchObject({ checksum: 'verified', location: { kind: 's3', bucket, key: 'inv/src/cfg/2026-11-20T01-00Z/manifest.json' } })
    await expect(readManifest({ bucket, key: 'inv/src/cfg/2026-11-21T01-00Z/manifest.json' }, { client })).rejects.toMatchObject({
      code: 'MANIFEST_CHECKSUM_MISMATCH',
      bucket,
    })
    await expect(readManifest({ bucket, key: 'missing/manifest.json' }, { client })).rejects.toMatchObject({ code: 'NOT_FOUND', bucket, key: 'missing/manifest.json' })
    client.destroy()
  })
})
