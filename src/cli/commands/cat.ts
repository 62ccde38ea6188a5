/**
 * `s3inv cat <data-file>`: the rows of one data file as JSON lines, without a manifest. Each format
 * plugs in as one reader in READERS, chosen by the file's extension, else its magic bytes: Parquet
 * (from the file itself), ORC (from the file itself), CSV.gz (column names from `--schema` or
 * `--manifest`). Values are exact (exactJson): 64-bit integers and decimals as JSON numbers with all
 * their digits, timestamps as ISO-8601 with their full precision, dates YYYY-MM-DD, binary as arrays
 * of byte values, NaN and infinities as null.
 */
import type { Command } from 'commander'
import { readDataFileLines } from '../../index.js'
import { addCommon, collect, withClient, type CommonFlags } from '../common.js'
import { inFlagTerms } from '../flags.js'
import { interruption } from '../interrupt.js'
import { writer } from '../output.js'

interface CatFlags extends CommonFlags {
  columns?: string[]
  schema?: string
  manifest?: string
}

export function register(program: Command): void {
  addCommon(program.command('cat'))
    .description('print the rows of one data file (Parquet, ORC, CSV.gz) as JSON lines, values exact')
    .argument('<data-file>', 'a data file, s3:// or local')
    .option('--columns <list>', "only these columns (the file's own names), e.g. key,size", collect)
    .option('--schema <names>', 'CSV.gz only: the column names, e.g. "Bucket, Key, Size"')
    .option('--manifest <manifest.json>', "the inventory manifest listing the file: verify it against its entry (size, MD5) and, for CSV, take its fileSchema")
    .addHelpText(
      'after',
      `
Values: 64-bit integers and decimals are exact JSON numbers, dates YYYY-MM-DD, binary an array of
byte values, NaN and infinities null. Parquet and CSV timestamps are ISO-8601 with their full
precision (no Z when the file says they are not UTC); ORC prints as Apache ORC's tools do
(timestamps "YYYY-MM-DD HH:MM:SS.f", floats with their float32 digits, decimals at their scale).

Examples:
  s3inv cat s3://inventory-bucket/prefix/src-bucket/config/data/1234.parquet --columns key,size
  s3inv cat ./data/1234.parquet --manifest ./2026-11-20T01-00Z/manifest.json | head`,
    )
    .action(async (file: string, flags: CatFlags, cmd: Command) => {
      const out = writer()
      // One client serves the file and the manifest (both on S3, or neither).
      await withClient(/^s3:\/\//i.test(file) ? file : (flags.manifest ?? file), flags, async (client) => {
        try {
          const lines = readDataFileLines(file, { client, columns: flags.columns, fileSchema: flags.schema, manifest: flags.manifest, verify: flags.verify, signal: interruption() })
          let text = ''
          let n = 0
          for await (const line of lines) {
            text += `${line}\n`
            if (++n % 512 === 0) {
              await out.write(text)
              text = ''
              // Writes to a pipe are synchronous on Linux and rows of bytes in memory need no I/O: without a
              // turn of the event loop now and then, Ctrl-C and SIGTERM would wait for the file's last row.
              if (n % 8192 === 0) await new Promise((resolve) => setImmediate(resolve))
            }
          }
          await out.write(text)
        } catch (err) {
          // What the file lacks is a value of the command line (--schema, --manifest, --columns): named as the flag, a usage error.
          throw inFlagTerms(err, cmd)
        }
      })
    })
}
