/**
 * The page's sections, each as markup plus the specs of its charts: the delivery, storage classes,
 * the cost estimate and hints, sizes, ages, prefixes, extensions, encryption / replication / object
 * lock, and the comparison with an older delivery. Every list is capped (top N, the rest as one
 * "other" row), so the page's size depends on these caps, not on the inventory.
 */
import type { ChartSpec } from './client.js'
import type { ReportData } from './collect.js'
import { netBytes, netCount, type CompareCounts } from './compare.js'
import type { StorageCostEstimate } from './cost.js'
import { bytesText, countText, percentText, rateText, usdText } from './format.js'
import { chartLabel, clipLabel, monthSeries, orderedItems, OTHER, sizeHistogram, tally, topItems, type Item } from './groups.js'
import type { Hint } from './hints.js'
import { chartBox, esc, figure, section, table, type Cell } from './html.js'
import { GB, type StoragePrices } from './prices.js'
import type { Summary } from '../summarize.js'

/** A section of the page: its anchor and heading (for the table of contents), markup and charts. */
export interface Part {
  id: string
  title: string
  html: string
  charts: ChartSpec[]
}

const part = (id: string, title: string, body: string, charts: ChartSpec[]): Part => ({ id, title, html: section(id, title, body), charts })

/** Caps on what the page lists. */
export const LIMITS = { prefixes: 50, extensions: 30, categories: 30, months: 600, sizes: 64, comparePrefixes: 50, costLines: 30, priceKeys: 20, filterChars: 2000, priceText: 1000 }

/** A price table's region, date and source as the page states them: a price file may hold any text there. */
export const priceTexts = (p: StoragePrices) => ({ region: clipLabel(p.region, LIMITS.priceText), asOf: clipLabel(p.asOf, LIMITS.priceText), source: clipLabel(p.source, LIMITS.priceText) })

/**
 * Whether the inventory has sizes: without Size every byte count is 0, which the page must not state
 * as a number (bytes columns, charts and facts are left out; the left-out note says so). An inventory
 * without rows states its zeros.
 */
export const hasSizes = (d: ReportData) => d.fields.length === 0 || d.fields.includes('size')

const num = (value: number, text: string, title?: string): Cell => ({ value, text, title })
const bytesCell = (n: number): Cell => num(n, bytesText(n), `${countText(n)} bytes`)
const countCell = (n: number): Cell => num(n, countText(n))
const usdCell = (n: number): Cell => num(n, usdText(n))
const shareCell = (part: number, whole: number): Cell => num(whole === 0 ? 0 : part / whole, percentText(part, whole))
export const dateText = (iso: string) => iso.replace('T', ' ').replace(/(:\d\d)\.000Z$/, '$1 UTC').replace(/Z$/, ' UTC')
const hbarHeight = (n: number) => Math.max(160, 40 + 22 * n)
const box = (c: ChartSpec, label: string, tableId: string) => chartBox(c.id, label, tableId, c.height)

