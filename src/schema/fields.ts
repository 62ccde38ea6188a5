/**
 * The inventory fields we know, under their three spellings: the row's camelCase name, the CSV
 * `fileSchema` name, and the ORC/Parquet column name. Columns we do not know (new AWS fields) keep a
 * camelCase version of their name; they are read only when asked for (`extraColumns`).
 */
import { S3InventoryError } from '../errors.js'
import { nameList } from '../options.js'

/**
 * `string`/`key`/`number`/`boolean`/`date`: the known fields' row types. `raw`: a column this library
 * does not know, decoded with its file type's natural value (see the format readers).
 */
export type FieldType = 'string' | 'key' | 'number' | 'boolean' | 'date' | 'raw'

export interface FieldDef {
  /** Row property name. */
  readonly name: string
  readonly type: FieldType
  /** The column's name in the file (fileSchema entry, Parquet/ORC column), when it came from one. */
  readonly fileName?: string
}

const KNOWN: ReadonlyArray<readonly [name: string, csv: string, columnar: string, type: FieldType]> = [
  ['bucket', 'Bucket', 'bucket', 'string'],
  ['key', 'Key', 'key', 'key'],
  ['versionId', 'VersionId', 'version_id', 'string'],
  ['isLatest', 'IsLatest', 'is_latest', 'boolean'],
  ['isDeleteMarker', 'IsDeleteMarker', 'is_delete_marker', 'boolean'],
  ['size', 'Size', 'size', 'number'],
  ['lastModifiedDate', 'LastModifiedDate', 'last_modified_date', 'date'],
  ['eTag', 'ETag', 'e_tag', 'string'],
  ['storageClass', 'StorageClass', 'storage_class', 'string'],
  ['isMultipartUploaded', 'IsMultipartUploaded', 'is_multipart_uploaded', 'boolean'],
  ['replicationStatus', 'ReplicationStatus', 'replication_status', 'string'],
  ['encryptionStatus', 'EncryptionStatus', 'encryption_status', 'string'],
  ['objectLockRetainUntilDate', 'ObjectLockRetainUntilDate', 'object_lock_retain_until_date', 'date'],
  ['objectLockMode', 'ObjectLockMode', 'object_lock_mode', 'string'],
  ['objectLockLegalHoldStatus', 'ObjectLockLegalHoldStatus', 'object_lock_legal_hold_status', 'string'],
  ['intelligentTieringAccessTier', 'IntelligentTieringAccessTier', 'intelligent_tiering_access_tier', 'string'],
  ['bucketKeyStatus', 'BucketKeyStatus', 'bucket_key_status', 'string'],
  ['checksumAlgorithm', 'ChecksumAlgorithm', 'checksum_algorithm', 'string'],
  ['objectAccessControlList', 'ObjectAccessControlList', 'object_access_control_list', 'string'],
  ['objectOwner', 'ObjectOwner', 'object_owner', 'string'],
  ['lifecycleExpirationDate', 'LifecycleExpirationDate', 'lifecycle_expiration_date', 'date'],
]

/** Every known row field, in the order S3 writes them. */
export const KNOWN_FIELDS: readonly FieldDef[] = KNOWN.map(([name, , , type]) => ({ name, type }))
export const KNOWN_FIELD_NAMES = [
  'bucket', 'key', 'versionId', 'isLatest', 'isDeleteMarker', 'size', 'lastModifiedDate', 'eTag', 'storageClass',
  'isMultipartUploaded', 'replicationStatus', 'encryptionStatus', 'objectLockRetainUntilDate', 'objectLockMode',
  'objectLockLegalHoldStatus', 'intelligentTieringAccessTier', 'bucketKeyStatus', 'checksumAlgorithm',
  'objectAccessControlList', 'objectOwner', 'lifecycleExpirationDate',
] as const satisfies readonly string[]

/** A row field this library knows, by its row name (`columns` takes only these: a typo fails to compile). */
export type KnownField = (typeof KNOWN_FIELD_NAMES)[number]

const byCsv = new Map(KNOWN.map(([name, csv, , type]) => [csv.toLowerCase(), { name, type }]))
const byColumnar = new Map(KNOWN.map(([name, , col, type]) => [col.toLowerCase(), { name, type }]))
const byName = new Map(KNOWN.map(([name, , , type]) => [name, { name, type }]))

/** Field for a CSV `fileSchema` entry such as `LastModifiedDate` (an unknown one is `raw`). */
export function fieldForCsvName(csvName: string): FieldDef {
  const known = byCsv.get(csvName.toLowerCase())
  return known ? { ...known, fileName: csvName } : { name: camelCase(csvName), type: 'raw', fileName: csvName }
}

