/**
 * Integer run-length encoding, version 2 (DIRECT_V2 / DICTIONARY_V2 columns): runs of up to 512
 * values, each SHORT_REPEAT, DIRECT (bit-packed), PATCHED_BASE (bit-packed with a few wide
 * outliers patched in) or DELTA. A run is decoded whole into `lit`, after one check that all of
 * its bytes are there, so the per-value loops read bytes without bounds checks.
 *
 * Values are numbers; a run that may hold values beyond ±2^53 (64-bit widths, wide bases, deltas
 * that overflow) is decoded exactly with bigints instead (`exactRun`), and its unsafe values are
 * reported in `wide`. Arithmetic wraps at 64 bits, as in the Java and C++ readers.
 */
import { corrupt } from './errors.js'
import { MAX_SAFE, RunDecoder, TWO_32, unzigzag } from './int-decoder.js'
import type { OrcStream } from './stream.js'
import { at, readSigned, readUnsigned } from './varint.js'

/** The 5-bit width codes of DIRECT, PATCHED_BASE and DELTA headers. */
const WIDTH = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 26, 28, 30, 32, 40, 48, 56, 64]

/** The packing width the writer rounds a patch (gap + value) width up to. */
export function closestFixedBits(n: number): number {
  if (n <= 1) return 1
  if (n <= 24) return n
  for (const w of [26, 28, 30, 32, 40, 48, 56, 64]) if (n <= w) return w
  return 64
}

/** The most bytes one run can take (PATCHED_BASE: 4 header, 8 base, 512 × 8 values, 31 × 8 patches). */
export const MAX_RUN_BYTES = 4 + 8 + 4096 + 256

export class IntRleV2 extends RunDecoder {
  private scratch = new Float64Array(512)

  constructor(stream: OrcStream, signed: boolean) {
    super(stream, signed, 512)
  }

  protected run(): boolean {
    const s = this.stream
    if (s.end - s.pos < MAX_RUN_BYTES && !s.need(MAX_RUN_BYTES)) return false
    if (s.pos >= s.end) throw corrupt(`the ${s.kind} stream ends before all of its values`, s.where())
    this.litWide = undefined
    this.used = 0
    const buf = s.buf
    const end = s.end
    const p = s.pos
    const first = buf[p]
    switch (first >>> 6) {
      case 0: {
        // SHORT_REPEAT: 3–10 copies of one value of 1–8 bytes.
        const size = ((first >>> 3) & 7) + 1
        const n = (first & 7) + 3
        if (p + 1 + size > end) throw this.cut()
        if (size > 6) return this.exactRun(p)
        let v = 0
        for (let i = 0; i < size; i++) v = v * 256 + buf[p + 1 + i]
        if (this.signed) v = unzigzag(v)
        this.lit.fill(v, 0, n)
        this.n = n
        s.pos = p + 1 + size
        return true
      }
      case 1: {
        // DIRECT: n values of w bits.
        const w = WIDTH[(first >>> 1) & 31]
        if (p + 1 >= end) throw this.cut()
        const n = (((first & 1) << 8) | buf[p + 1]) + 1
        const bytes = Math.ceil((n * w) / 8)
        if (p + 2 + bytes > end) throw this.cut()
        if (w >= 56) return this.exactRun(p)
        unpack(buf, p + 2, w, n, this.lit)
        if (this.signed) {
          const lit = this.lit
          for (let i = 0; i < n; i++) lit[i] = unzigzag(lit[i])
        }
        this.n = n
        s.pos = p + 2 + bytes
        return true
      }
      case 2:
        return this.patchedBase(p)
      default:
        return this.delta(p)
    }
  }

  private patchedBase(p: number): boolean {
    const s = this.stream
    const buf = s.buf
    const end = s.end
    if (p + 4 > end) throw this.cut()
    const first = buf[p]
    const fb = WIDTH[(first >>> 1) & 31]
    const n = (((first & 1) << 8) | buf[p + 1]) + 1
    const bw = ((buf[p + 2] >>> 5) & 7) + 1
    const pw = WIDTH[buf[p + 2] & 31]
    const pgw = ((buf[p + 3] >>> 5) & 7) + 1
    const pl = buf[p + 3] & 31
    if (pw + pgw > 64) throw corrupt('a PATCHED_BASE run has patches wider than 64 bits', s.where())
    const cfb = closestFixedBits(pw + pgw)
    const dataBytes = Math.ceil((n * fb) / 8)
    const patchBytes = Math.ceil((pl * cfb) / 8)
    const stop = p + 4 + bw + dataBytes + patchBytes
    if (stop > end) throw this.cut()
    if (bw > 6 || fb + pw > 52 || cfb > 48 || fb >= 56) return this.exactRun(p)
    let base = 0
    for (let i = 0; i < bw; i++) base = base * 256 + buf[p + 4 + i]
    const sign = 2 ** (bw * 8 - 1)
    if (base >= sign) base = -(base - sign)
    const lit = this.lit
    unpack(buf, p + 4 + bw, fb, n, lit)
    const patches = this.scratch
    unpack(buf, p + 4 + bw + dataBytes, cfb, pl, patches)
    // Apply the patches: each is (gap since the previous patch) << pw | (high bits of the value).
    const pScale = 2 ** pw
    const fScale = 2 ** fb
    let k = 0
    let next = -1
    const advance = (from: number) => {
      let gap = 0
      for (;;) {
        if (k >= pl) return -1
        const e = patches[k]
        const g = Math.floor(e / pScale)
        const v = e - g * pScale
        if (g === 255 && v === 0) {
          gap += 255
          k++
          continue
        }
        return from + gap + g
      }
    }
    next = advance(0)
    for (let i = 0; i < n; i++) {
      let v = lit[i]
      if (i === next) {
        const e = patches[k]
        v += (e - Math.floor(e / pScale) * pScale) * fScale
        k++
        next = advance(i)
      }
      v += base
      if (v > MAX_SAFE || v < -MAX_SAFE) return this.exactRun(p)
      lit[i] = v
    }
    this.n = n
    s.pos = stop
    return true
  }

