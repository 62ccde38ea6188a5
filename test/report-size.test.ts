/**
 * The report page's size does not grow with the inventory: a 1M-row delivery's page is about the size
 * of a 10k-row one's and under 2 MB (and draws in Chromium), and summaries with hundreds of thousands
 * of long-labelled groups still render under 2 MB.
 */
import { createHash } from 'node:crypto'
import { mkdir, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ReportData } from '../src/report/collect.js'
import { renderReport } from '../src/report/page.js'
import { storagePrices } from '../src/report/prices.js'
import type { Summary, SummaryGroup } from '../src/summarize.js'
import { hasChromium } from './support/browser.js'
import { runCli } from './support/cli.js'
import { checkPage } from './support/report-page.js'
import { tmpDir } from './support/tmp.js'

const MB2 = 2 * 1024 * 1024
const FIELDS = 'Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass, EncryptionStatus'
const CLASSES = ['STANDARD', 'STANDARD', 'STANDARD_IA', 'GLACIER', 'DEEP_ARCHIVE', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'ONEZONE_IA']
const EXTS = ['jpg', 'png', 'json', 'parquet', 'log', 'csv', 'gz', 'txt', 'mp4', 'bin']

/**
 * A versioned CSV inventory of `rows` rows in files of 250,000, written straight as text (the fixture
 * generator's row objects would take most of the test's time at 1M rows): ~700 prefixes at depth 2.
 */
async function writeLargeInventory(root: string, rows: number): Promise<string> {
  const base = 'inventory/src-bucket/big'
  const files: { key: string; size: number; MD5checksum: string }[] = []
  for (let start = 0, n = 0; start < rows; start += 250_000, n++) {
    const lines: string[] = []
    for (let i = start; i < Math.min(rows, start + 250_000); i++) {
      const h = Math.imul(i + 1, 2654435761) >>> 0
      const marker = h % 50 === 0
      const size = marker ? '' : String((h % 1000) ** 3 % 5_000_000_000)
      const date = new Date(Date.UTC(2019, 0, 1) + (h % 2500) * 86_400_000).toISOString()
      lines.push(`"src-bucket","d${h % 53}/s${(h >>> 8) % 13}/f${i}.${EXTS[(h >>> 4) % EXTS.length]}","v${i}","${h % 7 !== 0}","${marker}","${size}","${date}","${marker ? '' : 'e'}","${marker ? '' : CLASSES[(h >>> 12) % CLASSES.length]}","${marker ? '' : 'SSE-S3'}"`)
    }
    const gz = gzipSync(lines.join('\n') + '\n', { level: 1 })
    const key = `${base}/data/part-${n}.csv.gz`
    await mkdir(path.join(root, base, 'data'), { recursive: true })
    await writeFile(path.join(root, key), gz)
    files.push({ key, size: gz.length, MD5checksum: createHash('md5').update(gz).digest('hex') })
  }
  const manifest = { sourceBucket: 'src-bucket', destinationBucket: 'arn:aws:s3:::dest', version: '2016-11-30', creationTimestamp: String(Date.UTC(2026, 10, 20, 1)), fileFormat: 'CSV', fileSchema: FIELDS, files }
  const at = path.join(root, base, '2026-11-20T01-00Z', 'manifest.json')
  await mkdir(path.dirname(at), { recursive: true })
  await writeFile(at, JSON.stringify(manifest))
  return at
}

