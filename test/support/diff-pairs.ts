/**
 * Pairs of inventory deliveries with known differences, built from fixtures/generate.ts rows: the
 * older rows, the newer rows, and what a diff must report — constructed change by change, not
 * computed by a second diff.
 */
import { makeRows, prng, type Row } from '../../fixtures/generate.js'

export const COMPARED = ['size', 'eTag', 'storageClass', 'lastModifiedDate', 'encryptionStatus', 'replicationStatus', 'isLatest', 'isDeleteMarker']

export interface ExpectedChange {
  change: 'added' | 'removed' | 'changed'
  key: string
  versionId?: string
  fields?: string[]
  before?: Row
  after?: Row
}

export interface Pair {
  older: Row[]
  newer: Row[]
  /** By identity (`key` or `key\u0000versionId`). */
  expected: Map<string, ExpectedChange>
  duplicates: { older: number; newer: number }
  /** Rows a key identity leaves out (non-current versions, delete markers). */
  ignored: { older: number; newer: number }
  unchanged: number
}

export const identity = (key: string, versionId?: string, versioned = false) => (versioned ? `${key}\u0000${versionId ?? ''}` : key)

const CLASSES = ['STANDARD', 'STANDARD_IA', 'GLACIER', 'DEEP_ARCHIVE', 'GLACIER_IR', 'INTELLIGENT_TIERING']

/** A change of one or more compared fields (and, sometimes, of a field that is not compared). */
function mutate(r: Row, rnd: () => number): Row {
  const m: Row = { ...r }
  const pick = Math.floor(rnd() * 7)
  if (pick === 0) m.size = ((r.size as number | undefined) ?? 0) + 1 + Math.floor(rnd() * 1000)
  if (pick === 1) m.eTag = `${String(r.eTag ?? 'x').slice(0, 30)}ff`
  if (pick === 2) m.storageClass = CLASSES[(CLASSES.indexOf(String(r.storageClass)) + 1) % CLASSES.length] // a transition
  if (pick === 3) m.lastModifiedDate = new Date((r.lastModifiedDate as Date).getTime() + 1000)
  if (pick === 4) m.encryptionStatus = r.encryptionStatus === 'SSE-KMS' ? 'SSE-S3' : 'SSE-KMS'
  if (pick === 5) m.replicationStatus = r.replicationStatus === 'COMPLETED' ? undefined : 'COMPLETED'
  if (pick === 6) {
    m.size = ((r.size as number | undefined) ?? 0) + 5
    m.eTag = `${String(r.eTag ?? 'x').slice(0, 30)}ee`
    m.storageClass = 'GLACIER'
  }
  // Fields that are not compared may change too: that alone is no change.
  if (rnd() < 0.3) m.objectOwner = 'c'.repeat(64)
  return m
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime()
  return a === b
}

export function differingFields(a: Row, b: Row, fields: readonly string[]): string[] {
  return COMPARED.filter((f) => fields.includes(f) && !same(a[f], b[f]))
}

/**
 * Current-version inventories. `n` base rows (hard keys first); of them 1% removed, 2% changed; 1%
 * added, among them keys that differ from existing ones only where encoding matters (`+` vs space);
 * a few keys listed twice across data files on each side (the later row is the one compared).
 */
export function unversionedPair(n: number, seed: number): Pair {
  const rnd = prng(seed)
  const base = makeRows({ count: n, seed, versioned: false })
  const fields = Object.keys(base[0])
  const expected = new Map<string, ExpectedChange>()
  const newer: Row[] = []
  let unchanged = 0
  for (const r of base) {
    const x = rnd()
    if (x < 0.01) expected.set(r.key, { change: 'removed', key: r.key, before: r })
    else if (x < 0.03) {
      const m = mutate(r, rnd)
      const f = differingFields(r, m, fields)
      if (f.length) expected.set(r.key, { change: 'changed', key: r.key, fields: f, before: r, after: m })
      else unchanged++
      newer.push(m)
    } else {
      newer.push(rnd() < 0.01 ? { ...r, objectOwner: 'd'.repeat(64) } : r)
      unchanged++
    }
  }
  const added = makeRows({ count: Math.max(3, Math.floor(n / 100)), seed: seed + 1, versioned: false, hardKeys: false }).map((r) => ({ ...r, key: `added/${r.key}` }))
  // Keys one encoding step away from existing ones: a real space where the original has a plus, and the reverse.
  added.push({ ...added[0], key: 'plus sign/a b=c.txt' }, { ...added[0], key: 'with+space/and+two++spaces.txt' }, { ...added[0], key: 'percent 20literal/100%.txt' })
  for (const r of added) {
    expected.set(r.key, { change: 'added', key: r.key, after: r })
    newer.push(r)
  }
  // Listed twice: a stale copy early (first data file), the real row where it is.
  const older = [...base]
  const dupOlder = base.slice(40, 45).map((r) => ({ ...r, size: ((r.size as number | undefined) ?? 0) + 99 }))
  const dupNewer = newer.slice(60, 63).map((r) => ({ ...r, eTag: 'stale' }))
  return {
    older: [...dupOlder, ...older],
    newer: [...dupNewer, ...newer],
    expected,
    duplicates: { older: dupOlder.length, newer: dupNewer.length },
    ignored: { older: 0, newer: 0 },
    unchanged,
  }
}

