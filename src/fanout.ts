/**
 * Ordered fan-out: up to `concurrency` files are read at once, each into its own bounded queue, and
 * batches come out in file order. A queue that is full makes its reader wait, which stops its
 * decompressor and then its network read: that is how backpressure reaches the socket.
 */
import { abortError, throwIfAborted } from './errors.js'

export interface FanOutOptions {
  /** Files read at once (the one being consumed plus read-ahead). */
  concurrency: number
  /** Rows a file may buffer before its reader waits. */
  bufferRows: number
  signal?: AbortSignal
  /** Called when file `index` has been fully consumed. */
  onFileDone?: (index: number) => void
}

export type OpenFile<T> = (index: number, signal: AbortSignal) => AsyncIterable<T[]>

export async function* orderedFanOut<T>(count: number, open: OpenFile<T>, options: FanOutOptions): AsyncGenerator<T[]> {
  const concurrency = Math.max(1, Math.floor(options.concurrency))
  const ac = new AbortController()
  const outer = options.signal
  const onOuterAbort = () => ac.abort(outer?.reason)
  throwIfAborted(outer)
  outer?.addEventListener('abort', onOuterAbort, { once: true })

  const queues: (Queue<T> | undefined)[] = new Array(count)
  const pumps: Promise<void>[] = []
  let started = 0
  const start = () => {
    const q = queue<T>(options.bufferRows, ac.signal)
    queues[started] = q
    pumps.push(pump(open, started, q, ac.signal))
    started++
  }

  try {
    for (let i = 0; i < count; i++) {
      while (started < count && started < i + concurrency) start()
      const q = queues[i]!
      for (;;) {
        const batch = await q.take()
        if (batch === undefined) break
        yield batch
      }
      queues[i] = undefined
      options.onFileDone?.(i)
    }
  } finally {
    // Early return, error or abort: stop every reader and wait until they have closed their sources.
    ac.abort(outer?.aborted ? outer.reason : abortError())
    outer?.removeEventListener('abort', onOuterAbort)
    await Promise.allSettled(pumps)
  }
}

async function pump<T>(open: OpenFile<T>, index: number, q: Queue<T>, signal: AbortSignal): Promise<void> {
  try {
    for await (const batch of open(index, signal)) {
      if (batch.length > 0) await q.put(batch)
    }
    q.close()
  } catch (err) {
    q.fail(err)
  }
}

interface Queue<T> {
  put(batch: T[]): Promise<void>
  take(): Promise<T[] | undefined>
  close(): void
  fail(err: unknown): void
}

function queue<T>(capacity: number, signal: AbortSignal): Queue<T> {
  const items: T[][] = []
  let head = 0
  let size = 0
  let done = false
  let failed = false
  let error: unknown
  let wakeTaker: (() => void) | undefined
  let wakePutter: (() => void) | undefined

  const notifyTaker = () => {
    const w = wakeTaker
    wakeTaker = undefined
    w?.()
  }

  return {
    put(batch) {
      items.push(batch)
      size += batch.length
      notifyTaker()
      if (size < capacity) return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason)
        const onAbort = () => reject(signal.reason)
        signal.addEventListener('abort', onAbort, { once: true })
        wakePutter = () => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        }
      })
    },
    async take() {
      for (;;) {
        if (head < items.length) {
          const batch = items[head]
          items[head++] = undefined as unknown as T[]
          if (head > 64 && head * 2 > items.length) {
            items.splice(0, head)
            head = 0
          }
          size -= batch.length
          if (size < capacity && wakePutter) {
            const w = wakePutter
            wakePutter = undefined
            w()
          }
          return batch
        }
        if (failed) throw error
        if (done) return undefined
        await new Promise<void>((resolve) => {
          wakeTaker = resolve
        })
      }
    },
    close() {
      done = true
      notifyTaker()
    },
    fail(err) {
      failed = true
      error = err
      notifyTaker()
    },
  }
}