export function deliverySection(d: ReportData): Part {
  const t = d.summaries.total.total
  const v = d.summaries.versions
  const sized = hasSizes(d)
  const held = (x: { bytes: number }) => (sized ? ` (${bytesText(x.bytes)})` : '')
  const fact = (field: string, name: string, value: string, exact?: number) =>
    `<dt>${esc(name)}</dt><dd data-field="${field}"${exact === undefined ? '' : ` data-value="${exact}"`}>${esc(value)}</dd>`
  const facts = [
    fact('sourceBucket', 'Source bucket', d.delivery.sourceBucket),
    fact('creationDate', 'Delivered', dateText(d.delivery.creationDate)),
    fact('fileFormat', 'Format', `${d.delivery.fileFormat}, ${countText(d.delivery.files)} data files (${bytesText(d.delivery.filesBytes)})`, d.delivery.files),
    fact('manifest', 'Manifest', d.delivery.manifest),
    fact('destinationBucket', 'Destination bucket', d.delivery.destinationBucket),
    fact('objects', 'Objects (all rows)', countText(t.count), t.count),
    ...(sized ? [fact('bytes', 'Bytes', `${bytesText(t.bytes)} (${countText(t.bytes)} bytes)`, t.bytes)] : []),
  ]
  const charts: ChartSpec[] = []
  let versions = ''
  if (v) {
    const current = tally(v, ([l, m]) => l !== 'false' && m !== 'true')
    const noncurrent = tally(v, ([l, m]) => l === 'false' && m !== 'true')
    const markers = tally(v, ([, m]) => m === 'true')
    facts.push(
      fact('currentVersions', 'Current versions', `${countText(current.count)}${held(current)}`, current.count),
      fact('noncurrentVersions', 'Noncurrent versions', `${countText(noncurrent.count)}${held(noncurrent)}`, noncurrent.count),
      fact('deleteMarkers', 'Delete markers', countText(markers.count), markers.count),
    )
    const rows = v.groups.map((g) => ({ label: versionLabel(g.key), key: g.key.join('/'), count: g.count, bytes: g.bytes }))
    const chart: ChartSpec = { id: 'chart-versions', kind: 'doughnut', labels: rows.map((r) => r.label), series: [{ label: 'Objects', unit: 'count', data: rows.map((r) => r.count) }], height: 220 }
    charts.push(chart)
    versions = figure(
      'Objects by version state',
      [box(chart, 'Objects by version state', 'table-versions')],
      table({
        id: 'table-versions',
        caption: `Objects${sized ? ' and bytes' : ''} by version state (isLatest, isDeleteMarker)`,
        head: ['State', 'Objects', ...(sized ? ['Bytes'] : []), 'Share of objects'],
        cols: ['state', 'objects', ...(sized ? ['bytes'] : []), 'share'],
        rows: rows.map((r) => ({ key: r.key, cells: [r.label, countCell(r.count), ...(sized ? [bytesCell(r.bytes)] : []), shareCell(r.count, t.count)] })),
      }),
    )
  } else {
    facts.push(fact('versions', 'Versions', 'current versions only (the inventory does not list noncurrent versions or delete markers)'))
  }
  const filter = d.filter ? `<p class="note" id="filter">Only rows that pass this filter are counted: <code>${esc(clipLabel(JSON.stringify(d.filter), LIMITS.filterChars))}</code></p>` : ''
  return part('delivery', 'The delivery', `<div class="grid"><dl class="facts">${facts.join('')}</dl>${versions}</div>${filter}`, charts)
}

function versionLabel([latest, marker]: string[]): string {
  const state = latest === 'false' ? 'noncurrent' : 'current'
  return marker === 'true' ? `delete marker (${state})` : `${state} version`
}

/**
 * A category summary as horizontal bar charts of bytes and objects, with its table; without sizes
 * (`sized` false) objects only.
 */
function categoryFigures(id: string, title: string, what: string, s: Summary, items: Item[], total: { count: number; bytes: number }, sized: boolean, display = (label: string) => label): { html: string; charts: ChartSpec[] } {
  const labels = items.map((i) => (i.rest ? `${OTHER}: ${countText(i.rest)} more` : display(i.label)))
  const h = hbarHeight(items.length)
  const axis = labels.map(chartLabel)
  const objects: ChartSpec = { id: `chart-${id}-objects`, kind: 'hbar', labels: axis, series: [{ label: 'Objects', unit: 'count', data: items.map((i) => i.count), color: '#E69F00' }], height: h }
  const charts: ChartSpec[] = sized ? [{ id: `chart-${id}-bytes`, kind: 'hbar', labels: axis, series: [{ label: 'Bytes', unit: 'bytes', data: items.map((i) => i.bytes) }], height: h }, objects] : [objects]
  const tableId = `table-${id}`
  const what1 = what[0].toUpperCase() + what.slice(1)
  const t = sized
    ? table({
        id: tableId,
        caption: `${title}: objects and bytes per ${what}`,
        head: [what1, 'Objects', 'Bytes', 'Share of bytes', 'Average size'],
        cols: ['label', 'objects', 'bytes', 'share', 'average'],
        rows: items.map((i, n) => ({
          key: i.rest ? OTHER : i.label,
          cells: [labels[n], countCell(i.count), bytesCell(i.bytes), shareCell(i.bytes, total.bytes), i.sized ? bytesCell(i.bytes / i.sized) : '–'],
        })),
        foot: { key: 'TOTAL', cells: ['Total', countCell(s.total.count), bytesCell(s.total.bytes), shareCell(s.total.bytes, total.bytes), s.total.avgSize === undefined ? '–' : bytesCell(s.total.avgSize)] },
      })
    : table({
        id: tableId,
        caption: `${title}: objects per ${what}`,
        head: [what1, 'Objects', 'Share of objects'],
        cols: ['label', 'objects', 'objectShare'],
        rows: items.map((i, n) => ({ key: i.rest ? OTHER : i.label, cells: [labels[n], countCell(i.count), shareCell(i.count, total.count)] })),
        foot: { key: 'TOTAL', cells: ['Total', countCell(s.total.count), shareCell(s.total.count, total.count)] },
      })
  const boxes = [...(sized ? [box(charts[0], `Bytes per ${what}`, tableId)] : []), box(objects, `Objects per ${what}`, tableId)]
  return { html: figure(title, boxes, t), charts }
}

