/**
 * The CSV worker thread: summaries of the files the caller's thread feeds it, through the same
 * decoder as in-process reads (decode.ts). It does no I/O itself (S3 clients and credentials stay
 * with the caller): bytes come in as messages, a partial summary (or an error, as data) goes out.
 */
import { parentPort } from 'node:worker_threads'
import { errorData, S3InventoryError } from '../../errors.js'
import { compileFilter } from '../../filter.js'
import { createAggregator } from '../../summarize.js'
import { csvBatches } from './decode.js'
import { csvRowVisitor } from './rows.js'
import type { FromWorker, OpenFile, ToWorker } from './worker-protocol.js'

interface Channel {
  chunks: Uint8Array[]
  ended: boolean
  closed: boolean
  wake?: () => void
  rows: number
}

const port = parentPort!
const channels = new Map<number, Channel>()
const post = (m: FromWorker) => port.postMessage(m)

/** The bytes the caller sends for one file, as an async iterable; each chunk taken is acknowledged (flow control). */
async function* bytesOf(id: number, ch: Channel): AsyncGenerator<Uint8Array> {
  for (;;) {
    if (ch.closed) return
    const chunk = ch.chunks.shift()
    if (chunk) {
      post({ type: 'ack', id, rows: ch.rows })
      ch.rows = 0
      yield chunk
      continue
    }
    if (ch.ended) return
    await new Promise<void>((r) => (ch.wake = r))
    ch.wake = undefined
  }
}

async function summarizeFile(m: OpenFile, ch: Channel): Promise<void> {
  const file = { bucket: m.ref.bucket, key: m.ref.key, fileIndex: 0, manifestMd5: '' }
  const filter = compileFilter(m.filter)
  const visit = csvRowVisitor({ spec: m.plan.spec, outputs: m.plan.outputs, file, startRow: m.startRow })
  const agg = createAggregator(m.aggregate)
  const add = (row: Parameters<typeof agg.add>[0]) => agg.add(row)
  try {
    // Larger zlib chunks here: each costs a round trip to zlib's thread, and no batch outlives its visit.
    for await (const batch of csvBatches(bytesOf(m.id, ch), m.ref, { plan: m.plan, expected: m.expected, filter, startRow: m.startRow, zlibChunk: 1 << 20 })) {
      ch.rows += batch.count
      visit(batch, add)
    }
    if (!ch.closed) post({ type: 'done', id: m.id, summary: agg.partial(), rows: ch.rows })
  } catch (err) {
    if (ch.closed) return
    const e = err instanceof S3InventoryError ? err : new S3InventoryError('INTERNAL', `the CSV worker failed: ${(err as Error)?.stack ?? String(err)}`, { bucket: m.ref.bucket, key: m.ref.key })
    post({ type: 'error', id: m.id, error: errorData(e) })
  } finally {
    channels.delete(m.id)
  }
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'open') {
    const ch: Channel = { chunks: [], ended: false, closed: false, rows: 0 }
    channels.set(m.id, ch)
    void summarizeFile(m, ch)
    return
  }
  const ch = channels.get(m.id)
  if (!ch) return
  if (m.type === 'data') ch.chunks.push(m.chunk)
  else if (m.type === 'end') ch.ended = true
  else if (m.type === 'close') ch.closed = true
  ch.wake?.()
})
