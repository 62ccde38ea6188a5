/** The diff's counts while it runs, then the plain-JSON DiffSummary (fields documented in docs/diff.md). */
import { dimension } from '../summarize.js'
import type { InventoryRow } from '../schema/row.js'
import type { ChangeKind, DiffCounts, DiffSide, DiffSummary, DiffTally } from './types.js'

/** Prefix groups kept; changes under further prefixes are counted in `other`. */
export const PREFIX_LIMIT = 10_000

const counts = (): DiffCounts => ({ added: { count: 0, bytes: 0 }, removed: { count: 0, bytes: 0 }, changed: { count: 0, bytes: 0, bytesBefore: 0 } })

export class DiffAccumulator {
  readonly total = { ...counts(), unchanged: { count: 0, bytes: 0 } as DiffTally }
  private readonly byClass = new Map<string | null, DiffCounts>()
  private readonly byPrefix = new Map<string, DiffCounts>()
  private other: DiffCounts | undefined
  readonly changedFields: Record<string, number> = {}
  private readonly transitions = new Map<string, { from: string | null; to: string | null; count: number; bytes: number }>()

  /** `stats --by prefix:N`'s labels: the first N segments with their slash, '' for a key without one. */
  private readonly prefixOf: (row: InventoryRow) => string

  constructor(private readonly prefixDepth: number) {
    this.prefixOf = dimension({ prefix: prefixDepth }).label
  }

  unchanged(size: number | undefined): void {
    this.total.unchanged.count++
    this.total.unchanged.bytes += size ?? 0
  }

  /**
   * One change: `storageClass` is where it is counted (after for added/changed, before for removed),
   * `size` its bytes; for changed, `sizeBefore`, `classBefore` and the differing fields too.
   */
  change(kind: ChangeKind, key: string, size: number | undefined, storageClass: string | null, sizeBefore?: number, classBefore?: string | null, fields?: readonly string[]): void {
    const bytes = size ?? 0
    add(this.total, kind, bytes, sizeBefore)
    let c = this.byClass.get(storageClass)
    if (!c) this.byClass.set(storageClass, (c = counts()))
    add(c, kind, bytes, sizeBefore)
    const prefix = this.prefixOf({ key } as InventoryRow)
    let p = this.byPrefix.get(prefix)
    if (!p) {
      if (this.byPrefix.size < PREFIX_LIMIT) this.byPrefix.set(prefix, (p = counts()))
      else p = this.other ??= counts()
    }
    add(p, kind, bytes, sizeBefore)
    if (fields) for (const f of fields) this.changedFields[f] = (this.changedFields[f] ?? 0) + 1
    if (kind === 'changed' && classBefore !== storageClass) {
      const id = `${classBefore}\u0000${storageClass}`
      let t = this.transitions.get(id)
      if (!t) this.transitions.set(id, (t = { from: classBefore ?? null, to: storageClass, count: 0, bytes: 0 }))
      t.count++
      t.bytes += bytes
    }
  }

  get changes(): number {
    const t = this.total
    return t.added.count + t.removed.count + t.changed.count
  }

  result(o: { older: DiffSide; newer: DiffSide; identity: DiffSummary['identity']; fields: DiffSummary['fields']; partitions: number; partitionsSplit: number }): DiffSummary {
    const byName = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1)
    return {
      older: o.older,
      newer: o.newer,
      identity: o.identity,
      fields: o.fields,
      total: this.total,
      byStorageClass: [...this.byClass].sort((a, b) => byName(a[0], b[0])).map(([storageClass, c]) => ({ storageClass, ...c })),
      byPrefix: {
        depth: this.prefixDepth,
        limit: PREFIX_LIMIT,
        groups: [...this.byPrefix].sort((a, b) => byName(a[0], b[0])).map(([prefix, c]) => ({ prefix, ...c })),
        ...(this.other ? { other: this.other } : {}),
      },
      changedFields: this.changedFields,
      storageClassTransitions: [...this.transitions.values()].sort((a, b) => byName(a.from, b.from) || byName(a.to, b.to)),
      partitions: o.partitions,
      partitionsSplit: o.partitionsSplit,
    }
  }
}

function add(c: DiffCounts, kind: ChangeKind, bytes: number, before: number | undefined): void {
  const t = c[kind]
  t.count++
  t.bytes += bytes
  if (kind === 'changed') c.changed.bytesBefore += before ?? 0
}
