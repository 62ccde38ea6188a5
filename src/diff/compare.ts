/**
 * Phase 2 of a diff: one partition's two sides matched (table.ts), each pair of records compared as
 * bytes, the changes built (rows decoded only for the kinds asked for) and counted for the summary.
 */
import { S3InventoryError, throwIfAborted } from '../errors.js'
import { formatLocation } from '../location.js'
import type { InventoryRow } from '../schema/row.js'
import type { DiffPlan, SidePlan } from './plan.js'
import type { Buf, StringDict } from './record.js'
import { RecordReader, newSpans, spans, type RecordSpans } from './record-reader.js'
import type { DiffAccumulator } from './summary.js'
import { matchPartition, sameBytes } from './table.js'
import type { ChangeKind, DiffChange, DiffSide, DiffSummary } from './types.js'

/** What phase 1 counted for a side. */
export interface SideCounts {
  plan: SidePlan
  rows: number
  ignored: number
  records: number
}

/** Phase 2: one partition's changes, and the summary's counts. */
export class PartitionCompare {
  private readonly spanO = newSpans()
  private readonly spanN = newSpans()
  private readonly startsO: Int32Array
  private readonly startsN: Int32Array
  private readonly differing: number[] = []
  private olderDuplicates = 0
  private newerDuplicates = 0
  private olderRecords = 0
  private newerRecords = 0

  constructor(
    private readonly plan: DiffPlan,
    private readonly dict: StringDict,
    private readonly acc: DiffAccumulator,
    private readonly only: ReadonlySet<ChangeKind>,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.startsO = new Int32Array(plan.fixed.length + 1)
    this.startsN = new Int32Array(plan.fixed.length + 1)
  }

  partition(older: Buf | undefined, olderRecords: number, newer: Buf | undefined, newerRecords: number): DiffChange[] {
    const { plan, acc } = this
    const m = matchPartition(older, olderRecords, newer, newerRecords, plan.versioned)
    this.olderDuplicates += m.olderDuplicates
    this.newerDuplicates += m.newerDuplicates
    this.olderRecords += olderRecords
    this.newerRecords += newerRecords
    const ro = older && new RecordReader(older, this.dict)
    const rn = newer && new RecordReader(newer, this.dict)
    const out: DiffChange[] = []
    const { sizeIndex, classIndex, comparable, fixed } = plan
    for (let i = 0; i < m.count; i++) {
      if ((i & 0xffff) === 0xffff) throwIfAborted(this.signal)
      const e = m.order[i]
      const o = m.older[e]
      const n = m.newer[e]
      if (o >= 0 && n >= 0) {
        if (plan.wholeFixed) {
          // The common case, unchanged: one comparison of the fixed fields' bytes.
          const so = spans(ro!, o, plan.versioned, this.spanO)
          const sn = spans(rn!, n, plan.versioned, this.spanN)
          if (sameBytes(older!, so.fixed, so.fixedEnd, newer!, sn.fixed, sn.fixedEnd)) {
            acc.unchanged(fieldAt(rn!, sn.fixed, sizeIndex) as number | undefined)
            continue
          }
        }
        this.fixedStarts(ro!, o, this.spanO, this.startsO)
        this.fixedStarts(rn!, n, this.spanN, this.startsN)
        const diff = this.differing
        diff.length = 0
        for (let f = 0; f < comparable.length; f++) {
          if (comparable[f] && !sameBytes(older!, this.startsO[f], this.startsO[f + 1], newer!, this.startsN[f], this.startsN[f + 1])) diff.push(f)
        }
        const sizeAfter = valueAt(rn!, this.startsN[sizeIndex]) as number | undefined
        if (diff.length === 0) {
          acc.unchanged(sizeAfter)
          continue
        }
        const fields = diff.map((f) => fixed[f])
        const key = older!.utf8Slice(this.spanO.keyStart, this.spanO.keyEnd)
        acc.change('changed', key, sizeAfter, classOf(rn!, this.startsN[classIndex]), valueAt(ro!, this.startsO[sizeIndex]) as number | undefined, classOf(ro!, this.startsO[classIndex]), fields)
        if (this.only.has('changed')) out.push(this.change('changed', key, older!, this.spanO, { before: this.row(ro!, o, plan.older), after: this.row(rn!, n, plan.newer), fields }))
      } else {
        const kind: ChangeKind = o >= 0 ? 'removed' : 'added'
        const r = o >= 0 ? ro! : rn!
        const at = o >= 0 ? o : n
        const s = o >= 0 ? this.spanO : this.spanN
        const starts = o >= 0 ? this.startsO : this.startsN
        this.fixedStarts(r, at, s, starts)
        const key = r.buf.utf8Slice(s.keyStart, s.keyEnd)
        acc.change(kind, key, valueAt(r, starts[sizeIndex]) as number | undefined, classOf(r, starts[classIndex]))
        if (this.only.has(kind)) {
          const row = this.row(r, at, o >= 0 ? plan.older : plan.newer)
          out.push(this.change(kind, key, r.buf, s, o >= 0 ? { before: row } : { after: row }))
        }
      }
    }
    return out
  }

