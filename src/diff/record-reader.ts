/** Reading the records record.ts writes: values, and the offsets of a record's parts. */
import { f64, f64Bytes, T_BIGINT, T_DATE, T_DATE_F64, T_DICT, T_F64, T_FALSE, T_HEX, T_HEX_PART, T_STR, T_TRUE, T_UINT, T_UNDEF, type Buf, type StringDict } from './record.js'

/** Reads records; `pos` is the cursor the read functions move. */
export class RecordReader {
  pos = 0
  constructor(
    readonly buf: Buf,
    private readonly dict: StringDict,
  ) {}

  varint(): number {
    const buf = this.buf
    let n = 0
    let mul = 1
    let b: number
    do {
      b = buf[this.pos++]
      n += (b & 127) * mul
      mul *= 128
    } while (b & 128)
    return n
  }

  /** Skips one value. */
  skip(): void {
    const tag = this.buf[this.pos++]
    if (tag === T_UINT || tag === T_DATE || tag === T_DICT) this.varint()
    else if (tag === T_F64 || tag === T_DATE_F64) this.pos += 8
    else if (tag === T_STR || tag === T_BIGINT || tag === T_HEX || tag === T_HEX_PART) {
      const n = this.varint() // (not `pos += varint()`: that would add to pos as it was before the varint)
      this.pos += n
      if (tag === T_HEX_PART) this.varint()
    }
  }

  value(): unknown {
    const buf = this.buf
    const tag = buf[this.pos++]
    switch (tag) {
      case T_UNDEF:
        return undefined
      case T_FALSE:
        return false
      case T_TRUE:
        return true
      case T_UINT:
        return this.varint()
      case T_F64:
        return this.double()
      case T_DATE:
        return new Date(this.varint())
      case T_DATE_F64:
        return new Date(this.double())
      case T_DICT:
        return this.dict.values[this.varint()]
      case T_STR:
      case T_BIGINT: {
        const n = this.varint()
        const s = buf.utf8Slice(this.pos, this.pos + n)
        this.pos += n
        return tag === T_STR ? s : BigInt(s)
      }
      case T_HEX:
      case T_HEX_PART: {
        const n = this.varint()
        const s = buf.hexSlice(this.pos, this.pos + n)
        this.pos += n
        return tag === T_HEX ? s : `${s}-${this.varint()}`
      }
      default:
        throw new RangeError(`unknown value tag ${tag}`)
    }
  }

  private double(): number {
    for (let i = 0; i < 8; i++) f64Bytes[i] = this.buf[this.pos + i]
    this.pos += 8
    return f64[0]
  }
}

/** A record's parts, as offsets into its buffer. */
export interface RecordSpans {
  /** Identity span: from the key's length through the key (and versionId, when identity has it). */
  idStart: number
  idEnd: number
  keyStart: number
  keyEnd: number
  /** -1 when the row has no versionId. */
  vidStart: number
  vidEnd: number
  /** First fixed field, and the end of the last. */
  fixed: number
  fixedEnd: number
}

/** The spans of the record at `at` (its length prefix). */
export function spans(r: RecordReader, at: number, versioned: boolean, out: RecordSpans): RecordSpans {
  r.pos = at + 8
  out.idStart = r.pos
  const kLen = r.varint()
  out.keyStart = r.pos
  out.keyEnd = r.pos + kLen
  r.pos = out.keyEnd
  const v = r.varint()
  if (v === 0) {
    out.vidStart = out.vidEnd = -1
  } else {
    out.vidStart = r.pos
    out.vidEnd = r.pos + v - 1
    r.pos = out.vidEnd
  }
  out.idEnd = versioned ? r.pos : out.keyEnd
  const n = r.varint()
  out.fixed = r.pos
  out.fixedEnd = r.pos + n
  return out
}

export const newSpans = (): RecordSpans => ({ idStart: 0, idEnd: 0, keyStart: 0, keyEnd: 0, vidStart: -1, vidEnd: -1, fixed: 0, fixedEnd: 0 })

/** u32 little-endian at `at`. */
export function u32(buf: Uint8Array, at: number): number {
  return (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24)) >>> 0
}
