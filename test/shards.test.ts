/** listShards / readShard: one work item per data file, read by separate worker processes from the local S3 server. */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { makeRows, parquetFileSchema, ALL_FIELDS, writeInventory, type InventoryFixture } from '../fixtures/generate.js'
import { cursorOf, formatCursor } from '../src/cursor.js'
import { readInventory } from '../src/inventory.js'
import { rowSource } from '../src/schema/row.js'
import { listShards, parseShard, readShard, shardId, type Shard } from '../src/shards.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { collect, plain, tmpDir } from './support/tmp.js'

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex')
const WORKER = path.resolve('test/support/shard-worker.ts')

interface Line {
  key: string
  versionId: string | null
  file: number
  row: number
  pid: number
}

/** Runs one worker process over these shards (as JSON message bodies) and parses its NDJSON. */
function worker(shards: Shard[]): Promise<Line[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      env: { ...process.env, S3_ENDPOINT: inject('s3Endpoint') },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`worker exited ${code}: ${err}`))
      resolve(out === '' ? [] : out.trimEnd().split('\n').map((l) => JSON.parse(l) as Line))
    })
    child.stdin.end(JSON.stringify(shards.map((s) => JSON.stringify(s))))
  })
}

const multiset = (pairs: [string, string | null][]) => {
  const m = new Map<string, number>()
  for (const p of pairs) m.set(JSON.stringify(p), (m.get(JSON.stringify(p)) ?? 0) + 1)
  return m
}

