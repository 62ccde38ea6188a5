/**
 * The report's data and markup without a browser: the one-pass summaries of real deliveries, the
 * histogram and month series with their gaps, top-N folding, escaping, the Content-Security-Policy
 * that admits exactly the page's two scripts, and the CLI's options and errors.
 */
import { createHash } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { makeRows, writeInventory, type InventoryFixture } from '../fixtures/generate.js'
import { collectReport, inventoryFields } from '../src/report/collect.js'
import { compareDeliveries } from '../src/report/compare.js'
import { monthSeries, sizeHistogram, topItems } from '../src/report/groups.js'
import { renderReport } from '../src/report/page.js'
import { readManifest } from '../src/manifest.js'
import { summarize, summarizeInventory, sizeBucketFloor, sizeBucketLabel, type Summary } from '../src/index.js'
import { runCli } from './support/cli.js'
import { reportData } from './support/report.js'
import { tmpDir } from './support/tmp.js'

const group = (label: string, count: number, bytes: number) => ({ key: [label], count, bytes, sized: count, minSize: 0, maxSize: 0, avgSize: 0 })
const summaryOf = (by: string, groups: ReturnType<typeof group>[]): Summary => ({ by: [by], groups, total: { count: 0, bytes: 0, sized: 0, minSize: undefined, maxSize: undefined, avgSize: undefined } })

describe('size buckets, months and top items', () => {
  it('sizeBucketLabel and sizeBucketFloor agree with the { size } grouping', async () => {
    const sizes = [0, 1, 2, 1023, 1024, 128 * 1024 - 1, 128 * 1024, 5e9, 2 ** 50]
    const s = await summarize(sizes.map((size) => ({ bucket: 'b', key: 'k', size }) as never), { by: { size: 'pow2' } })
    for (const size of sizes) {
      const label = sizeBucketLabel(size, 'pow2')
      expect(s.groups.some((g) => g.key[0] === label)).toBe(true)
      const floor = sizeBucketFloor(label)!
      expect(size === 0 ? floor === 0 : floor <= size && size < floor * 2).toBe(true)
    }
    expect(sizeBucketLabel(128 * 1024, 'pow2')).toBe('[128 KiB, 256 KiB)')
    expect(sizeBucketFloor('[64 KiB, 128 KiB)')).toBe(65536)
    expect(sizeBucketFloor('[1 MB, 10 MB)')).toBe(1e6)
    expect(sizeBucketFloor('(none)')).toBeUndefined()
    expect(sizeBucketFloor('storage')).toBeUndefined()
  })

  it('the histogram has every power-of-two bucket between the smallest and largest, empty ones at zero', () => {
    const s = summaryOf('size:pow2', [group('(none)', 3, 0), group('0', 2, 0), group('[4 B, 8 B)', 1, 5), group('[32 B, 64 B)', 4, 160)])
    expect(sizeHistogram(s).groups.map((g) => [g.key[0], g.count])).toEqual([
      ['(none)', 3],
      ['0', 2],
      ['[4 B, 8 B)', 1],
      ['[8 B, 16 B)', 0],
      ['[16 B, 32 B)', 0],
      ['[32 B, 64 B)', 4],
    ])
  })

  it('the month series has every month between the first and last, across years', () => {
    const s = summaryOf('modified:month', [group('2024-11', 1, 1), group('2025-02', 2, 2)])
    expect(monthSeries(s).groups.map((g) => [g.key[0], g.count])).toEqual([
      ['2024-11', 1],
      ['2024-12', 0],
      ['2025-01', 0],
      ['2025-02', 2],
    ])
  })

  it('top items: the largest by bytes, the rest folded into one item that says how many', () => {
    const s = summaryOf('extension', [group('a', 1, 10), group('b', 5, 30), group('c', 2, 20), group('d', 9, 5)])
    expect(topItems(s, 2)).toEqual([
      { label: 'b', count: 5, bytes: 30, sized: 5 },
      { label: 'c', count: 2, bytes: 20, sized: 2 },
      { label: '(other)', count: 10, bytes: 15, sized: 10, rest: 2 },
    ])
  })
})

