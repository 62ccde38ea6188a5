/**
 * Local data files of 8 MiB or more are hashed on a helper thread that reads the file itself
 * (sources/md5.ts, ByteSource.md5), while a Parquet or ORC reader fetches only what it decodes. The checks must be
 * the ones the in-process hash makes: every byte, mismatches before the last rows, aborts that stop it.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { open, readFile, truncate, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeRows, writeInventory, type Row } from '../fixtures/generate.js'
import { readInventory, S3InventoryError } from '../src/index.js'
import { localSource } from '../src/sources/local.js'
import { md5OfFile, OFF_THREAD_BYTES } from '../src/sources/md5.js'
import { collect, tmpDir } from './support/tmp.js'

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex')
// Enough rows for a file over 8 MiB in each format (ORC compresses best). CSV.gz is hashed as its bytes
// pass (they go through the caller's thread for gunzip anyway): hashing it off-thread measured no faster.
const manyRows: Row[] = makeRows({ count: 200_000, seed: 91, hardKeys: true })
const rowsFor = (format: string) => (format === 'ORC' ? manyRows : manyRows.slice(0, 150_000))

describe('md5OfFile', async () => {
  const root = await tmpDir('md5-file')
  const file = path.join(root, 'big.bin')
  const bytes = Buffer.alloc(3 * 1024 * 1024 + 17)
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24
  await writeFile(file, bytes)

  it('is the MD5 of every byte, read on the helper thread', async () => {
    const fh = await open(file)
    try {
      expect(await md5OfFile(fh.fd, bytes.length, file)).toEqual({ md5: md5(bytes), size: bytes.length })
      // A size past the end: the bytes it had, and their hash (the caller compares both with the manifest).
      expect(await md5OfFile(fh.fd, bytes.length + 100, file)).toEqual({ md5: md5(bytes), size: bytes.length })
    } finally {
      await fh.close()
    }
  })

  it('rejects with the abort reason', async () => {
    const fh = await open(file)
    try {
      const ac = new AbortController()
      const reason = new Error('stop')
      ac.abort(reason)
      await expect(md5OfFile(fh.fd, bytes.length, file, ac.signal)).rejects.toBe(reason)
    } finally {
      await fh.close()
    }
  })

  it('is a typed IO_ERROR on a file descriptor that cannot be read', async () => {
    const fh = await open(root) // a directory: read() fails with EISDIR
    try {
      const err = await md5OfFile(fh.fd, 10, root).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(S3InventoryError)
      expect(err).toMatchObject({ code: 'IO_ERROR', key: root, offset: 0 })
    } finally {
      await fh.close()
    }
  })

  it('hashes files in turn, so a small file is not held behind a large one, and an abort before the start is at once', async () => {
    // A sparse 256 MiB file: zeros read fast, but hashing them takes a few hundred ms.
    const big = path.join(root, 'sparse.bin')
    await writeFile(big, '')
    await truncate(big, 256 * 1024 * 1024)
    const [fb, fs] = await Promise.all([open(big), open(file)])
    try {
      const order: string[] = []
      const ac = new AbortController()
      const large = md5OfFile(fb.fd, 256 * 1024 * 1024, big).then(() => order.push('large'))
      const small = md5OfFile(fs.fd, bytes.length, file).then(() => order.push('small'))
      const withdrawn = md5OfFile(fs.fd, bytes.length, file, ac.signal).catch((e: unknown) => order.push(`withdrawn: ${(e as Error).message}`))
      ac.abort(new Error('not needed'))
      await Promise.all([large, small, withdrawn])
      expect(order).toEqual(['withdrawn: not needed', 'small', 'large'])
    } finally {
      await Promise.all([fb.close(), fs.close()])
    }
  })

  it('is DATA_SIZE_MISMATCH when the file shrinks while it is hashed', async () => {
    const big = path.join(root, 'shrinks.bin')
    await writeFile(big, '')
    await truncate(big, 256 * 1024 * 1024)
    const hashing = localSource(big, { size: 256 * 1024 * 1024 }).md5!()
    await new Promise((r) => setTimeout(r, 20))
    await truncate(big, 10 * 1024 * 1024)
    // The helper stops where the file now ends, or where it had read to: either way short of the manifest's size.
    const err = await hashing.catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'DATA_SIZE_MISMATCH', key: big, expected: `${256 * 1024 * 1024} bytes` })
    expect(Number.parseInt((err as S3InventoryError).actual!, 10)).toBeLessThan(256 * 1024 * 1024)
  })

  it('is offered only by local sources verified against a size of 8 MiB or more', () => {
    expect(localSource(file, { size: OFF_THREAD_BYTES }).md5).toBeTypeOf('function')
    expect(localSource(file, { size: OFF_THREAD_BYTES - 1 }).md5).toBeUndefined()
    expect(localSource(file).md5).toBeUndefined()
  })
})

describe.each(['Parquet', 'ORC'] as const)('%s: a local data file of 8 MiB or more', async (format) => {
  const rows = rowsFor(format)
  // Under the default read size (16 MiB) a whole file is fetched at once and hashed with its footer.
  const o = { readSize: 1 << 20 }
  const root = await tmpDir(`md5-${format}`)
  const f = await writeInventory({ root, format, rows })
  const dataPath = path.join(root, f.dataKeys[0])
  const manifestPath = f.manifestPath
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8'))

  /** A copy of the inventory whose manifest says `MD5checksum`, or whose data file has one byte changed at `flip`. */
  const variant = async (name: string, change: { md5?: string; flip?: number }) => {
    const dir = await tmpDir(`md5-${format}-${name}`)
    const g = await writeInventory({ root: dir, format, rows })
    const data = path.join(dir, g.dataKeys[0])
    if (change.flip !== undefined) {
      const b = await readFile(data)
      b[change.flip] ^= 0x01
      await writeFile(data, b)
    }
    if (change.md5 !== undefined) {
      const m = JSON.parse(await readFile(g.manifestPath, 'utf8'))
      m.files[0].MD5checksum = change.md5
      await writeFile(g.manifestPath, JSON.stringify(m))
      await writeFile(g.manifestPath.replace(/manifest\.json$/, 'manifest.checksum'), md5(await readFile(g.manifestPath)))
    }
    return g.manifestPath
  }

  it('is large enough for the helper thread, and reads every row', async () => {
    expect(manifest.files[0].size).toBeGreaterThanOrEqual(OFF_THREAD_BYTES)
    const got = await collect(readInventory(manifestPath, o))
    expect(got.length).toBe(rows.length)
    expect(got.at(-1)!.key).toBe(rows.at(-1)!.key)
  })

  it('fails with DATA_CHECKSUM_MISMATCH, before the last rows, when the MD5 differs', async () => {
    const bad = await variant('md5', { md5: '0'.repeat(32) })
    let n = 0
    const err = await (async () => {
      for await (const _ of readInventory(bad, o)) n++
    })().catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'DATA_CHECKSUM_MISMATCH', expected: '0'.repeat(32), actual: manifest.files[0].MD5checksum })
    expect(n).toBeLessThan(rows.length)
  })

  it('hashes the bytes a projection never fetches', async () => {
    // A byte in the middle of the file: in the key column's data (not fetched for `columns: ['size']`).
    const size = (await readFile(dataPath)).length
    const bad = await variant('flip', { flip: Math.floor(size / 3) })
    const err = await collect(readInventory(bad, { ...o, columns: ['size'] })).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(S3InventoryError)
    expect((err as S3InventoryError).code).toBe('DATA_CHECKSUM_MISMATCH')
  })

  it('counts the hashed bytes as read (progress)', async () => {
    const stream = readInventory(manifestPath, { ...o, columns: ['size'] })
    await collect(stream)
    expect(stream.progress.bytesRead).toBeGreaterThanOrEqual(manifest.files[0].size)
  })

  /** A node child running `script` (an ES module) against the built library: its stdout, parsed. */
  const child = (flags: string[], script: string) =>
    new Promise<unknown>((resolve, reject) => {
      const p = spawn(process.execPath, [...flags, '--no-warnings', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      p.stdout.on('data', (d) => (stdout += d))
      p.stderr.on('data', (d) => (stderr += d))
      p.on('error', reject)
      p.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`exit ${code}: ${stderr}`))))
    })
  const readBoth = async (bad: string, extra = '') => {
    const dist = process.env.S3INV_DIST ?? path.resolve('dist/index.js')
    return `const { readInventory } = await import(${JSON.stringify(dist)})
      let n = 0
      for await (const _ of readInventory(${JSON.stringify(manifestPath)}, { readSize: ${o.readSize} })) n++
      const err = await (async () => { for await (const _ of readInventory(${JSON.stringify(bad)}, { readSize: ${o.readSize} })); })().catch((e) => e)
      console.log(JSON.stringify({ n, code: err?.code${extra} }))`
  }

  it('hashes on the caller\'s thread where no helper thread may start (Node\'s permission model)', async () => {
    const bad = await variant('perm', { md5: '0'.repeat(32) })
    expect(await child(['--experimental-permission', '--allow-fs-read=*'], await readBoth(bad))).toEqual({ n: rows.length, code: 'DATA_CHECKSUM_MISMATCH' })
  })

  it('hashes on the caller\'s thread when the helper thread dies with files in flight, and still catches a wrong MD5', async () => {
    const bad = await variant('crash', { md5: '0'.repeat(32) })
    // Every helper thread is terminated as soon as it is given a file (the way a crash looks to the caller).
    const preload = path.join(root, 'crash-helper.cjs')
    await writeFile(
      preload,
      `const wt = require('node:worker_threads')
      globalThis.killed = 0
      class Dying extends wt.Worker {
        postMessage(m, t) { super.postMessage(m, t); if (m && m.fd !== undefined) { globalThis.killed++; void this.terminate() } }
      }
      wt.Worker = Dying
      require('node:module').syncBuiltinESMExports()`,
    )
    const got = (await child(['--require', preload], await readBoth(bad, ', killed: globalThis.killed'))) as { killed: number }
    expect(got).toMatchObject({ n: rows.length, code: 'DATA_CHECKSUM_MISMATCH' })
    expect(got.killed).toBeGreaterThanOrEqual(2) // both reads lost their helper
  })

  it('stops on break and on abort, and the next read is verified again', async () => {
    let n = 0
    for await (const _ of readInventory(manifestPath, o)) if (++n === 10) break
    const ac = new AbortController()
    const reason = new Error('enough')
    let m = 0
    const err = await (async () => {
      for await (const _ of readInventory(manifestPath, { ...o, signal: ac.signal })) if (++m === 10) ac.abort(reason)
    })().catch((e: unknown) => e)
    expect(err).toBe(reason)
    expect((await collect(readInventory(manifestPath, o))).length).toBe(rows.length)
  })
})
