/**
 * enqueue: rows (or shards) → SQS SendMessageBatch calls, with a bounded number in flight so the
 * reader is paced by SQS. The source is pulled only when a send slot is free: backpressure runs from
 * SQS's response times back to the S3 downloads.
 */
// Loaded on first use: most users of this package never enqueue.
import type { SQSClient, SendMessageBatchRequestEntry, SendMessageBatchResult } from '@aws-sdk/client-sqs'
import { lanes } from '../concurrency.js'
import { abortError, S3InventoryError, throwIfAborted, type ErrorCode } from '../errors.js'
import { batchesOf, type BatchSource } from '../row-stream.js'
import { numberOption, RANGES } from '../options.js'
import { backoff, credentialsMissing, DEFAULT_RETRY, describeSdkError, isTransient, sanitize, scrub, type RetryOptions } from '../sources/retry.js'
import {
  batcher,
  DEFAULT_MAX_MESSAGE_BYTES,
  keyOf,
  packer,
  SQS_MAX_BYTES,
  type FifoOptions,
  type MessageRules,
  type PreparedMessage,
  type ToMessage,
} from './sqs-messages.js'

export type { FifoOptions, MessageDraft, OutgoingMessage, ToMessage } from './sqs-messages.js'

export interface EnqueueOptions<T> extends FifoOptions<T> {
  queueUrl: string
  /** Default: `new SQSClient({})`, destroyed when done. An injected client is never destroyed. */
  client?: SQSClient
  /** Rows per message. Default 1; 1–100,000. With the default body, up to this many rows go in a JSON array (fewer if the size limit says so). */
  rowsPerMessage?: number
  /** Body of one message from its rows. Default: `{bucket,key,versionId?,size?}` JSON (a shard: the shard's JSON). */
  toMessage?: ToMessage<T>
  /** SendMessageBatch calls in flight at once. Default 4; 1–64. */
  concurrency?: number
  signal?: AbortSignal
  /**
   * Largest message and batch, in bytes, at most 1,048,576 (1 MiB). Default: the queue's
   * `MaximumMessageSize`, read once with GetQueueAttributes (1 MiB for queues made since 2025; older
   * queues may be set lower), or 262,144 (256 KiB) when that cannot be read (no permission, an endpoint
   * without the call).
   */
  maxMessageBytes?: number
  /** FIFO queue (MessageGroupId and MessageDeduplicationId are sent). Default: the queue URL ends in `.fifo`. */
  fifo?: boolean
  /** Retries of entries SQS reports as failed (not sender faults) and of failed requests. Default 5 retries, 100 ms–5 s jittered backoff. */
  retry?: RetryOptions
  /** Called after each batch settles, with live counters (for progress displays). */
  onProgress?: (progress: EnqueueProgress) => void
  /**
   * Called, in source order, each time a longer prefix of the source has settled (every message of it
   * accepted, or failed for good and listed in `failed`), with the last item of that prefix and the
   * number of items in it: a resume point (`formatCursor(cursorOf(item))` → `startAfter`) that loses
   * nothing and repeats nothing sent.
   */
  onSettled?: (lastItem: T, items: number) => void
}

export interface EnqueueProgress {
  /** Items pulled from the source. */
  rows: number
  /** Messages SQS accepted. */
  sent: number
  /** Rows in the accepted messages. */
  sentRows: number
  /** Messages that failed for good. */
  failed: number
  /** SendMessageBatch calls made (retries included). */
  requests: number
  inFlight: number
}

export interface FailedMessage<T> {
  /** SQS's error code for the entry, e.g. `InvalidParameterValue`, `InternalError`. */
  code: string
  message: string
  /** True when SQS blamed the request (not retried). */
  senderFault: boolean
  /** Key of the first row of the message (the row's key, when one row per message). */
  key?: string
  /** Keys of every row in the message. */
  keys: (string | undefined)[]
  rows: T[]
  body: string
  /** Attempts made for this message. */
  attempts: number
}

