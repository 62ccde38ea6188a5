/** `s3inv html`: one self-contained report page (charts and their tables) of a delivery, from one pass over its rows. */
import type { Command } from 'commander'
import { S3InventoryError } from '../../errors.js'
import { collectReport, PREFIX_DEPTH } from '../../report/collect.js'
import { renderReport } from '../../report/page.js'
import { readPriceFile, storagePrices } from '../../report/prices.js'
import { fileSink } from '../../sinks/file.js'
import { addCommon, addFilters, int, openManifest, readerOptions, type CommonFlags, type FilterFlags } from '../common.js'
import { writer } from '../output.js'
import { humanBytes, startProgress } from '../progress.js'
import { compareFor } from './html-compare.js'

interface HtmlFlags extends CommonFlags, FilterFlags {
  out: string
  compare?: string
  prefixDepth: number
  prices?: string
  title?: string
}

export function register(program: Command): void {
  addFilters(addCommon(program.command('html')))
    .description('write a self-contained HTML report of a delivery: storage classes, cost estimate, sizes, ages, prefixes, extensions, encryption…')
    .argument('<location>', 'manifest.json (s3:// or local), a delivery folder, or an inventory configuration folder (its latest complete delivery)')
    .requiredOption('--out <file>', 'the HTML file to write (- for stdout)')
    .option('--compare <older>', 'an older delivery (manifest, delivery folder): add what changed since it')
    .option('--prefix-depth <n>', `path segments of the top-prefixes chart (${PREFIX_DEPTH.min}–${PREFIX_DEPTH.max})`, int('--prefix-depth'), PREFIX_DEPTH.default)
    .option('--prices <file.json>', 'storage prices to use instead of the built-in us-east-1 table (see docs/report.md)')
    .option('--title <text>', 'the page title')
    .addHelpText(
      'after',
      `
The page makes no network requests (Chart.js and the styles are inlined) and its size does not depend on
the number of objects. Prices default to us-east-1 from the AWS S3 pricing page (2026-12-01).

Examples:
  s3inv html s3://inventory-bucket/prefix/src-bucket/config/ --out report.html
  s3inv html ./dest/inv/src-bucket/daily/2026-11-20T01-00Z/ --compare ./dest/inv/src-bucket/daily/2026-11-13T01-00Z/ --out report.html
  s3inv html ./manifest.json --prefix-depth 2 --prices eu-west-1.json --out report.html`,
    )
    .action(async (location: string, flags: HtmlFlags) => {
      if (!Number.isInteger(flags.prefixDepth) || flags.prefixDepth < PREFIX_DEPTH.min || flags.prefixDepth > PREFIX_DEPTH.max) {
        throw new S3InventoryError('INVALID_ARGUMENT', 'the prefix depth must be an integer from 1 to 32', { option: '--prefix-depth', actual: String(flags.prefixDepth) })
      }
      // Prices first: a bad price file fails before the inventory is read.
      const prices = flags.prices ? await readPriceFile(flags.prices) : storagePrices()
      const ac = new AbortController()
      const { manifest, client } = await openManifest(location, flags, ac.signal)
      const progress = { filesTotal: manifest.files.length, filesDone: 0, bytesTotal: manifest.files.reduce((n, f) => n + f.size, 0), bytesRead: 0, rows: 0 }
      const done = startProgress(progress, flags)
      let html: string
      try {
        const options = readerOptions(location, flags, ac.signal, undefined, client)
        const data = await collectReport(manifest, { ...options, prefixDepth: flags.prefixDepth, progress })
        done(true)
        if (flags.compare !== undefined) data.compare = await compareFor(flags.compare, manifest, flags, ac.signal, client)
        html = renderReport(data, { prices, title: flags.title })
      } catch (err) {
        done(false)
        throw err
      } finally {
        client?.destroy()
      }
      const bytes = Buffer.from(html, 'utf8')
      if (flags.out === '-') {
        await writer().write(html)
        return
      }
      const sink = fileSink(flags.out)
      try {
        await sink.write(bytes)
        await sink.end()
      } catch (err) {
        await sink.destroy()
        throw err
      }
      if (!flags.quiet) process.stderr.write(`s3inv: wrote ${flags.out} (${humanBytes(bytes.length)})\n`)
    })
}
