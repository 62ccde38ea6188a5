/** `s3inv enqueue`: inventory rows (or one shard per data file) → SQS messages, with a summary on stderr. */
import { writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { enqueue, listShards, S3InventoryError, type EnqueueResult, type EnqueueSource } from '../../index.js'
import { sqsClientFromFlags } from '../aws-services.js'
import { addCommon, addFilters, checkFilterFlags, filterFromFlags, note, openInventory, openManifest, schemaHas, withClient, type CommonFlags, type FilterFlags } from '../common.js'
import { addCursorFlags, cursorKeeper, type CursorFlags } from '../cursor-file.js'
import { interruption } from '../interrupt.js'
import { toStdout, writer } from '../output.js'
import { startProgress } from '../progress.js'
import { FLAG_RANGES, integer, size, UsageError } from '../usage.js'

interface EnqueueFlags extends CommonFlags, FilterFlags, CursorFlags {
  queueUrl: string
  keysPerMessage: number
  shards?: boolean
  batchesInFlight: number
  maxMessageBytes?: number
  messageGroupId?: string
  sqsEndpointUrl?: string
  failedOut?: string
}

export function register(program: Command): void {
  addCursorFlags(addFilters(addCommon(program.command('enqueue'))), 'rows')
    .description('send inventory rows (or one message per data file with --shards) to an SQS queue')
    .argument('<location>', 'manifest.json (s3:// or local), a delivery folder, or an inventory configuration folder (its latest complete delivery)')
    .requiredOption('--queue-url <url>', 'SQS queue URL (a .fifo URL makes a FIFO send)')
    .option('--keys-per-message <n>', 'rows per message: 1 sends {bucket,key,versionId,size}; more send a JSON array of those', integer('--keys-per-message', FLAG_RANGES.keysPerMessage), 1)
    .option('--shards', 'one message per data file (a shard for readShard()) instead of one per row')
    .option('--batches-in-flight <n>', 'SendMessageBatch calls at once, 1-64', integer('--batches-in-flight', FLAG_RANGES.concurrency), 4)
    .option('--max-message-bytes <size>', "largest message and batch, 1KiB-1MiB (default: the queue's MaximumMessageSize, else 256KiB)", size('--max-message-bytes', FLAG_RANGES.messageBytes))
    .option('--message-group-id <id>', 'FIFO: one message group for all (default: one group per message)')
    .option('--sqs-endpoint-url <url>', 'SQS endpoint (default: from the queue URL)')
    .option('--failed-out <file>', 'write messages that could not be sent to this file (NDJSON), or - for stdout')
    .addHelpText(
      'after',
      `
Examples:
  s3inv enqueue s3://inv/…/manifest.json --queue-url https://sqs.us-east-1.amazonaws.com/123456789012/work --suffix .png
  s3inv enqueue ./manifest.json --queue-url URL --keys-per-message 100 --cursor-file enqueue.cursor
  s3inv enqueue ./manifest.json --queue-url URL --keys-per-message 100 --cursor-file enqueue.cursor --start-after "$(cat enqueue.cursor)"
  s3inv enqueue s3://inv/…/manifest.json --queue-url URL --shards   # workers call readShard(JSON.parse(body))`,
    )
    .action(async (location: string, flags: EnqueueFlags) => {
      if (flags.shards && (filterFromFlags(flags) || flags.keysPerMessage !== 1)) {
        throw new UsageError('--shards sends whole data files: filters and --keys-per-message do not apply (filter in the workers)')
      }
      if (flags.shards && (flags.startAfter || flags.cursorFile)) throw new UsageError('--shards sends whole data files: --start-after and --cursor-file apply to rows')
      try {
        new URL(flags.queueUrl)
      } catch {
        throw new UsageError(`bad value for --queue-url: ${JSON.stringify(flags.queueUrl)} (expected a queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/work)`)
      }
      checkFilterFlags(flags)
      const sqs = await sqsClientFromFlags(flags, flags.queueUrl)
      try {
        await withClient(location, flags, (client) => send(location, flags, client, sqs))
      } finally {
        sqs.destroy()
      }
    })
}

async function send(location: string, flags: EnqueueFlags, client: Parameters<typeof openInventory>[2], sqs: Awaited<ReturnType<typeof sqsClientFromFlags>>): Promise<void> {
  const cursor = cursorKeeper(flags)
  let source: EnqueueSource<object>
  let done: (ok: boolean) => void = () => {}
  if (flags.shards) {
    const { manifest } = await openManifest(location, flags, client)
    source = await listShards(manifest, { client, root: flags.root, signal: interruption() })
  } else {
    // The default body needs only these fields (Parquet then fetches only their column chunks); versionId
    // and size are optional fields of an inventory.
    const { stream } = await openInventory(location, flags, client, (m) => ['bucket', 'key', ...(['versionId', 'size'] as const).filter((c) => schemaHas(m, c))])
    source = stream
    done = startProgress(stream.progress, flags)
  }
  let ok = false
  let settledBefore = 0
  let result: EnqueueResult<object>
  try {
    result = await enqueue(source, {
      queueUrl: flags.queueUrl,
      client: sqs,
      rowsPerMessage: flags.keysPerMessage,
      concurrency: flags.batchesInFlight,
      maxMessageBytes: flags.maxMessageBytes,
      messageGroupId: flags.messageGroupId,
      signal: interruption(),
      // Every row up to this one is accepted by SQS (or listed as failed): a resume point.
      onSettled: (row, items) => {
        cursor.advance(row, items - settledBefore)
        settledBefore = items
        if (cursor.due()) void cursor.confirm()
      },
    })
    ok = true
    done(true)
  } finally {
    if (!ok) done(false)
    // Also after a failure or Ctrl-C: the rows settled so far are done.
    void cursor.confirm()
    await (ok ? cursor.close() : cursor.close().catch(() => {}))
  }
  const what = flags.shards ? 'shards' : 'rows'
  note(
    flags,
    `enqueued ${result.sentRows} ${what} in ${result.sent} messages (${result.batches} batches, ${result.requests} requests, up to ${result.maxMessageBytes} bytes each), ` +
      `${result.failed.length} messages failed, in ${(result.elapsedMs / 1000).toFixed(1)} s`,
  )
  if (result.failed.length === 0) return
  for (const f of result.failed.slice(0, 10)) note(flags, `not sent: ${f.code}${f.senderFault ? ' (sender fault)' : ''}: ${f.key ?? '?'}: ${f.message}`)
  if (flags.failedOut) {
    const lines = result.failed.map((f) => `${JSON.stringify({ code: f.code, message: f.message, senderFault: f.senderFault, keys: f.keys, body: f.body })}\n`).join('')
    if (toStdout(flags.failedOut)) await writer().write(lines)
    else await writeFile(flags.failedOut, lines)
  }
  throw new S3InventoryError('SQS_ERROR', `${result.failed.length} messages could not be sent${flags.failedOut ? ` (listed in ${toStdout(flags.failedOut) ? 'standard output' : flags.failedOut})` : ''}`, {
    resource: flags.queueUrl,
  })
}
