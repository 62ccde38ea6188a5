/**
 * Hand-built Parquet files for hostile and fuzz tests: a thrift compact-protocol writer and a file
 * builder where every header field can be set to anything (sizes, counts, codecs, encodings) —
 * what no real writer would produce.
 */

/** A thrift value to encode. */
export type TV =
  | { t: 'i32' | 'i64'; v: number | bigint }
  | { t: 'bin'; v: Uint8Array | string }
  | { t: 'bool'; v: boolean }
  | { t: 'struct'; v: Record<number, TV | undefined> }
  | { t: 'list'; elem: 'i32' | 'i64' | 'bin' | 'struct' | 'list'; v: TV[] }
  | { t: 'raw'; v: Uint8Array }

export const i32 = (v: number): TV => ({ t: 'i32', v })
export const i64 = (v: number | bigint): TV => ({ t: 'i64', v })
export const bin = (v: Uint8Array | string): TV => ({ t: 'bin', v })
export const bool = (v: boolean): TV => ({ t: 'bool', v })
export const struct = (v: Record<number, TV | undefined>): TV => ({ t: 'struct', v })
export const list = (elem: 'i32' | 'i64' | 'bin' | 'struct' | 'list', v: TV[]): TV => ({ t: 'list', elem, v })

const TYPE = { bool: 1, i32: 5, i64: 6, bin: 8, list: 9, struct: 12 } as const

export function varint(n: number | bigint, out: number[]): void {
  let v = BigInt(n)
  do {
    let b = Number(v & 0x7fn)
    v >>= 7n
    if (v > 0n) b |= 0x80
    out.push(b)
  } while (v > 0n)
}
const zigzag = (n: number | bigint) => {
  const v = BigInt(n)
  return v >= 0n ? v * 2n : -v * 2n - 1n
}

function write(tv: TV, out: number[]): void {
  switch (tv.t) {
    case 'i32':
    case 'i64':
      return varint(zigzag(tv.v), out)
    case 'bin': {
      const b = typeof tv.v === 'string' ? Buffer.from(tv.v) : tv.v
      varint(b.length, out)
      for (const x of b) out.push(x)
      return
    }
    case 'bool':
      out.push(tv.v ? 1 : 2)
      return
    case 'raw':
      for (const x of tv.v) out.push(x)
      return
    case 'list': {
      const et = TYPE[tv.elem]
      if (tv.v.length < 15) out.push((tv.v.length << 4) | et)
      else {
        out.push(0xf0 | et)
        varint(tv.v.length, out)
      }
      for (const e of tv.v) write(e, out)
      return
    }
    case 'struct': {
      let last = 0
      for (const id of Object.keys(tv.v).map(Number).sort((a, b) => a - b)) {
        const f = tv.v[id]
        if (f === undefined) continue
        const type = f.t === 'bool' ? (f.v ? 1 : 2) : f.t === 'raw' ? 12 : TYPE[f.t]
        if (id > last && id - last <= 15) out.push(((id - last) << 4) | type)
        else {
          out.push(type)
          varint(zigzag(id), out)
        }
        last = id
        if (f.t !== 'bool') write(f, out)
      }
      out.push(0)
      return
    }
  }
}

export function thrift(tv: TV): Buffer {
  const out: number[] = []
  write(tv, out)
  return Buffer.from(out)
}

export const T = { BOOLEAN: 0, INT32: 1, INT64: 2, INT96: 3, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6, FIXED_LEN_BYTE_ARRAY: 7 } as const

export interface CraftColumn {
  name: string
  type: number
  optional?: boolean
  convertedType?: number
  typeLength?: number
  /** LogicalType (SchemaElement field 10), e.g. struct({ 15: struct({}) }) for FLOAT16. */
  logical?: TV
  scale?: number
  precision?: number
}

export interface CraftPage {
  /** 0 data v1 (default), 2 dictionary, 3 data v2. */
  type?: number
  numValues: number
  encoding?: number
  /** The page body as stored (already compressed when the chunk has a codec). */
  body: Uint8Array
  uncompressedSize?: number
  compressedSize?: number
  /** v2 */
  numNulls?: number
  defLevelsLength?: number
}

export interface CraftChunk {
  codec?: number
  pages: CraftPage[]
  /** Default: the row group's rows. */
  numValues?: number
}

export interface CraftFile {
  columns: CraftColumn[]
  rowGroups: { numRows: number; chunks: CraftChunk[] }[]
  /** Default: the sum of the row groups' rows. */
  numRows?: number
  /** Replaces the encoded footer (FileMetaData) bytes. */
  footer?: Buffer
}

