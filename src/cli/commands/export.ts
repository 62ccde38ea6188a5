/** `s3inv export`: inventory rows → an Arrow IPC stream or a Parquet file, streamed with bounded memory. */
import type { Command } from 'commander'
import { Option } from 'commander'
import { writeArrowFile, writeParquetFile, type KnownField } from '../../index.js'
import { addCommon, addFilters, checkFilterFlags, note, openInventory, withClient, type CommonFlags, type FilterFlags } from '../common.js'
import { interruption } from '../interrupt.js'
import { addCursorFlags, cursorKeeper, tracked, type CursorFlags } from '../cursor-file.js'
import { outPath, toStdout } from '../output.js'
import { startProgress } from '../progress.js'
import { checkColumnFlags } from '../columns-flags.js'
import { choice, columns, FLAG_RANGES, integer, list } from '../usage.js'

interface ExportFlags extends CommonFlags, FilterFlags, CursorFlags {
  format: 'arrow' | 'parquet'
  out: string
  columns?: KnownField[]
  extraColumns?: string[]
  batchSize?: number
}

export function register(program: Command): void {
  addCursorFlags(addFilters(addCommon(program.command('export'))), 'complete')
    .description('write inventory rows to an Arrow IPC stream or a Parquet file')
    .argument('<location>', 'manifest.json (s3:// or local), a delivery folder, or an inventory configuration folder (its latest complete delivery)')
    .addOption(new Option('--format <format>', 'arrow (IPC stream) or parquet (required)').argParser(choice('--format', ['arrow', 'parquet'] as const)).makeOptionMandatory())
    .requiredOption('--out <file>', 'output file, or - for stdout (a file is written under a temporary name and renamed when complete)')
    .option('--columns <list>', 'only these fields, e.g. key,size,storageClass (default: all the inventory has)', columns('--columns'))
    .option('--extra-columns <list>', 'also these columns this tool does not know (fields AWS added later), by their inventory name, e.g. ObjectLockEventHoldStatus', list)
    .option('--batch-size <n>', 'rows per Arrow record batch / Parquet row group (default: 65536 / 100000)', integer('--batch-size', FLAG_RANGES.rowsPerBatch))
    .addHelpText(
      'after',
      `
Examples:
  s3inv export s3://inv/…/manifest.json --format parquet --out inventory.parquet
  s3inv export ./manifest.json --format arrow --out inventory.arrows --columns key,size,storageClass
  s3inv export ./manifest.json --format arrow --out - --prefix logs/ | python3 read_arrow.py`,
    )
    .action(async (location: string, flags: ExportFlags) => {
      checkFilterFlags(flags)
      checkColumnFlags(flags)
      await withClient(location, flags, async (client) => {
        const { stream } = await openInventory(location, flags, client, flags.columns)
        const stdout = toStdout(flags.out)
        const cursor = cursorKeeper(flags)
        const done = startProgress(stream.progress, { ...flags, rowsOnStdout: stdout })
        // The last row handed to the writer: once the file is complete, its cursor is where a next export resumes.
        const rows = tracked(stream, cursor)
        let ok = false
        try {
          // Arrow and the Parquet writer load only now, on first use (they cost start-up time).
          const options = { columns: flags.columns, extraColumns: flags.extraColumns, signal: interruption() }
          const result =
            flags.format === 'arrow'
              ? await writeArrowFile(rows, outPath(flags.out), { ...options, batchSize: flags.batchSize })
              : await writeParquetFile(rows, outPath(flags.out), { ...options, rowGroupSize: flags.batchSize })
          ok = true
          done(true)
          await cursor.confirm()
          await cursor.close()
          const unit = flags.format === 'arrow' ? 'record batches' : 'row groups'
          note(flags, `wrote ${result.rows} rows (${result.batches} ${unit}, ${result.bytes} bytes) to ${stdout ? 'standard output' : flags.out}`)
        } finally {
          if (!ok) done(false)
        }
      })
    })
}