export function classesSection(d: ReportData): Part | undefined {
  const s = d.summaries.classes
  if (!s) return undefined
  const display = (l: string) => (l === '(none)' ? (d.summaries.versions ? '(none: delete markers)' : '(none)') : l)
  const figs = categoryFigures('classes', 'Storage classes', 'storage class', s, topItems(s, LIMITS.categories), s.total, hasSizes(d), display)
  return part('classes', 'Storage classes', figs.html, figs.charts)
}

export function costSection(d: ReportData, e: StorageCostEstimate | undefined, hints: Hint[]): Part | undefined {
  const hintHtml = hints
    .map((h) => {
      const data = Object.entries(h.numbers)
        .map(([k, v]) => ` data-${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}="${v}"`)
        .join('')
      return `<div class="hint${h.applies ? '' : ' quiet'}" id="hint-${h.id}"${data}><h3>${esc(h.title)}</h3><p>${esc(h.text)}</p></div>`
    })
    .join('')
  if (!e) {
    // No StorageClass or no Size: no estimate (the left-out note says so); the versions hint still has its counts.
    return d.summaries.versions && hints.length ? part('cost', 'Where the money goes', hintHtml, []) : undefined
  }
  const p = { ...e.prices, ...priceTexts(e.prices) }
  const lines = e.lines
  // At most LIMITS.costLines priced and as many unpriced rows (a price file may price thousands of keys; an
  // inventory may hold thousands of storage classes), the rest as one row each.
  const shown = lines.slice(0, LIMITS.costLines)
  const restLines = lines.slice(LIMITS.costLines)
  const unpriced = e.unpriced.slice(0, LIMITS.costLines)
  const restUnpriced = e.unpriced.slice(LIMITS.costLines)
  const label = (k: string) => clipLabel(k)
  const gb = (bytes: number) => num(bytes / GB, (bytes / GB).toLocaleString('en-US', { maximumFractionDigits: 3 }))
  const rows: { key: string; cells: Cell[] }[] = shown.map((l) => ({
    key: label(l.key),
    cells: [label(l.key), countCell(l.objects), bytesCell(l.bytes), gb(l.billedBytes), rateText(l.rate), usdCell(l.storageUsd), usdCell(l.overheadUsd), usdCell(l.monitoringUsd), usdCell(l.usd)],
  }))
  if (restLines.length) {
    rows.push({
      key: OTHER,
      cells: [`${OTHER}: ${countText(restLines.length)} more priced classes`, countCell(sum(restLines, 'objects')), bytesCell(sum(restLines, 'bytes')), gb(sum(restLines, 'billedBytes')), '–', usdCell(sum(restLines, 'storageUsd')), usdCell(sum(restLines, 'overheadUsd')), usdCell(sum(restLines, 'monitoringUsd')), usdCell(sum(restLines, 'usd'))],
    })
  }
  rows.push(...unpriced.map((l) => ({ key: label(l.key), cells: [label(l.key), countCell(l.objects), bytesCell(l.bytes), '–', 'no price in the table', '–', '–', '–', '–'] as Cell[] })))
  if (restUnpriced.length) {
    rows.push({ key: `${OTHER} unpriced`, cells: [`${OTHER}: ${countText(restUnpriced.length)} more classes without a price`, countCell(sum(restUnpriced, 'objects')), bytesCell(sum(restUnpriced, 'bytes')), '–', 'no price in the table', '–', '–', '–', '–'] })
  }
  const t = table({
    id: 'table-cost',
    caption: `Estimated storage cost per month, by storage class (${p.region}, prices as of ${p.asOf})`,
    head: ['Class', 'Objects', 'Bytes', 'Billed GB-months', 'Price per GB-month', 'Storage', 'Archive overhead', 'Monitoring', 'Per month'],
    cols: ['class', 'objects', 'bytes', 'gbMonths', 'rate', 'storage', 'overhead', 'monitoring', 'usd'],
    rows,
    foot: { key: 'TOTAL', cells: ['Total', countCell(sum(lines, 'objects')), bytesCell(sum(lines, 'bytes')), '', '', usdCell(sum(lines, 'storageUsd')), usdCell(sum(lines, 'overheadUsd')), usdCell(sum(lines, 'monitoringUsd')), usdCell(e.total)] },
  })
  const bars = [...shown.map((l) => ({ label: l.key, usd: l.usd })), ...(restLines.length ? [{ label: `${OTHER}: ${countText(restLines.length)} more`, usd: sum(restLines, 'usd') }] : [])]
  const charts: ChartSpec[] = [{ id: 'chart-cost', kind: 'hbar', labels: bars.map((x) => chartLabel(x.label)), series: [{ label: 'USD per month', unit: 'usd', data: bars.map((x) => x.usd), color: '#009E73' }], height: hbarHeight(bars.length) }]
  const keys = p.overridden?.keys ?? []
  const keyList = keys.slice(0, LIMITS.priceKeys).map(label).join(', ') + (keys.length > LIMITS.priceKeys ? ` and ${countText(keys.length - LIMITS.priceKeys)} more` : '')
  const overridden = keys.length ? ` Overridden${p.overridden!.file ? ` from ${p.overridden!.file}` : ''}: ${keyList}.` : ''
  const source = /^https:\/\//.test(p.source) ? `<a href="${esc(p.source)}">${esc(p.source)}</a>` : esc(p.source)
  const note =
    `<p class="note" id="prices">Prices: ${esc(p.region)}, as of ${esc(p.asOf)}, from ${source}.${esc(overridden)} ` +
    'A GB is 2<sup>30</sup> bytes. Storage only: requests, retrievals, transfer and early-deletion charges are not included. ' +
    'Volume tiers (S3 Standard, Intelligent-Tiering Frequent Access) are applied to this inventory alone, though AWS applies them to the account&#39;s total in the region. ' +
    'Standard-IA, One Zone-IA and Glacier Instant Retrieval bill objects under 128 KB as 128 KB; Glacier Flexible Retrieval and Deep Archive add 40 KB per object (32 KB at their rate, 8 KB at S3 Standard&#39;s); ' +
    'Intelligent-Tiering adds its monitoring fee per object of 128 KB or more and is priced per access tier when the inventory has IntelligentTieringAccessTier (else at Frequent Access rates). ' +
    'Override the prices with a JSON file (<code>--prices</code>; see docs/report.md).</p>'
  const total = `<p class="total" id="cost-total" data-value="${e.total}">Estimated storage cost: <strong>${esc(usdText(e.total))}</strong> per month</p>`
  return part('cost', 'Monthly storage cost', total + figure('Estimated cost per month by storage class', [box(charts[0], 'Estimated cost per month by storage class', 'table-cost')], t) + note + `<h2 class="sub">Where the money goes</h2>${hintHtml}`, charts)
}

