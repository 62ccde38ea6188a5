/** batchHandler: S3 Batch Operations Lambda events (schemas 1.0 and 2.0), error mapping, and a real GetObject against the local S3 server. */
import { NoSuchKey, S3ServiceException } from '@aws-sdk/client-s3'
import type { Context, S3BatchEvent, S3BatchHandler, S3BatchResult } from 'aws-lambda'
import { describe, expect, it } from 'vitest'
import { batchHandler, describeError, type BatchEvent, type BatchEventV1, type BatchResponse, type BatchTask } from '../src/batch/handler.js'
import { S3InventoryError } from '../src/index.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'

/** The schema 1.0 example event from the AWS docs (batch-ops-invoke-lambda), verbatim. */
const docEvent1 = (): S3BatchEvent => ({
  invocationSchemaVersion: '1.0',
  invocationId: 'YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo',
  job: { id: 'f3cc4f60-61f6-4a2b-8a21-d07600c373ce' },
  tasks: [{ taskId: 'dGFza2lkZ29lc2hlcmUK', s3Key: 'customerImage1.jpg', s3VersionId: '1', s3BucketArn: 'arn:aws:s3:us-east-1:0123456788:awsexamplebucket' }],
})

/** The schema 2.0 example event shape (userArguments, s3Bucket). */
const docEvent2 = (): BatchEvent => ({
  invocationSchemaVersion: '2.0',
  invocationId: 'Jr3s8KZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZzatx7Ruy',
  job: { id: 'ry77cd60-61f6-4a2b-8a21-d07600c874gf', userArguments: { k1: 'v1', k2: 'v2' } },
  tasks: [{ taskId: 'y5R3a2lkZ29lc2hlurcS', s3Key: 's3objectkey1', s3VersionId: null, s3Bucket: 'amzn-s3-demo-bucket' }],
})

const oneTask = (s3Key: string): BatchEvent => ({ ...docEvent2(), tasks: [{ taskId: 't1', s3Key, s3VersionId: null, s3Bucket: 'b' }] })

const sdkError = (name: string, status: number, message = `${name} happened`) =>
  new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message })
const withCode = (code: string, name = 'Error') => Object.assign(new Error(`connect ${code} 52.1.2.3:443`), { code, name })

