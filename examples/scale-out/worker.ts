/**
 * Worker: a Lambda function subscribed to the shard queue (event source mapping with
 * ReportBatchItemFailures; batch size 1 is simplest, since a shard is a whole data file). It reads its
 * shard's rows and does the per-object work; a shard that fails is reported back, so SQS redelivers
 * only that message.
 *
 * Containers work the same way: ReceiveMessage, readShard(message.Body), DeleteMessage when done.
 * In your project, import from 's3-inventory-stream' instead of the relative paths below.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda'
import { cursorOf, formatCursor } from '../../src/cursor.js'
import type { InventoryRow } from '../../src/schema/row.js'
import { parseShard, readShard, type Shard } from '../../src/shards.js'

/** The per-object work. Here: totals by storage class; replace with yours (tagging, copying, checks…). */
async function work(rows: InventoryRow[], totals: Map<string, { objects: number; bytes: number }>): Promise<void> {
  for (const r of rows) {
    const t = totals.get(r.storageClass ?? 'unknown') ?? { objects: 0, bytes: 0 }
    t.objects++
    t.bytes += r.size ?? 0
    totals.set(r.storageClass ?? 'unknown', t)
  }
}

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const batchItemFailures: { itemIdentifier: string }[] = []
  for (const record of event.Records) {
    let shard: Shard | undefined
    let last: InventoryRow | undefined
    try {
      shard = parseShard(record.body)
      // Stop reading (and cancel downloads) well before Lambda's own timeout.
      const signal = AbortSignal.timeout(Math.max(1000, context.getRemainingTimeInMillis() - 10_000))
      const totals = new Map<string, { objects: number; bytes: number }>()
      for await (const batch of readShard(shard, { signal, columns: ['key', 'size', 'storageClass'] }).batches()) {
        await work(batch, totals)
        last = batch[batch.length - 1]
      }
      console.log(JSON.stringify({ shard: `${shard.manifestMd5}-${shard.fileIndex}`, totals: Object.fromEntries(totals) }))
    } catch (err) {
      // The cursor of the last row done lets a retry resume (readShard(shard, { startAfter })) if the work is not idempotent.
      const cursor = last && cursorOf(last)
      console.error(JSON.stringify({ messageId: record.messageId, file: shard?.key, error: String(err), resumeAfter: cursor && formatCursor(cursor) }))
      batchItemFailures.push({ itemIdentifier: record.messageId })
    }
  }
  return { batchItemFailures }
}
