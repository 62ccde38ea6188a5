/**
 * Athena-style summaries computed while rows stream: count, bytes, min/max/avg size per group. Memory
 * grows with the number of groups, not rows (at most maxGroups: LIMIT_EXCEEDED beyond).
 */
import { compileFilter, rowMatches, type RowFilter } from './filter.js'
import { S3InventoryError, throwIfAborted } from './errors.js'
import { KNOWN_FIELDS, knownFieldFor, unknownField } from './schema/fields.js'
import { numberOption, RANGES } from './options.js'
import type { InventoryRow } from './schema/row.js'

/**
 * One grouping dimension:
 * - a field name (`'storageClass'`, `'encryptionStatus'`, `'isLatest'`…, also as AWS spells it:
 *   `StorageClass`, `storage_class`, `storage-class`); an unknown name is UNKNOWN_FIELD;
 * - `'extension'`: the key's file extension as written (`png` and `PNG` apart, as a `suffix` filter tells
 *   them apart; `'(none)'`, `'(folder)'` for keys ending in `/`); `{ extension: 'lower' }` lowercases it
 *   (pair it with the filter's `ignoreCase`);
 * - `{ prefix: n }`: the first n path segments (`a/b/` for depth 2; shallower keys give their own folder,
 *   keys at the bucket's root `'(root)'`);
 * - `{ modified: 'day' | 'month' | 'year' }`: last-modified date, UTC;
 * - `{ size: 'pow2' | 'pow10' }`: size bucket, e.g. `[1 MiB, 2 MiB)` or `[1 MB, 10 MB)`.
 */
export type GroupBy = string | { extension: 'exact' | 'lower' } | { prefix: number } | { modified: 'day' | 'month' | 'year' } | { size: 'pow2' | 'pow10' }

export interface SummarizeOptions {
  /** Dimensions to group by (none: one total). */
  by?: GroupBy | readonly GroupBy[]
  /**
   * The most groups a summary may hold: more is LIMIT_EXCEEDED (a grouping by key, say, is one group per
   * object, and every group is held until the end, at ~0.5 KB each). Default 1,000,000; 1–10,000,000.
   */
  maxGroups?: number
  /** Rows that do not match are left out (same semantics as the readers' filter). */
  filter?: RowFilter
  signal?: AbortSignal
}

export interface SummaryStats {
  count: number
  /** Sum of sizes (rows without a size, e.g. delete markers, count as 0). */
  bytes: number
  /** Rows that have a size. */
  sized: number
  minSize: number | undefined
  maxSize: number | undefined
  avgSize: number | undefined
}

export interface SummaryGroup extends SummaryStats {
  /** One label per dimension. */
  key: string[]
}

export interface Summary {
  /** Dimension names, e.g. `['storageClass']`, `['prefix:2']`. */
  by: string[]
  groups: SummaryGroup[]
  total: SummaryStats
}

type Label = (row: InventoryRow) => string
/** Per dimension: how to label a row, and how to order labels (undefined: by bytes, descending). */
interface Dimension {
  name: string
  label: Label
  order?: (label: string) => number | string
}

const NONE = '(none)'
/** The prefix label of keys with no `/` (never a real prefix: those end in `/`). */
const ROOT = '(root)'

/** The groupings besides field names, as `parseGroupBy` spells them (listed when a name is unknown). */
const GROUPINGS = ['extension', 'extension:lower', 'prefix:N', 'modified:day|month|year', 'size:pow2|pow10']

