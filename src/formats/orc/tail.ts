/**
 * The end of an ORC file: PostScript (uncompressed; its length is the file's last byte), then,
 * before it, the footer and the metadata (stripe statistics), compressed. One ranged read fetches
 * the tail — the whole file when the caller says it is small — and a second only when the footer
 * and metadata are longer than the guess. Every length is checked against the file before it is
 * used, and against a documented limit before anything is allocated for it.
 */
import { S3InventoryError } from '../../errors.js'
import type { ByteSource } from '../../sources/source.js'
import { checkEnd } from '../../sources/verify.js'
import { compressionOf, decompressStream, type Compression } from './compression.js'
import { corrupt, orcFailure, overLimit } from './errors.js'
import { decodeMessage, type Message } from './protobuf.js'
import { Footer, Metadata, PostScript, WRITER_NAMES } from './proto.js'
import { buildTypes, type OrcType } from './types.js'

/**
 * Files up to this size (or the read size, if smaller) are fetched whole by the tail request; larger
 * ones a stripe at a time, so a file never holds more than one stripe's bytes (4 files at once
 * holding whole 11 MB files cost 40 MB of peak RSS over a 10M-row read).
 */
export const WHOLE_FILE_BYTES = 2 * 1024 * 1024
/** Footer and metadata: at most this many bytes each, compressed or not (docs/reliability.md). */
export const MAX_FOOTER_BYTES = 64 * 1024 * 1024
/** Protobuf elements (messages, list entries, strings) decoded per footer, metadata or stripe footer. */
export const MAX_METADATA_ELEMENTS = 4_000_000
const TAIL_GUESS = 64 * 1024
const MAGIC = 'ORC'

export interface StripeInfo {
  readonly index: number
  readonly offset: number
  readonly indexLength: number
  readonly dataLength: number
  readonly footerLength: number
  readonly rows: number
  /** Index of the stripe's first row in the file. */
  readonly firstRow: number
}

export interface OrcTail {
  readonly size: number
  /** [major, minor]; [0, 11] when the PostScript has none. */
  readonly version: readonly number[]
  readonly compression: Compression
  readonly writerVersion?: number
  readonly writer: string
  readonly softwareVersion?: string
  readonly root: OrcType
  readonly rows: number
  readonly stripes: readonly StripeInfo[]
  readonly rowIndexStride?: number
  readonly contentLength?: number
  readonly userMetadata: ReadonlyArray<readonly [string, Uint8Array]>
  /** File statistics, one per column. */
  readonly statistics: readonly Message[]
  /** Column ids whose data is encrypted (their streams cannot be read). */
  readonly encrypted: ReadonlySet<number>
  /** Where the metadata (stripe statistics) and footer start. */
  readonly metadataStart: number
  readonly footerStart: number
  /** The bytes fetched from the end of the file, from `tailStart`; the whole file when `whole`. */
  readonly tail: Uint8Array
  readonly tailStart: number
  readonly whole: boolean
  /** The raw (compressed) metadata section, decoded on demand by stripeStatistics(). */
  readonly metadataBytes: Uint8Array
}

export interface TailOptions {
  signal?: AbortSignal
  /** The file's size as the caller knows it (the manifest's): when at most `wholeBelow`, the whole file is read at once. */
  sizeHint?: number
  wholeBelow?: number
  /** The size the file must have (a manifest's, when verifying): DATA_SIZE_MISMATCH before anything is parsed. */
  expectedSize?: number
  /** Bytes of the first request from the end (when the file is not read whole). Default 64 KiB. */
  tailBytes?: number
}

