/**
 * `s3inv cat` and signals (dist/cli.js): the first Ctrl-C or SIGTERM stops the read, as for every
 * command — exit 130 (143 for SIGTERM), "s3inv: interrupted" — instead of being ignored until the
 * file's last row.
 */
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { CLI } from './support/cli.js'
import { craftParquet, plainInt64, T } from './support/parquet-craft.js'
import { tmpDir } from './support/tmp.js'

/** 16M rows of one dictionary value in a few hundred bytes: a minute of output. */
function manyRows(): Buffer {
  const rows = 1 << 20
  const data = [1, ...varint(rows * 2), 0] // bit width 1, one RLE run of index 0
  const chunk = { pages: [{ type: 2, numValues: 1, body: plainInt64([7]) }, { numValues: rows, encoding: 8, body: Buffer.from(data) }] }
  return craftParquet({ columns: [{ name: 'n', type: T.INT64 }], rowGroups: Array.from({ length: 16 }, () => ({ numRows: rows, chunks: [chunk] })) })
}

function varint(n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}

describe('s3inv cat: Ctrl-C and SIGTERM', async () => {
  const file = path.join(await tmpDir('cat-signals'), 'many.parquet')
  await writeFile(file, manyRows())

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('the first %s stops it with exit status %i', async (signal, status) => {
    const child = spawn(process.execPath, [CLI, 'cat', file], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    let lines = 0
    let sentAt = 0
    child.stderr.on('data', (d) => (stderr += d))
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    child.stdout.on('data', (d: Buffer) => {
      lines += d.toString().split('\n').length - 1
      if (!sentAt && lines > 10_000) {
        sentAt = Date.now()
        child.kill(signal)
      }
    })
    // Ignored, it would print all 16M rows (about a minute) and exit 0.
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    const code = await exited
    clearTimeout(killer)
    expect(code, stderr).toBe(status)
    expect(stderr).toBe('s3inv: interrupted\n')
    expect(Date.now() - sentAt).toBeLessThan(5_000)
    expect(lines).toBeLessThan(16 << 20)
  }, 60_000)
})
