/**
 * CSV.gz inventory files (the InventoryFormat of formats/format.ts). Three steps, in-process:
 * scanner.ts (bytes → field offsets), columns.ts (fields → typed columns, the filter evaluated there),
 * rows.ts (columns → row objects); decode.ts chains them behind MD5/size verification and gunzip.
 * Summaries may instead run the same decoder on worker threads (pool.ts, worker.ts).
 */
import type { InventoryRow } from '../../schema/row.js'
import type { FileRead, InventoryFormat } from '../format.js'
import { csvBatches } from './decode.js'
import { csvRowBuilder, csvRowVisitor } from './rows.js'
import { csvPlan } from './schema.js'

export { aggregateCsvOnWorker } from './pool.js'
export { csvFields, parseCsvSchema } from './schema.js'

async function* rows(read: FileRead): AsyncGenerator<InventoryRow[]> {
  const plan = csvPlan(read)
  const build = csvRowBuilder({ spec: plan.spec, outputs: plan.outputs, file: read.file, startRow: read.startRow })
  for await (const batch of decode(read, plan)) {
    const out = build(batch)
    if (out.length > 0) yield out
  }
}

async function visit(read: FileRead, fn: (row: InventoryRow) => void): Promise<void> {
  const plan = csvPlan(read)
  const each = csvRowVisitor({ spec: plan.spec, outputs: plan.outputs, file: read.file, startRow: read.startRow })
  for await (const batch of decode(read, plan)) each(batch, fn)
}

function decode(read: FileRead, plan: ReturnType<typeof csvPlan>) {
  return csvBatches(read.source.stream(0, undefined, read.signal), read.source.ref, {
    plan,
    expected: read.expected,
    filter: read.filter,
    startRow: read.startRow,
  })
}

export const csvFormat: InventoryFormat = { rows, visit }
