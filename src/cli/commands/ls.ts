/** `s3inv ls`: rows of an inventory, filtered, as NDJSON, CSV, TSV, bare keys or s3:// URLs. */
import { Option, type Command } from 'commander'
import type { InventoryRow, KnownField } from '../../index.js'
import { addCommon, addFilters, checkFilterFlags, note, openInventory, withClient, type CommonFlags, type FilterFlags } from '../common.js'
import { checkColumnFlags } from '../columns-flags.js'
import { addCursorFlags, cursorKeeper, type CursorFlags } from '../cursor-file.js'
import { formatter, LINE_FORMATS, OUTPUT_FORMATS, writer, type Formatter, type OutputFormat } from '../output.js'
import { startProgress } from '../progress.js'
import { choice, columns, list as commaList, UsageError } from '../usage.js'

interface LsFlags extends CommonFlags, FilterFlags, CursorFlags {
  columns?: KnownField[]
  extraColumns?: string[]
  format: OutputFormat
  null?: boolean
}

export function register(program: Command): void {
  addCursorFlags(addFilters(addCommon(program.command('ls'))), 'rows')
    .description('list inventory rows')
    .argument('<location>', 'manifest.json (s3:// or local), a delivery folder, or an inventory configuration folder (its latest complete delivery)')
    .option('--columns <list>', 'only these fields, e.g. key,size,storageClass (default: all the inventory has)', columns('--columns'))
    .option('--extra-columns <list>', 'also these columns this tool does not know (fields AWS added later), by their inventory name, e.g. ObjectLockEventHoldStatus', commaList)
    .addOption(
      new Option('--format <format>', 'ndjson, csv, tsv, keys (one key per line) or s3url (s3://bucket/key per line)')
        .argParser(choice('--format', OUTPUT_FORMATS))
        .default('ndjson', undefined),
    )
    .option('-0, --null', 'keys and s3url: end each with NUL instead of a newline (for xargs -0; keys may hold newlines)')
    .addHelpText(
      'after',
      `
Examples:
  s3inv ls s3://inventory-bucket/prefix/src-bucket/config/2026-11-20T01-00Z/manifest.json
  s3inv ls s3://inventory-bucket/prefix/src-bucket/config/ --suffix .png --format keys > keys.txt
  s3inv ls ./manifest.json --columns key,size --format csv --min-size 1GB
  s3inv ls ./manifest.json --columns key --extra-columns ObjectLockEventHoldStatus
  s3inv ls ./dest/inv/src-bucket/daily/ --prefix logs/2026/ --format keys -0 | xargs -0 -n 100 echo
  s3inv ls ./manifest.json --format s3url --suffix .tmp | sed 's/^/rm /' | s5cmd run
  s3inv ls ./manifest.json --format keys --cursor-file ls.cursor            # then, after a stop:
  s3inv ls ./manifest.json --format keys --cursor-file ls.cursor --start-after "$(cat ls.cursor)"`,
    )
    .action(async (location: string, flags: LsFlags) => {
      if (flags.null && !LINE_FORMATS.includes(flags.format)) throw new UsageError(`-0 applies to --format keys and s3url, not ${flags.format}`)
      if (flags.columns && LINE_FORMATS.includes(flags.format)) throw new UsageError(`--columns does not apply to --format ${flags.format}`)
      if (flags.extraColumns && LINE_FORMATS.includes(flags.format)) throw new UsageError(`--extra-columns does not apply to --format ${flags.format}`)
      checkColumnFlags(flags)
      checkFilterFlags(flags)
      await withClient(location, flags, (client) => list(location, flags, client))
    })
}

async function list(location: string, flags: LsFlags, client: Parameters<typeof openInventory>[2]): Promise<void> {
  const out = writer()
  // Only the columns printed (and the filter's) are decoded: `keys` needs just the key.
  const decode: KnownField[] | undefined = flags.format === 'keys' ? ['key'] : flags.format === 's3url' ? ['bucket', 'key'] : flags.columns
  const { stream } = await openInventory(location, flags, client, decode)
  // With --columns and --extra-columns, the extra columns follow the chosen ones, under their rows' names.
  let fmt: Formatter | undefined
  const formatFor = (first: InventoryRow) =>
    formatter(flags.format, flags.columns && [...flags.columns, ...Object.keys(first).filter((k) => !(flags.columns as string[]).includes(k))], flags.null ? '\0' : '\n')
  const cursor = cursorKeeper(flags)
  const done = startProgress(stream.progress, { ...flags, rowsOnStdout: true })
  let ok = false
  let multiline = 0
  try {
    for await (const batch of stream.batches()) {
      fmt ??= formatFor(batch[0])
      await out.write(fmt.rows(batch))
      if (flags.format === 'keys' && !flags.null) for (const r of batch) if (r.key?.includes('\n')) multiline++
      cursor.advance(batch[batch.length - 1], batch.length)
      if (cursor.due()) {
        await out.flush()
        void cursor.confirm()
      }
    }
    await out.flush()
    void cursor.confirm()
    ok = true
  } finally {
    if (!ok && !out.closed()) {
      // Stopped by a failed read or Ctrl-C: the rows printed so far are done, once flushed.
      await out.flush().then(() => cursor.confirm(), () => {})
    }
    done(ok)
    // After a failure that failure is what is reported, not a cursor file's.
    await (ok ? cursor.close() : cursor.close().catch(() => {}))
  }
  if (multiline > 0) note(flags, `${multiline} ${multiline === 1 ? 'key holds' : 'keys hold'} a newline: use -0 to tell keys apart`)
}
