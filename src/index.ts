/**
 * s3-inventory-stream — public API.
 *
 * Data flow: sources/ (S3 ranged GETs, local files) → codecs/ (gunzip, snappy) → formats/ (CSV,
 * Parquet) → schema/ (typed rows) → fanout.ts (files in parallel, in order, bounded) → your loop.
 */
export { listKeys, readInventory } from './inventory.js'
export type { InventoryProgress, InventoryStream, ReadInventoryOptions } from './inventory.js'
export { readManifest } from './manifest.js'
export type { InventoryManifest, ManifestFile, ReadManifestOptions } from './manifest.js'
export type { Location } from './location.js'
export type { InventoryRow, DataFileRef } from './schema/row.js'
export { rowSource } from './schema/row.js'
export { KNOWN_FIELD_NAMES } from './schema/fields.js'
export { cursorOf, formatCursor, parseCursor } from './cursor.js'
export type { Cursor } from './cursor.js'
export { compileFilter, rowMatches, globToRegExp } from './filter.js'
export type { RowFilter } from './filter.js'
export { S3InventoryError, isInventoryError } from './errors.js'
export type { ErrorCode } from './errors.js'
export type { RetryOptions } from './sources/retry.js'
export type { ClientOptions } from './sources/open.js'
export { findLatestManifest, listDeliveries, locateManifest, deliveryDate } from './deliveries.js'
export type { Delivery, DeliveryStatus, DeliveriesOptions } from './deliveries.js'
export { summarize, parseGroupBy, columnsFor } from './summarize.js'
export type { GroupBy, Summary, SummaryGroup, SummaryStats, SummarizeOptions } from './summarize.js'
