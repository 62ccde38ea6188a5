/** `s3inv latest` and `s3inv deliveries`: the dated deliveries of an inventory configuration. */
import type { Command } from 'commander'
import { findLatestManifest, listDeliveries } from '../../deliveries.js'
import { formatLocation } from '../../location.js'
import { addCommon, clientFor, type CommonFlags } from '../common.js'
import { writer } from '../output.js'

export function register(program: Command): void {
  addCommon(program.command('latest'))
    .description('print the manifest of the newest complete delivery (manifest.checksum present and matching)')
    .argument('<config-folder>', 's3://dest/prefix/source-bucket/config-id/ or a local folder')
    .option('--before <date>', 'only deliveries before this date/time (ISO)')
    .option('--json', 'print {name, date, manifest, status} as JSON')
    .addHelpText('after', '\nExamples:\n  s3inv latest s3://inventory-bucket/prefix/src-bucket/daily/\n  s3inv ls "$(s3inv latest ./dest/inv/src-bucket/daily/)" --format keys')
    .action(async (folder: string, flags: CommonFlags & { before?: string; json?: boolean }) => {
      const client = clientFor(folder, flags)
      try {
        const d = await findLatestManifest(folder, { client, before: flags.before })
        const where = formatLocation(d.manifest)
        await writer().write(flags.json ? `${JSON.stringify({ name: d.name, date: d.date, manifest: where, status: d.status })}\n` : `${where}\n`)
      } finally {
        client?.destroy()
      }
    })

  addCommon(program.command('deliveries'))
    .description('list every delivery, newest first, with its completeness')
    .argument('<config-folder>', 's3://dest/prefix/source-bucket/config-id/ or a local folder')
    .option('--before <date>', 'only deliveries before this date/time (ISO)')
    .option('--json', 'print JSON lines')
    .addHelpText('after', '\nExamples:\n  s3inv deliveries s3://inventory-bucket/prefix/src-bucket/daily/\n  s3inv deliveries ./dest/inv/src-bucket/daily/ --json')
    .action(async (folder: string, flags: CommonFlags & { before?: string; json?: boolean }) => {
      const client = clientFor(folder, flags)
      try {
        const list = await listDeliveries(folder, { client, before: flags.before })
        const out = writer()
        if (flags.json) {
          await out.write(list.map((d) => `${JSON.stringify({ name: d.name, date: d.date, manifest: formatLocation(d.manifest), status: d.status })}\n`).join(''))
        } else {
          const w = Math.max(8, ...list.map((d) => d.status.length))
          await out.write(list.map((d) => `${d.name}  ${d.status.padEnd(w)}  ${formatLocation(d.manifest)}\n`).join(''))
        }
      } finally {
        client?.destroy()
      }
    })
}
