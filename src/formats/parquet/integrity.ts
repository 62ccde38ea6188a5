/**
 * MD5 of a data file while its row groups are read, by one of four strategies (docs/reliability.md):
 * - whole: a file within the read size was fetched and checked with its footer (footer.ts);
 * - off-thread: a source that can hash itself on another thread (a large local file) does, while
 *   only the column chunks the rows need are fetched, as without verification;
 * - sequential: when every row group fits the read size, each is fetched whole, in file order, and
 *   hashed as it arrives (the gaps between them too, even for row groups not decoded);
 * - side stream: otherwise a separate sequential read hashes the file while chunks are fetched.
 * `finish` throws DATA_CHECKSUM_MISMATCH before the caller releases its last rows.
 */
import type { ByteSource } from '../../sources/source.js'
import { checkEnd, sequentialMd5, sideMd5, type Expected } from '../../sources/verify.js'
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
  // A source that hashes itself off-thread is preferred to hashing row groups as they are fetched.
  if (!source.md5 && spans.every(([a, b]) => b - a <= readSize)) {
    const hasher = sequentialMd5((a, b) => windows(footer.slice, a, b, readSize))
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
  // A hash beside the reads (sideMd5): `finish` awaits it.
  const sideAbort = new AbortController()
  const onAbort = () => sideAbort.abort(signal.reason)
  signal.addEventListener('abort', onAbort, { once: true })
  const side = sideMd5(source, footer.size, sideAbort.signal)
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

/** Gap reads for the sequential hash: the byte range in windows of at most `window` bytes. */
async function* windows(slice: Slice, a: number, b: number, window: number): AsyncGenerator<Uint8Array> {
  for (let at = a; at < b; at += window) yield await slice(at, Math.min(b, at + window))
}
