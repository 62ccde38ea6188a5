/**
 * diffInventories: what was added, removed and changed between two inventory deliveries, in bounded
 * memory. Inventories are not sorted by key, so both sides are streamed into P partition files by a
 * hash of each row's identity (external hash partitioning), then each partition's two sides are
 * matched in memory, one partition at a time. A partition that turns out bigger than the budget is
 * split again by the next bits of the same hash. Changes come out ordered by that hash, then by
 * identity bytes: the same order for any budget. See docs/diff.md.
 */
import { mkdir, mkdtemp, rm, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { S3InventoryError, abortError, throwIfAborted } from '../errors.js'
import { readInventory, type InventoryProgress, type ReadInventoryOptions } from '../inventory.js'
import type { Location } from '../location.js'
import { readManifest, type InventoryManifest } from '../manifest.js'
import { PartitionCompare, type SideCounts } from './compare.js'
import { planDiff, type SidePlan } from './plan.js'
import { RecordEncoder, StringDict, type Buf } from './record.js'
import { u32 } from './record-reader.js'
import { loadPartition, readFrames, SpillWriter } from './spill.js'
import { DiffAccumulator } from './summary.js'
import { ENTRY_BYTES } from './table.js'
import { numberOption, optionalNumber, RANGES } from '../options.js'
import { resolveKnownField, type KnownField } from '../schema/fields.js'
import { CHANGE_KINDS, DEFAULT_COMPARE, type ChangeKind, type DiffChange, type DiffOptions, type DiffProgress, type DiffStream, type DiffSummary } from './types.js'

export const DEFAULT_MEMORY_MB = 256
const MIN_PARTITIONS = 128
const MAX_PARTITIONS = RANGES.partitions.max
/** Share of memoryMB one partition's two sides may take in memory (records and table). */
const PARTITION_SHARE = 0.6
/** Share of memoryMB the partition files' write buffers may take while reading. */
const BUFFER_SHARE = 0.25
/**
 * In-memory bytes (records + table) per compressed data-file byte, for the first estimate of P:
 * measured 3.1 (CSV.gz, 14 columns) and 2.4 (Parquet), doubled for safety. A wrong estimate costs
 * time, not memory: oversized partitions are split again.
 */
const EXPANSION = 6
/** Largest partition block: fewer, bigger frames mean fewer hand-offs to the thread pool. */
const BLOCK_MAX = 128 * 1024
/** Changes per yielded batch. */
const BATCH = 1024

/** The partition count for data files of `compressedBytes` (both sides) under `memoryMB`: docs/diff.md. */
export function partitionCount(compressedBytes: number, memoryMB: number): number {
  const target = memoryMB * 2 ** 20 * PARTITION_SHARE
  let p = MIN_PARTITIONS
  while (p < MAX_PARTITIONS && (compressedBytes * EXPANSION) / p > target) p *= 2
  return p
}

export function diffInventories(older: Location | InventoryManifest, newer: Location | InventoryManifest, options: DiffOptions = {}): DiffStream {
  // The ranges the CLI's flags use too (src/options.ts, docs/reliability.md).
  const memoryMB = numberOption(options.memoryMB, 'memoryMB', RANGES.memoryMB, DEFAULT_MEMORY_MB)
  const partitions = optionalNumber(options.partitions, 'partitions', RANGES.partitions)
  if (partitions !== undefined && (partitions & (partitions - 1)) !== 0) {
    throw new S3InventoryError('INVALID_ARGUMENT', 'partitions must be a power of two', { option: 'partitions', expected: `a power of two from 1 to ${MAX_PARTITIONS}`, actual: String(partitions) })
  }
  const prefixDepth = numberOption(options.prefixDepth, 'prefixDepth', RANGES.prefixDepth, 1)
  const only = new Set<ChangeKind>(options.only ?? CHANGE_KINDS)
  for (const k of only) {
    if (!CHANGE_KINDS.includes(k)) throw new S3InventoryError('INVALID_ARGUMENT', 'only takes added, removed and changed', { option: 'only', actual: String(k) })
  }

  const sides: [InventoryProgress, InventoryProgress] = [emptyProgress(), emptyProgress()]
  const progress: DiffProgress = {
    phase: 'starting',
    filesTotal: 0,
    get filesDone() {
      return sides[0].filesDone + sides[1].filesDone
    },
    bytesTotal: 0,
    get bytesRead() {
      return sides[0].bytesRead + sides[1].bytesRead
    },
    get rows() {
      return sides[0].rows + sides[1].rows
    },
    partitionsTotal: 0,
    partitionsDone: 0,
    changes: 0,
  }
  // Manifests already read: their totals are known before anything else (a progress bar sizes itself at once).
  if (isRead(older) && isRead(newer)) {
    progress.filesTotal = older.files.length + newer.files.length
    progress.bytesTotal = total(older) + total(newer)
  }
  const read: ReadInventoryOptions = {
    client: options.client,
    retry: options.retry,
    idleTimeoutMs: options.idleTimeoutMs,
    concurrency: options.concurrency,
    verify: options.verify,
    root: options.root,
    bufferRows: options.bufferRows,
    readSize: options.readSize,
    workers: options.workers,
    signal: options.signal,
  }

  const compareFields = (options.compare ?? DEFAULT_COMPARE).map((f) => resolveKnownField(f, 'compare'))
  for (const f of compareFields) {
    if (f === 'key' || f === 'versionId') throw new S3InventoryError('INVALID_ARGUMENT', `${f} is part of a row's identity and cannot be compared`, { option: 'compare', actual: f })
  }
  const columns = options.columns?.map((f) => resolveKnownField(f, 'columns'))

  let started = false
  let result: DiffSummary | undefined
  /** Why a finished run has no result (an error, or a stop before the end). */
  let ended: { error: unknown } | undefined
  let settle: { resolve(s: DiffSummary): void; reject(e: unknown): void } | undefined
  let settled: Promise<DiffSummary> | undefined

  async function* run(rows: boolean): AsyncGenerator<DiffChange[]> {
    const signal = options.signal
    let failure: unknown
    let dir: string | undefined
    const writers: SpillWriter[] = []
    try {
      throwIfAborted(signal)
      const [mo, mn] = await Promise.all([manifestOf(older, options), manifestOf(newer, options)])
      progress.filesTotal = mo.files.length + mn.files.length
      progress.bytesTotal = total(mo) + total(mn)
      const plan = await planDiff(mo, mn, { compare: compareFields, columns }, read, rows)
      const parts = partitions ?? partitionCount(progress.bytesTotal, memoryMB)
      const bits = Math.log2(parts)
      const blockSize = clamp(Math.floor((memoryMB * 2 ** 20 * BUFFER_SHARE) / parts), 4096, BLOCK_MAX)
      const target = memoryMB * 2 ** 20 * PARTITION_SHARE
      dir = await tempFolder(options.tmpDir)
      const dict = new StringDict()
      let splits = 0

      // Phase 1: each side into its partition files.
      progress.phase = 'reading'
      const counted: SideCounts[] = []
      for (const [i, side] of [plan.older, plan.newer].entries()) {
        const w = new SpillWriter(dir, i === 0 ? 'older' : 'newer', parts, blockSize)
        writers.push(w)
        counted.push(await spillSide(side, w, bits, dict, { ...read, filter: options.filter, progress: sides[i] }))
      }

      // Phase 2: one partition at a time.
      progress.phase = 'comparing'
      progress.partitionsTotal = parts
      const acc = new DiffAccumulator(prefixDepth)
      const compare = new PartitionCompare(plan, dict, acc, rows ? only : new Set(), signal)
      // Removing a compared partition's files is not waited for (creating and removing files is slow here).
      const removals: Promise<unknown>[] = []
      const remove = (w: SpillWriter, p: number) => removals.push(unlink(w.file(p)).catch(() => {}))
      const load = (o: SpillWriter, n: SpillWriter, p: number) => {
        const both = Promise.all([
          o.records[p] ? loadPartition(o.file(p), o.bytes[p], o.maxFrame, signal) : undefined,
          n.records[p] ? loadPartition(n.file(p), n.bytes[p], n.maxFrame, signal) : undefined,
        ])
        both.catch(() => {}) // awaited in turn; a failure while another partition is compared waits for it
        return both
      }
      const level = async function* (o: SpillWriter, n: SpillWriter, used: number, depth: string): AsyncGenerator<DiffChange[]> {
        const need = (p: number) => o.bytes[p] + n.bytes[p] + (o.records[p] + n.records[p]) * ENTRY_BYTES
        // The next partition is read and inflated while this one is compared, when both fit the budget together.
        let ahead: { p: number; loading: ReturnType<typeof load> } | undefined
        for (let p = 0; p < o.parts; p++) {
          throwIfAborted(signal)
          const free = 32 - used - Math.log2(o.parts)
          if (need(p) > target && free <= 0) {
            throw new S3InventoryError('LIMIT_EXCEEDED', 'more rows share one identity hash than memoryMB lets a partition hold', {
              option: 'memoryMB',
              expected: `at most ${Math.floor(target)} bytes per partition`,
              actual: `${need(p)} bytes`,
            })
          }
          if (need(p) > target) {
            // Too big for the budget: split it by the next bits of the same hash, then compare the pieces in order.
            const k = Math.min(free, Math.ceil(Math.log2(need(p) / target)) + 1)
            splits++
            const sub = path.join(dir!, `${depth}${p}-`)
            await mkdir(sub)
            const so = new SpillWriter(sub, 'older', 2 ** k, blockSize)
            const sn = new SpillWriter(sub, 'newer', 2 ** k, blockSize)
            writers.push(so, sn)
            const next = used + Math.log2(o.parts)
            await resplit(o, p, so, next, k, signal)
            await resplit(n, p, sn, next, k, signal)
            yield* level(so, sn, next, `${depth}${p}-`)
          } else {
            const loading = ahead?.p === p ? ahead.loading : load(o, n, p)
            ahead = p + 1 < o.parts && need(p + 1) <= target && need(p) + need(p + 1) <= target ? { p: p + 1, loading: load(o, n, p + 1) } : undefined
            const [ob, nb] = await loading
            let out: DiffChange[]
            try {
              out = compare.partition(ob as Buf | undefined, o.records[p], nb as Buf | undefined, n.records[p])
            } catch (err) {
              // Records that do not parse: the file inflated (its checksum held) but is not what was written.
              if (err instanceof RangeError) throw new S3InventoryError('IO_ERROR', 'a temporary partition file is not what this process wrote', { key: o.file(p), cause: err })
              throw err
            }
            progress.changes = acc.changes
            remove(o, p)
            remove(n, p)
            for (let i = 0; i < out.length; i += BATCH) yield out.slice(i, i + BATCH)
          }
          if (used === 0) progress.partitionsDone++
        }
      }
      yield* level(writers[0], writers[1], 0, '')
      await Promise.all(removals)

      result = compare.finish(counted, parts, splits)
      progress.phase = 'done'
      settle?.resolve(result)
    } catch (err) {
      failure = err
      throw err
    } finally {
      for (const w of writers) await w.destroy()
      if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 3 })
      if (!result) {
        ended = { error: failure ?? abortError() }
        settle?.reject(ended.error)
      }
    }
  }

  function begin(rows: boolean): AsyncGenerator<DiffChange[]> {
    if (started) throw new S3InventoryError('INVALID_ARGUMENT', 'a diff can be iterated only once; call diffInventories again')
    started = true
    return run(rows)
  }

  return {
    progress,
    batches: () => begin(true),
    [Symbol.asyncIterator]() {
      const it = begin(true)
      let batch: DiffChange[] = []
      let i = 0
      return {
        async next(): Promise<IteratorResult<DiffChange>> {
          while (i >= batch.length) {
            const r = await it.next()
            if (r.done) return { done: true, value: undefined }
            batch = r.value
            i = 0
          }
          return { done: false, value: batch[i++] }
        },
        async return(): Promise<IteratorResult<DiffChange>> {
          await it.return(undefined)
          return { done: true, value: undefined }
        },
      }
    },
    summary(): Promise<DiffSummary> {
      if (result) return Promise.resolve(result)
      if (ended) return Promise.reject(ended.error)
      if (!started) {
        const it = begin(false)
        return (async () => {
          for await (const _ of it);
          return result!
        })()
      }
      settled ??= new Promise<DiffSummary>((resolve, reject) => (settle = { resolve, reject }))
      return settled
    },
  }
}

