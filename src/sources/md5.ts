/**
 * The MD5 of a local file, read and hashed on a helper thread. Hashing every byte was a quarter of a
 * verified `stats` over Parquet, on the thread that decodes, while the second core was mostly idle;
 * the helper reads the file itself, so no byte is copied between threads and the reader fetches only
 * what it decodes. Parquet and ORC use it (ByteSource.md5). CSV.gz and S3 objects are hashed as their
 * bytes stream past (verify.ts): those bytes go through the caller's thread anyway, and for CSV.gz the
 * helper measured no faster (docs/performance.md).
 */
import { Worker } from 'node:worker_threads'
import { S3InventoryError } from '../errors.js'

/** Files from this size on are hashed off-thread; smaller ones are not worth a message round trip. */
export const OFF_THREAD_BYTES = 8 * 1024 * 1024

// A plain CommonJS string (not serialized function source, which bundlers rewrite): it needs only Node.
// It reads with readSync in 1 MiB steps and looks at the cancel flag between them.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const { readSync } = require('node:fs')
const buf = Buffer.allocUnsafe(1 << 20)
parentPort.on('message', ({ id, fd, size, cancel }) => {
  try {
    const hash = createHash('md5')
    let at = 0
    while (at < size) {
      if (Atomics.load(cancel, 0) !== 0) return parentPort.postMessage({ id, cancelled: true })
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - at), at)
      if (n === 0) break
      hash.update(n === buf.length ? buf : buf.subarray(0, n))
      at += n
    }
    parentPort.postMessage({ id, hex: hash.digest('hex'), size: at })
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message || err) })
  }
})`

interface Reply {
  id: number
  hex?: string
  size?: number
  cancelled?: boolean
  error?: string
}

let thread: { worker: Worker; open: Map<number, (r: Reply) => void> } | undefined
let nextId = 1

function hashThread() {
  if (thread) return thread
  const worker = new Worker(WORKER_SOURCE, { eval: true })
  const t = { worker, open: new Map<number, (r: Reply) => void>() }
  worker.unref()
  worker.on('message', (m: Reply) => t.open.get(m.id)?.(m))
  const die = (err: unknown) => {
    if (thread === t) thread = undefined
    for (const [id, reply] of t.open) reply({ id, error: String((err as Error)?.message ?? err) })
  }
  worker.on('error', die)
  worker.on('exit', (code) => die(new Error(`the MD5 thread exited with code ${code}`)))
  thread = t
  return t
}

/**
 * The hex MD5 of bytes [0, size) of the open file `fd` (which must stay open until this settles)
 * and how many bytes it had. An abort stops the read at the next MiB and rejects with the reason.
 */
export function md5OfFile(fd: number, size: number, file: string, signal?: AbortSignal): Promise<{ md5: string; size: number }> {
  const t = hashThread()
  const id = nextId++
  const cancel = new Int32Array(new SharedArrayBuffer(4))
  return new Promise((resolve, reject) => {
    const onAbort = () => Atomics.store(cancel, 0, 1)
    signal?.addEventListener('abort', onAbort, { once: true })
    if (signal?.aborted) onAbort()
    if (t.open.size === 0) t.worker.ref() // a reply is awaited: keep the process alive for it
    t.open.set(id, (r) => {
      t.open.delete(id)
      if (t.open.size === 0) t.worker.unref()
      signal?.removeEventListener('abort', onAbort)
      if (r.hex !== undefined) resolve({ md5: r.hex, size: r.size! })
      else if (r.cancelled) reject(signal!.reason)
      else reject(new S3InventoryError('IO_ERROR', 'cannot read the file to check its MD5', { key: file, actual: r.error }))
    })
    t.worker.postMessage({ id, fd, size, cancel })
  })
}
