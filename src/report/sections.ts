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
import { monthSeries, orderedItems, OTHER, sizeHistogram, tally, topItems, type Item } from './groups.js'
import type { Hint } from './hints.js'
import { chartBox, esc, figure, section, table, type Cell } from './html.js'
import { GB } from './prices.js'
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
export const LIMITS = { prefixes: 50, extensions: 30, categories: 30, months: 600, sizes: 64, comparePrefixes: 50 }

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
  const fact = (field: string, name: string, value: string, exact?: number) =>
    `<dt>${esc(name)}</dt><dd data-field="${field}"${exact === undefined ? '' : ` data-value="${exact}"`}>${esc(value)}</dd>`
  const facts = [
    fact('sourceBucket', 'Source bucket', d.delivery.sourceBucket),
    fact('creationDate', 'Delivered', dateText(d.delivery.creationDate)),
    fact('fileFormat', 'Format', `${d.delivery.fileFormat}, ${countText(d.delivery.files)} data files (${bytesText(d.delivery.filesBytes)})`, d.delivery.files),
    fact('manifest', 'Manifest', d.delivery.manifest),
    fact('destinationBucket', 'Destination bucket', d.delivery.destinationBucket),
    fact('objects', 'Objects (all rows)', countText(t.count), t.count),
    fact('bytes', 'Bytes', `${bytesText(t.bytes)} (${countText(t.bytes)} bytes)`, t.bytes),
  ]
  const charts: ChartSpec[] = []
  let versions = ''
  if (v) {
    const current = tally(v, ([l, m]) => l !== 'false' && m !== 'true')
    const noncurrent = tally(v, ([l, m]) => l === 'false' && m !== 'true')
    const markers = tally(v, ([, m]) => m === 'true')
    facts.push(
      fact('currentVersions', 'Current versions', `${countText(current.count)} (${bytesText(current.bytes)})`, current.count),
      fact('noncurrentVersions', 'Noncurrent versions', `${countText(noncurrent.count)} (${bytesText(noncurrent.bytes)})`, noncurrent.count),
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
        caption: 'Objects and bytes by version state (isLatest, isDeleteMarker)',
        head: ['State', 'Objects', 'Bytes', 'Share of objects'],
        cols: ['state', 'objects', 'bytes', 'share'],
        rows: rows.map((r) => ({ key: r.key, cells: [r.label, countCell(r.count), bytesCell(r.bytes), shareCell(r.count, t.count)] })),
      }),
    )
  } else {
    facts.push(fact('versions', 'Versions', 'current versions only (the inventory does not list noncurrent versions or delete markers)'))
  }
  const filter = d.filter ? `<p class="note" id="filter">Only rows that pass this filter are counted: <code>${esc(JSON.stringify(d.filter))}</code></p>` : ''
  return part('delivery', 'The delivery', `<div class="grid"><dl class="facts">${facts.join('')}</dl>${versions}</div>${filter}`, charts)
}

function versionLabel([latest, marker]: string[]): string {
  const state = latest === 'false' ? 'noncurrent' : 'current'
  return marker === 'true' ? `delete marker (${state})` : `${state} version`
}

/** A category summary as a horizontal bar chart of bytes and objects, with its table. */
function categoryFigures(id: string, title: string, what: string, s: Summary, items: Item[], total: { count: number; bytes: number }, display = (label: string) => label): { html: string; charts: ChartSpec[] } {
  const labels = items.map((i) => (i.rest ? `${OTHER}: ${countText(i.rest)} more` : display(i.label)))
  const h = hbarHeight(items.length)
  const charts: ChartSpec[] = [
    { id: `chart-${id}-bytes`, kind: 'hbar', labels, series: [{ label: 'Bytes', unit: 'bytes', data: items.map((i) => i.bytes) }], height: h },
    { id: `chart-${id}-objects`, kind: 'hbar', labels, series: [{ label: 'Objects', unit: 'count', data: items.map((i) => i.count), color: '#E69F00' }], height: h },
  ]
  const tableId = `table-${id}`
  const t = table({
    id: tableId,
    caption: `${title}: objects and bytes per ${what}`,
    head: [what[0].toUpperCase() + what.slice(1), 'Objects', 'Bytes', 'Share of bytes', 'Average size'],
    cols: ['label', 'objects', 'bytes', 'share', 'average'],
    rows: items.map((i, n) => ({
      key: i.rest ? OTHER : i.label,
      cells: [labels[n], countCell(i.count), bytesCell(i.bytes), shareCell(i.bytes, total.bytes), i.sized ? bytesCell(i.bytes / i.sized) : '–'],
    })),
    foot: { key: 'TOTAL', cells: ['Total', countCell(s.total.count), bytesCell(s.total.bytes), shareCell(s.total.bytes, total.bytes), s.total.avgSize === undefined ? '–' : bytesCell(s.total.avgSize)] },
  })
  return { html: figure(title, [box(charts[0], `Bytes per ${what}`, tableId), box(charts[1], `Objects per ${what}`, tableId)], t), charts }
}

