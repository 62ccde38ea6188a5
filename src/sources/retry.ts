/** Which S3/network failures are worth retrying, and how long to wait between attempts. */
import { S3InventoryError, throwIfAborted, type ErrorCode } from '../errors.js'
import type { ObjectRef } from './source.js'

export interface RetryOptions {
  /** Consecutive failed attempts (without a byte of progress) before giving up. Default 5. */
  retries?: number
  /** Backoff base in ms; attempt n waits a random time in [0, min(maxDelayMs, minDelayMs·2^n)]. Default 100. */
  minDelayMs?: number
  /** Backoff cap in ms. Default 5000. */
  maxDelayMs?: number
}

export const DEFAULT_RETRY: Required<RetryOptions> = { retries: 5, minDelayMs: 100, maxDelayMs: 5000 }

/**
 * Names (SDK error names, Node and undici codes) of failures that may pass on a later attempt, for
 * every AWS service we call: throttling, timeouts, service-side errors, dropped connections.
 */
const TRANSIENT = new Set([
  // throttling
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequests',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'KmsThrottled',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'PriorRequestNotComplete',
  // timeouts and service-side errors
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'IdleTimeout',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  // connections
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'IDLE_TIMEOUT',
])

export interface Classified {
  retriable: boolean
  error: S3InventoryError
}

interface SdkLikeError {
  name?: string
  code?: string
  message?: string
  $metadata?: { httpStatusCode?: number }
  $retryable?: unknown
  cause?: unknown
}

/** The parts of an SDK or network error we decide on, and `Name (HTTP n): message` with secrets scrubbed. */
export function describeSdkError(err: unknown): { status?: number; name: string; code: string; what: string } {
  const { e, status, name, code } = partsOf(err)
  return { status, name, code, what: `${name || code || 'Error'}${status ? ` (HTTP ${status})` : ''}: ${scrub(e.message ?? String(err))}` }
}

function partsOf(err: unknown) {
  const e = (err ?? {}) as SdkLikeError
  return { e, status: e.$metadata?.httpStatusCode, name: e.name ?? '', code: e.code ?? (e.cause as SdkLikeError | undefined)?.code ?? '' }
}

/** Whether another attempt may help: 5xx/429, a transient name or code, or a socket closed mid-response. */
export function isTransient(err: unknown): boolean {
  const { e, status, name, code } = partsOf(err)
  return (
    (status !== undefined && (status >= 500 || status === 429)) ||
    TRANSIENT.has(name) ||
    TRANSIENT.has(code) ||
    (status === undefined && e.$retryable !== undefined) ||
    // Sockets closed mid-body surface as plain Errors from the http parser ("aborted", "socket hang up").
    (status === undefined && (e.name === undefined || e.name === 'Error') && /^aborted$|socket hang up|premature close|other side closed/i.test(e.message ?? ''))
  )
}

/**
 * The SDK found no credentials (CredentialsProviderError: no keys in the environment, no profile, no
 * SSO, container or instance role): CREDENTIALS_MISSING saying where it looked. Undefined for others.
 */
export function credentialsMissing(err: unknown, context: { bucket?: string; key?: string; resource?: string }): S3InventoryError | undefined {
  const e = err as SdkLikeError | null
  if (e?.name !== 'CredentialsProviderError') return undefined
  return new S3InventoryError('CREDENTIALS_MISSING', 'no AWS credentials were found', {
    ...context,
    expected:
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile (AWS_PROFILE, ~/.aws/credentials, ~/.aws/config), SSO, web identity, or a container or instance role',
    actual: scrub(e.message ?? ''),
    cause: sanitize(err),
  })
}

/** Maps an SDK or network error to a typed error and says whether another attempt may help. */
export function classify(err: unknown, ref: ObjectRef, offset: number): Classified {
  if (err instanceof S3InventoryError) return { retriable: false, error: err }
  const noCredentials = credentialsMissing(err, { bucket: ref.bucket, key: ref.key })
  if (noCredentials) return { retriable: false, error: noCredentials }
  const { status, name, what } = describeSdkError(err)
  // S3's reply (code, HTTP status, its message) is what was found; the sentence says what it means.
  const make = (c: ErrorCode, why: string) => new S3InventoryError(c, why, { bucket: ref.bucket, key: ref.key, offset, actual: what, cause: sanitize(err) })
  if (status === 404 || name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket') {
    return { retriable: false, error: make('NOT_FOUND', name === 'NoSuchBucket' ? 'bucket not found' : 'object not found') }
  }
  if (status === 403 || name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
    return { retriable: false, error: make('ACCESS_DENIED', 'access denied') }
  }
  if (status === 412 || name === 'PreconditionFailed') {
    return { retriable: false, error: make('OBJECT_CHANGED', 'object was replaced while reading') }
  }
  return { retriable: isTransient(err), error: make('S3_ERROR', 'the S3 request failed') }
}

/**
 * The cause we attach: name, scrubbed message, code and request ids — not the SDK error itself, whose
 * fields can echo an access key id, a string-to-sign or a signature (SignatureDoesNotMatch does).
 */
export function sanitize(err: unknown): Error {
  const e = (err ?? {}) as SdkLikeError & { $metadata?: { requestId?: string; extendedRequestId?: string } }
  const out = new Error(scrub(e.message ?? String(err)))
  out.name = e.name ?? 'Error'
  if (e.code) Object.assign(out, { code: e.code })
  if (e.$metadata) Object.assign(out, { $metadata: { httpStatusCode: e.$metadata.httpStatusCode, requestId: e.$metadata.requestId, extendedRequestId: e.$metadata.extendedRequestId } })
  return out
}

/** Removes anything that looks like a signed URL query or credential from a message. */
export function scrub(message: string): string {
  return message
    .replace(/([?&])(X-Amz-[A-Za-z-]+|Signature|AWSAccessKeyId|x-amz-security-token)=[^&\s"']*/gi, '$1$2=REDACTED')
    .replace(/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, 'REDACTED')
}

/** Waits a jittered exponential delay; rejects at once if the signal aborts. Leaves no timer behind. */
export function backoff(attempt: number, options: Required<RetryOptions>, signal?: AbortSignal): Promise<void> {
  throwIfAborted(signal)
  const cap = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** attempt)
  const ms = Math.random() * cap
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
