/**
 * Runs a command in a real terminal and reads the screen back, as a person would see it: tmux (its
 * own socket, a fixed size, `capture-pane -J` joining wrapped lines), or, without tmux, `script` (a
 * pseudo-terminal) with its output replayed on a small screen model (text, CR, LF, line wrap, erase
 * in line, wrap on/off, cursor to column). Undefined when neither tool exists.
 */
import { execFile, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface TerminalRun {
  /** The screen (with scrollback) as lines, trailing blanks trimmed; wrapped lines joined. */
  lines: string[]
  exitCode: number
  via: 'tmux' | 'script'
}

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0

export const terminalTool = (): 'tmux' | 'script' | undefined => (has('tmux') ? 'tmux' : has('script') ? 'script' : undefined)

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

export async function inTerminal(command: string, o: { cols?: number; rows?: number; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<TerminalRun | undefined> {
  const cols = o.cols ?? 80
  const rows = o.rows ?? 50
  const env = Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${quote(v)}`).join(' ')
  const tool = terminalTool()
  if (tool === 'tmux') return viaTmux(`${env ? `env ${env} ` : ''}${command}`, cols, rows, o.timeoutMs ?? 60_000)
  if (tool === 'script') return viaScript(`${env ? `env ${env} ` : ''}${command}`, cols, rows, o.timeoutMs ?? 60_000)
  return undefined
}

async function viaTmux(command: string, cols: number, rows: number, timeoutMs: number): Promise<TerminalRun> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tmux-'))
  const sock = path.join(dir, 'sock')
  const tmux = (...args: string[]) => run('tmux', ['-S', sock, '-f', '/dev/null', ...args], { maxBuffer: 64 << 20 })
  try {
    // The shell prints the exit status after the command; the pane stays open until it is read.
    await tmux('new-session', '-d', '-x', String(cols), '-y', String(rows), `bash --norc --noprofile -c ${quote(`${command}; echo "__EXIT=$?"; sleep 600`)}`)
    await tmux('set-option', '-g', 'history-limit', '100000')
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const { stdout } = await tmux('capture-pane', '-p', '-J', '-S', '-')
      const m = /__EXIT=(\d+)/.exec(stdout)
      if (m) {
        const lines = stdout.replace(/\s+$/, '').split('\n').map((l) => l.replace(/\s+$/, ''))
        const at = lines.findIndex((l) => l.startsWith('__EXIT='))
        return { lines: lines.slice(0, at), exitCode: Number(m[1]), via: 'tmux' }
      }
      if (Date.now() > deadline) throw new Error(`terminal command did not finish in ${timeoutMs} ms; screen:\n${stdout}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  } finally {
    await tmux('kill-server').catch(() => {})
    await rm(dir, { recursive: true, force: true })
  }
}

async function viaScript(command: string, cols: number, rows: number, timeoutMs: number): Promise<TerminalRun> {
  const { stdout } = await run('script', ['-qec', `stty cols ${cols} rows ${rows}; ${command}; echo "__EXIT=$?"`, '/dev/null'], { timeout: timeoutMs, maxBuffer: 64 << 20 })
  const lines = render(stdout, cols)
  const at = lines.findIndex((l) => l.startsWith('__EXIT='))
  return { lines: lines.slice(0, at), exitCode: Number(/^__EXIT=(\d+)/.exec(lines[at] ?? '')?.[1] ?? -1), via: 'script' }
}

/** Replays terminal output on an unbounded screen `cols` wide; returns logical lines (wrapped rows joined). */
export function render(output: string, cols: number): string[] {
  const screen: { text: string[]; wrapped: boolean }[] = [{ text: [], wrapped: false }]
  let row = 0
  let col = 0
  let wrap = true
  const line = () => (screen[row] ??= { text: [], wrapped: false })
  for (let i = 0; i < output.length; i++) {
    const c = output[i]
    if (c === '\x1b') {
      const csi = /^\x1b\[(\??)([\d;]*)([A-Za-z])/.exec(output.slice(i, i + 16))
      if (!csi) continue
      i += csi[0].length - 1
      const [, priv, arg, op] = csi
      if (priv && arg === '7') wrap = op === 'h'
      else if (!priv && op === 'K') line().text.length = arg === '1' || arg === '2' ? 0 : Math.min(line().text.length, col)
      else if (!priv && op === 'G') col = Math.max(0, Number(arg || 1) - 1)
      else if (!priv && op === 'A') row = Math.max(0, row - Number(arg || 1))
      continue
    }
    if (c === '\r') col = 0
    else if (c === '\n') {
      row++
      line()
    } else if (c >= ' ') {
      if (col >= cols) {
        if (wrap) {
          row++
          line().wrapped = true
          col = 0
        } else col = cols - 1
      }
      const t = line().text
      while (t.length < col) t.push(' ')
      t[col++] = c
    }
  }
  const out: string[] = []
  for (const l of screen) {
    const text = (l?.text ?? []).join('').replace(/\s+$/, '')
    if (l?.wrapped && out.length) out[out.length - 1] += text
    else out.push(text)
  }
  while (out.length && out[out.length - 1] === '') out.pop()
  return out
}
