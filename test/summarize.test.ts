import { describe, expect, it, vi } from 'vitest'
import { makeRows, writeInventory } from '../fixtures/generate.js'
import { collectReport, readInventory, readManifest, summarizeInventory, summarizeInventoryMany } from '../src/index.js'
import { orcFormat } from '../src/formats/orc/index.js'
import { parquetFormat } from '../src/formats/parquet/index.js'
import { columnsFor, createAggregator, createColumnAggregator, mergeSummaries, parseGroupBy, summarize, type GroupBy, type Summary } from '../src/summarize.js'
import { compileFilter } from '../src/filter.js'
import type { FileRead } from '../src/formats/format.js'
import { localSource } from '../src/sources/local.js'
import path from 'node:path'
import { tmpDir } from './support/tmp.js'
import type { InventoryRow } from '../src/schema/row.js'

const row = (key: string, size?: number, extra: Partial<InventoryRow> = {}): InventoryRow => ({ bucket: 'b', key, size, ...extra }) as InventoryRow

describe('summarize', () => {
  it('counts, sums and min/max/avg per group; rows without a size count but add no bytes', async () => {
    const rows = [row('a', 10, { storageClass: 'STANDARD' }), row('b', 30, { storageClass: 'STANDARD' }), row('c', 5, { storageClass: 'GLACIER' }), row('d', undefined, { isDeleteMarker: true })]
    const s = await summarize(rows, { by: 'storage-class' })
    expect(s.by).toEqual(['storageClass'])
    expect(s.groups).toEqual([
      { key: ['STANDARD'], count: 2, bytes: 40, sized: 2, minSize: 10, maxSize: 30, avgSize: 20 },
      { key: ['GLACIER'], count: 1, bytes: 5, sized: 1, minSize: 5, maxSize: 5, avgSize: 5 },
      { key: ['(none)'], count: 1, bytes: 0, sized: 0, minSize: undefined, maxSize: undefined, avgSize: undefined },
    ])
    expect(s.total).toEqual({ count: 4, bytes: 45, sized: 3, minSize: 5, maxSize: 30, avgSize: 15 })
  })
  it('labels prefixes at depth N, extensions, months and size buckets', async () => {
    const rows = [row('a/b/c/d.txt', 1), row('a/x.TXT', 1), row('top', 1), row('a/b/', 0), row('.hidden', 1), row('f.tar.gz', 1)]
    const keys = async (by: string) => (await summarize(rows, { by: parseGroupBy(by) })).groups.map((g) => g.key[0]).sort()
    expect(await keys('prefix:2')).toEqual(['(root)', 'a/', 'a/b/'].sort())
    expect((await summarize(rows, { by: { prefix: 2 } })).groups.find((g) => g.key[0] === 'a/b/')?.count).toBe(2)
    // As written by default (a suffix filter tells .txt from .TXT too); lowercased on request.
    expect(await keys('extension')).toEqual(['(folder)', '(none)', 'TXT', 'gz', 'txt'].sort())
    expect(await keys('extension:lower')).toEqual(['(folder)', '(none)', 'gz', 'txt'].sort())
    expect((await summarize(rows, { by: { extension: 'lower' } })).groups.find((g) => g.key[0] === 'txt')?.count).toBe(2)
    const sizes = [0, 1, 1023, 1024, 1025, 999_999, 1_000_000, 2 ** 40]
    const pow2 = await summarize(sizes.map((n) => row(`k${n}`, n)), { by: { size: 'pow2' } })
    expect(pow2.groups.map((g) => [g.key[0], g.count])).toEqual([['0', 1], ['[1 B, 2 B)', 1], ['[512 B, 1 KiB)', 1], ['[1 KiB, 2 KiB)', 2], ['[512 KiB, 1 MiB)', 2], ['[1 TiB, 2 TiB)', 1]])
    const pow10 = await summarize(sizes.map((n) => row(`k${n}`, n)), { by: { size: 'pow10' } })
    expect(pow10.groups.map((g) => [g.key[0], g.count])).toEqual([['0', 1], ['[1 B, 10 B)', 1], ['[1 kB, 10 kB)', 3], ['[100 kB, 1 MB)', 1], ['[1 MB, 10 MB)', 1], ['[1 TB, 10 TB)', 1]])
    const months = await summarize([row('a', 1, { lastModifiedDate: new Date('2026-01-31T23:59:59Z') }), row('b', 1, { lastModifiedDate: new Date('2025-12-01T00:00:00Z') })], { by: { modified: 'month' } })
    expect(months.groups.map((g) => g.key[0])).toEqual(['2025-12', '2026-01'])
  })
  it('applies the filter, takes several dimensions, and reads an InventoryStream by batches', async () => {
    const rows = makeRows({ count: 2000, seed: 61 })
    let batchesRead = 0
    const stream = { async *batches() { for (let i = 0; i < rows.length; i += 100) { batchesRead++; yield rows.slice(i, i + 100) as unknown as InventoryRow[] } } }
    const s = await summarize(stream, { by: ['storageClass', { modified: 'year' }], filter: { suffix: '.png' } })
    const png = rows.filter((r) => r.key.endsWith('.png'))
    expect(batchesRead).toBe(20)
    expect(s.total.count).toBe(png.length)
    expect(s.groups.reduce((n, g) => n + g.count, 0)).toBe(png.length)
    expect(s.by).toEqual(['storageClass', 'modified:year'])
  })
  it('knows which columns a summary needs', () => {
    // size is read when the inventory has it (an optional column), not required of it.
    expect(columnsFor(['storage-class', { prefix: 2 }, { modified: 'day' }, 'extension']).sort()).toEqual(['key', 'lastModifiedDate', 'storageClass'])
    expect(columnsFor([{ size: 'pow2' }, 'StorageClass', 'encryption_status']).sort()).toEqual(['encryptionStatus', 'size', 'storageClass'])
  })
  it('rejects bad groupings with INVALID_ARGUMENT', async () => {
    await expect(summarize([], { by: { prefix: 0 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(summarize([], { by: { size: 'pow3' as 'pow2' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })
})

describe('summarizeInventory', async () => {
  const root = await tmpDir('summ')
  const rows = makeRows({ count: 5000, seed: 61 })
  const parquet = await writeInventory({ root, format: 'Parquet', rows, filesRows: [1500, 0, 2000, 1500], rowGroupSize: 700 })
  const csv = await writeInventory({ root, format: 'CSV', rows, filesRows: [1500, 0, 2000, 1500] })
  const orc = await writeInventory({ root, format: 'ORC', rows, filesRows: [1500, 0, 2000, 1500], orc: { stripeRows: 700 } })
  const groupings: GroupBy[][] = [['storage-class'], [{ prefix: 2 }, 'extension'], [{ modified: 'month' }, { size: 'pow2' }], ['isLatest', 'encryption-status'], []]

  // Parquet is aggregated from one reused row object per file (no row objects); the reference is
  // summarize() over the rows readInventory yields, and the CSV path (worker threads) over the same rows.
  for (const by of groupings) {
    it(`over Parquet, row-less, equals summarize(readInventory) and the CSV path: by ${JSON.stringify(by)}`, async () => {
      const filter = { minSize: 1000, suffix: ['.png', '.txt', '.jpg'] }
      const progress = { filesTotal: 0, filesDone: 0, bytesTotal: 0, bytesRead: 0, rows: 0 }
      const got = await summarizeInventory(parquet.manifestPath, { by, filter, progress })
      const expected = await summarize(readInventory(parquet.manifestPath), { by, filter })
      expect(got).toEqual(expected)
      expect(await summarizeInventory(csv.manifestPath, { by, filter })).toEqual(expected)
      // ORC is aggregated row-less too (orcFormat.visit).
      expect(await summarizeInventory(orc.manifestPath, { by, filter })).toEqual(expected)
      expect(got.total.count).toBeGreaterThan(100)
      expect(progress).toMatchObject({ filesTotal: 4, filesDone: 4, rows: got.total.count })
    })
  }
  // Without a filter, Parquet and ORC files grouped by fields are added a window of columns at a time
  // (format.summarize, no row per row); other groupings visit rows. Both give the rows' summary.
  const byFields: Record<string, GroupBy[]> = { classes: ['storage-class'], encryption: ['encryptionStatus'], latest: ['isLatest'], buckets: ['bucket'], bytes: ['size'], total: [] }
  it.each([
    ['Parquet', parquetFormat],
    ['ORC', orcFormat],
  ] as const)('over %s, without a filter, by fields: from columns, equal to summarize(readInventory), one grouping or several', async (name, format) => {
    const manifestPath = name === 'ORC' ? orc.manifestPath : parquet.manifestPath
    const columns = vi.spyOn(format, 'summarize')
    const visit = vi.spyOn(format, 'visit')
    try {
      const expected: Record<string, Summary> = {}
      for (const [name, by] of Object.entries(byFields)) {
        expected[name] = await summarize(readInventory(manifestPath), { by })
        const progress = { filesTotal: 0, filesDone: 0, bytesTotal: 0, bytesRead: 0, rows: 0 }
        expect(await summarizeInventory(manifestPath, { by, progress })).toEqual(expected[name])
        expect(progress).toMatchObject({ filesDone: 4, rows: 5000 })
      }
      expect(expected.classes.groups.map((g) => g.key[0])).toContain('(none)') // nulls are grouped too
      expect(expected.bytes.groups.length).toBeGreaterThan(1000)
      expect(await summarizeInventoryMany(manifestPath, byFields)).toEqual(expected)
      expect(columns).toHaveBeenCalled()
      expect(visit).not.toHaveBeenCalled()
      // A grouping that needs rows (a prefix) among them: the files are visited row by row.
      const mixed = await summarizeInventoryMany(manifestPath, { classes: ['storage-class'], prefixes: [{ prefix: 1 }] })
      expect(visit).toHaveBeenCalled()
      expect(mixed.classes).toEqual(expected.classes)
    } finally {
      columns.mockRestore()
      visit.mockRestore()
    }
  })
  it.each(['Parquet', 'ORC'] as const)('over %s by bucket, from columns: an empty bucket is VALUE_INVALID naming the first such row, as when rows are read', async (format) => {
    const bad = makeRows({ count: 3000, seed: 62 })
    bad[1700] = { ...bad[1700], bucket: '' }
    const inv = await writeInventory({ root: await tmpDir('summ-bucket'), format, rows: bad, filesRows: [1500, 1500] })
    const want = { code: 'VALUE_INVALID', column: 'bucket', row: 200, key: expect.stringContaining(format === 'ORC' ? '.orc' : '.parquet') }
    await expect(summarize(readInventory(inv.manifestPath), { by: 'bucket' })).rejects.toMatchObject(want)
    await expect(summarizeInventory(inv.manifestPath, { by: 'bucket' })).rejects.toMatchObject(want)
    // With an empty key in a later row of the same window, the first bad row is still the one named.
    bad[1710] = { ...bad[1710], key: '' }
    const both = await writeInventory({ root: await tmpDir('summ-both'), format, rows: bad, filesRows: [1500, 1500] })
    await expect(summarize(readInventory(both.manifestPath), { by: 'bucket' })).rejects.toMatchObject(want)
    await expect(summarizeInventoryMany(both.manifestPath, { keys: ['key'], buckets: ['bucket'] })).rejects.toMatchObject(want)
  })
  it.each([
    ['Parquet', parquetFormat],
    ['ORC', orcFormat],
  ] as const)('%s: a summary from columns stops at the window after an abort, not at the end of the stripe or row group', async (name, format) => {
    const dir = await tmpDir(`summ-abort-${name}`)
    const inv = await writeInventory({ root: dir, format: name, rows: makeRows({ count: 20_000, seed: 63 }), rowGroupSize: 20_000, orc: { stripeRows: 20_000 } })
    const ac = new AbortController()
    const reason = new Error('enough')
    const read: FileRead = {
      source: localSource(path.join(dir, inv.dataKeys[0])),
      file: { bucket: 'dest', key: inv.dataKeys[0], fileIndex: 0, manifestMd5: '' },
      fileSchema: (await readManifest(inv.manifestPath)).fileSchema,
      columns: ['storageClass'],
      optionalColumns: ['size'],
      startRow: 0,
      signal: ac.signal,
      readSize: 1 << 20,
    }
    let rows = 0
    const onRows = (n: number) => {
      rows += n
      if (rows >= 1024) ac.abort(reason)
    }
    await expect(format.summarize!(read, createColumnAggregator({ groupings: [['storage-class']] })!, onRows)).rejects.toBe(reason)
    expect(rows).toBe(1024)
  })
  it.each([
    ['Parquet', parquetFormat],
    ['ORC', orcFormat],
  ] as const)('%s: a summary from columns refuses a filtered read (it would sum rows the filter drops)', async (name, format) => {
    const inv = name === 'ORC' ? orc : parquet
    const key = inv.dataKeys[0]
    const read: FileRead = {
      source: localSource(path.join(root, key)),
      file: { bucket: 'dest', key, fileIndex: 0, manifestMd5: '' },
      fileSchema: (await readManifest(inv.manifestPath)).fileSchema,
      columns: ['storageClass'],
      filter: compileFilter({ minSize: 1 }),
      startRow: 0,
      signal: new AbortController().signal,
      readSize: 1 << 20,
    }
    await expect(format.summarize!(read, createColumnAggregator({ groupings: [['storage-class']] })!)).rejects.toMatchObject({ code: 'INTERNAL' })
  })
  // A grouping with a group per object (by key) holds every group until the end: maxGroups bounds it, on
  // every path (columns, rows with a filter, CSV workers) and when files that are each under it are merged.
  it('more groups than maxGroups is LIMIT_EXCEEDED, on every path; exactly maxGroups is a summary', async () => {
    const limit = { code: 'LIMIT_EXCEEDED', option: 'maxGroups', actual: 'more than 1,000 groups' }
    const merged = { code: 'LIMIT_EXCEEDED', option: 'maxGroups', actual: 'more than 2,500 groups' }
    const everything = { minSize: 0 } // a filter every sized row passes: the row path
    for (const inv of [parquet, orc, csv]) {
      // A file of 1,500 or 2,000 rows is already over 1,000 groups.
      await expect(summarizeInventory(inv.manifestPath, { by: 'key', maxGroups: 1000 })).rejects.toMatchObject(limit)
      await expect(summarizeInventory(inv.manifestPath, { by: 'key', maxGroups: 1000, filter: everything })).rejects.toMatchObject(limit)
      // Each file under 2,500 keys, all four together 5,000.
      await expect(summarizeInventory(inv.manifestPath, { by: 'key', maxGroups: 2500 })).rejects.toMatchObject(merged)
      expect((await summarizeInventory(inv.manifestPath, { by: 'key', maxGroups: 5000 })).groups).toHaveLength(5000)
    }
    await expect(summarizeInventoryMany(parquet.manifestPath, { classes: ['storage-class'], keys: ['key'] }, { maxGroups: 1000 })).rejects.toMatchObject(limit)
    await expect(summarize(readInventory(parquet.manifestPath), { by: 'key', maxGroups: 1000 })).rejects.toMatchObject(limit)
    for (const bad of [0, 1.5, -1, 1e9]) await expect(summarizeInventory(parquet.manifestPath, { maxGroups: bad })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option: 'maxGroups' })
    // Each accumulator stops at the group past the limit, before the file ends (not only the merge).
    const spec = { groupings: [['storage-class']], maxGroups: 2 }
    const columns = createColumnAggregator(spec)!
    expect(columns.fields).toEqual(['storageClass', 'size'])
    columns.add([['A', 'B', 'A'], [1, 2, 3]], 3)
    expect(() => columns.add([['C'], [4]], 1)).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED', actual: 'more than 2 groups' }))
    const rows = createAggregator(spec)
    rows.add(row('a', 1, { storageClass: 'A' }))
    rows.add(row('b', 1, { storageClass: 'B' }))
    expect(() => rows.add(row('c', 1, { storageClass: 'C' }))).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }))
  })
  it.each(['Parquet', 'ORC'])('over %s, fails on a data file that does not match its MD5, with no summary', async (format) => {
    const m = await readManifest(format === 'ORC' ? orc.manifestPath : parquet.manifestPath)
    const bad = { ...m, files: m.files.map((f, i) => (i === 2 ? { ...f, MD5checksum: '0'.repeat(32) } : f)) }
    await expect(summarizeInventory(bad, { by: 'storage-class' })).rejects.toMatchObject({ code: 'DATA_CHECKSUM_MISMATCH', key: expect.stringContaining(m.files[2].key) })
  })
})

describe('merging partial summaries', () => {
  it('gives one order whichever file finishes first, also for labels holding the separator a join would use', () => {
    const acc = (key: string[]) => ({ key, count: 1, bytes: 1, sized: 1, min: 1, max: 1 })
    const total = acc([])
    const p1 = { groups: [acc(['a,b', 'c'])], total }
    const p2 = { groups: [acc(['a', 'b,c'])], total }
    const by = ['storage-class', 'encryption-status'] as GroupBy[] // no label order: bytes, count, then the labels decide
    const one = mergeSummaries([p1, p2], by).groups.map((g) => g.key)
    expect(mergeSummaries([p2, p1], by).groups.map((g) => g.key)).toEqual(one)
    expect(one).toEqual([['a', 'b,c'], ['a,b', 'c']])
  })
  it('collectReport checks maxGroups before reading anything', async () => {
    await expect(collectReport('/nonexistent/manifest.json', { maxGroups: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option: 'maxGroups' })
  })
})

describe('groupings spelled as AWS spells them', () => {
  it('Size means the size buckets (not one group per byte count); keywords in any case', () => {
    expect(parseGroupBy('Size')).toEqual({ size: 'pow2' })
    expect(parseGroupBy('SIZE:pow10')).toEqual({ size: 'pow10' })
    expect(parseGroupBy('Prefix:2')).toEqual({ prefix: 2 })
    expect(parseGroupBy('EXTENSION')).toBe('extension')
    expect(parseGroupBy('Extension:lower')).toEqual({ extension: 'lower' })
    expect(parseGroupBy('Modified:month')).toEqual({ modified: 'month' })
    expect(() => parseGroupBy('size_bytes')).toThrow(expect.objectContaining({ code: 'UNKNOWN_FIELD' }))
  })
})