export interface EnqueueResult<T> {
  /** Messages SQS accepted. */
  sent: number
  /** Rows in the accepted messages. */
  sentRows: number
  /** Messages that still failed after retries, or that SQS rejected as the sender's fault. Never dropped silently. */
  failed: FailedMessage<T>[]
  /** Batches formed (each sent with one or more SendMessageBatch calls). */
  batches: number
  /** SendMessageBatch calls made, retries included. */
  requests: number
  /** Items pulled from the source. */
  rows: number
  /** The size limit messages were packed to (the option, the queue's MaximumMessageSize, or 256 KiB). */
  maxMessageBytes: number
  elapsedMs: number
}

/** Any iterable of items, or a stream with `batches()` (preferred: one await per batch, not per row). */
export type EnqueueSource<T> = BatchSource<T>

/**
 * Sends every item of `source` to an SQS queue. Resolves when everything was sent or failed for good
 * (see `failed`). Rejects on errors no retry can fix (queue missing, access denied, a message too
 * large, the source failing) or when `signal` aborts; messages still in flight then are cancelled and
 * may or may not have been delivered.
 */
export async function enqueue<T extends object>(source: EnqueueSource<T>, options: EnqueueOptions<T>): Promise<EnqueueResult<T>> {
  const started = performance.now()
  const o = validate(options)
  const outer = options.signal
  throwIfAborted(outer)
  const sqs = await import('@aws-sdk/client-sqs')
  const client = options.client ?? new sqs.SQSClient({})
  try {
    const maxBytes = o.maxBytes ?? (await queueMaxMessageBytes(client, o.queueUrl, outer)) ?? DEFAULT_MAX_MESSAGE_BYTES
    return await sendAll(source, options, { ...o, maxBytes }, client, sqs, started)
  } finally {
    if (!options.client) client.destroy()
  }
}

/**
 * The queue's `MaximumMessageSize` in bytes (GetQueueAttributes), or undefined when it cannot be read:
 * no sqs:GetQueueAttributes permission, an endpoint that lacks the call, a value out of SQS's range.
 * Rejects only when `signal` aborts.
 */
export async function queueMaxMessageBytes(client: SQSClient, queueUrl: string, signal?: AbortSignal): Promise<number | undefined> {
  const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs')
  try {
    const res = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['MaximumMessageSize'] }), { abortSignal: signal })
    const n = Number(res?.Attributes?.MaximumMessageSize)
    return Number.isInteger(n) && n >= 1024 && n <= SQS_MAX_BYTES ? n : undefined
  } catch (err) {
    if (signal?.aborted) throw signal.reason
    return undefined
  }
}

