/**
 * Fault tolerance over the real S3 protocol: a TCP proxy between the SDK client and the local S3
 * server resets connections at random byte offsets, stalls them, and answers 503 SlowDown. The rows
 * that come out must be exactly the rows that went in: same count, same (key, versionId) multiset,
 * same order.
 */
import { Agent } from 'node:http'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { makeRows, prng, writeInventory, type InventoryFixture } from '../fixtures/generate.js'
import { readInventory, readManifest, type InventoryRow } from '../src/index.js'
import { startProxy, type Fault, type Proxy } from './support/proxy.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { collect, tmpDir } from './support/tmp.js'

// 60% of connections fail (the first 60): 16 retries make a run of failures that exhausts them
// (0.6^17 ≈ 0.02% per read) practically impossible, so a failure here means a real bug.
const FAST_RETRY = { retries: 16, minDelayMs: 1, maxDelayMs: 20 }
const identity = (r: { key: string; versionId?: unknown }) => `${r.key}\u0000${r.versionId ?? ''}`

describe('reads through a faulty network', async () => {
  const root = await tmpDir('faults')
  const rows = makeRows({ count: 30_000, seed: 21, hardKeys: true })
  const fixtures: Record<string, InventoryFixture> = {}
  let proxy: Proxy
  let bucket = ''

  beforeAll(async () => {
    const direct = s3Client()
    bucket = await freshBucket(direct, 'faults')
    for (const format of ['CSV', 'Parquet', 'ORC'] as const) {
      fixtures[format] = await writeInventory({ root, format, rows, filesRows: [2500], rowGroupSize: 1000, pageSize: 16 * 1024, orc: { stripeRows: 1000, blockSize: 16 * 1024 } })
      await putObjects(direct, bucket, fixtures[format].objects)
    }
    direct.destroy()
    proxy = await startProxy(inject('s3Endpoint'))
  }, 120_000)
  afterAll(() => proxy?.close())

  /** Faults for roughly `rate` of the connections, the first `max` of them, chosen by a seeded PRNG. */
  function injectFaults(seed: number, rate: number, max: number, maxOffset: number) {
    const rnd = prng(seed)
    const counts = { reset: 0, stall: 0, slowDown: 0 }
    proxy.plan = () => {
      if (counts.reset + counts.stall + counts.slowDown >= max || rnd() > rate) return undefined
      const kind = rnd()
      const at = Math.floor(rnd() * maxOffset)
      if (kind < 0.5) return (counts.reset++, { resetAfter: at }) satisfies Fault
      if (kind < 0.75) return (counts.stall++, { stallAfter: at }) satisfies Fault
      return (counts.slowDown++, { slowDown: true }) satisfies Fault
    }
    return counts
  }

  for (const format of ['CSV', 'Parquet', 'ORC'] as const) {
    it(`${format}: every row exactly once, in order, despite resets, stalls and 503s`, async () => {
      const counts = injectFaults(format === 'CSV' ? 1 : format === 'Parquet' ? 2 : 3, 0.6, 60, 60_000)
      // maxAttempts 1: every retry below is ours, not the SDK's. No keep-alive: one connection per
      // request, so every request can meet a fault.
      const client = s3Client(proxy.url, { maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: false }) }) })
      const got: InventoryRow[] = await collect(
        readInventory({ bucket, key: fixtures[format].manifestKey }, { client, retry: FAST_RETRY, idleTimeoutMs: 400, concurrency: 3, readSize: 64 * 1024 }),
      )
      client.destroy()
      proxy.plan = () => undefined
      const injected = counts.reset + counts.stall + counts.slowDown
      console.log(`${format}: ${injected} faults injected (${JSON.stringify(counts)}), ${got.length} rows`)
      expect(injected).toBeGreaterThanOrEqual(15)
      expect(got.length).toBe(rows.length)
      expect(got.map(identity)).toEqual(rows.map(identity))
      expect(got.map((r) => r.size)).toEqual(rows.map((r) => r.size))
    })
  }

  it('gives up with RETRIES_EXHAUSTED, naming the object, when every attempt fails', async () => {
    proxy.plan = () => ({ resetAfter: 0 })
    const client = s3Client(proxy.url, { maxAttempts: 1 })
    const err = await collect(readInventory({ bucket, key: fixtures.CSV.manifestKey }, { client, retry: { retries: 3, minDelayMs: 1, maxDelayMs: 5 } })).catch((e) => e)
    proxy.plan = () => undefined
    client.destroy()
    expect(err).toMatchObject({ code: 'RETRIES_EXHAUSTED', bucket, key: fixtures.CSV.manifestKey })
    expect(err.message).toMatch(/gave up after 3 retries/)
  })

  it('does not retry 403 or 404, says which object and why, and keeps secrets out of the message', async () => {
    const client = s3Client(proxy.url, { maxAttempts: 1 })
    let before = proxy.connections
    await expect(collect(readInventory({ bucket, key: 'no/such/manifest.json' }, { client, retry: FAST_RETRY }))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      bucket,
      key: 'no/such/manifest.json',
    })
    expect(proxy.connections - before).toBeLessThanOrEqual(1)
    // A 403 whose message carries a signed URL and an access key id (as a misbehaving proxy might echo).
    const leak = 'Denied for https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIAABCDEFGHIJKLMNOP%2F20261126&amp;X-Amz-Signature=0123456789abcdef0123456789abcdef'
    proxy.plan = () => ({ error: { status: 403, code: 'AccessDenied', message: leak } })
    before = proxy.connections
    const fresh = s3Client(proxy.url, { maxAttempts: 1 }) // no pooled connection from before the fault
    const err = await collect(readInventory({ bucket, key: fixtures.CSV.manifestKey }, { client: fresh, retry: FAST_RETRY })).catch((e) => e)
    fresh.destroy()
    proxy.plan = () => undefined
    expect(err).toMatchObject({ code: 'ACCESS_DENIED', bucket, key: fixtures.CSV.manifestKey })
    // One sentence; S3's code, status and words are what was found.
    expect(err.message).toBe('access denied')
    expect(err.actual).toMatch(/^AccessDenied \(HTTP 403\): Denied for /)
    expect(err.actual).not.toContain('AKIAABCDEFGHIJKLMNOP')
    expect(err.message).not.toContain('AKIAABCDEFGHIJKLMNOP')
    expect(err.message).not.toContain('0123456789abcdef0123456789abcdef')
    expect(JSON.stringify(err)).not.toContain('0123456789abcdef0123456789abcdef')
    expect(String(err.cause?.message)).not.toContain('AKIAABCDEFGHIJKLMNOP')
    expect(require('node:util').inspect(err, { depth: 5 })).not.toContain('0123456789abcdef0123456789abcdef')
    expect(proxy.connections - before).toBe(1) // not retried
    client.destroy()
  })

  for (const change of ['same size, new bytes', 'shorter'] as const) {
    it(`an object replaced between a dropped connection and its resume is OBJECT_CHANGED (${change})`, async () => {
      const direct = s3Client()
      const m = await readManifest({ bucket, key: fixtures.CSV.manifestKey }, { client: direct })
      const target = m.files[2].key
      const original = fixtures.CSV.objects.get(target)!
      const replacement = change === 'shorter' ? Buffer.from('something else entirely') : Buffer.from(original.map((b) => b ^ 0xff))
      const client = s3Client(proxy.url, { maxAttempts: 1 })
      let replaced = false
      let connection = 0
      // The first data connection is cut mid-body; the resume's connection is held until the object has
      // been overwritten (whatever the machine's load, the resume sees the new object).
      proxy.plan = () => {
        connection++
        if (connection === 1) return { resetAfter: 20_000 }
        if (connection !== 2) return undefined
        const put = direct.send(new PutObjectCommand({ Bucket: bucket, Key: target, Body: replacement })).then(() => (replaced = true))
        return { holdUntil: put }
      }
      const err = await collect(readInventory(m, { client, retry: { retries: 5, minDelayMs: 20, maxDelayMs: 20 }, fileIndexes: [2] })).catch((e) => e)
      proxy.plan = () => undefined
      expect(replaced).toBe(true)
      expect(err).toMatchObject({ code: 'OBJECT_CHANGED', bucket, key: target })
      await direct.send(new PutObjectCommand({ Bucket: bucket, Key: target, Body: original }))
      client.destroy()
      direct.destroy()
    })
  }

  it('a data object with one byte flipped is DATA_CHECKSUM_MISMATCH naming the file', async () => {
    const direct = s3Client()
    const m = await readManifest({ bucket, key: fixtures.CSV.manifestKey }, { client: direct })
    for (const format of ['CSV', 'Parquet', 'ORC'] as const) {
      const mf = await readManifest({ bucket, key: fixtures[format].manifestKey }, { client: direct })
      const key = mf.files[1].key
      const bytes = Buffer.from(fixtures[format].objects.get(key)!)
      // Flip a byte inside the compressed data (not the gzip/Parquet framing, so only the MD5 can tell).
      bytes[Math.floor(bytes.length / 2)] ^= 0x01
      const b2 = await freshBucket(direct, 'flip')
      await putObjects(direct, b2, [...fixtures[format].objects].map(([k, v]) => [k, k === key ? bytes : v] as [string, Buffer]))
      const seen: InventoryRow[] = []
      const err = await (async () => {
        for await (const r of readInventory({ bucket: b2, key: fixtures[format].manifestKey }, { client: direct, concurrency: 1 })) seen.push(r)
      })().catch((e) => e)
      // Either the MD5 catches it, or the decoder does first (a flipped bit can break the gzip/snappy
      // stream) — in both cases a typed error naming the file, and the file's rows are not all given.
      expect(['DATA_CHECKSUM_MISMATCH', 'GZIP_CORRUPT', 'PARQUET_CORRUPT', 'ORC_CORRUPT', 'CSV_MALFORMED', 'VALUE_INVALID', 'KEY_DECODE_FAILED']).toContain(err.code)
      expect(err).toMatchObject({ bucket: b2, key })
      expect(seen.length).toBeLessThan(10_000)
      if (err.code === 'DATA_CHECKSUM_MISMATCH') expect(err.expected).toBe(mf.files[1].MD5checksum)
    }
    void m
    direct.destroy()
  })
})
