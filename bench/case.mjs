// One benchmark case, run in its own process by bench/run.ts: prints {"rows":…,"bytes":…,"rss":…}.
// Plain JS against dist/ so nothing but the code under test runs.
import { createReadStream } from 'node:fs'
import { createGunzip } from 'node:zlib'

const [name, ...args] = process.argv.slice(2)
const opts = JSON.parse(process.env.BENCH_OPTS ?? '{}')
let rows = 0
let bytes = 0

async function gunzipOnly(files, chunkSize) {
  for (const f of files) {
    const z = createReadStream(f, { highWaterMark: 1 << 20 }).pipe(chunkSize ? createGunzip({ chunkSize }) : createGunzip())
    for await (const c of z) bytes += c.length
  }
}

async function s3Client() {
  const { S3Client } = await import('@aws-sdk/client-s3')
  return new S3Client({
    endpoint: process.env.BENCH_S3, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  })
}

switch (name) {
  case 'gunzip': // args: chunkSize files...
    await gunzipOnly(args.slice(1), Number(args[0]) || undefined)
    break
  case 'listKeys': { // args: manifest location
    const { readInventory } = await import('../dist/index.js')
    const location = args[0].startsWith('s3://') ? args[0] : args[0]
    const client = args[0].startsWith('s3://') ? await s3Client() : undefined
    for await (const row of readInventory(location, { ...opts, client })) {
      rows++
      if (row.size !== undefined) bytes += row.size
    }
    client?.destroy()
    break
  }
  case 'hyparquet': { // args: parquet files...
    const { parquetReadObjects, asyncBufferFromFile } = await import('hyparquet')
    for (const f of args) {
      const file = await asyncBufferFromFile(f)
      const objs = await parquetReadObjects({ file, ...(opts.columns ? { columns: opts.columns } : {}) })
      rows += objs.length
    }
    break
  }
  default:
    throw new Error(`unknown case ${name}`)
}
process.stdout.write(`${JSON.stringify({ rows, bytes, rss: process.resourceUsage().maxRSS / 1024 })}\n`)
