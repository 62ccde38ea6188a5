/**
 * batchHandler: a Lambda handler for S3 Batch Operations `LambdaInvoke` jobs (invocation schemas 1.0
 * and 2.0). It parses the event, calls your function once per task with the decoded bucket/key and a
 * small S3 helper bound to the object, and builds the response Batch Operations expects, mapping
 * thrown errors to TemporaryFailure (worth re-driving) or PermanentFailure.
 */
import { numberOption, optionsObject, RANGES } from '../options.js'
import type { GetObjectCommandInput, GetObjectCommandOutput, HeadObjectCommandOutput, S3Client } from '@aws-sdk/client-s3'
import { z } from 'zod'
import { formatError, S3InventoryError, safeJson } from '../errors.js'
import { formatPath } from '../manifest.js'
import { decodeKey } from '../schema/values.js'
import { describeSdkError, isTransient, scrub } from '../sources/retry.js'
import { loadS3Sdk } from '../sources/sdk.js'

export type BatchResultCode = 'Succeeded' | 'TemporaryFailure' | 'PermanentFailure'

/** Schema 1.0 task (same shape as @types/aws-lambda's S3BatchEventTask). */
export interface BatchEventTaskV1 {
  taskId: string
  /** URL-encoded key, as written in the job manifest. */
  s3Key: string
  s3VersionId: string | null
  /** `arn:aws:s3:::bucket` (or the docs' `arn:aws:s3:us-east-1:0123456788:bucket`). */
  s3BucketArn: string
}

/** Schema 2.0 task: a bucket name instead of an ARN. */
export interface BatchEventTaskV2 {
  taskId: string
  s3Key: string
  s3VersionId: string | null
  s3Bucket: string
}

export interface BatchEventV1 {
  invocationSchemaVersion: string
  invocationId: string
  job: { id: string }
  tasks: BatchEventTaskV1[]
}

/** Either schema. @types/aws-lambda's `S3BatchEvent` is assignable to it. */
export interface BatchEvent {
  invocationSchemaVersion: string
  invocationId: string
  job: { id: string; userArguments?: Record<string, string> | null }
  tasks: (BatchEventTaskV1 | BatchEventTaskV2)[]
}

export interface BatchTaskResult {
  taskId: string
  resultCode: BatchResultCode
  resultString: string
}

/** The handler's answer; assignable to and from @types/aws-lambda's `S3BatchResult`. */
export interface BatchResponse {
  invocationSchemaVersion: string
  treatMissingKeysAs: BatchResultCode
  invocationId: string
  results: BatchTaskResult[]
}

/** S3 calls bound to the task's object (bucket, key, version). */
export interface TaskObject {
  readonly client: S3Client
  /** `{ Bucket, Key, VersionId? }` to spread into other commands. */
  readonly params: { Bucket: string; Key: string; VersionId?: string }
  getObject(input?: Partial<GetObjectCommandInput>): Promise<GetObjectCommandOutput>
  getBytes(): Promise<Uint8Array>
  getText(encoding?: string): Promise<string>
  headObject(): Promise<HeadObjectCommandOutput>
}

export interface BatchTask {
  /** Bucket name (from `s3Bucket`, or the text after the last `:` of `s3BucketArn`). */
  bucket: string
  /** Decoded key (`+` and `%20` are spaces, decoded once). */
  key: string
  /** The key as it arrived (URL-encoded). */
  rawKey: string
  versionId?: string
  /** Schema 2.0 `job.userArguments` (empty for 1.0). */
  userArguments: Record<string, string>
  jobId: string
  taskId: string
  invocationId: string
  invocationSchemaVersion: string
  /** Aborts `timeoutMarginMs` before the Lambda deadline (the task then reports TemporaryFailure). */
  signal: AbortSignal
  s3: TaskObject
}

/** A string is a Succeeded result; return an object to choose the code. */
export type TaskOutcome = string | void | undefined | { resultCode: BatchResultCode; resultString?: string }

/** The part of the Lambda context used here (the deadline). */
export interface LambdaContextLike {
  getRemainingTimeInMillis?(): number
}

export interface BatchHandlerOptions {
  /** S3 client for `task.s3` (or a factory). Default: one `new S3Client({})` per handler, created on first use and reused across invocations. */
  client?: S3Client | (() => S3Client)
  /** Result for tasks the response does not mention. Default `PermanentFailure`. */
  treatMissingKeysAs?: BatchResultCode
  /** Longest resultString made from an error. Default 1,000 characters. */
  maxErrorLength?: number
  /** A task still running this long before the Lambda deadline is answered TemporaryFailure. Default 1,000 ms. */
  timeoutMarginMs?: number
  /** Your own mapping from an error to a result code; return undefined for the default. */
  classifyError?: (err: unknown) => BatchResultCode | undefined
}

const CODES: ReadonlySet<string> = new Set(['Succeeded', 'TemporaryFailure', 'PermanentFailure'])