  private delta(p: number): boolean {
    const s = this.stream
    const buf = s.buf
    const end = s.end
    const first = buf[p]
    const code = (first >>> 1) & 31
    const w = code === 0 ? 0 : WIDTH[code]
    if (p + 1 >= end) throw this.cut()
    const n = (((first & 1) << 8) | buf[p + 1]) + 1
    const what = s
    const firstValue = this.signed ? readSigned(buf, p + 2, end, what) : readUnsigned(buf, p + 2, end, what)
    const deltaBase = readSigned(buf, at.pos, end, what)
    const q = at.pos
    if (w === 0 && n < 1) throw corrupt('a DELTA run is empty', s.where())
    if (w > 0 && n < 2) throw corrupt('a DELTA run with packed deltas has fewer than two values', s.where())
    const bytes = w === 0 ? 0 : Math.ceil(((n - 2) * w) / 8)
    if (q + bytes > end) throw this.cut()
    if (typeof firstValue !== 'number' || typeof deltaBase !== 'number' || w >= 56) return this.exactRun(p)
    const lit = this.lit
    lit[0] = firstValue
    if (w === 0) {
      for (let i = 1; i < n; i++) lit[i] = lit[i - 1] + deltaBase
    } else {
      lit[1] = firstValue + deltaBase
      unpack(buf, q, w, n - 2, this.scratch)
      const d = this.scratch
      if (deltaBase < 0) for (let i = 2; i < n; i++) lit[i] = lit[i - 1] - d[i - 2]
      else for (let i = 2; i < n; i++) lit[i] = lit[i - 1] + d[i - 2]
    }
    // Each sum is exact while every value stays safe (a step past ±2^53 shows as an unsafe value).
    if (!rangeSafe(lit, n)) return this.exactRun(p)
    this.n = n
    s.pos = q + bytes
    return true
  }

  /** The run at p decoded with bigints (64-bit wrapping arithmetic); unsafe values go to litWide. */
  private exactRun(p: number): boolean {
    const s = this.stream
    const buf = s.buf
    const end = s.end
    const first = buf[p]
    const values: bigint[] = []
    let stop: number
    const zz = (u: bigint) => (this.signed ? ((u & 1n) === 0n ? u >> 1n : -((u + 1n) >> 1n)) : u)
    switch (first >>> 6) {
      case 0: {
        const size = ((first >>> 3) & 7) + 1
        const v = zz(beBig(buf, p + 1, size))
        for (let i = 0; i < (first & 7) + 3; i++) values.push(v)
        stop = p + 1 + size
        break
      }
      case 1: {
        const w = WIDTH[(first >>> 1) & 31]
        const n = (((first & 1) << 8) | buf[p + 1]) + 1
        for (const u of unpackBig(buf, p + 2, w, n)) values.push(zz(u))
        stop = p + 2 + Math.ceil((n * w) / 8)
        break
      }
      case 2: {
        const fb = WIDTH[(first >>> 1) & 31]
        const n = (((first & 1) << 8) | buf[p + 1]) + 1
        const bw = ((buf[p + 2] >>> 5) & 7) + 1
        const pw = WIDTH[buf[p + 2] & 31]
        const pgw = ((buf[p + 3] >>> 5) & 7) + 1
        const pl = buf[p + 3] & 31
        const cfb = closestFixedBits(pw + pgw)
        let base = beBig(buf, p + 4, bw)
        const sign = 1n << BigInt(bw * 8 - 1)
        if (base & sign) base = -(base & ~sign)
        const dataBytes = Math.ceil((n * fb) / 8)
        const data = unpackBig(buf, p + 4 + bw, fb, n)
        const patches = unpackBig(buf, p + 4 + bw + dataBytes, cfb, pl)
        const mask = (1n << BigInt(pw)) - 1n
        let k = 0
        const advance = (from: number) => {
          let gap = 0
          for (;;) {
            if (k >= pl) return -1
            const g = Number(patches[k] >> BigInt(pw))
            if (g === 255 && (patches[k] & mask) === 0n) {
              gap += 255
              k++
              continue
            }
            return from + gap + g
          }
        }
        let next = advance(0)
        for (let i = 0; i < n; i++) {
          let v = data[i]
          if (i === next) {
            v |= (patches[k] & mask) << BigInt(fb)
            k++
            next = advance(i)
          }
          values.push(base + v)
        }
        stop = p + 4 + bw + dataBytes + Math.ceil((pl * cfb) / 8)
        break
      }
      default: {
        const code = (first >>> 1) & 31
        const w = code === 0 ? 0 : WIDTH[code]
        const n = (((first & 1) << 8) | buf[p + 1]) + 1
        const f = this.signed ? readSigned(buf, p + 2, end, s) : readUnsigned(buf, p + 2, end, s)
        const d = readSigned(buf, at.pos, end, s)
        const q = at.pos
        let prev = BigInt(f)
        const db = BigInt(d)
        values.push(prev)
        if (w === 0) {
          for (let i = 1; i < n; i++) values.push((prev = BigInt.asIntN(64, prev + db)))
        } else {
          values.push((prev = BigInt.asIntN(64, prev + db)))
          for (const u of unpackBig(buf, q, w, n - 2)) values.push((prev = BigInt.asIntN(64, db < 0n ? prev - u : prev + u)))
        }
        stop = q + (w === 0 ? 0 : Math.ceil(((n - 2) * w) / 8))
      }
    }
    const lit = this.lit
    for (let i = 0; i < values.length; i++) {
      const v = BigInt.asIntN(64, values[i])
      lit[i] = Number(v)
      if (v > 9007199254740991n || v < -9007199254740991n) (this.litWide ??= new Map()).set(i, v)
    }
    this.n = values.length
    s.pos = stop
    return true
  }

