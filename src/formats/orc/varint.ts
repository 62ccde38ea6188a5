/**
 * Base-128 varints inside data streams (integer RLE v1 values, RLE v2 DELTA headers, decimals),
 * read from decoded stream bytes with an explicit end. The position is returned through `at`
 * (one shared object: these calls happen once per run, not per value).
 */
import { corrupt, type OrcWhere } from './errors.js'

/** The stream a varint is read from (for errors). */
export interface VarintSource {
  readonly kind: string
  where(): OrcWhere
}

export const at = { pos: 0 }

/** An unsigned varint of up to 64 bits: a number when below 2^53, else a bigint. */
export function readUnsigned(buf: Uint8Array, pos: number, end: number, what: VarintSource): number | bigint {
  const start = pos
  let value = 0
  let scale = 1
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw corrupt(`a varint runs past the end of the ${what.kind} stream`, what.where())
    const b = buf[pos++]
    value += (b & 0x7f) * scale
    if (b < 0x80) {
      // Past 2^53 the sum above is approximate: decode it again exactly.
      if (value > 9007199254740991) return slowUnsigned(buf, start, end, what)
      at.pos = pos
      return value
    }
    scale *= 128
  }
  throw corrupt(`a varint in the ${what.kind} stream is longer than 10 bytes`, what.where())
}

/** A zigzag-encoded signed varint of up to 64 bits. */
export function readSigned(buf: Uint8Array, pos: number, end: number, what: VarintSource): number | bigint {
  const u = readUnsigned(buf, pos, end, what)
  if (typeof u === 'number') return u % 2 === 0 ? u / 2 : -(u + 1) / 2
  const s = (u & 1n) === 0n ? u >> 1n : -((u + 1n) >> 1n)
  return s >= -9007199254740991n && s <= 9007199254740991n ? Number(s) : s
}

function slowUnsigned(buf: Uint8Array, pos: number, end: number, what: VarintSource): number | bigint {
  let value = 0n
  let shift = 0n
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw corrupt(`a varint runs past the end of the ${what.kind} stream`, what.where())
    const b = buf[pos++]
    value |= BigInt(b & 0x7f) << shift
    if (b < 0x80) {
      at.pos = pos
      value = BigInt.asUintN(64, value)
      return value <= 9007199254740991n ? Number(value) : value
    }
    shift += 7n
  }
  throw corrupt(`a varint in the ${what.kind} stream is longer than 10 bytes`, what.where())
}

/** An unbounded signed (zigzag) varint as a bigint: decimal DATA values, at most `maxBytes` long. */
export function readBigSigned(buf: Uint8Array, pos: number, end: number, maxBytes: number, what: VarintSource): bigint {
  let value = 0n
  let shift = 0n
  for (let i = 0; i < maxBytes; i++) {
    if (pos >= end) throw corrupt(`a varint runs past the end of the ${what.kind} stream`, what.where())
    const b = buf[pos++]
    value |= BigInt(b & 0x7f) << shift
    if (b < 0x80) {
      at.pos = pos
      return (value & 1n) === 0n ? value >> 1n : -((value + 1n) >> 1n)
    }
    shift += 7n
  }
  throw corrupt(`a varint in the ${what.kind} stream is longer than ${maxBytes} bytes`, what.where())
}