/** Field for an ORC/Parquet column such as `last_modified_date` (an unknown one is `raw`). */
export function fieldForColumnName(column: string): FieldDef {
  const known = byColumnar.get(column.toLowerCase()) ?? byName.get(column)
  return known ? { ...known, fileName: column } : { name: camelCase(column), type: 'raw', fileName: column }
}

// Every spelling users copy from AWS or our CLI, lowercased and without separators:
// `storageClass`, `StorageClass`, `storage_class`, `storage-class` → storageClass.
const byAnySpelling = new Map<string, string>()
for (const [name, csv, col] of KNOWN) for (const s of [name, csv, col]) byAnySpelling.set(squash(s), name)

function squash(s: string): string {
  return s.trim().replace(/[_\-\s]/g, '').toLowerCase()
}

/** The known field a user's spelling names (`StorageClass`, `storage_class`, `storage-class`), or undefined. */
export function knownFieldFor(spelling: string): KnownField | undefined {
  return byAnySpelling.get(squash(spelling)) as KnownField | undefined
}

/**
 * A known field's row name for a user's spelling; UNKNOWN_FIELD listing the valid names otherwise.
 * `what` names where the name came from (`columns`, `--by`, `filter`), for the error.
 */
export function resolveKnownField(spelling: string, what: string, extra: readonly string[] = []): KnownField {
  const f = knownFieldFor(spelling)
  if (f) return f
  throw unknownField(spelling, what, extra)
}

/**
 * A `columns` option (readers, sinks): a non-empty array of field names in any AWS spelling, as our
 * row names without repeats. INVALID_ARGUMENT for another shape or an empty list (it would give rows
 * of nothing; `allowEmpty` for internal reads that add their own columns), UNKNOWN_FIELD for a name
 * no inventory has.
 */
export function resolveColumns(value: unknown, option = 'columns', allowEmpty = false): KnownField[] | undefined {
  const names = nameList(value, option)
  if (names === undefined) return undefined
  if (names.length === 0 && !allowEmpty) throw new S3InventoryError('INVALID_ARGUMENT', `${option} must name at least one field`, { option, expected: 'at least one field name (leave it out for every field)', actual: '[]' })
  return [...new Set(names.map((c) => resolveKnownField(c, option)))]
}

/** `extra`: names accepted besides fields (groupings such as `prefix:N`); listed first, so a clipped line still shows them. */
export function unknownField(spelling: string, what: string, extra: readonly string[] = []): S3InventoryError {
  const near = nearest(spelling, [...KNOWN_FIELD_NAMES, ...extra])
  const kind = extra.length ? 'a grouping or an inventory field' : 'an inventory field'
  return new S3InventoryError('UNKNOWN_FIELD', `${JSON.stringify(spelling)} is not ${kind}${near ? `; did you mean ${near}?` : ''}`, {
    option: what,
    expected: `one of ${[...extra, ...KNOWN_FIELD_NAMES].join(', ')} (or their AWS spellings, e.g. StorageClass, storage_class)`,
    actual: spelling,
  })
}

/** The candidate closest to `s` by edit distance, when it is close (a typo). */
function nearest(s: string, candidates: readonly string[]): string | undefined {
  const a = squash(s)
  let best: string | undefined
  let bestD = Math.max(2, Math.floor(a.length / 4)) + 1
  for (const c of candidates) {
    const d = editDistance(a, squash(c))
    if (d < bestD) {
      bestD = d
      best = c
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return 99
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = cur
  }
  return prev[b.length]
}

/** `ObjectLockEventHoldStatus` → `objectLockEventHoldStatus`, `e_tag` → `eTag`, `SSEKMSKeyId` → `ssekmsKeyId`. */
export function camelCase(name: string): string {
  const trimmed = name.trim()
  if (trimmed.includes('_') || trimmed.includes('-') || trimmed.includes(' ')) {
    const parts = trimmed.split(/[_\- ]+/).filter(Boolean)
    return parts.map((p, i) => (i === 0 ? p.toLowerCase() : p[0].toUpperCase() + p.slice(1).toLowerCase())).join('')
  }
  // Lower the leading run of capitals, keeping the last one when a lowercase letter follows it.
  const m = /^[A-Z]+/.exec(trimmed)
  if (!m) return trimmed
  const run = m[0]
  if (run.length === trimmed.length) return trimmed.toLowerCase()
  const keep = run.length > 1 && /[a-z]/.test(trimmed[run.length]) ? run.length - 1 : run.length
  return trimmed.slice(0, keep).toLowerCase() + trimmed.slice(keep)
}
