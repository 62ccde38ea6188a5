/**
 * Rows → SQS message bodies → SendMessageBatch-sized groups. Pure functions and small accumulators;
 * the sending loop is in sqs.ts.
 */
import { createHash } from 'node:crypto'
import { S3InventoryError } from '../errors.js'
import { SHARD_TYPE } from '../shards.js'

/** Largest message (and batch) SQS accepts: 1 MiB since 2025; queues made earlier default to 256 KiB. */
export const SQS_MAX_BYTES = 1_048_576
export const DEFAULT_MAX_MESSAGE_BYTES = 262_144
/** Entries per SendMessageBatch call (SQS limit). */
const MAX_BATCH_ENTRIES = 10

/** A message as `toMessage` may describe it; a plain string is the body. */
export interface OutgoingMessage {
  body: string
  /** FIFO: overrides the `messageGroupId` option for this message. */
  groupId?: string
  /** FIFO: overrides the `deduplicationId` option for this message. */
  deduplicationId?: string
  /** 0–900 seconds. */
  delaySeconds?: number
}

/** Turns the rows of one message (1 row, or up to `rowsPerMessage`) into its body. */
export type ToMessage<T> = (rows: T[]) => string | OutgoingMessage

/** What FIFO id functions see. */
export interface MessageDraft<T> {
  body: string
  rows: readonly T[]
}

/** A message ready to send, with the rows it carries (for failure reports). */
export interface PreparedMessage<T> {
  body: string
  /** UTF-8 bytes of the body (what SQS counts). */
  bytes: number
  groupId?: string
  deduplicationId?: string
  delaySeconds?: number
  rows: T[]
}

export interface FifoOptions<T> {
  /** A constant, or a function of the message. Default: the deduplication id (one group per message, see docs). */
  messageGroupId?: string | ((message: MessageDraft<T>) => string)
  /** Default: SHA-256 (hex) of the body. */
  deduplicationId?: (message: MessageDraft<T>) => string
}

/** The key a row (or shard) is known by in errors and failure reports. */
export function keyOf(item: unknown): string | undefined {
  const k = (item as { key?: unknown } | null)?.key
  return typeof k === 'string' ? k : undefined
}

/**
 * Default body of one item: `{bucket, key, versionId?, size?}` for rows, the whole object for
 * shards. Fields that are undefined are left out.
 */
function defaultValue(item: unknown): unknown {
  const o = item as { type?: unknown; bucket?: unknown; key?: unknown; versionId?: unknown; size?: unknown } | null
  if (o && o.type === SHARD_TYPE) return o
  if (!o || typeof o.key !== 'string') {
    throw new S3InventoryError('INVALID_ARGUMENT', 'the default message body needs items with a string key; pass toMessage for other items', {
      expected: '{ key: string }',
      actual: typeof item,
    })
  }
  return { bucket: o.bucket, key: o.key, versionId: o.versionId, size: o.size }
}

/**
 * JSON that SQS accepts: JSON.stringify already escapes control characters and lone surrogates;
 * U+FFFE and U+FFFF are outside SQS's allowed set too, so escape them as well.
 */
function sqsJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)
}

/** Default body of one row: `{"bucket":…,"key":…,"versionId":…,"size":…}`. */
function defaultBody(item: unknown): string {
  return sqsJson(defaultValue(item))
}

// SQS accepts #x9 #xA #xD #x20–#xD7FF #xE000–#xFFFD #x10000–#x10FFFF; with /u a lone surrogate is one
// code point in D800–DFFF, so it is caught too.
const FORBIDDEN = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u
// FIFO ids: 1–128 characters, alphanumeric and punctuation (printable ASCII without space).
const FIFO_ID = /^[\x21-\x7E]{1,128}$/

export interface MessageRules<T> {
  maxBytes: number
  fifo: boolean
  fifoOptions: FifoOptions<T>
  /** Send MessageGroupId on a standard queue too (fair queues); only when the caller set one. */
  groupIdOnStandard: boolean
}

