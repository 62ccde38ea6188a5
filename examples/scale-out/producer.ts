/**
 * Producer: one SQS message per data file ("shard") of an inventory delivery.
 *
 *   tsx examples/scale-out/producer.ts s3://my-inventory/inv/src/daily/2026-11-20T01-00Z/manifest.json \
 *     https://sqs.us-east-1.amazonaws.com/111122223333/inventory-shards
 *
 * In your project, import from 's3-inventory-stream' instead of the relative paths below.
 */
import { listShards, shardId } from '../../src/shards.js'
import { enqueue } from '../../src/sinks/sqs.js'

const [manifest, queueUrl] = process.argv.slice(2)
if (!manifest || !queueUrl) {
  process.stderr.write('usage: producer.ts <manifest s3:// URL> <queue URL>\n')
  process.exit(2)
}

// Reads manifest.json (and checks manifest.checksum); no data file is downloaded here.
const shards = await listShards(manifest)

const result = await enqueue(shards, {
  queueUrl,
  // FIFO queues only: the same delivery enqueued twice within 5 minutes is dropped by SQS.
  deduplicationId: (m) => shardId(m.rows[0]),
})
process.stderr.write(`enqueued ${result.sent} of ${shards.length} shards in ${Math.round(result.elapsedMs)} ms\n`)
for (const f of result.failed) process.stderr.write(`not sent: file ${f.key}: ${f.code} ${f.message}\n`)
process.exitCode = result.failed.length ? 1 : 0
