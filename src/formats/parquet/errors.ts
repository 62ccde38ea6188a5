/**
 * The one place where the Parquet reader's failures become S3InventoryErrors: decoder, codec, thrift
 * and value errors map to stable codes here, with the file and where in it.
 */
import { CodecError } from '../../codecs/decompress.js'
import { S3InventoryError, type ErrorCode, type ErrorContext } from '../../errors.js'
import { DATE_RANGE, DateRangeError } from '../../schema/exact.js'
import { ValueError } from '../../schema/values.js'
import { EncodingError } from './encoding.js'
import { LimitError } from './limits.js'
import { ThriftError } from './thrift.js'

/** The file an error names. */
export interface FileId {
  readonly bucket?: string
  readonly key: string
}

type Where = Omit<ErrorContext, 'bucket' | 'key'>

export function parquetError(file: FileId, code: ErrorCode, message: string, where: Where = {}): S3InventoryError {
  return new S3InventoryError(code, message, { ...where, bucket: file.bucket, key: file.key })
}

export function corrupt(file: FileId, message: string, where: Where = {}): S3InventoryError {
  return parquetError(file, 'PARQUET_CORRUPT', message, where)
}

/** Any failure while decoding `what` (a footer, a page) as a typed error; S3InventoryErrors pass through. */
export function decodeFailure(err: unknown, file: FileId, what: string, where: Where = {}): S3InventoryError {
  if (err instanceof S3InventoryError) return err
  const detail = (err as Error)?.message ?? String(err)
  const at = { ...where, cause: err }
  if (err instanceof CodecError) {
    if (err.reason === 'limit') return parquetError(file, 'LIMIT_EXCEEDED', `A ${what} decompresses to more than its declared size.`, { ...at, actual: detail })
    if (err.reason === 'unsupported') return parquetError(file, 'UNSUPPORTED_CODEC', `A ${what} uses a compression feature this reader does not support.`, { ...at, actual: detail })
    return corrupt(file, `A ${what} does not decompress.`, { ...at, actual: detail })
  }
  if (err instanceof EncodingError) {
    if (err.unsupported) return parquetError(file, 'UNSUPPORTED_ENCODING', `A ${what} uses an encoding this reader does not decode.`, { ...at, expected: SUPPORTED_ENCODINGS, actual: err.unsupported })
    return corrupt(file, `A ${what} cannot be decoded.`, { ...at, actual: detail })
  }
  if (err instanceof LimitError || (err instanceof ThriftError && err.limit)) return parquetError(file, 'LIMIT_EXCEEDED', `A ${what} is over a documented size limit.`, { ...at, actual: detail })
  if (err instanceof ThriftError) return corrupt(file, `A ${what} cannot be read.`, { ...at, actual: detail })
  if (err instanceof DateRangeError) return corrupt(file, `A ${err.what} is out of range.`, { ...where, expected: DATE_RANGE, actual: err.actual })
  if (err instanceof ValueError) return parquetError(file, err.code, `A value of the column does not parse as its type.`, { ...where, expected: err.expected, actual: err.actual })
  // Anything else is a bug here, not a property of the file.
  return parquetError(file, 'INTERNAL', `Reading a ${what} failed unexpectedly.`, { ...at, actual: detail })
}

export const SUPPORTED_CODECS = 'UNCOMPRESSED, SNAPPY, GZIP, BROTLI, LZ4, LZ4_RAW or ZSTD'
export const SUPPORTED_ENCODINGS = 'PLAIN, RLE, dictionary, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY or BYTE_STREAM_SPLIT'
