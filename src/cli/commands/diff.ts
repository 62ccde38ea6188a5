/**
 * `s3inv diff`: what changed between two inventory deliveries — added, removed and changed objects as
 * NDJSON, CSV, keys or s3:// URLs, or a summary; or the same diff as Athena or DuckDB SQL.
 *
 * Not in common.ts and written here: choosing two deliveries of a configuration folder (--from/--to),
 * CSV quoting of change rows, and stopping cleanly on Ctrl-C (the temporary folder is removed first).
 */
import type { S3Client } from '@aws-sdk/client-s3'
import { Option, type Command } from 'commander'
import {
  CHANGE_KINDS,
  DEFAULT_COMPARE,
  diffInventories,
  diffSql,
  formatLocation,
  listDeliveries,
  RANGES,
  readManifest,
  S3InventoryError,
  SQL_ENGINES,
  type ChangeKind,
  type Delivery,
  type DiffChange,
  type DiffCounts,
  type DiffSummary,
  type InventoryManifest,
  type KnownField,
  type SqlEngine,
  unsupportedInSql,
} from '../../index.js'
import { addCommon, addFilters, checkFilterFlags, collect, filterFromFlags, note, openManifest, withClient, type CommonFlags, type FilterFlags } from '../common.js'
import { interruption } from '../interrupt.js'
import { writer } from '../output.js'
import { humanBytes, startProgress } from '../progress.js'
import { choice, columns, integer, UsageError } from '../usage.js'

type DiffFormat = 'ndjson' | 'csv' | 'keys' | 's3url'

/** The flags of the filter options SQL cannot express. */
const SQL_FLAG: Record<string, string> = { glob: '--glob', regex: '--regex', ignoreCase: '--ignore-case' }

interface DiffFlags extends CommonFlags, FilterFlags {
  from?: string
  to?: string
  only?: string[]
  format: DiffFormat
  summary?: boolean
  json?: boolean
  sql?: SqlEngine
  /** Resolved field names (`storage_class` → `storageClass`), as the rows' properties are named. */
  compare?: KnownField[]
  columns?: KnownField[]
  memory: number
  tmpDir?: string
  prefixDepth: number
}