const sum = <K extends 'objects' | 'bytes' | 'billedBytes' | 'storageUsd' | 'overheadUsd' | 'monitoringUsd' | 'usd'>(lines: { [k in K]: number }[], k: K) => lines.reduce((n, l) => n + l[k], 0)

/** A summary in its own order (sizes, months): its chart and the table of its items (without sizes, objects only). */
function orderedFigure(chart: ChartSpec, id: string, title: string, what: string, s: Summary, items: Item[], sized = true): string {
  const bytes = (cells: Cell[]) => (sized ? cells : [])
  const t = table({
    id: `table-${id}`,
    caption: `${title}: objects${sized ? ' and bytes' : ''} per ${what}`,
    head: [what[0].toUpperCase() + what.slice(1), 'Objects', ...(sized ? ['Bytes'] : []), 'Share of objects', ...(sized ? ['Share of bytes'] : [])],
    cols: ['label', 'objects', ...(sized ? ['bytes'] : []), 'objectShare', ...(sized ? ['share'] : [])],
    rows: items.map((i) => ({ key: i.label, cells: [i.rest ? `${i.label} (${countText(i.rest)} groups)` : i.label, countCell(i.count), ...bytes([bytesCell(i.bytes)]), shareCell(i.count, s.total.count), ...bytes([shareCell(i.bytes, s.total.bytes)])] })),
    foot: { key: 'TOTAL', cells: ['Total', countCell(s.total.count), ...bytes([bytesCell(s.total.bytes)]), shareCell(s.total.count, s.total.count), ...bytes([shareCell(s.total.bytes, s.total.bytes)])] },
  })
  return figure(title, [box(chart, title, `table-${id}`)], t)
}

