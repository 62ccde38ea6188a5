/**
 * Three places storage money often goes unnoticed, with this inventory's numbers: noncurrent versions
 * and delete markers; small objects in classes with a 128 KB minimum billable size; the 40 KB each
 * object adds in S3 Glacier Flexible Retrieval and Deep Archive.
 */
import type { ReportData } from './collect.js'
import { estimateStorageCost, type CostLine, type StorageCostEstimate } from './cost.js'
import { bytesText as bytes, countText as int, usdText as usd } from './format.js'
import { costGroups, tally } from './groups.js'
import { BILLING_RULES, firstRate, GB, KIB, type StoragePrices } from './prices.js'

export interface Hint {
  id: 'versions' | 'minimum-size' | 'archive-overhead'
  title: string
  /** Whether the inventory shows something to act on. */
  applies: boolean
  /** One or two sentences with the numbers. */
  text: string
  /** The numbers, by name (for the page's data attributes and for tests). */
  numbers: Record<string, number>
}

/** Each delete marker is billed for its key name's size, which is at most 1 KB. */
const MAX_KEY_BYTES = 1024

/**
 * The hints this inventory's fields allow: the two about storage classes need the estimate (StorageClass
 * and Size); without it they are left out (the page's left-out note says why), not stated as zeros.
 */
export function reportHints(data: ReportData, prices: StoragePrices, estimate: StorageCostEstimate | undefined): Hint[] {
  return [versionsHint(data, prices, estimate), ...(estimate ? [minimumSizeHint(estimate), archiveHint(estimate)] : [])]
}

function versionsHint(data: ReportData, prices: StoragePrices, estimate: StorageCostEstimate | undefined): Hint {
  const title = 'Noncurrent versions and delete markers'
  const v = data.summaries.versions
  if (!v) {
    return {
      id: 'versions',
      title,
      applies: false,
      text: 'This inventory lists current versions only, so noncurrent versions and delete markers are not in it; configure the inventory with all versions to see what they cost.',
      numbers: {},
    }
  }
  const noncurrent = tally(v, ([latest, marker]) => latest === 'false' && marker !== 'true')
  const markers = tally(v, ([, marker]) => marker === 'true')
  const cost = data.summaries.cost
  // Bytes need Size, cost the estimate (StorageClass and Size): what the inventory cannot tell is not said.
  const sized = data.fields.includes('size')
  // What the noncurrent versions add to the bill: the estimate with them, minus the estimate without them.
  const noncurrentUsd = cost && estimate ? estimate.total - estimateStorageCost(costGroups(cost, (latest) => latest !== false), prices).total : undefined
  const standard = prices.storage.STANDARD
  const markersUsd = standard === undefined ? 0 : ((markers.count * MAX_KEY_BYTES) / GB) * firstRate(standard)
  const share = estimate && noncurrentUsd !== undefined && estimate.total > 0 ? ` (${((100 * noncurrentUsd) / estimate.total).toFixed(1)}% of the estimate)` : ''
  const held = sized ? ` hold ${bytes(noncurrent.bytes)}` : ''
  const costs = noncurrentUsd === undefined ? '' : `${held ? ' and' : ''} cost about ${usd(noncurrentUsd)} a month${share}`
  const unknown = sized ? (noncurrentUsd === undefined ? ' (without StorageClass, what they cost is not known)' : '') : ' (without Size, what they hold and cost is not known)'
  return {
    id: 'versions',
    title,
    applies: noncurrent.count > 0 || markers.count > 0,
    text:
      `${int(noncurrent.count)} noncurrent versions${held}${costs}${unknown}; ` +
      `${int(markers.count)} delete markers are billed for their key names (at most 1 KB each: at most ${usd(markersUsd)} a month). ` +
      'A lifecycle rule that expires noncurrent versions (NoncurrentVersionExpiration) and expired delete markers removes both.',
    numbers: {
      noncurrentObjects: noncurrent.count,
      ...(sized ? { noncurrentBytes: noncurrent.bytes } : {}),
      ...(noncurrentUsd === undefined ? {} : { noncurrentUsd }),
      deleteMarkers: markers.count,
      deleteMarkersMaxUsd: markersUsd,
    },
  }
}

function minimumSizeHint(estimate: StorageCostEstimate): Hint {
  const title = 'Small objects in classes with a minimum billable size'
  const lines = estimate.lines.filter((l) => BILLING_RULES.minimumSizeClasses.includes(l.key))
  const objects = sum(lines, (l) => l.smallObjects)
  const padding = sum(lines, (l) => l.minimumSizeBytes)
  const paddingUsd = sum(lines, (l) => l.minimumSizeUsd)
  const per = lines.filter((l) => l.smallObjects > 0).map((l) => `${l.key} ${int(l.smallObjects)} (${usd(l.minimumSizeUsd)})`)
  return {
    id: 'minimum-size',
    title,
    applies: objects > 0,
    text:
      `S3 Standard-IA, One Zone-IA and Glacier Instant Retrieval bill every object smaller than 128 KB as 128 KB. ` +
      (objects > 0
        ? `${int(objects)} objects here are smaller${per.length ? ` (${per.join(', ')})` : ''}: ${bytes(padding)} billed that is not stored, about ${usd(paddingUsd)} a month. Keeping small objects in S3 Standard or Intelligent-Tiering (which does not tier them), or bundling them, avoids it.`
        : 'No object in those classes is smaller.'),
    numbers: { smallObjects: objects, paddingBytes: padding, paddingUsd },
  }
}

function archiveHint(estimate: StorageCostEstimate): Hint {
  const title = 'Per-object overhead in Glacier Flexible Retrieval and Deep Archive'
  const lines = estimate.lines.filter((l) => BILLING_RULES.archiveClasses.includes(l.key))
  const objects = sum(lines, (l) => l.objects)
  const overhead = sum(lines, (l) => l.overheadBytes)
  const overheadUsd = sum(lines, (l) => l.overheadUsd)
  const total = sum(lines, (l) => l.usd)
  const avg = objects > 0 ? sum(lines, (l) => l.bytes) / objects : 0
  return {
    id: 'archive-overhead',
    title,
    applies: objects > 0,
    text:
      `Each archived object adds ${(BILLING_RULES.archiveOverheadClassBytes + BILLING_RULES.archiveOverheadStandardBytes) / KIB} KB: 32 KB at the archive rate and 8 KB at S3 Standard's. ` +
      (objects > 0
        ? `For ${int(objects)} archived objects (${bytes(avg)} on average) that is ${bytes(overhead)}, about ${usd(overheadUsd)} a month${total > 0 ? `, ${((100 * overheadUsd) / total).toFixed(1)}% of what they cost` : ''}. Archiving small objects in bundles (tar, zip) cuts it.`
        : 'This inventory has no archived objects.'),
    numbers: { archivedObjects: objects, overheadBytes: overhead, overheadUsd },
  }
}

const sum = (lines: CostLine[], f: (l: CostLine) => number) => lines.reduce((n, l) => n + f(l), 0)