  /** The summary, once every partition is done; counts that disagree mean a bug or a changed temporary file. */
  finish(counted: SideCounts[], partitions: number, partitionsSplit: number): DiffSummary {
    const [co, cn] = counted
    const t = this.acc.total
    const olderIds = t.removed.count + t.changed.count + t.unchanged.count
    const newerIds = t.added.count + t.changed.count + t.unchanged.count
    if (this.olderRecords !== co.records || this.newerRecords !== cn.records || olderIds + this.olderDuplicates !== co.records || newerIds + this.newerDuplicates !== cn.records) {
      throw new S3InventoryError('INTERNAL', 'the diff lost count of rows between reading and comparing', {
        expected: `${co.records} older and ${cn.records} newer rows`,
        actual: `${olderIds} + ${this.olderDuplicates} duplicates older, ${newerIds} + ${this.newerDuplicates} duplicates newer`,
      })
    }
    const side = (c: SideCounts, duplicates: number): DiffSide => ({
      manifest: formatLocation(c.plan.manifest.location),
      manifestMd5: c.plan.manifest.md5,
      fileFormat: c.plan.manifest.fileFormat,
      creationDate: c.plan.manifest.creationDate.toISOString(),
      versioned: c.plan.versioned,
      fields: c.plan.fields,
      rows: c.rows,
      ignored: c.ignored,
      duplicates,
    })
    return this.acc.result({
      older: side(co, this.olderDuplicates),
      newer: side(cn, this.newerDuplicates),
      identity: this.plan.versioned ? 'key+versionId' : 'key',
      fields: { compared: this.plan.compared, olderOnly: this.plan.olderOnly, newerOnly: this.plan.newerOnly },
      partitions,
      partitionsSplit,
    })
  }

  /** Offsets of each fixed field of the record at `at`, and where they end. */
  private fixedStarts(r: RecordReader, at: number, s: RecordSpans, starts: Int32Array): void {
    spans(r, at, this.plan.versioned, s)
    r.pos = s.fixed
    const n = this.plan.fixed.length
    for (let f = 0; f < n; f++) {
      starts[f] = r.pos
      r.skip()
    }
    starts[n] = r.pos
  }

  private change(kind: ChangeKind, key: string, buf: Buf, s: RecordSpans, parts: Pick<DiffChange, 'before' | 'after' | 'fields'>): DiffChange {
    const c: DiffChange = { change: kind, key }
    if (this.plan.versioned && s.vidStart >= 0) c.versionId = buf.utf8Slice(s.vidStart, s.vidEnd)
    if (parts.fields) c.fields = parts.fields
    if (parts.before) c.before = parts.before
    if (parts.after) c.after = parts.after
    return c
  }

  /** The before/after row: the side's output fields, in its file order. */
  private row(r: RecordReader, at: number, side: SidePlan): InventoryRow {
    const s = spans(r, at, this.plan.versioned, newSpans())
    const values = new Map<string, unknown>()
    values.set('key', r.buf.utf8Slice(s.keyStart, s.keyEnd))
    values.set('versionId', s.vidStart >= 0 ? r.buf.utf8Slice(s.vidStart, s.vidEnd) : undefined)
    r.pos = s.fixed
    for (const f of this.plan.fixed) values.set(f, r.value())
    for (const f of side.layout.rest) values.set(f, r.value())
    const row: Record<string, unknown> = {}
    for (const f of side.output) row[f] = values.get(f)
    return row as InventoryRow
  }
}

/** The value of fixed field `index`, the fixed fields starting at `at`. */
function fieldAt(r: RecordReader, at: number, index: number): unknown {
  r.pos = at
  for (let i = 0; i < index; i++) r.skip()
  return r.value()
}

function valueAt(r: RecordReader, at: number): unknown {
  r.pos = at
  return r.value()
}

function classOf(r: RecordReader, at: number): string | null {
  const v = valueAt(r, at)
  return typeof v === 'string' ? v : null
}

