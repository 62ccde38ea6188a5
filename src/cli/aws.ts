/** S3 client from the AWS CLI's conventions: --profile, --region, --endpoint-url, --no-sign-request, AWS_* variables. */
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3'
import { lazyS3Client } from '../sources/sdk.js'

export interface AwsFlags {
  profile?: string
  region?: string
  endpointUrl?: string
  /** commander turns --no-sign-request into signRequest: false */
  signRequest?: boolean
}

/** The region from the environment, as the AWS CLI reads it. */
export const envRegion = (): string | undefined => process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION

export function s3ClientFromFlags(flags: AwsFlags): S3Client {
  const config: S3ClientConfig = {}
  if (flags.profile) config.profile = flags.profile
  if (flags.region) config.region = flags.region
  const endpoint = flags.endpointUrl ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL
  if (endpoint) {
    config.endpoint = endpoint
    // S3-compatible servers (MinIO, s3rver, …) mostly want path-style URLs and no default checksums.
    config.forcePathStyle = true
    config.requestChecksumCalculation ??= 'WHEN_REQUIRED'
    config.responseChecksumValidation ??= 'WHEN_REQUIRED'
    config.region ??= envRegion() ?? 'us-east-1'
  }
  if (flags.signRequest === false) {
    // Anonymous requests for public buckets: skip credential lookup and signing.
    config.credentials = { accessKeyId: '', secretAccessKey: '' }
    config.signer = { sign: async (request) => request }
    config.region ??= envRegion() ?? 'us-east-1'
  }
  return lazyS3Client(config)
}
