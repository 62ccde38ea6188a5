/** `s3inv latest` and `s3inv deliveries`: the dated deliveries of an inventory configuration. */
import type { Command } from 'commander'
import { findLatestManifest, listDeliveries, type Delivery } from '../../deliveries.js'
import { formatLocation } from '../../location.js'
import { addCommon, clientFor, type CommonFlags } from '../common.js'
import { writer } from '../output.js'

type Flags = CommonFlags & { before?: string; json?: boolean }

/** A command over a configuration folder: its client is created for S3 folders and always destroyed. */
function folderCommand(program: Command, name: string, description: string, json: string, examples: string[], run: (folder: string, flags: Flags, o: Parameters<typeof listDeliveries>[1]) => Promise<string>): void {
  addCommon(program.command(name))
    .description(description)
    .argument('<config-folder>', 's3://dest/prefix/source-bucket/config-id/ or a local folder')
    .option('--before <date>', 'only deliveries before this date/time (ISO)')
    .option('--json', json)
    .addHelpText('after', `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}`)
    .action(async (folder: string, flags: Flags) => {
      const client = clientFor(folder, flags)
      try {
        await writer().write(await run(folder, flags, { client, before: flags.before }))
      } finally {
        client?.destroy()
      }
    })
}

const toJson = (d: Delivery) => `${JSON.stringify({ name: d.name, date: d.date, manifest: formatLocation(d.manifest), status: d.status })}\n`

export function register(program: Command): void {
  folderCommand(
    program,
    'latest',
    'print the manifest of the newest complete delivery (manifest.checksum present and matching)',
    'print {name, date, manifest, status} as JSON',
    ['s3inv latest s3://inventory-bucket/prefix/src-bucket/daily/', 's3inv ls "$(s3inv latest ./dest/inv/src-bucket/daily/)" --format keys'],
    async (folder, flags, o) => {
      const d = await findLatestManifest(folder, o)
      return flags.json ? toJson(d) : `${formatLocation(d.manifest)}\n`
    },
  )
  folderCommand(
    program,
    'deliveries',
    'list every delivery, newest first, with its completeness',
    'print JSON lines',
    ['s3inv deliveries s3://inventory-bucket/prefix/src-bucket/daily/', 's3inv deliveries ./dest/inv/src-bucket/daily/ --json'],
    async (folder, flags, o) => {
      const list = await listDeliveries(folder, o)
      if (flags.json) return list.map(toJson).join('')
      const w = Math.max(8, ...list.map((d) => d.status.length))
      return list.map((d) => `${d.name}  ${d.status.padEnd(w)}  ${formatLocation(d.manifest)}\n`).join('')
    },
  )
}
