/**
 * ORC: inventory rows (orcFormat, the InventoryFormat contract) and the general reader
 * (readOrc, orcJsonLines, readOrcMetadata) with Apache's printing rules (orcJson).
 */
export { orcFormat } from './inventory.js'
export { readOrc, readOrcBatches, orcJsonLines, readOrcMetadata } from './read.js'
export type { ReadOrcOptions, OrcBatch, OrcMetadata, OrcStripeMetadata } from './read.js'
export { orcJson } from './print.js'
export type { OrcJsonOptions } from './print.js'
export type { OrcType } from './types.js'
