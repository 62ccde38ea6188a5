/** `s3inv export`: inventory rows → an Arrow IPC stream or a Parquet file, streamed with bounded memory. */
import { Option, type Command } from 'commander'
import { addCommon, addFilters, collect, int, openInventory, type CommonFlags, type FilterFlags } from '../common.js'
import { startProgress } from '../progress.js'

interface ExportFlags extends CommonFlags, FilterFlags {
  format: 'arrow' | 'parquet'
  out: string
  columns?: string[]
  batchSize?: number
}

export function register(program: Command): void {
  addFilters(addCommon(program.command('export')))
    .description('write inventory rows to an Arrow IPC stream or a Parquet file')
    .argument('<location>', 'manifest.json (s3:// or local), a delivery folder, or an inventory configuration folder (its latest complete delivery)')
    .addOption(new Option('--format <format>', 'output format').choices(['arrow', 'parquet']).makeOptionMandatory())
    .requiredOption('--out <file>', 'output file')
    .option('--columns <list>', 'only these fields, e.g. key,size,storageClass', collect)
    .option('--batch-size <n>', 'rows per Arrow record batch / Parquet row group (default 65536 / 100000)', int('--batch-size'))
    .addHelpText(
      'after',
      `
Examples:
  s3inv export s3://inv/…/manifest.json --format parquet --out inventory.parquet
  s3inv export ./manifest.json --format arrow --out inventory.arrows --columns key,size,storageClass`,
    )
    .action(async (location: string, flags: ExportFlags) => {
      const ac = new AbortController()
      const { stream, client } = await openInventory(location, flags, ac.signal, flags.columns)
      const done = startProgress(stream.progress, flags)
      let ok = false
      try {
        const options = { columns: flags.columns, signal: ac.signal }
        const result =
          flags.format === 'arrow'
            ? await (await import('../../sinks/arrow.js')).writeArrowFile(stream, flags.out, { ...options, batchSize: flags.batchSize || undefined })
            : await (await import('../../sinks/parquet.js')).writeParquetFile(stream, flags.out, { ...options, rowGroupSize: flags.batchSize || undefined })
        ok = true
        done(true)
        if (!flags.quiet) {
          const unit = flags.format === 'arrow' ? 'record batches' : 'row groups'
          process.stderr.write(`s3inv: wrote ${result.rows} rows (${result.batches} ${unit}, ${result.bytes} bytes) to ${flags.out}\n`)
        }
      } finally {
        if (!ok) done(false)
        client?.destroy()
      }
    })
}
