/**
 * Fetching stripes, and the file's MD5 on the way. Four ways, as for Parquet:
 * - the whole file is in memory already (it fitted the tail read): verified before any row;
 * - the source hashes itself on another thread (a large local file, ByteSource.md5) while only the
 *   streams the rows need are fetched;
 * - every stripe fits the read size: each stripe is fetched whole, in file order, and hashed as it
 *   arrives; stripes that are skipped (resume point, prefix statistics) are read for the hash only;
 * - otherwise a separate sequential read hashes the file while only the streams the rows need
 *   are fetched.
 * Without verification only the needed streams are fetched: row indexes and bloom filters never
 * are, nor the columns a projection leaves out.
 */
import { createHash } from 'node:crypto'
import type { ByteSource } from '../../sources/source.js'
import { checkEnd, sequentialMd5, sideMd5, type Expected } from '../../sources/verify.js'
import { type StripeContext, type TimeBase } from './column.js'
import { corrupt, orcFailure } from './errors.js'
import { StreamKind } from './proto.js'
import { OrcStream } from './stream.js'
import { footerRange, parseStripeFooter, type StripeLayout } from './stripe.js'
import type { OrcTail, StripeInfo } from './tail.js'
import { allTypes } from './types.js'
import { timeBase } from './timezone.js'

export interface StripeReadOptions {
  /** Bytes fetched per request and held per file. */
  readSize: number
  signal: AbortSignal
  /** Size and MD5 to verify; undefined: no verification. */
  expected?: Expected
  /** Elements a window of nested values may hold (see StripeContext.maxNested). */
  maxNested?: number
}

/** Data stream kinds a reader decodes (never row indexes, bloom filters or dictionary counts). */
const DATA_KINDS = new Set<number>([StreamKind.PRESENT, StreamKind.DATA, StreamKind.LENGTH, StreamKind.DICTIONARY_DATA, StreamKind.SECONDARY])
const MERGE_GAP = 64 * 1024
export const DEFAULT_MAX_NESTED = 1 << 20

interface Loaded {
  bytes: Uint8Array
  at: number
}

export class StripeFetcher {
  private readonly hasher: ReturnType<typeof sequentialMd5> | undefined
  private readonly sideHash: Promise<string> | undefined
  private readonly sideAbort = new AbortController()
  private readonly onAbort = () => this.sideAbort.abort(this.o.signal.reason)
  private readonly whole: Uint8Array | undefined
  private paths: string[] | undefined
  private stripeBuffer: Uint8Array | undefined
  /** Streams' chunk buffers, handed on from stripe to stripe (OrcStream.release). */
  private readonly ownPool: Uint8Array[] = []

  constructor(
    private readonly source: ByteSource,
    private readonly tail: OrcTail,
    private readonly o: StripeReadOptions,
  ) {
    const e = o.expected
    if (e) checkEnd(source.ref, { size: e.size }, tail.size, undefined)
    this.whole = tail.whole ? tail.tail : undefined
    if (e && this.whole) {
      checkEnd(source.ref, e, this.whole.length, createHash('md5').update(this.whole).digest('hex'))
    } else if (e) {
      const fits = tail.stripes.every((s) => footerRange(s)[1] - s.offset <= o.readSize)
      if (fits && !source.md5) this.hasher = sequentialMd5((a, b) => source.stream(a, b, o.signal))
      else {
        // Beside the reads, which fetch only the needed streams.
        o.signal.addEventListener('abort', this.onAbort, { once: true })
        this.sideHash = sideMd5(source, tail.size, this.sideAbort.signal)
        this.sideHash.catch(() => {})
      }
    }
  }

  private slice(a: number, b: number): Promise<Uint8Array> {
    return this.source.slice(a, b, this.o.signal)
  }

