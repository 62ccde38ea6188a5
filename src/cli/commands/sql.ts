/**
 * `s3inv sql`: the SQL for an inventory, for Athena or DuckDB — the table DDL (Athena: over the Hive
 * symlink folder with partition projection on dt; DuckDB: a view over the delivery's data files) and
 * the queries `stats` answers, with keys decoded.
 */
import { Option, type Command } from 'commander'
import { inventorySql, listDeliveries, RANGES, readManifest, SQL_ENGINES, type InventoryManifest, type SqlEngine } from '../../index.js'
import { addCommon, openManifest, withClient, type CommonFlags } from '../common.js'
import { interruption } from '../interrupt.js'
import { writer } from '../output.js'
import { choice, integer, UsageError } from '../usage.js'
import { pick } from './diff.js'

interface SqlFlags extends CommonFlags {
  engine: SqlEngine
  table: string
  delivery?: string
  prefixDepth: number
}

export function register(program: Command): void {
  addCommon(program.command('sql'))
    .description('print the Athena or DuckDB SQL for an inventory: the table, and the queries stats answers')
    .argument('<location>', 'an inventory configuration folder (or a manifest.json / delivery folder)')
    .addOption(new Option('--engine <engine>', 'the SQL engine: athena or duckdb').argParser(choice('--engine', SQL_ENGINES)))
    .option('--table <name>', 'table (Athena) or view (DuckDB) name', 'inventory')
    .option('--delivery <name>', 'with a configuration folder: the delivery the queries read (default: the latest complete one)')
    .option('--prefix-depth <n>', 'path segments of the by-prefix query', integer('--prefix-depth', RANGES.prefixDepth), 1)
    .addHelpText(
      'after',
      `
Examples:
  s3inv sql s3://inventory-bucket/prefix/src-bucket/daily/ --engine athena > inventory.sql
  s3inv sql ./dest/inv/src-bucket/daily/ --engine duckdb | duckdb`,
    )
    .action(async (location: string, flags: SqlFlags) => {
      if (!flags.engine) throw new UsageError('--engine is required: athena or duckdb')
      const signal = interruption()
      await withClient(location, flags, async (client) => {
        let manifest: InventoryManifest
        let since: Date | undefined
        let minutes: boolean | undefined
        const deliveries = flags.delivery || flags.engine === 'athena' ? await listDeliveries(location, { client, signal }).catch(() => undefined) : undefined
        const complete = deliveries?.filter((d) => d.status === 'complete') ?? []
        if (flags.delivery) manifest = await readManifest(pick(deliveries ?? [], flags.delivery, '--delivery').manifest, { client, signal })
        else manifest = (await openManifest(location, { ...flags, quiet: true }, client)).manifest
        if (complete.length) {
          // Partition projection from the first delivery on; every minute if one is not on the hour.
          since = complete[complete.length - 1].date
          minutes = complete.some((d) => d.date.getUTCMinutes() !== 0)
        }
        const sql = await inventorySql(manifest, { engine: flags.engine, table: flags.table, prefixDepth: flags.prefixDepth, since, minutes, root: flags.root })
        await writer().write(sql.text)
      })
    })
}