export function classesSection(d: ReportData): Part | undefined {
  const s = d.summaries.classes
  if (!s) return undefined
  const display = (l: string) => (l === '(none)' ? (d.summaries.versions ? '(none: delete markers)' : '(none)') : l)
  const figs = categoryFigures('classes', 'Storage classes', 'storage class', s, topItems(s, LIMITS.categories), s.total, display)
  return part('classes', 'Storage classes', figs.html, figs.charts)
}

export function costSection(d: ReportData, e: StorageCostEstimate | undefined, hints: Hint[]): Part {
  const hintHtml = hints
    .map((h) => {
      const data = Object.entries(h.numbers)
        .map(([k, v]) => ` data-${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}="${v}"`)
        .join('')
      return `<div class="hint${h.applies ? '' : ' quiet'}" id="hint-${h.id}"${data}><h3>${esc(h.title)}</h3><p>${esc(h.text)}</p></div>`
    })
    .join('')
  if (!e) {
    return part('cost', 'Monthly storage cost', `<p class="note">The estimate needs the StorageClass and Size fields, which this inventory lacks.</p>${hintHtml}`, [])
  }
  const p = e.prices
  const lines = e.lines
  const t = table({
    id: 'table-cost',
    caption: `Estimated storage cost per month, by storage class (${p.region}, prices as of ${p.asOf})`,
    head: ['Class', 'Objects', 'Bytes', 'Billed GB-months', 'Price per GB-month', 'Storage', 'Archive overhead', 'Monitoring', 'Per month'],
    cols: ['class', 'objects', 'bytes', 'gbMonths', 'rate', 'storage', 'overhead', 'monitoring', 'usd'],
    rows: [
      ...lines.map((l) => ({
        key: l.key,
        cells: [l.key, countCell(l.objects), bytesCell(l.bytes), num(l.billedBytes / GB, (l.billedBytes / GB).toLocaleString('en-US', { maximumFractionDigits: 3 })), rateText(l.rate), usdCell(l.storageUsd), usdCell(l.overheadUsd), usdCell(l.monitoringUsd), usdCell(l.usd)] as Cell[],
      })),
      ...e.unpriced.map((l) => ({ key: l.key, cells: [l.key, countCell(l.objects), bytesCell(l.bytes), '–', 'no price in the table', '–', '–', '–', '–'] as Cell[] })),
    ],
    foot: { key: 'TOTAL', cells: ['Total', countCell(sum(lines, 'objects')), bytesCell(sum(lines, 'bytes')), '', '', usdCell(sum(lines, 'storageUsd')), usdCell(sum(lines, 'overheadUsd')), usdCell(sum(lines, 'monitoringUsd')), usdCell(e.total)] },
  })
  const charts: ChartSpec[] = [{ id: 'chart-cost', kind: 'hbar', labels: lines.map((l) => l.key), series: [{ label: 'USD per month', unit: 'usd', data: lines.map((l) => l.usd), color: '#009E73' }], height: hbarHeight(lines.length) }]
  const overridden = p.overridden?.keys.length ? ` Overridden${p.overridden.file ? ` from ${p.overridden.file}` : ''}: ${p.overridden.keys.join(', ')}.` : ''
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

const sum = <K extends 'objects' | 'bytes' | 'storageUsd' | 'overheadUsd' | 'monitoringUsd'>(lines: { [k in K]: number }[], k: K) => lines.reduce((n, l) => n + l[k], 0)

/** A summary in its own order (sizes, months): its chart and the table of its items. */
function orderedFigure(chart: ChartSpec, id: string, title: string, what: string, s: Summary, items: Item[]): string {
  const t = table({
    id: `table-${id}`,
    caption: `${title}: objects and bytes per ${what}`,
    head: [what[0].toUpperCase() + what.slice(1), 'Objects', 'Bytes', 'Share of objects', 'Share of bytes'],
    cols: ['label', 'objects', 'bytes', 'objectShare', 'share'],
    rows: items.map((i) => ({ key: i.label, cells: [i.rest ? `${i.label} (${countText(i.rest)} groups)` : i.label, countCell(i.count), bytesCell(i.bytes), shareCell(i.count, s.total.count), shareCell(i.bytes, s.total.bytes)] })),
    foot: { key: 'TOTAL', cells: ['Total', countCell(s.total.count), bytesCell(s.total.bytes), shareCell(s.total.count, s.total.count), shareCell(s.total.bytes, s.total.bytes)] },
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
  const chart: ChartSpec = {
    id: 'chart-months',
    kind: 'bar',
    labels: items.map((i) => i.label),
    series: [
      { label: 'Bytes', unit: 'bytes', data: items.map((i) => i.bytes) },
      { label: 'Objects', unit: 'count', data: items.map((i) => i.count), kind: 'line', axis: 'y2', color: '#E69F00' },
    ],
    height: 320,
  }
  const html = orderedFigure(chart, 'months', 'Last modified, by month (UTC)', 'month', s, items)
  return part('age', 'Age', html, [chart])
}

export function prefixesSection(d: ReportData): Part | undefined {
  const s = d.summaries.prefixes
  if (!s) return undefined
  const items = topItems(s, LIMITS.prefixes)
  const figs = categoryFigures('prefixes', `Top prefixes (depth ${d.prefixDepth})`, 'prefix', s, items, s.total)
  const intro = `<p class="note">The first ${d.prefixDepth} path segment${d.prefixDepth > 1 ? 's' : ''} of each key; the ${LIMITS.prefixes} largest by bytes, the rest as one row. Keys at the bucket's root (without a “/”) are “(root)”.</p>`
  return part('prefixes', `Top prefixes (depth ${d.prefixDepth})`, intro + figs.html, figs.charts)
}

export function extensionsSection(d: ReportData): Part | undefined {
  const s = d.summaries.extensions
  if (!s) return undefined
  const figs = categoryFigures('extensions', 'Extensions', 'extension', s, topItems(s, LIMITS.extensions), s.total)
  return part('extensions', 'Extensions', `<p class="note">The file name's last extension, lowercased; the ${LIMITS.extensions} largest by bytes.</p>` + figs.html, figs.charts)
}

/** Encryption, replication and object lock: one doughnut and table each, for the fields the inventory has. */
export function protectionSection(d: ReportData): Part | undefined {
  const parts: { id: string; title: string; s: Summary }[] = []
  if (d.summaries.encryption) parts.push({ id: 'encryption', title: 'Encryption status', s: d.summaries.encryption })
  if (d.summaries.replication) parts.push({ id: 'replication', title: 'Replication status', s: d.summaries.replication })
  if (d.summaries.lockMode) parts.push({ id: 'lock-mode', title: 'Object Lock retention mode', s: d.summaries.lockMode })
  if (d.summaries.legalHold) parts.push({ id: 'legal-hold', title: 'Object Lock legal hold', s: d.summaries.legalHold })
  if (parts.length === 0) return undefined
  const charts: ChartSpec[] = []
  const figures = parts.map(({ id, title, s }) => {
    const items = topItems(s, LIMITS.categories)
    const labels = items.map((i) => (i.rest ? `${OTHER}: ${countText(i.rest)} more` : i.label === '(none)' ? '(none: no value)' : i.label))
    const chart: ChartSpec = { id: `chart-${id}`, kind: 'doughnut', labels, series: [{ label: 'Objects', unit: 'count', data: items.map((i) => i.count) }], height: 220 }
    charts.push(chart)
    const t = table({
      id: `table-${id}`,
      caption: `${title}: objects and bytes per value`,
      head: ['Value', 'Objects', 'Bytes', 'Share of objects'],
      cols: ['label', 'objects', 'bytes', 'objectShare'],
      rows: items.map((i, n) => ({ key: i.rest ? OTHER : i.label, cells: [labels[n], countCell(i.count), bytesCell(i.bytes), shareCell(i.count, s.total.count)] })),
    })
    return figure(title, [box(chart, title, `table-${id}`)], t)
  })
  return part('protection', 'Encryption, replication and Object Lock', `<div class="grid">${figures.join('')}</div>`, charts)
}

/** What changed since the older delivery: counts and bytes, per class and per prefix, and net growth. */
export function compareSection(d: ReportData): Part | undefined {
  const c = d.compare
  if (!c) return undefined
  const countsRow = (key: string, label: string, x: CompareCounts): { key: string; cells: Cell[] } => ({
    key,
    cells: [label, countCell(x.added.count), bytesCell(x.added.bytes), countCell(x.removed.count), bytesCell(x.removed.bytes), countCell(x.changed.count), bytesCell(x.changed.bytes - x.changed.bytesBefore), countCell(netCount(x)), bytesCell(netBytes(x))],
  })
  const head = ['', 'Added', 'Added bytes', 'Removed', 'Removed bytes', 'Changed', 'Changed bytes (after − before)', 'Net objects', 'Net bytes']
  const cols = ['label', 'added', 'addedBytes', 'removed', 'removedBytes', 'changed', 'changedBytes', 'netObjects', 'netBytes']
  const totals = table({ id: 'table-compare-total', caption: 'Changes since the older delivery', head, cols, rows: [countsRow('TOTAL', 'All objects', c.total)] })
  const byNet = <T extends CompareCounts>(list: T[]) => [...list].sort((a, b) => Math.abs(netBytes(b)) - Math.abs(netBytes(a)))
  const classesAll = byNet(c.byStorageClass)
  const classes = classesAll.slice(0, LIMITS.categories)
  const classLabel = (s: string | null) => s ?? '(none)'
  const prefixesAll = byNet(c.byPrefix.groups)
  const prefixes = prefixesAll.slice(0, LIMITS.comparePrefixes)
  const prefixLabel = (p: string) => (p === '' ? '(root)' : p)
  // What the page does not list, as one row: the groups past its cap and those past the diff's own limit.
  const prefixRest = addCounts([...prefixesAll.slice(LIMITS.comparePrefixes), ...(c.byPrefix.other ? [c.byPrefix.other] : [])])
  const classRest = addCounts(classesAll.slice(LIMITS.categories))
  const charts: ChartSpec[] = [
    {
      id: 'chart-compare-classes',
      kind: 'hbar',
      labels: classes.map((x) => classLabel(x.storageClass)),
      series: [
        { label: 'Added bytes', unit: 'bytes', data: classes.map((x) => x.added.bytes), color: '#009E73' },
        { label: 'Removed bytes', unit: 'bytes', data: classes.map((x) => -x.removed.bytes), color: '#D55E00' },
        { label: 'Net bytes', unit: 'bytes', data: classes.map(netBytes), color: '#0072B2' },
      ],
      valueTitle: 'Bytes',
      height: hbarHeight(classes.length * 2),
    },
    { id: 'chart-compare-prefixes', kind: 'hbar', labels: prefixes.map((x) => prefixLabel(x.prefix)), series: [{ label: 'Net bytes', unit: 'bytes', data: prefixes.map(netBytes) }], height: hbarHeight(prefixes.length) },
  ]
  const classRows = classes.map((x) => countsRow(classLabel(x.storageClass), classLabel(x.storageClass), x))
  if (classRest) classRows.push(countsRow(OTHER, `${OTHER}: ${countText(classesAll.length - classes.length)} more classes`, classRest))
  const classTable = table({ id: 'table-compare-classes', caption: 'Changes per storage class (the class after the change; before it for removed objects)', head: ['Storage class', ...head.slice(1)], cols, rows: classRows })
  const prefixRows = prefixes.map((x) => countsRow(prefixLabel(x.prefix), prefixLabel(x.prefix), x))
  if (prefixRest) prefixRows.push(countsRow(OTHER, `${OTHER}: the other prefixes`, prefixRest))
  const prefixTable = table({ id: 'table-compare-prefixes', caption: `Changes per prefix (depth ${c.byPrefix.depth}), largest net change first`, head: ['Prefix', ...head.slice(1)], cols, rows: prefixRows })
  const intro =
    `<p id="compare-sides" data-older="${esc(c.older.manifest)}">Compared with the delivery of ${esc(dateText(c.older.creationDate))} (${esc(c.older.manifest)}, ${countText(c.older.rows)} rows), ` +
    `objects identified by ${c.identity === 'key' ? 'key (current versions only)' : 'key and version id'}; ${countText(c.total.unchanged.count)} unchanged (${esc(bytesText(c.total.unchanged.bytes))}).</p>`
  return part(
      'compare',
      'Growth since the older delivery',
      intro +
        totals +
        figure('Added, removed and net bytes per storage class', [box(charts[0], 'Added, removed and net bytes per storage class', 'table-compare-classes')], classTable) +
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
