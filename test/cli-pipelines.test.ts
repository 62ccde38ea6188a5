/**
 * s3inv in pipelines: `--out -` is stdout everywhere, a closed pipe ends every command quietly with 0,
 * `ls --format keys -0` and `--format s3url` feed xargs/s5cmd, and `s3inv manifest` writes the CSV job
 * manifest Batch Operations accepts, from CSV and Parquet inventories, locally and to S3.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { HeadObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3'
import { tableFromIPC } from 'apache-arrow'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { makeRows, writeInventory, type InventoryFixture, type Row } from '../fixtures/generate.js'
import { encodeManifestKey } from '../src/batch/encode.js'
import { writeReport, sampleRows } from './support/batch.js'
import { CLI, runCli as run, s3env } from './support/cli.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { tmpDir } from './support/tmp.js'

/** Runs a shell pipeline with $S3INV as the CLI; returns the CLI's own exit status (PIPESTATUS[0]). */
function pipeline(script: string, env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', `${script}; echo "status=\${PIPESTATUS[0]}" >&2`], { env: { ...process.env, ...env, S3INV: `${process.execPath} ${CLI}` }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', () => {
      const m = /status=(\d+)\n$/.exec(stderr)
      resolve({ status: Number(m?.[1] ?? -1), stdout, stderr: stderr.replace(/status=\d+\n$/, '') })
    })
  })
}

