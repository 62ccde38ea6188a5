/**
 * `s3inv sql`: the SQL for an inventory, for Athena or DuckDB — the table DDL (Athena: over the Hive
 * symlink folder with partition projection on dt; DuckDB: a view over the delivery's data files) and
 * the queries `stats` answers, with keys decoded.
 */
import { Option, type Command } from 'commander'
import { listDeliveries } from '../../deliveries.js'
import { readManifest, type InventoryManifest } from '../../manifest.js'
import { SQL_ENGINES, type SqlEngine } from '../../sql/columns.js'
import { inventorySql } from '../../sql/inventory-sql.js'
import { addCommon, clientFor, int, openManifest, type CommonFlags } from '../common.js'
import { writer } from '../output.js'
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
    .addOption(new Option('--engine <engine>', 'the SQL engine').choices([...SQL_ENGINES]).makeOptionMandatory())
    .option('--table <name>', 'table (Athena) or view (DuckDB) name', 'inventory')
    .option('--delivery <name>', 'with a configuration folder: the delivery the queries read (default: the latest complete one)')
    .option('--prefix-depth <n>', 'path segments of the by-prefix query', int('--prefix-depth'), 1)
    .addHelpText(
      'after',
      `
Examples:
  s3inv sql s3://inventory-bucket/prefix/src-bucket/daily/ --engine athena > inventory.sql
  s3inv sql ./dest/inv/src-bucket/daily/ --engine duckdb | duckdb`,
    )
    .action(async (location: string, flags: SqlFlags) => {
      const ac = new AbortController()
      const client = clientFor(location, flags)
      try {
        let manifest: InventoryManifest
        let since: Date | undefined
        let minutes: boolean | undefined
        const deliveries = flags.delivery || flags.engine === 'athena' ? await listDeliveries(location, { client, signal: ac.signal }).catch(() => undefined) : undefined
        const complete = deliveries?.filter((d) => d.status === 'complete') ?? []
        if (flags.delivery) {
          manifest = await readManifest(pick(deliveries ?? [], flags.delivery, '--delivery').manifest, { client, signal: ac.signal })
        } else {
          manifest = (await openManifest(location, { ...flags, quiet: true }, ac.signal)).manifest
        }
        if (complete.length) {
          // Partition projection from the first delivery on; every minute if one is not on the hour.
          since = complete[complete.length - 1].date
          minutes = complete.some((d) => d.date.getUTCMinutes() !== 0)
        }
        const sql = await inventorySql(manifest, { engine: flags.engine, table: flags.table, prefixDepth: flags.prefixDepth, since, minutes, root: flags.root })
        await writer().write(sql.text)
      } finally {
        client?.destroy()
      }
    })
}
