/**
 * enqueue() against an SQS endpoint over real HTTP.
 *
 * No SQS server works here: sqslite answers 415 to the AWS JSON 1.0 protocol the current
 * @aws-sdk/client-sqs speaks, fauxqs needs Node >= 22.5, ElasticMQ/LocalStack cannot be installed
 * (shared/reference/environment.md). So test/support/sqs-server.ts is a minimal JSON-protocol
 * SendMessageBatch endpoint written for these tests: the real SDK serializes, signs and sends real
 * requests and checks the MD5s in the responses; the server enforces SQS's documented limits and can
 * inject Failed[] entries, request errors and delays.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { SQSClient } from '@aws-sdk/client-sqs'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { makeRows, writeInventory, type InventoryFixture } from '../fixtures/generate.js'
import { readInventory } from '../src/inventory.js'
import { listShards, parseShard } from '../src/shards.js'
import { enqueue } from '../src/sinks/sqs.js'
import { formatError } from '../src/errors.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { startSqsServer, type SqsServer } from './support/sqs-server.js'
import { runCli, s3env } from './support/cli.js'
import { tmpDir } from './support/tmp.js'

const CREDS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }

let server: SqsServer
let client: SQSClient
let queueN = 0
const queue = (suffix = '') => server.queueUrl(`q${queueN++}${suffix}`)
const callsTo = (url: string) => server.calls.filter((c) => c.queueUrl === url)
const acceptedOn = (url: string) => {
  const ids = new Set(callsTo(url).flatMap((c) => c.entries))
  return server.accepted.filter((e) => ids.has(e))
}

beforeAll(async () => {
  server = await startSqsServer()
  client = new SQSClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: CREDS, maxAttempts: 1 })
})
afterAll(async () => {
  client.destroy()
  await server.close()
})

const expectedBody = (r: Record<string, unknown>) => ({ bucket: r.bucket, key: r.key, versionId: r.versionId, size: r.size })
const sorted = (a: string[]) => [...a].sort()

describe('enqueue', () => {
  it('sends every row once, in batches of at most 10, with JSON bodies SQS accepts', async () => {
    const rows = makeRows({ count: 95, seed: 11 }) // starts with the hard keys: control characters, unicode, 1,024-byte keys
    rows.push({ bucket: 'b', key: 'nonchar\uFFFF\uFFFE/lone\uD800surrogate', size: 1 })
    const url = queue()
    const result = await enqueue(rows, { queueUrl: url, client })
    expect(server.violations).toEqual([])
    expect(result).toMatchObject({ sent: 96, sentRows: 96, failed: [], batches: 10, requests: 10, rows: 96 })
    const calls = callsTo(url)
    expect(calls.map((c) => c.entries.length)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 6])
    for (const c of calls) expect(new Set(c.entries.map((e) => e.Id)).size).toBe(c.entries.length)
    const bodies = acceptedOn(url).map((e) => JSON.parse(e.MessageBody))
    expect(sorted(bodies.map((b) => JSON.stringify(b)))).toEqual(sorted(rows.map((r) => JSON.stringify(expectedBody(r)))))
    // Standard queue: no FIFO ids.
    expect(acceptedOn(url).every((e) => e.MessageGroupId === undefined && e.MessageDeduplicationId === undefined)).toBe(true)
  })

  it('splits batches by size: ~100 KiB bodies never make a batch over 256 KiB (or over 1 MiB when allowed)', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({ key: `big/${i}` }))
    const body = (r: { key: string }) => `${r.key}:${'x'.repeat(100 * 1024)}`
    const url = queue()
    const result = await enqueue(rows, { queueUrl: url, client, toMessage: ([r]) => body(r) })
    expect(result.failed).toEqual([])
    expect(server.violations).toEqual([])
    const calls = callsTo(url)
    expect(Math.max(...calls.map((c) => c.bytes))).toBeLessThanOrEqual(262_144)
    expect(calls.map((c) => c.entries.length)).toEqual(new Array(20).fill(2))
    expect(sorted(acceptedOn(url).map((e) => e.MessageBody))).toEqual(sorted(rows.map(body)))

    server.maxBytes = 1_048_576
    try {
      const big = queue()
      await enqueue(rows, { queueUrl: big, client, toMessage: ([r]) => body(r), maxMessageBytes: 1_048_576 })
      expect(callsTo(big).map((c) => c.entries.length)).toEqual([10, 10, 10, 10])
      expect(Math.max(...callsTo(big).map((c) => c.bytes))).toBeLessThanOrEqual(1_048_576)
    } finally {
      server.maxBytes = 262_144
    }
  })

  it("without maxMessageBytes, packs to the queue's MaximumMessageSize (GetQueueAttributes, once); 256 KiB when it cannot be read", async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ bucket: 'b', key: `k/${String(i).padStart(6, '0')}/${'n'.repeat(200)}`, size: i }))
    server.maxBytes = 1_048_576
    try {
      const big = queue()
      const before = server.attributeCalls.length
      const result = await enqueue(rows, { queueUrl: big, client, rowsPerMessage: 3000 })
      expect(server.attributeCalls.slice(before)).toEqual([big])
      expect(result.maxMessageBytes).toBe(1_048_576)
      const sizes = acceptedOn(big).map((e) => Buffer.byteLength(e.MessageBody))
      expect(Math.max(...sizes)).toBeGreaterThan(262_144) // packed past the old limit
      expect(Math.max(...sizes)).toBeLessThanOrEqual(1_048_576)
      expect(acceptedOn(big).flatMap((e) => JSON.parse(e.MessageBody).map((m: { key: string }) => m.key))).toEqual(rows.map((r) => r.key))

      server.attributesError = { status: 403, type: 'AccessDenied', message: 'not allowed' }
      const denied = queue()
      const fallback = await enqueue(rows, { queueUrl: denied, client, rowsPerMessage: 3000 })
      expect(fallback.maxMessageBytes).toBe(262_144)
      expect(Math.max(...acceptedOn(denied).map((e) => Buffer.byteLength(e.MessageBody)))).toBeLessThanOrEqual(262_144)
      expect(fallback.sentRows).toBe(rows.length)

      const given = queue()
      const n = server.attributeCalls.length
      const fixed = await enqueue(rows, { queueUrl: given, client, rowsPerMessage: 3000, maxMessageBytes: 100_000 })
      expect(server.attributeCalls.length).toBe(n) // an explicit limit is not looked up
      expect(fixed.maxMessageBytes).toBe(100_000)
      expect(Math.max(...acceptedOn(given).map((e) => Buffer.byteLength(e.MessageBody)))).toBeLessThanOrEqual(100_000)
      expect(server.violations).toEqual([])
    } finally {
      server.maxBytes = 262_144
      server.attributesError = undefined
    }
  })

  it('onSettled reports, in source order, the last row of each prefix every message of which has settled', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => ({ bucket: 'b', key: `k${i}` }))
    const url = queue()
    // Later batches answer first: a report may only follow once every earlier batch has settled.
    server.plan = (call) => (call.queueUrl === url ? { delayMs: call.n % 3 === 0 ? 120 : 5 } : undefined)
    const seen: string[] = []
    const counts: number[] = []
    const settledWhen: number[] = []
    try {
      await enqueue(rows, {
        queueUrl: url,
        client,
        concurrency: 4,
        onSettled: (r, items) => {
          seen.push(r.key)
          counts.push(items)
          settledWhen.push(acceptedOn(url).length)
        },
      })
    } finally {
      server.plan = () => undefined
    }
    // One report per batch of 10 messages, in order, each after its rows were accepted.
    expect(seen).toEqual(rows.filter((_, i) => i % 10 === 9).map((r) => r.key))
    expect(counts).toEqual(seen.map((_, i) => (i + 1) * 10))
    settledWhen.forEach((accepted, i) => expect(accepted).toBeGreaterThanOrEqual((i + 1) * 10))
  })

  it('a message that cannot fit is MESSAGE_TOO_LARGE naming its key', async () => {
    const rows = [{ key: 'small' }, { key: 'huge/one.bin' }, { key: 'after' }]
    const url = queue()
    const err = await enqueue(rows, { queueUrl: url, client, toMessage: ([r]) => (r.key === 'huge/one.bin' ? 'y'.repeat(262_145) : r.key) }).catch((e) => e)
    expect(err).toMatchObject({ name: 'S3InventoryError', code: 'MESSAGE_TOO_LARGE', key: 'huge/one.bin' })
    expect(formatError(err)).toContain('262145 bytes')
    expect(server.violations).toEqual([])
  })

  it('a body with characters SQS rejects is MESSAGE_INVALID, before anything is sent', async () => {
    const url = queue()
    const err = await enqueue([{ key: 'ctl' }], { queueUrl: url, client, toMessage: () => 'bell\u0007' }).catch((e) => e)
    expect(err).toMatchObject({ code: 'MESSAGE_INVALID', key: 'ctl', actual: 'U+0007' })
    expect(callsTo(url)).toEqual([])
  })

  it('retries entries reported in Failed[] of a 200 response, then succeeds', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({ bucket: 'b', key: `k${i}` }))
    const url = queue()
    const failedOnce = new Set(['k3', 'k7', 'k14'])
    server.plan = (call) =>
      call.queueUrl === url
        ? { fail: (e) => (failedOnce.delete(JSON.parse(e.MessageBody).key) ? { Code: 'InternalError', SenderFault: false } : undefined) }
        : undefined
    try {
      const result = await enqueue(rows, { queueUrl: url, client, concurrency: 1, retry: { minDelayMs: 1, maxDelayMs: 5 } })
      expect(result).toMatchObject({ sent: 20, failed: [], batches: 2, requests: 4 })
      const calls = callsTo(url)
      // The retries carry only the failed entries, with fresh Ids.
      expect(calls.map((c) => c.entries.map((e) => JSON.parse(e.MessageBody).key))).toEqual([
        rows.slice(0, 10).map((r) => r.key),
        ['k3', 'k7'],
        rows.slice(10).map((r) => r.key),
        ['k14'],
      ])
      expect(calls[1].entries.map((e) => e.Id)).toEqual(['0', '1'])
      expect(sorted(acceptedOn(url).map((e) => JSON.parse(e.MessageBody).key))).toEqual(sorted(rows.map((r) => r.key)))
    } finally {
      server.plan = () => undefined
    }
  })

  it('entries that keep failing are returned in the result; sender faults are not retried', async () => {
    const rows = ['ok1', 'flaky-forever', 'ok2', 'bad-request', 'ok3'].map((key) => ({ bucket: 'b', key }))
    const url = queue()
    server.plan = (call) =>
      call.queueUrl === url
        ? {
            fail: (e) => {
              const key = JSON.parse(e.MessageBody).key
              if (key === 'flaky-forever') return { Code: 'ServiceUnavailable', SenderFault: false, Message: 'try later' }
              if (key === 'bad-request') return { Code: 'InvalidParameterValue', SenderFault: true, Message: 'nope' }
              return undefined
            },
          }
        : undefined
    try {
      const result = await enqueue(rows, { queueUrl: url, client, retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 } })
      expect(result.sent).toBe(3)
      expect(result.failed).toHaveLength(2)
      const byKey = Object.fromEntries(result.failed.map((f) => [f.key, f]))
      expect(byKey['flaky-forever']).toMatchObject({ code: 'ServiceUnavailable', message: 'try later', senderFault: false, attempts: 3, keys: ['flaky-forever'] })
      expect(byKey['flaky-forever'].rows).toEqual([rows[1]])
      expect(byKey['bad-request']).toMatchObject({ code: 'InvalidParameterValue', senderFault: true, attempts: 1 })
      expect(JSON.parse(byKey['bad-request'].body)).toEqual({ bucket: 'b', key: 'bad-request' })
      // 1 call + 2 retries of the flaky entry alone; the sender fault was never sent again.
      expect(callsTo(url).map((c) => c.entries.length)).toEqual([5, 1, 1])
    } finally {
      server.plan = () => undefined
    }
  })

  it('retries a failed request (HTTP 500) and stops at once on QueueDoesNotExist', async () => {
    const url = queue()
    let first = true
    server.plan = (call) => {
      if (call.queueUrl === url && first) {
        first = false
        return { error: { status: 500, type: 'InternalError', message: 'boom' } }
      }
      if (call.queueUrl.endsWith('/missing')) return { error: { status: 400, type: 'QueueDoesNotExist', message: 'The specified queue does not exist.', queryCode: 'AWS.SimpleQueueService.NonExistentQueue' } }
      return undefined
    }
    try {
      const result = await enqueue([{ key: 'a' }, { key: 'b' }], { queueUrl: url, client, retry: { minDelayMs: 1, maxDelayMs: 5 } })
      expect(result).toMatchObject({ sent: 2, requests: 2, failed: [] })
      const missing = server.queueUrl('missing')
      const rows = Array.from({ length: 100 }, (_, i) => ({ key: `m${i}` }))
      await expect(enqueue(rows, { queueUrl: missing, client, concurrency: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND', resource: missing })
      expect(callsTo(missing)).toHaveLength(1)
    } finally {
      server.plan = () => undefined
    }
  })

  it('FIFO queues get a valid MessageGroupId and MessageDeduplicationId (default: SHA-256 of the body)', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => ({ bucket: 'b', key: `f${i}` }))
    const url = queue('.fifo')
    await enqueue(rows, { queueUrl: url, client })
    expect(server.violations).toEqual([])
    const got = acceptedOn(url)
    expect(got).toHaveLength(12)
    for (const e of got) {
      expect(e.MessageDeduplicationId).toBe(createHash('sha256').update(e.MessageBody).digest('hex'))
      expect(e.MessageGroupId).toMatch(/^[\x21-\x7E]{1,128}$/)
    }

    const url2 = queue('.fifo')
    await enqueue(rows, { queueUrl: url2, client, messageGroupId: 'inventory', deduplicationId: (m) => `dedup-${JSON.parse(m.body).key}` })
    expect(acceptedOn(url2).map((e) => [e.MessageGroupId, e.MessageDeduplicationId])).toEqual(expect.arrayContaining(rows.map((r) => ['inventory', `dedup-${r.key}`])))

    const err = await enqueue(rows, { queueUrl: queue('.fifo'), client, messageGroupId: 'has space' }).catch((e) => e)
    expect(err).toMatchObject({ code: 'MESSAGE_INVALID', column: 'MessageGroupId' })
  })

  it('packs N rows per message: JSON arrays by default (closed early at the size limit), or a custom toMessage', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => ({ bucket: 'b', key: `p${i}` }))
    const url = queue()
    const r = await enqueue(rows, { queueUrl: url, client, rowsPerMessage: 10 })
    expect(r).toMatchObject({ sent: 3, sentRows: 25 })
    const arrays = acceptedOn(url).map((e) => JSON.parse(e.MessageBody) as { key: string }[])
    expect(arrays.map((a) => a.length).sort()).toEqual([10, 10, 5])
    expect(sorted(arrays.flat().map((x) => x.key))).toEqual(sorted(rows.map((x) => x.key)))

    // 1,024-byte keys and a 5,000-byte limit: at most 4 per message, whatever rowsPerMessage says.
    const long = Array.from({ length: 9 }, (_, i) => ({ key: `${i}`.padEnd(1024, 'k') }))
    const url2 = queue()
    await enqueue(long, { queueUrl: url2, client, rowsPerMessage: 100, maxMessageBytes: 5000 })
    const sizes = acceptedOn(url2).map((e) => (JSON.parse(e.MessageBody) as unknown[]).length)
    expect(sizes.sort()).toEqual([1, 4, 4])
    expect(Math.max(...acceptedOn(url2).map((e) => Buffer.byteLength(e.MessageBody)))).toBeLessThanOrEqual(5000)

    const url3 = queue()
    const seen: number[] = []
    await enqueue(rows, { queueUrl: url3, client, rowsPerMessage: 7, toMessage: (chunk) => (seen.push(chunk.length), chunk.map((x) => x.key).join('\n')) })
    expect(seen).toEqual([7, 7, 7, 4])
    expect(acceptedOn(url3).map((e) => e.MessageBody.split('\n').length).sort()).toEqual([4, 7, 7, 7])
  })

  it('backpressure: a slow SendMessageBatch keeps the reader at most a few batches ahead', async () => {
    const url = queue()
    let pulled = 0
    const ahead: number[] = []
    server.plan = (call) => {
      if (call.queueUrl !== url) return undefined
      ahead.push(pulled - acceptedOn(url).length)
      return { delayMs: 40 }
    }
    async function* source() {
      for (let i = 0; i < 300; i++) {
        pulled++
        yield { bucket: 'b', key: `bp${i}` }
      }
    }
    server.maxActive = 0
    try {
      const r = await enqueue(source(), { queueUrl: url, client, concurrency: 2 })
      expect(r.sent).toBe(300)
      // Unconfirmed rows: 2 batches in flight (20) + one full batch waiting for a free slot (10).
      expect(Math.max(...ahead)).toBeLessThanOrEqual(30)
      expect(Math.max(...ahead)).toBeGreaterThanOrEqual(20)
      expect(server.maxActive).toBeLessThanOrEqual(2)
    } finally {
      server.plan = () => undefined
    }
  })

  it('abort: rejects with the signal reason at once and cancels the requests in flight', async () => {
    const url = queue()
    server.plan = (call) => (call.queueUrl === url ? { delayMs: 5_000 } : undefined)
    const ac = new AbortController()
    let pulled = 0
    async function* endless() {
      for (let i = 0; ; i++) {
        pulled++
        yield { key: `e${i}` }
      }
    }
    try {
      const p = enqueue(endless(), { queueUrl: url, client, signal: ac.signal, concurrency: 3 })
      setTimeout(() => ac.abort(), 100)
      const t0 = Date.now()
      await expect(p).rejects.toHaveProperty('name', 'AbortError')
      expect(Date.now() - t0).toBeLessThan(2_000)
      expect(pulled).toBeLessThanOrEqual(41)
      expect(acceptedOn(url)).toEqual([])
    } finally {
      server.plan = () => undefined
    }
  })
})

describe('enqueue from an inventory on the local S3 server, and the CLI', async () => {
  const root = await tmpDir('sqs')
  const rows = makeRows({ count: 420, seed: 21 })
  let f: InventoryFixture
  let bucket = ''
  const s3 = s3Client()
  afterAll(() => s3.destroy())

  beforeAll(async () => {
    f = await writeInventory({ root, format: 'CSV', rows, filesRows: [150, 170, 100] })
    bucket = await freshBucket(s3, 'sqs')
    await putObjects(s3, bucket, f.objects)
  })

  it('reads the inventory (through batches()) and sends each row exactly once', async () => {
    const url = queue()
    const result = await enqueue(readInventory({ bucket, key: f.manifestKey }, { client: s3 }), { queueUrl: url, client })
    expect(result).toMatchObject({ sent: 420, rows: 420, failed: [] })
    expect(sorted(acceptedOn(url).map((e) => e.MessageBody))).toEqual(sorted(rows.map((r) => JSON.stringify(expectedBody(r)))))
  })

  it('enqueues one message per shard', async () => {
    const url = queue()
    const shards = await listShards({ bucket, key: f.manifestKey }, { client: s3 })
    const result = await enqueue(shards, { queueUrl: url, client })
    expect(result.sent).toBe(3)
    expect(acceptedOn(url).map((e) => parseShard(e.MessageBody)).sort((a, b) => a.fileIndex - b.fileIndex)).toEqual(shards)
  })

  const run = (args: string[]) => runCli(args, s3env)

  it('s3inv enqueue: filters, packs keys and prints a summary', async () => {
    const url = queue()
    const { code, stderr } = await run(['enqueue', `s3://${bucket}/${f.manifestKey}`, '--endpoint-url', inject('s3Endpoint'), '--queue-url', url, '--suffix', '.png', '--keys-per-message', '5'])
    expect(code, stderr).toBe(0)
    const png = rows.filter((r) => r.key.endsWith('.png'))
    expect(png.length).toBeGreaterThan(10)
    const got = acceptedOn(url).flatMap((e) => JSON.parse(e.MessageBody) as Record<string, unknown>[])
    expect(sorted(got.map((g) => JSON.stringify(g)))).toEqual(sorted(png.map((r) => JSON.stringify(expectedBody(r)))))
    expect(stderr).toMatch(new RegExp(`^s3inv: enqueued ${png.length} rows in ${Math.ceil(png.length / 5)} messages \\(\\d+ batches, \\d+ requests, up to 262144 bytes each\\), 0 messages failed, in [\\d.]+ s$`, 'm'))
  })

  it("s3inv enqueue packs to the queue's MaximumMessageSize (1 MiB here), or to --max-message-bytes", async () => {
    server.maxBytes = 1_048_576
    try {
      const url = queue()
      const r = await run(['enqueue', f.manifestPath, '--queue-url', url, '--keys-per-message', '100000'])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toContain('up to 1048576 bytes each')
      expect(acceptedOn(url).flatMap((e) => JSON.parse(e.MessageBody) as unknown[]).length).toBe(rows.length)
      const capped = queue()
      const c = await run(['enqueue', f.manifestPath, '--queue-url', capped, '--keys-per-message', '100000', '--max-message-bytes', '64KiB'])
      expect(c.code, c.stderr).toBe(0)
      expect(Math.max(...acceptedOn(capped).map((e) => Buffer.byteLength(e.MessageBody)))).toBeLessThanOrEqual(65_536)
      expect(server.violations).toEqual([])
    } finally {
      server.maxBytes = 262_144
    }
  })

  it('s3inv enqueue --failed-out - lists the failed messages on stdout (NDJSON)', async () => {
    const url = queue()
    server.plan = (call) => (call.queueUrl === url ? { fail: (e) => (e.Id === '0' ? { Code: 'InvalidParameterValue', SenderFault: true, Message: 'bad' } : undefined) } : undefined)
    try {
      const r = await run(['enqueue', f.manifestPath, '--queue-url', url, '--failed-out', '-', '--keys-per-message', '50'])
      expect(r.code).toBe(1)
      const failed = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l))
      expect(failed.length).toBeGreaterThan(0)
      expect(failed.every((x: { code: string }) => x.code === 'InvalidParameterValue')).toBe(true)
      expect(r.stderr).toMatch(new RegExp(`^s3inv: SQS_ERROR: ${failed.length} messages could not be sent \\(listed in standard output\\)`, 'm'))
    } finally {
      server.plan = () => undefined
    }
  })

  it('s3inv enqueue: messages that fail for good are listed, written to --failed-out, and exit 1', async () => {
    const url = queue()
    const out = path.join(root, 'failed.ndjson')
    server.plan = (call) => (call.queueUrl === url ? { fail: (e) => (e.MessageBody.includes('"key":"with space') ? { Code: 'InvalidParameterValue', SenderFault: true } : undefined) } : undefined)
    try {
      const { code, stderr } = await run(['enqueue', f.manifestPath, '--queue-url', url, '--failed-out', out])
      expect(code).toBe(1)
      expect(stderr).toContain('s3inv: not sent: InvalidParameterValue (sender fault): with space/and two  spaces.txt')
      expect(stderr).toMatch(/s3inv: SQS_ERROR: 1 messages could not be sent/)
      const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
      expect(lines).toEqual([expect.objectContaining({ code: 'InvalidParameterValue', keys: ['with space/and two  spaces.txt'] })])
      expect(acceptedOn(url)).toHaveLength(rows.length - 1)
    } finally {
      server.plan = () => undefined
    }
  })

  it('s3inv enqueue --shards sends one shard per data file; filters with --shards are a usage error', async () => {
    const url = queue()
    const { code, stderr } = await run(['enqueue', f.manifestPath, '--queue-url', url, '--shards'])
    expect(code, stderr).toBe(0)
    expect(acceptedOn(url).map((e) => parseShard(e.MessageBody).fileIndex).sort()).toEqual([0, 1, 2])
    expect(stderr).toMatch(/^s3inv: enqueued 3 shards in 3 messages/m)
    const bad = await run(['enqueue', f.manifestPath, '--queue-url', url, '--shards', '--suffix', '.png'])
    expect(bad.code).toBe(2)
  })
})