  private cut() {
    return corrupt(`an integer run is cut short by the end of the ${this.stream.kind} stream`, this.stream.where())
  }
}

function rangeSafe(lit: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (lit[i] > MAX_SAFE || lit[i] < -MAX_SAFE) return false
  return true
}

/**
 * `n` big-endian bit-packed unsigned values of `w` bits (w ≤ 48: exact as numbers) from buf[p..],
 * into out[0..n). The caller has checked that the bytes are there.
 */
export function unpack(buf: Uint8Array, p: number, w: number, n: number, out: Float64Array): void {
  switch (w) {
    case 8:
      for (let i = 0; i < n; i++) out[i] = buf[p + i]
      return
    case 16:
      for (let i = 0; i < n; i++, p += 2) out[i] = (buf[p] << 8) | buf[p + 1]
      return
    case 24:
      for (let i = 0; i < n; i++, p += 3) out[i] = (buf[p] << 16) | (buf[p + 1] << 8) | buf[p + 2]
      return
    case 32:
      for (let i = 0; i < n; i++, p += 4) out[i] = ((buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3]) >>> 0
      return
    case 40:
      for (let i = 0; i < n; i++, p += 5) out[i] = buf[p] * TWO_32 + (((buf[p + 1] << 24) | (buf[p + 2] << 16) | (buf[p + 3] << 8) | buf[p + 4]) >>> 0)
      return
    case 48:
      for (let i = 0; i < n; i++, p += 6) out[i] = ((buf[p] << 8) | buf[p + 1]) * TWO_32 + (((buf[p + 2] << 24) | (buf[p + 3] << 16) | (buf[p + 4] << 8) | buf[p + 5]) >>> 0)
      return
  }
  if (w < 24) {
    // An int accumulator: at most 7 leftover bits + 24 new ones.
    const mask = (1 << w) - 1
    let acc = 0
    let bits = 0
    for (let i = 0; i < n; i++) {
      while (bits < w) {
        acc = (acc << 8) | buf[p++]
        bits += 8
      }
      bits -= w
      out[i] = (acc >>> bits) & mask
      acc &= (1 << bits) - 1
    }
    return
  }
  // 26, 28, 30 bits: a float accumulator (at most 37 bits, exact).
  let acc = 0
  let bits = 0
  for (let i = 0; i < n; i++) {
    while (bits < w) {
      acc = acc * 256 + buf[p++]
      bits += 8
    }
    bits -= w
    const div = 2 ** bits
    const v = Math.floor(acc / div)
    out[i] = v
    acc -= v * div
  }
}

function beBig(buf: Uint8Array, p: number, size: number): bigint {
  let v = 0n
  for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(buf[p + i])
  return v
}

function unpackBig(buf: Uint8Array, p: number, w: number, n: number): bigint[] {
  const out: bigint[] = []
  let acc = 0n
  let bits = 0
  const bw = BigInt(w)
  const mask = (1n << bw) - 1n
  for (let i = 0; i < n; i++) {
    while (bits < w) {
      acc = (acc << 8n) | BigInt(buf[p++])
      bits += 8
    }
    bits -= w
    out.push((acc >> BigInt(bits)) & mask)
    acc &= (1n << BigInt(bits)) - 1n
  }
  return out
}
