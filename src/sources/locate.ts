/**
 * Where the files a manifest lists are: same bucket as the manifest on S3; under the folder that plays
 * the bucket root on disk. Shared by inventory manifests (data files) and Batch Operations completion
 * reports (result files), whose keys are both full keys in the bucket holding the manifest.
 */
import path from 'node:path'
import { isInventoryError } from '../errors.js'
import type { ResolvedLocation } from '../location.js'
import { findLocalRoot, resolveUnderRoot } from './local.js'

export interface LocatedFile {
  loc: ResolvedLocation
  bucket?: string
  key: string
}

export interface LocatorOptions {
  /** Local only: the folder that plays the bucket root. Default: found from the manifest's folder. */
  root?: string
  /**
   * Local only, when no root holds the keys: paths relative to the manifest's folder to try for a key
   * (files copied beside the manifest). Default: the key's base name.
   */
  beside?: (key: string) => string[]
}

export async function fileLocator(
  manifest: ResolvedLocation,
  probeKey: string | undefined,
  options: LocatorOptions = {},
): Promise<(key: string) => Promise<LocatedFile>> {
  if (manifest.kind === 's3') {
    return async (key) => ({ loc: { kind: 's3', bucket: manifest.bucket, key }, bucket: manifest.bucket, key })
  }
  const manifestDir = path.dirname(manifest.path)
  const root = options.root !== undefined ? path.resolve(options.root) : await findLocalRoot(manifest.path, probeKey)
  const manifestRefLocal = { key: manifest.path }
  const beside = options.beside ?? ((key: string) => [path.posix.basename(key)])
  // Only when no root was given or found: the data files may have been copied beside the manifest.
  const tryBeside = options.root === undefined && root === manifestDir
  return async (key) => {
    let file: string | undefined
    try {
      file = await resolveUnderRoot(root, key, manifestRefLocal)
    } catch (err) {
      // Files copied beside the manifest keep only part of their key.
      if (!isInventoryError(err, 'NOT_FOUND') || !tryBeside) throw err
      for (const candidate of beside(key)) {
        try {
          file = await resolveUnderRoot(manifestDir, candidate, manifestRefLocal)
          break
        } catch (e) {
          if (!isInventoryError(e, 'NOT_FOUND')) throw e
        }
      }
      if (file === undefined) throw err
    }
    return { loc: { kind: 'local', path: file }, key: file }
  }
}
