/**
 * Restartable runs from the shell: `--start-after <cursor>` resumes after a row, and `--cursor-file F`
 * keeps in F the cursor of the last row whose output is done (printed and flushed, sent to SQS, in a
 * finished file) — rewritten every `--cursor-every` rows and at exit, also after a failure or Ctrl-C.
 * A run that stops can go on with `--start-after "$(cat F)"` and repeats or loses nothing.
 */
import { accessSync, constants, statSync } from 'node:fs'
import { rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Command } from 'commander'
import { cursorOf, formatCursor, S3InventoryError, type InventoryRow, type InventoryStream } from '../index.js'
import { badValue, cursor, FLAG_RANGES, integer } from './usage.js'

export interface CursorFlags {
  startAfter?: string
  cursorFile?: string
  cursorEvery?: number
}

/**
 * When the command can save the cursor: as it goes (`rows`: rows printed, messages sent), only once its
 * output is complete (`complete`: a file valid only whole), or as it goes when the output is standard
 * output and once complete otherwise (`stdout-rows`: CSV lines, which a resumed run appends to).
 */
export type CursorSaving = 'rows' | 'complete' | 'stdout-rows'

const CURSOR_FILE_HELP: Record<CursorSaving, string> = {
  rows: 'keep the cursor of the last row done in this file, for --start-after',
  complete: 'write the cursor of the last row written to this file when the output is complete, for --start-after',
  'stdout-rows': 'the cursor of the last row written, for --start-after: with --out -, kept as lines are printed (Ctrl-C too); to a file or S3, once it is complete',
}

export function addCursorFlags(cmd: Command, saving: CursorSaving): Command {
  cmd
    .option('--start-after <cursor>', 'resume after this row (a cursor from --cursor-file, v1.<md5>.<file>.<row>)', cursor('--start-after'))
    .option('--cursor-file <file>', CURSOR_FILE_HELP[saving], cursorFile('--cursor-file'))
  if (saving !== 'complete') {
    const when = saving === 'rows' ? '' : 'with --out -: '
    cmd.option('--cursor-every <rows>', `${when}rewrite --cursor-file after this many rows (default: 10000)`, integer('--cursor-every', FLAG_RANGES.cursorEvery))
  }
  return cmd
}

/**
 * A cursor file's place, checked as the flag is read: its folder exists and can be written (the file
 * is written beside it and renamed), and the path is not a folder — else rows would be output, and
 * only then the cursor fail to save.
 */
const cursorFile =
  (flag: string) =>
  (v: string): string => {
    const dir = path.dirname(path.resolve(v))
    const problem = placeProblem(v, dir)
    if (problem) throw badValue(flag, v, `a file in a folder that exists and can be written: ${problem}`)
    return v
  }

function placeProblem(file: string, dir: string): string | undefined {
  try {
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) return `${file} is a folder`
    if (!statSync(dir).isDirectory()) return `${dir} is not a folder`
    accessSync(dir, constants.W_OK | constants.X_OK)
    return undefined
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return `${dir} does not exist`
    if (code === 'ENOTDIR') return `${dir} is not a folder`
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return `${dir} is not writable`
    return `${dir}: ${code ?? String(err)}`
  }
}

export interface CursorKeeper {
  /** `rows` more rows handed to the output, `last` the last of them (its cursor is saved once `confirm` says the output has it). */
  advance(last: object | undefined, rows: number): void
  /** Whether `--cursor-every` rows passed since the last save. */
  due(): boolean
  /** The output has every row advanced so far: save the cursor (serialized; errors surface in `close`). */
  confirm(): Promise<void>
  /** Waits for pending saves; rejects with the first failure. */
  close(): Promise<void>
}

const NONE: CursorKeeper = { advance() {}, due: () => false, confirm: async () => {}, close: async () => {} }

export function cursorKeeper(flags: CursorFlags): CursorKeeper {
  const file = flags.cursorFile
  if (!file) return NONE
  const every = flags.cursorEvery ?? 10_000
  let last: object | undefined
  let sinceSave = 0
  let saved: string | undefined
  let chain: Promise<void> = Promise.resolve()
  let failure: unknown
  const save = (text: string) => {
    chain = chain.then(async () => {
      if (failure !== undefined) return
      try {
        // Written whole and renamed: a reader (or a crash) never sees half a cursor.
        const tmp = `${file}.${process.pid}.tmp`
        await writeFile(tmp, `${text}\n`)
        await rename(tmp, file)
      } catch (err) {
        failure = err
      }
    })
    return chain
  }
  return {
    advance(row, rows) {
      if (row === undefined) return
      last = row
      sinceSave += rows
    },
    due: () => sinceSave >= every,
    confirm() {
      sinceSave = 0
      const c = last && cursorOf(last)
      // Nothing output yet: where the run started is still the place to resume from.
      const text = c ? formatCursor(c) : flags.startAfter
      if (text === undefined || text === saved) return chain
      saved = text
      return save(text)
    },
    async close() {
      await chain
      if (failure !== undefined) {
        const code = (failure as NodeJS.ErrnoException).code
        throw new S3InventoryError('WRITE_FAILED', 'cannot write the cursor file', { key: file, option: '--cursor-file', actual: code ?? String(failure), cause: failure })
      }
    },
  }
}

/**
 * The stream's batches, for an output that says how many rows it has written out (writeBatchManifest's
 * `onWritten`): `written(n)` advances `cursor` to the last of the batches those n rows complete. Until
 * then a batch's last row is kept (a few batches: the output writes every few hundred KiB).
 */
export function trackedUntilWritten(stream: InventoryStream, cursor: CursorKeeper): { batches(): AsyncGenerator<InventoryRow[]>; written(rows: number): void } {
  const handed: { end: number; last: InventoryRow }[] = []
  let total = 0
  let done = 0
  return {
    async *batches() {
      for await (const b of stream.batches()) {
        if (b.length > 0) handed.push({ end: (total += b.length), last: b[b.length - 1] })
        yield b
      }
    },
    written(rows) {
      let last: { end: number; last: InventoryRow } | undefined
      while (handed.length > 0 && handed[0].end <= rows) last = handed.shift()
      if (!last) return
      cursor.advance(last.last, last.end - done)
      done = last.end
    },
  }
}

/** The stream's batches, each advancing `cursor` once the consumer asks for the next (it has taken this one). */
export function tracked(stream: InventoryStream, cursor: CursorKeeper): { batches(): AsyncGenerator<InventoryRow[]> } {
  return {
    async *batches() {
      for await (const b of stream.batches()) {
        yield b
        cursor.advance(b[b.length - 1], b.length)
      }
    },
  }
}