describe('the page markup', () => {
  it('admits its two inline scripts by hash, loads nothing, and escapes what the inventory says', async () => {
    const hostile = '<script>alert(1)</script>'
    const data = await reportData([
      { bucket: 'b', key: `${hostile}.<b>`, size: 10, storageClass: '<img src=x onerror=alert(2)>', lastModifiedDate: new Date(Date.UTC(2026, 0, 2)), encryptionStatus: '"quoted"' },
      { bucket: 'b', key: 'top.txt', size: 20, storageClass: 'STANDARD', lastModifiedDate: new Date(Date.UTC(2026, 2, 2)), encryptionStatus: 'SSE-S3' },
    ])
    const html = renderReport(data)
    // (plain booleans: a failing toContain would print the whole page, Chart.js included)
    const has = (s: string) => html.includes(s)
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]
    expect(csp).toMatch(/^default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-[^']+' 'sha256-[^']+'$/)
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1])
    expect(scripts).toHaveLength(2)
    for (const js of scripts) expect(csp).toContain(`'sha256-${createHash('sha256').update(js).digest('base64')}'`)
    // Nothing to fetch: no src attributes, no stylesheet links, links only to the cited price page.
    const markup = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '<script></script>')
    const attributes = [...markup.matchAll(/<[a-z][^>]*>/gi)].map((m) => m[0].replace(/"[^"]*"/g, '""'))
    expect(attributes.filter((tag) => /\s(src|srcset|poster|data)=/i.test(tag))).toEqual([])
    expect(/<link\b/i.test(markup)).toBe(false)
    expect([...html.matchAll(/href="([^"#][^"]*)"/g)].map((m) => m[1])).toEqual(['https://aws.amazon.com/s3/pricing/'])
    // The inventory's text only as text: in the markup escaped, in the chart data as JSON without "<".
    expect(has(hostile)).toBe(false)
    expect(has('<img src=x')).toBe(false)
    expect(has('<b>')).toBe(false)
    expect(has('&lt;img src=x onerror=alert(2)&gt;')).toBe(true)
    expect(has('data-key="&lt;script&gt;alert(1)&lt;/"')).toBe(true) // the key's first segment ends at the "/" of "</script>"
    expect(has('data-key="&lt;b&gt;"')).toBe(true) // its extension
    expect(has('&quot;quoted&quot;')).toBe(true)
    const json = /<script type="application\/json" id="report-charts">([\s\S]*?)<\/script>/.exec(html)![1]
    expect(json.includes('<')).toBe(false)
    expect(JSON.parse(json).find((c: { id: string }) => c.id === 'chart-classes-bytes').labels).toContain('<img src=x onerror=alert(2)>')
  })

  it('cuts long chart labels in the middle (start and end kept, all distinct); the tables keep them whole', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({ bucket: 'b', key: `p${i}-${'q'.repeat(80)}-end${i}/x.bin`, size: 1000 + i, storageClass: 'STANDARD' }))
    const html = renderReport(await reportData(rows))
    const spec = (JSON.parse(/id="report-charts">([\s\S]*?)<\/script>/.exec(html)![1]) as { id: string; labels: string[] }[]).find((c) => c.id === 'chart-prefixes-bytes')!
    const labels = spec.labels.filter((l) => !l.startsWith('(other)'))
    expect(labels).toHaveLength(50)
    expect(new Set(labels).size).toBe(50)
    for (const l of labels) {
      expect(Array.from(l).length).toBeLessThanOrEqual(32)
      expect(l).toMatch(/^p\d+-q+…q+-end\d+\/$/)
    }
    expect(html.includes(`data-key="p59-${'q'.repeat(80)}-end59/"`)).toBe(true)
  })

  it('an inventory whose data files have no rows: totals of zero and a note, no charts', async () => {
    const root = await tmpDir('html-empty')
    const f = await writeInventory({ root, format: 'CSV', rows: [], filesRows: [0] })
    const m = await readManifest(f.manifestPath)
    expect(await inventoryFields(m, {})).toEqual([])
    const html = renderReport(await collectReport(m))
    expect(html.includes('No data file of this delivery has a row')).toBe(true)
    expect(html.includes('data-field="objects" data-value="0"')).toBe(true)
    expect(JSON.parse(/id="report-charts">([\s\S]*?)<\/script>/.exec(html)![1])).toEqual([])
  })
})

