/** `s3inv ls`: rows of an inventory, filtered, as NDJSON, CSV, TSV or bare keys. */
import { Option, type Command } from 'commander'
import { readInventory } from '../../inventory.js'
import { addCommon, addFilters, collect, readerOptions, type CommonFlags, type FilterFlags } from '../common.js'
import { formatter, OUTPUT_FORMATS, OutputClosed, writer, type OutputFormat } from '../output.js'

export function register(program: Command): void {
  addFilters(addCommon(program.command('ls')))
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
}
