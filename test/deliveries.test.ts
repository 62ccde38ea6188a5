import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { deliveryDate, findLatestManifest, listDeliveries, locateManifest } from '../src/deliveries.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { tmpDir } from './support/tmp.js'

const md5 = (b: string) => createHash('md5').update(b).digest('hex')

describe('deliveries', async () => {
  const root = await tmpDir('deliv')
  // 130 hourly deliveries; every 10th has a wrong checksum and every 7th none; data/ and hive/ alongside.
  const names: string[] = []
  const objects: [string, Buffer][] = []
  for (let i = 0; i < 130; i++) {
    const d = new Date(Date.UTC(2026, 10, 1) + i * 3_600_000)
    const name = d.toISOString().slice(0, 16).replace(':', '-') + 'Z'
    names.push(name)
    const body = JSON.stringify({ n: i })
    objects.push([`cfg/${name}/manifest.json`, Buffer.from(body)])
    if (i % 7 !== 3) objects.push([`cfg/${name}/manifest.checksum`, Buffer.from(i % 10 === 9 ? '0'.repeat(32) : `${md5(body)}\n`)])
  }
  objects.push(['cfg/data/abc.csv.gz', Buffer.from('x')], ['cfg/hive/dt=2026-11-01-00-00/symlink.txt', Buffer.from('s3://x')])
  for (const [k, v] of objects) {
    await mkdir(path.dirname(path.join(root, k)), { recursive: true })
    await writeFile(path.join(root, k), v)
  }
  const statusOf = (i: number) => (i % 7 === 3 ? 'missing-checksum' : i % 10 === 9 ? 'checksum-mismatch' : 'complete')

  it('parses delivery folder names strictly', () => {
    expect(deliveryDate('2026-11-20T01-00Z')).toEqual(new Date('2026-11-20T01:00:00Z'))
    for (const bad of ['data', 'hive', '2026-11-20T01:00Z', '2026-02-30T01-00Z', '2026-11-20T01-00']) expect(deliveryDate(bad)).toBeUndefined()
  })

  it('lists every delivery newest first with its completeness, paginating on S3', async () => {
    const client = s3Client()
    const bucket = await freshBucket(client, 'deliv')
    await putObjects(client, bucket, objects)
    const expected = names.map((name, i) => ({ name, status: statusOf(i) })).reverse()
    const local = await listDeliveries(path.join(root, 'cfg'))
    expect(local.map((d) => ({ name: d.name, status: d.status }))).toEqual(expected)
    const remote = await listDeliveries(`s3://${bucket}/cfg/`, { client, pageSize: 7 })
    expect(remote.map((d) => ({ name: d.name, status: d.status }))).toEqual(expected)
    expect(remote[0].manifest).toEqual({ kind: 's3', bucket, key: `cfg/${names[129]}/manifest.json` })
    // The newest complete one, and with `before`.
    const latest = await findLatestManifest({ bucket, key: 'cfg' }, { client, pageSize: 7 })
    const newestComplete = [...names.keys()].reverse().find((i) => statusOf(i) === 'complete')!
    expect(latest.name).toBe(names[newestComplete])
    const before = await findLatestManifest(path.join(root, 'cfg'), { before: new Date(Date.UTC(2026, 10, 1, 10)) })
    expect(before.name).toBe('2026-11-01T08-00Z') // 09 has a wrong checksum, 10 is not before
    client.destroy()
  })

  it('no complete delivery is NOT_FOUND saying what was skipped', async () => {
    const cfg = path.join(root, 'incomplete')
    await mkdir(path.join(cfg, '2026-11-02T00-00Z'), { recursive: true })
    await mkdir(path.join(cfg, '2026-11-03T00-00Z'), { recursive: true })
    await writeFile(path.join(cfg, '2026-11-03T00-00Z', 'manifest.json'), '{}')
    const err = await findLatestManifest(cfg).catch((e) => e)
    expect(err).toMatchObject({ code: 'NOT_FOUND', key: cfg })
    expect(err.actual).toBe('2026-11-03T00-00Z (missing-checksum), 2026-11-02T00-00Z (missing-manifest)')
    await expect(findLatestManifest(path.join(root, 'nothing-here'))).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('locateManifest: a manifest, a delivery folder, or a configuration folder', async () => {
    const cfg = path.join(root, 'cfg')
    expect((await locateManifest(path.join(cfg, names[5], 'manifest.json'))).manifest).toEqual({ kind: 'local', path: path.join(cfg, names[5], 'manifest.json') })
    expect((await locateManifest(path.join(cfg, names[5]))).manifest).toEqual({ kind: 'local', path: path.join(cfg, names[5], 'manifest.json') })
    const viaConfig = await locateManifest(cfg)
    expect(viaConfig.delivery?.status).toBe('complete')
    expect((await locateManifest('s3://b/cfg/2026-11-01T05-00Z/')).manifest).toEqual({ kind: 's3', bucket: 'b', key: 'cfg/2026-11-01T05-00Z/manifest.json' })
  })
})

describe('a Delivery feeds readInventory directly', async () => {
  it('works for local deliveries', async () => {
    const { readInventory } = await import('../src/index.js')
    const d = await findLatestManifest('fixtures/demo/example-inventory-destination/inventory/example-source-bucket/daily-csv')
    let n = 0
    for await (const _ of readInventory(d.manifest, { columns: ['key'] })) n++
    expect(n).toBe(5000)
  })
})
