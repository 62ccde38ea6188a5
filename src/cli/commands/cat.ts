/**
 * `s3inv cat <data-file>`: the rows of one data file as JSON lines, without a manifest. Each format
 * plugs in as one reader in READERS, chosen by the file's extension, else its magic bytes: Parquet
 * (from the file itself), ORC (from the file itself), CSV.gz (column names from `--schema` or
 * `--manifest`). Values are exact (exactJson): 64-bit integers and decimals as JSON numbers with all
 * their digits, timestamps as ISO-8601 with their full precision, dates YYYY-MM-DD, binary as arrays
 * of byte values, NaN and infinities as null.
 */
import type { Command } from 'commander'
import { S3InventoryError } from '../../errors.js'
import { readParquet } from '../../formats/parquet/index.js'
import { formatLocation, resolveLocation, type ResolvedLocation } from '../../location.js'
import { readManifest, type InventoryManifest } from '../../manifest.js'
import { exactJson } from '../../schema/exact.js'
import { sourceFor, type ClientScope } from '../../sources/open.js'
import type { ByteSource } from '../../sources/source.js'
import type { Expected } from '../../sources/verify.js'
import { addCommon, clientFor, collect, type CommonFlags } from '../common.js'
import { writer } from '../output.js'

interface CatFlags extends CommonFlags {
  columns?: string[]
  schema?: string
  manifest?: string
}

type Kind = 'parquet' | 'orc' | 'csv'

/** What a format's reader gets: the file, its expected size/MD5 (from --manifest), the columns asked for. */
interface CatRead {
  source: ByteSource
  location: ResolvedLocation
  columns?: string[]
  expected?: Expected
  /** CSV: column names (from --schema, or the manifest's fileSchema). */
  schema?: string
  signal: AbortSignal
}

const READERS: Record<Kind, (r: CatRead) => AsyncIterable<Record<string, unknown>>> = {
  parquet: (r) => readParquet(r.source, { columns: r.columns, expected: r.expected, signal: r.signal }),
  // ORC: src/formats/orc/ (another change) plugs its general reader in here, keyed by 'orc'.
  orc: () => {
    throw new S3InventoryError('UNSUPPORTED_FORMAT', 'Printing ORC files is not available yet.', { expected: 'a Parquet file' })
  },
  // CSV.gz: the CSV reader plugs in here, with r.schema for the column names (--schema or --manifest).
  csv: (r) => {
    if (!r.schema) throw new S3InventoryError('INVALID_ARGUMENT', 'A CSV file has no header: give its columns with --schema or --manifest.', { option: '--schema' })
    throw new S3InventoryError('UNSUPPORTED_FORMAT', 'Printing CSV files is not available yet.', { expected: 'a Parquet file' })
  },
}

export function register(program: Command): void {
  addCommon(program.command('cat'))
    .description('print the rows of one data file (Parquet; ORC and CSV.gz to come) as JSON lines, values exact')
    .argument('<data-file>', 'a data file, s3:// or local')
    .option('--columns <list>', "only these columns (the file's own names), e.g. key,size", collect)
    .option('--schema <names>', 'CSV.gz only: the column names, e.g. "Bucket, Key, Size"')
    .option('--manifest <manifest.json>', "the inventory manifest listing the file: verify it against its entry (size, MD5) and, for CSV, take its fileSchema")
    .addHelpText(
      'after',
      `
Values: 64-bit integers and decimals are exact JSON numbers, timestamps ISO-8601 with their full
precision (no Z when the file says they are not UTC), dates YYYY-MM-DD, binary an array of byte
values, NaN and infinities null.

Examples:
  s3inv cat s3://inventory-bucket/prefix/src-bucket/config/data/1234.parquet --columns key,size
  s3inv cat ./data/1234.parquet --manifest ./2026-11-20T01-00Z/manifest.json | head`,
    )
    .action(async (file: string, flags: CatFlags) => {
      const ac = new AbortController()
      const out = writer()
      const client = clientFor(file, flags) ?? (flags.manifest ? clientFor(flags.manifest, flags) : undefined)
      try {
        const location = resolveLocation(file)
        const manifest = flags.manifest ? await readManifest(flags.manifest, { client, signal: ac.signal }) : undefined
        const entry = manifest && manifestEntry(manifest, location)
        const scope: ClientScope = { get: () => client ?? missingClient(), release: () => {} }
        const read: CatRead = {
          source: sourceFor(location, scope, { size: entry?.size }),
          location,
          columns: flags.columns,
          expected: entry && flags.verify !== false ? { size: entry.size, md5: entry.MD5checksum } : undefined,
          schema: flags.schema ?? manifest?.fileSchema,
          signal: ac.signal,
        }
        const kind = await kindOf(read)
        let text = ''
        let n = 0
        for await (const row of READERS[kind](read)) {
          text += `${exactJson(row)}\n`
          if (++n % 512 === 0) {
            await out.write(text)
            text = ''
          }
        }
        await out.write(text)
      } finally {
        ac.abort()
        client?.destroy()
      }
    })
}

function missingClient(): never {
  throw new S3InventoryError('INTERNAL', 'No S3 client was made for an S3 location.')
}

/** The manifest entry of the file: the same key, or (local copies) the same file name. */
function manifestEntry(m: InventoryManifest, loc: ResolvedLocation) {
  const key = loc.kind === 's3' ? loc.key : loc.path
  const base = key.slice(key.lastIndexOf('/') + 1)
  const entry = m.files.find((f) => f.key === key) ?? m.files.find((f) => f.key.slice(f.key.lastIndexOf('/') + 1) === base)
  if (!entry) {
    throw new S3InventoryError('INVALID_ARGUMENT', 'The manifest does not list this data file.', {
      option: '--manifest',
      key: formatLocation(loc),
      expected: `one of ${m.files.slice(0, 5).map((f) => f.key).join(', ')}${m.files.length > 5 ? ', …' : ''}`,
    })
  }
  return entry
}

/** By extension, else by magic bytes: `PAR1`, `ORC`, gzip's 1f 8b. */
async function kindOf(r: CatRead): Promise<Kind> {
  const name = (r.location.kind === 's3' ? r.location.key : r.location.path).toLowerCase()
  if (name.endsWith('.parquet')) return 'parquet'
  if (name.endsWith('.orc')) return 'orc'
  if (name.endsWith('.csv.gz') || name.endsWith('.gz')) return 'csv'
  const head = await r.source.slice(0, 4, r.signal)
  if (head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31) return 'parquet'
  if (head[0] === 0x4f && head[1] === 0x52 && head[2] === 0x43) return 'orc'
  if (head[0] === 0x1f && head[1] === 0x8b) return 'csv'
  throw new S3InventoryError('UNSUPPORTED_FORMAT', 'The file is not Parquet, ORC or gzip-compressed CSV.', {
    ...(r.location.kind === 's3' ? { bucket: r.location.bucket, key: r.location.key } : { key: r.location.path }),
    expected: 'PAR1, ORC or gzip magic bytes (or a .parquet, .orc, .csv.gz name)',
    actual: Buffer.from(head).toString('hex'),
  })
}