export function sizesSection(d: ReportData): Part | undefined {
  const s = d.summaries.sizes
  if (!s) return undefined
  const items = orderedItems(sizeHistogram(s), LIMITS.sizes, 'smaller')
  const chart: ChartSpec = {
    id: 'chart-sizes',
    kind: 'bar',
    labels: items.map((i) => i.label),
    series: [
      { label: 'Objects', unit: 'count', data: items.map((i) => i.count) },
      { label: 'Bytes', unit: 'bytes', data: items.map((i) => i.bytes), kind: 'line', axis: 'y2', color: '#D55E00' },
    ],
    log: true,
    height: 320,
  }
  const html = orderedFigure(chart, 'sizes', 'Object sizes (power-of-two buckets, log scales)', 'size', s, items)
  return part('sizes', 'Size distribution', html, [chart])
}

export function monthsSection(d: ReportData): Part | undefined {
  const s = d.summaries.months
  if (!s) return undefined
  const items = orderedItems(monthSeries(s), LIMITS.months, 'earlier')
  const sized = hasSizes(d)
  const objects = { label: 'Objects', unit: 'count', data: items.map((i) => i.count) } as const
  const chart: ChartSpec = {
    id: 'chart-months',
    kind: 'bar',
    labels: items.map((i) => i.label),
    series: sized ? [{ label: 'Bytes', unit: 'bytes', data: items.map((i) => i.bytes) }, { ...objects, kind: 'line', axis: 'y2', color: '#E69F00' }] : [{ ...objects, color: '#E69F00' }],
    height: 320,
  }
  const html = orderedFigure(chart, 'months', 'Last modified, by month (UTC)', 'month', s, items, sized)
  return part('age', 'Age', html, [chart])
}

export function prefixesSection(d: ReportData): Part | undefined {
  const s = d.summaries.prefixes
  if (!s) return undefined
  const items = topItems(s, LIMITS.prefixes)
  const sized = hasSizes(d)
  const figs = categoryFigures('prefixes', `Top prefixes (depth ${d.prefixDepth})`, 'prefix', s, items, s.total, sized)
  const intro = `<p class="note">The first ${d.prefixDepth} path segment${d.prefixDepth > 1 ? 's' : ''} of each key; the ${LIMITS.prefixes} largest by ${sized ? 'bytes' : 'objects'}, the rest as one row. Keys at the bucket's root (without a “/”) are “(root)”.</p>`
  return part('prefixes', `Top prefixes (depth ${d.prefixDepth})`, intro + figs.html, figs.charts)
}

export function extensionsSection(d: ReportData): Part | undefined {
  const s = d.summaries.extensions
  if (!s) return undefined
  const sized = hasSizes(d)
  const figs = categoryFigures('extensions', 'Extensions', 'extension', s, topItems(s, LIMITS.extensions), s.total, sized)
  return part('extensions', 'Extensions', `<p class="note">The file name's last extension, lowercased; the ${LIMITS.extensions} largest by ${sized ? 'bytes' : 'objects'}.</p>` + figs.html, figs.charts)
}

