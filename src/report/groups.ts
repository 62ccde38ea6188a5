/**
 * Summaries turned into what the page shows: the top N groups and the rest as one "other" group (so
 * the page's size does not depend on how many groups there were), and the cost groups of the cost
 * summary (storage class × access tier × current or not × size bucket).
 */
import { sizeBucketFloor, sizeBucketLabel, type Summary, type SummaryGroup } from '../summarize.js'
import type { CostGroup } from './cost.js'
import { BILLING_RULES } from './prices.js'

export interface Item {
  label: string
  count: number
  bytes: number
  /** Objects with a size (the average is over these). */
  sized: number
  /** The "other" item: the groups past the top N, and how many they were. */
  rest?: number
}

export const OTHER = '(other)'

/** The `limit` largest groups by bytes (then count), and one item for the rest. */
export function topItems(s: Summary, limit: number): Item[] {
  const sorted = [...s.groups].sort((a, b) => b.bytes - a.bytes || b.count - a.count || (a.key[0] < b.key[0] ? -1 : 1))
  return limitItems(sorted, limit)
}

/** The groups in their summary order (months, size buckets), at most `limit`: the first ones fold into one. */
export function orderedItems(s: Summary, limit: number, firstLabel: string): Item[] {
  const groups = s.groups
  if (groups.length <= limit) return groups.map(item)
  const cut = groups.length - (limit - 1)
  return [{ ...fold(groups.slice(0, cut)), label: firstLabel }, ...groups.slice(cut).map(item)]
}

function limitItems(groups: SummaryGroup[], limit: number): Item[] {
  if (groups.length <= limit) return groups.map(item)
  return [...groups.slice(0, limit).map(item), { ...fold(groups.slice(limit)), label: OTHER }]
}

const item = (g: SummaryGroup): Item => ({ label: clipLabel(g.key.join(' · ')), count: g.count, bytes: g.bytes, sized: g.sized })

/**
 * The longest label the page shows, in characters. S3 keys are at most 1,024 bytes, so labels from
 * keys (prefixes, extensions) are never cut; longer values (storage classes or statuses of a damaged
 * or hostile inventory) are cut in the middle, so the page's size stays bounded.
 */
export const MAX_LABEL = 1024
/** Chart axis labels: what fits beside a bar in half a chart's width (the tables under the charts have the whole label). */
export const CHART_LABEL = 32

/** `s` with its middle replaced by "…" when it has more than `max` characters (code points): its start and end stay. */
export function clipLabel(s: string, max = MAX_LABEL): string {
  if (s.length <= max) return s
  const chars = Array.from(s)
  if (chars.length <= max) return s
  const head = Math.ceil((max - 1) * 0.4)
  const tail = max - 1 - head
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - tail).join('')}`
}

/** A label for a chart axis: cut in the middle to CHART_LABEL characters, keeping the end (where keys differ most). */
export const chartLabel = (s: string) => clipLabel(s, CHART_LABEL)

function fold(groups: SummaryGroup[]): Item {
  const add = (f: (g: SummaryGroup) => number) => groups.reduce((n, g) => n + f(g), 0)
  return { label: '', count: add((g) => g.count), bytes: add((g) => g.bytes), sized: add((g) => g.sized), rest: groups.length }
}

/**
 * A one-dimension summary in its order with the empty groups between its first and last filled in
 * (a histogram's missing bars), labels from `between(first, last)`; labels it does not produce
 * (`(none)`, `0`) keep their place at the start.
 */
function withGaps(s: Summary, between: (labels: string[]) => string[] | undefined): Summary {
  const byLabel = new Map(s.groups.map((g) => [g.key[0], g]))
  const all = between(s.groups.map((g) => g.key[0]))
  if (!all) return s
  const inRange = new Set(all)
  const empty = (label: string): SummaryGroup => ({ key: [label], count: 0, bytes: 0, sized: 0, minSize: undefined, maxSize: undefined, avgSize: undefined })
  return { ...s, groups: [...s.groups.filter((g) => !inRange.has(g.key[0])), ...all.map((l) => byLabel.get(l) ?? empty(l))] }
}

/** Every power-of-two size bucket from the smallest to the largest one present. */
export function sizeHistogram(s: Summary): Summary {
  return withGaps(s, (labels) => {
    const floors = labels.map(sizeBucketFloor).filter((f): f is number => f !== undefined && f > 0)
    if (floors.length === 0) return undefined
    const out: string[] = []
    for (let f = Math.min(...floors), max = Math.max(...floors); f <= max; f *= 2) out.push(sizeBucketLabel(f, 'pow2'))
    return out
  })
}

/** Every month (YYYY-MM) from the first to the last present. */
export function monthSeries(s: Summary): Summary {
  return withGaps(s, (labels) => {
    const months = labels.filter((l) => /^\d{4}-\d{2}$/.test(l)).map((l) => Number(l.slice(0, 4)) * 12 + Number(l.slice(5)) - 1)
    if (months.length === 0) return undefined
    const out: string[] = []
    for (let m = Math.min(...months), max = Math.max(...months); m <= max; m++) out.push(`${String(Math.floor(m / 12)).padStart(4, '0')}-${String((m % 12) + 1).padStart(2, '0')}`)
    return out
  })
}

/**
 * The cost summary's groups as cost groups; `keep(isLatest)` picks the versions to count
 * (isLatest is undefined when the inventory lists current versions only).
 */
export function costGroups(s: Summary, keep: (isLatest: boolean | undefined) => boolean = () => true): CostGroup[] {
  const at = (name: string) => s.by.indexOf(name)
  const cls = at('storageClass')
  const tier = at('intelligentTieringAccessTier')
  const latest = at('isLatest')
  const size = at('size:pow2')
  const out: CostGroup[] = []
  for (const g of s.groups) {
    const isLatest = latest < 0 ? undefined : g.key[latest] === 'false' ? false : true
    if (!keep(isLatest)) continue
    const floor = sizeBucketFloor(g.key[size])
    const small = floor !== undefined && floor < BILLING_RULES.minimumBillableBytes
    out.push({
      storageClass: g.key[cls],
      accessTier: tier < 0 ? undefined : g.key[tier],
      objects: g.count,
      bytes: g.bytes,
      smallObjects: small ? g.sized : 0,
      smallBytes: small ? g.bytes : 0,
    })
  }
  return out
}

/** Count and bytes of the groups whose labels match. */
export function tally(s: Summary | undefined, match: (key: string[]) => boolean): { count: number; bytes: number } {
  let count = 0
  let bytes = 0
  for (const g of s?.groups ?? []) {
    if (!match(g.key)) continue
    count += g.count
    bytes += g.bytes
  }
  return { count, bytes }
}
