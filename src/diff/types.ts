/** The public shapes of a diff: options, changes, progress and the summary (plain JSON, documented in docs/diff.md). */
import type { ReadInventoryOptions } from '../inventory.js'
import type { RowFilter } from '../filter.js'
import type { InventoryRow } from '../schema/row.js'

export type ChangeKind = 'added' | 'removed' | 'changed'
export const CHANGE_KINDS: readonly ChangeKind[] = ['added', 'removed', 'changed']

/** The fields compared by default (each only where both inventories have it). */
export const DEFAULT_COMPARE = ['size', 'eTag', 'storageClass', 'lastModifiedDate', 'encryptionStatus', 'replicationStatus', 'isLatest', 'isDeleteMarker'] as const

export interface DiffOptions
  extends Pick<ReadInventoryOptions, 'client' | 'retry' | 'idleTimeoutMs' | 'concurrency' | 'verify' | 'root' | 'bufferRows' | 'readSize' | 'workers'> {
  /** Applied to both sides (decoded keys). */
  filter?: RowFilter
  /** Fields compared (default DEFAULT_COMPARE); a field only one side has is listed in the summary, not compared. */
  compare?: readonly string[]
  /** Fields kept in `before`/`after` rows. Default: every field the side has. */
  columns?: readonly string[]
  /** Changes yielded (the summary counts all of them). Default: all three. */
  only?: readonly ChangeKind[]
  /** Memory the partitions may hold at once, in MiB. Default 256. See docs/diff.md for the formula. */
  memoryMB?: number
  /** Partitions (a power of two, 1–4096). Default: from memoryMB and the manifests' sizes, at least 128. */
  partitions?: number
  /** Where the temporary folder goes. Default os.tmpdir(). */
  tmpDir?: string
  /** Path segments of the summary's byPrefix groups. Default 1. */
  prefixDepth?: number
  signal?: AbortSignal
}

export interface DiffChange {
  change: ChangeKind
  key: string
  /** Only when identity is (key, versionId) and the object has a version id. */
  versionId?: string
  /** Changed: the compared fields whose values differ, in `compare` order. */
  fields?: string[]
  /** The older row (removed, changed). */
  before?: InventoryRow
  /** The newer row (added, changed). */
  after?: InventoryRow
}

export interface DiffProgress {
  phase: 'starting' | 'reading' | 'comparing' | 'done'
  /** Both sides' data files. */
  filesTotal: number
  filesDone: number
  bytesTotal: number
  bytesRead: number
  /** Rows read from both sides. */
  rows: number
  partitionsTotal: number
  partitionsDone: number
  /** Changes found so far. */
  changes: number
}

/** `count` rows, `bytes` the sum of their sizes (absent sizes count 0). */
export interface DiffTally {
  count: number
  bytes: number
}

export interface DiffCounts {
  /** Bytes: the new rows' sizes. */
  added: DiffTally
  /** Bytes: the old rows' sizes. */
  removed: DiffTally
  /** Bytes: sizes after the change; `bytesBefore`: before it. */
  changed: DiffTally & { bytesBefore: number }
}

export interface DiffSide {
  /** The manifest, as s3://… or a local path. */
  manifest: string
  manifestMd5: string
  fileFormat: string
  /** The delivery's creation time (ISO). */
  creationDate: string
  /** The side lists versions (has VersionId). */
  versioned: boolean
  /** The inventory's fields on this side (ours: `size`, `storageClass`, …): without `size`, its bytes are not known. */
  fields: string[]
  /** Rows read (after the filter). */
  rows: number
  /** Rows left out because identity is the key alone: non-current versions and delete markers. */
  ignored: number
  /** Rows whose identity an earlier row of the same side already had (the row read last is compared). */
  duplicates: number
}

export interface DiffSummary {
  older: DiffSide
  newer: DiffSide
  /** `key+versionId` when both sides list versions, else `key`. */
  identity: 'key' | 'key+versionId'
  fields: {
    /** Compared: asked for and present on both sides. */
    compared: string[]
    /** Asked for but only one side has them: not compared. */
    olderOnly: string[]
    newerOnly: string[]
  }
  total: DiffCounts & { unchanged: DiffTally }
  /** By the storage class a change is in (after for added and changed, before for removed); null when absent. */
  byStorageClass: (DiffCounts & { storageClass: string | null })[]
  /** By key prefix (the first `depth` segments; '' for keys without one), at most `limit` groups, then `other`. */
  byPrefix: { depth: number; limit: number; groups: (DiffCounts & { prefix: string })[]; other?: DiffCounts }
  /** Changed rows per differing field. */
  changedFields: Record<string, number>
  /** Changed rows whose storage class differs, by (from, to). */
  storageClassTransitions: { from: string | null; to: string | null; count: number; bytes: number }[]
  /** Partitions the first pass made. */
  partitions: number
  /** Of them (and of their parts), how many held more than the budget and were split again by more hash bits. */
  partitionsSplit: number
}

export interface DiffStream extends AsyncIterable<DiffChange> {
  /** The same changes in arrays (one partition's worth at most). */
  batches(): AsyncIterable<DiffChange[]>
  /**
   * The summary: after an iteration, its result; before any, runs the diff without building
   * changes. Rejects with the diff's error.
   */
  summary(): Promise<DiffSummary>
  readonly progress: DiffProgress
}