/** Encryption, replication and object lock: one doughnut and table each, for the fields the inventory has. */
export function protectionSection(d: ReportData): Part | undefined {
  const parts: { id: string; title: string; s: Summary }[] = []
  if (d.summaries.encryption) parts.push({ id: 'encryption', title: 'Encryption status', s: d.summaries.encryption })
  if (d.summaries.replication) parts.push({ id: 'replication', title: 'Replication status', s: d.summaries.replication })
  if (d.summaries.lockMode) parts.push({ id: 'lock-mode', title: 'Object Lock retention mode', s: d.summaries.lockMode })
  if (d.summaries.legalHold) parts.push({ id: 'legal-hold', title: 'Object Lock legal hold', s: d.summaries.legalHold })
  if (parts.length === 0) return undefined
  const sized = hasSizes(d)
  const charts: ChartSpec[] = []
  const figures = parts.map(({ id, title, s }) => {
    const items = topItems(s, LIMITS.categories)
    const labels = items.map((i) => (i.rest ? `${OTHER}: ${countText(i.rest)} more` : i.label === '(none)' ? '(none: no value)' : i.label))
    const chart: ChartSpec = { id: `chart-${id}`, kind: 'doughnut', labels: labels.map(chartLabel), series: [{ label: 'Objects', unit: 'count', data: items.map((i) => i.count) }], height: 220 }
    charts.push(chart)
    const t = table({
      id: `table-${id}`,
      caption: `${title}: objects${sized ? ' and bytes' : ''} per value`,
      head: ['Value', 'Objects', ...(sized ? ['Bytes'] : []), 'Share of objects'],
      cols: ['label', 'objects', ...(sized ? ['bytes'] : []), 'objectShare'],
      rows: items.map((i, n) => ({ key: i.rest ? OTHER : i.label, cells: [labels[n], countCell(i.count), ...(sized ? [bytesCell(i.bytes)] : []), shareCell(i.count, s.total.count)] })),
    })
    return figure(title, [box(chart, title, `table-${id}`)], t)
  })
  return part('protection', 'Encryption, replication and Object Lock', `<div class="grid">${figures.join('')}</div>`, charts)
}

/**
 * What changed since the older delivery: counts and bytes, per class and per prefix, and net growth
 * (objects only when either side has no sizes).
 */
