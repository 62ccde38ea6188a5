/**
 * struct, list, map and union columns. A struct's fields hold one value per non-null struct; a
 * list's (or map's) child holds the elements of all its non-null lists back to back, their counts
 * in LENGTH; a union's DATA holds each row's tag and child t the rows tagged t. The elements a
 * window of rows may hold are capped (`maxNested`), so a length read from the file cannot size an
 * allocation beyond that.
 */
import { ByteRle } from './byte-rle.js'
import { checkEncoding, Column, complete, grow, intDecoder, readInts, type StripeContext } from './column.js'
import { corrupt, overLimit } from './errors.js'
import type { IntDecoder } from './int-decoder.js'
import { EncodingKind, StreamKind, TypeKind } from './proto.js'
import { encodingOf } from './stripe.js'
import type { OrcStream } from './stream.js'
import type { OrcType } from './types.js'

export class StructColumn extends Column {
  constructor(
    type: OrcType,
    ctx: StripeContext,
    /** The fields read (all, or those projected), with their names. */
    readonly fields: readonly Column[],
    readonly names: readonly string[],
  ) {
    super(type, ctx)
  }

  protected async readValues(m: number): Promise<void> {
    for (const f of this.fields) await f.read(m)
  }

  protected async skipValues(m: number): Promise<void> {
    for (const f of this.fields) await f.skip(m)
  }

  value(k: number): Record<string, unknown> {
    const o: Record<string, unknown> = {}
    for (let i = 0; i < this.fields.length; i++) o[this.names[i]] = this.fields[i].get(k)
    return o
  }

  streams(): OrcStream[] {
    return this.fields.flatMap((f) => f.streams())
  }
}

/** list<T> and map<K,V>: LENGTH counts, then the children's values. */
export class RepeatedColumn extends Column {
  private readonly lengths: IntDecoder
  private counts = new Float64Array(1024)
  /** Element j of value k is child row starts[k] + j, for j < starts[k + 1] - starts[k]. */
  starts = new Float64Array(1025)

  constructor(
    type: OrcType,
    ctx: StripeContext,
    /** One child for a list, key and value for a map. */
    readonly children: readonly Column[],
  ) {
    super(type, ctx)
    const e = encodingOf(ctx.layout, type.id).kind
    checkEncoding(type, e, [EncodingKind.DIRECT, EncodingKind.DIRECT_V2])
    this.lengths = intDecoder(ctx.streamOrEmpty(type.id, StreamKind.LENGTH), e, false)
  }

  protected async readValues(m: number): Promise<void> {
    const total = await this.counted(m)
    for (const c of this.children) await c.read(total)
  }

  protected async skipValues(m: number): Promise<void> {
    for (let left = m; left > 0; ) {
      const k = Math.min(left, 1024)
      const total = await this.counted(k)
      for (const c of this.children) await c.skip(total)
      left -= k
    }
  }

  private async counted(m: number): Promise<number> {
    this.counts = grow(this.counts, m)
    await readInts(this.lengths, this.counts, m)
    if (this.lengths.wide) {
      this.lengths.wide = undefined
      throw corrupt('an element count is too large to be real', { column: this.type.path })
    }
    if (this.starts.length < m + 1) this.starts = new Float64Array(Math.max(m + 1, 1025))
    const st = this.starts
    const c = this.counts
    let total = 0
    st[0] = 0
    for (let i = 0; i < m; i++) {
      if (c[i] < 0) throw corrupt('an element count is negative', { column: this.type.path, offset: this.lengths.stream.offset })
      total += c[i]
      st[i + 1] = total
    }
    if (total > this.ctx.maxNested) {
      throw overLimit(`one window of rows holds ${total} nested elements, over the limit`, { column: this.type.path, expected: `at most ${this.ctx.maxNested}` })
    }
    return total
  }

  value(k: number): unknown[] {
    const from = this.starts[k]
    const to = this.starts[k + 1]
    const out = new Array(to - from)
    if (this.type.kind === TypeKind.MAP) {
      const [keys, values] = this.children
      for (let j = from; j < to; j++) out[j - from] = { key: keys.get(j), value: values.get(j) }
    } else {
      const child = this.children[0]
      for (let j = from; j < to; j++) out[j - from] = child.get(j)
    }
    return out
  }

  streams(): OrcStream[] {
    return [this.lengths.stream, ...this.children.flatMap((c) => c.streams())]
  }
}

export class UnionColumn extends Column {
  private readonly tags: ByteRle
  private tagValues = new Uint8Array(1024)
  /** For value k: its row in its tag's child. */
  private childRow = new Int32Array(1024)

  constructor(
    type: OrcType,
    ctx: StripeContext,
    readonly children: readonly Column[],
  ) {
    super(type, ctx)
    checkEncoding(type, encodingOf(ctx.layout, type.id).kind, [EncodingKind.DIRECT, EncodingKind.DIRECT_V2])
    this.tags = new ByteRle(ctx.streamOrEmpty(type.id, StreamKind.DATA))
  }

  private async tagged(m: number): Promise<number[]> {
    if (this.tagValues.length < m) {
      this.tagValues = new Uint8Array(m)
      this.childRow = new Int32Array(m)
    }
    const t = this.tagValues
    const got = this.tags.read(t, 0, m)
    if (got < m) await complete(this.tags.stream, m, got, (d) => this.tags.read(t, d, m - d))
    const counts = this.children.map(() => 0)
    for (let i = 0; i < m; i++) {
      const tag = t[i]
      if (tag >= counts.length) throw corrupt(`a union tag is past the union's ${counts.length} types`, { column: this.type.path, actual: String(tag) })
      this.childRow[i] = counts[tag]++
    }
    return counts
  }

  protected async readValues(m: number): Promise<void> {
    const counts = await this.tagged(m)
    for (let c = 0; c < this.children.length; c++) await this.children[c].read(counts[c])
  }

  protected async skipValues(m: number): Promise<void> {
    for (let left = m; left > 0; ) {
      const k = Math.min(left, 1024)
      const counts = await this.tagged(k)
      for (let c = 0; c < this.children.length; c++) await this.children[c].skip(counts[c])
      left -= k
    }
  }

  value(k: number): { tag: number; value: unknown } {
    const tag = this.tagValues[k]
    return { tag, value: this.children[tag].get(this.childRow[k]) }
  }

  streams(): OrcStream[] {
    return [this.tags.stream, ...this.children.flatMap((c) => c.streams())]
  }
}