export function register(program: Command): void {
  addFilters(addCommon(program.command('diff')))
    .description('what changed between two inventory deliveries: added, removed and changed objects')
    .argument('<older>', 'the older manifest.json or delivery folder — or a configuration folder, to diff two of its deliveries')
    .argument('[newer]', 'the newer manifest.json or delivery folder')
    .option('--from <delivery>', 'with a configuration folder: the older delivery, as `deliveries` prints it (a prefix such as 2026-11-19 will do). Default: the complete one before --to')
    .option('--to <delivery>', 'with a configuration folder: the newer delivery. Default: the latest complete one')
    .option('--only <changes>', 'only these changes: added, removed, changed (comma-separated)', collect)
    .addOption(new Option('--format <format>', 'output: one change per line: ndjson, csv, keys or s3url').argParser(choice('--format', ['ndjson', 'csv', 'keys', 's3url'])).default('ndjson', undefined))
    .option('--summary', 'print counts and bytes per change, storage class and prefix instead of the changes')
    .option('--json', 'the summary as JSON (implies --summary)')
    .addOption(new Option('--sql <engine>', 'print the equivalent query instead of running the diff: athena or duckdb').argParser(choice('--sql', SQL_ENGINES)))
    .option('--compare <fields>', `fields compared, any spelling (default ${DEFAULT_COMPARE.join(',')})`, columns('--compare'))
    .option('--columns <fields>', 'ndjson: fields kept in before/after, any spelling (default: all)', columns('--columns'))
    .option('--memory <MB>', 'memory the partitions may hold, in MiB', integer('--memory', RANGES.memoryMB), 256)
    .option('--tmp-dir <dir>', 'where the temporary partition files go (default: the system temporary folder)')
    .option('--prefix-depth <n>', 'path segments of the summary by prefix', integer('--prefix-depth', RANGES.prefixDepth), 1)
    .addHelpText(
      'after',
      `
Examples:
  s3inv diff ./dest/inv/src-bucket/daily/                       # the latest complete delivery against the one before
  s3inv diff ./dest/inv/src-bucket/daily/ --from 2026-11-13 --to 2026-11-20 --summary
  s3inv diff s3://inv/src/daily/2026-11-19T01-00Z/ s3://inv/src/daily/2026-11-20T01-00Z/ --only added --format keys
  s3inv diff ./old/manifest.json ./new/manifest.json --only removed --format s3url --prefix logs/
  s3inv diff s3://inv/src/daily/ --sql athena                   # the same diff as an Athena query`,
    )
    .action(async (older: string, newer: string | undefined, flags: DiffFlags) => {
      if (flags.json) flags.summary = true
      const only = (flags.only ?? [...CHANGE_KINDS]) as ChangeKind[]
      for (const k of only) if (!CHANGE_KINDS.includes(k)) throw new UsageError(`bad value for --only: ${JSON.stringify(k)} (expected added, removed or changed)`)
      if ((flags.from || flags.to) && newer !== undefined) throw new UsageError('--from and --to choose deliveries of one configuration folder, not of two locations')
      checkFilterFlags(flags)
      if (flags.sql) {
        // Flags whose meaning SQL would change are refused, not dropped: the query would return other changes.
        const refused = unsupportedInSql(filterFromFlags(flags)).map((k) => SQL_FLAG[k])
        if (refused.length) throw new UsageError(`--sql cannot apply ${refused.join(', ')} as the diff does (the engines' regular expressions and case folding differ); filter with --prefix, --suffix, --min-size, --max-size, --storage-class, --modified-after/--modified-before instead`)
      }
      // Ctrl-C aborts this signal: the diff stops and removes its temporary folder (main ends with 130).
      const signal = interruption()
      const s3 = [older, newer].find((l) => l !== undefined && /^s3:\/\//i.test(l)) ?? older
      await withClient(s3, flags, async (client) => {
        const [mo, mn] = await sides(older, newer, flags, signal, client)
        if (flags.sql) {
          await writer().write((await diffSql(mo, mn, { engine: flags.sql, compare: flags.compare, root: flags.root, filter: filterFromFlags(flags), only })).text)
          return
        }
        await run(mo, mn, flags, only, signal, client)
      })
    })
}

/** The two manifests: two locations, or two deliveries of one configuration folder. */
async function sides(older: string, newer: string | undefined, flags: DiffFlags, signal: AbortSignal, client: S3Client | undefined): Promise<[InventoryManifest, InventoryManifest]> {
  if (newer !== undefined) return [(await openManifest(older, flags, client)).manifest, (await openManifest(newer, flags, client)).manifest]
  const list = await listDeliveries(older, { client, signal })
  const complete = list.filter((d) => d.status === 'complete')
  const to = flags.to ? pick(list, flags.to, '--to') : complete[0]
  if (!to) throw new S3InventoryError('NOT_FOUND', 'no complete inventory delivery to diff', { key: older, expected: 'two complete deliveries (manifest.json with a matching manifest.checksum)' })
  const from = flags.from ? pick(list, flags.from, '--from') : complete.find((d) => d.date < to.date)
  if (!from) throw new S3InventoryError('NOT_FOUND', 'no complete delivery before the one to diff against', { key: older, option: '--from', expected: `a complete delivery before ${to.name}` })
  if (from.date >= to.date) throw new UsageError(`the older delivery (--from ${from.name}) must come before the newer one (${to.name})`)
  note(flags, `diff ${from.name} → ${to.name}`)
  return Promise.all([from, to].map((d) => readManifest(d.manifest, { client, signal }))) as Promise<[InventoryManifest, InventoryManifest]>
}

/** A delivery by name, or by a prefix of its name that only one delivery has; it must be complete. */
export function pick(list: readonly Delivery[], spec: string, option: string): Delivery {
  const s = spec.replace(/\/$/, '')
  const found = list.filter((d) => d.name === s)
  const matches = found.length ? found : list.filter((d) => d.name.startsWith(s))
  const names = list.map((d) => d.name).slice(0, 10).join(', ')
  if (matches.length !== 1) {
    throw new S3InventoryError(matches.length ? 'INVALID_ARGUMENT' : 'NOT_FOUND', matches.length ? 'more than one delivery matches' : 'no delivery matches', { option, expected: matches.length ? matches.map((d) => d.name).join(', ') : `one of ${names}`, actual: spec })
  }
  if (matches[0].status !== 'complete') {
    throw new S3InventoryError('NOT_FOUND', 'that delivery is not complete', { option, key: formatLocation(matches[0].manifest), expected: 'complete', actual: matches[0].status })
  }
  return matches[0]
}

async function run(mo: InventoryManifest, mn: InventoryManifest, flags: DiffFlags, only: ChangeKind[], signal: AbortSignal, client: S3Client | undefined): Promise<void> {
  const compare = flags.compare && [...new Set(flags.compare)]
  // Only what the output prints is read and kept.
  const kept = flags.summary || flags.format === 'keys' ? ['key'] : flags.format === 's3url' ? ['key', 'bucket'] : flags.format === 'csv' ? ['key', 'versionId', ...(compare ?? DEFAULT_COMPARE)] : flags.columns
  const d = diffInventories(mo, mn, {
    client,
    concurrency: flags.concurrency,
    verify: flags.verify,
    root: flags.root,
    signal,
    filter: filterFromFlags(flags),
    compare,
    columns: kept,
    only,
    memoryMB: flags.memory,
    tmpDir: flags.tmpDir,
    prefixDepth: flags.prefixDepth,
  })
  // Changes print as they come: on a terminal, no bar may draw over them (the summary alone prints at the end).
  const done = startProgress(d.progress, { ...flags, rowsOnStdout: !flags.summary })
  const out = writer()
  let ok = false
  let summary: DiffSummary
  try {
    if (flags.summary) summary = await d.summary()
    else {
      const fmt = changeFormatter(flags.format, compare ?? [...DEFAULT_COMPARE], mo, mn)
      for await (const batch of d.batches()) await out.write(fmt(batch))
      summary = await d.summary()
    }
    ok = true
  } finally {
    done(ok)
  }
  if (flags.summary) await out.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : summaryTable(summary))
  else note(flags, oneLine(summary))
}