export async function readTail(source: ByteSource, o: TailOptions = {}): Promise<OrcTail> {
  const hint = o.sizeHint
  const small = hint !== undefined && o.wholeBelow !== undefined && hint <= Math.min(o.wholeBelow, WHOLE_FILE_BYTES)
  const end = await source.tail(small ? Math.max(hint, 1) : (o.tailBytes ?? TAIL_GUESS), o.signal, hint)
  const size = end.size
  if (o.expectedSize !== undefined) checkEnd(source.ref, { size: o.expectedSize }, size, undefined)
  try {
    if (size === 0) return emptyTail()
    let tail = end.bytes
    let tailStart = size - tail.length
    if (size < 4) throw corrupt(`the file is ${size} bytes, too small to be ORC`, { offset: 0 })
    const psLen = tail[tail.length - 1]
    const psStart = size - 1 - psLen
    if (psLen === 0 || psStart < 3) throw corrupt(`the PostScript length ${psLen} does not fit in a ${size}-byte file`, { offset: size - 1 })
    const ps = decodeMessage(tail, psStart - tailStart, tail.length - 1, PostScript, { left: 1000 })
    const footerLength = (ps.footerLength as number | undefined) ?? 0
    const metadataLength = (ps.metadataLength as number | undefined) ?? 0
    const footerStart = psStart - footerLength
    const metadataStart = footerStart - metadataLength
    // Lengths the file cannot hold are damage, whatever the limit says; those it can hold are then limited.
    if (footerLength === 0 || metadataStart < 3) {
      throw corrupt(`a ${footerLength}-byte footer and ${metadataLength}-byte metadata do not fit in a ${size}-byte file`, { offset: psStart, expected: `at most ${psStart - 3} bytes`, actual: `${footerLength + metadataLength} bytes` })
    }
    for (const [name, n] of [['footer', footerLength], ['metadata', metadataLength]] as const) {
      if (n > MAX_FOOTER_BYTES) throw overLimit(`the ${name} is ${n} bytes, over the limit`, { offset: psStart, expected: `at most ${MAX_FOOTER_BYTES} bytes`, actual: `${n} bytes` })
    }
    const compression = compressionOf((ps.compression as number | undefined) ?? 0, ps.compressionBlockSize as number | undefined)
    if (metadataStart < tailStart) {
      const more = await source.slice(metadataStart, tailStart, o.signal)
      const joined = new Uint8Array(more.length + tail.length)
      joined.set(more, 0)
      joined.set(tail, more.length)
      tail = joined
      tailStart = metadataStart
    }
    if (ps.magic !== MAGIC) {
      if (ps.magic !== undefined) throw corrupt('the PostScript does not end with the ORC magic', { offset: psStart, actual: JSON.stringify(ps.magic) })
      // Early files have no magic in the PostScript: the header must then say ORC.
      const head = tailStart === 0 ? tail.subarray(0, 3) : await source.slice(0, 3, o.signal)
      if (Buffer.from(head).toString('latin1') !== MAGIC) throw corrupt('not an ORC file (no ORC magic)', { offset: 0 })
    }
    const footerBytes = decompressStream(compression, tail.subarray(footerStart - tailStart, psStart - tailStart), MAX_FOOTER_BYTES, footerStart, 'footer')
    const footer = decodeMessage(footerBytes, 0, footerBytes.length, Footer, { left: MAX_METADATA_ELEMENTS })
    const root = buildTypes((footer.types as Message[] | undefined) ?? [])
    const stripes = stripeList((footer.stripes as Message[] | undefined) ?? [], metadataStart)
    const rows = (footer.numberOfRows as number | undefined) ?? stripes.reduce((n, s) => n + s.rows, 0)
    const sum = stripes.reduce((n, s) => n + s.rows, 0)
    if (sum !== rows) throw corrupt(`the stripes hold ${sum} rows but the footer says ${rows}`, { offset: footerStart, expected: `${rows} rows`, actual: `${sum} rows` })
    const version = (ps.version as number[] | undefined) ?? []
    const encrypted = new Set<number>()
    for (const v of ((footer.encryption as Message | undefined)?.variants as Message[] | undefined) ?? []) {
      const rootId = (v.root as number | undefined) ?? 0
      markSubtree(root, rootId, encrypted)
    }
    const writer = (footer.writer as number | undefined) ?? 0
    return {
      size,
      version: version.length >= 2 ? version.slice(0, 2) : [0, 11],
      compression,
      writerVersion: ps.writerVersion as number | undefined,
      writer: WRITER_NAMES[writer] ?? `writer ${writer}`,
      softwareVersion: footer.softwareVersion as string | undefined,
      root,
      rows,
      stripes,
      rowIndexStride: footer.rowIndexStride as number | undefined,
      contentLength: footer.contentLength as number | undefined,
      userMetadata: ((footer.metadata as Message[] | undefined) ?? []).map((m) => [(m.name as string | undefined) ?? '', (m.value as Uint8Array | undefined) ?? new Uint8Array(0)] as const),
      statistics: (footer.statistics as Message[] | undefined) ?? [],
      encrypted,
      metadataStart,
      footerStart,
      tail,
      tailStart,
      whole: tailStart === 0,
      metadataBytes: tail.subarray(metadataStart - tailStart, footerStart - tailStart),
    }
  } catch (err) {
    throw orcFailure(err, source.ref)
  }
}

