/**
 * CSV.gz bytes → scanned batches (text + field offsets), on a worker thread when the machine has a
 * core to spare, else in-process. The worker does MD5, gunzip and scanning; the caller's thread only
 * builds rows. Only text and an Int32Array cross the thread boundary — never row objects, whose
 * structured cloning costs more than building them (measured: docs/performance.md).
 *
 * Flow control: at most WINDOW compressed chunks are in the worker and not yet consumed by the
 * reader; a reader that stops pulling stops the feeding, then the network read.
 */
import { isAscii } from 'node:buffer'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { gunzip } from '../codecs/gzip.js'
import { S3InventoryError, type ErrorCode } from '../errors.js'
import type { ObjectRef } from '../sources/source.js'
import { verified, type Expected } from '../sources/verify.js'
import { valueParsers } from '../schema/values.js'
import {
  createColumnExtractor,
  createCsvScanner,
  isScanFailure,
  isValueFailure,
  scanFailureToError,
  type ColumnarBatch,
  type ColumnSpec,
  type ScanBatch,
} from './csv.js'

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
  const scanner = createCsvScanner(o.fieldCount, o.maxRecordLength ?? MAX_RECORD, isAscii)
  const extract = createColumnExtractor(o.fieldCount, o.spec, valueParsers())
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
  if (isScanFailure(err)) return scanFailureToError(err, ref)
  if (isValueFailure(err)) {
    return new S3InventoryError(err.code, `cannot read ${err.column}`, { bucket: ref.bucket, key: ref.key, row: err.row, column: err.column, expected: err.expected, actual: err.actual })
  }
  return err
}

// ---------------------------------------------------------------------------------------------
// Worker side. Self-contained: its source text is evaluated in the worker.

type ToWorker =
  | { type: 'open'; id: number; fieldCount: number; spec: ColumnSpec[]; maxRecord: number; md5?: string; size?: number }
  | { type: 'data'; id: number; chunk: Uint8Array }
  | { type: 'end'; id: number }
  | { type: 'close'; id: number }

type FromWorker =
  | { type: 'batch'; id: number; batch: ColumnarBatch }
  | { type: 'ack'; id: number }
  | { type: 'done'; id: number }
  | { type: 'error'; id: number; code: string; message: string; expected?: string; actual?: string; row?: number; column?: string; offset?: number }

interface WorkerDeps {
  threads: typeof import('node:worker_threads')
  zlib: typeof import('node:zlib')
  crypto: typeof import('node:crypto')
  buffer: typeof import('node:buffer')
}

interface WorkerCode {
  createCsvScanner: typeof createCsvScanner
  createColumnExtractor: typeof createColumnExtractor
  valueParsers: typeof valueParsers
}

function workerMain(code: WorkerCode, deps: WorkerDeps): void {
  const { zlib, crypto } = deps
  const { parentPort } = deps.threads
  const ascii = deps.buffer.isAscii
  const parsers = code.valueParsers()
  interface FileState {
    gz: import('node:zlib').Gunzip
    hash?: import('node:crypto').Hash
    md5?: string
    size?: number
    bytes: number
    failed: boolean
  }
  const files = new Map<number, FileState>()
  const port = parentPort!
  const post = (m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer)
  const failFile = (id: number, f: FileState, e: Omit<Extract<FromWorker, { type: 'error' }>, 'type' | 'id'>) => {
    if (f.failed) return
    f.failed = true
    f.gz.destroy()
    post({ type: 'error', id, ...e })
  }
  port.on('message', (m: ToWorker) => {
    if (m.type === 'open') {
      const gz = zlib.createGunzip({ chunkSize: 256 * 1024 })
      const scanner = code.createCsvScanner(m.fieldCount, m.maxRecord, ascii)
      const extract = code.createColumnExtractor(m.fieldCount, m.spec, parsers)
      const f: FileState = { gz, hash: m.md5 ? crypto.createHash('md5') : undefined, md5: m.md5, size: m.size, bytes: 0, failed: false }
      files.set(m.id, f)
      const send = (scanned: ReturnType<typeof scanner.push>) => {
        if (!scanned) return
        const batch = extract(scanned)
        batch.text = undefined // decoded again on the other side from the transferred bytes
        post({ type: 'batch', id: m.id, batch }, [batch.bytes.buffer as ArrayBuffer, ...batch.cols.map((a) => a.buffer as ArrayBuffer)])
      }
      const guard = (fn: () => void) => {
        try {
          fn()
        } catch (e) {
          const s = e as { scanFailure?: boolean; valueFailure?: boolean; code?: string; column?: string; message: string; expected?: string; actual?: string; row?: number }
          if (s.scanFailure) failFile(m.id, f, { code: 'CSV_MALFORMED', message: s.message, expected: s.expected, actual: s.actual, row: s.row })
          else if (s.valueFailure) failFile(m.id, f, { code: s.code!, message: `cannot read ${s.column}`, expected: s.expected, actual: s.actual, row: s.row, column: s.column })
          else failFile(m.id, f, { code: 'INTERNAL', message: String((e as Error)?.stack ?? e) })
        }
      }
      gz.on('data', (d: Buffer) => guard(() => send(scanner.push(d))))
      gz.on('error', (e: Error & { code?: string }) => {
        const truncated = e.code === 'Z_BUF_ERROR'
        failFile(m.id, f, {
          code: 'GZIP_CORRUPT',
          message: truncated ? 'gzip data ends early (truncated file)' : `invalid gzip data (${e.message})`,
          expected: truncated ? 'a complete gzip stream' : 'gzip data',
          offset: gz.bytesWritten,
        })
      })
      gz.on('end', () =>
        guard(() => {
          send(scanner.end())
          if (f.failed) return
          // Integrity before 'done': the reader holds the last batch until then.
          if (f.size !== undefined && f.bytes !== f.size) {
            return failFile(m.id, f, { code: 'DATA_SIZE_MISMATCH', message: 'data file size differs from the manifest', expected: `${f.size} bytes`, actual: `${f.bytes} bytes` })
          }
          const md5 = f.hash?.digest('hex')
          if (f.md5 && md5 !== f.md5) {
            return failFile(m.id, f, { code: 'DATA_CHECKSUM_MISMATCH', message: 'data file bytes do not match the manifest MD5', expected: f.md5, actual: md5 })
          }
          files.delete(m.id)
          post({ type: 'done', id: m.id })
        }),
      )
      return
    }
    const f = files.get(m.id)
    if (!f) return
    if (m.type === 'data') {
      if (f.failed) return
      f.bytes += m.chunk.length
      if (f.size !== undefined && f.bytes > f.size) {
        return failFile(m.id, f, { code: 'DATA_SIZE_MISMATCH', message: 'data file size differs from the manifest', expected: `${f.size} bytes`, actual: `more than ${f.size} bytes` })
      }
      f.hash?.update(m.chunk)
      f.gz.write(m.chunk, () => post({ type: 'ack', id: m.id }))
    } else if (m.type === 'end') {
      if (!f.failed) f.gz.end()
    } else if (m.type === 'close') {
      f.failed = true
      f.gz.destroy()
      files.delete(m.id)
    }
  })
}

