/**
 * `s3inv diff` and `s3inv sql` as child processes: deliveries of a configuration folder chosen by
 * default and by --from/--to, every output format against the known changes, the summary against the
 * library's, S3 through the local server, the printed DuckDB SQL run by DuckDB, typed errors, and
 * Ctrl-C leaving no temporary files.
 */
import { spawn } from 'node:child_process'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { writeInventory, type InventoryFixture } from '../fixtures/generate.js'
import { diffSummary } from '../src/index.js'
import { CLI, runCli as run, s3env } from './support/cli.js'
import { unversionedPair, type Pair } from './support/diff-pairs.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { tmpDir } from './support/tmp.js'

const configKey = 'inventory/example-source-bucket/daily-csv'

async function duck(script: string): Promise<Record<string, unknown>[][]> {
  const db = await DuckDBInstance.create(':memory:', { threads: '2' })
  const con = await db.connect()
  try {
    const out: Record<string, unknown>[][] = []
    // The printed script: `-- title` lines, then one statement ending in `;`.
    for (const stmt of script.split(/;\n(?:\n|$)/).map((s) => s.replace(/^--.*\n/gm, '').trim()).filter(Boolean)) {
      out.push((await con.runAndReadAll(stmt)).getRowObjectsJS() as Record<string, unknown>[])
    }
    return out
  } finally {
    con.closeSync()
  }
}

