/**
 * An output file written with backpressure (write() resolves once the stream can take more), under a
 * temporary name next to it and renamed when complete: a failed or abandoned write never leaves a file
 * that looks finished, and never replaces a file that was there before.
 */
import { randomBytes } from 'node:crypto'
import { createWriteStream, type WriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { S3InventoryError } from '../errors.js'

export interface FileSink {
  write(chunk: Uint8Array): Promise<void>
  /** Flushes, closes and moves the file to its name; rejects if anything failed (then nothing is left). */
  end(): Promise<void>
  /** Abandons the file (after an error): removes what was written. Never rejects. */
  destroy(): Promise<void>
}

export interface FileSinkOptions {
  /** Create the file's folder (and its parents) if missing. Default false. */
  mkdir?: boolean
}

export function fileSink(file: string, options: FileSinkOptions = {}): FileSink {
  const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`
  let opening: Promise<WriteStream> | undefined
  let failed: Error | undefined
  const check = () => {
    if (failed) throw fileError(failed, file)
  }
  // Opened on first use, so that a sink nobody writes to leaves nothing behind.
  const opened = () =>
    (opening ??= (async () => {
      if (options.mkdir) await mkdir(path.dirname(file), { recursive: true }).catch((err: Error) => (failed ??= err))
      check()
      const s = createWriteStream(temp, { flags: 'wx' })
      s.on('error', (err) => (failed ??= err))
      return s
    })())
  const closed = (s: WriteStream) => new Promise<void>((resolve) => (s.closed ? resolve() : s.once('close', () => resolve())))

  return {
    async write(chunk) {
      const s = await opened()
      check()
      if (!s.write(chunk)) {
        // One listener set per wait, all removed together (events.once would leave the losers behind).
        await new Promise<void>((resolve) => {
          const done = () => {
            s.off('drain', done)
            s.off('close', done)
            s.off('error', done)
            resolve()
          }
          s.on('drain', done)
          s.on('close', done)
          s.on('error', done)
          if (s.destroyed) done()
        })
      }
      check()
      if (s.destroyed) throw fileError(new Error('output closed'), file)
    },
    async end() {
      try {
        const s = await opened()
        check()
        if (!s.destroyed) s.end()
        await closed(s)
        check()
        await rename(temp, file).catch((err: Error) => {
          failed ??= err
          check()
        })
      } catch (err) {
        await rm(temp, { force: true }).catch(() => {})
        throw err instanceof S3InventoryError ? err : fileError(err as Error, file)
      }
    },
    async destroy() {
      const s = await opening?.catch(() => undefined)
      if (s) {
        s.destroy()
        await closed(s)
      }
      await rm(temp, { force: true }).catch(() => {})
    },
  }
}

export function fileError(err: Error, file: string): S3InventoryError {
  const code = (err as NodeJS.ErrnoException).code
  return new S3InventoryError('WRITE_FAILED', `cannot write the output file (${code ?? err.message})`, { key: file, cause: err })
}
