/** Inventory `manifest.json`: read, checksum-verify against `manifest.checksum`, validate with zod. */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { S3InventoryError, isInventoryError } from './errors.js'
import { checksumKeyFor, locationRef, resolveLocation, siblingOf, type Location, type ResolvedLocation } from './location.js'
import { clientScope, sourceFor, type ClientOptions, type ClientScope } from './sources/open.js'
import { openRegular } from './sources/local.js'
import { readAll, tooLarge } from './sources/source.js'
import { numberOption } from './options.js'
import { checkFileSchema } from './formats/file-schema.js'

const md5Hex = z.string().regex(/^[0-9a-fA-F]{32}$/, 'expected a 32-digit hex MD5')

const FileEntry = z.preprocess(
  // Inventory manifests spell it MD5checksum; accept MD5Checksum (the Batch Operations spelling) too.
  (v) => {
    if (v && typeof v === 'object' && !('MD5checksum' in v) && 'MD5Checksum' in v) {
      return { ...(v as object), MD5checksum: (v as { MD5Checksum: unknown }).MD5Checksum }
    }
    return v
  },
  z.object({
    key: z.string().min(1),
    size: z.number().int().nonnegative(),
    MD5checksum: md5Hex,
  }),
)

const ManifestJson = z.looseObject({
  sourceBucket: z.string().min(1),
  destinationBucket: z.string().min(1),
  version: z.string(),
  creationTimestamp: z.union([z.string().regex(/^\d+$/, 'expected epoch milliseconds as a string of digits'), z.number().int()]),
  fileFormat: z.string().min(1),
  fileSchema: z.string().min(1),
  files: z.array(FileEntry),
})

export interface ManifestFile {
  /** Full key of the data file in the destination bucket. */
  key: string
  /** Size in bytes of the (compressed) data object. */
  size: number
  /** Lowercase hex MD5 of the data object's bytes. */
  MD5checksum: string
}

export interface InventoryManifest {
  sourceBucket: string
  /** As written: usually an ARN (`arn:aws:s3:::name`). */
  destinationBucket: string
  /** Bucket name part of destinationBucket. */
  destinationBucketName: string
  version: string
  creationTimestamp: string
  creationDate: Date
  /** `CSV`, `Parquet` or `ORC`. */
  fileFormat: string
  fileSchema: string
  files: ManifestFile[]
  /** Where the manifest was read from. Data files are read from the same bucket (S3) or root folder (local). */
  location: ResolvedLocation
  /** MD5 of the manifest's raw bytes: the identity of this delivery (used by cursors). */
  md5: string
  /** `verified` when manifest.checksum exists and matches; `absent` when there is no manifest.checksum. */
  checksum: 'verified' | 'absent'
  /** The parsed JSON, including fields this library does not know. */
  raw: Record<string, unknown>
}

export interface ReadManifestOptions extends ClientOptions {
  signal?: AbortSignal
  /**
   * Largest manifest.json (or completion-report manifest) read, in bytes. Default 256 MiB (a manifest
   * of ~1.5 million data files); 1 KiB – 4 GiB. Checksum files are capped at 64 KiB.
   */
  maxManifestBytes?: number
}

/** Files read whole: manifests (overridable) and their checksum sidecars. See docs/reliability.md. */
export const MAX_MANIFEST_BYTES = 256 * 1024 * 1024
export const MAX_SIDECAR_BYTES = 64 * 1024

export async function readManifest(location: Location, options: ReadManifestOptions = {}): Promise<InventoryManifest> {
  const scope = clientScope(options)
  try {
    return await readManifestWith(location, options, scope)
  } finally {
    scope.release()
  }
}

/** readManifest with a client scope owned by the caller (which may read data files next). */
export async function readManifestWith(location: Location, options: ReadManifestOptions, scope: ClientScope): Promise<InventoryManifest> {
  const loc = resolveLocation(location)
  const { bytes, md5, checksum } = await readVerified(loc, checksumKeyFor, 'manifest.json does not match manifest.checksum', options, scope)
  return parseManifest(bytes, loc, md5, checksum)
}

/**
 * A small JSON document's bytes and MD5, checked against the hex MD5 in a sidecar file (`sidecar`
 * maps the document's key or path to the sidecar's) when that file exists.
 */
export async function readVerified(
  loc: ResolvedLocation,
  sidecar: (keyOrPath: string) => string,
  mismatch: string,
  options: ReadManifestOptions,
  scope: ClientScope,
): Promise<{ bytes: Uint8Array; md5: string; checksum: 'verified' | 'absent' }> {
  const max = numberOption(options.maxManifestBytes, 'maxManifestBytes', { min: 1024, max: 4 * 1024 ** 3 }, MAX_MANIFEST_BYTES)
  const bytes = await readObject(loc, options, scope, max, 'the manifest')
  const md5 = createHash('md5').update(bytes).digest('hex')
  const text = await readOptional(siblingOf(loc, sidecar), options, scope, MAX_SIDECAR_BYTES, 'the checksum file')
  if (text === undefined) return { bytes, md5, checksum: 'absent' }
  // AWS may or may not end the file with a newline; peers trim.
  const expected = Buffer.from(text).toString('utf8').trim().toLowerCase()
  if (expected !== md5) {
    throw new S3InventoryError('MANIFEST_CHECKSUM_MISMATCH', mismatch, { ...locationRef(loc), expected: expected.slice(0, 64), actual: md5 })
  }
  return { bytes, md5, checksum: 'verified' }
}

