/**
 * Where the files a manifest lists are. On S3: the same bucket as the manifest, at their keys. On
 * disk the places are derived from the manifest's own path, never searched for:
 *
 * S3 writes `prefix/source-bucket/config-id/YYYY-MM-DDTHH-MMZ/manifest.json` and data keys
 * `prefix/source-bucket/config-id/data/…`, so a data file may be, in this order:
 * 1. under the bucket root derived from the manifest's path: its config folder with the key's
 *    leading `…/config-id/` segments removed (a synced bucket or prefix);
 * 2. in the manifest's config folder, at the key's part from `data/` on (only the config folder was synced);
 * 3. beside the manifest, by its base name (files copied next to it);
 * 4. under the `root` option, when given.
 * Completion reports (`…/job-<id>/manifest.json`, results under `…/job-<id>/results/`) follow the same
 * rule with the job folder and `results/`: (1) the report bucket root, (2) the job folder, (4) `root`.
 * Anything else is PATH_ESCAPE or NOT_FOUND before a byte is read.
 */
import { realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import { S3InventoryError } from '../errors.js'
import type { ResolvedLocation } from '../location.js'
import { localError } from './local.js'
import type { ObjectRef } from './source.js'

export interface LocatedFile {
  loc: ResolvedLocation
  bucket?: string
  key: string
}

/** How a manifest's folder relates to the keys it lists. */
export interface Layout {
  /** The key segment the files live under: `data` (inventories), `results` (completion reports). */
  anchor: string
  /** Folders from the manifest's folder up to the one holding `anchor/`: 1 (config folder above the delivery), 0 (the job folder). */
  levelsUp: number
  /** Also look beside the manifest by base name (step 3). */
  beside: boolean
}

export const INVENTORY_LAYOUT: Layout = { anchor: 'data', levelsUp: 1, beside: true }
export const REPORT_LAYOUT: Layout = { anchor: 'results', levelsUp: 0, beside: false }

export interface LocatorOptions {
  /** Local only: a folder that plays the bucket root (step 4). */
  root?: string
}

export type Locator = (key: string) => Promise<LocatedFile>

export function fileLocator(manifest: ResolvedLocation, layout: Layout, options: LocatorOptions = {}): Locator {
  if (manifest.kind === 's3') {
    return async (key) => ({ loc: { kind: 's3', bucket: manifest.bucket, key }, bucket: manifest.bucket, key })
  }
  const manifestPath = path.resolve(manifest.path)
  const manifestDir = path.dirname(manifestPath)
  let base = manifestDir
  for (let i = 0; i < layout.levelsUp; i++) base = path.dirname(base)
  const where: ObjectRef = { key: manifestPath }
  return async (key) => {
    assertSafeKey(key, where)
    const tried: string[] = []
    for (const [dir, rel] of candidates(key, base, manifestDir, layout, options.root)) {
      const file = path.join(dir, rel)
      tried.push(file)
      if (await exists(file)) return { loc: { kind: 'local', path: await underRoot(dir, file) }, key: file }
    }
    throw new S3InventoryError('NOT_FOUND', 'data file not found in any place its manifest allows', {
      key,
      expected: `one of: ${tried.join(', ')}`,
      actual: `manifest ${manifestPath}`,
    })
  }
}

/** [folder, path under it] pairs to try for `key`, in order (see the module comment). */
function candidates(key: string, base: string, manifestDir: string, layout: Layout, root: string | undefined): [string, string][] {
  const out: [string, string][] = []
  const segments = key.split('/').filter((s) => s !== '')
  const anchor = segments.lastIndexOf(layout.anchor, segments.length - 2)
  const lead = anchor >= 0 ? segments.slice(0, anchor) : segments.slice(0, -1)
  // 1. The base folder ends with the key's leading segments: the bucket root is above them.
  if (lead.length > 0) {
    const baseSegments = base.split(path.sep).filter((s) => s !== '')
    const tail = baseSegments.slice(baseSegments.length - lead.length)
    if (baseSegments.length >= lead.length && tail.every((s, i) => s === lead[i])) {
      let bucketRoot = base
      for (let i = 0; i < lead.length; i++) bucketRoot = path.dirname(bucketRoot)
      out.push([bucketRoot, key])
    }
  }
  // 2. The key from its anchor segment on, under the base folder.
  if (anchor >= 0) out.push([base, segments.slice(anchor).join('/')])
  // 3. Beside the manifest, by base name.
  if (layout.beside) out.push([manifestDir, segments[segments.length - 1] ?? key])
  // 4. The root the caller chose.
  if (root !== undefined) out.push([path.resolve(root), key])
  return out
}

/**
 * Rejects keys that could point outside any folder: absolute paths, `..` segments, NUL bytes,
 * checked on the key text before any path is built from it.
 */
export function assertSafeKey(key: string, where: ObjectRef): void {
  const segments = key.split(/[\\/]/)
  if (key === '' || key.startsWith('/') || key.startsWith('\\') || /^[A-Za-z]:/.test(key) || segments.includes('..') || key.includes('\0')) {
    throw new S3InventoryError('PATH_ESCAPE', 'a file key would leave the folder it is read from', {
      bucket: where.bucket,
      key: where.key,
      expected: 'a relative key without ".." segments',
      actual: key,
    })
  }
}

/** `file` (under `dir`) once its real path is known to stay under `dir`'s: a symlink leading out is PATH_ESCAPE. */
async function underRoot(dir: string, file: string): Promise<string> {
  let real: string
  let realRoot: string
  try {
    realRoot = await realpath(dir)
    real = await realpath(file)
  } catch (err) {
    throw localError(err, file)
  }
  const prefix = realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep
  if (real !== realRoot && !real.startsWith(prefix)) {
    throw new S3InventoryError('PATH_ESCAPE', 'a data file is a symlink that leads outside the folder it is read from', {
      key: file,
      expected: `a file under ${realRoot}`,
      actual: real,
    })
  }
  return file
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p)
    return true
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return false
    // A dangling symlink, a permission problem: not "absent"; let the read say what it is.
    return code === 'ELOOP' || code === 'EACCES' || code === 'EPERM'
  }
}
