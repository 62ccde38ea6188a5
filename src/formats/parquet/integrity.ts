/**
 * MD5 of a data file while its row groups are read, by one of three strategies (docs/reliability.md):
 * - whole: a file within the read size was fetched and checked with its footer (footer.ts);
 * - sequential: when every row group fits the read size, each is fetched whole, in file order, and
 *   hashed as it arrives (the gaps between them too, even for row groups not decoded);
 * - side stream: otherwise a separate sequential read hashes the file while chunks are fetched.
 * `finish` throws DATA_CHECKSUM_MISMATCH before the caller releases its last rows.
 */
import { createHash, type Hash } from 'node:crypto'
import type { ByteSource } from '../../sources/source.js'
import { checkEnd, type Expected } from '../../sources/verify.js'
import type { Slice } from './chunks.js'
import type { Footer } from './footer.js'

export interface Integrity {
  /** Sequential strategy only: fetches bytes [a, b) (a row group's span), hashing them on the way. */
  fetch?: (a: number, b: number) => Promise<Buffer>
  /** Resolves once the whole file was hashed and matched; rejects on a mismatch. */
  finish(): Promise<void>
  /** Stops a side read (break, abort, error). */
  close(): Promise<void>
}

export function integrity(source: ByteSource, footer: Footer, spans: readonly [number, number][], o: { expected?: Expected; readSize: number; signal: AbortSignal }): Integrity {
  const { expected, readSize, signal } = o
  if (!expected || footer.whole) return { finish: async () => {}, close: async () => {} }
  if (spans.every(([a, b]) => b - a <= readSize)) {
    const hasher = sequentialHasher(footer.slice, readSize)
    return {
      async fetch(a, b) {
        const buf = await footer.slice(a, b)
        await hasher.update(a, buf)
        return buf
      },
      finish: async () => checkEnd(source.ref, expected, footer.size, await hasher.finish(footer.size, footer.tailStart, footer.tail)),
      close: async () => {},
    }
  }
  const sideAbort = new AbortController()
  const onAbort = () => sideAbort.abort(signal.reason)
  signal.addEventListener('abort', onAbort, { once: true })
  const side = hashStream(source.stream(0, footer.size, sideAbort.signal))
  side.catch(() => {})
  return {
    finish: async () => checkEnd(source.ref, expected, footer.size, await side),
    async close() {
      signal.removeEventListener('abort', onAbort)
      sideAbort.abort()
      await side.catch(() => {})
    },
  }
}

/**
 * MD5 over bytes fetched in file order. Gaps (the magic, page indexes, row groups skipped by a cursor or
 * a prefix filter) are read here, in windows of at most `window` bytes.
 */
function sequentialHasher(slice: Slice, window: number) {
  const hash: Hash = createHash('md5')
  let done = 0
  const fill = async (to: number) => {
    while (done < to) {
      const stop = Math.min(to, done + window)
      hash.update(await slice(done, stop))
      done = stop
    }
  }
  return {
    async update(at: number, buf: Buffer) {
      await fill(at)
      if (at + buf.length > done) hash.update(buf.subarray(done - at))
      done = Math.max(done, at + buf.length)
    },
    async finish(size: number, tailStart: number, tail: Buffer) {
      await fill(tailStart)
      if (size > done) hash.update(tail.subarray(done - tailStart))
      return hash.digest('hex')
    },
  }
}

async function hashStream(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('md5')
  for await (const c of chunks) hash.update(c)
  return hash.digest('hex')
}
