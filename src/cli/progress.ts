/**
 * Progress on stderr: a live bar when stderr is a TTY (cli-progress), periodic plain lines with
 * --progress otherwise, and a final one-line summary. It polls the reader's counters a few times a
 * second, so it costs the read nothing per row.
 */
import cliProgress from 'cli-progress'
import type { InventoryProgress } from '../inventory.js'

export interface ProgressOptions {
  quiet?: boolean
  /** Plain periodic lines even when stderr is not a TTY. */
  progress?: boolean
  /** Milliseconds between plain lines. Default 2000. */
  progressInterval?: number
  stream?: NodeJS.WriteStream
}

export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let i = 0
  let v = n
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return i === 0 ? `${Math.round(v)} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`
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

/** Starts reporting; call the returned function when done (with the outcome) to print the summary. */
export function startProgress(p: InventoryProgress, options: ProgressOptions): (ok: boolean) => void {
  const stream = options.stream ?? process.stderr
  const started = performance.now()
  const elapsed = () => (performance.now() - started) / 1000
  if (options.quiet || (!stream.isTTY && !options.progress)) return () => {}
  let stop: () => void
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: '{bar} {line}', hideCursor: true, clearOnComplete: true, barsize: 20, fps: 5 },
      cliProgress.Presets.shades_classic,
    )
    bar.start(Math.max(1, p.bytesTotal), 0, { line: line(p, 0) })
    const timer = setInterval(() => bar.update(Math.min(p.bytesRead, p.bytesTotal), { line: line(p, elapsed()) }), 200)
    timer.unref()
    stop = () => {
      clearInterval(timer)
      bar.stop()
    }
  } else {
    const timer = setInterval(() => stream.write(`s3inv: ${line(p, elapsed())}\n`), options.progressInterval ?? 2000)
    timer.unref()
    stop = () => clearInterval(timer)
  }
  return (ok) => {
    stop()
    const s = elapsed()
    stream.write(
      `s3inv: ${ok ? 'done' : 'stopped'}: ${int(p.rows)} rows from ${p.filesDone}/${p.filesTotal} files (${humanBytes(p.bytesRead)} read) in ${s.toFixed(1)} s, ${int(p.rows / Math.max(s, 1e-3))} rows/s\n`,
    )
  }
}
