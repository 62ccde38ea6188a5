/**
 * Thrift compact protocol, decode only, into plain objects keyed by field id. Parquet footers and
 * page headers are small, so a generic decoder is enough; metadata.ts gives the fields names.
 * Bounded: nesting depth (structs, lists and maps alike), and an optional budget of decoded values,
 * so a footer of millions of empty structs cannot become gigabytes of objects.
 */
export type ThriftValue = number | boolean | Uint8Array | ThriftValue[] | ThriftStruct | undefined
export interface ThriftStruct {
  [field: number]: ThriftValue
}

/**
 * `limit`: a documented limit was hit (LIMIT_EXCEEDED). `truncated`: the bytes end before the structure
 * does — a reader that decoded a peeked prefix may peek more. Neither: the bytes are not valid thrift.
 */
export class ThriftError extends Error {
  readonly limit: boolean
  readonly truncated: boolean
  constructor(message: string, reason: 'invalid' | 'limit' | 'truncated' = 'invalid') {
    super(message)
    this.limit = reason === 'limit'
    this.truncated = reason === 'truncated'
  }
}

export interface Cursor {
  buf: Uint8Array
  pos: number
  /** Values still allowed to be decoded (every struct, list element, map entry and scalar counts one). */
  budget?: number
}

/** Deeper than any Parquet structure (FileMetaData → row group → column → stats is 4). */
export const THRIFT_MAX_DEPTH = 32

const T_TRUE = 1
const T_FALSE = 2
const T_BYTE = 3
const T_I16 = 4
const T_I32 = 5
const T_I64 = 6
const T_DOUBLE = 7
const T_BINARY = 8
const T_LIST = 9
const T_SET = 10
const T_MAP = 11
const T_STRUCT = 12

export function readStruct(c: Cursor, depth = 0): ThriftStruct {
  if (depth > THRIFT_MAX_DEPTH) throw new ThriftError('thrift structure nested too deeply', 'limit')
  spend(c, 1)
  const out: ThriftStruct = {}
  let lastId = 0
  for (;;) {
    const header = byte(c)
    if (header === 0) return out
    const type = header & 0x0f
    const delta = header >> 4
    const id = delta === 0 ? zigzag32(varint(c)) : lastId + delta
    lastId = id
    out[id] = type === T_TRUE ? true : type === T_FALSE ? false : readValue(c, type, depth + 1)
  }
}

function readValue(c: Cursor, type: number, depth: number): ThriftValue {
  switch (type) {
    case T_TRUE:
    case T_FALSE:
      // Only inside lists: a byte per element.
      return byte(c) === T_TRUE
    case T_BYTE: {
      const b = byte(c)
      return b > 127 ? b - 256 : b
    }
    case T_I16:
    case T_I32:
      return zigzag32(varint(c))
    case T_I64:
      return zigzag64(c)
    case T_DOUBLE: {
      need(c, 8)
      const v = new DataView(c.buf.buffer, c.buf.byteOffset + c.pos, 8).getFloat64(0, true)
      c.pos += 8
      return v
    }
    case T_BINARY: {
      const len = varint(c)
      need(c, len)
      const v = c.buf.subarray(c.pos, c.pos + len)
      c.pos += len
      return v
    }
    case T_LIST:
    case T_SET: {
      if (depth > THRIFT_MAX_DEPTH) throw new ThriftError('thrift structure nested too deeply', 'limit')
      const h = byte(c)
      let size = h >> 4
      if (size === 15) size = varint(c)
      const et = h & 0x0f
      // Every element takes at least one byte: a count the remaining bytes cannot hold is corrupt.
      if (size > c.buf.length - c.pos) throw new ThriftError('thrift list longer than its buffer')
      spend(c, size)
      const list: ThriftValue[] = new Array(size)
      for (let i = 0; i < size; i++) list[i] = readValue(c, et, depth + 1)
      return list
    }
    case T_MAP: {
      if (depth > THRIFT_MAX_DEPTH) throw new ThriftError('thrift structure nested too deeply', 'limit')
      const size = varint(c)
      if (size === 0) return []
      const kv = byte(c)
      if (size * 2 > c.buf.length - c.pos) throw new ThriftError('thrift map longer than its buffer')
      spend(c, size)
      const entries: ThriftValue[] = new Array(size)
      for (let i = 0; i < size; i++) entries[i] = [readValue(c, kv >> 4, depth + 1), readValue(c, kv & 0x0f, depth + 1)]
      return entries
    }
    case T_STRUCT:
      return readStruct(c, depth)
    default:
      throw new ThriftError(`unknown thrift type ${type}`)
  }
}

function spend(c: Cursor, n: number): void {
  if (c.budget === undefined) return
  c.budget -= n
  if (c.budget < 0) throw new ThriftError('thrift structure holds more values than allowed', 'limit')
}

function need(c: Cursor, n: number): void {
  if (c.pos + n > c.buf.length) throw new ThriftError('thrift data ends early', 'truncated')
}

function byte(c: Cursor): number {
  if (c.pos >= c.buf.length) throw new ThriftError('thrift data ends early', 'truncated')
  return c.buf[c.pos++]
}

export function varint(c: Cursor): number {
  let result = 0
  let shift = 0
  for (;;) {
    const b = byte(c)
    result += (b & 0x7f) * 2 ** shift
    if ((b & 0x80) === 0) return result
    shift += 7
    if (shift > 63) throw new ThriftError('varint too long')
  }
}

/** Zigzag-decoded integer (thrift compact ints). */
export function zigzag32(n: number): number {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2
}

// Parquet's i64 fields (sizes, offsets, counts) fit a double; beyond 2^53 they are rejected by
// metadata.ts's checks (not safe integers), so precision loss cannot pass unnoticed.
function zigzag64(c: Cursor): number {
  return zigzag32(varint(c))
}
