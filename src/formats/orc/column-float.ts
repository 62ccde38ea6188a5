/** float and double columns: IEEE 754 little-endian values, 4 or 8 bytes each, in the DATA stream. */
import { Column, complete, grow, type StripeContext } from './column.js'
import { corrupt } from './errors.js'
import { StreamKind, TypeKind } from './proto.js'
import type { OrcStream } from './stream.js'
import type { OrcType } from './types.js'

export class FloatColumn extends Column {
  values = new Float64Array(1024)
  private readonly data: OrcStream
  private readonly width: number

  constructor(type: OrcType, ctx: StripeContext) {
    super(type, ctx)
    this.data = ctx.streamOrEmpty(type.id, StreamKind.DATA)
    this.width = type.kind === TypeKind.FLOAT ? 4 : 8
  }

  protected async readValues(m: number): Promise<void> {
    this.values = grow(this.values, m)
    const got = this.decode(0, m)
    if (got < m) await complete(this.data, m, got, (d) => this.decode(d, m - d))
  }

  /** Values out[at..at+n) from whole values in the decoded bytes; fewer when a value straddles what is decoded so far. */
  private decode(at: number, n: number): number {
    const s = this.data
    const w = this.width
    if (s.end - s.pos < n * w && !s.need(n * w)) n = Math.floor((s.end - s.pos) / w)
    else if (s.end - s.pos < n * w) throw this.cut()
    const view = new DataView(s.buf.buffer, s.buf.byteOffset + s.pos, n * w)
    const out = this.values
    if (w === 4) for (let i = 0; i < n; i++) out[at + i] = view.getFloat32(i * 4, true)
    else for (let i = 0; i < n; i++) out[at + i] = view.getFloat64(i * 8, true)
    s.pos += n * w
    return n
  }

  protected async skipValues(m: number): Promise<void> {
    const step = (n: number) => {
      const s = this.data
      const w = this.width
      if (s.end - s.pos < n * w && !s.need(n * w)) n = Math.floor((s.end - s.pos) / w)
      else if (s.end - s.pos < n * w) throw this.cut()
      s.pos += n * w
      return n
    }
    const got = step(m)
    if (got < m) await complete(this.data, m, got, (d) => step(m - d))
  }

  private cut() {
    return corrupt(`floating-point values are cut short by the end of the ${this.data.kind} stream`, this.data.where())
  }

  value(k: number): number {
    return this.values[k]
  }

  streams(): OrcStream[] {
    return [this.data]
  }
}