function changeFormatter(format: DiffFormat, compare: readonly string[], mo: InventoryManifest, mn: InventoryManifest): (batch: readonly DiffChange[]) => string {
  switch (format) {
    case 'ndjson':
      return (b) => b.map((c) => `${JSON.stringify(c)}\n`).join('')
    case 'keys':
      return (b) => b.map((c) => `${c.key}\n`).join('')
    case 's3url':
      // Keys verbatim, as the AWS CLI takes them.
      return (b) => b.map((c) => `s3://${(c.after ?? c.before)?.bucket ?? (c.after ? mn : mo).sourceBucket}/${c.key}\n`).join('')
    case 'csv': {
      let header = `change,key,versionId,fields,${compare.flatMap((f) => [`${f}Before`, `${f}After`]).join(',')}\n`
      return (b) => {
        let s = header
        header = ''
        for (const c of b) {
          s += [c.change, c.key, c.versionId, c.fields?.join(' '), ...compare.flatMap((f) => [c.before?.[f], c.after?.[f]])].map(csvField).join(',')
          s += '\n'
        }
        return s
      }
    }
  }
}

/** RFC 4180: quoted when the value holds a comma, quote, CR or LF, or edge spaces. */
function csvField(v: unknown): string {
  const s = v === undefined || v === null ? '' : v instanceof Date ? v.toISOString() : String(v)
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

const count = (n: number) => n.toLocaleString('en-US')

/** Bytes as printed: "-" when a side has no Size (its bytes are unknown, not 0 B). */
function byteText(s: DiffSummary): (n: number) => string {
  const sized = s.older.fields.includes('size') && s.newer.fields.includes('size')
  return sized ? (n) => humanBytes(n) : () => '-'
}

function oneLine(s: DiffSummary): string {
  const t = s.total
  const humanBytes = byteText(s)
  return `${count(t.added.count)} added (${humanBytes(t.added.bytes)}), ${count(t.removed.count)} removed (${humanBytes(t.removed.bytes)}), ${count(t.changed.count)} changed, ${count(t.unchanged.count)} unchanged`
}

export function summaryTable(s: DiffSummary): string {
  const lines: string[] = []
  const t = s.total
  const humanBytes = byteText(s)
  lines.push(`older  ${s.older.manifest}  (${count(s.older.rows)} rows${s.older.duplicates ? `, ${count(s.older.duplicates)} listed twice` : ''}${s.older.ignored ? `, ${count(s.older.ignored)} non-current or delete markers left out` : ''})`)
  lines.push(`newer  ${s.newer.manifest}  (${count(s.newer.rows)} rows${s.newer.duplicates ? `, ${count(s.newer.duplicates)} listed twice` : ''}${s.newer.ignored ? `, ${count(s.newer.ignored)} non-current or delete markers left out` : ''})`)
  lines.push(`identity ${s.identity}; compared ${s.fields.compared.join(', ') || 'nothing'}`)
  for (const [side, d] of [['older', s.older], ['newer', s.newer]] as const) {
    if (!d.fields.includes('size')) lines.push(`the ${side} inventory has no Size: bytes are not known (-)`)
  }
  for (const [side, list] of [['older', s.fields.olderOnly], ['newer', s.fields.newerOnly]] as const) {
    if (list.length) lines.push(`only the ${side} inventory has ${list.join(', ')}: not compared`)
  }
  lines.push('')
  lines.push(
    ...grid(['CHANGE', 'OBJECTS', 'BYTES'], [
      ['added', count(t.added.count), humanBytes(t.added.bytes)],
      ['removed', count(t.removed.count), humanBytes(t.removed.bytes)],
      ['changed', count(t.changed.count), `${humanBytes(t.changed.bytes)} (was ${humanBytes(t.changed.bytesBefore)})`],
      ['unchanged', count(t.unchanged.count), humanBytes(t.unchanged.bytes)],
    ]),
  )
  const groupRows = (label: string, c: DiffCounts) => [label, count(c.added.count), humanBytes(c.added.bytes), count(c.removed.count), humanBytes(c.removed.bytes), count(c.changed.count), humanBytes(c.changed.bytes)]
  const head = ['ADDED', 'BYTES', 'REMOVED', 'BYTES', 'CHANGED', 'BYTES']
  if (s.byStorageClass.length) lines.push('', ...grid(['STORAGE CLASS', ...head], s.byStorageClass.map((g) => groupRows(g.storageClass ?? '(none)', g))))
  if (s.byPrefix.groups.length) {
    lines.push('', ...grid([`PREFIX (${s.byPrefix.depth})`, ...head], [...s.byPrefix.groups.map((g) => groupRows(g.prefix || '(root)', g)), ...(s.byPrefix.other ? [groupRows('(other prefixes)', s.byPrefix.other)] : [])]))
  }
  if (s.storageClassTransitions.length) lines.push('', ...grid(['FROM', 'TO', 'OBJECTS', 'BYTES'], s.storageClassTransitions.map((x) => [x.from ?? '(none)', x.to ?? '(none)', count(x.count), humanBytes(x.bytes)])))
  const fields = Object.entries(s.changedFields)
  if (fields.length) lines.push('', ...grid(['FIELD', 'CHANGED'], fields.map(([f, n]) => [f, count(n)])))
  return `${lines.join('\n')}\n`
}

/** An aligned table: the first column left, the others right. */
function grid(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  return [head, ...rows].map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd())
}