export function dimension(by: GroupBy): Dimension {
  if (typeof by === 'string') {
    if (by === 'extension') return { name: 'extension', label: extension }
    const field = knownFieldFor(by)
    if (field === undefined) throw unknownField(by, 'by', GROUPINGS)
    return { name: field, label: (r) => text(r[field]) }
  }
  if (typeof by !== 'object' || by === null) throw new S3InventoryError('INVALID_ARGUMENT', 'a grouping must be a field name or an object such as { prefix: 2 }', { option: 'by', actual: String(by) })
  if ('extension' in by) {
    if (by.extension !== 'exact' && by.extension !== 'lower') throw new S3InventoryError('INVALID_ARGUMENT', 'extension must be exact or lower', { option: 'by', actual: String(by.extension) })
    return { name: 'extension', label: by.extension === 'lower' ? lowerExtension : extension }
  }
  if ('prefix' in by) {
    const depth = by.prefix
    if (!Number.isInteger(depth) || depth < 1 || depth > 1024) throw new S3InventoryError('INVALID_ARGUMENT', 'prefix depth must be an integer from 1 to 1,024', { option: 'by', actual: String(depth) })
    return { name: `prefix:${depth}`, label: (r) => prefix(r.key, depth), order: (l) => l }
  }
  if ('modified' in by) {
    const len = { day: 10, month: 7, year: 4 }[by.modified]
    if (!len) throw new S3InventoryError('INVALID_ARGUMENT', 'modified must be day, month or year', { option: 'by', actual: String(by.modified) })
    return {
      name: `modified:${by.modified}`,
      label: (r) => (r.lastModifiedDate instanceof Date ? r.lastModifiedDate.toISOString().slice(0, len) : NONE),
      order: (l) => l,
    }
  }
  if ('size' in by) {
    if (by.size !== 'pow2' && by.size !== 'pow10') throw new S3InventoryError('INVALID_ARGUMENT', 'size must be pow2 or pow10', { option: 'by', actual: String(by.size) })
    const bucket = by.size === 'pow2' ? pow2Bucket : pow10Bucket
    return { name: `size:${by.size}`, label: (r) => bucket(r.size), order: sizeOrder }
  }
  throw new S3InventoryError('INVALID_ARGUMENT', 'unknown grouping', { option: 'by', expected: 'a field name, { prefix: n }, { modified: unit } or { size: scale }', actual: JSON.stringify(by) })
}

/** Parses the CLI spelling: `storage-class`, `extension[:lower]`, `prefix:2`, `modified:month`, `size:pow2`, or a field name. */
export function parseGroupBy(spec: string): GroupBy {
  if (typeof spec !== 'string') throw new S3InventoryError('INVALID_ARGUMENT', 'a grouping must be text such as prefix:2', { option: 'by', actual: String(spec) })
  // Keywords in any case (`Size`, `Prefix:2`), as field names are: AWS's `Size` means the size buckets, as `size` does.
  const [word, arg] = spec.split(':')
  const kind = arg === undefined && knownFieldFor(word) === 'size' ? 'size' : word.toLowerCase()
  if (kind === 'extension' && arg !== undefined) {
    if (arg !== 'exact' && arg !== 'lower') throw new S3InventoryError('INVALID_ARGUMENT', 'extension takes exact or lower', { option: 'by', expected: 'extension, extension:exact or extension:lower', actual: spec })
    return { extension: arg }
  }
  if (kind === 'prefix') {
    const depth = arg === undefined ? 1 : /^\d+$/.test(arg) ? Number(arg) : NaN
    if (!(depth >= 1)) throw new S3InventoryError('INVALID_ARGUMENT', 'prefix depth must be a positive integer', { option: 'by', expected: 'prefix:N with N ≥ 1', actual: spec })
    return { prefix: depth }
  }
  if (kind === 'modified') {
    const unit = arg ?? 'day'
    if (unit !== 'day' && unit !== 'month' && unit !== 'year') throw new S3InventoryError('INVALID_ARGUMENT', 'modified takes day, month or year', { option: 'by', expected: 'modified:day, modified:month or modified:year', actual: spec })
    return { modified: unit }
  }
  if (kind === 'size') {
    const scale = arg ?? 'pow2'
    if (scale !== 'pow2' && scale !== 'pow10') throw new S3InventoryError('INVALID_ARGUMENT', 'size takes pow2 or pow10', { option: 'by', expected: 'size, size:pow2 or size:pow10', actual: spec })
    return { size: scale }
  }
  if (kind === 'extension') return 'extension'
  dimension(spec) // checked now: unknown names fail before any I/O
  return spec
}