export function compareSection(d: ReportData): Part | undefined {
  const c = d.compare
  if (!c) return undefined
  const sized = c.sized !== false && hasSizes(d)
  const countsRow = (key: string, label: string, x: CompareCounts): { key: string; cells: Cell[] } => ({
    key,
    cells: sized
      ? [label, countCell(x.added.count), bytesCell(x.added.bytes), countCell(x.removed.count), bytesCell(x.removed.bytes), countCell(x.changed.count), bytesCell(x.changed.bytes - x.changed.bytesBefore), countCell(netCount(x)), bytesCell(netBytes(x))]
      : [label, countCell(x.added.count), countCell(x.removed.count), countCell(x.changed.count), countCell(netCount(x))],
  })
  const head = sized ? ['', 'Added', 'Added bytes', 'Removed', 'Removed bytes', 'Changed', 'Changed bytes (after − before)', 'Net objects', 'Net bytes'] : ['', 'Added', 'Removed', 'Changed', 'Net objects']
  const cols = sized ? ['label', 'added', 'addedBytes', 'removed', 'removedBytes', 'changed', 'changedBytes', 'netObjects', 'netBytes'] : ['label', 'added', 'removed', 'changed', 'netObjects']
  const totals = table({ id: 'table-compare-total', caption: 'Changes since the older delivery', head, cols, rows: [countsRow('TOTAL', 'All objects', c.total)] })
  const net = sized ? netBytes : netCount
  const byNet = <T extends CompareCounts>(list: T[]) => [...list].sort((a, b) => Math.abs(net(b)) - Math.abs(net(a)))
  const classesAll = byNet(c.byStorageClass)
  const classes = classesAll.slice(0, LIMITS.categories)
  const classLabel = (s: string | null) => (s === null ? '(none)' : clipLabel(s))
  const prefixesAll = byNet(c.byPrefix.groups)
  const prefixes = prefixesAll.slice(0, LIMITS.comparePrefixes)
  const prefixLabel = (p: string) => (p === '' ? '(root)' : clipLabel(p))
  // What the page does not list, as one row: the groups past its cap and those past the diff's own limit.
  const prefixRest = addCounts([...prefixesAll.slice(LIMITS.comparePrefixes), ...(c.byPrefix.other ? [c.byPrefix.other] : [])])
  const classRest = addCounts(classesAll.slice(LIMITS.categories))
  const unit = sized ? 'bytes' : 'count'
  const what = sized ? 'bytes' : 'objects'
  const added = (x: CompareCounts) => (sized ? x.added.bytes : x.added.count)
  const removed = (x: CompareCounts) => (sized ? x.removed.bytes : x.removed.count)
  const charts: ChartSpec[] = [
    {
      id: 'chart-compare-classes',
      kind: 'hbar',
      labels: classes.map((x) => chartLabel(classLabel(x.storageClass))),
      series: [
        { label: `Added ${what}`, unit, data: classes.map(added), color: '#009E73' },
        { label: `Removed ${what}`, unit, data: classes.map((x) => -removed(x)), color: '#D55E00' },
        { label: `Net ${what}`, unit, data: classes.map(net), color: '#0072B2' },
      ],
      valueTitle: sized ? 'Bytes' : 'Objects',
      height: hbarHeight(classes.length * 2),
    },
    { id: 'chart-compare-prefixes', kind: 'hbar', labels: prefixes.map((x) => chartLabel(prefixLabel(x.prefix))), series: [{ label: `Net ${what}`, unit, data: prefixes.map(net) }], height: hbarHeight(prefixes.length) },
  ]
  const classRows = classes.map((x) => countsRow(classLabel(x.storageClass), classLabel(x.storageClass), x))
  if (classRest) classRows.push(countsRow(OTHER, `${OTHER}: ${countText(classesAll.length - classes.length)} more classes`, classRest))
  const classTable = table({ id: 'table-compare-classes', caption: 'Changes per storage class (the class after the change; before it for removed objects)', head: ['Storage class', ...head.slice(1)], cols, rows: classRows })
  const prefixRows = prefixes.map((x) => countsRow(prefixLabel(x.prefix), prefixLabel(x.prefix), x))
  if (prefixRest) prefixRows.push(countsRow(OTHER, `${OTHER}: the other prefixes`, prefixRest))
  const prefixTable = table({ id: 'table-compare-prefixes', caption: `Changes per prefix (depth ${c.byPrefix.depth}), largest net change first`, head: ['Prefix', ...head.slice(1)], cols, rows: prefixRows })
  const intro =
    `<p id="compare-sides" data-older="${esc(c.older.manifest)}">Compared with the delivery of ${esc(dateText(c.older.creationDate))} (${esc(c.older.manifest)}, ${countText(c.older.rows)} rows), ` +
    `objects identified by ${c.identity === 'key' ? 'key (current versions only)' : 'key and version id'}; ${countText(c.total.unchanged.count)} unchanged${sized ? ` (${esc(bytesText(c.total.unchanged.bytes))})` : ''}.` +
    `${sized ? '' : ' Without Size on both sides, the changes are counted in objects, not bytes.'}</p>`
  return part(
    'compare',
    'Growth since the older delivery',
    intro +
      totals +
      figure(`Added, removed and net ${what} per storage class`, [box(charts[0], `Added, removed and net ${what} per storage class`, 'table-compare-classes')], classTable) +
      figure(`Net growth per prefix (depth ${c.byPrefix.depth})`, [box(charts[1], 'Net growth per prefix', 'table-compare-prefixes')], prefixTable),
    charts,
  )
}

/** The sum of several groups' changes; undefined for none. */
function addCounts(list: CompareCounts[]): CompareCounts | undefined {
  if (list.length === 0) return undefined
  const sum = (f: (x: CompareCounts) => number) => list.reduce((n, x) => n + f(x), 0)
  return {
    added: { count: sum((x) => x.added.count), bytes: sum((x) => x.added.bytes) },
    removed: { count: sum((x) => x.removed.count), bytes: sum((x) => x.removed.bytes) },
    changed: { count: sum((x) => x.changed.count), bytes: sum((x) => x.changed.bytes), bytesBefore: sum((x) => x.changed.bytesBefore) },
  }
}
