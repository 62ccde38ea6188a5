/**
 * CSV summaries on worker threads (worker.ts): the caller's thread reads the bytes (it owns the S3
 * client) and feeds them to a small shared pool; each file is a channel multiplexed over one worker,
 * and only its partial summary comes back. At most WINDOW chunks per file are in the worker and not
 * yet taken by its decoder: a decoder that falls behind stops the feeding, then the network read.
 */
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { errorFromData, S3InventoryError } from '../../errors.js'
import type { RowFilter } from '../../filter.js'
import type { ObjectRef } from '../../sources/source.js'
import type { AggregateSpec, PartialSummaries } from '../../summarize.js'
import type { FileRead } from '../format.js'
import { csvPlan } from './schema.js'
import type { FromWorker, ToWorker } from './worker-protocol.js'

const WINDOW = 4

interface Channel {
  id: number
  ref: ObjectRef
  queue: FromWorker[]
  wake?: () => void
  failure?: unknown
}

interface PoolWorker {
  worker: Worker
  channels: Map<number, Channel>
}

let pool: PoolWorker[] | undefined
let nextId = 1

/**
 * The worker's module: next to this file once built (dist/csv-worker.cjs), or the TypeScript source
 * when running from src/ under tsx or vitest (then the worker loads it through tsx's require hook).
 * The CommonJS build, also from the ESM build: a worker inherits the process's flags, and an ES
 * module entry fails to load under `--input-type=module` (as in `node --input-type=module -e …`).
 */
function workerSource(): { code: string | URL; eval?: boolean } {
  const js = new URL('./csv-worker.cjs', import.meta.url)
  if (existsSync(fileURLToPath(js))) return { code: js }
  const ts = new URL('./worker.ts', import.meta.url)
  if (existsSync(fileURLToPath(ts))) {
    return { code: `require('tsx/cjs'); require(${JSON.stringify(fileURLToPath(ts))})`, eval: true }
  }
  throw new S3InventoryError('INTERNAL', 'the CSV worker module is missing next to the library (csv-worker.cjs)')
}

function spawn(): PoolWorker {
  const { code, eval: isEval } = workerSource()
  // From src/ (tsx, vitest) the worker is a CommonJS snippet: it must not inherit --input-type=module.
  const execArgv = isEval && process.execArgv.some((a) => a.startsWith('--input-type')) ? process.execArgv.filter((a) => !a.startsWith('--input-type')) : undefined
  const worker = new Worker(code, { eval: isEval, execArgv })
  const w: PoolWorker = { worker, channels: new Map() }
  worker.unref()
  worker.on('message', (m: FromWorker) => {
    const ch = w.channels.get(m.id)
    if (!ch) return
    ch.queue.push(m)
    ch.wake?.()
  })
  const die = (err: unknown) => {
    pool = pool?.filter((p) => p !== w)
    for (const ch of w.channels.values()) {
      ch.failure ??= new S3InventoryError('INTERNAL', `the CSV worker thread failed: ${(err as Error)?.message ?? err}`, { bucket: ch.ref.bucket, key: ch.ref.key, cause: err })
      ch.wake?.()
    }
    w.channels.clear()
  }
  worker.on('error', die)
  worker.on('exit', (code) => die(new Error(`exited with code ${code}`)))
  return w
}

function acquire(ref: ObjectRef): { w: PoolWorker; ch: Channel } {
  pool ??= []
  const threads = Math.max(1, Math.min(4, availableParallelism()))
  // A new thread only when every existing one is busy.
  if (pool.length < threads && pool.every((p) => p.channels.size > 0)) pool.push(spawn())
  const w = pool.reduce((a, b) => (b.channels.size < a.channels.size ? b : a))
  const ch: Channel = { id: nextId++, ref, queue: [] }
  if (w.channels.size === 0) w.worker.ref() // keep the process alive while a file is being decoded
  w.channels.set(ch.id, ch)
  return { w, ch }
}

function release(w: PoolWorker, ch: Channel): void {
  if (!w.channels.delete(ch.id)) return
  w.worker.postMessage({ type: 'close', id: ch.id } satisfies ToWorker)
  if (w.channels.size === 0) w.worker.unref()
}

/**
 * One CSV.gz file summarized on a worker thread. `filter` is the caller's uncompiled filter (it is
 * compiled again on the worker); `onRows` hears how many records were decoded, as they are.
 */
export async function aggregateCsvOnWorker(read: FileRead, filter: RowFilter | undefined, spec: AggregateSpec, onRows?: (n: number) => void): Promise<PartialSummaries> {
  const plan = csvPlan(read) // checked here: an unknown or missing field fails before any byte is read
  const ref = read.source.ref
  const { w, ch } = acquire(ref)
  const send = (m: ToWorker, transfer?: ArrayBuffer[]) => w.worker.postMessage(m, transfer)
  send({ type: 'open', id: ch.id, ref: { bucket: ref.bucket, key: ref.key }, plan, expected: read.expected, filter, startRow: read.startRow, aggregate: spec })

  // Stop the feeder (and its network read) when this call ends for any reason.
  const stop = new AbortController()
  const signal = read.signal
  const onAbort = () => {
    stop.abort(signal.reason)
    ch.failure ??= signal.reason
    ch.wake?.()
  }
  if (signal.aborted) onAbort()
  else signal.addEventListener('abort', onAbort, { once: true })
  let credit = WINDOW
  let creditWake: (() => void) | undefined
  const feeder = (async () => {
    const it = read.source.stream(0, undefined, stop.signal)[Symbol.asyncIterator]()
    try {
      for (;;) {
        while (credit <= 0 && !stop.signal.aborted) await new Promise<void>((r) => (creditWake = r))
        if (stop.signal.aborted) return
        const r = await it.next()
        if (r.done || stop.signal.aborted) break
        credit--
        // A copy we own, so its memory can be transferred (source chunks may share a pool).
        const copy = new Uint8Array(r.value)
        send({ type: 'data', id: ch.id, chunk: copy }, [copy.buffer])
      }
      if (!stop.signal.aborted) send({ type: 'end', id: ch.id })
    } catch (err) {
      if (!stop.signal.aborted || signal.aborted) ch.failure ??= signal.aborted ? signal.reason : err
      ch.wake?.()
    } finally {
      await it.return?.()
    }
  })()

  try {
    for (;;) {
      if (ch.queue.length === 0) {
        if (ch.failure !== undefined) throw ch.failure
        await new Promise<void>((r) => (ch.wake = r))
        ch.wake = undefined
        continue
      }
      const m = ch.queue.shift()!
      if (m.type === 'ack') {
        credit++
        creditWake?.()
        creditWake = undefined
        if (m.rows) onRows?.(m.rows)
      } else if (m.type === 'error') {
        throw errorFromData(m.error)
      } else {
        if (m.rows) onRows?.(m.rows)
        return m.summary
      }
    }
  } finally {
    signal.removeEventListener('abort', onAbort)
    stop.abort()
    creditWake?.()
    release(w, ch)
    await feeder
  }
}
