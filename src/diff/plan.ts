/**
 * What a diff decides before reading any row: each side's fields (from its manifest, or from its
 * first row when the fileSchema does not list them), the identity, the fields compared, the columns
 * read and what each record holds, and the number of partitions.
 */
import { readInventory, type ReadInventoryOptions } from '../inventory.js'
import type { InventoryManifest } from '../manifest.js'
import { stringKind, type RecordLayout } from './record.js'
import { schemaColumns } from './schema.js'

export interface SidePlan {
  manifest: InventoryManifest
  /** The side's fields, in file order. */
  fields: string[]
  versioned: boolean
  /** Identity is the key alone and this side lists versions: only current, non-delete-marker rows take part. */
  latestOnly: boolean
  /** Columns asked of the reader (undefined: all). */
  readColumns: string[] | undefined
  layout: RecordLayout
  /** Fields of this side's before/after rows, in file order. */
  output: string[]
}

export interface DiffPlan {
  /** Identity is (key, versionId). */
  versioned: boolean
  /** The records' fixed fields: compared ones first, then size and storageClass for the summary. */
  fixed: string[]
  /** Per fixed field: compared (asked for and on both sides). */
  comparable: boolean[]
  /**
   * Every fixed field is compared or on neither side (then absent on both): equal fixed bytes mean an
   * unchanged row.
   */
  wholeFixed: boolean
  compared: string[]
  olderOnly: string[]
  newerOnly: string[]
  sizeIndex: number
  classIndex: number
  older: SidePlan
  newer: SidePlan
}

const IDENTITY = new Set(['key', 'versionId'])

/** `rows`: whether changes carry before/after rows (false for a summary alone: fewer columns read and stored). */
export async function planDiff(
  older: InventoryManifest,
  newer: InventoryManifest,
  /** Known field names (resolved by the caller). */
  o: { compare: readonly string[]; columns: readonly string[] | undefined },
  read: ReadInventoryOptions,
  rows: boolean,
): Promise<DiffPlan> {
  const compare = unique(o.compare)
  const columns = o.columns
  const [fo, fn] = await Promise.all([sideFields(older, read), sideFields(newer, read)])
  const versioned = fo.includes('versionId') && fn.includes('versionId')
  const fixed = unique([...compare, 'size', 'storageClass'])
  const comparable = fixed.map((f, i) => i < compare.length && fo.includes(f) && fn.includes(f))
  const side = (manifest: InventoryManifest, fields: string[]): SidePlan => {
    const has = new Set(fields)
    const wanted = !rows ? [] : columns ? ['key', ...columns] : fields
    const output = fields.filter((f) => wanted.includes(f))
    const rest = output.filter((f) => !IDENTITY.has(f) && !fixed.includes(f))
    const needed = new Set(['key', 'versionId', 'isLatest', 'isDeleteMarker', ...fixed, ...output])
    const sideVersioned = has.has('versionId')
    return {
      manifest,
      fields,
      versioned: sideVersioned,
      latestOnly: !versioned && sideVersioned,
      readColumns: rows && !columns ? undefined : fields.filter((f) => needed.has(f)),
      layout: { versioned, fixed, rest, fixedKinds: fixed.map(stringKind), restKinds: rest.map(stringKind) },
      output,
    }
  }
  return {
    versioned,
    fixed,
    comparable,
    wholeFixed: fixed.every((f, i) => comparable[i] || (!fo.includes(f) && !fn.includes(f))),
    compared: compare.filter((f) => fo.includes(f) && fn.includes(f)),
    olderOnly: compare.filter((f) => fo.includes(f) && !fn.includes(f)),
    newerOnly: compare.filter((f) => !fo.includes(f) && fn.includes(f)),
    sizeIndex: fixed.indexOf('size'),
    classIndex: fixed.indexOf('storageClass'),
    older: side(older, fo),
    newer: side(newer, fn),
  }
}

/** The fields from the manifest's fileSchema; when it lists none (a Parquet/ORC schema we cannot read), those of the first row. */
async function sideFields(m: InventoryManifest, read: ReadInventoryOptions): Promise<string[]> {
  const cols = schemaColumns(m.fileFormat, m.fileSchema)
  if (cols) return unique(cols.map((c) => c.field))
  for await (const row of readInventory(m, { ...read, concurrency: 1 })) return Object.keys(row)
  return ['key']
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)]
}
