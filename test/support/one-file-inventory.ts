/** What many tests need: an inventory delivery of one data file, in a folder of its own. */
import { createHash } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'

export interface OneFile {
  /** The data file's name in `dir` (its key in the manifest). */
  name: string
  bytes: Uint8Array
  fileFormat: 'CSV' | 'Parquet' | 'ORC'
  fileSchema: string
  /** Fields that replace the manifest's own (a hostile case's wrong `files`, say). */
  manifest?: Record<string, unknown>
}

/**
 * Writes `bytes` as `dir/name` and a manifest.json listing it with its real size and MD5 (so
 * verification passes unless `manifest` says otherwise). Returns the manifest's path.
 */
export async function oneFileInventory(dir: string, o: OneFile): Promise<string> {
  await writeFile(path.join(dir, o.name), o.bytes)
  const manifest = path.join(dir, 'manifest.json')
  const files = [{ key: o.name, size: o.bytes.length, MD5checksum: createHash('md5').update(o.bytes).digest('hex') }]
  const fields = { sourceBucket: 'src', destinationBucket: 'arn:aws:s3:::dest', version: '2016-11-30', creationTimestamp: '1715043600000' }
  await writeFile(manifest, JSON.stringify({ ...fields, fileFormat: o.fileFormat, fileSchema: o.fileSchema, files, ...o.manifest }))
  return manifest
}
