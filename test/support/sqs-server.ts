/**
 * A minimal SQS endpoint for tests: AWS JSON 1.0 protocol (what the current @aws-sdk/client-sqs
 * speaks), SendMessageBatch and GetQueueAttributes (MaximumMessageSize), on 127.0.0.1 with a random port. The real SDK serializes, signs and
 * sends real HTTP requests to it, and parses its real-shaped responses (MD5OfMessageBody included,
 * which the SDK checks).
 *
 * Why not a real server: sqslite answers 415 to the JSON protocol, fauxqs needs Node >= 22.5, and
 * ElasticMQ/LocalStack cannot be installed here (see shared/reference/environment.md).
 *
 * It enforces the documented limits (≤10 entries, distinct valid Ids, batch size, allowed body
 * characters, FIFO ids) so that a client that breaks them fails the test, and has knobs to inject
 * Failed[] entries, request errors and delays, and records what arrived.
 */
import { createHash, randomUUID } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface SqsEntry {
  Id: string
  MessageBody: string
  MessageGroupId?: string
  MessageDeduplicationId?: string
  DelaySeconds?: number
}

export interface SqsCall {
  n: number
  queueUrl: string
  entries: SqsEntry[]
  /** Body bytes of all entries. */
  bytes: number
}

export interface EntryFailure {
  Code: string
  SenderFault: boolean
  Message?: string
}

export interface CallPlan {
  /** Wait this long before answering. */
  delayMs?: number
  /** Fail this entry (reported in Failed[] of a 200 response). */
  fail?: (entry: SqsEntry, index: number) => EntryFailure | undefined
  /** Answer the whole request with this error. */
  error?: { status: number; type: string; message: string; /** x-amzn-query-error code, e.g. AWS.SimpleQueueService.NonExistentQueue */ queryCode?: string }
}

export interface SqsServer {
  endpoint: string
  queueUrl(name: string): string
  /** Every SendMessageBatch that parsed, in arrival order. */
  calls: SqsCall[]
  /** Messages accepted (Successful[]), in order. */
  accepted: SqsEntry[]
  /** Requests rejected by the limits (a client bug if non-empty). */
  violations: string[]
  /** Requests being handled right now, and the most at once. */
  active: number
  maxActive: number
  /** Server-side limit on each message and on a batch's total (also the queue's MaximumMessageSize attribute). */
  maxBytes: number
  plan: (call: SqsCall) => CallPlan | undefined
  /** GetQueueAttributes calls, by queue URL, in arrival order. */
  attributeCalls: string[]
  /** Answer GetQueueAttributes with this error instead (e.g. AccessDenied). */
  attributesError?: { status: number; type: string; message: string }
  close(): Promise<void>
}

const ID = /^[A-Za-z0-9_-]{1,80}$/
const ALLOWED = /^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u
const FIFO_ID = /^[\x21-\x7E]{1,128}$/

