/**
 * Where an engine finds a delivery's rows: Athena through the configuration's Hive folder (one
 * `dt=` partition per delivery, projected, never `MSCK REPAIR`ed), DuckDB through the delivery's data
 * files themselves (local paths, or s3:// URLs for a DuckDB with httpfs).
 */
import path from 'node:path'
import { deliveryDate } from '../deliveries.js'
import { S3InventoryError } from '../errors.js'
import { locationRef } from '../location.js'
import type { InventoryManifest } from '../manifest.js'
import { fileLocator, INVENTORY_LAYOUT } from '../sources/locate.js'

/** The delivery folder name (`2026-11-20T01-00Z`) of a manifest, from its key or path. */
export function deliveryName(m: InventoryManifest): string | undefined {
  const where = m.location.kind === 's3' ? m.location.key : m.location.path.split(path.sep).join('/')
  const parts = where.split('/')
  const name = parts[parts.length - 2]
  return name && deliveryDate(name) ? name : undefined
}

/** The Hive partition value of a delivery: `2026-11-20T01-00Z` → `2026-11-20-01-00` (AWS writes hive/dt=YYYY-MM-DD-HH-MM/). */
export function hiveDt(m: InventoryManifest): string {
  const name = deliveryName(m)
  const d = name ? deliveryDate(name)! : m.creationDate
  return d.toISOString().slice(0, 16).replace(/[T:]/g, '-')
}

/**
 * `s3://destination/prefix/source-bucket/config-id/hive/`: the configuration folder is what comes
 * before `/data/` in the data files' keys (full keys in the destination bucket).
 */
export function hiveLocation(m: InventoryManifest): string {
  const key = m.files[0]?.key ?? ''
  const at = key.lastIndexOf('/data/')
  if (at < 0) {
    throw new S3InventoryError('INVALID_ARGUMENT', 'the data files are not under a configuration folder, so there is no Hive folder to point Athena at', {
      ...locationRef(m.location),
      expected: 'files[].key like prefix/source-bucket/config-id/data/<file>',
      actual: key,
    })
  }
  return `s3://${m.destinationBucketName}/${key.slice(0, at)}/hive/`
}

/** The data files as DuckDB opens them: `s3://bucket/key` for S3 manifests, local paths found as readInventory finds them. */
export async function dataFileUrls(m: InventoryManifest, root?: string): Promise<string[]> {
  if (m.location.kind === 's3') {
    const bucket = m.location.bucket
    return m.files.map((f) => `s3://${bucket}/${f.key}`)
  }
  const locate = fileLocator(m.location, INVENTORY_LAYOUT, { root })
  const out: string[] = []
  for (const f of m.files) out.push((await locate(f.key)).key)
  return out
}