describe('shards', async () => {
  const root = await tmpDir('shards')
  const client = s3Client()
  afterAll(() => client.destroy())
  // Several rows share a key (versions): the multiset comparison must count them.
  const rows = makeRows({ count: 900, seed: 8, versioned: true })
  for (let i = 100; i < 160; i++) rows[i] = { ...rows[i], key: rows[i - 50].key }
  const fixtures: Record<string, InventoryFixture> = {}
  let bucket = ''

  beforeAll(async () => {
    bucket = await freshBucket(client, 'shards')
    for (const format of ['CSV', 'Parquet', 'ORC'] as const) {
      fixtures[format] = await writeInventory({ root, format, rows, filesRows: [170, 0, 230, 140, 200, 160], rowGroupSize: 64, orc: { stripeRows: 64 } })
      await putObjects(client, bucket, fixtures[format].objects)
    }
  })

  it('lists one shard per data file with the manifest identity and file details', async () => {
    const f = fixtures.CSV
    const shards = await listShards({ bucket, key: f.manifestKey }, { client })
    const manifest = JSON.parse(f.manifestBytes.toString())
    expect(shards).toHaveLength(6)
    shards.forEach((s, i) => {
      expect(s).toEqual({
        type: 's3-inventory-shard',
        version: 1,
        manifestMd5: md5(f.manifestBytes),
        manifest: { bucket, key: f.manifestKey },
        manifestChecksum: 'verified',
        sourceBucket: manifest.sourceBucket,
        destinationBucket: manifest.destinationBucket,
        creationTimestamp: manifest.creationTimestamp,
        manifestVersion: '2016-11-30',
        fileIndex: i,
        fileCount: 6,
        key: manifest.files[i].key,
        size: manifest.files[i].size,
        md5: manifest.files[i].MD5checksum,
        format: 'CSV',
        fileSchema: manifest.fileSchema,
      })
      expect(parseShard(JSON.stringify(s))).toEqual(s)
    })
    expect(new Set(shards.map(shardId)).size).toBe(6)
  })

  it('a shard fits in one SQS message even with 1,024-byte keys and a full Parquet schema', () => {
    const longKey = 'é'.repeat(512) // 1,024 bytes of UTF-8
    const s: Shard = {
      type: 's3-inventory-shard',
      version: 1,
      manifestMd5: 'a'.repeat(32),
      manifest: { bucket: 'b'.repeat(63), key: longKey },
      manifestChecksum: 'verified',
      sourceBucket: 'c'.repeat(63),
      destinationBucket: `arn:aws:s3:::${'d'.repeat(63)}`,
      creationTimestamp: '1763600400000',
      manifestVersion: '2016-11-30',
      fileIndex: 99_999,
      fileCount: 100_000,
      key: longKey,
      size: 2 ** 40,
      md5: 'e'.repeat(32),
      format: 'Parquet',
      fileSchema: parquetFileSchema(ALL_FIELDS),
    }
    const bytes = Buffer.byteLength(JSON.stringify(s))
    expect(bytes).toBeLessThan(8 * 1024)
    expect(parseShard(JSON.stringify(s))).toEqual(s)
  })

  for (const format of ['CSV', 'Parquet', 'ORC'] as const) {
    it(`${format}: readShard yields that file's rows, with their real file index and cursors`, async () => {
      const f = fixtures[format]
      const shards = await listShards({ bucket, key: f.manifestKey }, { client })
      const got = await collect(readShard(JSON.stringify(shards[2]), { client }))
      expect(plain(got)).toEqual(rows.slice(170, 400))
      expect(rowSource(got[5])!.file).toMatchObject({ bucket, key: f.dataKeys[2], fileIndex: 2, manifestMd5: md5(f.manifestBytes) })
      expect(rowSource(got[5])!.row).toBe(5)
      // A cursor from a shard read resumes the same shard.
      const rest = await collect(readShard(shards[2], { client, startAfter: formatCursor(cursorOf(got[99])!) }))
      expect(plain(rest)).toEqual(rows.slice(270, 400))
      expect(await collect(readShard(shards[1], { client }))).toEqual([])
    })
  }

  for (const format of ['CSV', 'Parquet', 'ORC'] as const) {
    it(`${format}: 3 worker processes reading round-robin shards yield exactly the single-process rows`, async () => {
      const f = fixtures[format]
      const shards = await listShards({ bucket, key: f.manifestKey }, { client })
      const assigned: Shard[][] = [[], [], []]
      shards.forEach((s, i) => assigned[i % 3].push(s))
      const outputs = await Promise.all(assigned.map(worker))
      // Each worker did its share: three distinct processes, each reading only its own files.
      expect(new Set(outputs.map((o) => o[0]?.pid)).size).toBe(3)
      outputs.forEach((o, w) => expect(new Set(o.map((l) => l.file))).toEqual(new Set(assigned[w].filter((s) => s.fileIndex !== 1).map((s) => s.fileIndex))))
      const union = outputs.flat()
      const single = await collect(readInventory({ bucket, key: f.manifestKey }, { client }))
      expect(union).toHaveLength(single.length)
      expect(single).toHaveLength(rows.length)
      expect(multiset(union.map((l) => [l.key, l.versionId]))).toEqual(multiset(single.map((r) => [r.key, r.versionId ?? null])))
      // Same rows at the same positions: no row read twice, none skipped.
      const pos = (file: number, row: number) => `${file}.${row}`
      expect(new Set(union.map((l) => pos(l.file, l.row)))).toEqual(new Set(single.map((r) => pos(rowSource(r)!.file.fileIndex, rowSource(r)!.row))))
      expect(new Set(union.map((l) => pos(l.file, l.row))).size).toBe(union.length)
    })
  }

  it('local manifests: shards find the synced bucket root from the manifest path, or data files copied beside the manifest', async () => {
    const f = fixtures.CSV
    const shards = await listShards(f.manifestPath)
    // Where the data files are follows from the manifest's path: no root to record.
    expect(shards[3].manifest).toEqual({ path: f.manifestPath })
    expect(plain(await collect(readShard(shards[3])))).toEqual(rows.slice(400, 540))
    // A root the caller chose goes along.
    expect((await listShards(f.manifestPath, { root }))[3].manifest).toEqual({ path: f.manifestPath, root })

    // Data files copied next to the manifest (only their base names).
    // (A folder outside `root`, so that the synced copy cannot be what is read.)
    const flat = await tmpDir('flat')
    await copyFile(f.manifestPath, path.join(flat, 'manifest.json'))
    for (const k of f.dataKeys) await copyFile(path.join(root, k), path.join(flat, path.posix.basename(k)))
    const flatShards = await listShards(path.join(flat, 'manifest.json'))
    expect(flatShards[4].manifest).toEqual({ path: path.join(flat, 'manifest.json') })
    expect(plain(await collect(readShard(flatShards[4])))).toEqual(rows.slice(540, 740))
  })

  it('the example Lambda worker reads its shard and reports only the messages that failed', async () => {
    const { handler } = await import('../examples/scale-out/worker.js')
    const shards = await listShards(fixtures.CSV.manifestPath)
    const logs: string[] = []
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void logs.push(line))
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const event = { Records: [{ messageId: 'm1', body: JSON.stringify(shards[2]) }, { messageId: 'm2', body: '{"type":"something else"}' }] }
      const res = await handler(event as never, { getRemainingTimeInMillis: () => 60_000 } as never)
      expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] })
      const totals = JSON.parse(logs[0]).totals as Record<string, { objects: number; bytes: number }>
      const want = rows.slice(170, 400)
      expect(Object.values(totals).reduce((n, t) => n + t.objects, 0)).toBe(want.length)
      expect(Object.values(totals).reduce((n, t) => n + t.bytes, 0)).toBe(want.reduce((n, r) => n + ((r.size as number | undefined) ?? 0), 0))
      expect(error).toHaveBeenCalledTimes(1)
    } finally {
      log.mockRestore()
      error.mockRestore()
    }
  })

  it('rejects things that are not shards with INVALID_ARGUMENT', () => {
    expect(() => parseShard('{not json')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => parseShard({ type: 's3-inventory-shard', version: 1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'manifestMd5', message: 'not a shard: a field is missing or invalid' }))
    expect(() => readShard(JSON.stringify({ bucket: 'b', key: 'k' }))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})