/**
 * All-versions inventories, identity (key, versionId): versions removed, changed and added; delete
 * markers appearing over a current version (the marker is added, the version's isLatest changes);
 * new versions of existing keys.
 */
export function versionedPair(n: number, seed: number): Pair {
  const rnd = prng(seed)
  const base = makeRows({ count: n, seed, versioned: true })
  const fields = Object.keys(base[0])
  const id = (r: Row) => identity(r.key, r.versionId as string | undefined, true)
  const expected = new Map<string, ExpectedChange>()
  const newer: Row[] = []
  let unchanged = 0
  let markers = 0
  for (const r of base) {
    const x = rnd()
    if (x < 0.01) expected.set(id(r), { change: 'removed', key: r.key, versionId: r.versionId as string | undefined, before: r })
    else if (x < 0.03) {
      const m = mutate(r, rnd)
      const f = differingFields(r, m, fields)
      if (f.length) expected.set(id(r), { change: 'changed', key: r.key, versionId: r.versionId as string | undefined, fields: f, before: r, after: m })
      else unchanged++
      newer.push(m)
    } else if (x < 0.05 && r.isLatest === true && r.isDeleteMarker === false) {
      // Deleted since: a delete marker becomes the current version.
      const old: Row = { ...r, isLatest: false }
      const marker: Row = { ...r, versionId: `dm${markers++}`, isLatest: true, isDeleteMarker: true, size: undefined, eTag: undefined, storageClass: undefined, isMultipartUploaded: undefined, encryptionStatus: undefined }
      expected.set(id(r), { change: 'changed', key: r.key, versionId: r.versionId as string | undefined, fields: ['isLatest'], before: r, after: old })
      expected.set(id(marker), { change: 'added', key: r.key, versionId: marker.versionId as string, after: marker })
      newer.push(old, marker)
    } else {
      newer.push(r)
      unchanged++
    }
  }
  // New versions of existing keys, and new keys.
  const added = makeRows({ count: Math.max(3, Math.floor(n / 100)), seed: seed + 1, versioned: true, hardKeys: false })
  added.forEach((r, i) => {
    const a = { ...r, key: i % 2 === 0 ? base[100 + i].key : `added/${r.key}`, versionId: `new${i}` }
    expected.set(id(a), { change: 'added', key: a.key, versionId: 'new' + i, after: a })
    newer.push(a)
  })
  return { older: base, newer, expected, duplicates: { older: 0, newer: 0 }, ignored: { older: 0, newer: 0 }, unchanged }
}

/**
 * An all-versions inventory (older) against a current-versions one (newer): identity is the key,
 * and only the older side's current, non-delete-marker rows take part.
 */
export function mixedPair(n: number, seed: number): Pair {
  const rnd = prng(seed)
  const base = makeRows({ count: n, seed, versioned: true })
  const current = (r: Row) => r.isLatest !== false && r.isDeleteMarker !== true
  const strip = (r: Row): Row => {
    const { versionId: _v, isLatest: _l, isDeleteMarker: _d, ...rest } = r
    return rest as Row
  }
  const newerFields = Object.keys(strip(base[0]))
  const expected = new Map<string, ExpectedChange>()
  const newer: Row[] = []
  let unchanged = 0
  let ignored = 0
  for (const r of base) {
    if (!current(r)) {
      ignored++
      // Its key may still be listed by the newer inventory: then it is added (the older side had no current row).
      if (rnd() < 0.5) {
        const a = strip({ ...r, size: r.size ?? 1 })
        expected.set(r.key, { change: 'added', key: r.key, after: a })
        newer.push(a)
      }
      continue
    }
    const x = rnd()
    if (x < 0.02) expected.set(r.key, { change: 'removed', key: r.key, before: r })
    else if (x < 0.05) {
      const m = strip(mutate(r, rnd))
      const f = differingFields(r, m, newerFields)
      if (f.length) expected.set(r.key, { change: 'changed', key: r.key, fields: f, before: r, after: m })
      else unchanged++
      newer.push(m)
    } else {
      newer.push(strip(r))
      unchanged++
    }
  }
  return { older: base, newer, expected, duplicates: { older: 0, newer: 0 }, ignored: { older: ignored, newer: 0 }, unchanged }
}

