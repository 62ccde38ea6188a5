/**
 * diffInventories against pairs of deliveries whose differences are known by construction
 * (test/support/diff-pairs.ts): exact added/removed/changed sets, fields, before/after rows and
 * summary counts, CSV against CSV and Parquet against CSV, on disk and through the local S3 server;
 * the same changes in the same order for any partition count or memory budget; temporary files gone
 * after success, errors, abort and break.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { makeRows, writeInventory, type InventoryFixture, type Row } from '../fixtures/generate.js'
import { diffInventories, diffSummary, formatError, isInventoryError, partitionCount, RANGES, type DiffChange, type DiffSummary } from '../src/index.js'
import { identity, mixedPair, unversionedPair, versionedPair, type ExpectedChange, type Pair } from './support/diff-pairs.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { tmpDir } from './support/tmp.js'

const json = (v: unknown) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)))

/** Changes as comparable plain data, by identity. */
function byIdentity(changes: readonly (DiffChange | ExpectedChange)[], versioned: boolean): Map<string, unknown> {
  const m = new Map<string, unknown>()
  for (const c of changes) {
    const id = identity(c.key, c.versionId, versioned)
    expect(m.has(id), `one change per identity (${id})`).toBe(false)
    m.set(id, json({ change: c.change, key: c.key, versionId: c.versionId, fields: c.fields, before: c.before, after: c.after }))
  }
  return m
}

async function collect(it: AsyncIterable<DiffChange>): Promise<DiffChange[]> {
  const out: DiffChange[] = []
  for await (const c of it) out.push(c)
  return out
}

function expectSummary(s: DiffSummary, pair: Pair) {
  const count = (k: string) => [...pair.expected.values()].filter((c) => c.change === k).length
  const bytes = (k: string, side: 'before' | 'after') =>
    [...pair.expected.values()].filter((c) => c.change === k).reduce((n, c) => n + (((c[side] as Row).size as number | undefined) ?? 0), 0)
  expect(s.total.added).toEqual({ count: count('added'), bytes: bytes('added', 'after') })
  expect(s.total.removed).toEqual({ count: count('removed'), bytes: bytes('removed', 'before') })
  expect(s.total.changed).toEqual({ count: count('changed'), bytes: bytes('changed', 'after'), bytesBefore: bytes('changed', 'before') })
  expect(s.total.unchanged.count).toBe(pair.unchanged)
  expect(s.older.duplicates).toBe(pair.duplicates.older)
  expect(s.newer.duplicates).toBe(pair.duplicates.newer)
  expect(s.older.ignored).toBe(pair.ignored.older)
  expect(s.older.rows).toBe(pair.older.length)
  expect(s.newer.rows).toBe(pair.newer.length)
  // Per storage class and per prefix, the groups add up to the totals.
  for (const groups of [s.byStorageClass, s.byPrefix.groups]) {
    for (const k of ['added', 'removed', 'changed'] as const) {
      expect(groups.reduce((n, g) => n + g[k].count, 0)).toBe(s.total[k].count)
      expect(groups.reduce((n, g) => n + g[k].bytes, 0)).toBe(s.total[k].bytes)
    }
  }
}

async function deliveries(root: string, pair: Pair, formats: ['CSV' | 'Parquet', 'CSV' | 'Parquet'], configId?: string) {
  const older = await writeInventory({ root, format: formats[0], rows: pair.older, filesRows: [Math.ceil(pair.older.length / 3)], timestamp: '2026-11-19T01-00Z', space: '+', configId, rowGroupSize: 500 })
  const newer = await writeInventory({ root, format: formats[1], rows: pair.newer, filesRows: [Math.ceil(pair.newer.length / 4)], timestamp: '2026-11-20T01-00Z', space: '%20', configId, rowGroupSize: 500 })
  return { older, newer }
}

