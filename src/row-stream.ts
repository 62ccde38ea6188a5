/**
 * The stream every reader returns (inventories, completion reports): the manifest read once and on
 * demand, batches read after it, rows one at a time. It owns the client scope's lifetime.
 */
import type { ClientScope } from './sources/open.js'

export interface RowStream<M, R, P> extends AsyncIterable<R> {
  /** The same rows in arrays as they are decoded: less per-row overhead for sinks. */
  batches(): AsyncIterable<R[]>
  /** The validated manifest (read once, shared by every iteration). */
  readonly manifest: Promise<M>
  readonly progress: P
}

export function rowStream<M, R, P>(o: {
  scope: ClientScope
  progress: P
  signal?: AbortSignal
  /** Reads (and validates) the manifest, with `scope`'s client. */
  manifest: () => Promise<M>
  read: (m: M) => AsyncIterable<R[]>
}): RowStream<M, R, P> {
  let iterating = false
  let manifestPromise: Promise<M> | undefined
  const manifest = () =>
    (manifestPromise ??= o.manifest().finally(() => {
      // Only the manifest was asked for: do not keep a client (and its sockets) open for rows nobody reads.
      if (!iterating) o.scope.release()
    }))

  async function* batches(): AsyncGenerator<R[]> {
    iterating = true
    try {
      yield* o.read(await manifest())
    } finally {
      o.scope.release()
    }
  }

  return {
    get manifest() {
      const p = manifest()
      p.catch(() => {}) // the caller may never await it; iteration reports the error
      return p
    },
    progress: o.progress,
    batches,
    [Symbol.asyncIterator]: () => flatten(batches(), o.signal),
  }
}

/**
 * Rows one at a time from batches, without an async generator's per-row overhead. An aborted signal
 * stops the iteration at the next row, even when the rest is already decoded.
 */
export function flatten<T>(source: AsyncIterable<T[]>, signal?: AbortSignal): AsyncIterator<T> {
  const it = source[Symbol.asyncIterator]()
  let batch: T[] = []
  let i = 0
  const refill = async (): Promise<IteratorResult<T>> => {
    for (;;) {
      const r = await it.next()
      if (r.done) return { value: undefined, done: true }
      if (r.value.length > 0) {
        batch = r.value
        i = 1
        return { value: batch[0], done: false }
      }
    }
  }
  return {
    next() {
      if (signal?.aborted) {
        batch = []
        return it.return?.().then(() => Promise.reject(signal.reason)) ?? Promise.reject(signal.reason)
      }
      if (i < batch.length) return Promise.resolve({ value: batch[i++], done: false })
      return refill()
    },
    async return() {
      batch = []
      await it.return?.()
      return { value: undefined, done: true }
    },
  }
}

/** What sinks consume: a stream with batches() (read in its batches: less per-item overhead), or any (async) iterable. */
export type BatchSource<T> = Iterable<T> | AsyncIterable<T> | { batches(): AsyncIterable<readonly T[]> }

/** Items in arrays: a stream's batches as they come, other iterables one item at a time. */
export async function* batchesOf<T>(source: BatchSource<T>): AsyncGenerator<readonly T[]> {
  const s = source as { batches?: unknown }
  if (typeof s.batches === 'function') {
    yield* (source as { batches(): AsyncIterable<readonly T[]> }).batches()
    return
  }
  for await (const item of source as AsyncIterable<T> | Iterable<T>) yield [item]
}
