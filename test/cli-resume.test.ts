/**
 * Restartable runs from the shell: --cursor-file keeps the cursor of the last row done (printed and
 * flushed, accepted by SQS, in a finished file), at exit too — after Ctrl-C or a failure — and
 * --start-after resumes right after it: the two runs together give every row exactly once.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { tableFromIPC } from 'apache-arrow'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeRows, writeInventory, type InventoryFixture } from '../fixtures/generate.js'
import { encodeManifestKey } from '../src/batch/encode.js'
import { CLI, runCli as run, s3env } from './support/cli.js'
import { startSqsServer, type SqsServer } from './support/sqs-server.js'
import { tmpDir } from './support/tmp.js'

const PER_FILE = 20_000

/**
 * Runs `s3inv args` and sends it Ctrl-C (SIGINT) once it has printed 30,000 lines; `midRun` is what
 * `cursorFile` held at that moment (it is rewritten every --cursor-every rows).
 */
function interruptAfterLines(args: string[], cursorFile: string): Promise<{ code: number | null; stdout: string; stderr: string; midRun: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let midRun = ''
    let sent = false
    child.stdout.on('data', (d) => {
      stdout += d
      if (!sent && stdout.split('\n').length > 30_000) {
        sent = true
        midRun = readFileSync(cursorFile, 'utf8').trim()
        child.kill('SIGINT')
      }
    })
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code, stdout, stderr, midRun }))
  })
}