describe('an inventory without Size or StorageClass: what needs them is left out, not stated as zeros', async () => {
  const root = await tmpDir('html-bare')
  const versioned = makeRows({ count: 300, seed: 41, versioned: true })
  const page = async (name: string, fields: string[], rows = versioned) => {
    const f = await writeInventory({ root, format: 'CSV', rows, fields, configId: name })
    const html = renderReport(await collectReport(f.manifestPath))
    const charts = JSON.parse(/id="report-charts">([\s\S]*?)<\/script>/.exec(html)![1]) as { id: string; series: { unit: string }[] }[]
    const sections = [...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1])
    const leftOut = [...html.matchAll(/<li data-field="([^"]+)"/g)].map((m) => m[1])
    return { html, charts, sections, leftOut, has: (x: string) => html.includes(x) }
  }

  it('all versions, with StorageClass but no Size: counts only, no bytes, no cost, no hints on classes', async () => {
    const p = await page('no-size', ['bucket', 'key', 'versionId', 'isLatest', 'isDeleteMarker', 'storageClass', 'eTag'])
    expect(p.leftOut).toContain('size')
    expect(p.sections).toEqual(['delivery', 'classes', 'cost', 'prefixes', 'extensions'])
    expect(p.charts.flatMap((c) => c.series.map((x) => x.unit)).filter((u) => u !== 'count')).toEqual([]) // no bytes (or USD) chart
    expect(p.has('data-col="bytes"')).toBe(false)
    expect(p.has('data-field="bytes"')).toBe(false)
    expect(p.has(' B)')).toBe(false) // "41 (0 B)" after the version counts
    expect(p.has('id="hint-archive-overhead"')).toBe(false)
    expect(p.has('id="hint-minimum-size"')).toBe(false)
    expect(p.has('has no archived objects')).toBe(false)
    const noncurrent = versioned.filter((r) => r.isLatest === false && r.isDeleteMarker !== true).length
    expect(noncurrent).toBeGreaterThan(0)
    const hint = /<div class="hint" id="hint-versions"([^>]*)><h3>[^<]*<\/h3><p>([^<]*)<\/p>/.exec(p.html)!
    expect(hint[1]).toContain(`data-noncurrent-objects="${noncurrent}"`)
    expect(hint[1]).not.toContain('data-noncurrent-bytes')
    expect(hint[1]).not.toContain('data-noncurrent-usd')
    expect(hint[2]).toMatch(new RegExp(`^${noncurrent} noncurrent versions \\(without Size, what they hold and cost is not known\\); `))
  })

  it('--compare without Size: the changes in objects, no bytes columns or charts', async () => {
    const fields = ['bucket', 'key', 'storageClass']
    const rows = makeRows({ count: 300, seed: 44, versioned: false })
    const o = await writeInventory({ root, format: 'CSV', rows, fields, configId: 'cmp', timestamp: '2026-11-19T01-00Z' })
    const n = await writeInventory({ root, format: 'CSV', rows: rows.slice(20), fields, configId: 'cmp', timestamp: '2026-11-20T01-00Z' })
    const compare = await compareDeliveries(o.manifestPath, n.manifestPath)
    const html = renderReport(await collectReport(n.manifestPath, { compare }))
    const total = /<table id="table-compare-total">[\s\S]*?<\/table>/.exec(html)![0]
    expect(total).toContain('data-col="removed" data-value="20"')
    expect(total.includes('Bytes')).toBe(false)
    const charts = JSON.parse(/id="report-charts">([\s\S]*?)<\/script>/.exec(html)![1]) as { id: string; series: { unit: string }[] }[]
    expect(charts.filter((c) => c.id.startsWith('chart-compare')).flatMap((c) => c.series.map((x) => x.unit))).toEqual(['count', 'count', 'count', 'count'])
  })

  it('Bucket and Key only: the delivery, prefixes and extensions in objects, everything else left out', async () => {
    const p = await page('bare', ['bucket', 'key'], makeRows({ count: 300, seed: 42, versioned: false }))
    expect(p.sections).toEqual(['delivery', 'prefixes', 'extensions'])
    expect(p.leftOut).toEqual(['storageClass', 'size', 'lastModifiedDate', 'isLatest', 'encryptionStatus', 'replicationStatus', 'objectLockMode', 'objectLockLegalHoldStatus', 'intelligentTieringAccessTier'])
    expect(p.charts.map((c) => c.id)).toEqual(['chart-prefixes-objects', 'chart-extensions-objects'])
    expect(p.has('data-col="bytes"') || p.has('data-field="bytes"') || p.has('class="hint')).toBe(false)
    expect(p.has('data-field="objects" data-value="300"')).toBe(true)
  })

  it('Size without StorageClass: bytes are stated, the cost section and its hints are left out', async () => {
    const p = await page('no-class', ['bucket', 'key', 'size'], makeRows({ count: 300, seed: 43, versioned: false }))
    expect(p.sections).toEqual(['delivery', 'sizes', 'prefixes', 'extensions'])
    expect(p.has('data-field="bytes"')).toBe(true)
    expect(p.charts.some((c) => c.id === 'chart-prefixes-bytes')).toBe(true)
    expect(p.has('class="hint')).toBe(false)
  })
})

