/**
 * The S3 SDK, loaded on first use. Importing @aws-sdk/client-s3 costs ~0.1 s of start-up, which
 * work on local files (and every `s3inv` run on them) should not pay.
 */
import type * as S3Sdk from '@aws-sdk/client-s3'
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3'

let sdk: Promise<typeof S3Sdk> | undefined
export const loadS3Sdk = (): Promise<typeof S3Sdk> => (sdk ??= import('@aws-sdk/client-s3'))

const REAL = Symbol('s3inv.realClient')

/**
 * An S3Client that is created, with `config`, on its first `send`. It supports `send` and `destroy`,
 * the only members our readers use; `resolveS3Client` gives the real client for anything else.
 */
export function lazyS3Client(config: S3ClientConfig = {}): S3Client {
  let real: S3Client | undefined
  const resolve = async (): Promise<S3Client> => {
    const { S3Client: Client } = await loadS3Sdk()
    return (real ??= new Client(config))
  }
  const lazy = {
    [REAL]: resolve,
    send: async (command: unknown, options?: unknown) => (await resolve()).send(command as never, options as never),
    destroy: () => real?.destroy(),
  }
  return lazy as unknown as S3Client
}

/** The client itself: a lazy one is created now; any other is returned as is. */
export function resolveS3Client(client: S3Client): Promise<S3Client> {
  const resolve = (client as unknown as { [REAL]?: () => Promise<S3Client> })[REAL]
  return resolve ? resolve() : Promise.resolve(client)
}