async function sendAll<T extends object>(
  source: EnqueueSource<T>,
  options: EnqueueOptions<T>,
  o: ReturnType<typeof validate> & { maxBytes: number },
  client: SQSClient,
  sqs: typeof import('@aws-sdk/client-sqs'),
  started: number,
): Promise<EnqueueResult<T>> {
  const outer = options.signal
  // Batches in flight: a failed one stops the others (and their backoffs) at once.
  const inFlight = lanes(o.concurrency, outer)
  const signal = inFlight.signal

  const rules: MessageRules<T> = {
    maxBytes: o.maxBytes,
    fifo: o.fifo,
    fifoOptions: { messageGroupId: options.messageGroupId, deduplicationId: options.deduplicationId },
    groupIdOnStandard: options.messageGroupId !== undefined,
  }
  const pack = packer(o.rowsPerMessage, options.toMessage, rules)
  const batch = batcher<T>(o.maxBytes)
  const progress: EnqueueProgress = { rows: 0, sent: 0, sentRows: 0, failed: 0, requests: 0, inFlight: 0 }
  const failed: FailedMessage<T>[] = []
  let batches = 0
  // Resume points: the last item of each launched batch, reported once every earlier batch settled too.
  const lastItems = new Map<number, { item: T; count: number }>()
  const settled = new Set<number>()
  let reported = 0
  let settledItems = 0
  const onSettled = options.onSettled
  const settle = (seq: number) => {
    if (!onSettled) return
    settled.add(seq)
    while (settled.delete(reported)) {
      const last = lastItems.get(reported)!
      lastItems.delete(reported++)
      settledItems += last.count
      onSettled(last.item, settledItems)
    }
  }

  const launch = async (messages: PreparedMessage<T>[]) => {
    const seq = batches
    if (onSettled) lastItems.set(seq, { item: messages[messages.length - 1].rows.at(-1)!, count: messages.reduce((n, m) => n + m.rows.length, 0) })
    // Waits for a free lane: this is where the source stops being pulled while SQS is slow.
    await inFlight.start(async () => {
      await sendBatch(messages)
      settle(seq)
      // This batch is settled: it no longer counts as in flight.
      progress.inFlight = inFlight.active - 1
      progress.failed = failed.length
      options.onProgress?.({ ...progress })
    })
    batches++
    progress.inFlight = inFlight.active
  }

  async function sendBatch(messages: PreparedMessage<T>[]): Promise<void> {
    let pending = messages
    const last = new Map<PreparedMessage<T>, { code: string; message: string }>()
    for (let attempt = 0; ; attempt++) {
      const entries = pending.map((m, i) => entry(m, String(i)))
      let res: SendMessageBatchResult
      progress.requests++
      try {
        res = await client.send(new sqs.SendMessageBatchCommand({ QueueUrl: o.queueUrl, Entries: entries }), { abortSignal: signal })
      } catch (err) {
        if (signal.aborted) throw signal.reason
        const c = classify(err, o.queueUrl)
        if (!c.retriable) throw c.error
        if (attempt >= o.retry.retries) {
          throw new S3InventoryError('RETRIES_EXHAUSTED', `SendMessageBatch kept failing (${attempt + 1} attempts)`, { resource: o.queueUrl, cause: c.error })
        }
        await backoff(attempt, o.retry, signal)
        continue
      }
      const ok = new Set((res.Successful ?? []).map((s) => s.Id))
      const failedById = new Map((res.Failed ?? []).map((f) => [f.Id, f]))
      const retry: PreparedMessage<T>[] = []
      pending.forEach((m, i) => {
        const id = String(i)
        if (ok.has(id)) {
          progress.sent++
          progress.sentRows += m.rows.length
          return
        }
        const f = failedById.get(id)
        // An entry in neither list is treated like a server-side failure: it may not have been sent.
        const err = { code: f?.Code ?? 'MissingResult', message: scrub(f?.Message ?? 'entry missing from the SendMessageBatch response') }
        if (f?.SenderFault) failed.push(failure(m, err, true, attempt + 1))
        else {
          last.set(m, err)
          retry.push(m)
        }
      })
      if (retry.length === 0) return
      if (attempt >= o.retry.retries) {
        for (const m of retry) failed.push(failure(m, last.get(m)!, false, attempt + 1))
        return
      }
      pending = retry
      await backoff(attempt, o.retry, signal)
    }
  }

  const flushBatch = async () => {
    const b = batch.flush()
    if (b) await launch(b)
  }
  const send = async (m: PreparedMessage<T> | undefined) => {
    const b = m && batch.add(m)
    if (b) await launch(b)
  }
  const add = async (item: T) => {
    progress.rows++
    await send(pack.add(item))
  }

  let sourceFailure: { error: unknown } | undefined
  try {
    for await (const items of untilAborted(batchesOf(source), signal)) {
      for (const item of items) await add(item)
    }
    await send(pack.flush())
    await flushBatch()
  } catch (err) {
    sourceFailure = { error: err }
    inFlight.stop(err)
  }
  // Every request has settled before we return or throw: no stray sockets or rejections.
  const sent = await inFlight.settle().then(
    () => undefined,
    (error: unknown) => ({ error }),
  )
  throwIfAborted(outer)
  // A failed send is the cause; the source then only saw the lanes stop.
  if (sent) throw sent.error
  if (sourceFailure) throw sourceFailure.error
  return {
    sent: progress.sent,
    sentRows: progress.sentRows,
    failed,
    batches,
    requests: progress.requests,
    rows: progress.rows,
    maxMessageBytes: o.maxBytes,
    elapsedMs: performance.now() - started,
  }
}

