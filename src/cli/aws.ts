/**
 * AWS clients from the AWS CLI's conventions: --profile, --region, --endpoint-url, --no-sign-request,
 * AWS_* variables. Like the AWS CLI: with no region configured S3 uses us-east-1 (and follows S3's
 * redirects to a bucket's own region); a --profile that does not exist is one clear error before any
 * request.
 */
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3'
import { S3InventoryError } from '../index.js'
import { hasProfile, profileName, profileRegion, sharedFiles } from './aws-config.js'

export interface AwsFlags {
  profile?: string
  region?: string
  endpointUrl?: string
  /** commander turns --no-sign-request into signRequest: false */
  signRequest?: boolean
}

type Env = Record<string, string | undefined>

/** The region from the environment, as the AWS CLI reads it. */
export const envRegion = (env: Env = process.env): string | undefined => env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined

/**
 * The region to use: --region, AWS_REGION / AWS_DEFAULT_REGION, the profile's `region`, else `fallback`.
 * A profile named by --profile (or AWS_PROFILE, when no keys are in the environment) must exist.
 */
export function regionFromFlags(flags: AwsFlags, env: Env, fallback: string): string {
  if (flags.signRequest === false) return flags.region ?? envRegion(env) ?? fallback
  const files = sharedFiles(env)
  const name = profileName(flags.profile, env)
  const named = flags.profile !== undefined || (env.AWS_PROFILE !== undefined && !env.AWS_ACCESS_KEY_ID)
  if (named && !hasProfile(files, name)) {
    throw new S3InventoryError('CREDENTIALS_MISSING', `the AWS profile "${name}" does not exist`, {
      option: flags.profile !== undefined ? '--profile' : 'AWS_PROFILE',
      expected: `a [profile ${name}] section in ${files.configPath} or a [${name}] section in ${files.credentialsPath}`,
      actual: name,
    })
  }
  return flags.region ?? envRegion(env) ?? profileRegion(files, name) ?? fallback
}

/** The S3 client configuration for the flags (exported for tests: what the client is built from). */
export function s3ConfigFromFlags(flags: AwsFlags, env: Env = process.env): S3ClientConfig {
  const config: S3ClientConfig = {
    region: regionFromFlags(flags, env, 'us-east-1'),
    // A bucket in another region answers 301 with its region: retry there, as the AWS CLI does.
    followRegionRedirects: true,
  }
  if (flags.profile) config.profile = flags.profile
  const endpoint = flags.endpointUrl ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL
  if (endpoint) {
    config.endpoint = endpoint
    // S3-compatible servers (MinIO, s3rver, …) mostly want path-style URLs and no default checksums.
    config.forcePathStyle = true
    config.requestChecksumCalculation = 'WHEN_REQUIRED'
    config.responseChecksumValidation = 'WHEN_REQUIRED'
  }
  if (flags.signRequest === false) {
    // Anonymous requests for public buckets: skip credential lookup and signing.
    config.credentials = { accessKeyId: '', secretAccessKey: '' }
    config.signer = { sign: async (request) => request }
  }
  return config
}

/** An S3 client for the flags; the SDK is loaded only by commands that reach S3. */
export async function s3ClientFromFlags(flags: AwsFlags): Promise<S3Client> {
  const config = s3ConfigFromFlags(flags)
  const { S3Client } = await import('@aws-sdk/client-s3')
  return new S3Client(config)
}