  /**
   * The stripe's streams for the columns in `columns` (ids), ready to decode. Stripes must be
   * opened in file order when verifying.
   */
  async open(s: StripeInfo, columns: ReadonlySet<number>): Promise<StripeContext> {
    const [fStart, fEnd] = footerRange(s)
    const loaded: Loaded[] = []
    const t = this.tail
    if (this.whole) loaded.push({ bytes: this.whole, at: 0 })
    else if (s.offset >= t.tailStart) {
      // The last stripes may have come with the tail: no request for them.
      loaded.push({ bytes: t.tail, at: t.tailStart })
      if (this.hasher) await this.hasher.update(s.offset, t.tail.subarray(s.offset - t.tailStart, fEnd - t.tailStart))
    } else if (this.hasher) {
      const bytes = await this.fetchInto(s.offset, fEnd, 0, fEnd - s.offset)
      await this.hasher.update(s.offset, bytes)
      loaded.push({ bytes, at: s.offset })
    }
    const inMemory = (a: number, b: number) => loaded.find((l) => l.at <= a && l.at + l.bytes.length >= b)
    let layout: StripeLayout
    try {
      const f = inMemory(fStart, fEnd)
      const footer = f ? f.bytes.subarray(fStart - f.at, fEnd - f.at) : await this.slice(fStart, fEnd)
      layout = parseStripeFooter(footer, s, this.tail)
    } catch (err) {
      throw orcFailure(err, this.source.ref, fStart)
    }
    const needed = layout.streams.filter((st) => columns.has(st.column) && DATA_KINDS.has(st.kind) && st.length > 0)
    let window = 1 << 20
    if (loaded.length === 0 && needed.length > 0) {
      const total = needed.reduce((n, st) => n + st.length, 0)
      if (total <= this.o.readSize) {
        // Runs of (nearly) adjacent streams, one request each.
        const sorted = [...needed].sort((a, b) => a.start - b.start)
        const runs: [number, number][] = []
        for (const st of sorted) {
          const last = runs[runs.length - 1]
          if (last && st.start - last[1] <= MERGE_GAP) last[1] = Math.max(last[1], st.start + st.length)
          else runs.push([st.start, st.start + st.length])
        }
        const size = runs.reduce((n, [a, b]) => n + b - a, 0)
        let o = 0
        for (const [a, b] of runs) {
          loaded.push({ bytes: await this.fetchInto(a, b, o, size), at: a })
          o += b - a
        }
      } else {
        // Too much for one read: every stream in windows that together fit the read size.
        window = Math.max(256 * 1024, Math.floor(this.o.readSize / needed.length))
      }
    }
    const tail = this.tail
    const source = this.source
    const paths = (this.paths ??= allTypes(tail.root).map((t) => t.path))
    const path = (column: number) => paths[column] ?? String(column)
    const kindName = (kind: number) => STREAM_NAMES[kind] ?? `kind ${kind}`
    const dataStart = s.offset + s.indexLength
    let time: TimeBase | undefined
    const streams = new Map<number, OrcStream>()
    const make = (column: number, kind: number): OrcStream | undefined => {
      const info = layout.find(column, kind)
      if (!info) return undefined
      const key = column * 128 + kind
      let st = streams.get(key)
      if (!st) {
        const stop = info.start + info.length
        const l = inMemory(info.start, stop)
        st = new OrcStream(path(column), kindName(kind), tail.compression, info.start, stop, l?.bytes ?? EMPTY, l ? l.at : info.start, (a, b) => source.slice(a, b, this.o.signal), window, this.ownPool)
        streams.set(key, st)
      }
      return st
    }
    return {
      layout,
      stream: make,
      streamOrEmpty: (column, kind) => make(column, kind) ?? new OrcStream(path(column), kindName(kind), tail.compression, dataStart, dataStart, EMPTY, dataStart),
      version: tail.version,
      get time() {
        return (time ??= timeBase(layout.writerTimezone))
      },
      maxNested: this.o.maxNested ?? DEFAULT_MAX_NESTED,
      release: () => {
        for (const st of streams.values()) st.release()
        streams.clear()
      },
    }
  }

  /**
   * File bytes [a, b) read into this file's stripe buffer at `at` (sized for `size`), which is reused
   * from stripe to stripe and file to file. They arrive as a stream of small chunks that die young;
   * a whole stripe fetched as one buffer outlived two scavenges and waited in old space for a full
   * collection, which V8 runs only every ~64 MB of external memory: 70 MB of peak RSS.
   */
  private async fetchInto(a: number, b: number, at: number, size: number): Promise<Uint8Array> {
    if (!this.stripeBuffer || this.stripeBuffer.length < size) {
      if (this.stripeBuffer) giveStripeBuffer(this.stripeBuffer)
      this.stripeBuffer = takeStripeBuffer(size)
    }
    const target = this.stripeBuffer
    let o = at
    for await (const chunk of this.source.stream(a, b, this.o.signal)) {
      if (o + chunk.length > at + b - a) throw orcFailure(corrupt('the file returned more bytes than asked for', { offset: a }), this.source.ref)
      target.set(chunk, o)
      o += chunk.length
    }
    if (o !== at + b - a) throw orcFailure(corrupt('the file ended before a stripe did', { offset: a + o - at, expected: `${b - a} bytes`, actual: `${o - at} bytes` }), this.source.ref)
    return target.subarray(at, o)
  }

  /** After the last stripe: the MD5 check (the rest of the file hashed, or the side read awaited). */
  async finish(): Promise<void> {
    const e = this.o.expected
    if (!e) return
    if (this.hasher) checkEnd(this.source.ref, e, this.tail.size, await this.hasher.finish(this.tail.size, this.tail.tailStart, this.tail.tail))
    if (this.sideHash) checkEnd(this.source.ref, e, this.tail.size, await this.sideHash)
  }

  /** Stops the side read (break, abort, error). */
  async close(): Promise<void> {
    if (this.stripeBuffer) giveStripeBuffer(this.stripeBuffer)
    this.stripeBuffer = undefined
    this.o.signal.removeEventListener('abort', this.onAbort)
    this.sideAbort.abort()
    if (this.sideHash) await this.sideHash.catch(() => {})
  }
}

const EMPTY = new Uint8Array(0)

/** Stripe buffers of files that are done, for the next files (a few: one per file read at once). */
const freeStripeBuffers: Uint8Array[] = []

function takeStripeBuffer(size: number): Uint8Array {
  const i = freeStripeBuffers.findIndex((b) => b.length >= size)
  if (i >= 0) return freeStripeBuffers.splice(i, 1)[0]
  // Room to grow: the next stripes are usually a little larger or smaller.
  return Buffer.allocUnsafe(Math.ceil(size * 1.25))
}

function giveStripeBuffer(b: Uint8Array): void {
  freeStripeBuffers.push(b)
  if (freeStripeBuffers.length > 2) freeStripeBuffers.shift()
}
const STREAM_NAMES: Record<number, string> = { 0: 'PRESENT', 1: 'DATA', 2: 'LENGTH', 3: 'DICTIONARY_DATA', 5: 'SECONDARY' }

