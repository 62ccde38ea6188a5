/**
 * Conformance over files written by Amazon S3 itself (../shared/real-samples, read in place).
 * The CSV, current-versions-only CSV, Parquet and ORC deliveries describe the same five objects.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { readInventory, readManifest } from '../src/index.js'
import { freshBucket, putObjects, s3Client } from './support/s3.js'
import { collect, plain } from './support/tmp.js'
import { readFile, readdir } from 'node:fs/promises'

const SAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/real-samples/umccr-orcabus')
const present = existsSync(SAMPLES)
if (!present) console.warn(`conformance: skipped — ${SAMPLES} is absent (CI provides ../shared/real-samples)`)

const d = (s: string) => new Date(s)
const common = { bucket: 'filemanager-inventory-test', eTag: 'd41d8cd98f00b204e9800998ecf8427e', storageClass: 'STANDARD', isMultipartUploaded: false, encryptionStatus: 'SSE-S3', bucketKeyStatus: 'DISABLED' }
const none = { replicationStatus: undefined, objectLockRetainUntilDate: undefined, objectLockMode: undefined, objectLockLegalHoldStatus: undefined, intelligentTieringAccessTier: undefined, checksumAlgorithm: undefined }
const FIVE = [
  { ...common, ...none, key: 'inventory-test/', versionId: undefined, isLatest: true, isDeleteMarker: false, size: 0, lastModifiedDate: d('2024-05-06T22:37:48.000Z') },
  { ...common, ...none, key: 'inventory-test/key1', versionId: undefined, isLatest: false, isDeleteMarker: false, size: 0, lastModifiedDate: d('2024-05-06T22:38:00.000Z') },
  { ...common, ...none, key: 'inventory-test/key1', versionId: 'tpinzcbxOfWpZsmjvVgdHEvSohsY4TA0', isLatest: true, isDeleteMarker: false, size: 5, lastModifiedDate: d('2024-05-06T22:44:22.000Z'), eTag: 'd8e8fca2dc0f896fd7cb4cb0031ba249' },
  // The delete marker: no size, ETag, storage class, multipart flag or encryption status.
  { ...none, bucket: 'filemanager-inventory-test', key: 'inventory-test/key2', versionId: 'gdN1exfZmD7m713patv8dlQ7fTNwle3v', isLatest: true, isDeleteMarker: true, size: undefined, lastModifiedDate: d('2024-05-06T22:46:14.000Z'), eTag: undefined, storageClass: undefined, isMultipartUploaded: undefined, encryptionStatus: undefined, bucketKeyStatus: 'DISABLED' },
  { ...common, ...none, key: 'inventory-test/key2', versionId: 'zl_C7NLxrkBsMFD5HQUdybrmuV9VpvkN', isLatest: false, isDeleteMarker: false, size: 5, lastModifiedDate: d('2024-05-06T22:45:34.000Z'), eTag: 'd8e8fca2dc0f896fd7cb4cb0031ba249' },
]

describe.skipIf(!present)('real S3 Inventory samples (umccr/orcabus, May 2024)', () => {
  const manifest = (name: string) => path.join(SAMPLES, `${name}_manifest.json`)
  const byIdentity = (r: Record<string, unknown>) => `${r.key}|${r.versionId ?? ''}|${(r.lastModifiedDate as Date).toISOString()}`

  it('CSV: five typed rows; manifest.checksum verified', async () => {
    expect((await readManifest(manifest('csv_inventory'))).checksum).toBe('verified')
    expect(plain(await collect(readInventory(manifest('csv_inventory'))))).toEqual(FIVE)
  })
  it('Parquet: the same five objects (null where CSV has "")', async () => {
    const rows = plain(await collect(readInventory(manifest('parquet_inventory'))))
    expect(rows.sort((a, b) => byIdentity(a).localeCompare(byIdentity(b)))).toEqual([...FIVE].sort((a, b) => byIdentity(a).localeCompare(byIdentity(b))))
  })
  it('current-versions-only CSV: the same objects, without version columns', async () => {
    const rows = plain(await collect(readInventory(manifest('csv_inventory_no_version'))))
    expect(rows).toHaveLength(2)
    for (const r of rows) {
      expect(r).not.toHaveProperty('versionId')
      const match = FIVE.find((f) => f.key === r.key && f.lastModifiedDate.getTime() === (r.lastModifiedDate as Date).getTime())
      expect(match, String(r.key)).toBeDefined()
      const { versionId, isLatest, isDeleteMarker, ...rest } = match!
      void versionId, void isLatest, void isDeleteMarker
      expect(r).toEqual(rest)
    }
  })
  it('ORC: the same five objects (null where CSV has ""), from the file\'s own columns', async () => {
    expect((await readManifest(manifest('orc_inventory'))).checksum).toBe('verified')
    const rows = plain(await collect(readInventory(manifest('orc_inventory'))))
    expect(rows).toEqual(FIVE)
  })
  it('the same bytes served by the local S3 server give the same rows', async () => {
    const client = s3Client()
    const bucket = await freshBucket(client, 'real')
    const files = await readdir(SAMPLES)
    await putObjects(client, bucket, await Promise.all(files.map(async (f) => [f, await readFile(path.join(SAMPLES, f))] as [string, Buffer])))
    for (const name of ['csv_inventory', 'parquet_inventory', 'orc_inventory']) {
      const local = plain(await collect(readInventory(manifest(name))))
      const remote = plain(await collect(readInventory({ bucket, key: `${name}_manifest.json` }, { client })))
      expect(remote).toEqual(local)
    }
    client.destroy()
  })
})