const EventJson = z.looseObject({
  invocationSchemaVersion: z.string().min(1),
  invocationId: z.string().min(1),
  job: z.looseObject({ id: z.string(), userArguments: z.record(z.string(), z.string()).nullish() }),
  tasks: z.array(z.unknown()),
})

const TaskJson = z
  .looseObject({
    taskId: z.string().min(1),
    s3Key: z.string().min(1),
    s3VersionId: z.string().nullish(),
    s3BucketArn: z.string().min(1).optional(),
    s3Bucket: z.string().min(1).optional(),
  })
  .refine((t) => t.s3Bucket !== undefined || t.s3BucketArn !== undefined, { message: 'expected s3Bucket (2.0) or s3BucketArn (1.0)', path: ['s3Bucket'] })

/** Returns a Lambda handler for S3 Batch Operations that runs `fn` for each task of the event. */
export function batchHandler(
  fn: (task: BatchTask) => TaskOutcome | Promise<TaskOutcome>,
  options: BatchHandlerOptions = {},
): (event: BatchEvent, context?: LambdaContextLike) => Promise<BatchResponse> {
  optionsObject(options)
  // Checked now: a bad value would otherwise reject every invocation, once the job is running.
  numberOption(options.maxErrorLength, 'maxErrorLength', RANGES.maxErrorLength, 1000)
  numberOption(options.timeoutMarginMs, 'timeoutMarginMs', RANGES.timeoutMarginMs, 1000)
  const treatMissingKeysAs = options.treatMissingKeysAs ?? 'PermanentFailure'
  if (!CODES.has(treatMissingKeysAs)) {
    throw new S3InventoryError('INVALID_ARGUMENT', 'treatMissingKeysAs must be Succeeded, TemporaryFailure or PermanentFailure', { actual: String(treatMissingKeysAs) })
  }
  let own: S3Client | undefined
  const client = () => (typeof options.client === 'function' ? options.client() : (options.client ?? own!))

  return async (event, context) => {
    // The SDK loads with the first invocation, not with the module (a real client: `task.s3.client` is the caller's to use).
    if (options.client === undefined) own ??= new (await loadS3Sdk()).S3Client({})
    const parsed = EventJson.safeParse(event)
    if (!parsed.success) {
      // Without invocationId and tasks there is nothing to answer: fail the invocation.
      const issue = parsed.error.issues[0]
      throw new S3InventoryError('EVENT_INVALID', 'the event is not an S3 Batch Operations invocation', {
        field: formatPath(issue.path) || undefined,
        expected: 'an S3 Batch Operations invocation (schema 1.0 or 2.0)',
        actual: issue.message,
        cause: parsed.error,
      })
    }
    const e = parsed.data
    const results: BatchTaskResult[] = []
    for (let i = 0; i < e.tasks.length; i++) {
      const raw = e.tasks[i]
      const t = TaskJson.safeParse(raw)
      if (!t.success) {
        const taskId = (raw as { taskId?: unknown } | null)?.taskId
        const issue = t.error.issues[0]
        const why = `tasks[${i}].${formatPath(issue.path)}: ${issue.message}`
        // A task without an ID cannot be answered; one with an ID fails on its own.
        if (typeof taskId !== 'string' || taskId === '') throw new S3InventoryError('EVENT_INVALID', 'a task has no taskId', { field: `tasks[${i}].taskId`, expected: 'a non-empty string', actual: safeJson(taskId), cause: t.error })
        results.push({ taskId, resultCode: 'PermanentFailure', resultString: `EVENT_INVALID: ${why}` })
        continue
      }
      results.push(await runTask(fn, t.data, e, client, context, options))
    }
    return { invocationSchemaVersion: e.invocationSchemaVersion, treatMissingKeysAs, invocationId: e.invocationId, results }
  }
}

type ParsedTask = z.infer<typeof TaskJson>
type ParsedEvent = z.infer<typeof EventJson>