function stripeList(list: Message[], dataEnd: number): StripeInfo[] {
  let firstRow = 0
  let prevEnd = 3
  return list.map((m, index) => {
    const s = {
      index,
      offset: (m.offset as number | undefined) ?? 0,
      indexLength: (m.indexLength as number | undefined) ?? 0,
      dataLength: (m.dataLength as number | undefined) ?? 0,
      footerLength: (m.footerLength as number | undefined) ?? 0,
      rows: (m.numberOfRows as number | undefined) ?? 0,
      firstRow,
    }
    const stop = s.offset + s.indexLength + s.dataLength + s.footerLength
    if (s.offset < prevEnd || stop > dataEnd || s.footerLength === 0) {
      throw corrupt(`stripe ${index} (bytes ${s.offset}–${stop}) does not lie inside the data area after the previous stripe`, {
        offset: s.offset,
        expected: `bytes ${prevEnd}–${dataEnd}`,
        actual: `bytes ${s.offset}–${stop}`,
      })
    }
    prevEnd = stop
    firstRow += s.rows
    return s
  })
}

function markSubtree(t: OrcType, id: number, out: Set<number>, inside = false): void {
  const here = inside || t.id === id
  if (here) out.add(t.id)
  for (const c of t.children) markSubtree(c, id, out, here)
}

/** A 0-byte file: Hive writes these as empty ORC files, and Apache's Java reader reads them so. */
function emptyTail(): OrcTail {
  return {
    size: 0,
    version: [0, 12],
    compression: compressionOf(0, undefined),
    writer: WRITER_NAMES[0],
    root: { id: 0, kind: 12, children: [], fieldNames: [], path: 'root' },
    rows: 0,
    stripes: [],
    userMetadata: [],
    statistics: [],
    encrypted: new Set(),
    metadataStart: 0,
    footerStart: 0,
    tail: new Uint8Array(0),
    tailStart: 0,
    whole: true,
    metadataBytes: new Uint8Array(0),
  }
}

/** Stripe statistics (one list of column statistics per stripe), decoded from the metadata section; [] when absent. */
export function stripeStatistics(t: OrcTail, source: ByteSource): Message[][] {
  if (t.metadataBytes.length === 0) return []
  try {
    const bytes = decompressStream(t.compression, t.metadataBytes, MAX_FOOTER_BYTES, t.metadataStart, 'metadata')
    const m = decodeMessage(bytes, 0, bytes.length, Metadata, { left: MAX_METADATA_ELEMENTS })
    return ((m.stripeStats as Message[] | undefined) ?? []).map((s) => (s.colStats as Message[] | undefined) ?? [])
  } catch (err) {
    throw orcFailure(err, source.ref, t.metadataStart)
  }
}

/** UNSUPPORTED_FORMAT for a file version this reader cannot decode (0.x and 1.x are read). */
export function assertReadableVersion(t: OrcTail, source: ByteSource): void {
  if (t.version[0] > 1) {
    throw new S3InventoryError('UNSUPPORTED_FORMAT', `the file's format version ${t.version.join('.')} is newer than this reader`, {
      bucket: source.ref.bucket,
      key: source.ref.key,
      expected: 'format version 0.11, 0.12 or 1.x',
      actual: t.version.join('.'),
    })
  }
}