function text(v: unknown): string {
  if (v === undefined || v === null || v === '') return NONE
  if (v instanceof Date) return v.toISOString()
  return String(v)
}

function extension(r: InventoryRow): string {
  const key = r.key
  if (key.endsWith('/')) return '(folder)'
  const name = key.slice(key.lastIndexOf('/') + 1)
  const dot = name.lastIndexOf('.')
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1) : NONE
}

function lowerExtension(r: InventoryRow): string {
  const e = extension(r)
  return e === NONE || e === '(folder)' ? e : e.toLowerCase()
}

function prefix(key: string, depth: number): string {
  let at = -1
  for (let i = 0; i < depth; i++) {
    const next = key.indexOf('/', at + 1)
    if (next === -1) break
    at = next
  }
  return at === -1 ? ROOT : key.slice(0, at + 1)
}

const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
const SI = ['B', 'kB', 'MB', 'GB', 'TB', 'PB']

function pow2Bucket(size: number | undefined): string {
  if (size === undefined) return NONE
  if (size === 0) return '0'
  const e = Math.floor(Math.log2(size))
  return `[${unit(2 ** e, 1024, IEC)}, ${unit(2 ** (e + 1), 1024, IEC)})`
}

function pow10Bucket(size: number | undefined): string {
  if (size === undefined) return NONE
  if (size === 0) return '0'
  let e = Math.floor(Math.log10(size))
  if (10 ** (e + 1) <= size) e++ // floating point at exact powers
  if (10 ** e > size) e--
  return `[${unit(10 ** e, 1000, SI)}, ${unit(10 ** (e + 1), 1000, SI)})`
}

