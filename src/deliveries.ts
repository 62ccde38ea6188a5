/**
 * Inventory deliveries: the dated folders (`YYYY-MM-DDTHH-MMZ/`) under an inventory configuration's
 * folder, each holding manifest.json and manifest.checksum. A delivery is complete when both exist and
 * the checksum matches (AWS writes manifest.checksum to signal that a delivery is ready).
 */
import { createHash } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { S3InventoryError } from './errors.js'
import { instant } from './filter.js'
import { checksumKeyFor, formatLocation, locationRef, resolveLocation, siblingOf, type Location, type ResolvedLocation } from './location.js'
import { MAX_MANIFEST_BYTES, MAX_SIDECAR_BYTES, parseManifest, readManifestWith, readOptional, type InventoryManifest, type ReadManifestOptions } from './manifest.js'
import { forEachLimited } from './concurrency.js'
import { numberOption, optionalNumber, RANGES } from './options.js'
import { classify } from './sources/retry.js'
import { loadS3Sdk } from './sources/sdk.js'
import { clientScope, type ClientOptions, type ClientScope } from './sources/open.js'

export type DeliveryStatus = 'complete' | 'missing-manifest' | 'missing-checksum' | 'checksum-mismatch'

export interface Delivery {
  /** Folder name, e.g. `2026-11-20T01-00Z`. */
  name: string
  /** The folder's timestamp (UTC): when S3 started the scan. */
  date: Date
  /** Where its manifest.json is (or would be). */
  manifest: ResolvedLocation
  status: DeliveryStatus
}

export interface DeliveriesOptions extends ClientOptions {
  signal?: AbortSignal
  /** Only deliveries strictly before this instant. */
  before?: Date | string | number
  /** Checksums checked at once. Default 8. */
  concurrency?: number
  /** S3 listing page size (ListObjectsV2 MaxKeys). Default 1000. */
  pageSize?: number
}

const FOLDER = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})Z$/

/** Timestamp of a delivery folder name, or undefined if the name is not one. */
export function deliveryDate(name: string): Date | undefined {
  const m = FOLDER.exec(name)
  if (!m) return undefined
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]))
  return Number.isNaN(d.getTime()) || d.getUTCDate() !== +m[3] ? undefined : d
}

/** Every delivery under a configuration folder, newest first, with its completeness. */
export async function listDeliveries(location: Location, options: DeliveriesOptions = {}): Promise<Delivery[]> {
  const concurrency = numberOption(options.concurrency, 'concurrency', RANGES.concurrency, 8)
  optionalNumber(options.pageSize, 'pageSize', RANGES.pageSize)
  const scope = clientScope(options)
  try {
    const found = await deliveryFolders(resolveLocation(location), scope, options)
    const out: Delivery[] = new Array(found.length)
    // The first failure stops the rest, and every check has finished before the client is released.
    await forEachLimited(found.length, concurrency, async (i, signal) => {
      out[i] = { ...found[i], status: (await checkDelivery(found[i].manifest, scope, { ...options, signal })).status }
    }, options.signal)
    return out
  } finally {
    scope.release()
  }
}

/** The newest complete delivery's manifest location (checked newest first; stops at the first complete one). */
export async function findLatestManifest(location: Location, options: DeliveriesOptions = {}): Promise<Delivery> {
  const scope = clientScope(options)
  try {
    return (await latestDelivery(resolveLocation(location), options, scope)).delivery
  } finally {
    scope.release()
  }
}

/** The newest complete delivery, its manifest bytes, and the newer deliveries it skipped (incomplete). */
async function latestDelivery(loc: ResolvedLocation, options: DeliveriesOptions, scope: ClientScope): Promise<{ delivery: Delivery; bytes: Uint8Array; skipped: Delivery[] }> {
  const found = await deliveryFolders(loc, scope, options)
  const skipped: Delivery[] = []
  for (const d of found) {
    const { status, bytes } = await checkDelivery(d.manifest, scope, options)
    if (status === 'complete') return { delivery: { ...d, status }, bytes: bytes!, skipped }
    skipped.push({ ...d, status })
  }
  // Nothing here: perhaps the folder is one level above the configuration folders.
  const below = found.length === 0 ? await configFoldersBelow(loc, scope, options) : []
  throw new S3InventoryError(
    'NOT_FOUND',
    found.length
      ? 'no complete inventory delivery'
      : below.length
        ? `no delivery folders here, but ${below.length === 1 ? 'a configuration folder' : 'configuration folders'} below: ${below.slice(0, 10).join(', ')}${below.length > 10 ? ', …' : ''}`
        : 'no inventory delivery folders (YYYY-MM-DDTHH-MMZ/)',
    {
      ...locationRef(loc),
      expected: `a delivery folder with manifest.json and a matching manifest.checksum${options.before === undefined ? '' : `, before ${String(options.before)}`}`,
      actual: skipped.length ? skipped.slice(0, 5).map((d) => `${d.name} (${d.status})`).join(', ') : undefined,
    },
  )
}

