/**
 * Backpressure reaches the network, and cancellation closes it: measured at a TCP proxy between the
 * real SDK client and the local S3 server.
 */
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { readInventory } from '../src/index.js'
import { startProxy, type Proxy } from './support/proxy.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { steady, until } from './support/wait.js'

const ROWS = 200_000

describe('backpressure and cancellation over S3', () => {
  let proxy: Proxy
  let bucket = ''
  let fileSize = 0
  const manifestKey = 'inv/src/cfg/2026-11-20T01-00Z/manifest.json'

  beforeAll(async () => {
    const direct = s3Client()
    bucket = await freshBucket(direct, 'pressure')
    // Random keys compress poorly, so the object is large compared with every buffer on the way.
    const lines: string[] = []
    for (let i = 0; i < ROWS; i++) lines.push(`"b","${randomBytes(60).toString('base64url')}","${i}"\n`)
    const data = gzipSync(lines.join(''), { level: 1 })
    fileSize = data.length
    const files = [0, 1, 2, 3].map((i) => ({ key: `inv/src/cfg/data/part-${i}.csv.gz`, size: data.length, MD5checksum: createHash('md5').update(data).digest('hex') }))
    const manifest = { sourceBucket: 'src', destinationBucket: `arn:aws:s3:::${bucket}`, version: '2016-11-30', creationTimestamp: '1', fileFormat: 'CSV', fileSchema: 'Bucket, Key, Size', files }
    await putObjects(direct, bucket, [...files.map((f) => [f.key, data] as [string, Buffer]), [manifestKey, Buffer.from(JSON.stringify(manifest))]])
    direct.destroy()
    proxy = await startProxy(inject('s3Endpoint'))
  }, 120_000)
  afterAll(() => proxy?.close())

  it('a consumer that pauses stops the downloads; resuming loses nothing', async () => {
    const client = s3Client(proxy.url)
    const start = proxy.bytes
    let rows = 0
    let atPause = 0
    let later = 0
    for await (const row of readInventory({ bucket, key: manifestKey }, { client, concurrency: 2 })) {
      if (rows === 1000) {
        // Every buffer on the way fills, then nothing moves: no byte for 300 ms…
        atPause = await steady(() => proxy.bytes - start, 300)
        // …nor for a second more while the consumer stays paused.
        await until(() => proxy.bytes - start !== atPause, 1000)
        later = proxy.bytes - start
      }
      if (row.size !== rows % ROWS) throw new Error(`row ${rows}: size ${row.size}`) // (expect() per row is slow)
      rows++
    }
    client.destroy()
    expect(rows).toBe(4 * ROWS)
    expect(later).toBe(atPause) // nothing more came from the server while paused
    // …and what did come is what fits in two connections' buffers (mostly the kernel's socket buffers),
    // not the inventory.
    expect(atPause).toBeLessThan(2 * fileSize)
    expect(proxy.bytes - start).toBeGreaterThanOrEqual(4 * fileSize)
    console.log(`paused after 1,000 rows with ${(atPause / 2 ** 20).toFixed(1)} MiB of ${((4 * fileSize) / 2 ** 20).toFixed(1)} MiB received`)
  })

  it('break closes the data connections', async () => {
    // The previous test's sockets close a few turns after its client is destroyed.
    expect(await until(() => proxy.open === 0)).toBe(true)
    const before = proxy.open
    const client = s3Client(proxy.url)
    let n = 0
    let during = 0
    for await (const _ of readInventory({ bucket, key: manifestKey }, { client, concurrency: 2 })) {
      during = Math.max(during, proxy.open)
      if (++n === 10) break
    }
    // Both data GETs were open while reading…
    expect(during - before).toBeGreaterThanOrEqual(2)
    // …and once the loop is left they are cut off (their sockets destroyed) while the client is still
    // alive: what may stay open is at most the one idle keep-alive socket of the manifest reads. A
    // reader left running (paused by backpressure) would keep its socket open here.
    expect(await until(() => proxy.open - before <= 1)).toBe(true)
    const received = proxy.bytes
    expect(await until(() => proxy.bytes !== received, 500)).toBe(false) // nothing more arrives
    client.destroy() // closes the client's idle keep-alive sockets too
    expect(await until(() => proxy.open === before)).toBe(true)
  })

  it('break leaves nothing pending: a process that breaks out exits on its own', async () => {
    const script = `
      import { readInventory } from ${JSON.stringify(path.resolve('src/index.ts'))}
      import { S3Client } from '@aws-sdk/client-s3'
      const client = new S3Client({ endpoint: process.env.ENDPOINT, region: 'us-east-1', forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' })
      let n = 0
      for await (const row of readInventory({ bucket: process.env.BUCKET, key: process.env.KEY }, { client, concurrency: 2 })) if (++n === 5) break
      const pending = process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate')
      console.log(JSON.stringify({ n, pending }))
    `
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, ENDPOINT: proxy.url, BUCKET: bucket, KEY: manifestKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    const started = Date.now()
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
      child.on('exit', (c) => {
        clearTimeout(timer)
        resolve(c)
      })
    })
    expect(code, err).toBe(0)
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ n: 5, pending: [] })
    expect(Date.now() - started).toBeLessThan(15_000)
  })
})
