/**
 * readDataFile: the rows of one inventory data file, without reading an inventory — what `s3inv cat`
 * prints. The format comes from the file's name, else its magic bytes: Parquet and ORC are read as
 * general readers (exact values, every column); CSV.gz needs its column names (`fileSchema`, or the
 * manifest's) and gives typed inventory rows with every column it names.
 */
import { S3InventoryError } from './errors.js'
import { csvFormat } from './formats/csv/index.js'
import { csvFields } from './formats/csv/schema.js'
import { orcJsonLines, readOrc } from './formats/orc/index.js'
import { readParquet } from './formats/parquet/index.js'
import { exactJson } from './schema/exact.js'
import { formatLocation, locationRef, resolveLocation, type Location, type ResolvedLocation } from './location.js'
import { readManifest, type InventoryManifest, type ManifestFile } from './manifest.js'
import { isManifest } from './inventory.js'
import { DEFAULT_READ_SIZE } from './inventory.js'
import { clientScope, sourceFor, type ClientOptions } from './sources/open.js'
import type { ByteSource } from './sources/source.js'
import type { Expected } from './sources/verify.js'

export type DataFileFormat = 'parquet' | 'orc' | 'csv'

export interface ReadDataFileOptions extends ClientOptions {
  /** Only these columns (the file's own names for Parquet and ORC; row names or fileSchema names for CSV). */
  columns?: readonly string[]
  /** CSV: the column names, e.g. "Bucket, Key, Size" (the file has no header). Default: the manifest's fileSchema. */
  fileSchema?: string
  /** The manifest listing the file: its entry (the same key, else the same file name) is what the file must be. */
  manifest?: Location | InventoryManifest
  /** With a manifest, check the file's size and MD5 against its entry (rows are held until verified). Default true. */
  verify?: boolean
  /** The format, when neither the name nor the first bytes should decide. */
  format?: DataFileFormat
  signal?: AbortSignal
}

interface Opened {
  source: ByteSource
  location: ResolvedLocation
  expected?: Expected
  entry?: ManifestFile
  fileSchema?: string
}

/** One data file's rows: Parquet and ORC as plain objects of exact values, CSV as typed inventory rows. */
export async function* readDataFile(location: Location, options: ReadDataFileOptions = {}): AsyncGenerator<unknown> {
  yield* dataFile(location, options, false)
}

/**
 * The same rows as JSON lines, each format printed as its own reference tools print it: ORC as
 * Apache ORC's tools do (wall-clock timestamps, float32 digits, decimals at their scale), Parquet and
 * CSV with exactJson (ISO timestamps with every digit, 64-bit integers and decimals exact).
 */
export async function* readDataFileLines(location: Location, options: ReadDataFileOptions = {}): AsyncGenerator<string> {
  yield* dataFile(location, options, true) as AsyncGenerator<string>
}

async function* dataFile(location: Location, options: ReadDataFileOptions, lines: boolean): AsyncGenerator<unknown> {
  if (options.columns?.length === 0) throw new S3InventoryError('INVALID_ARGUMENT', 'columns must name at least one column', { option: 'columns', expected: 'one column name or more (or no columns option: all)', actual: '[]' })
  const scope = clientScope(options)
  try {
    const loc = resolveLocation(location)
    const manifest = options.manifest === undefined ? undefined : isManifest(options.manifest) ? options.manifest : await readManifest(options.manifest, options)
    const entry = manifest && manifestEntry(manifest, loc)
    const expected = entry && options.verify !== false ? { size: entry.size, md5: entry.MD5checksum } : undefined
    const o: Opened = {
      // A local file's size is checked by a stat before its first byte (as for inventory reads), whatever its format.
      source: sourceFor(loc, scope, { ...options, size: entry?.size, verifySize: expected?.size }),
      location: loc,
      entry,
      expected,
      fileSchema: options.fileSchema ?? manifest?.fileSchema,
    }
    const format = options.format ?? (await formatOf(o, options.signal))
    const columns = options.columns ? [...options.columns] : undefined
    if (format === 'orc') {
      const orc = { columns, expected: o.expected, signal: options.signal }
      yield* lines ? orcJsonLines(o.source, orc) : readOrc(o.source, orc)
      return
    }
    const rows = format === 'parquet' ? readParquet(o.source, { columns, expected: o.expected, signal: options.signal }) : csvRows(o, options)
    if (!lines) yield* rows
    else for await (const row of rows) yield exactJson(row)
  } finally {
    scope.release()
  }
}