/**
 * The inventory configuration folders directly below `location` (folders that hold delivery folders):
 * what a user who named a folder one level too high probably meant. At most 100 children are looked at.
 */
export async function listConfigurationFolders(location: Location, options: DeliveriesOptions = {}): Promise<string[]> {
  const scope = clientScope(options)
  try {
    return await configFoldersBelow(resolveLocation(location), scope, options)
  } finally {
    scope.release()
  }
}

/** Folders directly below `loc` that hold delivery folders (what a user probably meant). */
async function configFoldersBelow(loc: ResolvedLocation, scope: ClientScope, options: DeliveriesOptions): Promise<string[]> {
  const out: string[] = []
  for (const child of (await childFolders(loc, scope, options)).slice(0, 100)) {
    if ((await childFolders(child.loc, scope, options)).some((c) => deliveryDate(c.name))) out.push(formatLocation(child.loc))
  }
  return out
}

type Found = Omit<Delivery, 'status'>

/** Dated delivery folders under the configuration folder, newest first (data/ and hive/ are not dates, so they drop out). */
async function deliveryFolders(loc: ResolvedLocation, scope: ClientScope, options: DeliveriesOptions): Promise<Found[]> {
  const before = instant(options.before, 'before') ?? Infinity
  const found: Found[] = []
  for (const { name, loc: folder } of await childFolders(loc, scope, options)) {
    const date = deliveryDate(name)
    if (date && date.getTime() < before) found.push({ name, date, manifest: siblingOf(folder, (k) => (folder.kind === 's3' ? `${k}manifest.json` : path.join(k, 'manifest.json'))) })
  }
  return found.sort((a, b) => b.date.getTime() - a.date.getTime())
}

