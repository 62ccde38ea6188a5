/**
 * The general ORC reader: any ORC file, one JS value per row — an object when the root type is a
 * struct (the usual case), the bare value otherwise — with the lossless mapping of
 * src/schema/exact.ts (see the README). Ranged reads as for inventory files: the tail, then per
 * stripe only the streams of the projected columns.
 */
import { S3InventoryError } from '../../errors.js'
import { nameList, numberOption, optionalNumber, optionsObject, RANGES } from '../../options.js'
import { resolveLocation, type Location } from '../../location.js'
import { clientScope, sourceFor, type ClientOptions } from '../../sources/open.js'
import type { ByteSource } from '../../sources/source.js'
import type { Expected } from '../../sources/verify.js'
import type { Column } from './column.js'
import { createColumn } from './columns.js'
import { corrupt, orcFailure } from './errors.js'
import { rowBacker } from './row-backing.js'
import { orcJson, type OrcJsonOptions } from './print.js'
import { COMPRESSION_NAMES, TypeKind } from './proto.js'
import { StripeFetcher } from './stripe-io.js'
import { assertReadableVersion, readTail, stripeStatistics, type OrcTail } from './tail.js'
import { allTypes, typeString, type OrcType } from './types.js'
import type { OrcStream } from './stream.js'

export interface ReadOrcOptions extends ClientOptions {
  /** Fields of the root struct to read, by name (at least one); default all. */
  columns?: readonly string[]
  signal?: AbortSignal
  /** Bytes fetched per request and held at once. Default 16 MiB (64 KiB – 1 GiB); files up to this size are read in one request. */
  readSize?: number
  /** Size and MD5 the file must have (e.g. from a manifest); verified before the last rows are released. */
  expected?: Expected
}

export const DEFAULT_READ_SIZE = 16 * 1024 * 1024
/** Rows decoded at a time. */
export const WINDOW = 1024

/** The rows of an ORC file, as JS values. */
export async function* readOrc(input: Location | ByteSource, options: ReadOrcOptions = {}): AsyncGenerator<unknown> {
  for await (const batch of readOrcBatches(input, options)) yield* batch.values
}

/** The rows of an ORC file as JSON lines exactly as Apache ORC's tools print them (see print.ts). */
export async function* orcJsonLines(input: Location | ByteSource, options: ReadOrcOptions & OrcJsonOptions = {}): AsyncGenerator<string> {
  for await (const batch of readOrcBatches(input, options)) {
    const type = batch.type
    for (const v of batch.values) yield orcJson(v, type, options)
  }
}

export interface OrcBatch {
  /** The type of each value (the root type, projected). */
  type: OrcType
  values: unknown[]
}

export function readOrcBatches(input: Location | ByteSource, options: ReadOrcOptions = {}): AsyncGenerator<OrcBatch> {
  optionsObject(options)
  const columns = nameList(options.columns, 'columns')
  // Rows of no column would be the stripes' row counts, trusted: at least one column, or all.
  if (columns?.length === 0) throw new S3InventoryError('INVALID_ARGUMENT', 'columns must name at least one column', { option: 'columns', expected: 'at least one column name (leave it out for every column)', actual: '[]' })
  const readSize = numberOption(options.readSize, 'readSize', RANGES.readSize, DEFAULT_READ_SIZE)
  return batchesOf(input, options, columns, readSize)
}

