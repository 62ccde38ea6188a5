/**
 * summarizeInventory: `summarize(readInventory(…))` without row objects. Each data file is read
 * through the files-of-a-manifest reader and visited (one reused object per row); CSV files are
 * decoded and aggregated on worker threads, so only their totals cross back and the caller's thread
 * just reads bytes; Parquet and ORC files grouped by fields (no filter) are added a window of columns at a
 * time (format.summarize). summarizeInventoryMany computes several independent summaries in one pass.
 */
import { availableParallelism } from 'node:os'
import { openManifestWith } from './deliveries.js'
import { aggregateCsvOnWorker } from './formats/csv/index.js'
import { formatFor } from './formats/registry.js'
import { assertHasFiles, fileList, fileRead, filesOptions, inventoryRequest, isManifest, type InventoryProgress, type ReadInventoryOptions } from './inventory.js'
import type { Location } from './location.js'
import { emptyProgress, forEachFile } from './manifest-files.js'
import type { InventoryManifest } from './manifest.js'
import { clientScope } from './sources/open.js'
import { aggregateMerger, byList, columnsFor, createAggregator, createColumnAggregator, dimension, maxGroupsOption, type AggregateSpec, type GroupBy, type Summary } from './summarize.js'
import type { KnownField } from './schema/fields.js'

export interface SummarizeInventoryOptions extends Omit<ReadInventoryOptions, 'columns' | 'extraColumns' | 'startAfter' | 'bufferRows'> {
  /** Dimensions to group by (see summarize). */
  by?: GroupBy | readonly GroupBy[]
  /** Groups each summary may hold: more is LIMIT_EXCEEDED. Default 1,000,000; 1–10,000,000 (see summarize). */
  maxGroups?: number
  /** CSV: aggregate on worker threads. Default: true when the machine has more than one core. */
  workers?: boolean
  /** Counters to update while reading (for a progress display). */
  progress?: InventoryProgress
}

export type SummarizeManyOptions = Omit<SummarizeInventoryOptions, 'by'>

/** One summary of an inventory (counts, bytes, sizes per group). */
export async function summarizeInventory(location: Location | InventoryManifest, options: SummarizeInventoryOptions = {}): Promise<Summary> {
  const [summary] = await aggregate(location, [byList(options.by)], options)
  return summary
}

/**
 * Several independent summaries in one pass over the rows, e.g.
 * `{ classes: 'storageClass', sizes: { size: 'pow2' }, months: { modified: 'month' } }`; each value
 * is one grouping (its dimensions nest, as `by` does). Returns one Summary per name.
 */
export async function summarizeInventoryMany<K extends string>(
  location: Location | InventoryManifest,
  groupings: Record<K, GroupBy | readonly GroupBy[]>,
  options: SummarizeManyOptions = {},
): Promise<Record<K, Summary>> {
  const names = Object.keys(groupings) as K[]
  const summaries = await aggregate(location, names.map((n) => byList(groupings[n])), options)
  return Object.fromEntries(names.map((n, i) => [n, summaries[i]])) as Record<K, Summary>
}

async function aggregate(location: Location | InventoryManifest, groupings: GroupBy[][], options: SummarizeManyOptions): Promise<Summary[]> {
  // Validated before any work (unknown names, bad units, the group limit).
  for (const g of groupings) g.forEach(dimension)
  const spec: AggregateSpec = { groupings, maxGroups: maxGroupsOption(options.maxGroups) }
  const columns = [...new Set(spec.groupings.flatMap((g) => columnsFor(g)))] as KnownField[]
  const request = inventoryRequest({ ...options, columns })
  options.signal?.throwIfAborted()
  const scope = clientScope(options)
  const progress = options.progress ?? emptyProgress()
  try {
    const m = isManifest(location) ? location : (await openManifestWith(location, options, scope)).manifest
    const format = formatFor(m)
    assertHasFiles(m, options)
    const workers = (options.workers ?? availableParallelism() > 1) && m.fileFormat.toLowerCase() === 'csv'
    const merged = aggregateMerger(spec)
    await forEachFile(fileList(m), filesOptions(m, options), scope, progress, async (f, signal, counter) => {
      const read = { ...fileRead(m, f, request, signal), optionalColumns: ['size'] }
      const onRows = (n: number) => {
        progress.rows += n
        progress.bytesRead = counter.bytes
      }
      if (workers) {
        merged.add(await aggregateCsvOnWorker(read, options.filter, spec, onRows))
        return
      }
      // The file's partial summary counts only once the file has been read whole (and verified).
      const columns = format.summarize && !read.filter ? createColumnAggregator(spec) : undefined
      if (columns) {
        await format.summarize!(read, columns, onRows)
        merged.add(columns.partial())
        return
      }
      const agg = createAggregator(spec)
      let rows = 0
      await format.visit(read, (row) => {
        agg.add(row)
        if ((++rows & 1023) === 0) {
          progress.rows += 1024
          progress.bytesRead = counter.bytes
        }
      })
      progress.rows += rows & 1023
      merged.add(agg.partial())
    })
    return merged.summaries()
  } finally {
    scope.release()
  }
}
