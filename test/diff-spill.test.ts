/**
 * The diff's partition files (src/diff/spill.ts): frames compressed and written through the library's
 * lanes — at most 4 at once however many frames one batch of rows produces — each partition's frames
 * in order, a write failure surfacing from ready()/close().
 */
import { mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { tmpDir } from './support/tmp.js'

// Counts the deflates running at once (the writer's frames in flight start with one).
const zlibUse = vi.hoisted(() => ({ active: 0, max: 0 }))
vi.mock('node:zlib', async (importOriginal) => {
  const z = await importOriginal<typeof import('node:zlib')>()
  const deflate = (buf: Buffer, opts: object, cb: (err: Error | null, out: Buffer) => void) => {
    zlibUse.active++
    zlibUse.max = Math.max(zlibUse.max, zlibUse.active)
    z.deflate(buf, opts, (err, out) => {
      zlibUse.active--
      cb(err, out)
    })
  }
  return { ...z, default: { ...z, deflate }, deflate }
})

const { readFrames, SpillWriter } = await import('../src/diff/spill.js')

/** A record as the diff writes them: u32 length of the rest, then the bytes. */
const record = (text: string) => {
  const body = Buffer.from(text)
  const out = Buffer.alloc(4 + body.length)
  out.writeUInt32LE(body.length, 0)
  body.copy(out, 4)
  return out
}

describe('SpillWriter', async () => {
  const root = await tmpDir('diff-spill')

  it('many frames from one batch: at most 4 compressed or written at once, every partition in order', async () => {
    const dir = path.join(root, 'order')
    await mkdir(dir)
    const parts = 8
    const w = new SpillWriter(dir, 'older', parts, 64)
    zlibUse.max = 0
    const expected: string[][] = Array.from({ length: parts }, () => [])
    // One "batch": 2,000 records (a frame every 2 records of a partition) without a ready() in between.
    for (let i = 0; i < 2000; i++) {
      const part = (i * 7) % parts
      const text = `record ${i} of partition ${part}`.padEnd(30, '.')
      expected[part].push(text)
      const r = record(text)
      w.add(part, r, 0, r.length)
    }
    const wait = w.ready()
    if (wait) await wait
    await w.close()
    expect(zlibUse.max).toBeGreaterThan(1)
    expect(zlibUse.max).toBeLessThanOrEqual(4)
    for (let p = 0; p < parts; p++) {
      const got: string[] = []
      for await (const frame of readFrames(w.file(p), w.maxFrame)) {
        for (let off = 0; off < frame.length; ) {
          const len = frame.readUInt32LE(off)
          got.push(frame.subarray(off + 4, off + 4 + len).toString())
          off += 4 + len
        }
      }
      expect(got, `partition ${p}`).toEqual(expected[p])
      expect(w.records[p]).toBe(expected[p].length)
    }
  })

  it('a write failure (the folder is gone): IO_ERROR from ready() or close(), not a hang, and destroy() settles', async () => {
    const dir = path.join(root, 'gone')
    await mkdir(dir)
    const w = new SpillWriter(dir, 'newer', 2, 64)
    await rm(dir, { recursive: true })
    const run = async () => {
      for (let i = 0; i < 500; i++) {
        const r = record(`k${i}`.padEnd(40, '-'))
        w.add(i % 2, r, 0, r.length)
        const wait = w.ready()
        if (wait) await wait
      }
      await w.close()
    }
    await expect(run()).rejects.toMatchObject({ code: 'IO_ERROR', message: 'cannot write a temporary partition file', actual: 'ENOENT' })
    await w.destroy()
  })
})