describe('s3inv in pipelines', async () => {
  const root = await tmpDir('cli-pipe')
  const rows = makeRows({ count: 2000, seed: 21 })
  const big = makeRows({ count: 60_000, seed: 22, hardKeys: false })
  let csv: InventoryFixture
  let parquet: InventoryFixture
  let large: InventoryFixture
  let reportManifest = ''
  let bucket = ''

  beforeAll(async () => {
    csv = await writeInventory({ root, format: 'CSV', rows, filesRows: [700] })
    parquet = await writeInventory({ root, format: 'Parquet', rows, filesRows: [700], rowGroupSize: 300 })
    large = await writeInventory({ root: path.join(root, 'large'), format: 'CSV', rows: big, filesRows: [20_000] })
    const report = await writeReport({ root: path.join(root, 'report'), files: [{ status: 'failed', rows: sampleRows(30_000, 'failed', 3), order: 'schema' }] })
    reportManifest = report.manifestPath
    const client = s3Client()
    bucket = await freshBucket(client, 'cli-pipe')
    await putObjects(client, bucket, parquet.objects)
    client.destroy()
  })

  it('ls --format keys -0: NUL after each key, keys with newlines intact (what xargs -0 reads)', async () => {
    const r = await run(['ls', csv.manifestPath, '--format', 'keys', '-0'])
    expect(r.code, r.stderr).toBe(0)
    expect(rows.some((x) => x.key.includes('\n'))).toBe(true)
    expect(r.stdout.endsWith('\0')).toBe(true)
    expect(r.stdout.slice(0, -1).split('\0')).toEqual(rows.map((x) => x.key))
    const counted = await pipeline(`$S3INV ls '${csv.manifestPath}' --format keys -0 | xargs -0 -n 500 sh -c 'echo $#' _`)
    expect(counted.stdout.trim().split('\n').map(Number).reduce((a, b) => a + b, 0)).toBe(rows.length)
  })

  it('ls --format keys without -0 says on stderr how many keys hold a newline; never prints "undefined"', async () => {
    const r = await run(['ls', parquet.manifestPath, '--format', 'keys'])
    expect(r.code).toBe(0)
    expect(r.stdout).not.toContain('undefined')
    expect(r.stdout).toBe(rows.map((x) => `${x.key}\n`).join(''))
    expect(r.stderr).toContain(`s3inv: ${rows.filter((x) => x.key.includes('\n')).length} key holds a newline: use -0 to tell keys apart`)
  })

  it('ls --format s3url: s3://bucket/key per line (keys as they are), -0 too; the bucket column is read from Parquet', async () => {
    const r = await run(['ls', parquet.manifestPath, '--format', 's3url', '--suffix', '.png', '-0'])
    expect(r.code, r.stderr).toBe(0)
    const expected = rows.filter((x) => x.key.endsWith('.png')).map((x) => `s3://${x.bucket}/${x.key}`)
    expect(expected.length).toBeGreaterThan(10)
    expect(r.stdout.slice(0, -1).split('\0')).toEqual(expected)
    const lines = await run(['ls', csv.manifestPath, '--format', 's3url', '--prefix', 'logs/'])
    expect(lines.stdout).toBe(rows.filter((x) => x.key.startsWith('logs/')).map((x) => `s3://${x.bucket}/${x.key}\n`).join(''))
  })

  it('export --out - writes the Arrow stream to stdout (no file named "-")', async () => {
    const r = await pipeline(`cd '${root}' && $S3INV export '${csv.manifestPath}' --format arrow --out - --columns key,size -q > out.arrows`)
    expect(r.status, r.stderr).toBe(0)
    const table = tableFromIPC(await readFile(path.join(root, 'out.arrows')))
    expect(table.numRows).toBe(rows.length)
    expect(table.getChild('key')!.toArray().slice(0, 3)).toEqual(rows.slice(0, 3).map((x) => x.key))
    await expect(readFile(path.join(root, '-'))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('a closed pipe ends every command quietly with exit 0: each ls format, stats, export, manifest, report rows, deliveries, help', async () => {
    const configFolder = path.dirname(path.dirname(large.manifestPath))
    const commands = [
      ...['ndjson', 'csv', 'tsv', 'keys', 's3url'].map((f) => `ls '${large.manifestPath}' --format ${f}`),
      `ls '${large.manifestPath}' --format keys -0`,
      `stats '${large.manifestPath}' --by prefix:2`,
      `export '${large.manifestPath}' --format arrow --out -`,
      `export '${large.manifestPath}' --format parquet --out -`,
      `manifest '${large.manifestPath}' --out -`,
      `report '${reportManifest}' --rows --format csv`,
      `report '${reportManifest}' --rows`,
      `deliveries '${configFolder}'`,
      `latest '${configFolder}' --json`,
      `estimate '${large.manifestPath}'`,
      ...['--help', 'ls --help', 'stats --help', 'manifest --help', 'enqueue --help', 'report --help', 'estimate --help', 'export --help', 'deliveries --help', 'db-uri --help', 'help ls', '--version'],
    ]
    for (const cmd of commands) {
      const quiet = /--help|--version|^help/.test(cmd) ? '' : ' -q'
      const r = await pipeline(`$S3INV ${cmd}${quiet} | head -c 1 > /dev/null`)
      expect(r.status, `${cmd}: ${r.stderr}`).toBe(0)
      expect(r.stderr, cmd).toBe('')
    }
  })

  describe('manifest', () => {
    const expectedLines = (pick: (r: Row) => boolean, versions = false) =>
      rows.filter(pick).map((r) => (versions ? `${r.bucket},${encodeManifestKey(r.key)},${r.versionId || 'null'}` : `${r.bucket},${encodeManifestKey(r.key)}`))

    it('from a Parquet inventory, filtered, to a local file: bucket,key lines (keys URL-encoded), no header; prints the Spec', async () => {
      const out = path.join(root, 'png.csv')
      const r = await run(['manifest', parquet.manifestPath, '--suffix', '.png', '--out', out])
      expect(r.code, r.stderr).toBe(0)
      const text = await readFile(out, 'utf8')
      expect(text.trimEnd().split('\n')).toEqual(expectedLines((x) => x.key.endsWith('.png')))
      expect(text).toContain('%C3%AFve%20caf%C3%A9') // naïve café, as S3 expects it
      expect(JSON.parse(r.stdout)).toEqual({ Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] } })
      const md5 = createHash('md5').update(text).digest('hex')
      expect(r.stderr).toContain(`MD5 ${md5}`)
      expect(r.stderr).toContain('this inventory lists every version') // hint: without --versions, one line per version
    })

    it('--versions adds the VersionId column ("null" where a row has none); --out - -q prints only the CSV', async () => {
      const r = await run(['manifest', csv.manifestPath, '--versions', '--prefix', 'images/', '--out', '-', '-q'])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toBe('')
      const lines = r.stdout.trimEnd().split('\n')
      expect(lines).toEqual(expectedLines((x) => x.key.startsWith('images/'), true))
      expect(lines.some((l) => l.endsWith(',null'))).toBe(true)
    })

    it('to s3://: prints the Manifest block for CreateJob, with the ETag S3 returned for the object written', async () => {
      const key = 'jobs/manifests/logs.csv'
      const r = await run(['manifest', `s3://${bucket}/${parquet.manifestKey}`, '--prefix', 'logs/', '--latest-only', '--out', `s3://${bucket}/${key}`, '--endpoint-url', inject('s3Endpoint')], s3env)
      expect(r.code, r.stderr).toBe(0)
      const block = JSON.parse(r.stdout)
      const client = s3Client()
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
      const body = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString()
      client.destroy()
      expect(block).toEqual({ Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] }, Location: { ObjectArn: `arn:aws:s3:::${bucket}/${key}`, ETag: head.ETag!.replace(/"/g, '') } })
      expect(body.trimEnd().split('\n')).toEqual(expectedLines((x) => x.key.startsWith('logs/') && x.isLatest !== false))
      expect(r.stderr).toContain(`ETag ${head.ETag!.replace(/"/g, '')}`)
    })

    it('nothing matching is MANIFEST_EMPTY (exit 1, nothing written); --allow-empty writes an empty manifest', async () => {
      const out = path.join(root, 'empty.csv')
      const none = await run(['manifest', csv.manifestPath, '--prefix', 'no-such-prefix/', '--out', out])
      expect(none.code).toBe(1)
      // The hint names the flag, not the library's option (allowEmpty).
      expect(none.stderr.split('\n')).toContain(`s3inv: MANIFEST_EMPTY: no rows to write: a job needs at least one task, unless an empty manifest is allowed (--allow-empty, ${out}; expected at least one row)`)
      expect(none.stderr).not.toContain('allowEmpty')
      await expect(readFile(out)).rejects.toMatchObject({ code: 'ENOENT' })
      const empty = await run(['manifest', csv.manifestPath, '--prefix', 'no-such-prefix/', '--out', out, '--allow-empty', '-q'])
      expect(empty.code, empty.stderr).toBe(0)
      expect(await readFile(out, 'utf8')).toBe('')
    })
  })
})
