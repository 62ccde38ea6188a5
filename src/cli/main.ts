/** The `s3inv` command line. Every command prints errors as `s3inv: CODE: message` and exits 1; usage errors exit 2. */
import { Command, CommanderError, Option } from 'commander'
import { S3InventoryError } from '../errors.js'
import type { RowFilter } from '../filter.js'
import { readInventory } from '../inventory.js'
import { s3ClientFromFlags, type AwsFlags } from './aws.js'
import { formatter, OUTPUT_FORMATS, OutputClosed, writer, type OutputFormat } from './output.js'
import pkg from '../../package.json'

interface CommonFlags extends AwsFlags {
  debug?: boolean
  quiet?: boolean
  concurrency?: number
  verify?: boolean
  root?: string
}

interface FilterFlags {
  prefix?: string[]
  suffix?: string[]
  glob?: string
  regex?: string
  minSize?: number
  maxSize?: number
  storageClass?: string[]
  modifiedAfter?: string
  modifiedBefore?: string
  latestOnly?: boolean
  deleteMarkers?: boolean
}

const int = (name: string) => (v: string) => {
  const n = Number(v)
  if (!Number.isFinite(n) || n < 0) throw new CommanderError(2, 'commander.invalidArgument', `${name} must be a non-negative number, got "${v}"`)
  return n
}
const size = (name: string) => (v: string) => {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]i?b?|b)?$/i.exec(v.trim())
  if (!m) throw new CommanderError(2, 'commander.invalidArgument', `${name} must be a size like 1024, 10KB, 5MiB, got "${v}"`)
  const unit = (m[2] ?? 'b').toLowerCase()
  const pow = 'bkmgtp'.indexOf(unit[0])
  const base = unit.includes('i') || unit.length === 1 ? 1024 : 1000
  return Math.round(Number(m[1]) * base ** (unit === 'b' ? 0 : pow))
}
const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), ...v.split(',').map((s) => s.trim()).filter(Boolean)]

function addCommon(cmd: Command): Command {
  return cmd
    .option('--profile <name>', 'AWS profile (default: AWS_PROFILE or default chain)')
    .option('--region <region>', 'AWS region (default: AWS_REGION / profile)')
    .option('--endpoint-url <url>', 'S3-compatible endpoint (path-style); also AWS_ENDPOINT_URL_S3')
    .option('--no-sign-request', 'do not sign requests (public buckets)')
    .option('--concurrency <n>', 'data files read at once', int('--concurrency'), 4)
    .option('--no-verify', 'skip MD5/size checks of data files')
    .option('--root <dir>', 'local inventories: the folder that plays the destination bucket root')
    .option('-q, --quiet', 'no progress or summary on stderr')
    .option('--debug', 'print stack traces on errors')
}

function addFilters(cmd: Command): Command {
  return cmd
    .option('--prefix <p>', 'key starts with (repeatable, comma-separated)', collect)
    .option('--suffix <s>', 'key ends with, e.g. .png (repeatable)', collect)
    .option('--glob <pattern>', 'key glob: * and ? within a segment, ** across; no "/" matches the file name')
    .option('--regex <re>', 'key matches this regular expression')
    .option('--min-size <bytes>', 'size >= (accepts 10KB, 5MiB, …)', size('--min-size'))
    .option('--max-size <bytes>', 'size <= (accepts 10KB, 5MiB, …)', size('--max-size'))
    .option('--storage-class <class>', 'storage class is one of (repeatable, comma-separated)', collect)
    .option('--modified-after <date>', 'last modified at or after (ISO date/time)')
    .option('--modified-before <date>', 'last modified before (ISO date/time)')
    .option('--latest-only', 'current versions only')
    .option('--no-delete-markers', 'drop delete markers')
}

export function filterFromFlags(f: FilterFlags): RowFilter | undefined {
  const filter: RowFilter = {
    prefix: f.prefix,
    suffix: f.suffix,
    glob: f.glob,
    regex: f.regex,
    minSize: f.minSize,
    maxSize: f.maxSize,
    storageClass: f.storageClass,
    modifiedAfter: f.modifiedAfter,
    modifiedBefore: f.modifiedBefore,
    latestOnly: f.latestOnly,
    excludeDeleteMarkers: f.deleteMarkers === false,
  }
  return Object.values(filter).some((v) => v !== undefined && v !== false) ? filter : undefined
}

function readerOptions(location: string, flags: CommonFlags & FilterFlags, signal: AbortSignal, columns?: string[]) {
  return {
    // Only S3 locations need a client (and only then does the SDK get configured).
    client: /^s3:\/\//i.test(location) ? s3ClientFromFlags(flags) : undefined,
    concurrency: flags.concurrency,
    verify: flags.verify,
    root: flags.root,
    signal,
    columns,
    filter: filterFromFlags(flags),
  }
}

export function buildProgram(): Command {
  const program = new Command('s3inv')
    .description('Stream, filter and summarize S3 Inventory reports from S3 or local disk.')
    .version(pkg.version, '-V, --version')
    .showHelpAfterError()
    .exitOverride()

  const ls = addFilters(addCommon(program.command('ls')))
    .description('list inventory rows')
    .argument('<location>', 's3://bucket/…/manifest.json, a local manifest.json, or file:// URL')
    .option('--columns <list>', 'only these fields, e.g. key,size,storageClass', collect)
    .addOption(new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS as string[]).default('ndjson'))
    .addHelpText(
      'after',
      `
Examples:
  s3inv ls s3://inventory-bucket/prefix/src-bucket/config/2026-11-20T01-00Z/manifest.json
  s3inv ls ./manifest.json --suffix .png --format keys
  s3inv ls ./manifest.json --columns key,size --format csv --min-size 1GB`,
    )
    .action(async (location: string, flags: CommonFlags & FilterFlags & { columns?: string[]; format: OutputFormat }) => {
      const ac = new AbortController()
      const out = writer()
      const stream = readInventory(location, readerOptions(location, flags, ac.signal, flags.columns))
      const fmt = formatter(flags.format, flags.columns)
      try {
        for await (const batch of stream.batches()) await out.write(fmt.rows(batch))
      } catch (err) {
        if (err instanceof OutputClosed) return ac.abort()
        throw err
      }
    })
  void ls
  return program
}

export async function main(argv = process.argv): Promise<number> {
  const program = buildProgram()
  for (const cmd of program.commands) cmd.exitOverride().showHelpAfterError()
  const debug = argv.includes('--debug')
  try {
    await program.parseAsync(argv)
    return 0
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0
      if (err.code === 'commander.invalidArgument' && err.exitCode === 2 && !err.message.startsWith('error:')) {
        process.stderr.write(`s3inv: error: ${err.message}\n`)
      }
      return 2
    }
    const code = err instanceof S3InventoryError ? err.code : ((err as { name?: string })?.name ?? 'ERROR')
    const message = err instanceof S3InventoryError ? err.message.replace(/^[A-Z_]+: /, '') : ((err as Error)?.message ?? String(err))
    process.stderr.write(`s3inv: ${code}: ${message}\n`)
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`)
    return 1
  }
}