describe('diffInventories: exact changes', async () => {
  const root = await tmpDir('diff')
  const temp = await tmpDir('diff-tmp')

  const cases: { name: string; pair: Pair; versioned: boolean; formats: ['CSV' | 'Parquet', 'CSV' | 'Parquet'] }[] = [
    { name: 'current versions, CSV vs CSV', pair: unversionedPair(6000, 11), versioned: false, formats: ['CSV', 'CSV'] },
    { name: 'current versions, CSV vs Parquet', pair: unversionedPair(6000, 12), versioned: false, formats: ['CSV', 'Parquet'] },
    { name: 'all versions, Parquet vs CSV (delete markers appearing)', pair: versionedPair(6000, 13), versioned: true, formats: ['Parquet', 'CSV'] },
    { name: 'all versions against current versions (key identity)', pair: mixedPair(6000, 14), versioned: false, formats: ['CSV', 'Parquet'] },
  ]
  for (const [i, c] of cases.entries()) {
    it(c.name, async () => {
      const { older, newer } = await deliveries(path.join(root, String(i)), c.pair, c.formats)
      const d = diffInventories(older.manifestPath, newer.manifestPath, { tmpDir: temp })
      const changes = await collect(d)
      expect(byIdentity(changes, c.versioned)).toEqual(byIdentity([...c.pair.expected.values()], c.versioned))
      const s = await d.summary()
      expect(s.identity).toBe(c.versioned ? 'key+versionId' : 'key')
      expectSummary(s, c.pair)
      expect(await readdir(temp)).toEqual([])
    })
  }

  it('names the fields only one side has once, in the summary', async () => {
    const pair = mixedPair(500, 15)
    const { older, newer } = await deliveries(path.join(root, 'mixed'), pair, ['CSV', 'CSV'])
    const s = await diffSummary(older.manifestPath, newer.manifestPath, { tmpDir: temp })
    expect(s.fields).toEqual({ compared: ['size', 'eTag', 'storageClass', 'lastModifiedDate', 'encryptionStatus', 'replicationStatus'], olderOnly: ['isLatest', 'isDeleteMarker'], newerOnly: [] })
    expect(s.older.versioned).toBe(true)
    expect(s.newer.versioned).toBe(false)
  })

  it('reports storage-class transitions and changed fields', async () => {
    const pair = unversionedPair(3000, 16)
    const { older, newer } = await deliveries(path.join(root, 'transitions'), pair, ['CSV', 'CSV'])
    const s = await diffSummary(older.manifestPath, newer.manifestPath, { tmpDir: temp })
    const changed = [...pair.expected.values()].filter((c) => c.change === 'changed')
    const moved = changed.filter((c) => c.before!.storageClass !== c.after!.storageClass)
    expect(s.storageClassTransitions.reduce((n, t) => n + t.count, 0)).toBe(moved.length)
    for (const t of s.storageClassTransitions) {
      expect(t.count).toBe(moved.filter((c) => (c.before!.storageClass ?? null) === t.from && (c.after!.storageClass ?? null) === t.to).length)
    }
    for (const f of ['size', 'eTag', 'storageClass']) expect(s.changedFields[f] ?? 0).toBe(changed.filter((c) => c.fields!.includes(f)).length)
  })

  it('compares only the fields asked for, and keeps only the columns asked for', async () => {
    const pair = unversionedPair(2000, 17)
    const { older, newer } = await deliveries(path.join(root, 'options'), pair, ['CSV', 'Parquet'])
    const changes = await collect(diffInventories(older.manifestPath, newer.manifestPath, { tmpDir: temp, compare: ['storage_class'], columns: ['key', 'storageClass'], only: ['changed'] }))
    const expected = [...pair.expected.values()].filter((c) => c.change === 'changed' && c.before!.storageClass !== c.after!.storageClass)
    expect(changes.map((c) => c.key).sort()).toEqual(expected.map((c) => c.key).sort())
    for (const c of changes) {
      expect(c.fields).toEqual(['storageClass'])
      expect(Object.keys(c.after!)).toEqual(['key', 'storageClass'])
    }
    // Unknown fields and identity fields are refused when the diff is made, before anything is read.
    expect(() => diffInventories(older.manifestPath, newer.manifestPath, { compare: ['storge_class'] })).toThrow(expect.objectContaining({ code: 'UNKNOWN_FIELD', option: 'compare' }))
    expect(() => diffInventories(older.manifestPath, newer.manifestPath, { columns: ['sise'] })).toThrow(expect.objectContaining({ code: 'UNKNOWN_FIELD', option: 'columns' }))
    expect(() => diffInventories(older.manifestPath, newer.manifestPath, { compare: ['key'] })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', option: 'compare' }))
  })

  it('takes an empty VersionId for the null version: one identity with an absent one, whatever the formats', async () => {
    const d = new Date('2025-01-01T00:00:00Z')
    const V = (key: string, versionId: string | undefined, size = 10): Row => ({ bucket: 'src', key, versionId, isLatest: true, isDeleteMarker: false, size, lastModifiedDate: d, eTag: 'e'.repeat(32), storageClass: 'STANDARD' }) as Row
    const fields = ['bucket', 'key', 'versionId', 'isLatest', 'isDeleteMarker', 'size', 'lastModifiedDate', 'eTag', 'storageClass']
    // Parquet keeps '' as written; CSV's empty field reads as absent; Parquet's null is absent.
    const side = (nullVersion: string | undefined, n1Size: number) => [V('n1', nullVersion, n1Size), V('n2', nullVersion), V('v', 'v1')]
    for (const [i, [fo, fn, vo, vn]] of ([['Parquet', 'CSV', '', undefined], ['Parquet', 'Parquet', '', undefined], ['CSV', 'Parquet', undefined, ''], ['Parquet', 'Parquet', undefined, '']] as const).entries()) {
      const formats = [fo, fn]
      const dir = path.join(root, `null-version-${i}`)
      const o = await writeInventory({ root: dir, format: fo, rows: side(vo, 10), fields, timestamp: '2026-11-19T01-00Z' })
      const n = await writeInventory({ root: dir, format: fn, rows: side(vn, 11), fields, timestamp: '2026-11-20T01-00Z' })
      const d2 = diffInventories(o.manifestPath, n.manifestPath, { tmpDir: temp })
      const changes = await collect(d2)
      expect(changes.map((c) => [c.change, c.key, c.versionId, c.fields]), formats.join(' vs ')).toEqual([['changed', 'n1', undefined, ['size']]])
      const s = await d2.summary()
      expect(s.identity).toBe('key+versionId')
      expect(s.total.unchanged.count).toBe(2)
    }
  })

  it('applies a filter to both sides', async () => {
    const pair = unversionedPair(2000, 18)
    const { older, newer } = await deliveries(path.join(root, 'filter'), pair, ['CSV', 'CSV'])
    const changes = await collect(diffInventories(older.manifestPath, newer.manifestPath, { tmpDir: temp, filter: { prefix: 'added/' } }))
    expect(changes.map((c) => c.key).sort()).toEqual([...pair.expected.values()].filter((c) => c.key.startsWith('added/')).map((c) => c.key).sort())
    expect(changes.every((c) => c.change === 'added')).toBe(true)
  })
})

describe('diffInventories: the same result for any budget', async () => {
  const root = await tmpDir('diff-order')
  const temp = await tmpDir('diff-order-tmp')
  const pair = versionedPair(5000, 21)
  let f: { older: InventoryFixture; newer: InventoryFixture }
  beforeAll(async () => {
    f = await deliveries(root, pair, ['CSV', 'Parquet'])
  })

  it('gives the same changes in the same order with 1, 16 or 512 partitions, and when partitions are split again', async () => {
    const run = (o: object) => collect(diffInventories(f.older.manifestPath, f.newer.manifestPath, { tmpDir: temp, ...o }))
    const reference = await run({})
    expect(reference.length).toBe(pair.expected.size)
    for (const o of [{ partitions: 1 }, { partitions: 16 }, { partitions: 512 }, { partitions: 1, memoryMB: 1 }, { partitions: 2, memoryMB: 1 }]) {
      const got = await run(o)
      expect(got.map((c) => `${c.change} ${c.key} ${c.versionId}`), JSON.stringify(o)).toEqual(reference.map((c) => `${c.change} ${c.key} ${c.versionId}`))
      expect(json(got)).toEqual(json(reference))
    }
    expect(await readdir(temp)).toEqual([])
  })

  it('summary() before iterating runs the diff without changes and gives the same summary', async () => {
    const d = diffInventories(f.older.manifestPath, f.newer.manifestPath, { tmpDir: temp })
    await collect(d)
    const a = await d.summary()
    const b = await diffSummary(f.older.manifestPath, f.newer.manifestPath, { tmpDir: temp, partitions: 2, memoryMB: 1 })
    expect(b.partitionsSplit).toBeGreaterThan(0) // 1 MiB cannot hold a partition of 5,000 rows: they were split again
    expect(a.partitionsSplit).toBe(0)
    expect({ ...b, partitions: a.partitions, partitionsSplit: 0 }).toEqual(a)
    expect(() => d.batches()).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})

describe('diffInventories: temporary files and failures', async () => {
  const root = await tmpDir('diff-fail')
  const temp = await tmpDir('diff-fail-tmp')
  const pair = unversionedPair(3000, 31)
  let f: { older: InventoryFixture; newer: InventoryFixture }
  beforeAll(async () => {
    f = await deliveries(root, pair, ['CSV', 'CSV'])
  })

  it('removes its folder after a break', async () => {
    const d = diffInventories(f.older.manifestPath, f.newer.manifestPath, { tmpDir: temp, partitions: 8 })
    for await (const _ of d) {
      expect((await readdir(temp)).length).toBe(1)
      break
    }
    expect(await readdir(temp)).toEqual([])
    await expect(d.summary()).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('removes its folder after an abort, and rejects with the reason', async () => {
    const ac = new AbortController()
    const d = diffInventories(f.older.manifestPath, f.newer.manifestPath, { tmpDir: temp, signal: ac.signal })
    const reason = new Error('stop')
    const seen = (async () => {
      for await (const _ of d.batches()) ac.abort(reason)
    })()
    await expect(seen).rejects.toBe(reason)
    expect(await readdir(temp)).toEqual([])
  })

  it('removes its folder after an abort while reading', async () => {
    const ac = new AbortController()
    const d = diffInventories(f.older.manifestPath, f.newer.manifestPath, { tmpDir: temp, signal: ac.signal })
    const timer = setInterval(() => d.progress.rows > 0 && ac.abort(), 1)
    try {
      await expect(d.summary()).rejects.toMatchObject({ name: 'AbortError' })
    } finally {
      clearInterval(timer)
    }
    expect(await readdir(temp)).toEqual([])
  })

  it('removes its folder after a data file fails verification', async () => {
    const bad = await writeInventory({ root: path.join(root, 'bad'), format: 'CSV', rows: pair.newer, filesRows: [1000], timestamp: '2026-11-21T01-00Z' })
    await writeFile(path.join(bad.root, bad.dataKeys[2]), 'not gzip')
    const err = await diffSummary(f.older.manifestPath, bad.manifestPath, { tmpDir: temp }).catch((e) => e)
    expect(isInventoryError(err)).toBe(true)
    expect(['DATA_SIZE_MISMATCH', 'DATA_CHECKSUM_MISMATCH', 'GZIP_CORRUPT']).toContain(err.code)
    expect(await readdir(temp)).toEqual([])
  })

  it('fails with IO_ERROR, not a wrong diff, when a temporary partition file is damaged under it', async () => {
    const d = diffInventories(f.older.manifestPath, f.newer.manifestPath, { tmpDir: temp, partitions: 8 })
    const seen = (async () => {
      let first = true
      for await (const _ of d.batches()) {
        if (!first) continue
        first = false
        // Partition 0 is compared and 1 read ahead; 5 is still on disk: flip bytes in the middle of it.
        const [folder] = await readdir(temp)
        const file = path.join(temp, folder, 'newer-5')
        const bytes = await readFile(file)
        for (let i = 100; i < 140; i++) bytes[i] ^= 0xff
        await writeFile(file, bytes)
      }
    })()
    await expect(seen).rejects.toMatchObject({ code: 'IO_ERROR', key: expect.stringMatching(/newer-5$/) })
    expect(await readdir(temp)).toEqual([])
  })

  it('stops with LIMIT_EXCEEDED, naming memoryMB, when one identity is listed more often than the budget can hold', async () => {
    const same = makeRows({ count: 20_000, seed: 33, versioned: false, hardKeys: false }).map((r) => ({ ...r, key: 'one/key' }))
    const o = await writeInventory({ root: path.join(root, 'same'), format: 'CSV', rows: same, timestamp: '2026-11-22T01-00Z' })
    const err = await diffSummary(o.manifestPath, f.newer.manifestPath, { tmpDir: temp, memoryMB: RANGES.memoryMB.min, partitions: 1 }).catch((e) => e)
    expect(err).toMatchObject({ code: 'LIMIT_EXCEEDED', option: 'memoryMB' })
    expect(await readdir(temp)).toEqual([])
    // With room for them, the 20,000 rows are one identity and 19,999 duplicates.
    const s = await diffSummary(o.manifestPath, f.newer.manifestPath, { tmpDir: temp })
    expect(s.older.duplicates).toBe(19_999)
  })

  it('names tmpDir, with a typed error, when the temporary folder cannot be made there', async () => {
    const missing = path.join(temp, 'no', 'such')
    const err = await diffSummary(f.older.manifestPath, f.newer.manifestPath, { tmpDir: missing }).catch((e) => e)
    expect(isInventoryError(err)).toBe(true)
    expect(err).toMatchObject({ code: 'NOT_FOUND', option: 'tmpDir', key: missing, message: 'the folder for temporary files does not exist' })
    const file = path.join(temp, '..', 'diff-tmp-file')
    await writeFile(file, 'x')
    const notDir = await diffSummary(f.older.manifestPath, f.newer.manifestPath, { tmpDir: file }).catch((e) => e)
    expect(notDir).toMatchObject({ code: 'INVALID_ARGUMENT', option: 'tmpDir' })
    expect(formatError(notDir)).toMatch(/^INVALID_ARGUMENT: the place for temporary files is not a folder \(/)
    const it = diffInventories(f.older.manifestPath, f.newer.manifestPath, { tmpDir: missing })[Symbol.asyncIterator]()
    await expect(it.next()).rejects.toMatchObject({ code: 'NOT_FOUND', option: 'tmpDir' })
  })

  it('refuses options out of range', () => {
    const bad = [
      { memoryMB: 0 }, { memoryMB: 0.5 }, { memoryMB: 1.5 }, { memoryMB: Number.NaN }, { memoryMB: Infinity }, { memoryMB: '64' }, { memoryMB: RANGES.memoryMB.max + 1 },
      { partitions: 3 }, { partitions: 0 }, { partitions: 8192 }, { partitions: RANGES.partitions.max * 2 },
      { prefixDepth: 0 }, { prefixDepth: 1.5 }, { prefixDepth: RANGES.prefixDepth.max + 1 }, { only: ['moved'] },
    ]
    for (const o of bad) {
      const option = Object.keys(o)[0]
      expect(() => diffInventories(f.older.manifestPath, f.newer.manifestPath, o as never), JSON.stringify(o)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', option }))
    }
    // The ranges are the ones the CLI's flags use, and each end is accepted.
    for (const o of [{ memoryMB: RANGES.memoryMB.min }, { memoryMB: RANGES.memoryMB.max }, { partitions: 1 }, { partitions: RANGES.partitions.max }, { prefixDepth: RANGES.prefixDepth.max }]) {
      expect(() => diffInventories(f.older.manifestPath, f.newer.manifestPath, o), JSON.stringify(o)).not.toThrow()
    }
    expect(RANGES.partitions.max).toBe(4096) // what the hash routing supports
  })
})

describe('partitionCount', () => {
  it('is at least 128, doubles with the data (6 bytes in memory per compressed byte, 0.6 of memoryMB per partition), at most 4096', () => {
    expect(partitionCount(1e6, 256)).toBe(128)
    expect(partitionCount(10e9, 256)).toBe(512) // 6e10 / 512 ≤ 0.6 · 256 MiB < 6e10 / 256
    expect(partitionCount(10e9, 1024)).toBe(128)
    expect(partitionCount(1e13, 256)).toBe(4096)
  })
})

describe('diffInventories through the local S3 server', async () => {
  const root = await tmpDir('diff-s3')
  const temp = await tmpDir('diff-s3-tmp')
  const pair = unversionedPair(4000, 41)

  it('gives the known changes for S3 deliveries (CSV vs Parquet)', async () => {
    const { older, newer } = await deliveries(root, pair, ['CSV', 'Parquet'])
    const client = s3Client()
    try {
      const bucket = await freshBucket(client, 'diff')
      await putObjects(client, bucket, new Map([...older.objects, ...newer.objects]))
      const d = diffInventories(`s3://${bucket}/${older.manifestKey}`, { bucket, key: newer.manifestKey }, { client, tmpDir: temp })
      expect(byIdentity(await collect(d), false)).toEqual(byIdentity([...pair.expected.values()], false))
      const s = await d.summary()
      expectSummary(s, pair)
      expect(s.older.manifest).toBe(`s3://${bucket}/${older.manifestKey}`)
    } finally {
      client.destroy()
    }
    expect(await readdir(temp)).toEqual([])
  })
})
