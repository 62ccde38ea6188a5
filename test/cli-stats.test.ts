/**
 * `s3inv stats` tables people read: --sort and --top (the rest summed in one line, JSON `others`),
 * root-level keys under prefix groups labelled `(root)`, one unit system per table, and extension
 * groups that agree with --suffix on case (both exact by default, both folded with --ignore-case).
 * Also the library's `ignoreCase` filter on both readers (Parquet row groups are not skipped by
 * case-sensitive statistics then).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { makeRows, writeInventory, type InventoryFixture, type Row } from '../fixtures/generate.js'
import { compileFilter } from '../src/filter.js'
import { readInventory } from '../src/inventory.js'
import { runCli as run } from './support/cli.js'
import { collect, tmpDir } from './support/tmp.js'

const json = async (args: string[]) => {
  const r = await run([...args, '--json', '-q'])
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as { by: string[]; groups: { key: string[]; count: number; bytes: number; minSize?: number; maxSize?: number }[]; total: { count: number; bytes: number }; others?: { groups: number; count: number; bytes: number } }
}

describe('s3inv stats tables', async () => {
  const root = await tmpDir('cli-stats')
  const base = makeRows({ count: 3000, seed: 31, hardKeys: false, versioned: false })
  // Mixed-case extensions, and keys at the bucket's root.
  const rows: Row[] = base.map((r, i) => (i % 7 === 0 ? { ...r, key: r.key.replace(/\.png$/, '.PNG') } : i % 11 === 0 ? { ...r, key: `top-level-${i}.Png` } : r))
  let csv: InventoryFixture
  let parquet: InventoryFixture
  beforeAll(async () => {
    csv = await writeInventory({ root, format: 'CSV', rows, filesRows: [1000] })
    parquet = await writeInventory({ root, format: 'Parquet', rows, filesRows: [1000], rowGroupSize: 200 })
  })
  const ext = (k: string) => (k.includes('.') ? k.slice(k.lastIndexOf('.') + 1) : '(none)')

  it('--sort count | bytes | key order the groups; ties and the library default are stable', async () => {
    const byCount = await json(['stats', csv.manifestPath, '--by', 'prefix:1', '--sort', 'count'])
    const counts = byCount.groups.map((g) => g.count)
    expect(counts).toEqual([...counts].sort((a, b) => b - a))
    const byBytes = await json(['stats', csv.manifestPath, '--by', 'prefix:1', '--sort', 'bytes'])
    expect(byBytes.groups.map((g) => g.bytes)).toEqual(byBytes.groups.map((g) => g.bytes).sort((a, b) => b - a))
    const byKey = await json(['stats', csv.manifestPath, '--by', 'storage-class', '--sort', 'key'])
    const labels = byKey.groups.map((g) => g.key[0])
    expect(labels).toEqual([...labels].sort())
    // Size buckets by key go by their lower bound, not alphabetically.
    const sizes = await json(['stats', csv.manifestPath, '--by', 'size:pow2', '--sort', 'key'])
    const lower = sizes.groups.map((g) => g.minSize ?? -1)
    expect(lower).toEqual([...lower].sort((a, b) => a - b))
    expect(new Set([byCount, byBytes, byKey].map((s) => s.total.count))).toEqual(new Set([rows.length]))
  })

  it('--top N keeps the first N groups and sums the rest in one line (table) or `others` (JSON); the total stays whole', async () => {
    const all = await json(['stats', csv.manifestPath, '--by', 'prefix:1', '--sort', 'count'])
    const top = await json(['stats', csv.manifestPath, '--by', 'prefix:1', '--sort', 'count', '--top', '3'])
    expect(top.groups).toEqual(all.groups.slice(0, 3))
    const rest = all.groups.slice(3)
    expect(top.others).toMatchObject({ groups: rest.length, count: rest.reduce((n, g) => n + g.count, 0), bytes: rest.reduce((n, g) => n + g.bytes, 0) })
    expect(top.total).toEqual(all.total)
    const table = await run(['stats', csv.manifestPath, '--by', 'prefix:1', '--sort', 'count', '--top', '3', '--bytes', '-q'])
    const lines = table.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(1 + 3 + 1 + 1)
    expect(lines[4]).toMatch(new RegExp(`^\\(${rest.length} more groups\\)\\s+${top.others!.count.toLocaleString('en-US')}\\s+${top.others!.bytes}\\s`))
    expect(lines[5]).toMatch(new RegExp(`^TOTAL\\s+${rows.length.toLocaleString('en-US')}\\s`))
  })

  it('keys at the root of the bucket are (root) under --by prefix:N, in the table and in JSON', async () => {
    const rootKeys = rows.filter((r) => !r.key.includes('/')).length
    expect(rootKeys).toBeGreaterThan(10)
    for (const depth of ['prefix:1', 'prefix:3']) {
      const s = await json(['stats', parquet.manifestPath, '--by', depth])
      expect(s.groups.find((g) => g.key[0] === '(root)')?.count).toBe(rootKeys)
      expect(s.groups.some((g) => g.key[0] === '')).toBe(false)
    }
    const table = await run(['stats', csv.manifestPath, '--by', 'prefix:1', '-q'])
    expect(table.stdout).toMatch(new RegExp(`^\\(root\\)\\s+${rootKeys}\\s`, 'm'))
  })

  it('one unit system per table: binary sizes with size:pow2 (and by default), decimal with size:pow10', async () => {
    const pow10 = (await run(['stats', csv.manifestPath, '--by', 'size:pow10', '-q'])).stdout
    const pow2 = (await run(['stats', csv.manifestPath, '--by', 'size:pow2', '-q'])).stdout
    const plain = (await run(['stats', csv.manifestPath, '--by', 'storage-class', '-q'])).stdout
    expect(pow10).toMatch(/\b(kB|MB|GB)\b/)
    expect(pow10).not.toMatch(/\b(KiB|MiB|GiB|TiB)\b/)
    for (const t of [pow2, plain]) {
      expect(t).toMatch(/\b(KiB|MiB|GiB)\b/)
      expect(t).not.toMatch(/\b(kB|MB|GB|TB)\b/)
    }
  })

  it('extension groups agree with --suffix on case: exact by default, folded with --ignore-case', async () => {
    const exact = await json(['stats', csv.manifestPath, '--by', 'extension'])
    const count = (s: typeof exact, label: string) => s.groups.find((g) => g.key[0] === label)?.count ?? 0
    const png = rows.filter((r) => ext(r.key) === 'png').length
    expect(count(exact, 'png')).toBe(png)
    expect(count(exact, 'PNG')).toBe(rows.filter((r) => ext(r.key) === 'PNG').length)
    expect(count(exact, 'Png')).toBeGreaterThan(0)
    const suffix = await run(['ls', csv.manifestPath, '--suffix', '.png', '--format', 'keys', '-q'])
    expect(suffix.stdout.split('\n').filter(Boolean)).toHaveLength(png)

    const folded = await json(['stats', csv.manifestPath, '--by', 'extension', '--ignore-case'])
    const anyPng = rows.filter((r) => ext(r.key).toLowerCase() === 'png').length
    expect(count(folded, 'png')).toBe(anyPng)
    expect(count(folded, 'PNG')).toBe(0)
    for (const m of [csv, parquet]) {
      const ignoring = await run(['ls', m.manifestPath, '--suffix', '.png', '--ignore-case', '--format', 'keys', '-q'])
      expect(ignoring.stdout.split('\n').filter(Boolean)).toHaveLength(anyPng)
    }
  })

  it('library: ignoreCase folds prefix, suffix, glob and regex; Parquet row groups are not skipped by case-sensitive statistics', async () => {
    const f = compileFilter({ prefix: 'LOGS/', suffix: '.PNG', ignoreCase: true })!
    expect(f.prefixes).toBeUndefined()
    const keep = (r: Row) => r.key.toLowerCase().startsWith('logs/')
    for (const m of [csv, parquet]) {
      const got = await collect(readInventory(m.manifestPath, { columns: ['key'], filter: { prefix: 'LOGS/', ignoreCase: true } }))
      expect(got.map((r) => r.key)).toEqual(rows.filter(keep).map((r) => r.key))
      expect(got.length).toBeGreaterThan(50)
      const glob = await collect(readInventory(m.manifestPath, { columns: ['key'], filter: { glob: '*.PnG', ignoreCase: true } }))
      expect(glob.length).toBe(rows.filter((r) => /\.png$/i.test(r.key)).length)
      const regex = await collect(readInventory(m.manifestPath, { columns: ['key'], filter: { regex: '^IMAGES/', ignoreCase: true } }))
      expect(regex.length).toBe(rows.filter((r) => r.key.startsWith('images/')).length)
    }
    const strict = await collect(readInventory(parquet.manifestPath, { columns: ['key'], filter: { prefix: 'LOGS/' } }))
    expect(strict).toEqual([])
    expect(() => compileFilter({ ignoreCase: 'yes' as unknown as boolean })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', option: 'filter.ignoreCase' }))
  })

  it('--by key past --max-groups is LIMIT_EXCEEDED in one line, exit 1 (a group per object is held until the end); a bad --max-groups is a usage error', async () => {
    const over = await run(['stats', csv.manifestPath, '--by', 'key', '--max-groups', '2999', '-q'])
    expect(over.code).toBe(1)
    expect(over.stdout).toBe('')
    expect(over.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^s3inv: LIMIT_EXCEEDED: grouping by key gives more groups than the limit \(--max-groups; expected at most 2,999 groups/)])
    expect((await json(['stats', csv.manifestPath, '--by', 'key', '--max-groups', '3000'])).groups).toHaveLength(3000)
    const bad = await run(['stats', csv.manifestPath, '--max-groups', '0'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/bad value for --max-groups: "0"/)
    // The CLI prints every group: its limit is the default, 1,000,000.
    expect((await run(['stats', csv.manifestPath, '--max-groups', '1000001'])).code).toBe(2)
  })

  it('a table of 200,000 groups prints (column widths were a Math.max spread that overflowed the stack), and so does their JSON, in pieces', async () => {
    const many = await writeInventory({ root: await tmpDir('cli-stats-many'), format: 'CSV', rows: makeRows({ count: 200_000, seed: 33, hardKeys: false, versioned: false }), filesRows: [100_000] })
    const r = await run(['stats', many.manifestPath, '--by', 'key', '-q'])
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(1 + 200_000 + 1) // heading, a line per key, TOTAL
    expect(lines.at(-1)).toMatch(/^TOTAL\s+200,000\s/)
    // JSON, written in pieces, is the text JSON.stringify gives.
    const j = await run(['stats', many.manifestPath, '--by', 'key', '--top', '150000', '--json', '-q'])
    expect(j.code, j.stderr).toBe(0)
    const parsed = JSON.parse(j.stdout)
    expect(parsed.groups).toHaveLength(150_000)
    expect(parsed.others.groups).toBe(50_000)
    expect(j.stdout).toBe(`${JSON.stringify(parsed, null, 2)}\n`)
  }, 90_000)

  it('an inventory without Size: bytes are "-", not 0 B, with a note saying why', async () => {
    const noSize = await writeInventory({ root: await tmpDir('cli-stats-nosize'), format: 'CSV', rows: base.slice(0, 40), filesRows: [40], fields: ['bucket', 'key', 'storageClass'] })
    const r = await run(['stats', noSize.manifestPath, '--by', 'storage-class'])
    expect(r.code, r.stderr).toBe(0)
    const total = r.stdout.split('\n').find((l) => l.startsWith('TOTAL'))!
    expect(total.split(/\s+/).slice(1)).toEqual(['40', '-', '-', '-', '-'])
    expect(r.stdout).not.toMatch(/\b0 B\b/)
    expect(r.stderr).toContain('bytes are not known')
    // With sizes, the same command shows bytes and no note.
    const sized = await run(['stats', csv.manifestPath, '--by', 'storage-class'])
    expect(sized.stdout.split('\n').find((l) => l.startsWith('TOTAL'))).toMatch(/\d+(\.\d+)? [KMGT]?i?B/)
    expect(sized.stderr).not.toContain('bytes are not known')
  })
})
