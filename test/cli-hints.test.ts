/**
 * Hints instead of silence: a folder one level too high names the configuration folders below it;
 * `latest` says which newer deliveries it skipped as incomplete; job and delivery folders are accepted
 * where manifests are; a manifest of the other kind says which command reads it (no zod text).
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { makeRows, writeInventory, type InventoryFixture } from '../fixtures/generate.js'
import { readInventory } from '../src/inventory.js'
import { sampleRows, writeReport, type ReportFixture } from './support/batch.js'
import { runCli as run, s3env } from './support/cli.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { collect, tmpDir } from './support/tmp.js'

describe('s3inv hints', async () => {
  const root = await tmpDir('cli-hints')
  const rows = makeRows({ count: 300, seed: 71 })
  let good: InventoryFixture
  let report: ReportFixture
  let bucket = ''
  const sourceFolder = () => path.join(root, 'inventory', 'example-source-bucket')
  const csvFolder = () => path.join(sourceFolder(), 'daily-csv')

  beforeAll(async () => {
    good = await writeInventory({ root, format: 'CSV', rows, timestamp: '2026-11-20T01-00Z' })
    const noChecksum = await writeInventory({ root, format: 'CSV', rows: rows.slice(0, 10), timestamp: '2026-11-21T01-00Z', checksum: false })
    const wrong = await writeInventory({ root, format: 'CSV', rows: rows.slice(0, 10), timestamp: '2026-11-22T01-00Z' })
    await writeFile(path.join(csvFolder(), '2026-11-22T01-00Z', 'manifest.checksum'), '0'.repeat(32))
    await writeInventory({ root, format: 'Parquet', rows, timestamp: '2026-11-20T01-00Z' })
    report = await writeReport({ root: path.join(root, 'reports'), files: [{ status: 'failed', rows: sampleRows(40, 'failed', 7), order: 'schema' }] })
    const client = s3Client()
    bucket = await freshBucket(client, 'cli-hints')
    const objects = new Map([...good.objects, ...noChecksum.objects, ...wrong.objects, ...report.objects])
    objects.set(`inventory/example-source-bucket/daily-csv/2026-11-22T01-00Z/manifest.checksum`, Buffer.from('0'.repeat(32)))
    await putObjects(client, bucket, objects)
    client.destroy()
  })

  // Local only: s3rver 3.7.1 answers a delimited listing two levels above the delivery folders with no
  // CommonPrefixes, where S3 lists the configuration folders (the S3 path is the same code as `latest`'s).
  it('deliveries and latest one level above the configuration folders name the folders below', async () => {
    const local = await run(['deliveries', sourceFolder()])
    expect(local.code).toBe(1)
    expect(local.stdout).toBe('')
    expect(local.stderr).toBe(
      `s3inv: NOT_FOUND: no delivery folders here, but configuration folders below: ${csvFolder()}, ${path.join(sourceFolder(), 'daily-parquet')} (${sourceFolder()}; expected dated delivery folders)\n`,
    )
    const latest = await run(['latest', sourceFolder()])
    expect(latest.code).toBe(1)
    expect(latest.stderr).toContain(`configuration folders below: ${csvFolder()}, ${path.join(sourceFolder(), 'daily-parquet')}`)
    const empty = await run(['deliveries', path.join(root, 'reports')])
    expect(empty.code).toBe(1)
    expect(empty.stderr).toMatch(/^s3inv: NOT_FOUND: no inventory delivery folders \(YYYY-MM-DDTHH-MMZ\/\) /)
  })

  it('latest says on stderr which newer incomplete deliveries it skipped; stdout stays the manifest alone', async () => {
    const r = await run(['latest', csvFolder()])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe(`${good.manifestPath}\n`)
    expect(r.stderr).toBe('s3inv: skipped 2 newer incomplete deliveries: 2026-11-22T01-00Z (checksum-mismatch), 2026-11-21T01-00Z (missing-checksum)\n')
    const quiet = await run(['latest', csvFolder(), '-q'])
    expect([quiet.stdout, quiet.stderr]).toEqual([`${good.manifestPath}\n`, ''])
    const ls = await run(['ls', csvFolder(), '--format', 'keys'])
    expect(ls.stderr.split('\n')[0]).toBe('s3inv: skipped 2 newer incomplete deliveries: 2026-11-22T01-00Z (checksum-mismatch), 2026-11-21T01-00Z (missing-checksum)')
  })

  it('latest on a delivery folder says to go one level up', async () => {
    const r = await run(['latest', path.dirname(good.manifestPath)])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^s3inv: LOCATION_INVALID: this is a delivery or a manifest, not an inventory configuration folder \(.*; expected the folder that holds the dated delivery folders \(one level up\)\)\n$/)
  })

  it('report reads a job folder like its manifest.json (local and S3); readInventory reads a delivery folder', async () => {
    const folder = path.dirname(report.manifestPath)
    const byFile = await run(['report', report.manifestPath, '--json'])
    const byFolder = await run(['report', `${folder}/`, '--json'])
    expect(byFolder.code, byFolder.stderr).toBe(0)
    expect(JSON.parse(byFolder.stdout).rows).toBe(40)
    expect(JSON.parse(byFolder.stdout)).toEqual(JSON.parse(byFile.stdout))
    const s3Folder = `s3://${bucket}/${path.posix.dirname(report.manifestKey)}/`
    const remote = await run(['report', s3Folder, '--json', '--endpoint-url', inject('s3Endpoint')], s3env)
    expect(remote.code, remote.stderr).toBe(0)
    expect(JSON.parse(remote.stdout).rows).toBe(40)
    const viaFolder = await collect(readInventory(`${path.dirname(good.manifestPath)}/`, { columns: ['key'] }))
    expect(viaFolder.map((r) => r.key)).toEqual(rows.map((r) => r.key))
  })

  it('a manifest of the other kind says which command reads it, in one line without zod text', async () => {
    const ls = await run(['ls', report.manifestPath])
    expect(ls.code).toBe(1)
    expect(ls.stderr).toMatch(/^s3inv: MANIFEST_INVALID: this is an S3 Batch Operations completion report manifest; read it with readCompletionReport \(s3inv report\) \(/)
    expect(ls.stderr.trim().split('\n')).toHaveLength(1)
    const rep = await run(['report', good.manifestPath])
    expect(rep.code).toBe(1)
    expect(rep.stderr).toMatch(/^s3inv: MANIFEST_INVALID: this is an S3 Inventory manifest; read it with readInventory \(s3inv ls\) \(/)
    expect(rep.stderr.trim().split('\n')).toHaveLength(1)
    for (const r of [ls, rep]) expect(r.stderr).not.toMatch(/invalid_type|Required|expected.*received/i)
  })
})
