/** `s3inv ls`: rows of an inventory, filtered, as NDJSON, CSV, TSV or bare keys. */
import { Option, type Command } from 'commander'
import { addCommon, addFilters, collect, knownColumns, openInventory, type CommonFlags, type FilterFlags } from '../common.js'
import { formatter, OUTPUT_FORMATS, OutputClosed, writer, type OutputFormat } from '../output.js'
import { startProgress } from '../progress.js'

export function register(program: Command): void {
  addFilters(addCommon(program.command('ls')))
    .description('list inventory rows')
    .argument('<location>', 'manifest.json (s3:// or local), a delivery folder, or an inventory configuration folder (its latest complete delivery)')
    .option('--columns <list>', 'only these fields, e.g. key,size,storageClass', collect)
    .addOption(new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS as string[]).default('ndjson'))
    .addHelpText(
      'after',
      `
Examples:
  s3inv ls s3://inventory-bucket/prefix/src-bucket/config/2026-11-20T01-00Z/manifest.json
  s3inv ls s3://inventory-bucket/prefix/src-bucket/config/ --suffix .png --format keys
  s3inv ls ./manifest.json --columns key,size --format csv --min-size 1GB
  s3inv ls ./dest/inv/src-bucket/daily/ --prefix logs/2026/ --modified-after 2026-11-01 | head`,
    )
    .action(async (location: string, flags: CommonFlags & FilterFlags & { columns?: string[]; format: OutputFormat }) => {
      const ac = new AbortController()
      const out = writer()
      // Only the columns printed (and the filter's) are decoded: `keys` needs just the key.
      const columns = flags.format === 'keys' ? ['key'] : flags.columns
      const { stream, client } = await openInventory(location, flags, ac.signal, columns)
      const fmt = formatter(flags.format, flags.columns && knownColumns(flags.columns))
      const done = startProgress(stream.progress, flags)
      let ok = false
      try {
        for await (const batch of stream.batches()) await out.write(fmt.rows(batch))
        ok = true
      } catch (err) {
        if (err instanceof OutputClosed) return ac.abort() // `| head`: the reader stops quietly
        throw err
      } finally {
        done(ok)
        client?.destroy()
      }
    })
}
