/** SQS and Secrets Manager clients from the CLI's AWS flags (same conventions as the S3 client in aws.ts). */
import type { SecretsManagerClient, SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager'
import type { SQSClient, SQSClientConfig } from '@aws-sdk/client-sqs'
import { regionFromFlags, type AwsFlags } from './aws.js'

/**
 * SQS client for a queue URL. The region: --region, else the one in the URL (sqs.<region>.amazonaws.com),
 * else the environment's or profile's, else us-east-1; a queue URL on another host (a local or test
 * server) is used as the endpoint.
 */
export async function sqsClientFromFlags(flags: AwsFlags & { sqsEndpointUrl?: string }, queueUrl: string): Promise<SQSClient> {
  const url = new URL(queueUrl)
  const urlRegion = /^(?:sqs\.)?([a-z]{2}(?:-[a-z]+)+-\d+)\.(?:queue\.)?amazonaws\.com(?:\.cn)?$/.exec(url.hostname)?.[1]
  const config: SQSClientConfig = { region: regionFromFlags({ ...flags, region: flags.region ?? urlRegion }, process.env, 'us-east-1') }
  if (flags.profile) config.profile = flags.profile
  if (flags.sqsEndpointUrl) config.endpoint = flags.sqsEndpointUrl
  else if (!/\.amazonaws\.com(\.cn)?$/.test(url.hostname)) config.endpoint = url.origin
  const { SQSClient } = await import('@aws-sdk/client-sqs') // loaded only by the commands that need it
  return new SQSClient(config)
}

/** Secrets Manager client; the region: --region, else the one in a secret ARN, else as for S3. */
export async function secretsClientFromFlags(flags: AwsFlags, secretId: string): Promise<SecretsManagerClient> {
  const arnRegion = /^arn:[^:]+:secretsmanager:([^:]+):/.exec(secretId)?.[1]
  const config: SecretsManagerClientConfig = { region: regionFromFlags({ ...flags, region: flags.region ?? arnRegion }, process.env, 'us-east-1') }
  if (flags.profile) config.profile = flags.profile
  if (flags.endpointUrl) config.endpoint = flags.endpointUrl
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager')
  return new SecretsManagerClient(config)
}
