/**
 * CSV.gz bytes → columnar batches, in-process or on a worker thread (formats/csv-worker.ts). The worker
 * does MD5, gunzip, scanning and the dictionary columns; the bytes, field offsets and ids come back
 * (transferred), and the caller extracts the other columns and builds rows — never row objects cross,
 * their structured cloning costs more than building them. For summaries the worker does everything
 * and only the totals come back (aggregateCsvGz).
 *
 * Flow control: at most WINDOW compressed chunks are in the worker and not yet consumed by the
 * reader; a reader that stops pulling stops the feeding, then the network read.
 */
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { gunzip } from '../codecs/gzip.js'
import { S3InventoryError, type ErrorCode } from '../errors.js'
import type { ObjectRef } from '../sources/source.js'
import { verified, type Expected } from '../sources/verify.js'
import {
  createColumnExtractor,
  createCsvScanner,
  decodeText,
  failureFields,
  type ColumnarBatch,
  type ColumnSpec,
} from './csv.js'
import type { AggregateSpec, FromWorker, ToWorker } from './csv-worker-protocol.js'
import type { CompiledFilter } from '../filter.js'
import type { PartialSummary } from '../summarize.js'

export interface DecodeOptions {
  fieldCount: number
  /** The columns to extract. */
  spec: ColumnSpec[]
  /** Check MD5/size of the compressed bytes. */
  expected?: Expected
  signal: AbortSignal
  /** Use a worker thread. Default false: measured slower for row output (docs/performance.md). */
  workers?: boolean
  maxRecordLength?: number
  /** Evaluated during extraction (in-process): the other columns are extracted only for records that pass. */
  filter?: CompiledFilter
  /** Records before this index are skipped by the reader: the filter does not look at them. Default 0. */
  startRow?: number
}

const MAX_RECORD = 8 * 1024 * 1024
/** Compressed chunks in flight per file (each ≤ 256 KiB from local disk, ~16–64 KiB from S3). */
const WINDOW = 4

/** `open(signal)` starts the byte stream; aborting `signal` must end it (and its network read). */
export type OpenBytes = (signal: AbortSignal) => AsyncIterable<Uint8Array>

export function decodeCsvGz(open: OpenBytes, ref: ObjectRef, o: DecodeOptions): AsyncGenerator<ColumnarBatch> {
  const useWorker = o.workers ?? false
  return useWorker ? decodeInWorker(open, ref, o) : decodeInProcess(open(o.signal), ref, o)
}

async function* decodeInProcess(bytes: AsyncIterable<Uint8Array>, ref: ObjectRef, o: DecodeOptions): AsyncGenerator<ColumnarBatch> {
  const checked = o.expected ? verified(bytes, o.expected, ref) : bytes
  const scanner = createCsvScanner(o.fieldCount, o.maxRecordLength ?? MAX_RECORD)
  const extract = createColumnExtractor(o.fieldCount, o.spec, undefined, o.filter, o.startRow)
  try {
    // The last batch is held until the file ends cleanly (MD5 verified, gzip complete).
    let held: ColumnarBatch | undefined
    for await (const chunk of gunzip(checked, ref)) {
      const batch = scanner.push(chunk)
      if (!batch) continue
      if (held) yield held
      held = extract(batch)
    }
    const tail = scanner.end()
    if (held) yield held
    if (tail) yield extract(tail)
  } catch (err) {
    throw failureToError(err, ref)
  }
}

function failureToError(err: unknown, ref: ObjectRef): unknown {
  const f = failureFields(err)
  return f ? new S3InventoryError(f.code, f.message, { bucket: ref.bucket, key: ref.key, row: f.row, column: f.column, expected: f.expected, actual: f.actual }) : err
}

// ---------------------------------------------------------------------------------------------
// Caller side: a small shared pool; each file is a channel multiplexed over one worker.

interface Channel {
  id: number
  /** The file this channel decodes, named in errors. */
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

/** Worker threads to use: one per core beyond the caller's, at least one, at most `max`. */
function workerCount(max = 2): number {
  return Math.max(1, Math.min(max, availableParallelism() - 1))
}

/**
 * The worker's module: next to this file once built (dist/csv-worker.cjs), or the TypeScript source
 * when running from src/ under tsx or vitest (then the worker loads it through tsx's require hook).
 * The CommonJS build, also from the ESM build: a worker inherits the process's flags, and an ES
 * module entry fails to load under `--input-type=module` (as in `node --input-type=module -e …`).
 */
function workerSource(): { code: string | URL; eval?: boolean } {
  const js = new URL('./csv-worker.cjs', import.meta.url)
  if (existsSync(fileURLToPath(js))) return { code: js }
  const ts = new URL('./csv-worker.ts', import.meta.url)
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
      ch.failure ??= new S3InventoryError('INTERNAL', `CSV worker thread failed: ${(err as Error)?.message ?? err}`, { bucket: ch.ref.bucket, key: ch.ref.key, cause: err })
      ch.wake?.()
    }
    w.channels.clear()
  }
  worker.on('error', die)
  worker.on('exit', (code) => die(new Error(`exited with code ${code}`)))
  return w
}

