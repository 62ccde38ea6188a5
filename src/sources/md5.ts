/**
 * The MD5 of a local file, read and hashed on a helper thread. Hashing every byte was a quarter of a
 * verified `stats` over Parquet, on the thread that decodes, while the second core was mostly idle;
 * the helper reads the file itself, so no byte is copied between threads and the reader fetches only
 * what it decodes. Parquet and ORC use it (ByteSource.md5). CSV.gz and S3 objects are hashed as their
 * bytes stream past (verify.ts): those bytes go through the caller's thread anyway, and for CSV.gz the
 * helper measured no faster (docs/performance.md).
 */
import { createHash } from 'node:crypto'
import { read } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { S3InventoryError } from '../errors.js'

/** Files from this size on are hashed off-thread; smaller ones are not worth a message round trip. */
export const OFF_THREAD_BYTES = 8 * 1024 * 1024

// A plain CommonJS string (not serialized function source, which bundlers rewrite): it needs only Node.
// Files are hashed round robin, 1 MiB of each in turn, so a large file does not hold a small one back;
// a request's state word says whether it was withdrawn before it started (its fd is then never read)
// or stopped while running (looked at before each read).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const { readSync } = require('node:fs')
const buf = Buffer.allocUnsafe(1 << 20)
const jobs = []
let running = false
parentPort.on('message', (m) => {
  jobs.push({ id: m.id, fd: m.fd, size: m.size, state: m.state, hash: null, at: 0 })
  if (!running) {
    running = true
    setImmediate(step)
  }
})
function step() {
  for (let i = 0; i < jobs.length; i++) {
    const j = jobs[i]
    let reply
    try {
      if (j.hash === null) {
        if (Atomics.compareExchange(j.state, 0, 0, 1) !== 0) reply = { id: j.id, cancelled: true }
        else j.hash = createHash('md5')
      }
      if (!reply && Atomics.load(j.state, 1) !== 0) reply = { id: j.id, cancelled: true }
      if (!reply) {
        const n = j.at < j.size ? readSync(j.fd, buf, 0, Math.min(buf.length, j.size - j.at), j.at) : 0
        if (n > 0) {
          j.hash.update(n === buf.length ? buf : buf.subarray(0, n))
          j.at += n
        }
        if (n === 0 || j.at >= j.size) reply = { id: j.id, hex: j.hash.digest('hex'), size: j.at }
      }
    } catch (err) {
      reply = { id: j.id, error: String((err && err.message) || err), at: j.at }
    }
    if (reply) {
      parentPort.postMessage(reply)
      jobs.splice(i--, 1)
    }
  }
  if (jobs.length > 0) setImmediate(step)
  else running = false
}`

interface Reply {
  id: number
  hex?: string
  size?: number
  cancelled?: boolean
  error?: string
  /** Where the failed read was. */
  at?: number
  /** The thread itself failed (not this file): hash in-process instead. */
  threadFailed?: boolean
}

let thread: { worker: Worker; open: Map<number, (r: Reply) => void> } | undefined
/** Set when a thread cannot be created at all (say, Node's permission model without --allow-worker). */
let noThreads = false
let nextId = 1

function hashThread() {
  if (thread || noThreads) return thread
  let worker: Worker
  try {
    worker = new Worker(WORKER_SOURCE, { eval: true })
  } catch {
    noThreads = true
    return undefined
  }
  const t = { worker, open: new Map<number, (r: Reply) => void>() }
  worker.unref()
  worker.on('message', (m: Reply) => t.open.get(m.id)?.(m))
  const die = () => {
    if (thread === t) thread = undefined
    for (const [id, reply] of t.open) reply({ id, threadFailed: true })
  }
  worker.on('error', die)
  worker.on('exit', die)
  thread = t
  return t
}

/**
 * The hex MD5 of bytes [0, size) of the open file `fd` (which must stay open until this settles)
 * and how many bytes it had. An abort rejects with its reason: at once if the helper had not started
 * on this file (it then never reads the fd), else at its next MiB. Where no helper thread can run,
 * or it fails, the file is hashed on this thread instead.
 */
export function md5OfFile(fd: number, size: number, file: string, signal?: AbortSignal): Promise<{ md5: string; size: number }> {
  const t = hashThread()
  if (!t) return md5InProcess(fd, size, file, signal)
  const id = nextId++
  // [0]: 0 queued, 1 started (by the helper), 2 withdrawn (by an abort before it started); [1]: stop.
  const state = new Int32Array(new SharedArrayBuffer(8))
  return new Promise((resolve, reject) => {
    const settle = (r: Reply) => {
      if (!t.open.delete(id)) return
      if (t.open.size === 0) t.worker.unref()
      signal?.removeEventListener('abort', onAbort)
      if (r.hex !== undefined) resolve({ md5: r.hex, size: r.size! })
      else if (r.cancelled) reject(signal!.reason)
      else if (r.threadFailed) md5InProcess(fd, size, file, signal).then(resolve, reject)
      else reject(readFailed(file, r.error, r.at))
    }
    const onAbort = () => {
      if (Atomics.compareExchange(state, 0, 0, 2) === 0) settle({ id, cancelled: true })
      else Atomics.store(state, 1, 1)
    }
    if (t.open.size === 0) t.worker.ref() // a reply is awaited: keep the process alive for it
    t.open.set(id, settle)
    signal?.addEventListener('abort', onAbort, { once: true })
    if (signal?.aborted) onAbort()
    else t.worker.postMessage({ id, fd, size, state })
  })
}

const readAt = (fd: number, buf: Buffer, n: number, at: number) =>
  new Promise<number>((resolve, reject) => read(fd, buf, 0, n, at, (err, bytes) => (err ? reject(err) : resolve(bytes))))

/** md5OfFile on this thread (no helper thread available). */
async function md5InProcess(fd: number, size: number, file: string, signal?: AbortSignal): Promise<{ md5: string; size: number }> {
  const hash = createHash('md5')
  const buf = Buffer.allocUnsafe(Math.min(size, 1 << 20))
  let at = 0
  try {
    while (at < size) {
      signal?.throwIfAborted()
      const n = await readAt(fd, buf, Math.min(buf.length, size - at), at)
      if (n === 0) break
      hash.update(buf.subarray(0, n))
      at += n
    }
  } catch (err) {
    if (signal?.aborted) throw signal.reason
    throw readFailed(file, (err as Error)?.message ?? String(err), at)
  }
  return { md5: hash.digest('hex'), size: at }
}

/** The one error of a read for the hash (on either thread): the file, the byte offset, and the system's words. */
function readFailed(file: string, actual: string | undefined, offset: number | undefined): S3InventoryError {
  return new S3InventoryError('IO_ERROR', 'cannot read the file to check its MD5', { key: file, offset, expected: 'a readable regular file', actual })
}
