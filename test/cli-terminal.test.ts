/**
 * s3inv at a real terminal (tmux, else `script`): the screen read back must hold every data line whole
 * and in order — no progress bar drawn over rows, no line cut at the screen width, no last frame left
 * behind — while `stats` (which prints only at the end) may show its bar and erases it before the table.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { makeRows, writeInventory, type InventoryFixture } from '../fixtures/generate.js'
import { CLI } from './support/cli.js'
import { inTerminal, terminalTool } from './support/terminal.js'
import { tmpDir } from './support/tmp.js'

const tool = terminalTool()
if (!tool) console.warn('cli-terminal: skipped — neither tmux nor script is installed, so no terminal can be read back')

const BAR = /[█░]/

describe.skipIf(!tool)(`s3inv in a terminal (${tool})`, async () => {
  const root = await tmpDir('cli-term')
  // Long enough (~1-2 s at --concurrency 1) that a bar redrawn every 200 ms would land between the rows.
  const rows = makeRows({ count: 240_000, seed: 3, hardKeys: false, versioned: false })
  const keys = ['intake/a.txt', `intake/${'x'.repeat(150)}/report final (v2).pdf`, 'intake/b/c.csv', 'intake/zz.json']
  for (const [n, i] of [0, 80_000, 160_000, 239_999].entries()) rows[i] = { ...rows[i], key: keys[n] }
  let f: InventoryFixture
  beforeAll(async () => {
    f = await writeInventory({ root, format: 'CSV', rows, filesRows: [60_000] })
  })
  const s3inv = `${process.execPath} ${CLI}`

  it('ls --format keys: every key on screen, whole (a 180-character key included) and in order; a one-line summary after them', async () => {
    const t = (await inTerminal(`${s3inv} ls ${f.manifestPath} --prefix intake/ --format keys --concurrency 1`, { cols: 80 }))!
    expect(t.exitCode).toBe(0)
    expect(t.lines.filter((l) => !l.startsWith('s3inv: '))).toEqual(keys)
    expect(t.lines.at(-1)).toMatch(/^s3inv: done: 4 rows from 4\/4 files/)
    expect(t.lines.join('\n')).not.toMatch(BAR)
  })

  it('ls with stdout redirected to a file: the bar may show on the terminal, and is gone at the end; the file has every row', async () => {
    const out = path.join(root, 'keys.txt')
    const t = (await inTerminal(`${s3inv} ls ${f.manifestPath} --format keys --concurrency 1 > ${out}`, { cols: 80 }))!
    expect(t.exitCode).toBe(0)
    expect(t.lines.join('\n')).not.toMatch(BAR)
    expect(t.lines.at(-1)).toMatch(/^s3inv: done: 240,000 rows from 4\/4 files/)
    const written = (await readFile(out, 'utf8')).split('\n')
    expect(written.length).toBe(rows.length + 1)
    expect(written.slice(0, 3)).toEqual(rows.slice(0, 3).map((r) => r.key))
  })

  it('stats: the table is intact, every line whole, with no bar left above or in it', async () => {
    const t = (await inTerminal(`${s3inv} stats ${f.manifestPath} --by storage-class --concurrency 1`, { cols: 80 }))!
    expect(t.exitCode).toBe(0)
    const at = t.lines.findIndex((l) => l.startsWith('STORAGE CLASS'))
    expect(at).toBeGreaterThan(0)
    const table = t.lines.slice(at)
    expect(table[0]).toMatch(/^STORAGE CLASS\s+OBJECTS\s+BYTES\s+MIN\s+AVG\s+MAX$/)
    expect(table.at(-1)).toMatch(/^TOTAL\s+240,000\s/)
    const classes = new Set(rows.map((r) => r.storageClass ?? '(none)'))
    expect(table.slice(1, -1).map((l) => l.split(/\s{2,}/)[0]).sort()).toEqual([...classes].sort())
    expect(new Set(table.map((l) => l.length)).size).toBe(1) // aligned: nothing cut or shifted
    expect(t.lines.join('\n')).not.toMatch(BAR)
    expect(t.lines.slice(0, at).filter((l) => l !== '').every((l) => l.startsWith('s3inv: '))).toBe(true)
  })

  it('diff --format keys: the changed keys on screen whole, no bar drawn over them', async () => {
    // The older delivery lacks the four intake/ keys: they are the changes.
    const older = await writeInventory({ root: await tmpDir('cli-term-older'), format: 'CSV', rows: rows.filter((r) => !keys.includes(r.key)), filesRows: [60_000] })
    const t = (await inTerminal(`${s3inv} diff ${older.manifestPath} ${f.manifestPath} --format keys --concurrency 1`, { cols: 80 }))!
    expect(t.exitCode).toBe(0)
    expect(t.lines.filter((l) => l !== '' && !l.startsWith('s3inv: ')).sort()).toEqual([...keys].sort())
    expect(t.lines.join('\n')).not.toMatch(BAR)
  })
})
