/**
 * The Parquet format. Layout, one concept per module:
 * thrift.ts (compact protocol, bounded) → metadata.ts (footer and page header fields) → footer.ts
 * (read + validate) → plan.ts (row groups to read) → integrity.ts (MD5 strategies) → row-groups.ts
 * (windows of rows) → chunks.ts (byte access) → pages.ts (pages of a column) → encoding.ts and
 * delta.ts (value encodings) → values.ts (physical → JS values). inventory-rows.ts implements the InventoryFormat
 * contract; general.ts is the general reader (readParquet, readParquetMetadata). Limits: limits.ts.
 */
export { parquetFormat } from './inventory-rows.js'
export { readParquet, readParquetMetadata } from './general.js'
export type { ParquetColumnInfo, ParquetInterval, ParquetMetadata, ParquetRow, ParquetValue, ReadParquetOptions } from './general.js'
export { PARQUET_LIMITS } from './limits.js'
