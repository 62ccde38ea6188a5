/**
 * summarizeInventory: `summarize(readInventory(…))`, but for CSV inventories each data file is decoded
 * and aggregated on a worker thread and only its totals come back — the caller's thread just reads
 * bytes. That uses every core without shipping rows between threads.
 */
import { availableParallelism } from 'node:os'
import { compileFilter, type CompiledFilter } from './filter.js'
import { aggregateCsvGz } from './formats/csv-decode.js'
import { assertHasFiles, chosenFiles, csvPlan, forEachRow, isManifest, readInventory, type InventoryProgress, type ReadInventoryOptions } from './inventory.js'
import type { Location } from './location.js'
import { readManifestWith, type InventoryManifest } from './manifest.js'
import { fileLocator } from './sources/locate.js'
import { clientScope, sourceFor } from './sources/open.js'
import type { ByteCounter } from './sources/source.js'
import { byList, columnsFor, createAccumulator, dimension, mergeSummaries, summarize, type GroupBy, type PartialSummary, type Summary } from './summarize.js'

export interface SummarizeInventoryOptions extends Omit<ReadInventoryOptions, 'columns' | 'workers' | 'startAfter' | 'bufferRows'> {
  /** Dimensions to group by (see summarize). */
  by?: GroupBy | readonly GroupBy[]
  /** CSV: aggregate on worker threads. Default: true when the machine has more than one core. */
  workers?: boolean
  /** Counters to update while reading (for a progress display). */
  progress?: InventoryProgress
}

export async function summarizeInventory(location: Location | InventoryManifest, options: SummarizeInventoryOptions = {}): Promise<Summary> {
  const by = byList(options.by)
  // Validated before any work (on CSV the groupings are otherwise first built on a worker thread).
  by.forEach(dimension)
  const columns = columnsFor(by)
  const filter = compileFilter(options.filter)
  options.signal?.throwIfAborted()
  const scope = clientScope(options)
  try {
    const m = isManifest(location) ? location : await readManifestWith(location, options, scope)
    const workers = options.workers ?? availableParallelism() > 1
    if (m.fileFormat.toLowerCase() === 'parquet' || m.fileFormat.toLowerCase() === 'orc') {
      // No row objects: each row is one reused object handed to the accumulator.
      const acc = createAccumulator(by)
      const progress = options.progress ?? { filesTotal: 0, filesDone: 0, bytesTotal: 0, bytesRead: 0, rows: 0 }
      await forEachRow(m, { ...options, columns, workers: false }, scope, progress, (r) => acc.add(r))
      return mergeSummaries([acc.partial()], by)
    }
    if (m.fileFormat.toLowerCase() !== 'csv' || !workers) {
      const client = options.client ?? (m.location.kind === 's3' ? scope.get() : undefined)
      return await summarize(readInventory(m, { ...options, client, columns, workers: false }), { by, signal: options.signal })
    }
    return await inWorkers(m, by, columns, filter, options, scope)
  } finally {
    scope.release()
  }
}

async function inWorkers(
  m: InventoryManifest,
  by: GroupBy[],
  columns: string[],
  filter: CompiledFilter | undefined,
  options: SummarizeInventoryOptions,
  scope: ReturnType<typeof clientScope>,
): Promise<Summary> {
  assertHasFiles(m, options)
  const plan = csvPlan(m.fileSchema, columns, filter)
  const chosen = chosenFiles(m, options.fileIndexes)
  const progress: InventoryProgress = options.progress ?? { filesTotal: 0, filesDone: 0, bytesTotal: 0, bytesRead: 0, rows: 0 }
  progress.filesTotal = chosen.length
  progress.bytesTotal = chosen.reduce((n, i) => n + m.files[i].size, 0)
  const counter: ByteCounter = { bytes: 0 }
  const verify = options.verify ?? true
  const locate = await fileLocator(m.location, m.files[chosen[0]]?.key, { root: options.root })
  const ac = new AbortController()
  const onAbort = () => ac.abort(options.signal?.reason)
  options.signal?.addEventListener('abort', onAbort, { once: true })
  const parts: PartialSummary[] = []
  let failure: unknown
  let next = 0
  const one = async () => {
    try {
      while (next < chosen.length && !ac.signal.aborted) {
        const entry = m.files[chosen[next++]]
        const located = await locate(entry.key)
        const source = sourceFor(located.loc, scope, { ...options, counter, size: entry.size })
        parts.push(
          await aggregateCsvGz(
            (signal) => source.stream(0, undefined, signal),
            source.ref,
            { fieldCount: plan.fieldCount, spec: plan.spec, signal: ac.signal, expected: verify ? { size: entry.size, md5: entry.MD5checksum } : undefined },
            { by, outputs: plan.outputs, filter: options.filter },
            (n) => {
              progress.rows += n
              progress.bytesRead = counter.bytes
            },
          ),
        )
        progress.filesDone++
        progress.bytesRead = counter.bytes
      }
    } catch (err) {
      // The first failure stops the other lanes at once.
      failure ??= err
      ac.abort(err)
    }
  }
  try {
    // Files in flight: enough to keep every worker busy while the next file's bytes arrive.
    const lanes = Math.max(1, Math.min(chosen.length, options.concurrency ?? 4))
    await Promise.all(Array.from({ length: lanes }, one))
    if (options.signal?.aborted) throw options.signal.reason
    if (failure !== undefined) throw failure
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
  return mergeSummaries(parts, by)
}
