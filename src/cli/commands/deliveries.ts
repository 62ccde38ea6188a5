/** `s3inv latest` and `s3inv deliveries`: the dated deliveries of an inventory configuration. */
import type { S3Client } from '@aws-sdk/client-s3'
import type { Command } from 'commander'
import { formatLocation, listConfigurationFolders, listDeliveries, locateManifest, S3InventoryError, type Delivery } from '../../index.js'
import { addAws, note, skippedNote, withClient } from '../common.js'
import type { AwsFlags } from '../aws.js'
import { interruption } from '../interrupt.js'
import { writer } from '../output.js'
import { date } from '../usage.js'

type Flags = AwsFlags & { before?: string; json?: boolean; quiet?: boolean; debug?: boolean }

/** A command over a configuration folder: its client is created for S3 folders and always destroyed. */
function folderCommand(program: Command, name: string, description: string, json: string, examples: string[], run: (folder: string, flags: Flags, client: S3Client | undefined) => Promise<string>): void {
  addAws(program.command(name))
    .description(description)
    .argument('<config-folder>', 's3://dest/prefix/source-bucket/config-id/ or a local folder')
    .option('--before <date>', 'only deliveries before this date/time (ISO, UTC) (default: all)', date('--before'))
    .option('--json', json)
    .option('-q, --quiet', 'no notes on stderr')
    .option('--debug', 'print stack traces on errors')
    .addHelpText('after', `\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}`)
    .action(async (folder: string, flags: Flags) => {
      const text = await withClient(folder, flags, (client) => run(folder, flags, client))
      await writer().write(text)
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
    async (folder, flags, client) => {
      const found = await locateManifest(folder, { client, before: flags.before, signal: interruption() })
      const d = found.delivery
      if (!d) {
        throw new S3InventoryError('LOCATION_INVALID', 'this is a delivery or a manifest, not an inventory configuration folder', {
          key: folder,
          expected: 'the folder that holds the dated delivery folders (one level up)',
        })
      }
      if (found.skipped?.length) note(flags, skippedNote(found.skipped))
      return flags.json ? toJson(d) : `${formatLocation(d.manifest)}\n`
    },
  )
  folderCommand(
    program,
    'deliveries',
    'list every delivery, newest first, with its completeness',
    'print JSON lines',
    ['s3inv deliveries s3://inventory-bucket/prefix/src-bucket/daily/', 's3inv deliveries ./dest/inv/src-bucket/daily/ --json'],
    async (folder, flags, client) => {
      const options = { client, before: flags.before, signal: interruption() }
      const list = await listDeliveries(folder, options)
      if (list.length === 0) {
        // Probably one level too high: say which configuration folders are below.
        const below = await listConfigurationFolders(folder, options)
        throw new S3InventoryError(
          'NOT_FOUND',
          below.length
            ? `no delivery folders here, but ${below.length === 1 ? 'a configuration folder' : 'configuration folders'} below: ${below.slice(0, 10).join(', ')}${below.length > 10 ? ', …' : ''}`
            : 'no inventory delivery folders (YYYY-MM-DDTHH-MMZ/)',
          { key: folder, expected: `dated delivery folders${flags.before ? `, before ${flags.before}` : ''}` },
        )
      }
      if (flags.json) return list.map(toJson).join('')
      const w = Math.max(8, ...list.map((d) => d.status.length))
      return list.map((d) => `${d.name}  ${d.status.padEnd(w)}  ${formatLocation(d.manifest)}\n`).join('')
    },
  )
}