function unit(n: number, base: number, names: string[]): string {
  let i = 0
  while (n >= base && i < names.length - 1) {
    n /= base
    i++
  }
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${names[i]}`
}

/** The label of the size bucket a size falls in, as the `{ size }` grouping writes it. */
export function sizeBucketLabel(size: number | undefined, scale: 'pow2' | 'pow10'): string {
  return scale === 'pow2' ? pow2Bucket(size) : pow10Bucket(size)
}

/**
 * The lower bound in bytes of a size bucket label (`[64 KiB, 128 KiB)` → 65536, `0` → 0); undefined
 * for `(none)` (no size) and labels that are not size buckets.
 */
export function sizeBucketFloor(label: string): number | undefined {
  const n = sizeOrder(label)
  return n < 0 || n === Infinity ? undefined : n
}

/** Orders size buckets by their lower bound. */
function sizeOrder(label: string): number {
  if (label === NONE) return -1
  if (label === '0') return 0
  const m = /^\[([\d.]+) (\S+),/.exec(label)
  if (!m) return Infinity
  const iec = IEC.indexOf(m[2])
  return Number(m[1]) * (iec >= 0 ? 1024 ** iec : 1000 ** SI.indexOf(m[2]))
}

interface Acc {
  key: string[]
  count: number
  bytes: number
  sized: number
  min: number
  max: number
}

/** A summary in progress, in a form that crosses threads; merge several with mergeSummaries. */
export interface PartialSummary {
  groups: Acc[]
  total: Acc
}

const emptyAcc = (key: string[] = []): Acc => ({ key, count: 0, bytes: 0, sized: 0, min: Infinity, max: -Infinity })

export const MAX_GROUPS_DEFAULT = 1_000_000

/** `maxGroups` checked (INVALID_ARGUMENT), or the default. */
export function maxGroupsOption(value: unknown): number {
  return numberOption(value, 'maxGroups', RANGES.maxGroups, MAX_GROUPS_DEFAULT)
}

/** A new group in `groups`, unless that would make more than `max` of them (LIMIT_EXCEEDED). */
function newGroup(groups: Map<string, Acc>, id: string, labels: string[], by: readonly GroupBy[], max: number): Acc {
  if (groups.size >= max) throw tooManyGroups(by, max)
  const g = emptyAcc(labels)
  groups.set(id, g)
  return g
}

/** A summary that would hold more than `max` groups. */
function tooManyGroups(by: readonly GroupBy[], max: number): S3InventoryError {
  const names = by.map((d) => dimension(d).name).join(', ')
  return new S3InventoryError('LIMIT_EXCEEDED', `grouping by ${names} gives more groups than the limit`, {
    option: 'maxGroups',
    expected: `at most ${max.toLocaleString('en-US')} groups (allow more, or group by something coarser: prefix:N, extension, size:pow2, modified:month)`,
    actual: `more than ${max.toLocaleString('en-US')} groups`,
  })
}

function add(a: Acc, size: number | undefined): void {
  a.count++
  if (size !== undefined) {
    a.bytes += size
    a.sized++
    if (size < a.min) a.min = size
    if (size > a.max) a.max = size
  }
}

/** Accumulates rows into groups; memory grows with the number of groups, not rows. */
export function createAccumulator(by: readonly GroupBy[], maxGroups = MAX_GROUPS_DEFAULT): { add(row: InventoryRow): void; partial(): PartialSummary } {
  const dims = by.map(dimension)
  const groups = new Map<string, Acc>()
  const total = emptyAcc()
  const group = (id: string, labels: string[]) => newGroup(groups, id, labels, by, maxGroups)
  return {
    add(r) {
      const size = typeof r.size === 'number' ? r.size : undefined
      add(total, size)
      if (dims.length === 0) return
      if (dims.length === 1) {
        // The common case, per row: no label array.
        const label = dims[0].label(r)
        add(groups.get(label) ?? group(label, [label]), size)
        return
      }
      const labels = dims.map((d) => d.label(r))
      const id = labels.length === 1 ? labels[0] : labels.join('\u0000')
      add(groups.get(id) ?? group(id, labels), size)
    },
    partial: () => ({ groups: [...groups.values()], total }),
  }
}

/** Combines partial summaries (e.g. one per data file) into the final, ordered summary. */
export function mergeSummaries(parts: readonly PartialSummary[], by: readonly GroupBy[], maxGroups = MAX_GROUPS_DEFAULT): Summary {
  const merger = summaryMerger(by, maxGroups)
  for (const p of parts) merger.add(p)
  return merger.summary()
}

/**
 * Partial summaries folded in as they come (each file's when it is done, so it need not be kept), then
 * the final, ordered summary. Each part was under `maxGroups`; together they may not be.
 */
export function summaryMerger(by: readonly GroupBy[], maxGroups = MAX_GROUPS_DEFAULT): { add(part: PartialSummary): void; summary(): Summary } {
  const dims = by.map(dimension)
  const groups = new Map<string, Acc>()
  const total = emptyAcc()
  const into = (a: Acc, b: Acc) => {
    a.count += b.count
    a.bytes += b.bytes
    a.sized += b.sized
    a.min = Math.min(a.min, b.min)
    a.max = Math.max(a.max, b.max)
  }
  const add = (p: PartialSummary) => {
    into(total, p.total)
    for (const g of p.groups) {
      const id = g.key.join('\u0000')
      into(groups.get(id) ?? newGroup(groups, id, g.key, by, maxGroups), g)
    }
  }
  const stats = (a: Acc): SummaryStats => ({
    count: a.count,
    bytes: a.bytes,
    sized: a.sized,
    minSize: a.sized ? a.min : undefined,
    maxSize: a.sized ? a.max : undefined,
    avgSize: a.sized ? a.bytes / a.sized : undefined,
  })
  const summary = (): Summary => {
    const list = [...groups.values()].map((a) => ({ key: a.key, ...stats(a) }))
    list.sort((x, y) => {
      for (let i = 0; i < dims.length; i++) {
        const order = dims[i].order
        if (!order) continue
        const a = order(x.key[i])
        const b = order(y.key[i])
        if (a !== b) return a < b ? -1 : 1
      }
      // Joined with a character labels cannot hold: ['a,b', 'c'] and ['a', 'b,c'] must not tie.
      return y.bytes - x.bytes || y.count - x.count || (x.key.join('\u0000') < y.key.join('\u0000') ? -1 : 1)
    })
    return { by: dims.map((d) => d.name), groups: list, total: stats(total) }
  }
  return { add, summary }
}

/** Orders for `sortGroups`: largest count or bytes first, or by the labels. */
export type GroupOrder = 'count' | 'bytes' | 'key'

/**
 * A summary's groups in another order: `count` or `bytes` (largest first), or `key` (each dimension's
 * natural order: prefixes, dates and size buckets ascending, other labels alphabetically). Ties go by
 * bytes, then count, then labels.
 */
export function sortGroups(summary: Summary, order: GroupOrder): SummaryGroup[] {
  if (order !== 'count' && order !== 'bytes' && order !== 'key') throw new S3InventoryError('INVALID_ARGUMENT', 'order must be count, bytes or key', { option: 'order', actual: String(order) })
  const dims = summary.by.map((name) => dimension(parseGroupBy(name)))
  const byLabels = (x: SummaryGroup, y: SummaryGroup) => {
    for (let i = 0; i < dims.length; i++) {
      const rank = dims[i].order ?? ((l: string) => l)
      const a = rank(x.key[i])
      const b = rank(y.key[i])
      if (a !== b) return a < b ? -1 : 1
    }
    return 0
  }
  const tie = (x: SummaryGroup, y: SummaryGroup) => y.bytes - x.bytes || y.count - x.count || byLabels(x, y)
  const compare =
    order === 'count' ? (x: SummaryGroup, y: SummaryGroup) => y.count - x.count || tie(x, y) : order === 'bytes' ? tie : (x: SummaryGroup, y: SummaryGroup) => byLabels(x, y) || tie(x, y)
  return [...summary.groups].sort(compare)
}

export const byList = (by: GroupBy | readonly GroupBy[] | undefined): GroupBy[] => (by === undefined ? [] : Array.isArray(by) ? [...by] : [by as GroupBy])

/**
 * Several independent summaries computed in one pass over the rows: one accumulator per grouping
 * (each grouping's dimensions nest, as in `summarize`). Plain data: it crosses threads.
 */
export interface AggregateSpec {
  groupings: GroupBy[][]
  /** Groups each summary may hold (see SummarizeOptions.maxGroups); default 1,000,000. */
  maxGroups?: number
}

/** One partial summary per grouping of an AggregateSpec. */
export type PartialSummaries = PartialSummary[]

export function createAggregator(spec: AggregateSpec): { add(row: InventoryRow): void; partial(): PartialSummaries } {
  const accs = spec.groupings.map((by) => createAccumulator(by, spec.maxGroups))
  if (accs.length === 1) {
    const only = accs[0]
    return { add: (r) => only.add(r), partial: () => [only.partial()] }
  }
  return {
    add(r) {
      for (let i = 0; i < accs.length; i++) accs[i].add(r)
    },
    partial: () => accs.map((a) => a.partial()),
  }
}

/**
 * The same accumulation over columns instead of rows, for a format that hands over windows of
 * column values (Parquet): no row object, no call per row. Only for groupings of at most one
 * dimension that is a text, number or boolean field (storage class, encryption status…): otherwise
 * undefined, and the rows are visited (createAggregator).
 */
export interface ColumnAggregator {
  /** The row fields `add` takes, in this order: the grouped fields and `size`, each once. */
  readonly fields: readonly string[]
  /**
   * Rows [0, n) of a window. `columns[j][i]` is field j's value for row i, undefined for a null;
   * `columns[j]` undefined: the file has no such column (every value null).
   */
  add(columns: readonly (ArrayLike<unknown> | undefined)[], n: number): void
  partial(): PartialSummaries
}

export function createColumnAggregator(spec: AggregateSpec): ColumnAggregator | undefined {
  const grouped: (string | undefined)[] = []
  for (const g of spec.groupings) {
    if (g.length > 1) return undefined
    if (g.length === 0) {
      grouped.push(undefined)
      continue
    }
    const name = typeof g[0] === 'string' && g[0] !== 'extension' ? knownFieldFor(g[0]) : undefined
    // A date's label is its ISO text, which a column of epoch milliseconds does not give.
    if (name === undefined || KNOWN_FIELDS.find((f) => f.name === name)?.type === 'date') return undefined
    grouped.push(name)
  }
  const fields = [...new Set([...grouped.filter((f) => f !== undefined), 'size'])]
  const sizeAt = fields.indexOf('size')
  const maxGroups = spec.maxGroups ?? MAX_GROUPS_DEFAULT
  const accs = grouped.map((field, i) => ({ column: field === undefined ? -1 : fields.indexOf(field), groups: new Map<string, Acc>(), total: emptyAcc(), by: spec.groupings[i] }))
  return {
    fields,
    add(columns, n) {
      const sizes = columns[sizeAt]
      for (const a of accs) {
        const values = a.column < 0 ? undefined : columns[a.column]
        let last: unknown = {}
        let g = a.total
        for (let i = 0; i < n; i++) {
          const x = sizes === undefined ? undefined : sizes[i]
          const size = typeof x === 'number' ? x : undefined
          add(a.total, size)
          if (a.column < 0) continue
          const v = values === undefined ? undefined : values[i]
          // Consecutive rows mostly share a value (and dictionary values are one string each).
          if (v !== last) {
            last = v
            const label = text(v)
            g = a.groups.get(label) ?? newGroup(a.groups, label, [label], a.by, maxGroups)
          }
          add(g, size)
        }
      }
    },
    partial: () => accs.map((a) => ({ groups: [...a.groups.values()], total: a.total })),
  }
}

/** Each file's PartialSummaries folded in as the file is done → one Summary per grouping. */
export function aggregateMerger(spec: AggregateSpec): { add(parts: PartialSummaries): void; summaries(): Summary[] } {
  const mergers = spec.groupings.map((by) => summaryMerger(by, spec.maxGroups))
  return {
    add: (parts) => mergers.forEach((m, i) => m.add(parts[i])),
    summaries: () => mergers.map((m) => m.summary()),
  }
}

/** Summarize any (async) iterable of rows; an InventoryStream is read in batches. */
export async function summarize(
  rows: AsyncIterable<InventoryRow> | Iterable<InventoryRow> | { batches(): AsyncIterable<InventoryRow[]> },
  options: SummarizeOptions = {},
): Promise<Summary> {
  const by = byList(options.by)
  const maxGroups = maxGroupsOption(options.maxGroups)
  const acc = createAccumulator(by, maxGroups)
  const filter = compileFilter(options.filter)
  const one = (r: InventoryRow) => {
    if (!filter || rowMatches(filter, r)) acc.add(r)
  }
  if ('batches' in rows && typeof rows.batches === 'function') {
    for await (const batch of rows.batches()) {
      throwIfAborted(options.signal)
      for (const r of batch) one(r)
    }
  } else {
    let n = 0
    for await (const r of rows as AsyncIterable<InventoryRow>) {
      if ((++n & 4095) === 0) throwIfAborted(options.signal)
      one(r)
    }
  }
  return mergeSummaries([acc.partial()], by, maxGroups)
}

/** Row fields the dimensions read (for a projection; `size` is read too when the inventory has it). */
export function columnsFor(by: GroupBy | readonly GroupBy[] | undefined): string[] {
  const cols = new Set<string>()
  for (const d of byList(by)) {
    if (typeof d === 'string') {
      const name = dimension(d).name
      cols.add(name === 'extension' ? 'key' : name)
    } else if ('prefix' in d || 'extension' in d) cols.add('key')
    else if ('modified' in d) cols.add('lastModifiedDate')
    else if ('size' in d) cols.add('size')
  }
  return [...cols]
}