/** Runs a diff for its summary alone (no change objects are built). */
export function diffSummary(older: Location | InventoryManifest, newer: Location | InventoryManifest, options: DiffOptions = {}): Promise<DiffSummary> {
  return diffInventories(older, newer, options).summary()
}


/** Phase 1 for one side: rows → records → partition files. */
async function spillSide(side: SidePlan, w: SpillWriter, bits: number, dict: StringDict, read: ReadInventoryOptions): Promise<SideCounts> {
  const enc = new RecordEncoder(side.layout, dict)
  const shift = 32 - bits
  let rows = 0
  let ignored = 0
  const stream = readInventory(side.manifest, { ...read, columns: side.readColumns as KnownField[] | undefined })
  for await (const batch of stream.batches()) {
    rows += batch.length
    for (let i = 0; i < batch.length; i++) {
      const row = batch[i]
      if (side.latestOnly && (row.isLatest === false || row.isDeleteMarker === true)) {
        ignored++
        continue
      }
      const end = enc.encode(row)
      w.add(bits === 0 ? 0 : enc.hash >>> shift, enc.buf, 0, end)
    }
    const wait = w.ready()
    if (wait) await wait
  }
  await w.close()
  return { plan: side, rows, ignored, records: rows - ignored }
}

/** Copies partition `p` of `from` into `to`, routing each record by the `k` hash bits after the first `used`. */
async function resplit(from: SpillWriter, p: number, to: SpillWriter, used: number, k: number, signal: AbortSignal | undefined): Promise<void> {
  for await (const frame of readFrames(from.file(p), from.maxFrame, signal)) {
    for (let off = 0; off < frame.length; ) {
      const end = off + 4 + u32(frame, off)
      to.add((u32(frame, off + 4) << used) >>> (32 - k), frame, off, end)
      off = end
    }
    const wait = to.ready()
    if (wait) await wait
  }
  await to.close()
  await unlink(from.file(p)).catch(() => {})
}

