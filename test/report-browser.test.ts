/**
 * `s3inv html` pages opened from file:// in a real headless Chromium: no console errors, no request
 * but the page itself, every chart drawn, the numbers equal to `s3inv stats`, no horizontal scrolling
 * at 1,280 px, a print rendering; a screenshot of each page goes to test-artifacts/.
 */
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { makeRows, writeInventory, type InventoryFixture } from '../fixtures/generate.js'
import type { Summary } from '../src/summarize.js'
import type { DiffSummary } from '../src/index.js'
import { CHROMIUM_MISSING, hasChromium, openPage } from './support/browser.js'
import { checkPage } from './support/report-page.js'
import { runCli, s3env } from './support/cli.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { tmpDir } from './support/tmp.js'

function statsNumbers(stats: Summary) {
  return {
    objects: stats.total.count,
    bytes: stats.total.bytes,
    classes: stats.groups.map((g) => ({ key: g.key[0], count: g.count, bytes: g.bytes })),
  }
}

describe.skipIf(!hasChromium)(hasChromium ? 's3inv html in headless Chromium' : CHROMIUM_MISSING, async () => {
  const root = await tmpDir('html')
  let versioned: InventoryFixture
  let current: InventoryFixture
  let older: InventoryFixture
  let newer: InventoryFixture
  let bucket = ''
  let resized = 0

  beforeAll(async () => {
    versioned = await writeInventory({ root, format: 'CSV', rows: makeRows({ count: 4000, seed: 21 }), filesRows: [1500] })
    // Current versions only, and without encryption, replication, Object Lock or tier columns.
    const fields = ['bucket', 'key', 'size', 'lastModifiedDate', 'eTag', 'storageClass', 'isMultipartUploaded']
    current = await writeInventory({ root, format: 'Parquet', rows: makeRows({ count: 2500, seed: 22, versioned: false, fields }), filesRows: [1000], rowGroupSize: 400 })
    // Two ORC deliveries of one configuration: 200 objects removed, 300 resized or moved to another class, 500 added.
    const before = makeRows({ count: 3000, seed: 51 })
    const after = [
      ...before.slice(200).map((r, i) => (i < 300 && r.size !== undefined ? { ...r, size: (r.size as number) + 1000, storageClass: i % 2 ? 'GLACIER' : r.storageClass } : r)),
      ...makeRows({ count: 500, seed: 52, hardKeys: false }).map((r) => ({ ...r, key: `new/${r.key}` })),
    ]
    resized = before.slice(200, 500).filter((r) => r.size !== undefined).length
    older = await writeInventory({ root, format: 'ORC', rows: before, filesRows: [1000], timestamp: '2026-11-19T01-00Z', configId: 'daily-orc' })
    newer = await writeInventory({ root, format: 'ORC', rows: after, filesRows: [1000], timestamp: '2026-11-20T01-00Z', configId: 'daily-orc' })
    const client = s3Client()
    bucket = await freshBucket(client, 'html')
    await putObjects(client, bucket, current.objects)
    client.destroy()
  })

  it('a versioned CSV delivery with every field: all sections, numbers equal s3inv stats --by storage-class', async () => {
    const out = path.join(root, 'versioned.html')
    const r = await runCli(['html', versioned.manifestPath, '--out', out, '--prefix-depth', '2'])
    expect(r.stderr).toMatch(/^s3inv: wrote .*versioned\.html \(\d+(\.\d)? KiB\)\n$/)
    expect(r.code).toBe(0)
    const stats = await runCli(['stats', versioned.manifestPath, '--by', 'storage-class', '--json'])
    expect(stats.code, stats.stderr).toBe(0)
    const numbers = await checkPage(out, 'report-versioned')
    expect({ objects: numbers.objects, bytes: numbers.bytes, classes: numbers.classes }).toEqual(statsNumbers(JSON.parse(stats.stdout)))
    expect(numbers.objects).toBe(4000)
    expect(numbers.leftOut).toEqual([])
    expect(numbers.sections).toEqual(['delivery', 'classes', 'cost', 'sizes', 'age', 'prefixes', 'extensions', 'protection'])
    expect((await stat(out)).size).toBeLessThan(2 * 1024 * 1024)
  })

  it('a current-versions Parquet delivery read from S3: sections for missing fields left out with a note', async () => {
    const out = path.join(root, 'current.html')
    const location = `s3://${bucket}/${current.manifestKey}`
    const r = await runCli(['html', location, '--endpoint-url', inject('s3Endpoint'), '--out', out, '-q'], s3env)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toContain('s3inv:') // -q: no progress or notes (the SDK's Node 20 warning may be there)
    const stats = await runCli(['stats', location, '--endpoint-url', inject('s3Endpoint'), '--by', 'storage-class', '--json', '-q'], s3env)
    expect(stats.code, stats.stderr).toBe(0)
    const numbers = await checkPage(out, 'report-current')
    expect({ objects: numbers.objects, bytes: numbers.bytes, classes: numbers.classes }).toEqual(statsNumbers(JSON.parse(stats.stdout)))
    expect(numbers.leftOut).toEqual(['isLatest', 'encryptionStatus', 'replicationStatus', 'objectLockMode', 'objectLockLegalHoldStatus', 'intelligentTieringAccessTier'])
    expect(numbers.sections).toEqual(['delivery', 'classes', 'cost', 'sizes', 'age', 'prefixes', 'extensions'])
    const html = await readFile(out, 'utf8')
    expect(html.includes('lists current versions only')).toBe(true)
  })

  it('--compare: the added, removed and changed counts equal s3inv diff --summary --json, with growth charts (ORC deliveries)', async () => {
    const out = path.join(root, 'compare.html')
    const r = await runCli(['html', newer.manifestPath, '--compare', older.manifestPath, '--out', out, '-q'])
    expect(r.code, r.stderr).toBe(0)
    const d = await runCli(['diff', older.manifestPath, newer.manifestPath, '--summary', '--json', '-q'])
    expect(d.code, d.stderr).toBe(0)
    const diff = JSON.parse(d.stdout) as DiffSummary
    expect(diff.total.added.count).toBe(500)
    expect(diff.total.removed.count).toBe(200)
    expect(diff.total.changed.count).toBe(resized)
    const numbers = await checkPage(out, 'report-compare')
    expect(numbers.sections).toEqual(['delivery', 'classes', 'cost', 'compare', 'sizes', 'age', 'prefixes', 'extensions', 'protection'])
    const opened = await openPage(out)
    try {
      const page = await opened.page.evaluate(`(() => {
        const cells = (table) => [...document.querySelectorAll(table + ' tbody tr')].map((tr) => ({
          key: tr.getAttribute('data-key'),
          added: Number(tr.querySelector('[data-col="added"]').getAttribute('data-value')),
          addedBytes: Number(tr.querySelector('[data-col="addedBytes"]').getAttribute('data-value')),
          removed: Number(tr.querySelector('[data-col="removed"]').getAttribute('data-value')),
          removedBytes: Number(tr.querySelector('[data-col="removedBytes"]').getAttribute('data-value')),
          changed: Number(tr.querySelector('[data-col="changed"]').getAttribute('data-value')),
        }))
        return { total: cells('#table-compare-total')[0], classes: cells('#table-compare-classes') }
      })()`)
      const t = diff.total
      expect(page).toMatchObject({ total: { key: 'TOTAL', added: t.added.count, addedBytes: t.added.bytes, removed: t.removed.count, removedBytes: t.removed.bytes, changed: t.changed.count } })
      const byClass = (list: { key: string | null; added: number; removed: number; changed: number }[]) => list.map((x) => [x.key, x.added, x.removed, x.changed]).sort()
      const classes = (page as { classes: { key: string; added: number; removed: number; changed: number }[] }).classes
      expect(byClass(classes)).toEqual(byClass(diff.byStorageClass.map((c) => ({ key: c.storageClass ?? '(none)', added: c.added.count, removed: c.removed.count, changed: c.changed.count }))))
    } finally {
      await opened.close()
    }
  })
})