/** JSON bytes validated by a zod schema; a failure is MANIFEST_INVALID naming the field and the file. */
export function parseJsonWith<T>(bytes: Uint8Array, loc: ResolvedLocation, schema: z.ZodType<T>, what: string, wrongKind?: (json: unknown) => string | undefined): { data: T; json: unknown } {
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'))
  } catch (err) {
    throw new S3InventoryError('MANIFEST_INVALID', `${what} is not valid JSON`, {
      ...locationRef(loc),
      expected: 'a JSON object',
      actual: (err as Error).message,
      cause: err,
    })
  }
  // Another kind of manifest given to this reader: say which reader it needs, not which field is missing.
  const other = wrongKind?.(json)
  if (other) throw new S3InventoryError('MANIFEST_INVALID', other, { ...locationRef(loc), expected: what })
  const parsed = schema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const field = formatPath(issue.path)
    throw new S3InventoryError('MANIFEST_INVALID', field ? `a field of ${what} is missing or invalid` : `${what} is not a JSON object of the right shape`, {
      ...locationRef(loc),
      field: field || undefined,
      expected: issue.message,
      cause: parsed.error,
    })
  }
  return { data: parsed.data, json }
}

export function parseManifest(
  bytes: Uint8Array,
  loc: ResolvedLocation,
  md5 = createHash('md5').update(bytes).digest('hex'),
  checksum: InventoryManifest['checksum'] = 'absent',
): InventoryManifest {
  const { data: m, json } = parseJsonWith(bytes, loc, ManifestJson, 'an S3 Inventory manifest', (j) =>
    isObject(j) && ('ReportSchema' in j || 'Results' in j) && !('files' in j)
      ? 'this is an S3 Batch Operations completion report manifest; read it with readCompletionReport (s3inv report)'
      : undefined,
  )
  checkFileSchema(m.fileFormat, m.fileSchema, locationRef(loc)) // a schema that cannot be right fails here
  assertDistinctKeys(m.files, loc)
  const creationTimestamp = String(m.creationTimestamp)
  return {
    sourceBucket: m.sourceBucket,
    destinationBucket: m.destinationBucket,
    destinationBucketName: bucketNameOf(m.destinationBucket),
    version: m.version,
    creationTimestamp,
    creationDate: new Date(Number(creationTimestamp)),
    fileFormat: m.fileFormat,
    fileSchema: m.fileSchema,
    files: m.files.map((f) => ({ key: f.key, size: f.size, MD5checksum: f.MD5checksum.toLowerCase() })),
    location: loc,
    md5,
    checksum,
    raw: json as Record<string, unknown>,
  }
}

/** A data file listed twice would be read, and counted, twice: MANIFEST_INVALID naming the key. */
function assertDistinctKeys(files: readonly { key: string }[], loc: ResolvedLocation): void {
  const seen = new Map<string, number>()
  files.forEach((f, i) => {
    const first = seen.get(f.key)
    if (first !== undefined) {
      throw new S3InventoryError('MANIFEST_INVALID', `files[] lists the data file ${f.key} twice`, { ...locationRef(loc), column: `files[${i}].key`, expected: `each data file once (files[${first}] has the same key)`, actual: f.key })
    }
    seen.set(f.key, i)
  })
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** `arn:aws:s3:::name` → `name` (a plain name is returned as is). */
export function bucketNameOf(destinationBucket: string): string {
  const at = destinationBucket.lastIndexOf(':::')
  return at < 0 ? destinationBucket : destinationBucket.slice(at + 3)
}

export function formatPath(p: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const seg of p) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${String(seg)}` : String(seg)
  return out
}

/** A whole small object (manifests, checksums), of at most `max` bytes (LIMIT_EXCEEDED beyond). */
export async function readObject(loc: ResolvedLocation, options: ReadManifestOptions, scope: ClientScope, max: number, what: string): Promise<Uint8Array> {
  const source = sourceFor(loc, scope, options)
  const limit = { bytes: max, ref: source.ref, what }
  if (loc.kind === 'local') {
    // A local file's size is known before reading: too large is refused without reading a byte.
    const { fh, size } = await openRegular(loc.path)
    await fh.close()
    if (size > max) throw tooLarge(limit, `${size} bytes`)
  }
  return readAll(source.stream(0, undefined, options.signal), limit)
}

/** A small object, or undefined when it does not exist (optional checksum files). */
export async function readOptional(loc: ResolvedLocation, options: ReadManifestOptions, scope: ClientScope, max: number, what: string): Promise<Uint8Array | undefined> {
  try {
    return await readObject(loc, options, scope, max, what)
  } catch (err) {
    if (isInventoryError(err, 'NOT_FOUND')) return undefined
    throw err
  }
}
