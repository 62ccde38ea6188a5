/** `s3inv stats`: count, bytes and min/avg/max size per group — the Athena queries people write, locally. */
import { Option, type Command } from 'commander'
import { sortGroups, summarizeInventory, type GroupBy, type GroupOrder, type Summary, type SummaryGroup, type SummaryStats } from '../../index.js'
import { addCommon, addFilters, addMaxGroups, checkFilterFlags, note, openManifest, readerOptions, withClient, type CommonFlags, type FilterFlags } from '../common.js'
import { interruption } from '../interrupt.js'
import { writer } from '../output.js'
import { humanBytes, startProgress } from '../progress.js'
import { choice, FLAG_RANGES, groupings, integer } from '../usage.js'

interface StatsFlags extends CommonFlags, FilterFlags {
  by?: GroupBy[]
  json?: boolean
  bytes?: boolean
  sort?: GroupOrder
  top?: number
  maxGroups?: number
}

export function register(program: Command): void {
  addMaxGroups(addFilters(addCommon(program.command('stats'))))
    .description('count objects and bytes per group (storage class, prefix, extension, month, size…)')
    .argument('<location>', 'manifest.json (s3:// or local), a delivery folder, or an inventory configuration folder')
    .option(
      '--by <dimension>',
      'group by: storage-class, encryption-status, extension, prefix:N, modified:day|month|year, size:pow2|pow10, or any field name (repeatable, comma-separated; default: one total)',
      groupings('--by'),
    )
    .addOption(new Option('--sort <order>', 'groups by count or bytes (largest first) or key (labels in order) (default: labels for prefix, date and size groups, else bytes)').argParser(choice('--sort', ['count', 'bytes', 'key'] as const)))
    .option('--top <n>', 'only the first N groups (after --sort), the rest summed in one line (default: all)', integer('--top', FLAG_RANGES.count))
    .option('--json', 'print the summary as JSON (sizes in bytes)')
    .option('--bytes', 'exact byte counts instead of human sizes in the table')
    .addHelpText(
      'after',
      `
Sizes are binary (KiB, MiB) unless --by size:pow10 groups in decimal (kB, MB): one unit system per table.

Examples:
  s3inv stats s3://inventory-bucket/prefix/src-bucket/config/ --by storage-class
  s3inv stats ./manifest.json --by prefix:2 --suffix .png --sort count --top 20
  s3inv stats ./manifest.json --by extension --ignore-case
  s3inv stats ./manifest.json --by modified:month --by storage-class --json
  s3inv stats ./manifest.json --by size:pow2 --no-delete-markers`,
    )
    .action(async (location: string, flags: StatsFlags) => {
      checkFilterFlags(flags)
      // --ignore-case makes extension groups agree with case-blind suffix filters; without it both tell .png from .PNG.
      const by = (flags.by ?? []).map((b) => (b === 'extension' ? { extension: flags.ignoreCase ? ('lower' as const) : ('exact' as const) } : b))
      const summary = await withClient(location, flags, async (client) => {
        const { manifest } = await openManifest(location, flags, client)
        const progress = { filesTotal: manifest.files.length, filesDone: 0, bytesTotal: manifest.files.reduce((n, f) => n + f.size, 0), bytesRead: 0, rows: 0 }
        // The table comes at the end: the bar may show meanwhile, and is erased before the table.
        const done = startProgress(progress, flags)
        let ok = false
        try {
          // CSV files are aggregated on worker threads; only totals come back.
          const s = await summarizeInventory(manifest, { ...readerOptions(flags, interruption(), undefined, client), by, progress, maxGroups: flags.maxGroups })
          ok = true
          return s
        } finally {
          done(ok)
        }
      })
      const shown = arrange(summary, flags.sort, flags.top)
      // Without sizes a byte total of 0 would be a plausible wrong answer: the table shows "-", and this says why.
      if (summary.total.count > 0 && summary.total.sized === 0) note(flags, 'no row has a size (the inventory has no Size field, or lists only delete markers): bytes are not known')
      const out = writer()
      // In pieces: a million groups with long keys is more text than one string can hold.
      for (const piece of flags.json ? jsonPieces(shown) : tablePieces(shown, { human: !flags.bytes, units: summary.by.includes('size:pow10') ? 'decimal' : 'binary' })) await out.write(piece)
    })
}

