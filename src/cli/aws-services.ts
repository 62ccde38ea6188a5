/** SQS and Secrets Manager clients from the CLI's AWS flags (same conventions as the S3 client in aws.ts). */
import type { SecretsManagerClient, SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager'
import type { SQSClient, SQSClientConfig } from '@aws-sdk/client-sqs'
import { envRegion, type AwsFlags } from './aws.js'

/**
 * SQS client for a queue URL. The region defaults to the one in the URL (sqs.<region>.amazonaws.com);
 * a queue URL on another host (a local or test server) is used as the endpoint.
 */
export async function sqsClientFromFlags(flags: AwsFlags & { sqsEndpointUrl?: string }, queueUrl: string): Promise<SQSClient> {
  const config: SQSClientConfig = {}
  if (flags.profile) config.profile = flags.profile
  const url = new URL(queueUrl)
  const urlRegion = /^(?:sqs\.)?([a-z]{2}(?:-[a-z]+)+-\d+)\.(?:queue\.)?amazonaws\.com(?:\.cn)?$/.exec(url.hostname)?.[1]
  const region = flags.region ?? envRegion() ?? urlRegion
  if (region) config.region = region
  if (flags.sqsEndpointUrl) config.endpoint = flags.sqsEndpointUrl
  else if (!/\.amazonaws\.com(\.cn)?$/.test(url.hostname)) {
    config.endpoint = url.origin
    config.region ??= 'us-east-1'
  }
  const { SQSClient } = await import('@aws-sdk/client-sqs') // loaded only by the commands that need it
  return new SQSClient(config)
}

/** Secrets Manager client; the region defaults to the one in a secret ARN. */
export async function secretsClientFromFlags(flags: AwsFlags, secretId: string): Promise<SecretsManagerClient> {
  const config: SecretsManagerClientConfig = {}
  if (flags.profile) config.profile = flags.profile
  const arnRegion = /^arn:[^:]+:secretsmanager:([^:]+):/.exec(secretId)?.[1]
  const region = flags.region ?? envRegion() ?? arnRegion
  if (region) config.region = region
  if (flags.endpointUrl) {
    config.endpoint = flags.endpointUrl
    config.region ??= 'us-east-1'
  }
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager')
  return new SecretsManagerClient(config)
}