export interface LargePair {
  older: string
  newer: string
  expected: { added: number; removed: number; changed: number }
}

/**
 * Two big CSV deliveries written file by file (never all rows in memory): `rows` rows each, in
 * `files` data files; the newer one with 1% removed, 2% changed (size or storage class) and 1% added.
 */
export async function writeLargePair(root: string, rows: number, files: number): Promise<LargePair> {
  const { BENCH_FIELDS, csvFileSchema, csvText } = await import('../../fixtures/generate.js')
  const { gzipSync } = await import('node:zlib')
  const { createHash } = await import('node:crypto')
  const { mkdir, writeFile } = await import('node:fs/promises')
  const path = await import('node:path')
  const expected = { added: 0, removed: 0, changed: 0 }
  const entries: Record<'older' | 'newer', { key: string; size: number; MD5checksum: string }[]> = { older: [], newer: [] }
  const base = 'inventory/example-source-bucket/big'
  await mkdir(path.join(root, base, 'data'), { recursive: true })
  const per = Math.ceil(rows / files)
  for (let i = 0; i < files; i++) {
    const rnd = prng(900 + i)
    const space = i % 2 === 0 ? '%20' : '+'
    const part = makeRows({ count: Math.min(per, rows - i * per), seed: 700 + i, versioned: true, hardKeys: i === 0, fields: BENCH_FIELDS })
    for (const r of part) r.key = `part${i}/${r.key}`
    // CSV lines once; the newer file reuses the unchanged ones (keys are encoded: a line break ends a row).
    const lines = csvText(part, BENCH_FIELDS, space).split('\n')
    const changed: Row[] = []
    const newer: (string | number)[] = [] // a line, or the index of a changed row
    for (const [j, r] of part.entries()) {
      const x = rnd()
      if (x < 0.01) expected.removed++
      else if (x < 0.03) {
        expected.changed++
        newer.push(changed.length)
        changed.push(rnd() < 0.5 ? { ...r, size: ((r.size as number | undefined) ?? 0) + 1 } : { ...r, storageClass: r.storageClass === 'GLACIER' ? 'STANDARD' : 'GLACIER' })
      } else newer.push(lines[j])
    }
    const changedLines = csvText(changed, BENCH_FIELDS, space).split('\n')
    const added = makeRows({ count: Math.round(part.length / 100), seed: 800 + i, versioned: true, hardKeys: false, fields: BENCH_FIELDS }).map((r) => ({ ...r, key: `new${i}/${r.key}` }))
    expected.added += added.length
    const texts = {
      older: lines.join('\n'),
      newer: `${newer.map((l) => (typeof l === 'number' ? changedLines[l] : l)).join('\n')}\n${csvText(added, BENCH_FIELDS, space)}`,
    }
    for (const side of ['older', 'newer'] as const) {
      const key = `${base}/data/${side}-${i}.csv.gz`
      // gzip level 1: the test's time goes to the diff, not to compressing its input.
      const bytes = gzipSync(texts[side], { level: 1 })
      await writeFile(path.join(root, key), bytes)
      entries[side].push({ key, size: bytes.length, MD5checksum: createHash('md5').update(bytes).digest('hex') })
    }
  }
  const out: Record<string, string> = {}
  for (const [side, ts] of [['older', '2026-11-19T01-00Z'], ['newer', '2026-11-20T01-00Z']] as const) {
    const m = { sourceBucket: 'example-source-bucket', destinationBucket: 'arn:aws:s3:::example-inventory-destination', version: '2016-11-30', creationTimestamp: String(Date.parse(ts.replace(/T(\d\d)-(\d\d)Z$/, 'T$1:$2:00Z'))), fileFormat: 'CSV', fileSchema: csvFileSchema(BENCH_FIELDS), files: entries[side] }
    const dir = path.join(root, base, ts)
    await mkdir(dir, { recursive: true })
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(m))
    out[side] = path.join(dir, 'manifest.json')
  }
  return { older: out.older, newer: out.newer, expected }
}