function acquire(threads: number, ref: ObjectRef): { w: PoolWorker; ch: Channel } {
  pool ??= []
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
 * One file through a worker: feeds the bytes (with flow control) and yields the worker's batch, done
 * and error messages; acks are handled here (`onRows` hears how many records were scanned).
 */
async function* viaWorker(
  open: OpenBytes,
  ref: ObjectRef,
  o: DecodeOptions,
  aggregate?: AggregateSpec,
  onRows?: (n: number) => void,
): AsyncGenerator<Exclude<FromWorker, { type: 'ack' }>> {
  // Rows are built on the caller's thread, so it keeps a core; summaries leave it nearly idle.
  const { w, ch } = acquire(aggregate ? Math.max(1, Math.min(4, availableParallelism())) : workerCount(), ref)
  const send = (m: ToWorker, transfer?: ArrayBuffer[]) => w.worker.postMessage(m, transfer)
  send({ type: 'open', id: ch.id, fieldCount: o.fieldCount, spec: o.spec, maxRecord: o.maxRecordLength ?? MAX_RECORD, md5: o.expected?.md5, size: o.expected?.size, aggregate })

  // Stop the feeder (and its network read) when this generator ends for any reason.
  const stop = new AbortController()
  const onAbort = () => {
    stop.abort(o.signal.reason)
    ch.failure ??= o.signal.reason
    ch.wake?.()
  }
  if (o.signal.aborted) onAbort()
  else o.signal.addEventListener('abort', onAbort, { once: true })
  let credit = WINDOW
  let creditWake: (() => void) | undefined
  const feeder = (async () => {
    const it = open(stop.signal)[Symbol.asyncIterator]()
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
      if (!stop.signal.aborted || o.signal.aborted) ch.failure ??= o.signal.aborted ? o.signal.reason : err
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
        continue
      }
      if (m.type === 'error') {
        throw new S3InventoryError(m.code as ErrorCode, m.message, {
          bucket: ref.bucket,
          key: ref.key,
          row: m.row,
          column: m.column,
          offset: m.offset,
          expected: m.expected,
          actual: m.actual,
        })
      }
      if (m.type === 'done' && m.rows) onRows?.(m.rows)
      yield m
      if (m.type === 'done') return
    }
  } finally {
    o.signal.removeEventListener('abort', onAbort)
    stop.abort()
    creditWake?.()
    release(w, ch)
    await feeder
  }
}

async function* decodeInWorker(open: OpenBytes, ref: ObjectRef, o: DecodeOptions): AsyncGenerator<ColumnarBatch> {
  // The worker extracted the dictionary columns; the others are extracted here.
  const extract = createColumnExtractor(o.fieldCount, o.spec, (kind) => kind !== 'dict')
  let held: ColumnarBatch | undefined
  try {
    for await (const m of viaWorker(open, ref, o)) {
      if (m.type === 'scanned') {
        if (held) yield held
        m.batch.text = decodeText(m.batch)
        held = extract(m.batch)
        for (let j = 0; j < o.spec.length; j++) {
          if (o.spec[j].kind !== 'dict') continue
          held.cols[j] = m.dicts.cols[j]
          held.dictAdds[j] = m.dicts.dictAdds[j]
          held.dictResets[j] = m.dicts.dictResets[j]
        }
      } else if (m.type === 'done' && held) yield held
    }
  } catch (err) {
    throw failureToError(err, ref)
  }
}

/** One CSV.gz file aggregated on a worker thread: only its partial summary comes back. */
export async function aggregateCsvGz(open: OpenBytes, ref: ObjectRef, o: DecodeOptions, aggregate: AggregateSpec, onRows?: (n: number) => void): Promise<PartialSummary> {
  for await (const m of viaWorker(open, ref, o, aggregate, onRows)) {
    if (m.type === 'done') {
      if (!m.summary) throw new S3InventoryError('INTERNAL', 'CSV worker sent no summary', { bucket: ref.bucket, key: ref.key })
      return m.summary
    }
  }
  throw new S3InventoryError('INTERNAL', 'CSV worker ended without a result', { bucket: ref.bucket, key: ref.key })
}