describe('s3inv diff', async () => {
  const root = await tmpDir('diff-cli')
  const temp = await tmpDir('diff-cli-tmp')
  const pair: Pair = unversionedPair(3000, 101)
  const config = path.join(root, configKey)
  let older: InventoryFixture
  let newer: InventoryFixture
  let bucket = ''
  const expectedKeys = (kind?: string) => [...pair.expected.values()].filter((c) => !kind || c.change === kind).map((c) => c.key).sort()

  beforeAll(async () => {
    // Four deliveries: an old one, the two to diff, and a newest one without manifest.checksum (incomplete).
    const first = await writeInventory({ root, format: 'CSV', rows: pair.older.slice(0, 100), timestamp: '2026-11-12T01-00Z' })
    // The stale copies of keys listed twice are a data file of their own: SQL can order files, not CSV rows.
    older = await writeInventory({ root, format: 'CSV', rows: pair.older, filesRows: [pair.duplicates.older, 1000], timestamp: '2026-11-19T01-00Z', space: '+' })
    newer = await writeInventory({ root, format: 'CSV', rows: pair.newer, filesRows: [pair.duplicates.newer, 1200], timestamp: '2026-11-20T01-00Z' })
    const incomplete = await writeInventory({ root, format: 'CSV', rows: pair.newer.slice(0, 10), timestamp: '2026-11-21T01-00Z', checksum: false })
    const client = s3Client()
    bucket = await freshBucket(client, 'diffcli')
    await putObjects(client, bucket, new Map([...first.objects, ...older.objects, ...newer.objects, ...incomplete.objects]))
    client.destroy()
  })

  it('diffs the latest complete delivery against the complete one before it, as NDJSON', async () => {
    const r = await run(['diff', config, '--tmp-dir', temp])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('diff 2026-11-19T01-00Z → 2026-11-20T01-00Z')
    const changes = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(changes.map((c) => c.key).sort()).toEqual(expectedKeys())
    for (const c of changes) {
      const e = pair.expected.get(c.key)!
      expect(c.change).toBe(e.change)
      expect(c.fields).toEqual(e.fields)
      expect(c.after?.size ?? null).toEqual(e.after?.size ?? null)
      expect(c.before?.eTag ?? null).toEqual(e.before?.eTag ?? null)
    }
    expect(r.stderr).toMatch(new RegExp(`${expectedKeys('added').length} added .* ${expectedKeys('removed').length} removed .* ${expectedKeys('changed').length} changed`))
    expect(await readdir(temp)).toEqual([])
  })

  it('picks deliveries with --from/--to (a unique prefix of the name), and refuses bad choices', async () => {
    const r = await run(['diff', config, '--from', '2026-11-12', '--to', '2026-11-19T01-00Z', '--only', 'added', '--format', 'keys', '-q'])
    expect(r.code, r.stderr).toBe(0)
    // The first delivery held the first 100 rows (the stale copies among them); the rest are added.
    const first = new Set(pair.older.slice(0, 100).map((x) => x.key))
    expect(r.stdout.trim().split('\n').sort()).toEqual([...new Set(pair.older.map((x) => x.key))].filter((k) => !first.has(k)).sort())
    const none = await run(['diff', config, '--from', '2025-01-01'])
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/NOT_FOUND: no delivery matches \(--from; expected one of 2026-11-21T01-00Z, 2026-11-20T01-00Z/)
    const incomplete = await run(['diff', config, '--to', '2026-11-21'])
    expect(incomplete.code).toBe(1)
    expect(incomplete.stderr).toContain('NOT_FOUND: that delivery is not complete')
    // Usage errors (exit 2): a prefix more than one delivery has, deliveries the wrong way round, a bad --only.
    const ambiguous = await run(['diff', config, '--from', '2026-11-2'])
    expect(ambiguous.code).toBe(2)
    expect(ambiguous.stderr).toMatch(/^s3inv: bad value for --from: "2026-11-2" \(expected 2026-11-2\d/)
    const backwards = await run(['diff', config, '--from', '2026-11-20', '--to', '2026-11-19'])
    expect(backwards.code).toBe(2)
    expect(backwards.stderr).toContain('must come before the newer one')
    // --memory takes the library's memoryMB range.
    const memory = await run(['diff', config, '--memory', '0'])
    expect(memory.code).toBe(2)
    expect(memory.stderr).toMatch(/^s3inv: bad value for --memory: "0" \(expected an integer from 1 to 1,048,576\)/)
    const only = await run(['diff', config, '--only', 'moved'])
    expect(only.code).toBe(2)
    expect(only.stderr).toMatch(/^s3inv: bad value for --only: "moved"/)
  })

  it('prints keys, s3:// URLs and CSV; --only picks changes; filters apply to both sides', async () => {
    const keys = await run(['diff', older.manifestPath, newer.manifestPath, '--only', 'removed', '--format', 'keys', '-q'])
    expect(keys.stdout.trim().split('\n').sort()).toEqual(expectedKeys('removed'))
    const urls = await run(['diff', older.manifestPath, newer.manifestPath, '--only', 'added,removed', '--format', 's3url', '-q'])
    expect(urls.stdout.trim().split('\n').sort()).toEqual([...expectedKeys('added'), ...expectedKeys('removed')].map((k) => `s3://example-source-bucket/${k}`).sort())
    const csv = await run(['diff', older.manifestPath, newer.manifestPath, '--only', 'changed', '--format', 'csv', '--compare', 'size,storageClass', '-q'])
    const lines = csv.stdout.trim().split('\n')
    expect(lines[0]).toBe('change,key,versionId,fields,sizeBefore,sizeAfter,storageClassBefore,storageClassAfter')
    const changed = [...pair.expected.values()].filter((c) => c.change === 'changed' && (c.before!.size !== c.after!.size || c.before!.storageClass !== c.after!.storageClass))
    expect(lines.length - 1).toBe(changed.length)
    const one = changed.find((c) => c.fields!.includes('size'))!
    expect(lines).toContain(`changed,${one.key},,${['size', 'storageClass'].filter((f) => c(one, f)).join(' ')},${one.before!.size},${one.after!.size},${one.before!.storageClass},${one.after!.storageClass}`)
    // AWS's spellings name the same fields: the header and the cells use the rows' names.
    const spelled = await run(['diff', older.manifestPath, newer.manifestPath, '--only', 'changed', '--format', 'csv', '--compare', 'storage_class,Size,size', '-q'])
    expect(spelled.code, spelled.stderr).toBe(0)
    const rowsOf = spelled.stdout.trim().split('\n')
    expect(rowsOf[0]).toBe('change,key,versionId,fields,storageClassBefore,storageClassAfter,sizeBefore,sizeAfter')
    expect(rowsOf).toContain(`changed,${one.key},,${['storageClass', 'size'].filter((f) => c(one, f)).join(' ')},${one.before!.storageClass},${one.after!.storageClass},${one.before!.size},${one.after!.size}`)
    const unknown = await run(['diff', older.manifestPath, newer.manifestPath, '--format', 'csv', '--compare', 'storage_clas'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/^s3inv: bad value for --compare: "storage_clas" is not an inventory field; did you mean storageClass\?/)
    const filtered = await run(['diff', older.manifestPath, newer.manifestPath, '--prefix', 'added/', '--format', 'keys', '-q'])
    expect(filtered.stdout.trim().split('\n').sort()).toEqual(expectedKeys().filter((k) => k.startsWith('added/')))
  })

  it('--summary --json is the library’s summary; --summary prints tables', async () => {
    const r = await run(['diff', older.manifestPath, newer.manifestPath, '--summary', '--json', '--prefix-depth', '2', '-q'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(await diffSummary(older.manifestPath, newer.manifestPath, { prefixDepth: 2 }))))
    const t = await run(['diff', older.manifestPath, newer.manifestPath, '--summary', '-q'])
    expect(t.stdout).toMatch(new RegExp(`^added +${expectedKeys('added').length} `, 'm'))
    expect(t.stdout).toMatch(/^STORAGE CLASS +ADDED +BYTES +REMOVED +BYTES +CHANGED +BYTES$/m)
    expect(t.stdout).toMatch(/^FROM +TO +OBJECTS +BYTES$/m)
    expect(t.stdout).toContain(`${pair.duplicates.older} listed twice`)
  })

  it('--summary without Size on a side: bytes are "-", never 0 B, and the table says why', async () => {
    const fields = ['bucket', 'key', 'storageClass', 'eTag']
    const a = await writeInventory({ root: await tmpDir('diff-cli-nosize-a'), format: 'CSV', rows: pair.older, fields })
    const b = await writeInventory({ root: await tmpDir('diff-cli-nosize-b'), format: 'CSV', rows: pair.newer, fields })
    const t = await run(['diff', a.manifestPath, b.manifestPath, '--summary', '-q'])
    expect(t.code, t.stderr).toBe(0)
    expect(t.stdout).toMatch(new RegExp(`^added +${expectedKeys('added').length} +-$`, 'm'))
    expect(t.stdout).toContain('the older inventory has no Size: bytes are not known (-)')
    expect(t.stdout).not.toMatch(/\b0 B\b/)
    const j = JSON.parse((await run(['diff', a.manifestPath, b.manifestPath, '--summary', '--json', '-q'])).stdout)
    expect(j.older.fields).toEqual(expect.arrayContaining(fields))
    expect(j.older.fields).not.toContain('size')
  })

  it('diffs deliveries on S3 (local server): a configuration folder, and two delivery folders', async () => {
    const endpoint = ['--endpoint-url', inject('s3Endpoint')]
    const r = await run(['diff', `s3://${bucket}/${configKey}/`, '--format', 'keys', '-q', ...endpoint], s3env)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim().split('\n').sort()).toEqual(expectedKeys())
    const two = await run(['diff', `s3://${bucket}/${configKey}/2026-11-19T01-00Z/`, `s3://${bucket}/${configKey}/2026-11-20T01-00Z/`, '--summary', '--json', '-q', ...endpoint], s3env)
    expect(JSON.parse(two.stdout).total.changed.count).toBe(expectedKeys('changed').length)
  })

  it('--sql duckdb prints a query DuckDB runs to the same changes', async () => {
    const r = await run(['diff', config, '--sql', 'duckdb', '-q'])
    expect(r.code, r.stderr).toBe(0)
    const [changes, counts] = await duck(r.stdout)
    expect(changes.map((x) => x.key).sort()).toEqual(expectedKeys())
    const s = await diffSummary(older.manifestPath, newer.manifestPath)
    expect(Object.fromEntries(counts.map((x) => [x.change, Number(x.objects)]))).toEqual({ added: s.total.added.count, changed: s.total.changed.count, removed: s.total.removed.count })
    // Filters and --only go into the query: it returns what the diff prints with the same flags.
    const flags = ['--prefix', 'added/,images/', '--min-size', '1MB', '--only', 'added,removed']
    const keys = await run(['diff', config, '--format', 'keys', '-q', ...flags])
    expect(keys.code, keys.stderr).toBe(0)
    const filtered = await run(['diff', config, '--sql', 'duckdb', '-q', ...flags])
    expect(filtered.code, filtered.stderr).toBe(0)
    const [some] = await duck(filtered.stdout)
    expect(some.length).toBeGreaterThan(5)
    expect(some.map((x) => x.key).sort()).toEqual(keys.stdout.trim().split('\n').sort())
    // What SQL cannot apply the same way is a usage error naming the flags, not a query that ignores them.
    const refused = await run(['diff', config, '--sql', 'duckdb', '--glob', '*.png', '--ignore-case', '--prefix', 'a'])
    expect(refused.code).toBe(2)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toMatch(/^s3inv: --sql cannot apply --glob, --ignore-case as the diff does/)
    const athena = await run(['diff', config, '--sql', 'athena', '-q'])
    expect(athena.stdout).toContain('CREATE EXTERNAL TABLE IF NOT EXISTS inventory (')
    expect(athena.stdout).toContain("'projection.dt.range' = '2026-11-19-01-00,NOW'")
  })

  it('stops on Ctrl-C and leaves no temporary files', async () => {
    const big = unversionedPair(60_000, 102)
    const o = await writeInventory({ root: path.join(root, 'big'), format: 'CSV', rows: big.older, filesRows: [10_000], timestamp: '2026-11-19T01-00Z' })
    const n = await writeInventory({ root: path.join(root, 'big'), format: 'CSV', rows: big.newer, filesRows: [10_000], timestamp: '2026-11-20T01-00Z' })
    const tmp = await tmpDir('diff-cli-int')
    const child = spawn(process.execPath, [CLI, 'diff', o.manifestPath, n.manifestPath, '--tmp-dir', tmp, '--progress', '--progress-interval', '20'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stdout.resume()
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })))
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (d) => {
        stderr += d
        // Once rows are being read (partition files exist), interrupt.
        if (/ [1-9][\d,]* rows/.test(stderr)) resolve()
      })
    })
    child.kill('SIGINT')
    // The CLI's exit status after Ctrl-C, as for every command: 130.
    const { code } = await exited
    expect(code).toBe(130)
    expect(await readdir(tmp)).toEqual([])
  })
})