export async function startSqsServer(): Promise<SqsServer> {
  const sockets = new Set<import('node:net').Socket>()
  const server = http.createServer((req, res) => void handle(req, res))
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  const state: SqsServer = {
    endpoint: '',
    queueUrl: (name) => `${state.endpoint}/000000000000/${name}`,
    calls: [],
    accepted: [],
    violations: [],
    active: 0,
    maxActive: 0,
    maxBytes: 262_144,
    plan: () => undefined,
    attributeCalls: [],
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }

  const reply = (res: http.ServerResponse, status: number, body: unknown, queryError?: string) => {
    const text = JSON.stringify(body)
    const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID(), 'content-length': String(Buffer.byteLength(text)) }
    if (queryError) headers['x-amzn-query-error'] = queryError
    res.writeHead(status, headers).end(text)
  }
  const clientError = (res: http.ServerResponse, type: string, message: string) => {
    state.violations.push(`${type}: ${message}`)
    reply(res, 400, { __type: `com.amazonaws.sqs#${type}`, message }, `AWS.SimpleQueueService.${type};Sender`)
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    state.active++
    state.maxActive = Math.max(state.maxActive, state.active)
    try {
      const chunks: Buffer[] = []
      for await (const c of req) chunks.push(c as Buffer)
      if (req.headers['content-type'] !== 'application/x-amz-json-1.0') return clientError(res, 'UnsupportedMediaType', String(req.headers['content-type']))
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) return clientError(res, 'MissingAuthenticationToken', 'unsigned request')
      if (req.headers['x-amz-target'] === 'AmazonSQS.GetQueueAttributes') {
        const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { QueueUrl: string; AttributeNames?: string[] }
        state.attributeCalls.push(input.QueueUrl)
        const e = state.attributesError
        if (e) return reply(res, e.status, { __type: `com.amazonaws.sqs#${e.type}`, message: e.message }, `AWS.SimpleQueueService.${e.type};Sender`)
        const names = input.AttributeNames ?? []
        const all = names.includes('All')
        return reply(res, 200, { Attributes: all || names.includes('MaximumMessageSize') ? { MaximumMessageSize: String(state.maxBytes) } : {} })
      }
      if (req.headers['x-amz-target'] !== 'AmazonSQS.SendMessageBatch') return clientError(res, 'UnknownOperation', String(req.headers['x-amz-target']))
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { QueueUrl: string; Entries: SqsEntry[] }
      const entries = input.Entries ?? []
      const bytes = entries.reduce((n, e) => n + Buffer.byteLength(e.MessageBody ?? '', 'utf8'), 0)
      const call: SqsCall = { n: state.calls.length, queueUrl: input.QueueUrl, entries, bytes }
      state.calls.push(call)
      if (entries.length === 0) return clientError(res, 'EmptyBatchRequest', 'no entries')
      if (entries.length > 10) return clientError(res, 'TooManyEntriesInBatchRequest', `${entries.length} entries`)
      if (entries.some((e) => !ID.test(e.Id))) return clientError(res, 'InvalidBatchEntryId', entries.map((e) => e.Id).join(','))
      if (new Set(entries.map((e) => e.Id)).size !== entries.length) return clientError(res, 'BatchEntryIdsNotDistinct', 'duplicate ids')
      if (bytes > state.maxBytes) return clientError(res, 'BatchRequestTooLong', `${bytes} bytes`)
      const plan = state.plan(call)
      if (plan?.delayMs) await new Promise((r) => setTimeout(r, plan.delayMs))
      if (res.destroyed) return
      if (plan?.error) return reply(res, plan.error.status, { __type: `com.amazonaws.sqs#${plan.error.type}`, message: plan.error.message }, `${plan.error.queryCode ?? `AWS.SimpleQueueService.${plan.error.type}`};${plan.error.status < 500 ? 'Sender' : 'Receiver'}`)
      const fifo = input.QueueUrl.endsWith('.fifo')
      const Successful: unknown[] = []
      const Failed: unknown[] = []
      entries.forEach((e, i) => {
        const injected = plan?.fail?.(e, i)
        if (injected) return Failed.push({ Id: e.Id, ...injected, Message: injected.Message ?? injected.Code })
        if (!ALLOWED.test(e.MessageBody) || e.MessageBody.length === 0) {
          state.violations.push(`InvalidMessageContents: entry ${e.Id}`)
          return Failed.push({ Id: e.Id, Code: 'InvalidMessageContents', SenderFault: true, Message: 'Invalid characters found' })
        }
        if (fifo && (!FIFO_ID.test(e.MessageGroupId ?? '') || !FIFO_ID.test(e.MessageDeduplicationId ?? ''))) {
          state.violations.push(`MissingParameter: FIFO ids of entry ${e.Id}`)
          return Failed.push({ Id: e.Id, Code: 'MissingParameter', SenderFault: true, Message: 'FIFO ids missing or invalid' })
        }
        state.accepted.push(e)
        Successful.push({ Id: e.Id, MessageId: randomUUID(), MD5OfMessageBody: createHash('md5').update(e.MessageBody, 'utf8').digest('hex') })
      })
      reply(res, 200, Failed.length ? { Successful, Failed } : { Successful })
    } catch (err) {
      if (!res.headersSent) reply(res, 500, { __type: 'com.amazonaws.sqs#InternalError', message: String(err) })
    } finally {
      state.active--
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return state
}