describe('s3inv restartable runs', async () => {
  const root = await tmpDir('cli-resume')
  const rows = makeRows({ count: 100_000, seed: 61, hardKeys: false, versioned: false })
  let f: InventoryFixture
  let md5 = ''
  let sqs: SqsServer
  /** The cursor of the row at `index` (all rows of a file count, filtered or not). */
  const cursorAt = (index: number) => `v1.${md5}.${Math.floor(index / PER_FILE)}.${index % PER_FILE}`

  beforeAll(async () => {
    f = await writeInventory({ root, format: 'CSV', rows, filesRows: [PER_FILE] })
    md5 = createHash('md5').update(f.manifestBytes).digest('hex')
    sqs = await startSqsServer()
  })
  afterAll(() => sqs?.close())

  it('ls: Ctrl-C stops with 130 and the cursor of the last row printed; --start-after prints the rest, nothing twice', async () => {
    const cursorFile = path.join(root, 'ls.cursor')
    const { midRun, ...first } = await interruptAfterLines(['ls', f.manifestPath, '--format', 'keys', '--concurrency', '1', '--cursor-file', cursorFile, '--cursor-every', '5000'], cursorFile)
    expect(first.code, first.stderr).toBe(130)
    const mid = /^v1\.[0-9a-f]{32}\.(\d+)\.(\d+)$/.exec(midRun)
    expect(mid, midRun).not.toBeNull()
    expect(Number(mid![1]) * PER_FILE + Number(mid![2])).toBeGreaterThanOrEqual(5_000 - 1)
    expect(first.stderr).toContain('s3inv: interrupted')
    const printed = first.stdout.split('\n').slice(0, -1)
    expect(printed.length).toBeGreaterThan(30_000)
    expect(printed.length).toBeLessThan(rows.length)
    expect(printed).toEqual(rows.slice(0, printed.length).map((r) => r.key))
    const cursor = (await readFile(cursorFile, 'utf8')).trim()
    expect(cursor).toBe(cursorAt(printed.length - 1))

    const rest = await run(['ls', f.manifestPath, '--format', 'keys', '--start-after', cursor, '--cursor-file', cursorFile, '-q'])
    expect(rest.code, rest.stderr).toBe(0)
    expect([...printed, ...rest.stdout.split('\n').slice(0, -1)]).toEqual(rows.map((r) => r.key))
    expect((await readFile(cursorFile, 'utf8')).trim()).toBe(cursorAt(rows.length - 1))
  })

  it('ls with a filter: the cursor is the last matching row printed, every N rows and at the end', async () => {
    const cursorFile = path.join(root, 'filtered.cursor')
    const matches = rows.map((r, i) => [r, i] as const).filter(([r]) => r.key.startsWith('logs/'))
    const half = matches[Math.floor(matches.length / 2)]
    const second = await run(['ls', f.manifestPath, '--prefix', 'logs/', '--format', 'keys', '--start-after', cursorAt(half[1]), '--cursor-file', cursorFile, '-q'])
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout).toBe(matches.filter(([, i]) => i > half[1]).map(([r]) => `${r.key}\n`).join(''))
    expect((await readFile(cursorFile, 'utf8')).trim()).toBe(cursorAt(matches.at(-1)![1]))
    // Nothing left after the last row: the cursor stays where it was.
    await rm(cursorFile)
    const none = await run(['ls', f.manifestPath, '--format', 'keys', '--start-after', cursorAt(rows.length - 1), '--cursor-file', cursorFile, '-q'])
    expect([none.code, none.stdout]).toEqual([0, ''])
    expect((await readFile(cursorFile, 'utf8')).trim()).toBe(cursorAt(rows.length - 1))
  })

  it('a cursor of another delivery is CURSOR_INVALID (exit 1)', async () => {
    const other = await run(['ls', f.manifestPath, '--start-after', `v1.${'0'.repeat(32)}.0.5`, '-q'])
    expect(other.code).toBe(1)
    expect(other.stderr).toMatch(/^s3inv: CURSOR_INVALID: the cursor belongs to another inventory delivery \(--start-after, /)
    expect(other.stderr).not.toContain('startAfter')
  })

  it('enqueue: a failure stops it with the cursor of the last row SQS accepted; --start-after sends the rest, nothing twice', async () => {
    const queueUrl = sqs.queueUrl('resume')
    const cursorFile = path.join(root, 'enqueue.cursor')
    const calls = () => sqs.calls.filter((c) => c.queueUrl === queueUrl)
    sqs.plan = (call) => (call.queueUrl === queueUrl && calls().length > 5 ? { error: { status: 403, type: 'AccessDenied', message: 'no more' } } : undefined)
    const flags = ['--queue-url', queueUrl, '--keys-per-message', '10', '--batches-in-flight', '1', '--cursor-file', cursorFile, '--cursor-every', '1', '-q', '--prefix', 'data/']
    const first = await run(['enqueue', f.manifestPath, ...flags], s3env)
    expect(first.code).toBe(1)
    expect(first.stderr).toMatch(/^s3inv: ACCESS_DENIED: /)
    const keysAccepted = () => sqs.accepted.filter((e) => calls().some((c) => c.entries.includes(e))).flatMap((e) => (JSON.parse(e.MessageBody) as { key: string }[]).map((m) => m.key))
    const sent = keysAccepted()
    const matching = rows.map((r, i) => [r, i] as const).filter(([r]) => r.key.startsWith('data/'))
    expect(sent).toEqual(matching.slice(0, 500).map(([r]) => r.key)) // 5 batches × 10 messages × 10 rows
    expect((await readFile(cursorFile, 'utf8')).trim()).toBe(cursorAt(matching[499][1]))

    sqs.plan = () => undefined
    const rest = await run(['enqueue', f.manifestPath, ...flags, '--start-after', (await readFile(cursorFile, 'utf8')).trim()], s3env)
    expect(rest.code, rest.stderr).toBe(0)
    expect(keysAccepted()).toEqual(matching.map(([r]) => r.key))
    expect(sqs.violations).toEqual([])
  })

  it('manifest --out -: Ctrl-C leaves whole lines and the cursor of the last one; --start-after appends the rest, nothing twice', async () => {
    const cursorFile = path.join(root, 'manifest-stdout.cursor')
    const line = (i: number) => `${rows[i].bucket},${encodeManifestKey(rows[i].key)}`
    const { midRun, ...first } = await interruptAfterLines(['manifest', f.manifestPath, '--out', '-', '--concurrency', '1', '--cursor-file', cursorFile, '--cursor-every', '5000', '-q'], cursorFile)
    expect(first.code, first.stderr).toBe(130)
    expect(midRun).toMatch(/^v1\.[0-9a-f]{32}\.\d+\.\d+$/)
    expect(first.stdout.endsWith('\n')).toBe(true)
    const printed = first.stdout.split('\n').slice(0, -1)
    expect(printed.length).toBeGreaterThan(30_000)
    expect(printed.length).toBeLessThan(rows.length)
    expect(printed).toEqual(rows.slice(0, printed.length).map((_, i) => line(i)))
    const cursor = (await readFile(cursorFile, 'utf8')).trim()
    expect(cursor).toBe(cursorAt(printed.length - 1))

    const rest = await run(['manifest', f.manifestPath, '--out', '-', '--start-after', cursor, '--cursor-file', cursorFile, '-q'])
    expect(rest.code, rest.stderr).toBe(0)
    expect([...printed, ...rest.stdout.split('\n').slice(0, -1)]).toEqual(rows.map((_, i) => line(i)))
    const done = (await readFile(cursorFile, 'utf8')).trim()
    expect(done).toBe(cursorAt(rows.length - 1))
    // A complete run's cursor: nothing is left, and the error says so.
    const after = await run(['manifest', f.manifestPath, '--out', path.join(root, 'nothing.csv'), '--start-after', done, '-q'])
    expect(after.code).toBe(1)
    expect(after.stderr).toBe(
      `s3inv: MANIFEST_EMPTY: nothing is left to write after the --start-after cursor, and a job needs at least one task (--allow-empty, ${path.join(root, 'nothing.csv')}; expected at least one row)\n`,
    )
  })

  it('export and manifest: --start-after skips what an earlier file holds; --cursor-file gets the last row once the file is complete', async () => {
    const start = 29_999
    const cursorFile = path.join(root, 'export.cursor')
    const out = path.join(root, 'rest.arrows')
    const e = await run(['export', f.manifestPath, '--format', 'arrow', '--out', out, '--columns', 'key', '--start-after', cursorAt(start), '--cursor-file', cursorFile, '-q'])
    expect(e.code, e.stderr).toBe(0)
    const table = tableFromIPC(await readFile(out))
    expect(table.numRows).toBe(rows.length - start - 1)
    expect(table.getChild('key')!.get(0)).toBe(rows[start + 1].key)
    expect((await readFile(cursorFile, 'utf8')).trim()).toBe(cursorAt(rows.length - 1))

    const manifestCursor = path.join(root, 'manifest.cursor')
    const csv = path.join(root, 'rest.csv')
    const m = await run(['manifest', f.manifestPath, '--out', csv, '--start-after', cursorAt(start), '--cursor-file', manifestCursor, '--suffix', '.json', '-q'])
    expect(m.code, m.stderr).toBe(0)
    const expected = rows.map((r, i) => [r, i] as const).filter(([r, i]) => i > start && r.key.endsWith('.json'))
    expect((await readFile(csv, 'utf8')).trimEnd().split('\n')).toEqual(expected.map(([r]) => `${r.bucket},${encodeManifestKey(r.key)}`))
    expect((await readFile(manifestCursor, 'utf8')).trim()).toBe(cursorAt(expected.at(-1)![1]))
  })
})
