/**
 * decimal columns. ORC v1: DATA holds each unscaled value as an unbounded zigzag varint and
 * SECONDARY its scale (signed integers). Files of version 1.9999 ("UNSTABLE-PRE-2.0") store
 * decimals of up to 18 digits as plain RLE v2 integers at the type's scale. Values are exact
 * `Decimal`s, at the type's scale when the value has no more digits than that (Hive 0.11 types have
 * no precision: the value's own scale).
 */
import { Decimal } from '../../schema/exact.js'
import { checkEncoding, Column, complete, grow, intDecoder, readInts, skipInts, type StripeContext } from './column.js'
import { corrupt } from './errors.js'
import type { IntDecoder } from './int-decoder.js'
import { EncodingKind, StreamKind } from './proto.js'
import { encodingOf } from './stripe.js'
import type { OrcStream } from './stream.js'
import type { OrcType } from './types.js'
import { at, readBigSigned } from './varint.js'

/** A varint of up to 24 bytes: 168 bits, more than the 127 a 38-digit decimal needs. */
const MAX_VARINT = 24
const MAX_SCALE = 100

export class DecimalColumn extends Column {
  unscaled: bigint[] = []
  scales = new Float64Array(1024)
  private readonly data: OrcStream
  private readonly scaleDecoder: IntDecoder | undefined
  private readonly longs: IntDecoder | undefined
  private readonly typeScale: number

  constructor(type: OrcType, ctx: StripeContext) {
    super(type, ctx)
    const e = encodingOf(ctx.layout, type.id).kind
    checkEncoding(type, e, [EncodingKind.DIRECT, EncodingKind.DIRECT_V2])
    this.data = ctx.streamOrEmpty(type.id, StreamKind.DATA)
    this.typeScale = type.scale ?? 0
    const precision = type.precision ?? 0
    if (ctx.version[0] === 1 && ctx.version[1] === 9999 && precision > 0 && precision <= 18) this.longs = intDecoder(this.data, e, true)
    else this.scaleDecoder = intDecoder(ctx.streamOrEmpty(type.id, StreamKind.SECONDARY), e, true)
  }

  protected async readValues(m: number): Promise<void> {
    this.scales = grow(this.scales, m)
    if (this.longs) {
      const v = grow(undefined, m)
      await readInts(this.longs, v, m)
      const wide = new Map(this.longs.wide ?? [])
      this.longs.wide = undefined
      this.unscaled = Array.from({ length: m }, (_, i) => wide.get(i) ?? BigInt(v[i]))
      this.scales.fill(this.typeScale, 0, m)
      return
    }
    this.unscaled = new Array<bigint>(m)
    const got = this.varints(0, m)
    if (got < m) await complete(this.data, m, got, (d) => this.varints(d, m - d))
    await readInts(this.scaleDecoder!, this.scales, m)
    if (this.scaleDecoder!.wide) throw this.badScale(String(this.scaleDecoder!.wide[0][1]))
    for (let i = 0; i < m; i++) if (Math.abs(this.scales[i]) > MAX_SCALE) throw this.badScale(String(this.scales[i]))
  }

  /** Unscaled values [at, at + n) from DATA; fewer when more bytes must be fetched first. */
  private varints(from: number, n: number, out: bigint[] | undefined = this.unscaled): number {
    const s = this.data
    for (let i = 0; i < n; i++) {
      if (s.end - s.pos < MAX_VARINT && !s.need(MAX_VARINT)) return i
      const v = readBigSigned(s.buf, s.pos, s.end, MAX_VARINT, s)
      s.pos = at.pos
      if (out) out[from + i] = v
    }
    return n
  }

  protected async skipValues(m: number): Promise<void> {
    if (this.longs) {
      await skipInts(this.longs, m)
      this.longs.wide = undefined
      return
    }
    const got = this.varints(0, m, undefined)
    if (got < m) await complete(this.data, m, got, (d) => this.varints(d, m - d, undefined))
    await skipInts(this.scaleDecoder!, m)
    this.scaleDecoder!.wide = undefined
  }

  value(k: number): Decimal {
    const scale = this.scales[k]
    const u = this.unscaled[k]
    const target = this.typeScale
    if ((this.type.precision ?? 0) > 0 && scale < target) return new Decimal(u * 10n ** BigInt(target - scale), target)
    return new Decimal(u, scale)
  }

  streams(): OrcStream[] {
    return this.scaleDecoder ? [this.data, this.scaleDecoder.stream] : [this.data]
  }

  private badScale(actual: string) {
    if (this.scaleDecoder) this.scaleDecoder.wide = undefined
    return corrupt('a decimal scale is out of range', { column: this.type.path, actual })
  }
}
