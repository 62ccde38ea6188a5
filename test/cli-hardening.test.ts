/** The CLI on mistaken names and failing outputs: one line, a typed code, the right exit status. */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeRows, writeInventory } from '../fixtures/generate.js'
import { CLI, runCli } from './support/cli.js'
import { oneFileInventory } from './support/one-file-inventory.js'
import { tmpDir } from './support/tmp.js'

/** Runs s3inv under bash so the test can redirect its stdout (to /dev/full, a read-only descriptor, a pipe). */
function sh(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { env: { ...process.env, S3INV: `${process.execPath} ${CLI}` }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('s3inv: names and outputs', async () => {
  const root = await tmpDir('cli-hard')
  const f = await writeInventory({ root, format: 'CSV', rows: makeRows({ count: 3000, seed: 9 }), filesRows: [1000] })

  it('stats --by StorageClass groups by storage class; a typo is UNKNOWN_FIELD listing the names', async () => {
    const ok = await runCli(['stats', f.manifestPath, '--by', 'StorageClass', '--json', '--quiet'])
    expect(ok.code, ok.stderr).toBe(0)
    const s = JSON.parse(ok.stdout)
    expect(s.by).toEqual(['storageClass'])
    expect(s.groups.length).toBeGreaterThan(3)
    expect(s.groups.every((g: { key: string[] }) => g.key[0] !== '(none)' || g.key.length === 1)).toBe(true)
    // A usage error (exit 2), found before the manifest is read: one line, then where the help is.
    const typo = await runCli(['stats', path.join(root, 'no-such-manifest.json'), '--by', 'storage_clas', '--quiet'])
    expect(typo.code).toBe(2)
    expect(typo.stdout).toBe('')
    expect(typo.stderr).toMatch(/^s3inv: bad value for --by: "storage_clas" is not a grouping or an inventory field; did you mean storageClass\? \(expected one of extension, extension:lower, prefix:N, modified:day\|month\|year, size:pow2\|pow10, bucket, key, /)
    expect(typo.stderr.trim().split('\n')).toEqual([expect.any(String), 'see `s3inv stats --help`'])
  })

  it('ls --columns Key,Size prints those columns; key,sise is UNKNOWN_FIELD with nothing printed', async () => {
    const ok = await runCli(['ls', f.manifestPath, '--columns', 'Key,Size', '--format', 'csv', '--quiet'])
    expect(ok.code, ok.stderr).toBe(0)
    const lines = ok.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe('key,size')
    expect(lines[1]).toMatch(/^[^,]+,\d*$/)
    const bad = await runCli(['ls', f.manifestPath, '--columns', 'key,sise', '--quiet'])
    expect(bad.code).toBe(2)
    expect(bad.stdout).toBe('')
    expect(bad.stderr).toMatch(/^s3inv: bad value for --columns: "sise" is not an inventory field; did you mean size\?/)
  })

  it('a full disk or a bad descriptor on stdout is WRITE_FAILED, exit 1, one line', async () => {
    const full = await sh(`$S3INV ls '${f.manifestPath}' --quiet > /dev/full`)
    expect(full.code).toBe(1)
    expect(full.stderr.trim()).toMatch(/^s3inv: WRITE_FAILED: cannot write to standard output \(ENOSPC\)/)
    const readOnly = await sh(`$S3INV stats '${f.manifestPath}' --quiet 1< /dev/null`)
    expect(readOnly.code).toBe(1)
    expect(readOnly.stderr.trim()).toMatch(/^s3inv: WRITE_FAILED: .*EBADF/)
    expect(readOnly.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('help and the version on a full disk are WRITE_FAILED, exit 1, one line (as every other stdout write)', async () => {
    for (const cmd of ['--help', 'ls --help', 'help ls', '-V']) {
      const r = await sh(`$S3INV ${cmd} > /dev/full`)
      expect(r.code, cmd).toBe(1)
      expect(r.stderr.trim().split('\n'), cmd).toEqual([expect.stringMatching(/^s3inv: WRITE_FAILED: cannot write to standard output \(ENOSPC\)/)])
    }
  })

  it('rows without a key or bucket fail with VALUE_INVALID naming row and column, never an empty line or a TypeError', async () => {
    const { gzipSync } = await import('node:zlib')
    const dir = await tmpDir('cli-hard-empty-key')
    const data = gzipSync('"b","k1","1"\n"b","","2"\n"","k3","3"\n')
    const manifest = await oneFileInventory(dir, { name: 'data.csv.gz', bytes: data, fileFormat: 'CSV', fileSchema: 'Bucket, Key, Size' })
    for (const format of ['keys', 's3url', 'ndjson']) {
      const r = await runCli(['ls', manifest, '--format', format, '--quiet'])
      expect(r.code, format).toBe(1)
      expect(r.stdout, format).toBe('') // the file's rows are held until the whole file is checked
      // Columns are checked one at a time: s3url meets the empty bucket (row 2) first.
      expect(r.stderr.trim().split('\n'), format).toEqual([expect.stringMatching(/^s3inv: VALUE_INVALID: .*data\.csv\.gz, (row 1, column key|row 2, column bucket)/)])
    }
  })

  it('--extra-columns reads columns this tool does not know (ls, export); --columns \'\' is a usage error', async () => {
    const { gzipSync } = await import('node:zlib')
    const dir = await tmpDir('cli-extra')
    const data = gzipSync('"b","k1","1","ON"\n"b","k2","2","OFF"\n')
    const manifest = await oneFileInventory(dir, { name: 'data.csv.gz', bytes: data, fileFormat: 'CSV', fileSchema: 'Bucket, Key, Size, ObjectLockEventHoldStatus' })
    // Without the flag the column is not a field this tool knows.
    const unknown = await runCli(['ls', manifest, '--columns', 'ObjectLockEventHoldStatus', '--quiet'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/UNKNOWN_FIELD|is not an inventory field/)
    const csv = await runCli(['ls', manifest, '--columns', 'key', '--extra-columns', 'ObjectLockEventHoldStatus', '--format', 'csv', '--quiet'])
    expect(csv.code, csv.stderr).toBe(0)
    expect(csv.stdout).toBe('key,objectLockEventHoldStatus\nk1,ON\nk2,OFF\n')
    const all = await runCli(['ls', manifest, '--extra-columns', 'object_lock_event_hold_status', '--quiet'])
    expect(all.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { bucket: 'b', key: 'k1', size: 1, objectLockEventHoldStatus: 'ON' },
      { bucket: 'b', key: 'k2', size: 2, objectLockEventHoldStatus: 'OFF' },
    ])
    const out = path.join(dir, 'x.parquet')
    const exported = await runCli(['export', manifest, '--format', 'parquet', '--out', out, '--columns', 'key', '--extra-columns', 'ObjectLockEventHoldStatus', '--quiet'])
    expect(exported.code, exported.stderr).toBe(0)
    const { readParquet } = await import('../src/index.js')
    const { collect } = await import('./support/tmp.js')
    expect(await collect(readParquet(out))).toEqual([{ key: 'k1', objectLockEventHoldStatus: 'ON' }, { key: 'k2', objectLockEventHoldStatus: 'OFF' }])
    // A column the inventory lacks: FIELD_MISSING naming it.
    const missing = await runCli(['ls', manifest, '--extra-columns', 'Nope', '--quiet'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^s3inv: FIELD_MISSING: .*Nope/)
    for (const args of [['ls', manifest, '--columns', ''], ['export', manifest, '--format', 'arrow', '--out', path.join(dir, 'y.arrows'), '--columns', ''], ['ls', manifest, '--extra-columns', 'X', '--format', 'keys']]) {
      const r = await runCli([...args, '--quiet'])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stdout).toBe('')
    }
  })

  it('a closed pipe ends quietly with exit 0, for rows, exports and help alike', async () => {
    for (const cmd of [`ls '${f.manifestPath}' --quiet`, `export '${f.manifestPath}' --format parquet --out /dev/stdout --quiet`, 'export --help', '--help']) {
      const r = await sh(`$S3INV ${cmd} | head -c 4 > /dev/null; echo "status=\${PIPESTATUS[0]}"`)
      expect(r.stdout.trim(), `${cmd}: ${r.stderr}`).toBe('status=0')
      expect(r.stderr.replace(/\(node:\d+\)[\s\S]*?trace-warnings[^\n]*\n/g, ''), cmd).toBe('')
    }
  })
})
