/** `s3inv enqueue`: inventory rows (or one shard per data file) → SQS messages, with a summary on stderr. */
import { writeFile } from 'node:fs/promises'
import { CommanderError, type Command } from 'commander'
import type { S3Client } from '@aws-sdk/client-s3'
import { S3InventoryError } from '../../errors.js'
import { listShards } from '../../shards.js'
import { enqueue, type EnqueueSource } from '../../sinks/sqs.js'
import { sqsClientFromFlags } from '../aws-services.js'
import { addCommon, addFilters, filterFromFlags, int, openInventory, openManifest, size, type CommonFlags, type FilterFlags } from '../common.js'
import { startProgress } from '../progress.js'

interface EnqueueFlags extends CommonFlags, FilterFlags {
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
  addFilters(addCommon(program.command('enqueue')))
    .description('send inventory rows (or one message per data file with --shards) to an SQS queue')
    .argument('<location>', 'manifest.json (s3:// or local), a delivery folder, or an inventory configuration folder (its latest complete delivery)')
    .requiredOption('--queue-url <url>', 'SQS queue URL (a .fifo URL makes a FIFO send)')
    .option('--keys-per-message <n>', 'rows per message: 1 sends {bucket,key,versionId,size}; more send a JSON array of those', int('--keys-per-message'), 1)
    .option('--shards', 'one message per data file (a shard for readShard()) instead of one per row')
    .option('--batches-in-flight <n>', 'SendMessageBatch calls at once', int('--batches-in-flight'), 4)
    .option('--max-message-bytes <size>', "largest message and batch (default 256KiB; up to 1MiB if the queue allows)", size('--max-message-bytes'))
    .option('--message-group-id <id>', 'FIFO: one message group for all (default: one group per message)')
    .option('--sqs-endpoint-url <url>', 'SQS endpoint (default: from the queue URL)')
    .option('--failed-out <file>', 'write messages that could not be sent to this file (NDJSON)')
    .addHelpText(
      'after',
      `
Examples:
  s3inv enqueue s3://inv/…/manifest.json --queue-url https://sqs.us-east-1.amazonaws.com/123456789012/work --suffix .png
  s3inv enqueue ./manifest.json --queue-url URL --keys-per-message 100
  s3inv enqueue s3://inv/…/manifest.json --queue-url URL --shards   # workers call readShard(JSON.parse(body))`,
    )
    .action(async (location: string, flags: EnqueueFlags) => {
      if (flags.shards && (filterFromFlags(flags) || flags.keysPerMessage !== 1)) {
        throw new CommanderError(2, 'commander.invalidArgument', '--shards sends whole data files: filters and --keys-per-message do not apply (filter in the workers)')
      }
      if (flags.keysPerMessage < 1 || flags.batchesInFlight < 1) throw new CommanderError(2, 'commander.invalidArgument', '--keys-per-message and --batches-in-flight must be at least 1')
      const ac = new AbortController()
      const sqs = await sqsClientFromFlags(flags, flags.queueUrl)
      let s3: S3Client | undefined
      let done: (ok: boolean) => void = () => {}
      let ok = false
      try {
        let source: EnqueueSource<object>
        if (flags.shards) {
          const opened = await openManifest(location, flags, ac.signal)
          s3 = opened.client
          source = await listShards(opened.manifest, { client: s3, root: flags.root, signal: ac.signal })
        } else {
          // The default body needs only these fields (Parquet then fetches only their column chunks).
          const opened = await openInventory(location, flags, ac.signal, ['bucket', 'key', 'versionId', 'size'])
          s3 = opened.client
          source = opened.stream
          done = startProgress(opened.stream.progress, flags)
        }
        const result = await enqueue(source, {
          queueUrl: flags.queueUrl,
          client: sqs,
          rowsPerMessage: flags.keysPerMessage,
          concurrency: flags.batchesInFlight,
          maxMessageBytes: flags.maxMessageBytes,
          messageGroupId: flags.messageGroupId,
          signal: ac.signal,
        })
        ok = true
        done(true)
        if (!flags.quiet) {
          const what = flags.shards ? 'shards' : 'rows'
          process.stderr.write(
            `s3inv: enqueued ${result.sentRows} ${what} in ${result.sent} messages (${result.batches} batches, ${result.requests} requests), ` +
              `${result.failed.length} messages failed, in ${(result.elapsedMs / 1000).toFixed(1)} s\n`,
          )
        }
        if (result.failed.length > 0) {
          for (const f of result.failed.slice(0, 10)) process.stderr.write(`s3inv: not sent: ${f.code}${f.senderFault ? ' (sender fault)' : ''}: ${f.key ?? '?'}: ${f.message}\n`)
          if (flags.failedOut) {
            await writeFile(flags.failedOut, result.failed.map((f) => `${JSON.stringify({ code: f.code, message: f.message, senderFault: f.senderFault, keys: f.keys, body: f.body })}\n`).join(''))
          }
          throw new S3InventoryError('SQS_ERROR', `${result.failed.length} messages could not be sent${flags.failedOut ? ` (listed in ${flags.failedOut})` : ''}`, {
            key: flags.queueUrl,
          })
        }
      } finally {
        if (!ok) done(false)
        sqs.destroy()
        s3?.destroy()
      }
    })
}
