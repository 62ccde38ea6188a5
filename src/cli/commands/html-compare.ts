/** `s3inv html --compare`: the diff between an older delivery and the report's delivery, as the page shows it. */
import type { S3Client } from '@aws-sdk/client-s3'
import { S3InventoryError } from '../../errors.js'
import type { InventoryManifest } from '../../manifest.js'
import type { CompareSummary } from '../../report/compare.js'
import type { CommonFlags, FilterFlags } from '../common.js'

export async function compareFor(older: string, newer: InventoryManifest, flags: CommonFlags & FilterFlags, signal: AbortSignal, client: S3Client | undefined): Promise<CompareSummary> {
  void newer, flags, signal, client
  throw new S3InventoryError('INVALID_ARGUMENT', 'comparing deliveries needs the diff, which this build does not have', { option: '--compare', actual: older })
}
