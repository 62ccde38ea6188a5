/**
 * The comparison with an older delivery that the report shows: the parts of the diff's summary it
 * reads (added, removed and changed counts and bytes, in total, per storage class, per prefix), and
 * the one call that computes them.
 */
import { diffSummary } from '../diff/diff.js'
import type { DiffCounts, DiffOptions, DiffSide, DiffSummary, DiffTally } from '../diff/types.js'
import type { Location } from '../location.js'
import type { InventoryManifest } from '../manifest.js'

export type CompareTally = DiffTally
export type CompareCounts = DiffCounts
export type CompareSide = Pick<DiffSide, 'manifest' | 'creationDate' | 'rows'>

export interface CompareSummary extends Pick<DiffSummary, 'identity' | 'total' | 'byStorageClass' | 'byPrefix'> {
  older: CompareSide
  newer: CompareSide
  /** False when a side has no Size (its bytes would read 0): the page then counts objects only. Absent: unknown (bytes shown). */
  sized?: boolean
}

/** The diff of two deliveries (diffSummary: bounded memory), reduced to what the report shows. */
export async function compareDeliveries(older: Location | InventoryManifest, newer: Location | InventoryManifest, options: DiffOptions = {}): Promise<CompareSummary> {
  const s = await diffSummary(older, newer, options)
  const side = (x: DiffSide): CompareSide => ({ manifest: x.manifest, creationDate: x.creationDate, rows: x.rows })
  // Size compared means both sides have it; named as one side's only, one lacks it (not asked for: unknown).
  const sized = s.fields.compared.includes('size') ? true : s.fields.olderOnly.includes('size') || s.fields.newerOnly.includes('size') ? false : undefined
  return { older: side(s.older), newer: side(s.newer), identity: s.identity, total: s.total, byStorageClass: s.byStorageClass, byPrefix: s.byPrefix, ...(sized === undefined ? {} : { sized }) }
}

/** Bytes the change adds to the newer delivery (negative: it shrank). */
export function netBytes(c: CompareCounts): number {
  return c.added.bytes - c.removed.bytes + c.changed.bytes - c.changed.bytesBefore
}

/** Objects the change adds (added − removed). */
export function netCount(c: CompareCounts): number {
  return c.added.count - c.removed.count
}
