/**
 * Every limit the Parquet reader puts on sizes and counts read from a file, checked before anything
 * is allocated from them (LIMIT_EXCEEDED past one). Documented in docs/reliability.md, Limits.
 */
export const PARQUET_LIMITS = {
  /** Footer (FileMetaData) length in bytes. Real footers are KiB to a few MiB. */
  footerBytes: 64 * 1024 * 1024,
  /** Thrift values (structs, list elements, scalars) decoded from one footer: bounds its objects' memory. */
  footerValues: 4_000_000,
  /** Page header length in bytes (statistics can make one long). */
  pageHeaderBytes: 16 * 1024 * 1024,
  /** A page's declared uncompressed size: every codec's output is capped to the header's size, itself capped here. */
  pageBytes: 128 * 1024 * 1024,
  /** Values in one page (nulls included): also bounded by the rows its row group has left. */
  pageValues: 1 << 24,
  /** Precision of a BYTE_ARRAY DECIMAL (other physical types are bounded by their width). */
  decimalDigits: 4096,
  /** DELTA_BINARY_PACKED block size (writers use 128 to a few thousand). */
  deltaBlockValues: 1 << 16,
  /** Rows of a file with no column: no page can confirm them. */
  unbackedRows: 1 << 20,
} as const

/** A size or count over a PARQUET_LIMITS entry (LIMIT_EXCEEDED). */
export class LimitError extends Error {}
