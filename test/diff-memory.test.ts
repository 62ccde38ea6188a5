/**
 * Bounded memory: 2 × 1,000,000 rows diffed in one partition's worth of 32 MiB (the partitions are
 * split again until each fits) stays under the RSS docs/diff.md documents, and finds exactly what a
 * diff with room for everything finds, in the same order. Each diff runs in a child process so its
 * peak RSS is its own. Needs dist/ (npm test builds it).
 */
import { execFile } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeLargePair, type LargePair } from './support/diff-pairs.js'
import { tmpDir } from './support/tmp.js'

const run = promisify(execFile)
/** docs/diff.md: peak RSS of a 2 × 1M-row diff at memoryMB 32. */
const RSS_LIMIT_MB = 260

async function diffInChild(pair: LargePair, options: object) {
  const { stdout } = await run(process.execPath, [path.resolve('test/support/diff-child.mjs'), pair.older, pair.newer, JSON.stringify(options)], { maxBuffer: 1 << 26 })
  return JSON.parse(stdout) as { changes: number; hash: string; summary: { total: Record<string, { count: number }>; partitionsSplit: number }; rssMB: number }
}

describe('diffInventories in bounded memory', async () => {
  const root = await tmpDir('diff-mem')
  const temp = await tmpDir('diff-mem-tmp')
  let pair: LargePair
  beforeAll(async () => {
    pair = await writeLargePair(root, 1_000_000, 4)
  }, 120_000)

  it('2 × 1M rows at memoryMB 32: under the documented RSS, the same changes as with room for everything', { timeout: 180_000 }, async () => {
    const [small, large] = await Promise.all([diffInChild(pair, { memoryMB: 32, partitions: 1, tmpDir: temp }), diffInChild(pair, { memoryMB: 4096, partitions: 1, tmpDir: temp })])
    expect(small.summary.total.added.count).toBe(pair.expected.added)
    expect(small.summary.total.removed.count).toBe(pair.expected.removed)
    expect(small.summary.total.changed.count).toBe(pair.expected.changed)
    expect(small.summary.partitionsSplit).toBeGreaterThan(0)
    expect(large.summary.partitionsSplit).toBe(0)
    expect(small.hash).toBe(large.hash)
    expect(small.changes).toBe(large.changes)
    expect(small.rssMB).toBeLessThan(RSS_LIMIT_MB)
    // The budget is what bounds it: everything in one partition takes far more.
    expect(large.rssMB).toBeGreaterThan(small.rssMB + 100)
    expect(await readdir(temp)).toEqual([])
    console.log(`RSS: ${small.rssMB.toFixed(0)} MB at memoryMB 32, ${large.rssMB.toFixed(0)} MB in one partition`)
  })
})
