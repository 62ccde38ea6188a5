/** `s3inv html`: one self-contained report page (charts and their tables) of a delivery, from one pass over its rows. */
import type { S3Client } from '@aws-sdk/client-s3'
import type { Command } from 'commander'
import { collectReport, compareDeliveries, PREFIX_DEPTH, readPriceFile, renderReport, storagePrices, writeReport, type InventoryManifest } from '../../index.js'
import { addCommon, addFilters, addMaxGroups, checkFilterFlags, clientFor, note, openManifest, readerOptions, withClient, type CommonFlags, type FilterFlags } from '../common.js'
import { interruption } from '../interrupt.js'
import { toStdout, writer } from '../output.js'
import { humanBytes, startProgress } from '../progress.js'
import { integer } from '../usage.js'

interface HtmlFlags extends CommonFlags, FilterFlags {
  out: string
  compare?: string
  prefixDepth: number
  maxGroups?: number
  prices?: string
  title?: string
}

export function register(program: Command): void {
  addMaxGroups(addFilters(addCommon(program.command('html'))))
    .description('write a self-contained HTML report of a delivery: storage classes, cost estimate, sizes, ages, prefixes, extensions, encryption…')
    .argument('<location>', 'manifest.json (s3:// or local), a delivery folder, or an inventory configuration folder (its latest complete delivery)')
    .requiredOption('--out <file>', 'the HTML file to write (- for stdout)')
    .option('--compare <older>', 'an older delivery (manifest, delivery folder): add what changed since it')
    .option('--prefix-depth <n>', `path segments of the top-prefixes chart (${PREFIX_DEPTH.min}–${PREFIX_DEPTH.max})`, integer('--prefix-depth', PREFIX_DEPTH), PREFIX_DEPTH.default)
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
      checkFilterFlags(flags)
      // Prices first: a bad price file fails before the inventory is read.
      const prices = flags.prices ? await readPriceFile(flags.prices) : storagePrices()
      const html = await withClient(location, flags, async (client) => {
        const { manifest } = await openManifest(location, flags, client)
        // The older delivery is found before the pass, so a wrong location fails at once.
        const older = flags.compare === undefined ? undefined : await openOlder(flags.compare, flags, client)
        const progress = { filesTotal: manifest.files.length, filesDone: 0, bytesTotal: manifest.files.reduce((n, f) => n + f.size, 0), bytesRead: 0, rows: 0 }
        const done = startProgress(progress, flags)
        let ok = false
        try {
          const options = readerOptions(flags, interruption(), undefined, client)
          const data = await collectReport(manifest, { ...options, prefixDepth: flags.prefixDepth, progress, maxGroups: flags.maxGroups })
          if (older) data.compare = await compareDeliveries(older.manifest, manifest, { ...options, prefixDepth: flags.prefixDepth, client: older.client ?? client })
          ok = true
          return renderReport(data, { prices, title: flags.title })
        } finally {
          done(ok)
          older?.release()
        }
      })
      if (toStdout(flags.out)) {
        await writer().write(html)
        return
      }
      await writeReport(flags.out, html)
      note(flags, `wrote ${flags.out} (${humanBytes(Buffer.byteLength(html))})`)
    })
}

/** The older delivery's manifest, with the client its location needs (the report's, or its own when only it is on S3). */
async function openOlder(older: string, flags: HtmlFlags, client: S3Client | undefined): Promise<{ manifest: InventoryManifest; client?: S3Client; release(): void }> {
  const onS3 = /^s3:\/\//i.test(older)
  const own = onS3 && !client ? await clientFor(older, flags) : undefined
  const c = onS3 ? (client ?? own) : undefined
  try {
    const { manifest } = await openManifest(older, flags, c)
    return { manifest, client: c, release: () => own?.destroy() }
  } catch (err) {
    own?.destroy()
    throw err
  }
}
