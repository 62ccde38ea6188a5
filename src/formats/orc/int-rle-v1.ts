/**
 * Integer run-length encoding, version 1 (DIRECT and DICTIONARY columns, files of format 0.11):
 * a header byte, then either a run (3–130 values: base + i × delta, delta a signed byte) or
 * 1–128 literal varints.
 */
import { corrupt } from './errors.js'
import { MAX_SAFE, RunDecoder } from './int-decoder.js'
import type { OrcStream } from './stream.js'
import { at, readSigned, readUnsigned } from './varint.js'

const MAX_RUN_BYTES = 1 + 128 * 10

export class IntRleV1 extends RunDecoder {
  constructor(stream: OrcStream, signed: boolean) {
    super(stream, signed, 130)
  }

  protected run(): boolean {
    const s = this.stream
    if (s.end - s.pos < MAX_RUN_BYTES && !s.need(MAX_RUN_BYTES)) return false
    if (s.pos >= s.end) throw corrupt(`the ${s.kind} stream ends before all of its values`, s.where())
    this.litWide = undefined
    this.used = 0
    const buf = s.buf
    const end = s.end
    const h = buf[s.pos]
    const lit = this.lit
    const value = (p: number, i: number) => {
      const v = this.signed ? readSigned(buf, p, end, s) : readUnsigned(buf, p, end, s)
      if (typeof v === 'number') lit[i] = v
      else {
        lit[i] = Number(BigInt.asIntN(64, v))
        ;(this.litWide ??= new Map()).set(i, BigInt.asIntN(64, v))
      }
      return v
    }
    if (h < 128) {
      // A run: h + 3 values, a signed byte delta, then the base.
      const n = h + 3
      if (s.pos + 2 >= end) throw corrupt(`an integer run is cut short by the end of the ${s.kind} stream`, s.where())
      const delta = (buf[s.pos + 1] << 24) >> 24
      const base = value(s.pos + 2, 0)
      s.pos = at.pos
      if (typeof base === 'number' && Math.abs(base) + n * 128 <= MAX_SAFE) {
        for (let i = 1; i < n; i++) lit[i] = base + i * delta
      } else {
        const b = BigInt(base)
        for (let i = 0; i < n; i++) {
          const v = BigInt.asIntN(64, b + BigInt(i * delta))
          lit[i] = Number(v)
          if (v > 9007199254740991n || v < -9007199254740991n) (this.litWide ??= new Map()).set(i, v)
          else this.litWide?.delete(i)
        }
      }
      this.n = n
    } else {
      // Literals: 256 - h varints.
      const n = 256 - h
      let p = s.pos + 1
      for (let i = 0; i < n; i++) {
        value(p, i)
        p = at.pos
      }
      s.pos = p
      this.n = n
    }
    return true
  }
}