// ---------------------------------------------------------------------------------------------
// Caller side: a small shared pool; each file is a channel multiplexed over one worker.

interface Channel {
  id: number
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

function workerCount(): number {
  return Math.max(1, Math.min(2, availableParallelism() - 1))
}

function spawn(): PoolWorker {
  // __name: the helper esbuild-based toolchains (tsx, vitest) insert when keeping function names.
  // Modules are passed in because bundlers rewrite `require` inside functions.
  // The worker may run the code as CommonJS or, when the process was started with
  // --input-type=module, as ESM: process.getBuiltinModule works in both.
  const deps = `{ threads: load('node:worker_threads'), zlib: load('node:zlib'), crypto: load('node:crypto'), buffer: load('node:buffer') }`
  const code = `{ createCsvScanner: ${createCsvScanner}, createColumnExtractor: ${createColumnExtractor}, valueParsers: ${valueParsers} }`
  const source = `'use strict';\nvar __name = (f) => f;\nconst load = typeof require === 'function' ? require : process.getBuiltinModule;\n(${workerMain})(${code}, ${deps});`
  const worker = new Worker(source, { eval: true })
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
      ch.failure ??= new S3InventoryError('S3_ERROR', `CSV worker thread failed: ${(err as Error)?.message ?? err}`, { cause: err })
      ch.wake?.()
    }
    w.channels.clear()
  }
  worker.on('error', die)
  worker.on('exit', (code) => die(new Error(`exited with code ${code}`)))
  return w
}

function acquire(): { w: PoolWorker; ch: Channel } {
  pool ??= []
  if (pool.length < workerCount()) pool.push(spawn())
  const w = pool.reduce((a, b) => (b.channels.size < a.channels.size ? b : a))
  const ch: Channel = { id: nextId++, queue: [] }
  if (w.channels.size === 0) w.worker.ref() // keep the process alive while a file is being decoded
  w.channels.set(ch.id, ch)
  return { w, ch }
}

function release(w: PoolWorker, ch: Channel): void {
  if (!w.channels.delete(ch.id)) return
  w.worker.postMessage({ type: 'close', id: ch.id } satisfies ToWorker)
  if (w.channels.size === 0) w.worker.unref()
}

async function* decodeInWorker(open: OpenBytes, ref: ObjectRef, o: DecodeOptions): AsyncGenerator<ColumnarBatch> {
  const { w, ch } = acquire()
  const send = (m: ToWorker, transfer?: ArrayBuffer[]) => w.worker.postMessage(m, transfer)
  send({ type: 'open', id: ch.id, fieldCount: o.fieldCount, spec: o.spec, maxRecord: o.maxRecordLength ?? MAX_RECORD, md5: o.expected?.md5, size: o.expected?.size })

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
    let held: ColumnarBatch | undefined
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
      } else if (m.type === 'batch') {
        if (held) yield held
        held = m.batch
      } else if (m.type === 'done') {
        if (held) yield held
        return
      } else if (m.type === 'error') {
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
    }
  } finally {
    o.signal.removeEventListener('abort', onAbort)
    stop.abort()
    creditWake?.()
    release(w, ch)
    await feeder
  }
}
