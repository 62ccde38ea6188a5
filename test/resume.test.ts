/**
 * Restartable jobs: a run persists its cursor every N rows and is killed (aborted) mid-way; a new run
 * with `startAfter: <last persisted cursor>` yields exactly the rows after it. The rows of run 1 up to
 * its checkpoint, followed by run 2, equal a clean run: nothing lost, nothing duplicated.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { makeRows, writeInventory, type InventoryFixture } from '../fixtures/generate.js'
import { cursorOf, formatCursor, readInventory, type InventoryRow } from '../src/index.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { collect, tmpDir } from './support/tmp.js'

const id = (r: InventoryRow) => `${r.key}\u0000${r.versionId ?? ''}`

describe('checkpoint and resume', async () => {
  const root = await tmpDir('resume')
  const rows = makeRows({ count: 6000, seed: 31 })
  const fixtures: Record<string, InventoryFixture> = {}
  const client = s3Client()
  let bucket = ''

  beforeAll(async () => {
    bucket = await freshBucket(client, 'resume')
    for (const format of ['CSV', 'Parquet', 'ORC'] as const) {
      fixtures[format] = await writeInventory({ root, format, rows, filesRows: [1000, 1500, 0, 2000], rowGroupSize: 400, orc: { stripeRows: 400 } })
      await putObjects(client, bucket, fixtures[format].objects)
    }
  })

  for (const format of ['CSV', 'Parquet', 'ORC'] as const) {
    it(`${format}: killed at various points, resumed from the last checkpoint, equals a clean run`, async () => {
      const location = { bucket, key: fixtures[format].manifestKey }
      const clean = (await collect(readInventory(location, { client }))).map(id)
      expect(clean).toEqual(rows.map(id))
      const every = 250
      for (const killAt of [1, 249, 250, 999, 1000, 1001, 2499, 2500, 3777, 5999]) {
        // Run 1: checkpoint every `every` rows (after processing the row), abort at killAt.
        const ac = new AbortController()
        const done: string[] = []
        let checkpoint: string | undefined
        let checkpointed = 0
        const err = await (async () => {
          for await (const row of readInventory(location, { client, signal: ac.signal, concurrency: 2 })) {
            done.push(id(row))
            if (done.length % every === 0) {
              checkpoint = formatCursor(cursorOf(row)!)
              checkpointed = done.length
            }
            if (done.length === killAt) ac.abort()
          }
        })().catch((e) => e)
        expect(err?.name, `killAt ${killAt}`).toBe('AbortError')
        // Run 2: from the checkpoint (or from the start when none was written).
        const rest = (await collect(readInventory(location, { client, startAfter: checkpoint }))).map(id)
        expect([...done.slice(0, checkpointed), ...rest], `killAt ${killAt}`).toEqual(clean)
      }
    })
  }
})
