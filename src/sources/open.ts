/** Picks the byte source for a location, and owns the default S3 client when the caller gave none. */
import type { S3Client } from '@aws-sdk/client-s3'
import type { ResolvedLocation } from '../location.js'
import { localSource } from './local.js'
import { optionalNumber, RANGES } from '../options.js'
import type { RetryOptions } from './retry.js'
import { s3Source } from './s3.js'
import { lazyS3Client } from './sdk.js'
import type { ByteCounter, ByteSource } from './source.js'

export interface ClientOptions {
  /** S3 client to use. Default: a new `S3Client({})` (default credential chain and region), destroyed when done. */
  client?: S3Client
  /** Retry policy for S3 reads. */
  retry?: RetryOptions
  /** Drop and resume an S3 body that sends nothing for this long while we wait. Default 30000 ms. */
  idleTimeoutMs?: number
}

/** The numeric client options, checked before any request (INVALID_ARGUMENT naming the option). */
export function checkClientOptions(options: ClientOptions): void {
  optionalNumber(options.idleTimeoutMs, 'idleTimeoutMs', RANGES.idleTimeoutMs)
  checkRetry(options.retry, 'retry')
}

export function checkRetry(retry: RetryOptions | undefined, option: string): void {
  if (retry === undefined) return
  optionalNumber(retry.retries, `${option}.retries`, RANGES.retries)
  optionalNumber(retry.minDelayMs, `${option}.minDelayMs`, RANGES.delayMs)
  optionalNumber(retry.maxDelayMs, `${option}.maxDelayMs`, RANGES.delayMs)
}

/** A lazily created client; `release()` destroys it only if we created it (closing its sockets). */
export interface ClientScope {
  get(): S3Client
  release(): void
}

export function clientScope(options: ClientOptions): ClientScope {
  checkClientOptions(options)
  let own: S3Client | undefined
  return {
    get: () => options.client ?? (own ??= lazyS3Client()),
    release: () => {
      own?.destroy()
      own = undefined
    },
  }
}

export function sourceFor(
  loc: ResolvedLocation,
  scope: ClientScope,
  options: ClientOptions & {
    counter?: ByteCounter
    /** The object's size per the manifest (S3: where a read without an end stops). */
    size?: number
    /** Local files: the size the file must have, checked with a stat before the first byte is read. */
    verifySize?: number
  },
): ByteSource {
  return loc.kind === 's3'
    ? s3Source(scope.get(), loc.bucket, loc.key, {
        retry: options.retry,
        idleTimeoutMs: options.idleTimeoutMs,
        counter: options.counter,
        size: options.size,
      })
    : localSource(loc.path, { counter: options.counter, size: options.verifySize })
}