const c = (e: { before?: Record<string, unknown>; after?: Record<string, unknown> }, f: string) => e.before![f] !== e.after![f]

describe('s3inv sql', async () => {
  const root = await tmpDir('sql-cli')
  const pair = unversionedPair(2000, 111)

  it('--engine duckdb prints a view and queries that DuckDB runs to the numbers of s3inv stats', async () => {
    await writeInventory({ root, format: 'Parquet', rows: pair.older, filesRows: [700], timestamp: '2026-11-19T01-00Z' })
    await writeInventory({ root, format: 'Parquet', rows: pair.newer, filesRows: [700], timestamp: '2026-11-20T01-00Z' })
    const config = path.join(root, 'inventory/example-source-bucket/daily-parquet')
    const r = await run(['sql', config, '--engine', 'duckdb'])
    expect(r.code, r.stderr).toBe(0)
    const [, total, byClass] = await duck(r.stdout)
    const stats = JSON.parse((await run(['stats', config, '--by', 'storage-class', '--json', '-q'])).stdout)
    expect(Number(total[0].objects)).toBe(stats.total.count)
    expect(Number(total[0].bytes)).toBe(stats.total.bytes)
    expect(Object.fromEntries(byClass.map((x) => [x.storage_class ?? '(none)', Number(x.objects)]))).toEqual(Object.fromEntries(stats.groups.map((g: { key: string[]; count: number }) => [g.key[0], g.count])))
    const athena = await run(['sql', config, '--engine', 'athena', '--table', 'my_inventory'])
    expect(athena.stdout).toContain('CREATE EXTERNAL TABLE IF NOT EXISTS my_inventory (')
    expect(athena.stdout).toContain("'projection.dt.range' = '2026-11-19-01-00,NOW'")
    expect(athena.stdout).toContain("WHERE dt = '2026-11-20-01-00'")
    const older = await run(['sql', config, '--engine', 'athena', '--delivery', '2026-11-19'])
    expect(older.stdout).toContain("WHERE dt = '2026-11-19-01-00'")
  })

  it('refuses DuckDB SQL for ORC, and bad engines, with typed errors', async () => {
    const dir = path.join(root, 'inventory/example-source-bucket/daily-orc/2026-11-20T01-00Z')
    await mkdir(dir, { recursive: true })
    const manifest = { sourceBucket: 'b', destinationBucket: 'arn:aws:s3:::d', version: '2016-11-30', creationTimestamp: '1763600400000', fileFormat: 'ORC', fileSchema: 'struct<bucket:string,key:string,size:bigint>', files: [{ key: 'inventory/example-source-bucket/daily-orc/data/a.orc', size: 1, MD5checksum: '0'.repeat(32) }] }
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest))
    const r = await run(['sql', path.join(dir, 'manifest.json'), '--engine', 'duckdb'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^s3inv: UNSUPPORTED_FORMAT: DuckDB cannot read ORC/m)
    const d = await run(['diff', path.join(dir, 'manifest.json'), path.join(dir, 'manifest.json'), '--sql', 'duckdb'])
    expect(d.code).toBe(1)
    expect(d.stderr).toContain('UNSUPPORTED_FORMAT')
    expect((await run(['sql', path.join(dir, 'manifest.json'), '--engine', 'athena'])).stdout).toContain("ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.orc.OrcSerde'")
    expect((await run(['sql', path.join(dir, 'manifest.json'), '--engine', 'spark'])).code).toBe(2)
  })
})
