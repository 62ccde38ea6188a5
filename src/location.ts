/** The forms a caller can name an object by: `s3://bucket/key`, `{ bucket, key }`, a local path, a `file://` URL. */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { S3InventoryError, safeJson } from './errors.js'

export type Location = string | URL | { bucket: string; key: string } | ResolvedLocation

export type ResolvedLocation = { kind: 's3'; bucket: string; key: string } | { kind: 'local'; path: string }

export function resolveLocation(location: Location): ResolvedLocation {
  if (location instanceof URL) return resolveLocation(location.href)
  if (typeof location === 'object' && location !== null) {
    // Already resolved (e.g. Delivery.manifest).
    if ('kind' in location && location.kind === 'local' && typeof location.path === 'string') return { kind: 'local', path: path.resolve(location.path) }
    const { bucket, key } = location as { bucket?: unknown; key?: unknown }
    if (typeof bucket !== 'string' || bucket === '' || typeof key !== 'string') {
      throw new S3InventoryError('LOCATION_INVALID', 'expected { bucket: string, key: string }', { actual: safeJson(location) })
    }
    return { kind: 's3', bucket, key }
  }
  if (typeof location !== 'string' || location === '') {
    throw new S3InventoryError('LOCATION_INVALID', 'expected an s3:// URL, { bucket, key }, a local path or a file:// URL', {
      actual: String(location),
    })
  }
  if (/^s3:\/\//i.test(location)) {
    // Keys are taken verbatim (not URL-decoded), as the AWS CLI does.
    const rest = location.slice(5)
    const slash = rest.indexOf('/')
    const bucket = slash === -1 ? rest : rest.slice(0, slash)
    const key = slash === -1 ? '' : rest.slice(slash + 1)
    if (bucket === '') throw new S3InventoryError('LOCATION_INVALID', 'missing bucket name', { actual: location })
    return { kind: 's3', bucket, key }
  }
  if (/^file:/i.test(location)) {
    try {
      return { kind: 'local', path: fileURLToPath(location) }
    } catch (err) {
      throw new S3InventoryError('LOCATION_INVALID', 'not a valid file:// URL', { actual: location, cause: err })
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw new S3InventoryError('LOCATION_INVALID', 'unsupported URL scheme', { expected: 's3:// or file://', actual: location })
  }
  return { kind: 'local', path: path.resolve(location) }
}

/** The `bucket`/`key` an error names for a location (for a local file, `key` is its path). */
export function locationRef(loc: ResolvedLocation): { bucket?: string; key: string } {
  return loc.kind === 's3' ? { bucket: loc.bucket, key: loc.key } : { key: loc.path }
}

/** The location beside `loc` whose key (or path) is `f` of its key (or path): manifest.json → manifest.checksum. */
export function siblingOf(loc: ResolvedLocation, f: (keyOrPath: string) => string): ResolvedLocation {
  return loc.kind === 's3' ? { ...loc, key: f(loc.key) } : { kind: 'local', path: f(loc.path) }
}

export function formatLocation(loc: ResolvedLocation): string {
  return loc.kind === 's3' ? `s3://${loc.bucket}/${loc.key}` : loc.path
}

/** `dir/manifest.json` → `dir/manifest.checksum` (also for `x_manifest.json` → `x_manifest.checksum`). */
export function checksumKeyFor(manifestKey: string): string {
  return manifestKey.endsWith('.json') ? `${manifestKey.slice(0, -5)}.checksum` : `${manifestKey}.checksum`
}
