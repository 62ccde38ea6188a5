/**
 * S3 objects as byte sources. A stream is one GET; if the connection drops (or stalls) mid-body, the
 * read resumes with a ranged GET from the next byte, pinned to the first response's ETag, so the
 * decompressor downstream sees one continuous byte sequence.
 */
import type { GetObjectCommandInput, GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3'
import type { Readable } from 'node:stream'
import { S3InventoryError, throwIfAborted } from '../errors.js'
import { backoff, classify, DEFAULT_RETRY, type RetryOptions } from './retry.js'
import type { ByteCounter, ByteSource, ObjectRef } from './source.js'
import { readAll } from './source.js'
import { loadS3Sdk } from './sdk.js'

export interface S3SourceOptions {
  retry?: RetryOptions
  /** A body that delivers no byte for this long while we wait for one is dropped and resumed. Default 30000. */
  idleTimeoutMs?: number
  counter?: ByteCounter
  /** Size known in advance (from the manifest): where a read that starts mid-object and has no end stops (until a response says otherwise). */
  size?: number
}

export function s3Source(client: S3Client, bucket: string, key: string, options: S3SourceOptions = {}): ByteSource {
  const ref: ObjectRef = { bucket, key }
  const retry = { ...DEFAULT_RETRY, ...options.retry }
  const idleMs = options.idleTimeoutMs ?? 30_000
  let knownSize = options.size
  // The first response's ETag; every later ranged read must match it.
  let etag: string | undefined

  /**
   * client.send with a deadline for the response headers: a server that accepts the request and then
   * says nothing would otherwise hang the read forever (the caller's client may have no timeout).
   */
  async function get(input: GetObjectCommandInput, signal?: AbortSignal): Promise<GetObjectCommandOutput> {
    const command = new (await loadS3Sdk()).GetObjectCommand(input)
    const deadline = new AbortController()
    const timer = setTimeout(() => deadline.abort(Object.assign(new Error(`no response for ${idleMs} ms`), { code: 'IDLE_TIMEOUT' })), idleMs)
    const onAbort = () => deadline.abort(signal?.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      return await client.send(command, { abortSignal: deadline.signal })
    } catch (err) {
      // Our own deadline is a retriable timeout, not the caller's abort.
      if (deadline.signal.aborted && !signal?.aborted) throw deadline.signal.reason
      throw err
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
  }

  async function* stream(start: number, end: number | undefined, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    let offset = start
    let failures = 0
    while (end === undefined || offset < end) {
      throwIfAborted(signal)
      let body: Readable | undefined
      try {
        const whole = offset === 0 && end === undefined
        const res = await get(
          {
            Bucket: bucket,
            Key: key,
            Range: whole ? undefined : `bytes=${offset}-${end === undefined ? '' : end - 1}`,
            IfMatch: etag,
          },
          signal,
        )
        body = res.Body as Readable
        pinEtag(res.ETag, offset)
        if (whole && res.ContentLength !== undefined) knownSize = res.ContentLength
        if (end === undefined && knownSize === undefined && res.ContentRange) {
          const total = /\/(\d+)$/.exec(res.ContentRange)?.[1]
          if (total) knownSize = Number(total)
        }
        if (end === undefined && knownSize !== undefined) end = knownSize
        const before = offset
        for await (const chunk of bodyChunks(body, idleMs, signal)) {
          offset += chunk.length
          if (options.counter) options.counter.bytes += chunk.length
          failures = 0
          yield chunk
        }
        if (end === undefined || offset >= end) return
        // The body ended early without an error (a proxy closing cleanly): resume like a reset.
        if (offset === before) failures++
        if (failures > retry.retries) throw exhausted(offset, new Error('response body ended early'))
        await backoff(failures, retry, signal)
      } catch (err) {
        if (signal?.aborted) throw signal.reason
        // A resumed range past the end: the object shrank since the first read.
        if (etag !== undefined && offset > 0 && (err as { name?: string }).name === 'InvalidRange') {
          throw new S3InventoryError('OBJECT_CHANGED', 'object was replaced between ranged reads (it is now shorter)', {
            bucket,
            key,
            offset,
            expected: `ETag ${etag} with more than ${offset} bytes`,
            cause: err,
          })
        }
        const c = classify(err, ref, offset)
        if (!c.retriable) throw c.error
        failures++
        if (failures > retry.retries) throw exhausted(offset, err)
        await backoff(failures, retry, signal)
      } finally {
        body?.destroy()
      }
    }
  }

  /** The first response's ETag is kept; a later one that differs means the object was replaced. */
  function pinEtag(got: string | undefined, offset: number): void {
    if (etag !== undefined && got !== undefined && got !== etag) {
      throw new S3InventoryError('OBJECT_CHANGED', 'object was replaced between ranged reads', { bucket, key, offset, expected: `ETag ${etag}`, actual: `ETag ${got}` })
    }
    etag ??= got
  }

  /** What the last attempt got: S3's reply, or the sentence of an error that has none. */
  const lastFailure = (e: S3InventoryError) => e.actual ?? e.message

  function exhausted(offset: number, cause: unknown): S3InventoryError {
    return new S3InventoryError('RETRIES_EXHAUSTED', `gave up after ${retry.retries} retries without progress`, {
      bucket,
      key,
      offset,
      cause,
      actual: lastFailure(classify(cause, ref, offset).error),
    })
  }

  function slice(start: number, end: number, signal?: AbortSignal): Promise<Uint8Array> {
    return end <= start ? Promise.resolve(new Uint8Array(0)) : readAll(stream(start, end, signal))
  }

  /**
   * The last n bytes and, from Content-Range, the object's real size, in one request when the
   * expected size is right. With a size hint it asks for `bytes=(hint - n)-`, which every
   * S3-compatible server understands; without one, a suffix range `bytes=-n`.
   */
  async function tail(n: number, signal?: AbortSignal, sizeHint?: number): Promise<{ bytes: Uint8Array; size: number }> {
    let failures = 0
    let start = sizeHint !== undefined ? Math.max(0, sizeHint - n) : undefined
    for (;;) {
      let body: Readable | undefined
      let short: Error | undefined
      try {
        const res = await get({ Bucket: bucket, Key: key, Range: start === undefined ? `bytes=-${n}` : `bytes=${start}-`, IfMatch: etag }, signal)
        body = res.Body as Readable
        pinEtag(res.ETag, start ?? 0)
        const bytes = await readAll(bodyChunks(body, idleMs, signal))
        if (options.counter) options.counter.bytes += bytes.length
        const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.ContentRange ?? '')
        // No Content-Range: the server sent the whole (small) object.
        const total = range ? Number(range[3]) : (res.ContentLength ?? bytes.length)
        const sent = range ? Number(range[2]) + 1 - Number(range[1]) : total
        if (bytes.length === sent) {
          knownSize = total
          // Not the end of the object (it is longer than the hint, or the server read `bytes=-n` as
          // `bytes=0-n`, as s3rver does): ask for the end explicitly.
          if (range && Number(range[2]) + 1 !== total) return { bytes: await slice(Math.max(0, total - n), total, signal), size: total }
          return { bytes, size: total }
        }
        short = new Error(`response body ended after ${bytes.length} of ${sent} bytes`)
      } catch (err) {
        if (signal?.aborted) throw signal.reason
        // The object is shorter than the hint: ask for its end without one.
        if (start !== undefined && (err as { name?: string }).name === 'InvalidRange') {
          start = undefined
          continue
        }
        const c = classify(err, ref, 0)
        if (!c.retriable) throw c.error
        short = err as Error
      } finally {
        body?.destroy()
      }
      if (++failures > retry.retries) throw exhausted(0, short)
      await backoff(failures, retry, signal)
    }
  }

  return {
    ref,
    tail,
    stream,
    slice,
  }
}

/**
 * Chunks of a response body. A body that stalls (no byte for `idleMs` while we wait for one) is
 * destroyed with a retriable error. The timer only runs while we are waiting, so a slow consumer
 * (backpressure) never trips it.
 */
async function* bodyChunks(body: Readable, idleMs: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const onAbort = () => body.destroy(signal?.reason)
  signal?.addEventListener('abort', onAbort, { once: true })
  const it = body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>
  try {
    for (;;) {
      const timer = setTimeout(() => body.destroy(Object.assign(new Error(`no data for ${idleMs} ms`), { code: 'IDLE_TIMEOUT' })), idleMs)
      let r: IteratorResult<Uint8Array>
      try {
        r = await it.next()
      } finally {
        clearTimeout(timer)
      }
      if (r.done) return
      yield r.value
    }
  } finally {
    signal?.removeEventListener('abort', onAbort)
    body.destroy()
  }
}
