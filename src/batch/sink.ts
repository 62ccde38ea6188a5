/**
 * Where a written object goes, as a sink of byte chunks: a local file (written to a temporary name and
 * renamed when complete, so a failed write never leaves a file that looks finished) or an S3 object
 * (one PutObject when it fits in a part, else a multipart upload streamed part by part). Memory is
 * bounded by about two parts: the one filling and the one uploading.
 */
import { numberOption } from '../options.js'
import type { CompletedPart, S3Client } from '@aws-sdk/client-s3'
import { S3InventoryError, throwIfAborted } from '../errors.js'
import type { ResolvedLocation } from '../location.js'
import { fileSink } from '../sinks/file.js'
import { loadS3Sdk, resolveS3Client } from '../sources/sdk.js'
import { backoff, classify, DEFAULT_RETRY, type RetryOptions } from '../sources/retry.js'

export interface Sink {
  write(chunk: Uint8Array): Promise<void>
  /** Finishes the object; S3 answers with its ETag (quoted, as S3 returns it) and VersionId. */
  complete(): Promise<{ etag?: string; versionId?: string }>
  /** Discards everything written (best effort); never throws. */
  abort(): Promise<void>
}

export interface SinkOptions {
  /** The S3 client, asked for only when the destination is on S3. */
  client: () => S3Client
  signal?: AbortSignal
  /** First part size for multipart uploads. Default 8 MiB (S3 minimum 5 MiB). */
  partSize?: number
  retry?: RetryOptions
  contentType?: string
}

export function sinkFor(dest: ResolvedLocation, options: SinkOptions): Sink {
  return dest.kind === 'local' ? localSink(dest.path) : s3Sink(options.client(), dest.bucket, dest.key, options)
}

/** A local file: written under a temporary name and renamed when complete (sinks/file.ts). */
function localSink(file: string): Sink {
  const out = fileSink(file, { mkdir: true })
  return {
    write: (chunk) => out.write(chunk),
    async complete() {
      await out.end()
      return {}
    },
    abort: () => out.destroy(),
  }
}

const MIN_PART = 5 * 1024 * 1024
const MAX_PART = 5 * 1024 ** 3
const MAX_PARTS = 10_000

function s3Sink(client: S3Client, bucket: string, key: string, o: SinkOptions): Sink {
  const base = numberOption(o.partSize, 'partSize', { min: MIN_PART, max: MAX_PART }, 8 * 1024 * 1024)
  const retry = { ...DEFAULT_RETRY, ...o.retry }
  const signal = o.signal
  const ref = { bucket, key }
  let pending: Uint8Array[] = []
  let pendingBytes = 0
  let written = 0
  let uploadId: string | undefined
  let crc32 = false
  const parts: CompletedPart[] = []
  let inflight: Promise<void> | undefined

  // Parts grow (×2 every 1,000) so that 10,000 parts hold any manifest.
  const partSizeFor = (n: number) => Math.min(MAX_PART, base * 2 ** Math.floor((n - 1) / 1000))

  /** One request, retried on throttling / 5xx / network errors (bodies are buffers, so resending is safe). */
  async function send<T>(request: (abortSignal: AbortSignal | undefined) => Promise<T>, offset: number): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(signal)
      try {
        return await request(signal)
      } catch (err) {
        if (signal?.aborted) throw signal.reason
        const c = classify(err, ref, offset)
        if (!c.retriable || attempt >= retry.retries) throw c.error
        await backoff(attempt + 1, retry, signal)
      }
    }
  }

  async function start(): Promise<string> {
    const sdk = await loadS3Sdk()
    // Mirror lib-storage: when the client adds checksums by default, declare CRC32 for the whole upload.
    const mode = await ((await resolveS3Client(client)).config as { requestChecksumCalculation?: () => Promise<string> }).requestChecksumCalculation?.()
    crc32 = mode !== 'WHEN_REQUIRED'
    const res = await send(
      (abortSignal) =>
        client.send(new sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: o.contentType, ChecksumAlgorithm: crc32 ? 'CRC32' : undefined }), { abortSignal }),
      0,
    )
    if (!res.UploadId) throw new S3InventoryError('S3_ERROR', 'CreateMultipartUpload returned no UploadId', { ...ref, expected: 'an UploadId' })
    return res.UploadId
  }

  async function flushPart(): Promise<void> {
    const body = Buffer.concat(pending, pendingBytes)
    const offset = written
    written += body.length
    pending = []
    pendingBytes = 0
    uploadId ??= await start()
    const n = parts.length + 1
    if (n > MAX_PARTS) throw new S3InventoryError('S3_ERROR', `more than ${MAX_PARTS} parts`, { ...ref, offset, expected: `at most ${MAX_PARTS} parts (S3's limit)` })
    // One part uploads while the next one fills.
    await inflight
    const id = uploadId
    const sdk = await loadS3Sdk()
    parts.push({ PartNumber: n })
    inflight = send(
      (abortSignal) =>
        client.send(new sdk.UploadPartCommand({ Bucket: bucket, Key: key, UploadId: id, PartNumber: n, Body: body, ChecksumAlgorithm: crc32 ? 'CRC32' : undefined }), { abortSignal }),
      offset,
    ).then((res) => {
      parts[n - 1] = { PartNumber: n, ETag: res.ETag, ...(res.ChecksumCRC32 && { ChecksumCRC32: res.ChecksumCRC32 }) }
    })
    inflight.catch(() => {}) // awaited (and thrown) by the next flush or by complete()
  }

  return {
    async write(chunk) {
      pending.push(chunk)
      pendingBytes += chunk.length
      if (pendingBytes >= partSizeFor(parts.length + 1)) await flushPart()
    },
    async complete() {
      const sdk = await loadS3Sdk()
      if (uploadId === undefined) {
        const body = Buffer.concat(pending, pendingBytes)
        const res = await send((abortSignal) => client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: o.contentType }), { abortSignal }), 0)
        return { etag: res.ETag, versionId: res.VersionId }
      }
      if (pendingBytes > 0) await flushPart()
      await inflight
      const id = uploadId
      const res = await send(
        (abortSignal) => client.send(new sdk.CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts: parts } }), { abortSignal }),
        written,
      )
      uploadId = undefined
      return { etag: res.ETag, versionId: res.VersionId }
    },
    async abort() {
      pending = []
      await inflight?.catch(() => {})
      if (uploadId === undefined) return
      const id = uploadId
      uploadId = undefined
      const sdk = await loadS3Sdk()
      // Not under the caller's signal: the upload must be discarded even when the caller aborted.
      await client.send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id })).catch(() => {})
    },
  }
}
