/**
 * The messages of ORC's metadata (orc_proto.proto of the ORC v1 specification) as field tables for
 * protobuf.ts, and the enums they use. Only the fields this reader uses are listed; the others
 * are skipped.
 */
import type { MessageTable } from './protobuf.js'

export const CompressionKind = { NONE: 0, ZLIB: 1, SNAPPY: 2, LZO: 3, LZ4: 4, ZSTD: 5 } as const
export const COMPRESSION_NAMES = ['NONE', 'ZLIB', 'SNAPPY', 'LZO', 'LZ4', 'ZSTD']

export const TypeKind = {
  BOOLEAN: 0,
  BYTE: 1,
  SHORT: 2,
  INT: 3,
  LONG: 4,
  FLOAT: 5,
  DOUBLE: 6,
  STRING: 7,
  BINARY: 8,
  TIMESTAMP: 9,
  LIST: 10,
  MAP: 11,
  STRUCT: 12,
  UNION: 13,
  DECIMAL: 14,
  DATE: 15,
  VARCHAR: 16,
  CHAR: 17,
  TIMESTAMP_INSTANT: 18,
} as const

export const StreamKind = {
  PRESENT: 0,
  DATA: 1,
  LENGTH: 2,
  DICTIONARY_DATA: 3,
  DICTIONARY_COUNT: 4,
  SECONDARY: 5,
  ROW_INDEX: 6,
  BLOOM_FILTER: 7,
  BLOOM_FILTER_UTF8: 8,
  ENCRYPTED_INDEX: 9,
  ENCRYPTED_DATA: 10,
} as const

export const EncodingKind = { DIRECT: 0, DICTIONARY: 1, DIRECT_V2: 2, DICTIONARY_V2: 3 } as const
export const ENCODING_NAMES = ['DIRECT', 'DICTIONARY', 'DIRECT_V2', 'DICTIONARY_V2']

/** Footer.writer: who wrote the file. */
export const WRITER_NAMES = ['ORC_JAVA', 'ORC_CPP', 'PRESTO', 'SCRITCHLEY_GO', 'TRINO', 'CUDF']

const IntegerStatistics: MessageTable = { 1: ['minimum', 'sint64'], 2: ['maximum', 'sint64'], 3: ['sum', 'sint64'] }
const DoubleStatistics: MessageTable = { 1: ['minimum', 'double'], 2: ['maximum', 'double'], 3: ['sum', 'double'] }
// Kept as bytes: key pruning compares UTF-8 bytes, as the writer ordered them.
const StringStatistics: MessageTable = {
  1: ['minimum', 'bytes'],
  2: ['maximum', 'bytes'],
  3: ['sum', 'sint64'],
  4: ['lowerBound', 'bytes'],
  5: ['upperBound', 'bytes'],
}
const BucketStatistics: MessageTable = { 1: ['count', 'uint64', 'repeated'] }
const DecimalStatistics: MessageTable = { 1: ['minimum', 'string'], 2: ['maximum', 'string'], 3: ['sum', 'string'] }
const DateStatistics: MessageTable = { 1: ['minimum', 'sint'], 2: ['maximum', 'sint'] }
const TimestampStatistics: MessageTable = {
  1: ['minimum', 'sint64'],
  2: ['maximum', 'sint64'],
  3: ['minimumUtc', 'sint64'],
  4: ['maximumUtc', 'sint64'],
}
const BinaryStatistics: MessageTable = { 1: ['sum', 'sint64'] }

export const ColumnStatistics: MessageTable = {
  1: ['numberOfValues', 'uint'],
  2: ['intStatistics', IntegerStatistics],
  3: ['doubleStatistics', DoubleStatistics],
  4: ['stringStatistics', StringStatistics],
  5: ['bucketStatistics', BucketStatistics],
  6: ['decimalStatistics', DecimalStatistics],
  7: ['dateStatistics', DateStatistics],
  8: ['binaryStatistics', BinaryStatistics],
  9: ['timestampStatistics', TimestampStatistics],
  10: ['hasNull', 'bool'],
}

const StringPair: MessageTable = { 1: ['key', 'string'], 2: ['value', 'string'] }

const Type: MessageTable = {
  1: ['kind', 'uint'],
  2: ['subtypes', 'uint', 'repeated'],
  3: ['fieldNames', 'string', 'repeated'],
  4: ['maximumLength', 'uint'],
  5: ['precision', 'uint'],
  6: ['scale', 'uint'],
  7: ['attributes', StringPair, 'repeated'],
}

const StripeInformation: MessageTable = {
  1: ['offset', 'uint'],
  2: ['indexLength', 'uint'],
  3: ['dataLength', 'uint'],
  4: ['footerLength', 'uint'],
  5: ['numberOfRows', 'uint'],
  6: ['encryptStripeId', 'uint'],
}

const UserMetadataItem: MessageTable = { 1: ['name', 'string'], 2: ['value', 'bytes'] }

const EncryptionVariant: MessageTable = { 1: ['root', 'uint'], 2: ['key', 'uint'] }
const Encryption: MessageTable = { 3: ['variants', EncryptionVariant, 'repeated'] }

export const Footer: MessageTable = {
  1: ['headerLength', 'uint'],
  2: ['contentLength', 'uint'],
  3: ['stripes', StripeInformation, 'repeated'],
  4: ['types', Type, 'repeated'],
  5: ['metadata', UserMetadataItem, 'repeated'],
  6: ['numberOfRows', 'uint'],
  7: ['statistics', ColumnStatistics, 'repeated'],
  8: ['rowIndexStride', 'uint'],
  9: ['writer', 'uint'],
  10: ['encryption', Encryption],
  11: ['calendar', 'uint'],
  12: ['softwareVersion', 'string'],
}

export const PostScript: MessageTable = {
  1: ['footerLength', 'uint'],
  2: ['compression', 'uint'],
  3: ['compressionBlockSize', 'uint'],
  4: ['version', 'uint', 'repeated'],
  5: ['metadataLength', 'uint'],
  6: ['writerVersion', 'uint'],
  7: ['stripeStatisticsLength', 'uint'],
  8000: ['magic', 'string'],
}

const StripeStatistics: MessageTable = { 1: ['colStats', ColumnStatistics, 'repeated'] }
export const Metadata: MessageTable = { 1: ['stripeStats', StripeStatistics, 'repeated'] }

const Stream: MessageTable = { 1: ['kind', 'uint'], 2: ['column', 'uint'], 3: ['length', 'uint'] }
const ColumnEncoding: MessageTable = { 1: ['kind', 'uint'], 2: ['dictionarySize', 'uint'] }
const StripeEncryptionVariant: MessageTable = { 1: ['streams', Stream, 'repeated'] }

export const StripeFooter: MessageTable = {
  1: ['streams', Stream, 'repeated'],
  2: ['columns', ColumnEncoding, 'repeated'],
  3: ['writerTimezone', 'string'],
  4: ['encryption', StripeEncryptionVariant, 'repeated'],
}