/** The folders directly inside `loc` (S3: common prefixes, `key` ending in `/`). */
async function childFolders(loc: ResolvedLocation, scope: ClientScope, options: DeliveriesOptions): Promise<{ name: string; loc: ResolvedLocation }[]> {
  const out: { name: string; loc: ResolvedLocation }[] = []
  if (loc.kind === 'local') {
    let entries
    try {
      entries = await readdir(loc.path, { withFileTypes: true })
    } catch (err) {
      const code = (err as { code?: string }).code
      const kind = code === 'ENOENT' ? 'NOT_FOUND' : code === 'EACCES' || code === 'EPERM' ? 'ACCESS_DENIED' : code === 'ENOTDIR' ? 'LOCATION_INVALID' : 'IO_ERROR'
      throw new S3InventoryError(kind, 'cannot list the inventory configuration folder', { key: loc.path, expected: 'a readable folder of delivery folders', actual: code, cause: err })
    }
    for (const e of entries) if (e.isDirectory()) out.push({ name: e.name, loc: { kind: 'local', path: path.join(loc.path, e.name) } })
  } else {
    const prefix = loc.key === '' || loc.key.endsWith('/') ? loc.key : `${loc.key}/`
    let token: string | undefined
    do {
      let res
      try {
        const { ListObjectsV2Command } = await loadS3Sdk()
        res = await scope.get().send(new ListObjectsV2Command({ Bucket: loc.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token, MaxKeys: options.pageSize }), {
          abortSignal: options.signal,
        })
      } catch (err) {
        if (options.signal?.aborted) throw options.signal.reason
        throw classify(err, { bucket: loc.bucket, key: prefix }, 0).error
      }
      for (const p of res.CommonPrefixes ?? []) {
        const name = (p.Prefix ?? '').slice(prefix.length).replace(/\/$/, '')
        out.push({ name, loc: { kind: 's3', bucket: loc.bucket, key: `${prefix}${name}/` } })
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined
    } while (token)
  }
  return out
}

/** A delivery's status; for a complete one, also its manifest.json bytes and their MD5 (so they are not read twice). */
async function checkDelivery(manifest: ResolvedLocation, scope: ClientScope, options: DeliveriesOptions): Promise<{ status: DeliveryStatus; bytes?: Uint8Array; md5?: string }> {
  const [m, c] = await Promise.all([
    readOptional(manifest, options, scope, MAX_MANIFEST_BYTES, 'the manifest'),
    readOptional(siblingOf(manifest, checksumKeyFor), options, scope, MAX_SIDECAR_BYTES, 'the checksum file'),
  ])
  if (!m) return { status: 'missing-manifest' }
  if (!c) return { status: 'missing-checksum' }
  const md5 = createHash('md5').update(m).digest('hex')
  return Buffer.from(c).toString('utf8').trim().toLowerCase() === md5 ? { status: 'complete', bytes: m, md5 } : { status: 'checksum-mismatch' }
}

export interface LocatedManifest {
  manifest: ResolvedLocation
  /** The delivery chosen, when `location` was a configuration folder. */
  delivery?: Delivery
  /** Newer deliveries that were passed over because they are incomplete (newest first). */
  skipped?: Delivery[]
  /** That delivery's manifest.json, already read and checked against its manifest.checksum (pass it to parseManifest). */
  manifestBytes?: Uint8Array
}

/**
 * What the CLI (and callers with a folder in hand) mean by "location": a manifest.json, a delivery
 * folder holding one, or a configuration folder (then its newest complete delivery).
 */
export async function locateManifest(location: Location, options: DeliveriesOptions = {}): Promise<LocatedManifest> {
  const scope = clientScope(options)
  try {
    return await locateWith(resolveLocation(location), options, scope)
  } finally {
    scope.release()
  }
}

async function locateWith(loc: ResolvedLocation, options: DeliveriesOptions, scope: ClientScope): Promise<LocatedManifest> {
  const latest = async (folder: ResolvedLocation): Promise<LocatedManifest> => {
    const { delivery, bytes, skipped } = await latestDelivery(folder, options, scope)
    return { manifest: delivery.manifest, delivery, manifestBytes: bytes, skipped }
  }
  if (loc.kind === 'local') {
    let isDir = false
    try {
      isDir = (await stat(loc.path)).isDirectory()
    } catch {
      return { manifest: loc } // readManifest will say NOT_FOUND
    }
    if (!isDir) return { manifest: loc }
    const inside: ResolvedLocation = { kind: 'local', path: path.join(loc.path, 'manifest.json') }
    try {
      await stat(inside.path)
      return { manifest: inside }
    } catch {
      return latest(loc)
    }
  }
  if (/\.json$/i.test(loc.key)) return { manifest: loc }
  const folder = loc.key === '' || loc.key.endsWith('/') ? loc.key : `${loc.key}/`
  if (deliveryDate(folder.split('/').slice(-2)[0])) return { manifest: { ...loc, key: `${folder}manifest.json` } }
  return latest({ kind: 's3', bucket: loc.bucket, key: folder })
}

export interface OpenedManifest {
  manifest: InventoryManifest
  /** The delivery chosen, when the location was a configuration folder. */
  delivery?: Delivery
  /** Newer deliveries passed over because they are incomplete. */
  skipped?: Delivery[]
}

/**
 * The inventory manifest a location names — a manifest.json, a delivery folder, or a configuration
 * folder (its newest complete delivery) — read and checked against its manifest.checksum.
 */
export async function openManifest(location: Location, options: DeliveriesOptions & ReadManifestOptions = {}): Promise<OpenedManifest> {
  const scope = clientScope(options)
  try {
    return await openManifestWith(location, options, scope)
  } finally {
    scope.release()
  }
}

/** openManifest with a client scope owned by the caller (which may read data files next). */
export async function openManifestWith(location: Location, options: DeliveriesOptions & ReadManifestOptions, scope: ClientScope): Promise<OpenedManifest> {
  const found = await locateWith(resolveLocation(location), options, scope)
  const manifest = found.manifestBytes ? parseManifest(found.manifestBytes, found.manifest, undefined, 'verified') : await readManifestWith(found.manifest, options, scope)
  return { manifest, delivery: found.delivery, skipped: found.skipped }
}
