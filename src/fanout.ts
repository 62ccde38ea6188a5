/**
 * Ordered fan-out: up to `concurrency` files are read at once (lanes, concurrency.ts), each into its
 * own bounded queue, and batches come out in file order. A file holds its lane until it has been
 * consumed, so at most `concurrency` files are ever buffered. A queue that is full makes its reader
 * wait, which stops its decompressor and then its network read: that is how backpressure reaches
 * the socket.
 */
import { lanes } from './concurrency.js'
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
  throwIfAborted(options.signal)
  const l = lanes(options.concurrency, options.signal)
  const queues: Queue<T>[] = []
  const queueAt = (i: number) => (queues[i] ??= queue<T>(options.bufferRows, l.signal))
  const starter = (async () => {
    for (let i = 0; i < count; i++) {
      const q = queueAt(i)
      await l.start(async (signal) => {
        await pump(open, i, q, signal)
        // The lane is free again only once the consumer has taken everything.
        await q.consumed
      })
    }
  })()
  starter.catch(() => {}) // stopped lanes: the consumer reports what matters

  try {
    for (let i = 0; i < count; i++) {
      const q = queueAt(i)
      for (;;) {
        const batch = await q.take()
        if (batch === undefined) break
        yield batch
      }
      q.finish()
      queues[i] = undefined as unknown as Queue<T>
      options.onFileDone?.(i)
    }
  } finally {
    // Early return, error or abort: stop every reader and wait until they have closed their sources.
    l.stop(options.signal?.aborted ? options.signal.reason : abortError())
    await starter.catch(() => {})
    await l.settle().catch(() => {})
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
  /** The consumer is done with this queue. */
  finish(): void
  /** Resolves when the consumer is done with the queue, or the lanes were stopped. */
  readonly consumed: Promise<void>
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
  let finish!: () => void
  const consumed = new Promise<void>((resolve) => (finish = resolve))
  const notifyTaker = () => {
    const w = wakeTaker
    wakeTaker = undefined
    w?.()
  }
  // Stopped lanes release the reader (its lane) and the consumer (its wait) alike.
  const onAbort = () => {
    finish()
    notifyTaker()
  }
  if (signal.aborted) finish()
  else signal.addEventListener('abort', onAbort, { once: true })

  return {
    consumed,
    finish: () => {
      signal.removeEventListener('abort', onAbort)
      finish()
    },
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
        // Stopped lanes may never start this file's reader: do not wait for it then.
        if (signal.aborted) throw signal.reason
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