async function* batchesOf(input: Location | ByteSource, options: ReadOrcOptions, columns: readonly string[] | undefined, readSize: number): AsyncGenerator<OrcBatch> {
  const scope = clientScope(options)
  const ac = new AbortController()
  const onAbort = () => ac.abort(options.signal?.reason)
  options.signal?.addEventListener('abort', onAbort, { once: true })
  if (options.signal?.aborted) ac.abort(options.signal.reason)
  try {
    const source = isByteSource(input) ? input : sourceFor(resolveLocation(input), scope, { ...options, size: options.expected?.size })
    const tail = await readTail(source, { signal: ac.signal, sizeHint: options.expected?.size, wholeBelow: readSize, expectedSize: options.expected?.size })
    assertReadableVersion(tail, source)
    const { fields, type } = project(tail.root, columns, source)
    let backer: OrcType | undefined
    try {
      backer = rowBacker(tail, [type])
    } catch (err) {
      throw orcFailure(err, source.ref)
    }
    const needed = new Set<number>([type, ...(backer ? [backer] : [])].flatMap((t) => allTypes(t).map((x) => x.id)))
    const fetcher = new StripeFetcher(source, tail, { readSize, signal: ac.signal, expected: options.expected })
    let held: OrcBatch | undefined
    try {
      for (const s of tail.stripes) {
        const ctx = await fetcher.open(s, needed)
        let col: Column
        let back: Column | undefined
        try {
          col = createColumn(tail.root, ctx, tail.encrypted, fields)
          back = backer && createColumn(backer, ctx, tail.encrypted)
        } catch (err) {
          throw orcFailure(err, source.ref, s.offset)
        }
        for (let left = s.rows; left > 0; ) {
          const n = Math.min(left, WINDOW)
          try {
            await col.read(n)
            await back?.skip(n)
          } catch (err) {
            throw orcFailure(err, source.ref, s.offset)
          }
          const values = new Array(n)
          try {
            for (let i = 0; i < n; i++) values[i] = col.get(i)
          } catch (err) {
            throw orcFailure(err, source.ref, s.offset)
          }
          left -= n
          ac.signal.throwIfAborted()
          if (held) yield held
          held = { type, values }
        }
        assertConsumed([...col.streams(), ...(back?.streams() ?? [])], s.index, source)
        ctx.release()
      }
      await fetcher.finish()
      if (held) yield held
    } finally {
      await fetcher.close()
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
    scope.release()
  }
}

/** Every stream a stripe's columns read must end where their rows did: more values than rows is a damaged file. */
export function assertConsumed(streams: readonly OrcStream[], stripe: number, source: ByteSource): void {
  for (const s of streams) {
    if (s.pos < s.end || !s.done) {
      throw orcFailure(corrupt(`the ${s.kind} stream of stripe ${stripe} holds more values than the stripe has rows`, s.where()), source.ref)
    }
  }
}

function project(root: OrcType, columns: readonly string[] | undefined, source: ByteSource): { fields?: number[]; type: OrcType } {
  if (columns === undefined) return { type: root }
  if (root.kind !== TypeKind.STRUCT) {
    throw new S3InventoryError('INVALID_ARGUMENT', 'columns can only be chosen when the root type is a struct', { option: 'columns', bucket: source.ref.bucket, key: source.ref.key, actual: typeString(root) })
  }
  const fields = columns.map((c) => {
    const i = root.fieldNames.indexOf(c)
    if (i < 0) {
      throw new S3InventoryError('FIELD_MISSING', `this file has no ${c} column`, { option: 'columns', bucket: source.ref.bucket, key: source.ref.key, column: c, expected: `one of ${root.fieldNames.join(', ')}` })
    }
    return i
  })
  fields.sort((a, b) => a - b)
  return { fields, type: { ...root, children: fields.map((i) => root.children[i]), fieldNames: fields.map((i) => root.fieldNames[i]) } }
}

export function isByteSource(v: unknown): v is ByteSource {
  return typeof v === 'object' && v !== null && typeof (v as ByteSource).slice === 'function' && typeof (v as ByteSource).tail === 'function' && 'ref' in v
}

export interface OrcStripeMetadata {
  offset: number
  /** Bytes of row indexes, data and footer. */
  indexLength: number
  dataLength: number
  footerLength: number
  rows: number
}

export interface OrcMetadata {
  /** Apache's type string, e.g. `struct<a:int,b:string>`. */
  type: string
  rows: number
  stripes: OrcStripeMetadata[]
  /** NONE, ZLIB, SNAPPY, LZO, LZ4 or ZSTD. */
  compression: string
  /** Bytes per compression chunk. */
  blockSize: number
  /** File format version, e.g. `0.12`. */
  formatVersion: string
  /** Who wrote it (ORC_JAVA, ORC_CPP, …) and the writer version number from the PostScript. */
  writer: string
  writerVersion?: number
  softwareVersion?: string
  rowIndexStride?: number
  contentLength?: number
  fileLength: number
  userMetadata: Record<string, Uint8Array>
  /** Whether the metadata section has per-stripe column statistics. */
  stripeStatistics: number
}

/** The file's metadata from its tail (one ranged read, two when the footer is large). */
export async function readOrcMetadata(
  input: Location | ByteSource,
  options: ClientOptions & { signal?: AbortSignal; /** Bytes of the first request from the file's end. Default 64 KiB; 64 KiB – 1 GiB. */ readSize?: number } = {},
): Promise<OrcMetadata> {
  optionsObject(options)
  const tailBytes = optionalNumber(options.readSize, 'readSize', RANGES.readSize)
  const scope = clientScope(options)
  try {
    const source = isByteSource(input) ? input : sourceFor(resolveLocation(input), scope, options)
    const t = await readTail(source, { signal: options.signal, tailBytes })
    return describe(t, stripeStatistics(t, source).length)
  } finally {
    scope.release()
  }
}

function describe(t: OrcTail, stripeStats: number): OrcMetadata {
  return {
    type: typeString(t.root),
    rows: t.rows,
    stripes: t.stripes.map((s) => ({ offset: s.offset, indexLength: s.indexLength, dataLength: s.dataLength, footerLength: s.footerLength, rows: s.rows })),
    compression: COMPRESSION_NAMES[t.compression.kind] ?? t.compression.name,
    blockSize: t.compression.blockSize,
    formatVersion: t.version.join('.'),
    writer: t.writer,
    writerVersion: t.writerVersion,
    softwareVersion: t.softwareVersion,
    rowIndexStride: t.rowIndexStride,
    contentLength: t.contentLength,
    fileLength: t.size,
    userMetadata: Object.fromEntries(t.userMetadata),
    stripeStatistics: stripeStats,
  }
}
