/**
 * Byte run-length encoding (tinyint columns, and the bytes under every boolean stream): a header,
 * then a run of 3–130 copies of one byte or 1–128 literal bytes. Booleans (PRESENT streams,
 * boolean columns) are those bytes' bits, most significant first.
 */
import { corrupt } from './errors.js'
import type { OrcStream } from './stream.js'

export class ByteRle {
  private run = 0
  private literal = false
  private value = 0

  constructor(readonly stream: OrcStream) {}

  /** Up to `n` bytes into out[at..]; fewer only when the stream must load() first. */
  read(out: Uint8Array, at: number, n: number): number {
    const s = this.stream
    let got = 0
    while (got < n) {
      if (this.run === 0 && !this.header()) break
      let k = Math.min(n - got, this.run)
      if (this.literal) {
        // Literal bytes may straddle a chunk: take what is decoded.
        if (s.end - s.pos < k && !s.need(k)) k = s.end - s.pos
        if (s.end - s.pos < k) k = s.end - s.pos
        if (k === 0) {
          if (s.done) throw corrupt(`literal bytes are cut short by the end of the ${s.kind} stream`, s.where())
          break
        }
        out.set(s.buf.subarray(s.pos, s.pos + k), at + got)
        s.pos += k
      } else out.fill(this.value, at + got, at + got + k)
      this.run -= k
      got += k
    }
    return got
  }

  skip(n: number): number {
    const s = this.stream
    let got = 0
    while (got < n) {
      if (this.run === 0 && !this.header()) break
      let k = Math.min(n - got, this.run)
      if (this.literal) {
        if (s.end - s.pos < k && !s.need(k)) k = s.end - s.pos
        if (s.end - s.pos < k) k = s.end - s.pos
        if (k === 0) {
          if (s.done) throw corrupt(`literal bytes are cut short by the end of the ${s.kind} stream`, s.where())
          break
        }
        s.pos += k
      }
      this.run -= k
      got += k
    }
    return got
  }

  private header(): boolean {
    const s = this.stream
    if (s.end - s.pos < 2 && !s.need(2)) return false
    if (s.pos >= s.end) throw corrupt(`the ${s.kind} stream ends before all of its values`, s.where())
    const h = s.buf[s.pos++]
    if (h < 128) {
      if (s.pos >= s.end) throw corrupt(`a byte run is cut short by the end of the ${s.kind} stream`, s.where())
      this.run = h + 3
      this.literal = false
      this.value = s.buf[s.pos++]
    } else {
      this.run = 256 - h
      this.literal = true
    }
    return true
  }
}

export class BoolRle {
  private readonly bytes: ByteRle
  private current = 0
  /** Bits of `current` not yet used. */
  private left = 0
  private readonly one = new Uint8Array(1)

  constructor(readonly stream: OrcStream) {
    this.bytes = new ByteRle(stream)
  }

  /** Up to `n` booleans (0/1) into out[at..]; fewer only when the stream must load() first. */
  read(out: Uint8Array, at: number, n: number): number {
    let got = this.drain(out, at, n)
    // Whole bytes in bulk, then the start of the next one.
    const whole = (n - got) >>> 3
    if (whole > 0) {
      if (this.scratch.length < whole) this.scratch = new Uint8Array(Math.max(whole, 128))
      const sc = this.scratch
      const k = this.bytes.read(sc, 0, whole)
      let o = at + got
      for (let j = 0; j < k; j++, o += 8) {
        const b = sc[j]
        out[o] = b >>> 7
        out[o + 1] = (b >>> 6) & 1
        out[o + 2] = (b >>> 5) & 1
        out[o + 3] = (b >>> 4) & 1
        out[o + 4] = (b >>> 3) & 1
        out[o + 5] = (b >>> 2) & 1
        out[o + 6] = (b >>> 1) & 1
        out[o + 7] = b & 1
      }
      got += k * 8
      if (k < whole) return got
    }
    if (got < n) {
      if (this.bytes.read(this.one, 0, 1) === 0) return got
      this.current = this.one[0]
      this.left = 8
      got += this.drain(out, at + got, n - got)
    }
    return got
  }

  /** Bits left of the current byte, up to n. */
  private drain(out: Uint8Array, at: number, n: number): number {
    const c = this.current
    let left = this.left
    const k = Math.min(n, left)
    for (let i = 0; i < k; i++) out[at + i] = (c >>> --left) & 1
    this.left = left
    return k
  }

  private scratch = new Uint8Array(128)

  skip(n: number): number {
    let got = Math.min(n, this.left)
    this.left -= got
    const whole = (n - got) >>> 3
    if (whole > 0) {
      const k = this.bytes.skip(whole)
      got += k * 8
      if (k < whole) return got
    }
    if (got < n) {
      if (this.bytes.read(this.one, 0, 1) === 0) return got
      this.current = this.one[0]
      const k = n - got
      this.left = 8 - k
      got += k
    }
    return got
  }
}
