/** Row formatters for the CLI, and a stdout writer that respects backpressure and ends quietly on EPIPE. */
import type { InventoryRow } from '../schema/row.js'

export type OutputFormat = 'ndjson' | 'csv' | 'tsv' | 'keys'
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['ndjson', 'csv', 'tsv', 'keys']

function text(v: unknown): string {
  if (v === undefined || v === null) return ''
  if (v instanceof Date) return v.toISOString()
  return String(v)
}

/** RFC 4180: quote when the value holds a comma, quote, CR or LF (or would lose edge spaces). */
export function csvField(v: unknown): string {
  const s = text(v)
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** TSV as most tools read it: backslash escapes for tab, newline, carriage return and backslash. */
export function tsvField(v: unknown): string {
  return text(v).replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'))
}

export interface Formatter {
  header(): string
  rows(rows: readonly InventoryRow[]): string
}

export function formatter(format: OutputFormat, columns: readonly string[] | undefined): Formatter {
  let cols = columns
  const pick = (r: InventoryRow) => (cols ??= Object.keys(r))
  switch (format) {
    case 'keys':
      return { header: () => '', rows: (rows) => rows.map((r) => `${r.key}\n`).join('') }
    case 'ndjson':
      return {
        header: () => '',
        rows: (rows) =>
          rows
            .map((r) => {
              if (!columns) return `${JSON.stringify(r)}\n`
              const o: Record<string, unknown> = {}
              for (const c of columns) o[c] = r[c]
              return `${JSON.stringify(o)}\n`
            })
            .join(''),
      }
    case 'csv':
    case 'tsv': {
      const field = format === 'csv' ? csvField : tsvField
      const sep = format === 'csv' ? ',' : '\t'
      let wroteHeader = false
      return {
        header: () => '',
        rows: (rows) => {
          if (rows.length === 0) return ''
          let out = ''
          if (!wroteHeader) {
            out += `${pick(rows[0]).map(field).join(sep)}\n`
            wroteHeader = true
          }
          const c = pick(rows[0])
          for (const r of rows) out += `${c.map((k) => field(r[k])).join(sep)}\n`
          return out
        },
      }
    }
  }
}

export class OutputClosed extends Error {}

/** Writes to a stream, waiting for 'drain' when its buffer is full; rejects with OutputClosed on EPIPE. */
export function writer(stream: NodeJS.WritableStream = process.stdout): { write(s: string): Promise<void>; closed(): boolean } {
  let closed = false
  let wake: (() => void) | undefined
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
      closed = true
      wake?.()
    } else throw err
  })
  return {
    closed: () => closed,
    async write(s) {
      if (closed) throw new OutputClosed()
      if (s.length === 0) return
      if (!stream.write(s)) {
        await new Promise<void>((resolve) => {
          wake = resolve
          stream.once('drain', resolve)
        })
        wake = undefined
        if (closed) throw new OutputClosed()
      }
    },
  }
}