async function* csvRows(o: Opened, options: ReadDataFileOptions): AsyncGenerator<Record<string, unknown>> {
  if (!o.fileSchema) {
    throw new S3InventoryError('INVALID_ARGUMENT', 'a CSV data file has no header: give its column names (fileSchema) or its manifest', { ...locationRef(o.location), option: 'fileSchema' })
  }
  const fields = csvFields(o.fileSchema, locationRef(o.location))
  // Every column the schema names, known or not; `columns` by row name or by the schema's spelling.
  const pick = options.columns && new Set(options.columns.map((c) => c.toLowerCase()))
  const chosen = fields.filter((f) => !pick || pick.has(f.name.toLowerCase()) || pick.has((f.fileName ?? '').toLowerCase()))
  for (const c of pick ?? []) {
    if (!fields.some((f) => f.name.toLowerCase() === c || f.fileName?.toLowerCase() === c)) {
      throw new S3InventoryError('FIELD_MISSING', `the file has no column ${c}`, { ...locationRef(o.location), column: c, expected: `one of ${fields.map((f) => f.fileName).join(', ')}` })
    }
  }
  const ref = { ...locationRef(o.location), fileIndex: 0, manifestMd5: '' }
  const batches = csvFormat.rows({
    source: o.source,
    file: ref,
    fileSchema: o.fileSchema,
    columns: chosen.filter((f) => f.type !== 'raw').map((f) => f.name),
    extraColumns: chosen.filter((f) => f.type === 'raw').map((f) => f.name),
    startRow: 0,
    size: o.entry?.size,
    expected: o.expected,
    signal: options.signal ?? new AbortController().signal,
    readSize: DEFAULT_READ_SIZE,
  })
  for await (const batch of batches) for (const row of batch) yield { ...row }
}

/** The manifest entry of the file: the same key, or (local copies) the same file name. */
function manifestEntry(m: InventoryManifest, loc: ResolvedLocation): ManifestFile {
  const key = loc.kind === 's3' ? loc.key : loc.path
  const base = key.slice(key.lastIndexOf('/') + 1)
  const entry = m.files.find((f) => f.key === key) ?? m.files.find((f) => f.key.slice(f.key.lastIndexOf('/') + 1) === base)
  if (!entry) {
    throw new S3InventoryError('NOT_FOUND', 'the manifest does not list this data file', {
      key: formatLocation(loc),
      expected: `one of ${m.files.slice(0, 5).map((f) => f.key).join(', ')}${m.files.length > 5 ? ', …' : ''}`,
    })
  }
  return entry
}

/** By extension, else by magic bytes: `PAR1`, `ORC`, gzip's 1f 8b. */
async function formatOf(o: Opened, signal: AbortSignal | undefined): Promise<DataFileFormat> {
  const name = (o.location.kind === 's3' ? o.location.key : o.location.path).toLowerCase()
  if (name.endsWith('.parquet')) return 'parquet'
  if (name.endsWith('.orc')) return 'orc'
  if (name.endsWith('.csv.gz') || name.endsWith('.gz')) return 'csv'
  const head = await o.source.slice(0, 4, signal)
  if (head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31) return 'parquet'
  if (head[0] === 0x4f && head[1] === 0x52 && head[2] === 0x43) return 'orc'
  if (head[0] === 0x1f && head[1] === 0x8b) return 'csv'
  throw new S3InventoryError('UNSUPPORTED_FORMAT', 'the file is not Parquet, ORC or gzip-compressed CSV', {
    ...locationRef(o.location),
    expected: 'PAR1, ORC or gzip magic bytes (or a .parquet, .orc, .csv.gz name)',
    actual: Buffer.from(head).toString('hex'),
  })
}