describe('batchHandler', () => {
  it('schema 1.0 (the docs event): bucket after the last ":" of the ARN, response echoes the IDs', async () => {
    const seen: Omit<BatchTask, 's3' | 'signal'>[] = []
    const handler = batchHandler((task) => {
      const { s3: _s3, signal: _signal, ...rest } = task
      seen.push(rest)
      return `done ${task.bucket}/${task.key}`
    })
    const res = await handler(docEvent1())
    expect(seen).toEqual([
      {
        bucket: 'awsexamplebucket',
        key: 'customerImage1.jpg',
        rawKey: 'customerImage1.jpg',
        versionId: '1',
        userArguments: {},
        jobId: 'f3cc4f60-61f6-4a2b-8a21-d07600c373ce',
        taskId: 'dGFza2lkZ29lc2hlcmUK',
        invocationId: 'YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo',
        invocationSchemaVersion: '1.0',
      },
    ])
    expect(res).toEqual({
      invocationSchemaVersion: '1.0',
      treatMissingKeysAs: 'PermanentFailure',
      invocationId: 'YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo',
      results: [{ taskId: 'dGFza2lkZ29lc2hlcmUK', resultCode: 'Succeeded', resultString: 'done awsexamplebucket/customerImage1.jpg' }],
    })
    // The usual ARN shape too.
    const usual = docEvent1()
    usual.tasks[0].s3BucketArn = 'arn:aws:s3:::my.bucket-name'
    expect((await batchHandler((t) => t.bucket)(usual)).results[0].resultString).toBe('my.bucket-name')
  })

  it('schema 2.0: s3Bucket, userArguments, null version, treatMissingKeysAs option', async () => {
    const handler = batchHandler((t) => JSON.stringify({ bucket: t.bucket, args: t.userArguments, v: t.versionId ?? 'none' }), { treatMissingKeysAs: 'TemporaryFailure' })
    expect(await handler(docEvent2())).toEqual({
      invocationSchemaVersion: '2.0',
      treatMissingKeysAs: 'TemporaryFailure',
      invocationId: 'Jr3s8KZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZzatx7Ruy',
      results: [{ taskId: 'y5R3a2lkZ29lc2hlurcS', resultCode: 'Succeeded', resultString: '{"bucket":"amzn-s3-demo-bucket","args":{"k1":"v1","k2":"v2"},"v":"none"}' }],
    })
  })

  it.each([
    ['a+b', 'a b'],
    ['a%20b', 'a b'],
    ['a%2Bb', 'a+b'],
    ['a%2520b', 'a%20b'],
    ['dir/%E6%97%A5%20x+y.txt', 'dir/日 x y.txt'],
  ])('decodes s3Key %s as %s (plus-aware, once)', async (raw, key) => {
    const res = await batchHandler((t) => t.key)(oneTask(raw))
    expect(res.results[0]).toEqual({ taskId: 't1', resultCode: 'Succeeded', resultString: key })
  })

  it('a malformed s3Key fails the task permanently, naming the problem', async () => {
    const res = await batchHandler(() => 'never')(oneTask('bad%E6'))
    expect(res.results[0]).toMatchObject({ taskId: 't1', resultCode: 'PermanentFailure' })
    expect(res.results[0].resultString).toMatch(/^KEY_DECODE_FAILED/)
  })

  it.each<[string, unknown, 'TemporaryFailure' | 'PermanentFailure']>([
    ['RequestTimeout (400)', sdkError('RequestTimeout', 400), 'TemporaryFailure'],
    ['SlowDown (503)', sdkError('SlowDown', 503), 'TemporaryFailure'],
    ['ThrottlingException (400)', sdkError('ThrottlingException', 400), 'TemporaryFailure'],
    ['TooManyRequests (429)', sdkError('TooManyRequests', 429), 'TemporaryFailure'],
    ['InternalError (500)', sdkError('InternalError', 500), 'TemporaryFailure'],
    ['any 5xx (502)', sdkError('BadGateway', 502), 'TemporaryFailure'],
    ['ECONNRESET', withCode('ECONNRESET'), 'TemporaryFailure'],
    ['ETIMEDOUT', withCode('ETIMEDOUT'), 'TemporaryFailure'],
    ['TimeoutError', Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }), 'TemporaryFailure'],
    ['RETRIES_EXHAUSTED from this library', new S3InventoryError('RETRIES_EXHAUSTED', 'gave up', { bucket: 'b', key: 'k' }), 'TemporaryFailure'],
    ['NoSuchKey (404)', new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'The specified key does not exist.' }), 'PermanentFailure'],
    ['AccessDenied (403)', sdkError('AccessDenied', 403), 'PermanentFailure'],
    ['a TypeError (bug)', new TypeError("Cannot read properties of undefined (reading 'x')"), 'PermanentFailure'],
    ['a thrown string', 'just a string', 'PermanentFailure'],
    ['DATA_CHECKSUM_MISMATCH from this library', new S3InventoryError('DATA_CHECKSUM_MISMATCH', 'bad bytes', { key: 'f' }), 'PermanentFailure'],
  ])('a callback that throws %s → %s', async (_, err, code) => {
    const res = await batchHandler(() => {
      throw err
    })(oneTask('k'))
    expect(res.results).toHaveLength(1)
    expect(res.results[0].resultCode).toBe(code)
    expect(res.results[0].resultString).not.toMatch(/\n|    at /) // one line, no stack
    expect(res.results[0].resultString.length).toBeGreaterThan(5)
  })

  it('resultString from an error is "Name (HTTP n): message", truncated, without credentials', async () => {
    const err = sdkError('SlowDown', 503, 'Please reduce your request rate.')
    expect(describeError(err)).toBe('SlowDown (HTTP 503): Please reduce your request rate.')
    const leaky = new Error(`GET https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F2026&X-Amz-Signature=deadbeef failed ${'x'.repeat(3000)}`)
    const res = await batchHandler(
      () => {
        throw leaky
      },
      { maxErrorLength: 300 },
    )(oneTask('k'))
    const s = res.results[0].resultString
    expect(s.length).toBe(300)
    expect(s.startsWith('Error: GET https://b.s3.amazonaws.com/k?')).toBe(true)
    expect(s).not.toContain('AKIAIOSFODNN7EXAMPLE')
    expect(s).not.toContain('deadbeef')
  })

  it('the callback chooses the result: explicit codes, undefined, and invalid results', async () => {
    const run = (outcome: unknown) => batchHandler(() => outcome as never)(oneTask('k')).then((r) => r.results[0])
    expect(await run({ resultCode: 'TemporaryFailure', resultString: 'try later' })).toEqual({ taskId: 't1', resultCode: 'TemporaryFailure', resultString: 'try later' })
    expect(await run({ resultCode: 'PermanentFailure' })).toEqual({ taskId: 't1', resultCode: 'PermanentFailure', resultString: '' })
    expect(await run(undefined)).toEqual({ taskId: 't1', resultCode: 'Succeeded', resultString: '' })
    const bad = await run({ resultCode: 'Maybe' })
    expect(bad.resultCode).toBe('PermanentFailure')
    expect(bad.resultString).toContain('invalid task result')
  })

  it('answers every task of an event, in order', async () => {
    const event = docEvent2()
    event.tasks = ['a', 'b', 'c'].map((k, i) => ({ taskId: `t${i}`, s3Key: k, s3VersionId: null, s3Bucket: 'b' }))
    const res = await batchHandler((t) => {
      if (t.key === 'b') throw sdkError('SlowDown', 503)
      return t.key.toUpperCase()
    })(event)
    expect(res.results.map((r) => [r.taskId, r.resultCode, r.resultString.slice(0, 8)])).toEqual([
      ['t0', 'Succeeded', 'A'],
      ['t1', 'TemporaryFailure', 'SlowDown'],
      ['t2', 'Succeeded', 'C'],
    ])
  })

  it('a task still running near the Lambda deadline is answered TemporaryFailure and its signal aborts', async () => {
    let aborted = false
    const handler = batchHandler(
      (t) =>
        new Promise<string>((resolve) => {
          t.signal.addEventListener('abort', () => (aborted = true))
          setTimeout(() => resolve('too late'), 5000).unref()
        }),
      { timeoutMarginMs: 1000 },
    )
    const started = Date.now()
    const res = await handler(oneTask('k'), { getRemainingTimeInMillis: () => 1150 })
    expect(Date.now() - started).toBeLessThan(1000)
    expect(aborted).toBe(true)
    expect(res.results[0].resultCode).toBe('TemporaryFailure')
    expect(res.results[0].resultString).toMatch(/^TimeoutError: task still running/)
  })

  it('rejects events that are not Batch Operations invocations; a task without a bucket fails alone', async () => {
    const handler = batchHandler(() => 'ok')
    await expect(handler({ Records: [] } as never)).rejects.toMatchObject({ code: 'EVENT_INVALID', name: 'S3InventoryError' })
    await expect(handler({ ...docEvent2(), tasks: [{ s3Key: 'k' }] } as never)).rejects.toMatchObject({ code: 'EVENT_INVALID', field: 'tasks[0].taskId', message: 'a task has no taskId' })
    const res = await handler({ ...docEvent2(), tasks: [{ taskId: 'x', s3Key: 'k', s3VersionId: null }, ...docEvent2().tasks] } as never)
    expect(res.results[0]).toMatchObject({ taskId: 'x', resultCode: 'PermanentFailure' })
    expect(res.results[0].resultString).toContain('s3Bucket')
    expect(res.results[1]).toMatchObject({ resultCode: 'Succeeded', resultString: 'ok' })
  })

  it('with a real GetObject against the local S3 server, returns exactly the response shape', async () => {
    const client = s3Client()
    const bucket = await freshBucket(client, 'handler')
    await putObjects(client, bucket, [
      ['dir/a b+c.txt', Buffer.from('hello from a b+c')],
      ['plain.txt', Buffer.from('plain body')],
    ])
    const event: BatchEvent = {
      invocationSchemaVersion: '1.0',
      invocationId: 'inv-123',
      job: { id: 'job-456' },
      tasks: [
        { taskId: 'task-1', s3Key: 'dir/a%20b%2Bc.txt', s3VersionId: null, s3BucketArn: `arn:aws:s3:::${bucket}` },
        { taskId: 'task-2', s3Key: 'dir/a+b%2Bc.txt', s3VersionId: null, s3BucketArn: `arn:aws:s3:us-east-1:0123456788:${bucket}` },
        { taskId: 'task-3', s3Key: 'missing.txt', s3VersionId: null, s3BucketArn: `arn:aws:s3:::${bucket}` },
        { taskId: 'task-4', s3Key: 'plain.txt', s3VersionId: null, s3BucketArn: `arn:aws:s3:::${bucket}` },
      ],
    }
    const handler = batchHandler(
      async (task) => {
        if (task.taskId === 'task-4') return `${(await task.s3.headObject()).ContentLength} bytes, ${(await task.s3.getBytes()).length} read`
        return task.s3.getText()
      },
      { client },
    )
    const res = await handler(event)
    expect(res).toEqual({
      invocationSchemaVersion: '1.0',
      treatMissingKeysAs: 'PermanentFailure',
      invocationId: 'inv-123',
      results: [
        { taskId: 'task-1', resultCode: 'Succeeded', resultString: 'hello from a b+c' },
        { taskId: 'task-2', resultCode: 'Succeeded', resultString: 'hello from a b+c' },
        { taskId: 'task-3', resultCode: 'PermanentFailure', resultString: 'NoSuchKey (HTTP 404): The specified key does not exist.' },
        { taskId: 'task-4', resultCode: 'Succeeded', resultString: '10 bytes, 10 read' },
      ],
    })
    expect(Object.keys(res)).toEqual(['invocationSchemaVersion', 'treatMissingKeysAs', 'invocationId', 'results'])
    client.destroy()
  })

  it('types: @types/aws-lambda S3BatchEvent/S3BatchResult/S3BatchHandler fit both ways (checked by tsc)', async () => {
    const handler = batchHandler(() => 'ok')
    const asAws: S3BatchHandler = handler // usable wherever an S3BatchHandler is expected
    const awsEvent: S3BatchEvent = docEvent1()
    const ours: BatchEvent = awsEvent
    const v1: BatchEventV1 = awsEvent
    const backToAws: S3BatchEvent = v1 satisfies BatchEventV1
    const response: BatchResponse = await handler(ours, {} as Context)
    const awsResult: S3BatchResult = response
    const backToOurs: BatchResponse = awsResult satisfies S3BatchResult
    const viaAwsType = (await asAws(backToAws, {} as Context, () => {})) as S3BatchResult
    expect(viaAwsType).toEqual(backToOurs)
  })
})