/** A summary as printed: its groups sorted and cut to the top N, the rest summed in `others`. */
export interface ShownSummary extends Summary {
  others?: SummaryStats & { groups: number }
}

function arrange(s: Summary, sort: GroupOrder | undefined, top: number | undefined): ShownSummary {
  const groups = sort ? sortGroups(s, sort) : s.groups
  if (top === undefined || groups.length <= top) return { ...s, groups }
  const rest = groups.slice(top)
  return { ...s, groups: groups.slice(0, top), others: { groups: rest.length, ...sum(rest) } }
}

function sum(groups: readonly SummaryGroup[]): SummaryStats {
  let count = 0
  let bytes = 0
  let sized = 0
  let min = Infinity
  let max = -Infinity
  for (const g of groups) {
    count += g.count
    bytes += g.bytes
    sized += g.sized
    if (g.minSize !== undefined && g.minSize < min) min = g.minSize
    if (g.maxSize !== undefined && g.maxSize > max) max = g.maxSize
  }
  return { count, bytes, sized, minSize: sized ? min : undefined, maxSize: sized ? max : undefined, avgSize: sized ? bytes / sized : undefined }
}

const HEADINGS: Record<string, string> = { storageClass: 'STORAGE CLASS', encryptionStatus: 'ENCRYPTION' }

/** Lines written per piece of output. */
const PIECE = 4096

/** `JSON.stringify(s, null, 2)` and a newline, in pieces of PIECE groups. */
function* jsonPieces(s: ShownSummary): Generator<string> {
  if (s.groups.length === 0) {
    yield `${JSON.stringify(s, null, 2)}\n`
    return
  }
  // The summary with one placeholder group, split around it: the groups go in between, indented as
  // JSON.stringify indents the elements of an array two levels deep.
  const [head, tail] = JSON.stringify({ ...s, groups: [0] }, null, 2).split('\n    0\n')
  const group = (g: SummaryGroup) => `    ${JSON.stringify(g, null, 2).replaceAll('\n', '\n    ')}`
  for (let i = 0; i < s.groups.length; i += PIECE) {
    const end = Math.min(s.groups.length, i + PIECE)
    yield `${i === 0 ? `${head}\n` : ',\n'}${s.groups.slice(i, end).map(group).join(',\n')}`
  }
  yield `\n${tail}\n`
}

function* tablePieces(s: ShownSummary, o: { human: boolean; units: 'binary' | 'decimal' }): Generator<string> {
  const lines = tableLines(s, o)
  for (let i = 0; i < lines.length; i += PIECE) yield `${lines.slice(i, i + PIECE).join('\n')}\n`
}

function tableLines(s: ShownSummary, o: { human: boolean; units: 'binary' | 'decimal' }): string[] {
  const size = (n: number | undefined) => (n === undefined ? '-' : o.human ? humanBytes(n, o.units) : String(Math.round(n)))
  const int = (n: number) => n.toLocaleString('en-US')
  // A group without one sized row has no known bytes ("-"), not 0 B.
  const stats = (g: SummaryStats) => [int(g.count), size(g.sized || !g.count ? g.bytes : undefined), size(g.minSize), size(g.avgSize), size(g.maxSize)]
  const label = (text: string) => [...s.by.map((_, i) => (i === 0 ? text : '')), ...(s.by.length === 0 ? [text] : [])]
  const head = [...(s.by.length ? s.by.map((b) => HEADINGS[b] ?? b.toUpperCase()) : ['']), 'OBJECTS', 'BYTES', 'MIN', 'AVG', 'MAX']
  const rows = s.groups.map((g) => [...g.key, ...stats(g)])
  if (s.others) rows.push([...label(`(${int(s.others.groups)} more ${s.others.groups === 1 ? 'group' : 'groups'})`), ...stats(s.others)])
  rows.push([...label('TOTAL'), ...stats(s.total)])
  // A loop, not Math.max(...): a spread of a million rows overflows the stack.
  const widths = head.map((h) => h.length)
  for (const r of rows) for (let i = 0; i < widths.length; i++) if (r[i].length > widths[i]) widths[i] = r[i].length
  const numeric = (i: number) => i >= head.length - 5
  const fmt = (r: string[]) => r.map((c, i) => (numeric(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd()
  return [fmt(head), ...rows.map(fmt)]
}
