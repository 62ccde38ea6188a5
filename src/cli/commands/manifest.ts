/**
 * `s3inv manifest`: an S3 Batch Operations CSV job manifest (`bucket,key[,versionId]`, no header, keys
 * URL-encoded) from any inventory format, filtered — Batch Operations itself reads only CSV inventories,
 * whole. Prints the `Manifest` block `CreateJob` takes (with the ETag S3 returned).
 */
import type { Command } from 'commander'
import { ARN_PARTITIONS, S3InventoryError, writeBatchManifest, type ArnPartition, type BatchManifest, type KnownField } from '../../index.js'
import { addCommon, addFilters, checkFilterFlags, clientFor, note, openInventory, schemaHas, withClient, type CommonFlags, type FilterFlags } from '../common.js'
import { addCursorFlags, cursorKeeper, tracked, trackedUntilWritten, type CursorFlags } from '../cursor-file.js'
import { interruption } from '../interrupt.js'
import { outPath, toStdout, writer } from '../output.js'
import { humanBytes, startProgress } from '../progress.js'
import { choice } from '../usage.js'

interface ManifestFlags extends CommonFlags, FilterFlags, CursorFlags {
  out: string
  versions?: boolean
  partition?: ArnPartition
  allowEmpty?: boolean
  json?: boolean
}

export function register(program: Command): void {
  addCursorFlags(addFilters(addCommon(program.command('manifest'))), 'stdout-rows')
    .description('write an S3 Batch Operations CSV manifest of the (filtered) objects, from any inventory format')
    .argument('<location>', 'manifest.json (s3:// or local), a delivery folder, or an inventory configuration folder (its latest complete delivery)')
    .requiredOption('--out <file>', 's3://bucket/key (for CreateJob), a local file, or - for stdout')
    .option('--versions', 'add the VersionId column (rows without one get "null"): tasks act on those versions (default: current versions, no column)')
    .option('--partition <name>', `ARN partition of the ObjectArn: ${ARN_PARTITIONS.join(', ')} (default: aws)`, choice('--partition', ARN_PARTITIONS))
    .option('--allow-empty', 'write an empty manifest when nothing matches (default: MANIFEST_EMPTY, nothing written)')
    .option('--json', 'print everything writeBatchManifest returns (rows, bytes, md5, etag, spec, location)')
    .addHelpText(
      'after',
      `
Prints the Manifest block for CreateJob on stdout (on stderr with --out -):
  {"Spec":{"Format":"S3BatchOperations_CSV_20180820","Fields":["Bucket","Key"]},"Location":{"ObjectArn":"arn:aws:s3:::…","ETag":"…"}}

Examples:
  s3inv manifest s3://inv/…/daily-parquet/ --suffix .png --out s3://jobs-bucket/manifests/png.csv
  aws s3control create-job --account-id 123456789012 --operation '{"S3PutObjectTagging":{…}}' \\
    --manifest "$(s3inv manifest ./manifest.json --prefix logs/ --out s3://jobs-bucket/m.csv -q)" \\
    --report '{"Enabled":false}' --priority 10 --role-arn arn:aws:iam::123456789012:role/batch
  s3inv manifest ./manifest.json --versions --out - --latest-only | head
  s3inv manifest ./manifest.json --out - --cursor-file m.cursor -q >> m.csv      # then, after a stop:
  s3inv manifest ./manifest.json --out - --cursor-file m.cursor -q --start-after "$(cat m.cursor)" >> m.csv`,
    )
    .action(async (location: string, flags: ManifestFlags) => {
      checkFilterFlags(flags)
      const stdout = toStdout(flags.out)
      const written = await withClient(location, flags, async (client) => {
        const fields: KnownField[] = flags.versions ? ['bucket', 'key', 'versionId'] : ['bucket', 'key']
        const { stream, manifest } = await openInventory(location, flags, client, fields)
        if (!flags.versions && !flags.latestOnly && schemaHas(manifest, 'isLatest')) {
          note(flags, 'this inventory lists every version: without --versions (or --latest-only) a key is listed once per version, and each task acts on its current version')
        }
        const cursor = cursorKeeper(flags)
        // On stdout the lines are out as they are written (a cut run resumes after them, appending); a
        // file or an S3 object exists only complete, so its cursor is its last row, once it is.
        const out = writer()
        const untilWritten = stdout ? trackedUntilWritten(stream, cursor) : undefined
        const rows = untilWritten ?? tracked(stream, cursor)
        const onWritten = untilWritten
          ? async (n: number) => {
              untilWritten.written(n)
              if (!cursor.due()) return
              await out.flush()
              void cursor.confirm()
            }
          : undefined
        const done = startProgress(stream.progress, { ...flags, rowsOnStdout: stdout })
        // The destination has its own client: it may be another bucket than the inventory's, or S3 for a local inventory.
        const destClient = client ?? (await clientFor(flags.out, flags))
        let ok = false
        try {
          const result = await writeBatchManifest(rows, outPath(flags.out), {
            client: destClient,
            versionIds: flags.versions ? 'null' : 'drop',
            partition: flags.partition,
            allowEmpty: flags.allowEmpty,
            signal: interruption(),
            onWritten,
          }).catch((err: unknown) => {
            throw flags.startAfter && err instanceof S3InventoryError && err.code === 'MANIFEST_EMPTY' ? nothingAfterCursor(err) : err
          })
          ok = true
          done(true)
          await cursor.confirm()
          await cursor.close()
          return result
        } finally {
          if (!ok) {
            done(false)
            // Stopped (Ctrl-C, a failure): on stdout, the lines printed so far are done, once flushed.
            if (untilWritten) await out.flush().then(() => cursor.confirm(), () => {})
            await cursor.close().catch(() => {})
          }
          if (destClient !== client) destClient?.destroy()
        }
      })
      await printManifest(written, flags, stdout)
    })
}

/**
 * After a manifest is written: the `Manifest` block for CreateJob (everything with --json) on stdout, or
 * on stderr when the manifest itself went to stdout; a note with rows, bytes and the ETag.
 */
export async function printManifest(written: BatchManifest, flags: { quiet?: boolean; json?: boolean }, toStdout: boolean): Promise<void> {
  const text = `${JSON.stringify(flags.json ? written : manifestBlock(written))}\n`
  note(flags, `wrote ${written.rows.toLocaleString('en-US')} rows (${humanBytes(written.bytes)}) to ${toStdout ? 'standard output' : written.destination}${written.etag ? `, ETag ${written.etag}` : `, MD5 ${written.md5}`}`)
  if (!written.location && !toStdout) note(flags, `after uploading it, Location is {"ObjectArn":"arn:aws:s3:::<bucket>/<key>","ETag":"<its ETag>"} (a single-part upload's ETag is ${written.md5})`)
  if (toStdout) process.stderr.write(flags.quiet ? '' : text)
  else await writer().write(text)
}

/** A resumed run that finds nothing: say so, not only that a job needs a task (a finished run's cursor leads here). */
function nothingAfterCursor(err: S3InventoryError): S3InventoryError {
  return new S3InventoryError('MANIFEST_EMPTY', 'nothing is left to write after the --start-after cursor, and a job needs at least one task', { ...err.toJSON(), cause: err })
}

/** What CreateJob's `--manifest` takes: the ETag unquoted, as the AWS CLI examples pass it. */
function manifestBlock(m: BatchManifest): { Spec: BatchManifest['spec']; Location?: BatchManifest['location'] } {
  return m.location ? { Spec: m.spec, Location: { ...m.location, ETag: m.etag ?? m.location.ETag } } : { Spec: m.spec }
}
