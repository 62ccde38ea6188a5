/** `s3inv cat`: one data file's rows as exact JSON lines, locally and from S3, with --columns, --manifest and --no-verify. */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { makeRows, parquetBytes } from '../fixtures/generate.js'
import { readParquet } from '../src/index.js'
import { exactJson } from '../src/schema/exact.js'
import { CLI, runCli, s3env } from './support/cli.js'
import { encodingsFile } from './support/parquet-fuzz.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { collect, tmpDir } from './support/tmp.js'

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex')

describe('s3inv cat', async () => {
  const root = await tmpDir('cat')
  const fields = ['bucket', 'key', 'versionId', 'isLatest', 'size', 'lastModifiedDate', 'storageClass']
  const inventoryFile = path.join(root, 'data', 'inv.parquet')
  const inventoryBytes = parquetBytes(makeRows({ count: 3000, seed: 3, fields }), fields, { rowGroupSize: 1000 })
  const typedFile = path.join(root, 'typed.parquet')
  const typedBytes = encodingsFile(500)
  const client = s3Client()
  let bucket = ''
  afterAll(() => client.destroy())

  const manifest = async (name: string, md5sum: string) => {
    const file = path.join(root, name)
    await writeFile(file, JSON.stringify({
      sourceBucket: 'src', destinationBucket: 'arn:aws:s3:::dest', version: '2016-11-30', creationTimestamp: '1', fileFormat: 'Parquet',
      fileSchema: 'message s3.inventory { required binary bucket (STRING); required binary key (STRING); }',
      files: [{ key: 'prefix/src/config/data/inv.parquet', size: inventoryBytes.length, MD5checksum: md5sum }],
    }))
    return file
  }

  beforeAll(async () => {
    await (await import('node:fs/promises')).mkdir(path.dirname(inventoryFile), { recursive: true })
    await writeFile(inventoryFile, inventoryBytes)
    await writeFile(typedFile, typedBytes)
    bucket = await freshBucket(client, 'cat')
    await putObjects(client, bucket, new Map([['data/inv.parquet', inventoryBytes], ['typed.parquet', typedBytes]]))
  })

  const expectedLines = async (file: string, columns?: string[]) => (await collect(readParquet(file, { columns }))).map((r) => `${exactJson(r)}\n`).join('')

  it('prints every row of a Parquet file as one exact JSON object per line, columns in file order', async () => {
    const { code, stdout, stderr } = await runCli(['cat', typedFile])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toBe(await expectedLines(typedFile))
    const first = stdout.split('\n')[0]
    // 64-bit integers as exact JSON numbers (no quotes, every digit).
    expect(first).toMatch(/^\{"big":-205891132094649,"small":-2000,"key":"logs\/2026\/000\/part-0.gz","bucket":"bucket-0","etag":null,"x":0,"y":0\}$/)
    expect(stdout.trim().split('\n')).toHaveLength(500)
  })

  it('--columns prints only those columns; a column the file lacks is FIELD_MISSING', async () => {
    const { code, stdout } = await runCli(['cat', inventoryFile, '--columns', 'size,key'])
    expect(code).toBe(0)
    expect(stdout).toBe(await expectedLines(inventoryFile, ['key', 'size']))
    expect(Object.keys(JSON.parse(stdout.split('\n')[0]))).toEqual(['key', 'size'])
    const missing = await runCli(['cat', inventoryFile, '--columns', 'nope'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^s3inv: FIELD_MISSING: .*nope/)
  })

  it('--manifest verifies the file against its entry (found by file name); --no-verify skips it', async () => {
    const good = await manifest('good-manifest.json', md5(inventoryBytes))
    const ok = await runCli(['cat', inventoryFile, '--manifest', good])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toBe(await expectedLines(inventoryFile))
    const bad = await manifest('bad-manifest.json', 'f'.repeat(32))
    const failed = await runCli(['cat', inventoryFile, '--manifest', bad])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/^s3inv: DATA_CHECKSUM_MISMATCH: /)
    // Rows are held until the file is verified: none of a file that fails is printed.
    expect(failed.stdout).toBe('')
    const unverified = await runCli(['cat', inventoryFile, '--manifest', bad, '--no-verify'])
    expect(unverified.code).toBe(0)
    expect(unverified.stdout).toBe(ok.stdout)
    const other = await runCli(['cat', typedFile, '--manifest', good])
    expect(other.code).toBe(1)
    expect(other.stderr).toMatch(/^s3inv: NOT_FOUND: the manifest does not list this data file/)
  })

  it('reads the same rows from s3:// through --endpoint-url (ranged reads)', async () => {
    const { code, stdout, stderr } = await runCli(['cat', `s3://${bucket}/typed.parquet`, '--endpoint-url', inject('s3Endpoint'), '--columns', 'key,x'], s3env)
    // (The AWS SDK may print its Node version warning; no error of ours.)
    expect(stderr).not.toContain('s3inv:')
    expect(code).toBe(0)
    expect(stdout).toBe(await expectedLines(typedFile, ['key', 'x']))
  })

  it('files that are not Parquet: CSV.gz needs --schema, anything else is UNSUPPORTED_FORMAT', async () => {
    const junk = path.join(root, 'junk.bin')
    await writeFile(junk, 'hello world')
    const r = await runCli(['cat', junk])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^s3inv: UNSUPPORTED_FORMAT: .*got 68656c6c/)
    const csv = path.join(root, 'x.csv.gz')
    await writeFile(csv, Buffer.from([0x1f, 0x8b]))
    // A usage error: the command line lacks what the file needs.
    const noSchema = await runCli(['cat', csv])
    expect(noSchema.code).toBe(2)
    expect(noSchema.stderr).toMatch(/^s3inv: bad value for --schema: .*no header/)
  })

  it('CSV.gz: the columns from --schema (any column, known or not), keys decoded, values typed', async () => {
    const csv = path.join(root, 'inv.csv.gz')
    await writeFile(csv, gzipSync('"b","photos/a%20b+c.png","12","2024-05-06T22:37:48.000Z","NEW"\n"b","k2","","2024-05-06T22:37:49.000Z",""\n'))
    const r = await runCli(['cat', csv, '--schema', 'Bucket, Key, Size, LastModifiedDate, ObjectLockEventHoldStatus'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { bucket: 'b', key: 'photos/a b c.png', size: 12, lastModifiedDate: '2024-05-06T22:37:48.000Z', objectLockEventHoldStatus: 'NEW' },
      // Empty fields print as null, as Parquet's nulls do.
      { bucket: 'b', key: 'k2', size: null, lastModifiedDate: '2024-05-06T22:37:49.000Z', objectLockEventHoldStatus: null },
    ])
    const keys = await runCli(['cat', csv, '--schema', 'Bucket, Key, Size, LastModifiedDate, ObjectLockEventHoldStatus', '--columns', 'Key,size'])
    expect(keys.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([{ key: 'photos/a b c.png', size: 12 }, { key: 'k2', size: null }])
  })

  it('| head -1 ends quickly and cleanly (no EPIPE trace)', async () => {
    const big = path.join(root, 'big.parquet')
    await writeFile(big, parquetBytes(makeRows({ count: 60_000, seed: 8, fields }), fields, { rowGroupSize: 20_000 }))
    const r = await new Promise<{ code: number | null; stderr: string; out: string }>((resolve) => {
      const child = spawn('bash', ['-c', `set -o pipefail; node ${CLI} cat ${big} | head -1`], { stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      let stderr = ''
      child.stdout.on('data', (d) => (out += d))
      child.stderr.on('data', (d) => (stderr += d))
      child.on('close', (code) => resolve({ code, stderr, out }))
    })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.out.trim().split('\n')).toHaveLength(1)
  })
})
