/** `s3inv stats`: count, bytes and min/avg/max size per group — the Athena queries people write, locally. */
import type { Command } from 'commander'
import { summarizeInventory } from '../../summarize-inventory.js'
import { parseGroupBy, type Summary } from '../../summarize.js'
import { addCommon, addFilters, collect, openManifest, readerOptions, type CommonFlags, type FilterFlags } from '../common.js'
import { writer } from '../output.js'
import { humanBytes, startProgress } from '../progress.js'

export function register(program: Command): void {
  addFilters(addCommon(program.command('stats')))
    .description('count objects and bytes per group (storage class, prefix, extension, month, size…)')
    .argument('<location>', 'manifest.json (s3:// or local), a delivery folder, or an inventory configuration folder')
    .option(
      '--by <dimension>',
      'group by: storage-class, encryption-status, extension, prefix:N, modified:day|month|year, size:pow2|pow10, or any field name (repeatable, comma-separated)',
      collect,
    )
    .option('--json', 'print the summary as JSON (sizes in bytes)')
    .option('--bytes', 'exact byte counts instead of human sizes in the table')
    .addHelpText(
      'after',
      `
Examples:
  s3inv stats s3://inventory-bucket/prefix/src-bucket/config/ --by storage-class
  s3inv stats ./manifest.json --by prefix:2 --suffix .png
  s3inv stats ./manifest.json --by modified:month --by storage-class --json
  s3inv stats ./manifest.json --by size:pow2 --no-delete-markers`,
    )
    .action(async (location: string, flags: CommonFlags & FilterFlags & { by?: string[]; json?: boolean; bytes?: boolean }) => {
      const ac = new AbortController()
      const by = (flags.by ?? []).map(parseGroupBy)
      const { manifest, client } = await openManifest(location, flags, ac.signal)
      const progress = { filesTotal: manifest.files.length, filesDone: 0, bytesTotal: manifest.files.reduce((n, f) => n + f.size, 0), bytesRead: 0, rows: 0 }
      const done = startProgress(progress, flags)
      let summary: Summary
      try {
        // CSV files are aggregated on worker threads; only totals come back.
        summary = await summarizeInventory(manifest, { ...readerOptions(location, flags, ac.signal, undefined, client), by, progress })
        done(true)
      } catch (err) {
        done(false)
        throw err
      } finally {
        client?.destroy()
      }
      const out = writer()
      await out.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : table(summary, !flags.bytes))
    })
}

const HEADINGS: Record<string, string> = { storageClass: 'STORAGE CLASS', encryptionStatus: 'ENCRYPTION' }

export function table(s: Summary, human: boolean): string {
  const size = (n: number | undefined) => (n === undefined ? '-' : human ? humanBytes(n) : String(Math.round(n)))
  const int = (n: number) => n.toLocaleString('en-US')
  const head = [...s.by.map((b) => HEADINGS[b] ?? b.toUpperCase()), 'OBJECTS', 'BYTES', 'MIN', 'AVG', 'MAX']
  const rows = s.groups.map((g) => [...g.key, int(g.count), size(g.bytes), size(g.minSize), size(g.avgSize), size(g.maxSize)])
  const t = s.total
  rows.push([...s.by.map((_, i) => (i === 0 ? 'TOTAL' : '')), int(t.count), size(t.bytes), size(t.minSize), size(t.avgSize), size(t.maxSize)])
  if (s.by.length === 0) head.unshift(''), rows.forEach((r) => r.unshift(r === rows[rows.length - 1] ? 'TOTAL' : ''))
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const numeric = (i: number) => i >= head.length - 5
  const fmt = (r: string[]) => r.map((c, i) => (numeric(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd()
  return `${[fmt(head), ...rows.slice(0, -1).map(fmt), fmt(rows[rows.length - 1])].join('\n')}\n`
}
