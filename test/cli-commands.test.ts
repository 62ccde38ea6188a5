/**
 * Every s3inv command as a child process, on local disk and the local S3 server: stdout, stderr and
 * exit codes, checked against expectations computed independently from the generated rows.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { makeRows, writeInventory, type InventoryFixture, type Row } from '../fixtures/generate.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { CLI, runCli as run, s3env } from './support/cli.js'
import { tmpDir } from './support/tmp.js'

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex')

const json = (r: Row) => JSON.parse(JSON.stringify(r))

describe('s3inv commands', async () => {
  const root = await tmpDir('cli2')
  const rows = makeRows({ count: 3000, seed: 51 })
  const older = makeRows({ count: 100, seed: 52 })
  let f: InventoryFixture
  let bucket = ''
  let configFolder = ''
  const configKey = 'inventory/example-source-bucket/daily-csv/'

  beforeAll(async () => {
    // Four deliveries: the two newest are incomplete (no checksum; wrong checksum), then the good one.
    await writeInventory({ root, format: 'CSV', rows: older, timestamp: '2026-11-18T01-00Z' })
    f = await writeInventory({ root, format: 'CSV', rows, filesRows: [1000], timestamp: '2026-11-20T01-00Z' })
    const bad1 = await writeInventory({ root, format: 'CSV', rows: older, timestamp: '2026-11-21T01-00Z', checksum: false })
    const bad2 = await writeInventory({ root, format: 'CSV', rows: older, timestamp: '2026-11-22T01-00Z' })
    await writeFile(path.join(root, configKey, '2026-11-22T01-00Z', 'manifest.checksum'), '0'.repeat(32))
    // Folders that are not deliveries must be ignored.
    await mkdir(path.join(root, configKey, 'hive', 'dt=2026-11-20-01-00'), { recursive: true })
    configFolder = path.join(root, configKey)
    const client = s3Client()
    bucket = await freshBucket(client, 'cli2')
    const all = new Map([...f.objects, ...bad1.objects, ...bad2.objects])
    all.set(`${configKey}2026-11-22T01-00Z/manifest.checksum`, Buffer.from('0'.repeat(32)))
    const olderFix = await writeInventory({ root: path.join(root, 'o'), format: 'CSV', rows: older, timestamp: '2026-11-18T01-00Z' })
    for (const [k, v] of olderFix.objects) all.set(k, v)
    await putObjects(client, bucket, all)
    client.destroy()
  })

  describe('latest and deliveries', () => {
    it('latest picks the newest complete delivery, skipping a missing and a wrong checksum (local)', async () => {
      const { code, stdout, stderr } = await run(['latest', configFolder])
      expect(code, stderr).toBe(0)
      expect(stdout.trim()).toBe(f.manifestPath)
    })
    it('latest does the same on S3, and honours --before', async () => {
      const r = await run(['latest', `s3://${bucket}/${configKey}`, '--endpoint-url', inject('s3Endpoint')], s3env)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout.trim()).toBe(`s3://${bucket}/${f.manifestKey}`)
      const before = await run(['latest', `s3://${bucket}/${configKey}`, '--endpoint-url', inject('s3Endpoint'), '--before', '2026-11-19', '--json'], s3env)
      expect(JSON.parse(before.stdout)).toMatchObject({ name: '2026-11-18T01-00Z', status: 'complete' })
    })
    it('deliveries lists all, newest first, with their status', async () => {
      for (const where of [configFolder, `s3://${bucket}/${configKey}`]) {
        const r = await run(['deliveries', where, '--json', '--endpoint-url', inject('s3Endpoint')], s3env)
        expect(r.code, r.stderr).toBe(0)
        const list = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
        expect(list.map((d: { name: string; status: string }) => [d.name, d.status])).toEqual([
          ['2026-11-22T01-00Z', 'checksum-mismatch'],
          ['2026-11-21T01-00Z', 'missing-checksum'],
          ['2026-11-20T01-00Z', 'complete'],
          ['2026-11-18T01-00Z', 'complete'],
        ])
      }
    })
    it('a configuration folder as <location> uses its latest complete delivery and says which', async () => {
      const { code, stdout, stderr } = await run(['ls', configFolder, '--format', 'keys'])
      expect(code).toBe(0)
      expect(stderr).toContain('using delivery 2026-11-20T01-00Z')
      expect(stdout.split('\n').slice(0, 3)).toEqual(rows.slice(0, 3).map((r) => r.key))
    })
  })

  describe('ls', () => {
    const cases: [string, string[], (r: Row) => boolean][] = [
      ['--prefix', ['--prefix', 'logs/'], (r) => r.key.startsWith('logs/')],
      ['--suffix (two)', ['--suffix', '.png,.jpg'], (r) => r.key.endsWith('.png') || r.key.endsWith('.jpg')],
      ['--glob', ['--glob', '**/*.json'], (r) => /\.json$/.test(r.key) && !r.key.slice(0, -5).includes('\n')],
      ['--regex', ['--regex', '^images/.*\\d$'], (r) => /^images\/.*\d$/u.test(r.key)],
      ['--min-size/--max-size', ['--min-size', '1MiB', '--max-size', '1GB'], (r) => typeof r.size === 'number' && r.size >= 1048576 && r.size <= 1e9],
      ['--storage-class', ['--storage-class', 'GLACIER,deep_archive'], (r) => r.storageClass === 'GLACIER' || r.storageClass === 'DEEP_ARCHIVE'],
      ['--modified-after/before', ['--modified-after', '2024-06-01', '--modified-before', '2025-01-01T00:00:00Z'], (r) => (r.lastModifiedDate as Date) >= new Date('2024-06-01T00:00:00Z') && (r.lastModifiedDate as Date) < new Date('2025-01-01T00:00:00Z')],
      ['--latest-only --no-delete-markers', ['--latest-only', '--no-delete-markers'], (r) => r.isLatest !== false && r.isDeleteMarker !== true],
    ]
    for (const [name, flags, keep] of cases) {
      it(`filter ${name} matches an independent evaluation`, async () => {
        const { code, stdout, stderr } = await run(['ls', f.manifestPath, ...flags])
        expect(code, stderr).toBe(0)
        const got = stdout.trim() ? stdout.trim().split('\n').map((l) => JSON.parse(l)) : []
        const expected = rows.filter(keep).map(json)
        expect(expected.length).toBeGreaterThan(0)
        expect(got).toEqual(expected)
      })
    }
    it('--format csv re-parses to the rows (proper quoting), with --columns', async () => {
      const { code, stdout } = await run(['ls', f.manifestPath, '--format', 'csv', '--columns', 'key,size,lastModifiedDate,isLatest'])
      expect(code).toBe(0)
      const parsed = parse(stdout, { columns: true, relax_column_count: false }) as Record<string, string>[]
      expect(parsed).toEqual(rows.map((r) => ({ key: r.key, size: r.size === undefined ? '' : String(r.size), lastModifiedDate: (r.lastModifiedDate as Date).toISOString(), isLatest: String(r.isLatest) })))
    })
    it('--format tsv escapes tabs and newlines; --format keys prints decoded keys', async () => {
      const tsv = await run(['ls', f.manifestPath, '--format', 'tsv', '--columns', 'key,size'])
      const lines = tsv.stdout.trimEnd().split('\n')
      expect(lines[0]).toBe('key\tsize')
      expect(lines.length).toBe(rows.length + 1)
      const unescape = (s: string) => s.replace(/\\(.)/g, (_, c) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\' })[c as 't'] ?? c)
      expect(lines.slice(1).map((l) => unescape(l.split('\t')[0]))).toEqual(rows.map((r) => r.key))
      const keys = await run(['ls', f.manifestPath, '--format', 'keys', '--suffix', '.png'])
      expect(keys.stdout).toBe(rows.filter((r) => r.key.endsWith('.png')).map((r) => `${r.key}\n`).join(''))
    })
    it('| head -1 ends quickly and cleanly (no EPIPE trace)', async () => {
      const big = await writeInventory({ root: path.join(root, 'big'), format: 'CSV', rows: makeRows({ count: 150_000, seed: 53, hardKeys: false }), filesRows: [50_000] })
      const r = await new Promise<{ code: number | null; stderr: string; out: string; ms: number }>((resolve) => {
        const started = Date.now()
        const child = spawn('bash', ['-c', `set -o pipefail; node ${CLI} ls ${big.manifestPath} | head -1`], { stdio: ['ignore', 'pipe', 'pipe'] })
        let out = ''
        let stderr = ''
        child.stdout.on('data', (d) => (out += d))
        child.stderr.on('data', (d) => (stderr += d))
        child.on('close', (code) => resolve({ code, stderr, out, ms: Date.now() - started }))
      })
      expect(r.code).toBe(0)
      expect(r.stderr).toBe('')
      expect(r.out.trim().split('\n')).toHaveLength(1)
      expect(r.ms).toBeLessThan(5000)
    })
    it('bad flag values are usage errors: exit 2, one line naming the flag, and where the help is', async () => {
      for (const [args, line] of [
        [['--min-size', 'lots'], 'bad value for --min-size: "lots" (expected e.g. 10MB, 1.5GiB)'],
        [['--format', 'xml'], 'bad value for --format: "xml" (expected one of ndjson, csv, tsv, keys, s3url)'],
        [['--concurrency', '-1'], 'bad value for --concurrency: "-1" (expected an integer from 1 to 64)'],
      ] as const) {
        const r = await run(['ls', f.manifestPath, ...args])
        expect(r.code, args.join(' ')).toBe(2)
        expect(r.stdout).toBe('')
        expect(r.stderr).toBe(`s3inv: ${line}\nsee \`s3inv ls --help\`\n`)
      }
    })
    it('--debug adds the stack to the one-line error', async () => {
      const r = await run(['ls', path.join(root, 'nope.json'), '--debug'])
      expect(r.code).toBe(1)
      expect(r.stderr.split('\n')[0]).toMatch(/^s3inv: NOT_FOUND: /)
      expect(r.stderr).toContain('    at ')
    })
  })

  describe('stats', () => {
    /** Independent grouping over the generated rows. */
    function expectGroups(keyOf: (r: Row) => string, pick = (_: Row) => true) {
      const m = new Map<string, { count: number; bytes: number }>()
      for (const r of rows.filter(pick)) {
        const k = keyOf(r)
        const g = m.get(k) ?? { count: 0, bytes: 0 }
        g.count++
        g.bytes += (r.size as number | undefined) ?? 0
        m.set(k, g)
      }
      return Object.fromEntries(m)
    }
    const groupsOf = (stdout: string) => Object.fromEntries((JSON.parse(stdout).groups as { key: string[]; count: number; bytes: number }[]).map((g) => [g.key.join('|'), { count: g.count, bytes: g.bytes }]))
    const ext = (k: string) => {
      if (k.endsWith('/')) return '(folder)'
      const name = k.slice(k.lastIndexOf('/') + 1)
      const dot = name.lastIndexOf('.')
      return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1).toLowerCase() : '(none)'
    }
    const cases: [string, (r: Row) => string][] = [
      ['storage-class', (r) => (r.storageClass as string) ?? '(none)'],
      ['encryption-status', (r) => (r.encryptionStatus as string) ?? '(none)'],
      ['extension', (r) => ext(r.key)],
      ['prefix:1', (r) => (r.key.includes('/') ? r.key.slice(0, r.key.indexOf('/') + 1) : '(root)')],
      ['prefix:2', (r) => (r.key.includes('/') ? r.key.split('/').slice(0, Math.min(2, r.key.split('/').length - 1)).map((s) => `${s}/`).join('') : '(root)')],
      ['modified:month', (r) => (r.lastModifiedDate as Date).toISOString().slice(0, 7)],
      ['modified:year', (r) => (r.lastModifiedDate as Date).toISOString().slice(0, 4)],
      ['size:pow2', (r) => (r.size === undefined ? '(none)' : r.size === 0 ? '0' : String(Math.floor(Math.log2(r.size as number))))],
      ['isLatest', (r) => String(r.isLatest)],
    ]
    for (const [by, keyOf] of cases) {
      it(`--by ${by} --json matches an independent grouping`, async () => {
        const { code, stdout, stderr } = await run(['stats', f.manifestPath, '--by', by, '--json'])
        expect(code, stderr).toBe(0)
        let got = groupsOf(stdout)
        if (by === 'size:pow2') {
          // Labels are ranges; map them back to the exponent of their lower bound for comparison.
          const iec = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
          got = Object.fromEntries(Object.entries(got).map(([k, v]) => {
            const m = /^\[([\d.]+) (\S+),/.exec(k)
            return [m ? String(Math.round(Math.log2(Number(m[1]) * 1024 ** iec.indexOf(m[2])))) : k, v]
          }))
        }
        expect(got).toEqual(expectGroups(keyOf))
        expect(JSON.parse(stdout).total).toMatchObject({ count: rows.length, bytes: rows.reduce((n, r) => n + ((r.size as number | undefined) ?? 0), 0) })
      })
    }
    it('two dimensions and a filter', async () => {
      const { stdout } = await run(['stats', f.manifestPath, '--by', 'storage-class,modified:year', '--suffix', '.png', '--json'])
      expect(groupsOf(stdout)).toEqual(expectGroups((r) => `${r.storageClass ?? '(none)'}|${(r.lastModifiedDate as Date).toISOString().slice(0, 4)}`, (r) => r.key.endsWith('.png')))
    })
    it('prints an aligned table with human sizes and a TOTAL line; same numbers from S3', async () => {
      const local = await run(['stats', f.manifestPath, '--by', 'storage-class', '--bytes'])
      const lines = local.stdout.trimEnd().split('\n')
      expect(lines[0]).toMatch(/^STORAGE CLASS\s+OBJECTS\s+BYTES\s+MIN\s+AVG\s+MAX$/)
      expect(lines.at(-1)).toMatch(/^TOTAL\s+3,000\s+\d+/)
      const widths = new Set(lines.map((l) => l.length))
      expect(widths.size).toBe(1) // right-aligned numbers: every line ends at the same column
      const human = await run(['stats', f.manifestPath, '--by', 'storage-class'])
      expect(human.stdout).toMatch(/\d(\.\d)? (KiB|MiB|GiB|TiB)/)
      const remote = await run(['stats', `s3://${bucket}/${f.manifestKey}`, '--by', 'storage-class', '--bytes', '--endpoint-url', inject('s3Endpoint')], s3env)
      expect(remote.code, remote.stderr).toBe(0)
      expect(remote.stdout).toBe(local.stdout)
    })
    it('--progress on a pipe prints periodic lines with totals and ends with the summary', async () => {
      const big = await writeInventory({ root: path.join(root, 'prog'), format: 'CSV', rows: makeRows({ count: 120_000, seed: 54, hardKeys: false }), filesRows: [20_000] })
      const r = await run(['stats', big.manifestPath, '--by', 'storage-class', '--progress', '--progress-interval', '20', '--concurrency', '1'])
      expect(r.code).toBe(0)
      const lines = r.stderr.trim().split('\n')
      expect(lines.length).toBeGreaterThanOrEqual(2)
      expect(lines[0]).toMatch(/^s3inv: files \d+\/6 \| .+\/.+ \(\d+%\) \| [\d,]+ rows \| [\d,]+ rows\/s \| ETA /)
      expect(lines.at(-1)).toMatch(/^s3inv: done: 120,000 rows from 6\/6 files \(.+ read\) in [\d.]+ s, [\d,]+ rows\/s$/)
      const quiet = await run(['stats', big.manifestPath, '--by', 'storage-class', '--progress', '--quiet'])
      expect(quiet.stderr).toBe('')
    })
    it('the live progress bar in a terminal shows the totals and the summary', async () => {
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        // `script` gives the command a pseudo-terminal; its output is what a user would see.
        const child = spawn('script', ['-qec', `node ${CLI} stats ${f.manifestPath} --by storage-class`, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, COLUMNS: '200' } })
        let out = ''
        child.stdout.on('data', (d) => (out += d))
        child.on('close', (code) => resolve({ code, out }))
      })
      expect(r.code).toBe(0)
      expect(r.out).toContain('STORAGE CLASS')
      expect(r.out).toMatch(/s3inv: done: 3,000 rows from 3\/3 files/)
    })
  })
})
void md5