/** Checks a body against SQS's size and character rules and fills in the FIFO ids. */
function prepare<T>(spec: string | OutgoingMessage, rows: T[], rules: MessageRules<T>): PreparedMessage<T> {
  const m: OutgoingMessage = typeof spec === 'string' ? { body: spec } : spec
  const key = keyOf(rows[0])
  if (typeof m?.body !== 'string' || m.body.length === 0) {
    throw new S3InventoryError('MESSAGE_INVALID', 'message body must be a non-empty string', { key, actual: typeof m?.body })
  }
  const bytes = Buffer.byteLength(m.body, 'utf8')
  if (bytes > rules.maxBytes) {
    throw new S3InventoryError('MESSAGE_TOO_LARGE', `message for ${rows.length === 1 ? 'this row' : `${rows.length} rows`} does not fit in one SQS message`, {
      key,
      expected: `at most ${rules.maxBytes} bytes (maxMessageBytes)`,
      actual: `${bytes} bytes`,
    })
  }
  const bad = FORBIDDEN.exec(m.body)
  if (bad) {
    const cp = bad[0].codePointAt(0)!
    throw new S3InventoryError('MESSAGE_INVALID', 'message body holds a character SQS rejects (JSON-encode raw keys)', {
      key,
      offset: bad.index,
      expected: '#x9 #xA #xD #x20–#xD7FF #xE000–#xFFFD #x10000–#x10FFFF',
      actual: `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`,
    })
  }
  const out: PreparedMessage<T> = { body: m.body, bytes, rows }
  if (m.delaySeconds !== undefined) out.delaySeconds = m.delaySeconds
  if (rules.fifo) {
    const draft = { body: m.body, rows }
    out.deduplicationId = fifoId(m.deduplicationId ?? rules.fifoOptions.deduplicationId?.(draft) ?? sha256(m.body), 'MessageDeduplicationId', key)
    const g = m.groupId ?? rules.fifoOptions.messageGroupId
    // Default group: one per message, so FIFO gives deduplication without serializing consumers
    // (a single constant group lets only one message be in flight across all workers).
    out.groupId = fifoId(typeof g === 'function' ? g(draft) : (g ?? out.deduplicationId), 'MessageGroupId', key)
  } else if (rules.groupIdOnStandard) {
    const g = m.groupId ?? rules.fifoOptions.messageGroupId
    if (g !== undefined) out.groupId = fifoId(typeof g === 'function' ? g({ body: m.body, rows }) : g, 'MessageGroupId', key)
  }
  return out
}

function fifoId(v: unknown, what: string, key: string | undefined): string {
  if (typeof v !== 'string' || !FIFO_ID.test(v)) {
    throw new S3InventoryError('MESSAGE_INVALID', `${what} must be 1–128 printable ASCII characters without spaces`, {
      key,
      column: what,
      actual: typeof v === 'string' ? v.slice(0, 140) : typeof v,
    })
  }
  return v
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex')
}

/**
 * Groups rows into messages. With a custom `toMessage`, exactly `rowsPerMessage` rows per message
 * (the last may have fewer). With the default body, up to `rowsPerMessage` rows as a JSON array,
 * closed early when the next row would push the body over the size limit.
 */
export function packer<T>(
  rowsPerMessage: number,
  toMessage: ToMessage<T> | undefined,
  rules: MessageRules<T>,
): { add(item: T): PreparedMessage<T> | undefined; flush(): PreparedMessage<T> | undefined } {
  let rows: T[] = []
  if (toMessage) {
    const emit = () => {
      const r = rows
      rows = []
      return prepare(toMessage(r), r, rules)
    }
    return {
      add(item) {
        rows.push(item)
        return rows.length >= rowsPerMessage ? emit() : undefined
      },
      flush: () => (rows.length > 0 ? emit() : undefined),
    }
  }
  if (rowsPerMessage === 1) {
    return { add: (item) => prepare(defaultBody(item), [item], rules), flush: () => undefined }
  }
  // Packed default: "[" + parts joined by "," + "]"; sizes tracked in UTF-8 bytes.
  let parts: string[] = []
  let bytes = 2
  const emit = () => {
    const r = rows
    const body = `[${parts.join(',')}]`
    rows = []
    parts = []
    bytes = 2
    return prepare(body, r, rules)
  }
  return {
    add(item) {
      const part = defaultBody(item)
      const n = Buffer.byteLength(part, 'utf8')
      const out = parts.length > 0 && bytes + 1 + n > rules.maxBytes ? emit() : undefined
      rows.push(item)
      parts.push(part)
      bytes += (parts.length > 1 ? 1 : 0) + n
      // After an early close parts has one entry and rowsPerMessage > 1, so at most one message comes out.
      return parts.length >= rowsPerMessage ? emit() : out
    },
    flush: () => (parts.length > 0 ? emit() : undefined),
  }
}

/** Groups messages into SendMessageBatch calls: ≤10 entries and ≤ maxBytes in total. */
export function batcher<T>(maxBytes: number): { add(m: PreparedMessage<T>): PreparedMessage<T>[] | undefined; flush(): PreparedMessage<T>[] | undefined } {
  let batch: PreparedMessage<T>[] = []
  let bytes = 0
  const take = () => {
    const b = batch
    batch = []
    bytes = 0
    return b
  }
  return {
    add(m) {
      const out = batch.length > 0 && bytes + m.bytes > maxBytes ? take() : undefined
      batch.push(m)
      bytes += m.bytes
      // A cut for size leaves one entry, so a cut for count cannot follow on the same add.
      return batch.length >= MAX_BATCH_ENTRIES ? take() : out
    },
    flush: () => (batch.length > 0 ? take() : undefined),
  }
}
