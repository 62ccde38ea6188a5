/**
 * The inventory fields we know, under their three spellings: the row's camelCase name, the CSV
 * `fileSchema` name, and the ORC/Parquet column name. Columns we do not know keep a camelCase
 * version of their name and string values.
 */
export type FieldType = 'string' | 'key' | 'number' | 'boolean' | 'date'

export interface FieldDef {
  /** Row property name. */
  readonly name: string
  readonly type: FieldType
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
export const KNOWN_FIELD_NAMES: readonly string[] = KNOWN.map(([name]) => name)

const byCsv = new Map(KNOWN.map(([name, csv, , type]) => [csv.toLowerCase(), { name, type }]))
const byColumnar = new Map(KNOWN.map(([name, , col, type]) => [col.toLowerCase(), { name, type }]))
const byName = new Map(KNOWN.map(([name, , , type]) => [name, { name, type }]))

/** Field for a CSV `fileSchema` entry such as `LastModifiedDate`. */
export function fieldForCsvName(csvName: string): FieldDef {
  return byCsv.get(csvName.toLowerCase()) ?? { name: camelCase(csvName), type: 'string' }
}

/** Field for an ORC/Parquet column such as `last_modified_date`. */
export function fieldForColumnName(column: string): FieldDef {
  return byColumnar.get(column.toLowerCase()) ?? byName.get(column) ?? { name: camelCase(column), type: 'string' }
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