/** The diff's own temporary folder under `tmpDir` (or os.tmpdir()); a folder that cannot take it is a typed error naming tmpDir. */
async function tempFolder(tmpDir: string | undefined): Promise<string> {
  const parent = tmpDir ?? tmpdir()
  try {
    return await mkdtemp(path.join(parent, 's3inv-diff-'))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const [kind, message] =
      code === 'ENOENT' ? (['NOT_FOUND', 'the folder for temporary files does not exist'] as const)
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? (['ACCESS_DENIED', 'the folder for temporary files cannot be written to'] as const)
      : code === 'ENOTDIR' ? (['INVALID_ARGUMENT', 'the place for temporary files is not a folder'] as const)
      : (['IO_ERROR', 'no temporary folder could be created'] as const)
    throw new S3InventoryError(kind, message, { key: parent, option: 'tmpDir', expected: 'an existing, writable folder', actual: code, cause: err })
  }
}

/** A manifest already read (what readManifest returns) rather than a location. */
function isRead(where: Location | InventoryManifest): where is InventoryManifest {
  return typeof where === 'object' && 'files' in where && 'md5' in where && 'fileSchema' in where
}

async function manifestOf(where: Location | InventoryManifest, options: DiffOptions): Promise<InventoryManifest> {
  if (isRead(where)) return where
  return readManifest(where, { client: options.client, signal: options.signal, retry: options.retry, idleTimeoutMs: options.idleTimeoutMs })
}

const total = (m: InventoryManifest) => m.files.reduce((n, f) => n + f.size, 0)
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v))
const emptyProgress = (): InventoryProgress => ({ filesTotal: 0, filesDone: 0, bytesTotal: 0, bytesRead: 0, rows: 0 })
