/**
 * The library's one concurrency primitive: lanes, at most `limit` tasks running at once. Every
 * place that works on several things at a time (data files, SQS batches, checksum reads) uses it.
 */
import { setMaxListeners } from 'node:events'
import { abortError } from './errors.js'

export interface Lanes {
  /** Aborted on the first task failure, on the outer signal, or by `stop()`; tasks should pass it on. */
  readonly signal: AbortSignal
  /** Tasks running now. */
  readonly active: number
  /**
   * Waits for a free lane, then starts `task` and returns without waiting for it. Throws the first
   * failure (or the abort reason) instead of starting anything once the lanes have failed.
   */
  start(task: (signal: AbortSignal) => Promise<void>): Promise<void>
  /** Waits until every started task has settled; throws the first failure. */
  settle(): Promise<void>
  /** Aborts the signal (tasks stop), e.g. when the consumer went away; `settle()` still waits for them. */
  stop(reason?: unknown): void
}

export function lanes(limit: number, outer?: AbortSignal): Lanes {
  const ac = new AbortController()
  // Each running task and what it drives (a queue, a read stream, a request) listen to this one
  // signal: a handful of listeners per lane is expected, not a leak.
  setMaxListeners(Math.max(10, 8 * limit), ac.signal)
  const onAbort = () => ac.abort(outer?.reason ?? abortError())
  if (outer?.aborted) onAbort()
  else outer?.addEventListener('abort', onAbort, { once: true })
  const running = new Set<Promise<void>>()
  let failure: { error: unknown } | undefined
  let freed: (() => void) | undefined

  const fail = (error: unknown) => {
    failure ??= { error }
    ac.abort(error)
  }
  const check = () => {
    if (failure) throw failure.error
    if (ac.signal.aborted) throw ac.signal.reason
  }

  return {
    signal: ac.signal,
    get active() {
      return running.size
    },
    async start(task) {
      check()
      while (running.size >= limit) {
        await new Promise<void>((resolve) => (freed = resolve))
        check()
      }
      const p: Promise<void> = (async () => task(ac.signal))().then(
        () => {
          running.delete(p)
          done()
        },
        (error: unknown) => {
          running.delete(p)
          fail(error)
          done()
        },
      )
      running.add(p)
    },
    async settle() {
      try {
        while (running.size > 0) await Promise.allSettled([...running])
        check()
      } finally {
        outer?.removeEventListener('abort', onAbort)
      }
    },
    stop(reason) {
      ac.abort(reason ?? abortError())
    },
  }

  function done() {
    const w = freed
    freed = undefined
    w?.()
  }
}

/**
 * `task(i)` for every i in [0, count), at most `limit` at once, started in index order. The first
 * failure stops the rest (their signal aborts) and is thrown once every started task has settled.
 */
export async function forEachLimited(count: number, limit: number, task: (index: number, signal: AbortSignal) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const l = lanes(limit, signal)
  try {
    for (let i = 0; i < count; i++) {
      const index = i
      await l.start((s) => task(index, s))
    }
  } catch {
    // The failure (or abort) is thrown by settle() below, after every started task has finished.
  }
  await l.settle()
}
