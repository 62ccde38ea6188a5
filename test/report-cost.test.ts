/** The storage cost estimate: a hand-computed example from the price table, overrides, price files, and the hints' numbers. */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { estimateStorageCost, type CostGroup } from '../src/report/cost.js'
import { costGroups } from '../src/report/groups.js'
import { reportHints } from '../src/report/hints.js'
import { readPriceFile, S3_STORAGE_PRICES_2026_12, storagePrices } from '../src/report/prices.js'
import { reportData } from './support/report.js'
import { tmpDir } from './support/tmp.js'

const GiB = 2 ** 30
const TiB = 2 ** 40
const MiB = 2 ** 20

describe('estimateStorageCost', () => {
  // Worked by hand from the us-east-1 table (AWS pricing page, 2026-12-01); a GB is 2^30 bytes.
  const groups: CostGroup[] = [
    { storageClass: 'STANDARD', objects: 1000, bytes: 60 * TiB, smallObjects: 0, smallBytes: 0 },
    { storageClass: 'STANDARD_IA', objects: 2000, bytes: 100 * GiB + 10 * MiB, smallObjects: 1000, smallBytes: 10 * MiB },
    { storageClass: 'GLACIER', objects: 1_000_000, bytes: TiB, smallObjects: 0, smallBytes: 0 },
    { storageClass: 'INTELLIGENT_TIERING', accessTier: 'INFREQUENT', objects: 4000, bytes: 10 * GiB, smallObjects: 1000, smallBytes: MiB },
    { storageClass: 'REDUCED_REDUNDANCY', objects: 5, bytes: 5 * GiB, smallObjects: 0, smallBytes: 0 },
    { storageClass: '(none)', objects: 7, bytes: 0, smallObjects: 0, smallBytes: 0 }, // delete markers
  ]

  it('reproduces the hand-computed example', () => {
    const e = estimateStorageCost(groups)
    const line = (k: string) => e.lines.find((l) => l.key === k)!
    // S3 Standard, 60 TiB = 61,440 GB: 51,200 GB × $0.023 + 10,240 GB × $0.022.
    expect(line('STANDARD').storageUsd).toBeCloseTo(1177.6 + 225.28, 9)
    // Standard-IA: 1,000 objects under 128 KiB holding 10 MiB are billed 1,000 × 128 KiB: 120,586,240 bytes
    // (0.1123046875 GB) more; 100.1220703125 GB × $0.0125.
    expect(line('STANDARD_IA').minimumSizeBytes).toBe(120_586_240)
    expect(line('STANDARD_IA').billedBytes).toBe(100 * GiB + 10 * MiB + 120_586_240)
    expect(line('STANDARD_IA').storageUsd).toBeCloseTo(1.25152587890625, 12)
    expect(line('STANDARD_IA').minimumSizeUsd).toBeCloseTo(0.00140380859375, 12)
    // Glacier Flexible Retrieval: 1,024 GB × $0.0036, plus 1M × 32 KiB (30.517578125 GB) × $0.0036 and
    // 1M × 8 KiB (7.62939453125 GB) × $0.023.
    expect(line('GLACIER').storageUsd).toBeCloseTo(3.6864, 12)
    expect(line('GLACIER').overheadBytes).toBe(1_000_000 * 40 * 1024)
    expect(line('GLACIER').overheadUsd).toBeCloseTo(0.10986328125 + 0.17547607421875, 12)
    // Intelligent-Tiering, Infrequent Access tier: 10 GB × $0.0125, no minimum size; monitoring for the
    // 3,000 objects of 128 KiB or more at $0.0025 per 1,000.
    expect(line('INTELLIGENT_TIERING:INFREQUENT')).toMatchObject({ minimumSizeBytes: 0, monitoredObjects: 3000 })
    expect(line('INTELLIGENT_TIERING:INFREQUENT').storageUsd).toBeCloseTo(0.125, 12)
    expect(line('INTELLIGENT_TIERING:INFREQUENT').monitoringUsd).toBeCloseTo(0.0075, 12)
    // Reduced Redundancy has no price on the page: listed, not counted. Delete markers are not storage.
    expect(e.unpriced.map((l) => [l.key, l.objects, l.bytes])).toEqual([['REDUCED_REDUNDANCY', 5, 5 * GiB]])
    expect(e.lines.map((l) => l.key)).toEqual(['STANDARD', 'GLACIER', 'STANDARD_IA', 'INTELLIGENT_TIERING:INFREQUENT'])
    expect(e.total).toBeCloseTo(1402.88 + 1.25152587890625 + 3.6864 + 0.28533935546875 + 0.1325, 9)
    expect(e.prices).toBe(S3_STORAGE_PRICES_2026_12)
  })

  it('prices Intelligent-Tiering without an access tier at Frequent Access rates (tiered like Standard)', () => {
    const e = estimateStorageCost([{ storageClass: 'INTELLIGENT_TIERING', objects: 10, bytes: 2 * GiB, smallObjects: 4, smallBytes: 1000 }])
    expect(e.lines[0]).toMatchObject({ key: 'INTELLIGENT_TIERING:FREQUENT', monitoredObjects: 6 })
    expect(e.lines[0].storageUsd).toBeCloseTo(2 * 0.023, 12)
  })

  it('the same groups split by version state cost the same as merged', () => {
    const split = estimateStorageCost([
      { storageClass: 'ONEZONE_IA', objects: 3, bytes: 3000, smallObjects: 3, smallBytes: 3000 },
      { storageClass: 'ONEZONE_IA', objects: 1, bytes: GiB, smallObjects: 0, smallBytes: 0 },
    ])
    expect(split.lines).toHaveLength(1)
    expect(split.lines[0].billedBytes).toBe(3 * 128 * 1024 + GiB)
    expect(split.total).toBeCloseTo(((3 * 128 * 1024 + GiB) / GiB) * 0.01, 12)
  })

  it.each([
    [{ storageClass: 'STANDARD', objects: -1, bytes: 0, smallObjects: 0, smallBytes: 0 }, 'groups[0].objects'],
    [{ storageClass: 'STANDARD', objects: 1, bytes: Number.NaN, smallObjects: 0, smallBytes: 0 }, 'groups[0].bytes'],
    [{ storageClass: 'STANDARD', objects: 1, bytes: 10, smallObjects: 2, smallBytes: 1 }, 'groups[0]'],
  ])('refuses %j (INVALID_ARGUMENT naming %s)', (g, option) => {
    expect(() => estimateStorageCost([g])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', option }))
  })
})

describe('storagePrices', () => {
  it('applies an override class by class and says what it replaced', () => {
    const p = storagePrices({ region: 'eu-west-1', asOf: '2026-12-01', storage: { STANDARD: 0.024, GLACIER: [{ upToTB: 1, usdPerGB: 0.005 }, { usdPerGB: 0.004 }] } }, 'eu.json')
    expect(p).toMatchObject({ region: 'eu-west-1', asOf: '2026-12-01', overridden: { file: 'eu.json', keys: ['STANDARD', 'GLACIER'] } })
    expect(p.storage.STANDARD_IA).toBe(0.0125) // kept from the default table
    const e = estimateStorageCost(
      [
        { storageClass: 'STANDARD', objects: 1, bytes: 100 * TiB, smallObjects: 0, smallBytes: 0 },
        { storageClass: 'GLACIER', objects: 0, bytes: 2 * TiB, smallObjects: 0, smallBytes: 0 },
      ],
      p,
    )
    expect(e.lines.find((l) => l.key === 'STANDARD')!.storageUsd).toBeCloseTo(102_400 * 0.024, 9) // flat: no tiers
    expect(e.lines.find((l) => l.key === 'GLACIER')!.storageUsd).toBeCloseTo(1024 * 0.005 + 1024 * 0.004, 9)
  })

  it.each([
    [{ storage: { STANDARD: -0.01 } }, 'storage.STANDARD'],
    [{ storage: { STANDARD: [{ upToTB: 50, usdPerGB: 0.02 }, { upToTB: 10, usdPerGB: 0.01 }, { usdPerGB: 0.01 }] } }, 'storage.STANDARD[1]'],
    [{ storage: { STANDARD: [{ upToTB: 50, usdPerGB: 0.02 }] } }, 'storage.STANDARD[0]'],
    [{ storage: { STANDARD: [] } }, 'storage.STANDARD'],
    [{ regoin: 'eu-west-1' }, undefined],
    [{ intelligentTieringMonitoringPer1000: '0.0025' }, 'intelligentTieringMonitoringPer1000'],
    [[1, 2], undefined],
  ])('refuses %j (INVALID_ARGUMENT at %s)', (override, column) => {
    expect(() => storagePrices(override, 'p.json')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', option: 'prices', key: 'p.json', ...(column ? { column } : {}) }))
  })

  it('reads price files, refusing missing, non-JSON and oversized ones with typed errors', async () => {
    const dir = await tmpDir('prices')
    const good = path.join(dir, 'good.json')
    await writeFile(good, JSON.stringify({ region: 'us-west-2', storage: { DEEP_ARCHIVE: 0.002 } }))
    const p = await readPriceFile(good)
    expect(p).toMatchObject({ region: 'us-west-2', overridden: { file: good, keys: ['DEEP_ARCHIVE'] } })
    expect(p.storage.DEEP_ARCHIVE).toBe(0.002)
    expect(p.source).toContain(good)
    await expect(readPriceFile(path.join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'NOT_FOUND', option: 'prices' })
    await writeFile(path.join(dir, 'bad.json'), '{ "storage": ')
    await expect(readPriceFile(path.join(dir, 'bad.json'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', option: 'prices' })
    await writeFile(path.join(dir, 'big.json'), Buffer.alloc(1024 * 1024 + 1, 0x20))
    await expect(readPriceFile(path.join(dir, 'big.json'))).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED', option: 'prices' })
    await mkdir(path.join(dir, 'folder.json'))
    await expect(readPriceFile(path.join(dir, 'folder.json'))).rejects.toMatchObject({ code: 'IO_ERROR' })
  })
})

describe('costGroups and the hints', () => {
  const K = 1024
  const rows = [
    { bucket: 'b', key: 'a/1', size: GiB, storageClass: 'STANDARD', isLatest: true, isDeleteMarker: false },
    { bucket: 'b', key: 'a/1', size: GiB, storageClass: 'STANDARD', isLatest: false, isDeleteMarker: false },
    { bucket: 'b', key: 'a/2', size: 3 * GiB, storageClass: 'STANDARD', isLatest: false, isDeleteMarker: false },
    { bucket: 'b', key: 'a/3', storageClass: undefined, size: undefined, isLatest: true, isDeleteMarker: true },
    { bucket: 'b', key: 'ia/small', size: K, storageClass: 'STANDARD_IA', isLatest: true, isDeleteMarker: false },
    { bucket: 'b', key: 'ia/edge', size: 128 * K - 1, storageClass: 'GLACIER_IR', isLatest: true, isDeleteMarker: false },
    { bucket: 'b', key: 'ia/big', size: 128 * K, storageClass: 'STANDARD_IA', isLatest: true, isDeleteMarker: false },
    { bucket: 'b', key: 'ia/zero', size: 0, storageClass: 'ONEZONE_IA', isLatest: true, isDeleteMarker: false },
    { bucket: 'b', key: 'cold/1', size: 10, storageClass: 'DEEP_ARCHIVE', isLatest: true, isDeleteMarker: false },
    { bucket: 'b', key: 'cold/2', size: 20, storageClass: 'DEEP_ARCHIVE', isLatest: true, isDeleteMarker: false },
  ]

  it('splits each class at 128 KiB through the power-of-two size buckets', async () => {
    const data = await reportData(rows)
    const groups = costGroups(data.summaries.cost!)
    const of = (cls: string) => groups.filter((g) => g.storageClass === cls).reduce((a, g) => ({ objects: a.objects + g.objects, small: a.small + g.smallObjects, smallBytes: a.smallBytes + g.smallBytes }), { objects: 0, small: 0, smallBytes: 0 })
    expect(of('STANDARD_IA')).toEqual({ objects: 2, small: 1, smallBytes: K }) // 128 KiB exactly is not small
    expect(of('GLACIER_IR')).toEqual({ objects: 1, small: 1, smallBytes: 128 * K - 1 })
    expect(of('ONEZONE_IA')).toEqual({ objects: 1, small: 1, smallBytes: 0 }) // an empty object is billed as 128 KB too
  })

  it('each hint has the numbers worked by hand', async () => {
    const data = await reportData(rows)
    const prices = storagePrices()
    const estimate = estimateStorageCost(costGroups(data.summaries.cost!), prices)
    const [versions, minimum, archive] = reportHints(data, prices, estimate)
    // Two noncurrent STANDARD versions, 4 GiB: what removing them saves is 4 GB × $0.023.
    expect(versions).toMatchObject({ id: 'versions', applies: true, numbers: { noncurrentObjects: 2, noncurrentBytes: 4 * GiB, deleteMarkers: 1 } })
    expect(versions.numbers.noncurrentUsd).toBeCloseTo(4 * 0.023, 12)
    expect(versions.numbers.deleteMarkersMaxUsd).toBeCloseTo((1024 / GiB) * 0.023, 15)
    // Three small objects padded to 128 KiB: 127 KiB (IA), 1 byte (Glacier IR), 128 KiB (One Zone-IA).
    expect(minimum.numbers).toMatchObject({ smallObjects: 3, paddingBytes: 127 * K + 1 + 128 * K })
    expect(minimum.numbers.paddingUsd).toBeCloseTo(((127 * K) / GiB) * 0.0125 + (1 / GiB) * 0.004 + ((128 * K) / GiB) * 0.01, 15)
    expect(minimum.text).toContain('3 objects')
    // Two Deep Archive objects: 2 × 40 KiB, 32 KiB each at $0.00099 and 8 KiB each at $0.023.
    expect(archive.numbers).toMatchObject({ archivedObjects: 2, overheadBytes: 80 * K })
    expect(archive.numbers.overheadUsd).toBeCloseTo(((64 * K) / GiB) * 0.00099 + ((16 * K) / GiB) * 0.023, 15)
  })

  it('an inventory of current versions only says so instead of counting versions', async () => {
    const current = rows.filter((r) => r.isLatest).map(({ isLatest: _, isDeleteMarker: __, ...r }) => r)
    const data = await reportData(current)
    const [versions] = reportHints(data, storagePrices(), undefined)
    expect(versions).toMatchObject({ applies: false, numbers: {} })
    expect(versions.text).toContain('current versions only')
  })
})
