/**
 * One stripe's layout: its footer (compressed protobuf after the data) lists the streams in file
 * order — index streams first, then data — with each column's encoding and the writer's time
 * zone. The streams must tile the stripe's index and data areas exactly: a length that does not
 * add up is a damaged file, found before any stream is read.
 */
import { decompressStream } from './compression.js'
import { corrupt, OrcError } from './errors.js'
import { decodeMessage, type Message } from './protobuf.js'
import { ENCODING_NAMES, StreamKind, StripeFooter } from './proto.js'
import { MAX_FOOTER_BYTES, MAX_METADATA_ELEMENTS, type OrcTail, type StripeInfo } from './tail.js'

export interface StreamInfo {
  readonly kind: number
  readonly column: number
  /** File offset and length. */
  readonly start: number
  readonly length: number
}

export interface ColumnEncoding {
  readonly kind: number
  readonly dictionarySize: number
}

export interface StripeLayout {
  readonly stripe: StripeInfo
  readonly streams: readonly StreamInfo[]
  readonly encodings: readonly ColumnEncoding[]
  readonly writerTimezone?: string
  /** The stream of `column` of `kind`, or undefined when the stripe has none (an empty stream is often left out). */
  find(column: number, kind: number): StreamInfo | undefined
}

/** File range of a stripe's footer. */
export function footerRange(s: StripeInfo): [number, number] {
  const start = s.offset + s.indexLength + s.dataLength
  return [start, start + s.footerLength]
}

export function parseStripeFooter(compressed: Uint8Array, s: StripeInfo, tail: OrcTail): StripeLayout {
  const [at] = footerRange(s)
  const bytes = decompressStream(tail.compression, compressed, MAX_FOOTER_BYTES, at, 'stripe footer')
  const f = decodeMessage(bytes, 0, bytes.length, StripeFooter, { left: MAX_METADATA_ELEMENTS })
  const columns = countTypes(tail)
  const streams: StreamInfo[] = []
  const index = new Map<number, StreamInfo>()
  let pos = s.offset
  for (const m of (f.streams as Message[] | undefined) ?? []) {
    const kind = (m.kind as number | undefined) ?? 0
    const column = (m.column as number | undefined) ?? 0
    const length = (m.length as number | undefined) ?? 0
    if (column >= columns) throw corrupt(`stripe ${s.index} has a stream of column ${column}, but the file has ${columns} columns`, { offset: at, column: String(column) })
    const info = { kind, column, start: pos, length }
    pos += length
    if (pos > s.offset + s.indexLength + s.dataLength) {
      throw corrupt(`the streams of stripe ${s.index} run past its data`, { offset: info.start, expected: `${s.indexLength + s.dataLength} bytes of streams`, actual: `more than that` })
    }
    if (kind === StreamKind.ENCRYPTED_DATA || kind === StreamKind.ENCRYPTED_INDEX) continue
    streams.push(info)
    // The first stream of a kind wins, as in Apache's readers.
    const key = column * 128 + kind
    if (!index.has(key)) index.set(key, info)
  }
  if (pos !== s.offset + s.indexLength + s.dataLength) {
    throw corrupt(`the streams of stripe ${s.index} cover ${pos - s.offset} bytes, but its index and data hold ${s.indexLength + s.dataLength}`, {
      offset: at,
      expected: `${s.indexLength + s.dataLength} bytes`,
      actual: `${pos - s.offset} bytes`,
    })
  }
  const encodings = ((f.columns as Message[] | undefined) ?? []).map((m) => ({
    kind: (m.kind as number | undefined) ?? 0,
    dictionarySize: (m.dictionarySize as number | undefined) ?? 0,
  }))
  for (const [i, e] of encodings.entries()) {
    if (e.kind > 3) throw corrupt(`stripe ${s.index}: column ${i} has an unknown encoding`, { offset: at, column: String(i), actual: `encoding kind ${e.kind}` })
  }
  if ((f.encryption as Message[] | undefined)?.length && tail.encrypted.size === 0) {
    throw new OrcError('UNSUPPORTED_FORMAT', 'the stripe holds encrypted columns', { offset: at })
  }
  return {
    stripe: s,
    streams,
    encodings,
    writerTimezone: f.writerTimezone as string | undefined,
    find: (column, kind) => index.get(column * 128 + kind),
  }
}

/** The encoding of `column` in a stripe; ORC_CORRUPT when the footer lists none for it. */
export function encodingOf(layout: StripeLayout, column: number): ColumnEncoding {
  const e = layout.encodings[column]
  if (e === undefined) {
    throw corrupt(`stripe ${layout.stripe.index} lists ${layout.encodings.length} column encodings, none for column ${column}`, {
      offset: footerRange(layout.stripe)[0],
      column: String(column),
    })
  }
  return e
}

export function encodingName(kind: number): string {
  return ENCODING_NAMES[kind] ?? `encoding ${kind}`
}

function countTypes(t: OrcTail): number {
  let n = 0
  const walk = (x: OrcTail['root']) => {
    n++
    x.children.forEach(walk)
  }
  walk(t.root)
  return n
}
