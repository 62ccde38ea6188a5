/** A real SDK client for the local s3rver, and helpers to put fixtures into it. */
import { CreateBucketCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import { inject } from 'vitest'

export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

/** Settings s3rver needs (measured: ../shared/reference/environment.md). */
export function s3Client(endpoint = inject('s3Endpoint'), extra: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
    ...extra,
  })
}

let counter = 0
/** A fresh bucket per call, so tests do not see each other's objects. */
export async function freshBucket(client: S3Client, hint = 'test'): Promise<string> {
  const bucket = `${hint}-${process.pid}-${Date.now().toString(36)}-${counter++}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63)
  await client.send(new CreateBucketCommand({ Bucket: bucket }))
  return bucket
}

export async function putObjects(client: S3Client, bucket: string, objects: Map<string, Buffer> | [string, Buffer][]): Promise<void> {
  for (const [key, body] of objects) await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))
}