describe('the page size', async () => {
  const root = await tmpDir('html-size')
  const pages: Record<string, number> = {}
  let hostile: string | undefined

  beforeAll(async () => {
    for (const rows of [10_000, 1_000_000]) {
      const manifest = await writeLargeInventory(path.join(root, String(rows)), rows)
      const out = path.join(root, `${rows}.html`)
      const r = await runCli(['html', manifest, '--out', out, '--prefix-depth', '2', '-q'])
      expect(r.code, r.stderr).toBe(0)
      pages[rows] = (await stat(out)).size
      process.stderr.write(`report of ${rows} rows: ${pages[rows]} bytes in ${r.ms} ms\n`)
    }
  }, 300_000)

  it('a 1M-row delivery: under 2 MB, within 10% of a 10k-row delivery of the same shape', () => {
    expect(pages[1_000_000]).toBeLessThan(MB2)
    expect(Math.abs(pages[1_000_000] - pages[10_000]) / pages[10_000]).toBeLessThan(0.1)
  })

  it.skipIf(!hasChromium)('the 1M-row page draws every chart in Chromium', async () => {
    const numbers = await checkPage(path.join(root, '1000000.html'), 'report-1m')
    expect(numbers.objects).toBe(1_000_000)
  }, 60_000)

  it('summaries with 200,000 groups of 1,024-character labels in every dimension render under 2 MB', async () => {
    const long = (i: number, what: string) => `${what}-${i}-`.padEnd(1024, 'x')
    const priced = (i: number) => long(i, 'PRICED')
    const groups = (n: number, label: (i: number) => string): SummaryGroup[] =>
      Array.from({ length: n }, (_, i) => ({ key: [label(i)], count: i + 1, bytes: (i + 1) * 1000, sized: i + 1, minSize: 1, maxSize: 2, avgSize: 1.5 }))
    const summary = (by: string, g: SummaryGroup[]): Summary => ({ by: [by], groups: g, total: { count: 1e9, bytes: 1e15, sized: 1e9, minSize: 0, maxSize: 5e12, avgSize: 1e6 } })
    const many = 200_000
    const months = Array.from({ length: 12_000 }, (_, i) => `${String(1000 + Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`)
    const data: ReportData = {
      delivery: { sourceBucket: 'b'.repeat(63), destinationBucket: 'd'.repeat(63), manifest: `s3://${'d'.repeat(63)}/${'k'.repeat(1000)}`, creationDate: '2026-11-20T01:00:00.000Z', fileFormat: 'CSV', files: 1e6, filesBytes: 1e14 },
      fields: ['bucket', 'key', 'size', 'lastModifiedDate', 'storageClass', 'encryptionStatus', 'replicationStatus', 'objectLockMode', 'objectLockLegalHoldStatus', 'isLatest', 'isDeleteMarker', 'intelligentTieringAccessTier'],
      prefixDepth: 32,
      summaries: {
        total: summary('', []),
        // A value far longer than any key (a damaged inventory's storage class) is cut on the page, not repeated whole.
        classes: summary('storageClass', [...groups(2000, (i) => long(i, 'CLASS')), { key: ['W'.repeat(300_000)], count: 1, bytes: 1e15, sized: 1, minSize: 1, maxSize: 1, avgSize: 1 }]),
        sizes: summary('size:pow2', groups(1, () => '[1 B, 2 B)').concat(groups(1, () => '[4 PiB, 8 PiB)'))),
        months: summary('modified:month', groups(months.length, (i) => months[i])),
        prefixes: summary('prefix:32', groups(many, (i) => long(i, 'prefix/'))),
        extensions: summary('extension', groups(many, (i) => long(i, 'ext'))),
        versions: { by: ['isLatest', 'isDeleteMarker'], groups: [{ key: ['true', 'false'], count: 1, bytes: 1, sized: 1, minSize: 1, maxSize: 1, avgSize: 1 }], total: summary('', []).total },
        encryption: summary('encryptionStatus', groups(many, (i) => long(i, 'ENC'))),
        replication: summary('replicationStatus', groups(many, (i) => long(i, 'REP'))),
        lockMode: summary('objectLockMode', groups(many, (i) => long(i, 'MODE'))),
        legalHold: summary('objectLockLegalHoldStatus', groups(many, (i) => long(i, 'HOLD'))),
        // The cost estimate's inputs: 5,000 classes the price file below prices, 20,000 it does not, 5,000 Intelligent-Tiering tiers.
        cost: {
          by: ['storageClass', 'intelligentTieringAccessTier', 'isLatest', 'size:pow2'],
          groups: Array.from({ length: 30_000 }, (_, i) => ({
            key: i < 5000 ? [priced(i), '(none)', 'true', '[1 MiB, 2 MiB)'] : i < 25_000 ? [long(i, 'COST'), '(none)', i % 2 ? 'true' : 'false', '[1 KiB, 2 KiB)'] : ['INTELLIGENT_TIERING', long(i, 'TIER'), 'true', '[1 MiB, 2 MiB)'],
            count: i + 1,
            bytes: (i + 1) * 1e6,
            sized: i + 1,
            minSize: 1,
            maxSize: 2,
            avgSize: 1.5,
          })),
          total: summary('', []).total,
        },
      },
      compare: {
        older: { manifest: 'm'.repeat(1000), creationDate: '2026-11-19T01:00:00.000Z', rows: 1e9 },
        newer: { manifest: 'n'.repeat(1000), creationDate: '2026-11-20T01:00:00.000Z', rows: 1e9 },
        identity: 'key',
        total: { added: { count: 1, bytes: 1 }, removed: { count: 1, bytes: 1 }, changed: { count: 1, bytes: 1, bytesBefore: 1 }, unchanged: { count: 1, bytes: 1 } },
        byStorageClass: Array.from({ length: 5000 }, (_, i) => ({ storageClass: long(i, 'C'), added: { count: i, bytes: i }, removed: { count: 1, bytes: 1 }, changed: { count: 1, bytes: 1, bytesBefore: 1 } })),
        byPrefix: { depth: 1, limit: 100_000, groups: Array.from({ length: 100_000 }, (_, i) => ({ prefix: long(i, 'p'), added: { count: i, bytes: i }, removed: { count: 1, bytes: 1 }, changed: { count: 1, bytes: 1, bytesBefore: 1 } })) },
      },
      generatedAt: '2026-12-01T00:00:00.000Z',
    }
    // A price file (at most 1 MiB) can price thousands of classes, and say anything in its texts.
    const prices = storagePrices({ region: 'r'.repeat(100_000), asOf: 'a'.repeat(100_000), source: 's'.repeat(300_000), storage: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [priced(i), 0.01])) })
    const html = renderReport(data, { prices })
    process.stderr.write(`report of the hostile summaries: ${Buffer.byteLength(html)} bytes\n`)
    expect(Buffer.byteLength(html)).toBeLessThan(MB2)
    expect(html.includes('(other): 199,950 more')).toBe(true) // the prefixes past the top 50, as one row
    // The cost table: 30 priced classes and one row for the rest, 30 unpriced ones and one row for the rest.
    const cost = /<table id="table-cost">[\s\S]*?<\/table>/.exec(html)![0]
    expect(cost.match(/<tbody>[\s\S]*<\/tbody>/)![0].split('<tr ').length - 1).toBe(62)
    expect(cost.includes('(other): 4,970 more priced classes')).toBe(true) // of the 5,000 priced, 30 shown (tiers the table does not know are unpriced)
    expect(/\(other\): [\d,]+ more classes without a price/.test(cost)).toBe(true)
    expect(html.includes('W'.repeat(1024))).toBe(false)
    hostile = path.join(root, 'hostile.html')
    await writeFile(hostile, html)
  })

  it.skipIf(!hasChromium)('the page of those summaries draws in Chromium without horizontal scrolling at 1,280 px', async () => {
    expect(hostile).toBeDefined()
    const numbers = await checkPage(hostile!, 'report-hostile')
    expect(numbers.scrollWidth).toBeLessThanOrEqual(1280)
  }, 120_000)
})
