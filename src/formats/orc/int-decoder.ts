/**
 * What the integer run-length decoders (v1 and v2) share: values are JS numbers in a Float64Array,
 * exact for every safe integer; the rare value beyond ±2^53 is also kept exactly, as a bigint in
 * `wide`, so a bigint column loses nothing and a narrower one can refuse it.
 */
import type { OrcStream } from './stream.js'

export interface IntDecoder {
  readonly stream: OrcStream
  /**
   * Up to `n` values into out[at, at + n). Fewer only when the stream must `load()` more bytes
   * first; the stream ending before `n` values is ORC_CORRUPT.
   */
  read(out: Float64Array, at: number, n: number): number
  /** Skips `n` values (rows before a resume point, rows of stripes' columns not needed); same contract as read. */
  skip(n: number): number
  /** Values read that are not safe integers: [index in `out`, exact value]. The caller clears it. */
  wide: [number, bigint][] | undefined
}

export const TWO_32 = 2 ** 32
export const MAX_SAFE = Number.MAX_SAFE_INTEGER

/** Zigzag-decodes an unsigned value (a safe integer): 0, 1, 2, 3 → 0, -1, 1, -2. */
export function unzigzag(u: number): number {
  return u < TWO_32 ? (u >>> 1) ^ -(u & 1) : u % 2 === 0 ? u / 2 : -(u + 1) / 2
}

/**
 * A decoder that decodes one run at a time into `lit` (values `used`..`n` not handed out yet; exact
 * values beyond ±2^53 at their index in `litWide`): read and skip are the same for both RLE versions.
 */
export abstract class RunDecoder implements IntDecoder {
  wide: [number, bigint][] | undefined
  protected readonly lit: Float64Array
  protected litWide: Map<number, bigint> | undefined
  protected n = 0
  protected used = 0

  constructor(
    readonly stream: OrcStream,
    protected readonly signed: boolean,
    maxRun: number,
  ) {
    this.lit = new Float64Array(maxRun)
  }

  read(out: Float64Array, at: number, count: number): number {
    let got = 0
    while (got < count) {
      if (this.used === this.n && !this.run()) break
      const k = Math.min(count - got, this.n - this.used)
      const lit = this.lit
      const u = this.used
      const o = at + got
      for (let i = 0; i < k; i++) out[o + i] = lit[u + i]
      if (this.litWide) {
        for (const [i, v] of this.litWide) if (i >= u && i < u + k) (this.wide ??= []).push([o + i - u, v])
      }
      this.used += k
      got += k
    }
    return got
  }

  skip(count: number): number {
    let got = 0
    while (got < count) {
      if (this.used === this.n && !this.run()) break
      const k = Math.min(count - got, this.n - this.used)
      this.used += k
      got += k
    }
    return got
  }

  /** Decodes the next run into `lit` (setting `n`, `used` and `litWide`); false when the stream must load more bytes first. */
  protected abstract run(): boolean
}