async function runTask(
  fn: (task: BatchTask) => TaskOutcome | Promise<TaskOutcome>,
  t: ParsedTask,
  e: ParsedEvent,
  client: () => S3Client,
  context: LambdaContextLike | undefined,
  options: BatchHandlerOptions,
): Promise<BatchTaskResult> {
  const maxLength = options.maxErrorLength ?? 1000 // checked by batchHandler
  const fail = (err: unknown): BatchTaskResult => ({
    taskId: t.taskId,
    resultCode: options.classifyError?.(err) ?? taskErrorCode(err),
    resultString: describeError(err, maxLength),
  })
  let key: string
  try {
    key = decodeKey(t.s3Key)
  } catch {
    return { taskId: t.taskId, resultCode: 'PermanentFailure', resultString: `KEY_DECODE_FAILED: s3Key is not a valid URL-encoded key: ${t.s3Key.slice(0, 200)}` }
  }
  // 1.0 ARNs come as arn:aws:s3:::bucket or arn:aws:s3:us-east-1:0123456788:bucket: the name follows the last ':'.
  const bucket = t.s3Bucket ?? t.s3BucketArn!.slice(t.s3BucketArn!.lastIndexOf(':') + 1)
  if (bucket === '') return { taskId: t.taskId, resultCode: 'PermanentFailure', resultString: `EVENT_INVALID: no bucket name in ${t.s3BucketArn}` }
  const versionId = t.s3VersionId ?? undefined

  const ac = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const remaining = context?.getRemainingTimeInMillis?.()
  const deadline =
    typeof remaining === 'number' && Number.isFinite(remaining)
      ? new Promise<never>((_, reject) => {
          const ms = Math.max(0, remaining - (options.timeoutMarginMs ?? 1000))
          timer = setTimeout(() => {
            const err = Object.assign(new Error(`task still running ${options.timeoutMarginMs ?? 1000} ms before the Lambda timeout`), { name: 'TimeoutError' })
            ac.abort(err)
            reject(err)
          }, ms)
        })
      : undefined
  deadline?.catch(() => {})
  const params = { Bucket: bucket, Key: key, ...(versionId !== undefined && { VersionId: versionId }) }
  const getObject = async (input: Partial<GetObjectCommandInput> = {}) => client().send(new (await loadS3Sdk()).GetObjectCommand({ ...params, ...input }), { abortSignal: ac.signal })
  const task: BatchTask = {
    bucket,
    key,
    rawKey: t.s3Key,
    versionId,
    userArguments: e.job.userArguments ?? {},
    jobId: e.job.id,
    taskId: t.taskId,
    invocationId: e.invocationId,
    invocationSchemaVersion: e.invocationSchemaVersion,
    signal: ac.signal,
    s3: {
      get client() {
        return client()
      },
      params,
      getObject,
      getBytes: async () => bodyOf(await getObject(), params).transformToByteArray(),
      getText: async (encoding = 'utf-8') => bodyOf(await getObject(), params).transformToString(encoding),
      headObject: async () => client().send(new (await loadS3Sdk()).HeadObjectCommand(params), { abortSignal: ac.signal }),
    },
  }
  try {
    const run = Promise.resolve().then(() => fn(task))
    const outcome = await (deadline ? Promise.race([run, deadline]) : run)
    return outcomeResult(t.taskId, outcome)
  } catch (err) {
    return fail(err)
  } finally {
    clearTimeout(timer)
  }
}

function bodyOf(res: GetObjectCommandOutput, params: { Bucket: string; Key: string }): NonNullable<GetObjectCommandOutput['Body']> {
  if (!res.Body) throw new S3InventoryError('S3_ERROR', 'GetObject returned no body', { bucket: params.Bucket, key: params.Key })
  return res.Body
}

function outcomeResult(taskId: string, outcome: TaskOutcome): BatchTaskResult {
  if (outcome === undefined || outcome === null) return { taskId, resultCode: 'Succeeded', resultString: '' }
  if (typeof outcome === 'string') return { taskId, resultCode: 'Succeeded', resultString: outcome }
  if (typeof outcome === 'object' && CODES.has(outcome.resultCode)) {
    return { taskId, resultCode: outcome.resultCode, resultString: outcome.resultString === undefined ? '' : String(outcome.resultString) }
  }
  return {
    taskId,
    resultCode: 'PermanentFailure',
    resultString: `invalid task result: expected a string or { resultCode: Succeeded | TemporaryFailure | PermanentFailure, resultString }, got ${JSON.stringify(outcome)?.slice(0, 200)}`,
  }
}

/**
 * TemporaryFailure for what may pass on a later attempt (throttling, timeouts, 5xx/429, dropped
 * connections); PermanentFailure for everything else (missing objects, access denied, bad input, bugs).
 */
export function taskErrorCode(err: unknown): 'TemporaryFailure' | 'PermanentFailure' {
  if (err instanceof S3InventoryError) {
    if (err.code === 'RETRIES_EXHAUSTED') return 'TemporaryFailure'
    return err.cause !== undefined ? taskErrorCode(err.cause) : 'PermanentFailure'
  }
  const $retryable = (err as { $retryable?: unknown } | null)?.$retryable
  // The SDK marks what it would retry itself, whatever the HTTP status.
  if ($retryable !== undefined && $retryable !== null && $retryable !== false) return 'TemporaryFailure'
  return isTransient(err) ? 'TemporaryFailure' : 'PermanentFailure'
}

/** `Name: message` on one line, without stack or anything that looks like a credential, at most `max` characters. */
export function describeError(err: unknown, max = 1000): string {
  let text: string
  // The one-line form: the code, the sentence and what was found (S3's reply is in `actual`).
  if (err instanceof S3InventoryError) text = formatError(err)
  else if (err instanceof Error || (typeof err === 'object' && err !== null && 'message' in err)) text = describeSdkError(err).what
  else text = `Error: ${String(err)}`
  text = scrub(text).replace(/\s+/g, ' ').trim()
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text
}
