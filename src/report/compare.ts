/**
 * The comparison with an older delivery that the report shows: the parts of the diff's summary it
 * reads (added, removed and changed counts and bytes, in total, per storage class, per prefix).
 */

export interface CompareTally {
  count: number
  bytes: number
}

export interface CompareCounts {
  added: CompareTally
  removed: CompareTally
  changed: CompareTally & { bytesBefore: number }
}

export interface CompareSide {
  manifest: string
  creationDate: string
  rows: number
}

export interface CompareSummary {
  older: CompareSide
  newer: CompareSide
  identity: 'key' | 'key+versionId'
  total: CompareCounts & { unchanged: CompareTally }
  byStorageClass: (CompareCounts & { storageClass: string | null })[]
  byPrefix: { depth: number; limit: number; groups: (CompareCounts & { prefix: string })[]; other?: CompareCounts }
}

/** Bytes the change adds to the newer delivery (negative: it shrank). */
export function netBytes(c: CompareCounts): number {
  return c.added.bytes - c.removed.bytes + c.changed.bytes - c.changed.bytesBefore
}

/** Objects the change adds (added − removed). */
export function netCount(c: CompareCounts): number {
  return c.added.count - c.removed.count
}
