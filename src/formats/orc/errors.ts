/**
 * Failures inside the ORC reader, and the one place they become S3InventoryErrors: decoders deep
 * in a stripe know the byte offset and the column but not the file, so they throw OrcError, and
 * the entry points (tail, stripes, readers) add the file's bucket and key here.
 */
import { CodecError } from '../../codecs/decompress.js'
import { S3InventoryError, type ErrorCode } from '../../errors.js'
import { DATE_RANGE, DateRangeError } from '../../schema/exact.js'
import type { ObjectRef } from '../../sources/source.js'
import { ProtoError, ProtoLimitError } from './protobuf.js'

export interface OrcWhere {
  offset?: number
  column?: string
  row?: number
  expected?: string
  actual?: string
}

export class OrcError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly where: OrcWhere = {},
  ) {
    super(message)
  }
}

/** ORC_CORRUPT: counts that disagree, streams that end early, structures that cannot be right. */
export function corrupt(message: string, where: OrcWhere = {}): OrcError {
  return new OrcError('ORC_CORRUPT', message, where)
}

/** LIMIT_EXCEEDED: a size read from the file is over a documented limit (docs/reliability.md). */
export function overLimit(message: string, where: OrcWhere = {}): OrcError {
  return new OrcError('LIMIT_EXCEEDED', message, where)
}

/**
 * Any failure of the reader as an S3InventoryError naming the file: codec failures by their reason
 * (corrupt data, a cap reached, a codec we lack), protobuf failures as a damaged structure at
 * `offset`. Errors that are already typed (and aborts) pass through.
 */
export function orcFailure(err: unknown, ref: ObjectRef, offset?: number): unknown {
  if (err instanceof S3InventoryError) return err
  const file = { bucket: ref.bucket, key: ref.key }
  if (err instanceof OrcError) return new S3InventoryError(err.code, err.message, { ...file, ...err.where, offset: err.where.offset ?? offset })
  if (err instanceof DateRangeError) return new S3InventoryError('ORC_CORRUPT', err.message, { ...file, offset, expected: DATE_RANGE, actual: err.actual })
  if (err instanceof CodecError) {
    const code: ErrorCode = err.reason === 'limit' ? 'LIMIT_EXCEEDED' : err.reason === 'unsupported' ? 'UNSUPPORTED_CODEC' : 'ORC_CORRUPT'
    return new S3InventoryError(code, 'a compressed block cannot be read', { ...file, offset, actual: err.message, cause: err })
  }
  if (err instanceof ProtoLimitError) return new S3InventoryError('LIMIT_EXCEEDED', err.message, { ...file, offset, expected: 'see the limits in docs/reliability.md' })
  if (err instanceof ProtoError) return new S3InventoryError('ORC_CORRUPT', 'a metadata structure is damaged', { ...file, offset, actual: err.message, cause: err })
  return err
}