describe('collectReport', async () => {
  const root = await tmpDir('html-collect')
  let csv: InventoryFixture
  let parquet: InventoryFixture

  beforeAll(async () => {
    const rows = makeRows({ count: 1200, seed: 31 })
    csv = await writeInventory({ root, format: 'CSV', rows, filesRows: [500] })
    parquet = await writeInventory({ root, format: 'Parquet', rows, filesRows: [500], rowGroupSize: 200 })
  })

  it('reads the fields from the data files and summarizes each grouping as summarizeInventory does', async () => {
    for (const f of [csv, parquet]) {
      const data = await collectReport(f.manifestPath, { prefixDepth: 2 })
      expect(data.fields).toEqual(Object.keys(f.rows[0]))
      expect(Object.keys(data.summaries).sort()).toEqual(['classes', 'cost', 'encryption', 'extensions', 'legalHold', 'lockMode', 'months', 'prefixes', 'replication', 'sizes', 'total', 'versions'])
      expect(data.summaries.classes).toEqual(await summarizeInventory(f.manifestPath, { by: 'storageClass' }))
      expect(data.summaries.prefixes).toEqual(await summarizeInventory(f.manifestPath, { by: { prefix: 2 } }))
      expect(data.summaries.total.total.count).toBe(1200)
      expect(data.delivery).toMatchObject({ sourceBucket: 'example-source-bucket', files: 3, fileFormat: f === csv ? 'CSV' : 'Parquet' })
    }
  })

  it('takes a configuration folder (its latest delivery) and a filter', async () => {
    const folder = path.dirname(path.dirname(csv.manifestPath))
    const data = await collectReport(folder, { filter: { storageClass: ['GLACIER'] } })
    const glacier = csv.rows.filter((r) => r.storageClass === 'GLACIER')
    expect(data.summaries.total.total.count).toBe(glacier.length)
    expect(data.summaries.classes!.groups.map((g) => g.key[0])).toEqual(['GLACIER'])
    expect(renderReport(data).includes('Only rows that pass this filter are counted')).toBe(true)
  })

  it('refuses a prefix depth out of range before reading anything', async () => {
    await expect(collectReport('/nowhere/manifest.json', { prefixDepth: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option: 'prefixDepth' })
    await expect(collectReport('/nowhere/manifest.json', { prefixDepth: 33 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option: 'prefixDepth' })
  })

  it('s3inv html: --out -, --title, --prices; errors as one line', async () => {
    const prices = path.join(root, 'prices.json')
    await writeFile(prices, JSON.stringify({ region: 'eu-west-1', asOf: '2026-12-01', source: 'our price sheet', storage: { STANDARD: 0.0245 } }))
    const r = await runCli(['html', csv.manifestPath, '--out', '-', '--title', 'Our <bucket>', '--prices', prices, '-q'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.startsWith('<!DOCTYPE html>')).toBe(true)
    expect(r.stdout.includes('<title>Our &lt;bucket&gt;</title>')).toBe(true)
    expect(r.stdout.includes('Prices: eu-west-1, as of 2026-12-01, from our price sheet. Overridden from')).toBe(true)
    expect(r.stdout.includes('$0.0245/GB')).toBe(true)

    await writeFile(prices, JSON.stringify({ storage: { STANDARD: 'cheap' } }))
    const bad = await runCli(['html', csv.manifestPath, '--out', path.join(root, 'x.html'), '--prices', prices])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^s3inv: INVALID_ARGUMENT: the price table is not valid \(.*prices\.json.*storage\.STANDARD/m)
    await expect(readFile(path.join(root, 'x.html'))).rejects.toMatchObject({ code: 'ENOENT' })

    const depth = await runCli(['html', csv.manifestPath, '--out', path.join(root, 'x.html'), '--prefix-depth', '40'])
    expect(depth.code).toBe(2) // a usage error, before any I/O
    expect(depth.stderr).toContain('s3inv: bad value for --prefix-depth: "40" (expected an integer from 1 to 32)')

    const noOut = await runCli(['html', csv.manifestPath])
    expect(noOut.code).toBe(2)
    expect(noOut.stderr).toContain("required option '--out <file>' not specified")

    const unwritable = await runCli(['html', csv.manifestPath, '--out', path.join(root, 'no', 'such', 'folder', 'r.html')])
    expect(unwritable.code).toBe(1)
    expect(unwritable.stderr).toMatch(/^s3inv: WRITE_FAILED: /m)
  })
})
