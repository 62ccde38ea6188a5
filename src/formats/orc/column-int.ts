/**
 * Boolean, tinyint, smallint, int, bigint and date columns: a DATA stream of bits, bytes or
 * integers. Values stay in typed arrays; bigint columns keep values beyond ±2^53 exactly.
 */
import { DATE_RANGE, LocalDate, MAX_EPOCH_DAYS } from '../../schema/exact.js'
import { BoolRle, ByteRle } from './byte-rle.js'
import { checkEncoding, Column, complete, grow, intDecoder, readInts, skipInts, type StripeContext } from './column.js'
import { corrupt } from './errors.js'
import type { IntDecoder } from './int-decoder.js'
import { EncodingKind, StreamKind, TypeKind } from './proto.js'
import { encodingOf } from './stripe.js'
import type { OrcStream } from './stream.js'
import type { OrcType } from './types.js'

const DIRECT = [EncodingKind.DIRECT, EncodingKind.DIRECT_V2]

export class BooleanColumn extends Column {
  values = new Uint8Array(1024)
  private readonly data: BoolRle

  constructor(type: OrcType, ctx: StripeContext) {
    super(type, ctx)
    this.data = new BoolRle(ctx.streamOrEmpty(type.id, StreamKind.DATA))
  }

  protected async readValues(m: number): Promise<void> {
    if (this.values.length < m) this.values = new Uint8Array(Math.max(m, 1024))
    const v = this.values
    const got = this.data.read(v, 0, m)
    if (got < m) await complete(this.data.stream, m, got, (d) => this.data.read(v, d, m - d))
  }

  protected async skipValues(m: number): Promise<void> {
    const got = this.data.skip(m)
    if (got < m) await complete(this.data.stream, m, got, (d) => this.data.skip(m - d))
  }

  value(k: number): boolean {
    return this.values[k] === 1
  }

  streams(): OrcStream[] {
    return [this.data.stream]
  }
}

export class ByteColumn extends Column {
  values = new Uint8Array(1024)
  private readonly data: ByteRle

  constructor(type: OrcType, ctx: StripeContext) {
    super(type, ctx)
    this.data = new ByteRle(ctx.streamOrEmpty(type.id, StreamKind.DATA))
  }

  protected async readValues(m: number): Promise<void> {
    if (this.values.length < m) this.values = new Uint8Array(Math.max(m, 1024))
    const v = this.values
    const got = this.data.read(v, 0, m)
    if (got < m) await complete(this.data.stream, m, got, (d) => this.data.read(v, d, m - d))
  }

  protected async skipValues(m: number): Promise<void> {
    const got = this.data.skip(m)
    if (got < m) await complete(this.data.stream, m, got, (d) => this.data.skip(m - d))
  }

  value(k: number): number {
    return (this.values[k] << 24) >> 24
  }

  streams(): OrcStream[] {
    return [this.data.stream]
  }
}

/** smallint, int, bigint and date: signed integers (dates are days since 1970-01-01). */
export class IntColumn extends Column {
  values = new Float64Array(1024)
  /** Exact values beyond ±2^53 of the last read (bigint columns only), by value index. */
  wide: Map<number, bigint> | undefined
  readonly decoder: IntDecoder

  constructor(type: OrcType, ctx: StripeContext) {
    super(type, ctx)
    const encoding = encodingOf(ctx.layout, type.id).kind
    checkEncoding(type, encoding, DIRECT)
    this.decoder = intDecoder(ctx.streamOrEmpty(type.id, StreamKind.DATA), encoding, true)
  }

  protected async readValues(m: number): Promise<void> {
    this.values = grow(this.values, m)
    await readInts(this.decoder, this.values, m)
    this.wide = takeWide(this.decoder, this.type)
    if (this.type.kind === TypeKind.DATE) {
      const v = this.values
      for (let i = 0; i < m; i++) {
        if (!(Math.abs(v[i]) <= MAX_EPOCH_DAYS)) throw corrupt('a date is out of range', { ...this.decoder.stream.where(), expected: DATE_RANGE, actual: `${v[i]} days` })
      }
    }
  }

  protected skipValues(m: number): Promise<void> {
    const r = skipInts(this.decoder, m)
    this.decoder.wide = undefined
    return r
  }

  value(k: number): unknown {
    switch (this.type.kind) {
      case TypeKind.LONG:
        return this.wide?.get(k) ?? BigInt(this.values[k])
      case TypeKind.DATE:
        return LocalDate.fromDays(this.values[k])
      default:
        return this.values[k]
    }
  }

  streams(): OrcStream[] {
    return [this.decoder.stream]
  }
}

/** The decoder's wide values as a map; ORC_CORRUPT unless the column is a bigint one. */
export function takeWide(dec: IntDecoder, type: OrcType): Map<number, bigint> | undefined {
  const w = dec.wide
  if (w === undefined) return undefined
  dec.wide = undefined
  if (type.kind !== TypeKind.LONG) {
    throw corrupt('an integer is too large for its column type', { column: type.path, actual: String(w[0][1]) })
  }
  return new Map(w)
}