export function pageHeader(p: CraftPage): Buffer {
  const type = p.type ?? 0
  const sizes = { 2: i32(p.uncompressedSize ?? p.body.length), 3: i32(p.compressedSize ?? p.body.length) }
  if (type === 2) return thrift(struct({ 1: i32(2), ...sizes, 7: struct({ 1: i32(p.numValues), 2: i32(p.encoding ?? 0) }) }))
  if (type === 3) {
    return thrift(struct({ 1: i32(3), ...sizes, 8: struct({ 1: i32(p.numValues), 2: i32(p.numNulls ?? 0), 3: i32(p.numValues), 4: i32(p.encoding ?? 0), 5: i32(p.defLevelsLength ?? 0), 6: i32(0) }) }))
  }
  return thrift(struct({ 1: i32(0), ...sizes, 5: struct({ 1: i32(p.numValues), 2: i32(p.encoding ?? 0), 3: i32(3), 4: i32(3) }) }))
}

/** A whole file: PAR1, the pages of each chunk, the footer, its length, PAR1. */
export function craftParquet(f: CraftFile): Buffer {
  const parts: Buffer[] = [Buffer.from('PAR1')]
  let pos = 4
  const rowGroups = f.rowGroups.map((rg) => {
    const chunks = rg.chunks.map((c, j) => {
      const start = pos
      let dict: number | undefined
      for (const p of c.pages) {
        if ((p.type ?? 0) === 2) dict = pos
        const h = pageHeader(p)
        parts.push(h, Buffer.from(p.body))
        pos += h.length + p.body.length
      }
      const col = f.columns[j]
      const dataStart = dict === start ? start + pageHeader(c.pages[0]).length + c.pages[0].body.length : start
      return struct({
        2: i64(start),
        3: struct({
          1: i32(col.type),
          2: list('i32', [i32(0), i32(3)]),
          3: list('bin', [bin(col.name)]),
          4: i32(c.codec ?? 0),
          5: i64(c.numValues ?? rg.numRows),
          6: i64(pos - start),
          7: i64(pos - start),
          9: i64(dataStart),
          11: dict !== undefined ? i64(dict) : undefined,
        }),
      })
    })
    return struct({ 1: list('struct', chunks), 2: i64(0), 3: i64(rg.numRows) })
  })
  const schema = [
    struct({ 4: bin('schema'), 5: i32(f.columns.length) }),
    ...f.columns.map((c) => struct({ 1: i32(c.type), 2: c.typeLength !== undefined ? i32(c.typeLength) : undefined, 3: i32(c.optional ? 1 : 0), 4: bin(c.name), 6: c.convertedType !== undefined ? i32(c.convertedType) : undefined, 7: c.scale !== undefined ? i32(c.scale) : undefined, 8: c.precision !== undefined ? i32(c.precision) : undefined, 10: c.logical })),
  ]
  const numRows = f.numRows ?? f.rowGroups.reduce((n, rg) => n + rg.numRows, 0)
  const footer = f.footer ?? thrift(struct({ 1: i32(1), 2: list('struct', schema), 3: i64(numRows), 4: list('struct', rowGroups), 6: bin('parquet-craft') }))
  const len = Buffer.alloc(4)
  len.writeUInt32LE(footer.length)
  parts.push(footer, len, Buffer.from('PAR1'))
  return Buffer.concat(parts)
}

/** PLAIN INT64 values. */
export function plainInt64(values: number[]): Buffer {
  const b = Buffer.alloc(8 * values.length)
  values.forEach((v, i) => b.writeBigInt64LE(BigInt(v), 8 * i))
  return b
}

/** PLAIN BYTE_ARRAY values. */
export function plainStrings(values: string[]): Buffer {
  return Buffer.concat(values.flatMap((v) => {
    const s = Buffer.from(v)
    const l = Buffer.alloc(4)
    l.writeUInt32LE(s.length)
    return [l, s]
  }))
}

/** Definition levels of a v1 page (RLE, with their length prefix): one run of `n` × `level`. */
export function defLevelsRun(n: number, level: number): Buffer {
  const out: number[] = []
  varint(n * 2, out)
  out.push(level)
  const l = Buffer.alloc(4)
  l.writeUInt32LE(out.length)
  return Buffer.concat([l, Buffer.from(out)])
}

/** A DELTA_BINARY_PACKED header (block size, miniblocks, total, first value) followed by `rest`. */
export function deltaHeader(blockSize: number, miniblocks: number, total: number, first: number, rest: number[] = []): Buffer {
  const out: number[] = []
  varint(blockSize, out)
  varint(miniblocks, out)
  varint(total, out)
  varint(zigzag(first), out)
  return Buffer.from([...out, ...rest])
}
