/** Bounded buffering with a slow consumer, and corrupt data files through the whole reader. */
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { csvFileSchema, csvGz, makeRows, writeInventory } from '../fixtures/generate.js'
import { readInventory } from '../src/index.js'
import { collect, tmpDir } from './support/tmp.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex')

describe('a slow consumer', async () => {
  const root = await tmpDir('slow')
  const rows = makeRows({ count: 160_000, seed: 41, hardKeys: false })
  const f = await writeInventory({ root, format: 'CSV', rows, filesRows: [20_000] })
  const total = f.dataKeys.reduce((n, k) => n + f.objects.get(k)!.length, 0)

  it('keeps what is read ahead under concurrency × (bufferRows + one batch) plus read chunks', async () => {
    const concurrency = 2
    const bufferRows = 1000
    const stream = readInventory(f.manifestPath, { concurrency, bufferRows })
    const perRow = total / rows.length
    // Each file: bufferRows rows queued, a batch being built (a 64 KiB decompressed chunk ≈ 300 rows),
    // one 256 KiB read chunk in the decompressor and one in the file stream.
    const bound = concurrency * ((bufferRows + 600) * perRow + 2 * 256 * 1024)
    let n = 0
    let atPause = 0
    for await (const _ of stream) {
      n++
      if (n % 200 === 0) await sleep(5) // slow: about 40,000 rows/s at most
      if (n === 3000) {
        atPause = stream.progress.bytesRead
        await sleep(400)
        expect(stream.progress.bytesRead).toBe(atPause)
      }
      if (n === 6000) break
    }
    console.log(`read ahead: ${(atPause / 1024).toFixed(0)} KiB of ${(total / 1024).toFixed(0)} KiB (bound ${(bound / 1024).toFixed(0)} KiB)`)
    expect(atPause).toBeLessThan(bound)
    expect(atPause).toBeLessThan(total / 3)
  })
})

describe('rows kept by the caller', async () => {
  const root = await tmpDir('kept')
  const rows = makeRows({ count: 120_000, seed: 44, hardKeys: false })
  const csv = await writeInventory({ root, format: 'CSV', rows, filesRows: [30_000] })
  const parquet = await writeInventory({ root, format: 'Parquet', rows, filesRows: [30_000] })
  const dist = process.env.S3INV_DIST ?? path.resolve('dist/index.js')

  /**
   * Heap growth (after GC) of a process that reads the inventory and keeps every 400th row. The
   * process runs as `node --input-type=module -e …`, whose flags a worker thread inherits.
   */
  const keepSome = (manifest: string, options: object) =>
    new Promise<{ n: number; kept: number; grown: number }>((resolve, reject) => {
      const script = `const { readInventory } = await import(${JSON.stringify(dist)})
        const kept = []; let n = 0
        gc(); const base = process.memoryUsage().heapUsed
        for await (const r of readInventory(${JSON.stringify(manifest)}, ${JSON.stringify(options)})) if (n++ % 400 === 0) kept.push(r)
        gc(); gc()
        console.log(JSON.stringify({ n, kept: kept.length, grown: process.memoryUsage().heapUsed - base }))`
      const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      child.on('error', reject)
      child.on('close', (code) => {
        try {
          resolve(JSON.parse(out))
        } catch {
          reject(new Error(`child exited with ${code}, printed ${JSON.stringify(out)}`))
        }
      })
    })

  // V8 makes a slice of 13+ chars a view into its parent string: a key cut from a chunk's text would
  // keep the whole 64 KiB chunk alive, and keeping 1 row in 400 would keep all of the text.
  for (const [name, manifest, options] of [
    ['CSV', csv.manifestPath, {}],
    ['CSV, workers', csv.manifestPath, { workers: true }],
    ['Parquet', parquet.manifestPath, {}],
  ] as const) {
    it(`do not pin the text they were decoded from (${name})`, async () => {
      const r = await keepSome(manifest, options)
      expect(r).toMatchObject({ n: rows.length, kept: rows.length / 400 })
      // 300 rows of a few hundred bytes each; the text of the inventory is ~30 MB.
      expect(r.grown).toBeLessThan(6 * 1024 * 1024)
    }, 60_000)
  }
})

describe('corrupt data files are typed errors, never partial listings presented as complete', async () => {
  const root = await tmpDir('corrupt')
  const rows = makeRows({ count: 200, seed: 43, hardKeys: false })
  const fields = Object.keys(rows[0])

  /** A one-file CSV inventory whose data file is `bytes` (manifest size and MD5 match them). */
  async function inventoryWith(name: string, bytes: Buffer, schema = csvFileSchema(fields)): Promise<string> {
    const dir = path.join(root, name)
    await mkdir(dir, { recursive: true })
    await writeFile(path.join(dir, 'data.csv.gz'), bytes)
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({
      sourceBucket: 's', destinationBucket: 'arn:aws:s3:::d', version: '2016-11-30', creationTimestamp: '1', fileFormat: 'CSV', fileSchema: schema,
      files: [{ key: 'data.csv.gz', size: bytes.length, MD5checksum: md5(bytes) }],
    }))
    return path.join(dir, 'manifest.json')
  }

  it.each([
    ['garbage bytes', () => randomBytes(5000), 'GZIP_CORRUPT'],
    ['a truncated gzip', () => csvGz(rows, fields).subarray(0, 1500), 'GZIP_CORRUPT'],
    ['a gzip with garbage after it', () => Buffer.concat([csvGz(rows, fields), Buffer.from('not gzip')]), 'GZIP_CORRUPT'],
    ['a row with a missing field', () => gzipSync(`"b","k","1"\n"b","k2"\n`), 'CSV_MALFORMED'],
    ['an empty file', () => Buffer.alloc(0), 'GZIP_CORRUPT'],
    ['invalid UTF-8 in a key', () => gzipSync(Buffer.concat([Buffer.from('"b","k1","1"\n"b","k\xff', 'latin1'), Buffer.from('é","2"\n"b","k3","3"\n')])), 'CSV_MALFORMED'],
  ])('%s → %s', async (name, make, code) => {
    const bytes = make()
    const schema = /missing field|UTF-8/.test(name) ? 'Bucket, Key, Size' : undefined
    const manifest = await inventoryWith(name.replace(/\W+/g, '-'), bytes, schema)
    const seen: unknown[] = []
    const err = await (async () => {
      for await (const r of readInventory(manifest)) seen.push(r)
    })().catch((e) => e)
    expect(err).toMatchObject({ code, key: path.join(path.dirname(manifest), 'data.csv.gz') })
    expect(seen.length).toBeLessThan(rows.length)
  })

  it('an empty gzip member (zero rows) is a valid empty data file', async () => {
    const manifest = await inventoryWith('empty-gzip', gzipSync(''))
    expect(await collect(readInventory(manifest))).toEqual([])
  })
})
