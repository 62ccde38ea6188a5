/**
 * A worker process for test/shards.test.ts: reads the shards given as JSON on stdin from the local
 * S3 server (S3_ENDPOINT) and prints one NDJSON line per row: key, versionId, file index, row index.
 */
import { S3Client } from '@aws-sdk/client-s3'
import { rowSource } from '../../src/schema/row.js'
import { readShard } from '../../src/shards.js'

let input = ''
for await (const chunk of process.stdin) input += chunk
const shards = JSON.parse(input) as string[]
const client = new S3Client({
  endpoint: process.env.S3_ENDPOINT,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
})
try {
  for (const body of shards) {
    // Each shard arrives as a message body would: JSON text.
    for await (const batch of readShard(body, { client }).batches()) {
      let out = ''
      for (const r of batch) {
        const s = rowSource(r)!
        out += `${JSON.stringify({ key: r.key, versionId: r.versionId ?? null, file: s.file.fileIndex, row: s.row, pid: process.pid })}\n`
      }
      if (!process.stdout.write(out)) await new Promise((resolve) => process.stdout.once('drain', resolve))
    }
  }
} finally {
  client.destroy()
}