function entry<T>(m: PreparedMessage<T>, id: string): SendMessageBatchRequestEntry {
  const e: SendMessageBatchRequestEntry = { Id: id, MessageBody: m.body }
  if (m.groupId !== undefined) e.MessageGroupId = m.groupId
  if (m.deduplicationId !== undefined) e.MessageDeduplicationId = m.deduplicationId
  if (m.delaySeconds !== undefined) e.DelaySeconds = m.delaySeconds
  return e
}

function failure<T>(m: PreparedMessage<T>, err: { code: string; message: string }, senderFault: boolean, attempts: number): FailedMessage<T> {
  const keys = m.rows.map(keyOf)
  return { code: err.code, message: err.message, senderFault, key: keys[0], keys, rows: m.rows, body: m.body, attempts }
}

/**
 * Stops waiting on a source that is slow to yield as soon as `signal` aborts. A source interrupted in
 * the middle of next() is told to return without being awaited (an async generator busy in next()
 * answers return() only when that next() ends); one paused at a yield is closed and awaited.
 */
async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]()
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason ?? abortError())
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
  aborted.catch(() => {})
  let done = false
  let busy = false
  try {
    for (;;) {
      busy = true
      const next = it.next()
      next.catch(() => {})
      const r = await Promise.race([next, aborted])
      busy = false
      if (r.done) {
        done = true
        return
      }
      yield r.value
    }
  } finally {
    signal.removeEventListener('abort', onAbort!)
    if (!done) {
      const closing = Promise.resolve(it.return?.())
      if (busy) closing.catch(() => {})
      else await closing
    }
  }
}

function validate<T>(options: EnqueueOptions<T>) {
  const bad = (what: string, expected: string, actual: unknown) =>
    new S3InventoryError('INVALID_ARGUMENT', `${what}: expected ${expected}`, { option: what, expected, actual: String(actual) })
  let url: URL
  try {
    url = new URL(options?.queueUrl)
    if (!/^https?:$/.test(url.protocol)) throw new Error('not http(s)')
  } catch {
    throw bad('queueUrl', 'an http(s) queue URL', options?.queueUrl)
  }
  const maxBytes = options.maxMessageBytes
  if (maxBytes !== undefined && (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > SQS_MAX_BYTES)) throw bad('maxMessageBytes', `an integer 1–${SQS_MAX_BYTES}`, maxBytes)
  // The CLI's ranges too (--batches-in-flight, --keys-per-message): 1e9 requests in flight or rows per message is never meant.
  const concurrency = numberOption(options.concurrency, 'concurrency', RANGES.concurrency, 4)
  const rowsPerMessage = numberOption(options.rowsPerMessage, 'rowsPerMessage', RANGES.rowsPerMessage, 1)
  return {
    queueUrl: options.queueUrl,
    maxBytes,
    concurrency,
    rowsPerMessage,
    fifo: options.fifo ?? /\.fifo$/i.test(url.pathname),
    retry: { ...DEFAULT_RETRY, ...options.retry },
  }
}

/** A failed SendMessageBatch request → typed error, and whether another attempt may help. */
function classify(err: unknown, queueUrl: string): { retriable: boolean; error: S3InventoryError } {
  if (err instanceof S3InventoryError) return { retriable: false, error: err }
  const noCredentials = credentialsMissing(err, { resource: queueUrl })
  if (noCredentials) return { retriable: false, error: noCredentials }
  const { status, name, what } = describeSdkError(err)
  // SQS's reply (code, HTTP status, its message) is what was found; the sentence says what it means.
  const make = (code: ErrorCode, why: string) => new S3InventoryError(code, why, { resource: queueUrl, actual: what, cause: sanitize(err) })
  if (/QueueDoesNotExist|NonExistentQueue/.test(name)) return { retriable: false, error: make('NOT_FOUND', 'queue not found') }
  if (status === 403 || /AccessDenied|InvalidClientTokenId|UnrecognizedClient|SignatureDoesNotMatch|InvalidSecurity/.test(name)) {
    return { retriable: false, error: make('ACCESS_DENIED', 'access denied') }
  }
  return { retriable: isTransient(err), error: make('SQS_ERROR', 'the SQS request failed') }
}
