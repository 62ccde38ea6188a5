/**
 * timestamp and timestamp-with-local-time-zone columns: DATA holds signed seconds since
 * 2015-01-01 00:00:00 — in the writer's time zone for `timestamp` (the stripe footer names it),
 * in UTC for the instant kind — and SECONDARY the nanoseconds, with trailing decimal zeros
 * folded into the low 3 bits (n << 3 | zeros - 1). Writers truncated negative times towards zero,
 * so a negative second with a fraction of a millisecond or more is one second late in the file:
 * readers take one off, as Apache's do.
 */
import { DATE_RANGE, MAX_EPOCH_MS, Timestamp } from '../../schema/exact.js'
import { checkEncoding, Column, grow, intDecoder, readInts, skipInts, type StripeContext } from './column.js'
import { corrupt } from './errors.js'
import type { IntDecoder } from './int-decoder.js'
import { EncodingKind, StreamKind, TypeKind } from './proto.js'
import { encodingOf } from './stripe.js'
import type { OrcStream } from './stream.js'
import type { OrcType } from './types.js'

/** 2015-01-01T00:00:00Z in seconds: the base of ORC timestamps. */
export const ORC_EPOCH = 1_420_070_400

export class TimestampColumn extends Column {
  /** Seconds since 1970 of the instant (UTC), and nanoseconds within the second. */
  seconds = new Float64Array(1024)
  nanos = new Float64Array(1024)
  private readonly secs: IntDecoder
  private readonly frac: IntDecoder
  private readonly instant: boolean

  constructor(type: OrcType, ctx: StripeContext) {
    super(type, ctx)
    const e = encodingOf(ctx.layout, type.id).kind
    checkEncoding(type, e, [EncodingKind.DIRECT, EncodingKind.DIRECT_V2])
    this.secs = intDecoder(ctx.streamOrEmpty(type.id, StreamKind.DATA), e, true)
    this.frac = intDecoder(ctx.streamOrEmpty(type.id, StreamKind.SECONDARY), e, false)
    this.instant = type.kind === TypeKind.TIMESTAMP_INSTANT
  }

  protected async readValues(m: number): Promise<void> {
    this.seconds = grow(this.seconds, m)
    this.nanos = grow(this.nanos, m)
    await readInts(this.secs, this.seconds, m)
    await readInts(this.frac, this.nanos, m)
    if (this.secs.wide || this.frac.wide) {
      this.secs.wide = this.frac.wide = undefined
      throw corrupt('a timestamp is out of range', { column: this.type.path, offset: this.secs.stream.offset, expected: DATE_RANGE, actual: 'beyond ±2^53 s' })
    }
    const s = this.seconds
    const ns = this.nanos
    const epoch = this.instant ? ORC_EPOCH : this.ctx.time.epoch
    // What a Date holds, less the one-second correction below and, for a zone, its offset (under a day).
    const max = MAX_EPOCH_MS / 1000 - (this.instant || !this.ctx.time.offsetAt ? 1 : 2 * 86_400)
    for (let i = 0; i < m; i++) {
      if (!(Math.abs(s[i] + epoch) <= max)) {
        throw corrupt('a timestamp is out of range', { ...this.secs.stream.where(), expected: DATE_RANGE, actual: `${s[i]} s since 2015-01-01` })
      }
      const raw = ns[i]
      const zeros = raw % 8
      let n = (raw - zeros) / 8
      if (zeros !== 0) n *= 10 ** (zeros + 1)
      if (!(n <= 999_999_999)) throw corrupt('a timestamp has nanoseconds out of range', { column: this.type.path, offset: this.frac.stream.offset, actual: String(n) })
      ns[i] = n
      s[i] += epoch
    }
  }

  protected async skipValues(m: number): Promise<void> {
    await skipInts(this.secs, m)
    await skipInts(this.frac, m)
    this.secs.wide = this.frac.wide = undefined
  }

  /** Epoch milliseconds of the k-th value's instant (inventory rows). */
  millis(k: number): number {
    const n = this.nanos[k]
    const sec = this.seconds[k]
    return (sec < 0 && n > 999_999 ? sec - 1 : sec) * 1000 + Math.floor(n / 1e6)
  }

  /**
   * The general value: a Timestamp. The instant kind is UTC; a `timestamp` is the writer's wall
   * clock (its zone's offset added), as Apache's tools print it.
   */
  value(k: number): Timestamp {
    const n = this.nanos[k]
    const off = this.instant ? undefined : this.ctx.time.offsetAt
    let sec = this.seconds[k]
    if (off) sec += off(sec)
    // After the zone: Apache's reader corrects the wall-clock second.
    if (sec < 0 && n > 999_999) sec -= 1
    return new Timestamp(sec, n, this.instant)
  }

  streams(): OrcStream[] {
    return [this.secs.stream, this.frac.stream]
  }
}
