/** Row formatters for the CLI, and a stdout writer that respects backpressure and ends quietly on EPIPE. */
import { S3InventoryError, type InventoryRow } from '../index.js'

export type OutputFormat = 'ndjson' | 'csv' | 'tsv' | 'keys' | 's3url'
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['ndjson', 'csv', 'tsv', 'keys', 's3url']
/** Formats of one value per row, which -0 can end with NUL instead of a newline. */
export const LINE_FORMATS: readonly OutputFormat[] = ['keys', 's3url']

/** `--out -` (and `/dev/stdout`) mean standard output, as in most tools. */
export const toStdout = (out: string): boolean => out === '-' || out === '/dev/stdout'
/** The path a sink writes for `--out`: `-` is standard output. */
export const outPath = (out: string): string => (out === '-' ? '/dev/stdout' : out)

function text(v: unknown): string {
  if (v === undefined || v === null) return ''
  if (v instanceof Date) return v.toISOString()
  return String(v)
}

/** RFC 4180: quote when the value holds a comma, quote, CR or LF (or would lose edge spaces). */
function csvField(v: unknown): string {
  const s = text(v)
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** TSV as most tools read it: backslash escapes for tab, newline, carriage return and backslash. */
function tsvField(v: unknown): string {
  return text(v).replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'))
}

export interface Formatter {
  rows(rows: readonly InventoryRow[]): string
}

/** `end`: what ends each record of the one-value formats (keys, s3url): a newline, or NUL for `xargs -0`. */
export function formatter(format: OutputFormat, columns: readonly string[] | undefined, end = '\n'): Formatter {
  let cols = columns
  const pick = (r: InventoryRow) => (cols ??= Object.keys(r))
  switch (format) {
    case 'keys':
      return { rows: (rows) => rows.map((r) => `${text(r.key)}${end}`).join('') }
    case 's3url':
      // As aws-cli and s5cmd take them: s3://bucket/key, the key as it is (not URL-encoded).
      return { rows: (rows) => rows.map((r) => `s3://${text(r.bucket)}/${text(r.key)}${end}`).join('') }
    case 'ndjson':
      return {
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
        rows: (rows) => {
          if (rows.length === 0) return ''
          let out = ''
          const c = pick(rows[0])
          if (!wroteHeader) {
            out += `${c.map(field).join(sep)}\n`
            wroteHeader = true
          }
          for (const r of rows) out += `${c.map((k) => field(r[k])).join(sep)}\n`
          return out
        },
      }
    }
  }
}

export class OutputClosed extends Error {}

export interface Writer {
  write(s: string): Promise<void>
  /** Resolves once everything written so far has been handed to the OS; rejects as write() does. */
  flush(): Promise<void>
  closed(): boolean
}

const writers = new WeakMap<NodeJS.WritableStream, Writer>()

/**
 * Writes to a stream (one writer per stream), waiting for 'drain' when its buffer is full. When the
 * stream is closed (EPIPE) or fails, the pending and every later write reject: OutputClosed for a
 * closed pipe (the reader went away: not a failure), WRITE_FAILED for any other error (a full disk,
 * a bad descriptor). Never throws from the 'error' listener (that would crash the process).
 */
export function writer(stream: NodeJS.WritableStream = process.stdout): Writer {
  const known = writers.get(stream)
  if (known) return known
  let failure: Error | undefined
  let wake: (() => void) | undefined
  const fail = (err: NodeJS.ErrnoException) => {
    failure ??=
      err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED'
        ? new OutputClosed('output closed')
        : new S3InventoryError('WRITE_FAILED', `cannot write to ${stream === process.stdout ? 'standard output' : 'the output'} (${err.code ?? err.message})`, {
            resource: stream === process.stdout ? 'stdout' : undefined,
            cause: err,
          })
    wake?.()
    return failure
  }
  stream.on('error', fail)
  const w: Writer = {
    closed: () => failure !== undefined,
    async write(s) {
      if (failure) throw failure
      if (s.length === 0) return
      if (!stream.write(s)) {
        await new Promise<void>((resolve) => {
          wake = resolve
          stream.once('drain', resolve)
        })
        stream.removeListener('drain', wake!)
        wake = undefined
      }
      if (failure) throw failure
    },
    async flush() {
      if (failure) throw failure
      await new Promise<void>((resolve) => {
        wake = resolve
        try {
          stream.write('', () => resolve())
        } catch (err) {
          fail(err as NodeJS.ErrnoException)
          resolve()
        }
      })
      wake = undefined
      // Errors of earlier writes are emitted on a later tick.
      await new Promise((r) => setImmediate(r))
      if (failure) throw failure
    },
  }
  writers.set(stream, w)
  return w
}
