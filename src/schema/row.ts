import type { Decimal } from './exact.js'

/** A typed inventory row. Fields not configured in the inventory, or empty/null in the file, are `undefined`. */
export interface InventoryRow {
  bucket: string
  /** Decoded key (CSV keys are URL-decoded; ORC/Parquet keys are raw). */
  key: string
  versionId?: string
  isLatest?: boolean
  isDeleteMarker?: boolean
  size?: number
  lastModifiedDate?: Date
  /** Unquoted hex, as S3 Inventory writes it. */
  eTag?: string
  storageClass?: string
  isMultipartUploaded?: boolean
  replicationStatus?: string
  encryptionStatus?: string
  objectLockRetainUntilDate?: Date
  objectLockMode?: string
  objectLockLegalHoldStatus?: string
  intelligentTieringAccessTier?: string
  bucketKeyStatus?: string
  checksumAlgorithm?: string
  /** Base64 of the ACL JSON, as S3 writes it. */
  objectAccessControlList?: string
  objectOwner?: string
  lifecycleExpirationDate?: Date
  /**
   * Columns this library does not know (read when asked for with `extraColumns`), under a camelCase
   * name, with their file type's exact value (Parquet: see readParquet's mapping; CSV: strings).
   */
  [column: string]: string | number | boolean | Date | bigint | Uint8Array | Decimal | { months: number; days: number; milliseconds: number } | undefined
}

/** Where a row came from: one object per data file, shared by all of its rows. */
export interface DataFileRef {
  /** Bucket holding the data file (undefined for local files). */
  readonly bucket?: string
  /** Key of the data file (files[].key in the manifest). */
  readonly key: string
  /** Position of the file in the manifest's files[]. */
  readonly fileIndex: number
  /** MD5 of the manifest's bytes: identifies the inventory delivery. */
  readonly manifestMd5: string
}

// Symbol-keyed so they cost one pointer and one small integer per row, and stay out of
// JSON.stringify / Object.keys output.
export const ROW_FILE: unique symbol = Symbol.for('s3-inventory-stream.file')
export const ROW_INDEX: unique symbol = Symbol.for('s3-inventory-stream.row')

interface Tagged {
  [ROW_FILE]?: DataFileRef
  [ROW_INDEX]?: number
}

/** The data file and row index a row was read from, or undefined for rows this library did not produce. */
export function rowSource(row: object): { file: DataFileRef; row: number } | undefined {
  const t = row as Tagged
  const file = t[ROW_FILE]
  const index = t[ROW_INDEX]
  return file && index !== undefined ? { file, row: index } : undefined
}
