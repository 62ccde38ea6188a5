/**
 * Protocol Buffers, decode only, driven by a small field table per message (ORC's metadata is a
 * fixed, shallow schema). Bounded by construction: lengths are checked against the enclosing
 * message before anything is read, nesting follows the table (so its depth is the table's), and
 * every decoded element is charged to a budget, so a footer of millions of empty messages stops
 * at a documented limit instead of filling memory.
 */

/** Damaged bytes (ORC_CORRUPT). */
export class ProtoError extends Error {}
/** The element budget ran out (LIMIT_EXCEEDED). */
export class ProtoLimitError extends Error {}

/**
 * `uint`/`sint`: a number, exact (a value of 2^53 or more is an error: no count or offset in a real
 * file is that large); `uint64`/`sint64`: a bigint (statistics); `double`: fixed64 IEEE; `bytes`:
 * a view into the input; a table: a nested message.
 */
export type FieldKind = 'uint' | 'sint' | 'uint64' | 'sint64' | 'bool' | 'double' | 'string' | 'bytes' | MessageTable

export interface MessageTable {
  readonly [field: number]: readonly [name: string, kind: FieldKind, repeated?: 'repeated']
}

export interface Budget {
  /** Elements (messages, repeated values, strings) that may still be decoded. */
  left: number
}

export type Message = Record<string, unknown>

const TWO_53 = 2 ** 53
// Column names and other metadata text: bytes that are not UTF-8 are a damaged file, not U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Decodes buf[start, end) as one message of `table`. */
export function decodeMessage(buf: Uint8Array, start: number, end: number, table: MessageTable, budget: Budget): Message {
  const out: Message = {}
  const c = { pos: start }
  while (c.pos < end) {
    const key = varint(buf, c, end)
    const field = Math.floor(key / 8)
    const wire = key % 8
    const spec = table[field]
    if (spec === undefined) {
      skip(buf, c, end, wire)
      continue
    }
    const [name, kind, repeated] = spec
    if (repeated && wire === 2 && isPackable(kind)) {
      // Packed repeated scalars: one length-delimited run of values.
      const stop = lengthEnd(buf, c, end)
      const list = (out[name] as unknown[] | undefined) ?? (out[name] = [])
      while (c.pos < stop) {
        charge(budget)
        list.push(scalar(buf, c, stop, kind, kind === 'double' ? 1 : 0))
      }
      continue
    }
    charge(budget)
    const value = read(buf, c, end, wire, kind, budget)
    if (repeated) ((out[name] as unknown[] | undefined) ?? (out[name] = [])).push(value)
    else out[name] = value
  }
  return out
}

function isPackable(kind: FieldKind): boolean {
  return kind === 'uint' || kind === 'sint' || kind === 'uint64' || kind === 'sint64' || kind === 'bool' || kind === 'double'
}

function charge(budget: Budget): void {
  if (--budget.left < 0) throw new ProtoLimitError('metadata holds more elements than the limit allows')
}

function read(buf: Uint8Array, c: { pos: number }, end: number, wire: number, kind: FieldKind, budget: Budget): unknown {
  if (typeof kind === 'object') {
    if (wire !== 2) throw new ProtoError(`a nested message has wire type ${wire}`)
    const stop = lengthEnd(buf, c, end)
    const m = decodeMessage(buf, c.pos, stop, kind, budget)
    c.pos = stop
    return m
  }
  if (kind === 'string' || kind === 'bytes') {
    if (wire !== 2) throw new ProtoError(`a ${kind} field has wire type ${wire}`)
    const stop = lengthEnd(buf, c, end)
    const v = buf.subarray(c.pos, stop)
    c.pos = stop
    if (kind === 'bytes') return v
    try {
      return utf8.decode(v)
    } catch {
      throw new ProtoError('a string field is not valid UTF-8')
    }
  }
  const expected = kind === 'double' ? 1 : 0
  if (wire !== expected) throw new ProtoError(`a ${kind} field has wire type ${wire}`)
  return scalar(buf, c, end, kind, wire)
}

function scalar(buf: Uint8Array, c: { pos: number }, end: number, kind: FieldKind, wire: number): unknown {
  if (wire === 1) {
    if (c.pos + 8 > end) throw new ProtoError('a fixed64 value runs past the end of its message')
    const v = new DataView(buf.buffer, buf.byteOffset + c.pos, 8).getFloat64(0, true)
    c.pos += 8
    return v
  }
  switch (kind) {
    case 'uint':
      return varint(buf, c, end)
    case 'sint': {
      const u = varint(buf, c, end)
      return u % 2 === 0 ? u / 2 : -(u + 1) / 2
    }
    case 'bool':
      return varint(buf, c, end) !== 0
    case 'uint64':
      return bigVarint(buf, c, end)
    case 'sint64': {
      const u = bigVarint(buf, c, end)
      return (u & 1n) === 0n ? u >> 1n : -((u + 1n) >> 1n)
    }
    default:
      throw new ProtoError(`unexpected scalar kind ${String(kind)}`)
  }
}

/** A varint as an exact number; ProtoError when it is 2^53 or more, or runs past `end`. */
export function varint(buf: Uint8Array, c: { pos: number }, end: number): number {
  let value = 0
  let scale = 1
  for (let i = 0; i < 10; i++) {
    if (c.pos >= end) throw new ProtoError('a varint runs past the end of its message')
    const b = buf[c.pos++]
    value += (b & 0x7f) * scale
    if (b < 0x80) {
      if (value >= TWO_53) throw new ProtoError(`a varint of 2^53 or more where a count or offset belongs`)
      return value
    }
    scale *= 128
  }
  throw new ProtoError('a varint longer than 10 bytes')
}

function bigVarint(buf: Uint8Array, c: { pos: number }, end: number): bigint {
  let value = 0n
  let shift = 0n
  for (let i = 0; i < 10; i++) {
    if (c.pos >= end) throw new ProtoError('a varint runs past the end of its message')
    const b = buf[c.pos++]
    value |= BigInt(b & 0x7f) << shift
    if (b < 0x80) return BigInt.asUintN(64, value)
    shift += 7n
  }
  throw new ProtoError('a varint longer than 10 bytes')
}

function lengthEnd(buf: Uint8Array, c: { pos: number }, end: number): number {
  const n = varint(buf, c, end)
  if (n > end - c.pos) throw new ProtoError(`a length of ${n} bytes runs past the end of its message`)
  return c.pos + n
}

function skip(buf: Uint8Array, c: { pos: number }, end: number, wire: number): void {
  switch (wire) {
    case 0:
      for (;;) {
        if (c.pos >= end) throw new ProtoError('a varint runs past the end of its message')
        if (buf[c.pos++] < 0x80) return
      }
    case 1:
      c.pos += 8
      break
    case 2:
      c.pos = lengthEnd(buf, c, end)
      return
    case 5:
      c.pos += 4
      break
    default:
      throw new ProtoError(`wire type ${wire} is not valid here`)
  }
  if (c.pos > end) throw new ProtoError('a fixed-size value runs past the end of its message')
}
