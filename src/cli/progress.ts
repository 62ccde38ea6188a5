/**
 * Progress on stderr: a one-line live bar when stderr is a terminal, periodic plain lines with
 * --progress otherwise, and a final one-line summary. Data on stdout is never overwritten or cut: when
 * the command prints rows as they come and stdout is the same kind of terminal, no bar is drawn (only
 * the summary at the end). The bar never turns off line wrap, is never wider than the terminal, and is
 * erased before anything else is printed. It polls the reader's counters a few times a second, so it
 * costs the read nothing per row.
 */
import type { InventoryProgress } from '../index.js'

export interface ProgressOptions {
  quiet?: boolean
  /** Plain periodic lines even when stderr is not a terminal. */
  progress?: boolean
  /** Milliseconds between plain lines. Default 2000. */
  progressInterval?: number
  /** The command writes rows to stdout while it reads (ls, report --rows, --out -): no bar if stdout is a terminal. */
  rowsOnStdout?: boolean
  stream?: NodeJS.WriteStream
  stdout?: { isTTY?: boolean }
}

type Units = 'binary' | 'decimal'

export function humanBytes(n: number, units: Units = 'binary'): string {
  const base = units === 'binary' ? 1024 : 1000
  const names = units === 'binary' ? ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] : ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB']
  let i = 0
  let v = n
  while (v >= base && i < names.length - 1) {
    v /= base
    i++
  }
  return i === 0 ? `${Math.round(v)} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${names[i]}`
}

const int = (n: number) => Math.round(n).toLocaleString('en-US')

function eta(p: InventoryProgress, elapsedS: number): string {
  if (p.bytesRead <= 0 || p.bytesTotal <= 0 || elapsedS < 0.5) return '?'
  const s = (elapsedS * Math.max(0, p.bytesTotal - p.bytesRead)) / p.bytesRead
  return s < 60 ? `${Math.ceil(s)}s` : s < 3600 ? `${Math.floor(s / 60)}m${Math.round(s % 60)}s` : `${Math.floor(s / 3600)}h${Math.round((s % 3600) / 60)}m`
}

export function line(p: InventoryProgress, elapsedS: number): string {
  const pct = p.bytesTotal > 0 ? Math.min(100, (100 * p.bytesRead) / p.bytesTotal) : 0
  return `files ${p.filesDone}/${p.filesTotal} | ${humanBytes(p.bytesRead)}/${humanBytes(p.bytesTotal)} (${pct.toFixed(0)}%) | ${int(p.rows)} rows | ${int(p.rows / Math.max(elapsedS, 1e-3))} rows/s | ETA ${eta(p, elapsedS)}`
}

const BAR_WIDTH = 20

function bar(p: InventoryProgress): string {
  const filled = p.bytesTotal > 0 ? Math.min(BAR_WIDTH, Math.round((BAR_WIDTH * p.bytesRead) / p.bytesTotal)) : 0
  return `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`
}

/** Erase the current line: carriage return, then clear to the end of the line. */
const ERASE = '\r\x1b[K'

/** Starts reporting; call the returned function when done (with the outcome) to erase the bar and print the summary. */
export function startProgress(p: InventoryProgress, options: ProgressOptions): (ok: boolean) => void {
  const stream = options.stream ?? process.stderr
  const stdout = options.stdout ?? process.stdout
  const started = performance.now()
  const elapsed = () => (performance.now() - started) / 1000
  if (options.quiet || (!stream.isTTY && !options.progress)) return () => {}
  let stop = () => {}
  if (stream.isTTY) {
    if (!(options.rowsOnStdout && stdout.isTTY)) {
      let shown = false
      const draw = () => {
        // One column short of the width: a full-width line would wrap and \r would no longer reach its start.
        const width = Math.max(10, (stream.columns || 80) - 1)
        stream.write(`\r${`${bar(p)} ${line(p, elapsed())}`.slice(0, width)}\x1b[K`)
        shown = true
      }
      const timer = setInterval(draw, 200)
      timer.unref()
      stop = () => {
        clearInterval(timer)
        if (shown) stream.write(ERASE)
      }
    }
  } else {
    const timer = setInterval(() => stream.write(`s3inv: ${line(p, elapsed())}\n`), options.progressInterval ?? 2000)
    timer.unref()
    stop = () => clearInterval(timer)
  }
  let finished = false
  return (ok) => {
    if (finished) return
    finished = true
    stop()
    const s = elapsed()
    stream.write(
      `s3inv: ${ok ? 'done' : 'stopped'}: ${int(p.rows)} rows from ${p.filesDone}/${p.filesTotal} files (${humanBytes(p.bytesRead)} read) in ${s.toFixed(1)} s, ${int(p.rows / Math.max(s, 1e-3))} rows/s\n`,
    )
  }
}
