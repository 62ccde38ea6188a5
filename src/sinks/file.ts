/** An output file that is written with backpressure: write() resolves once the stream can take more. */
import { createWriteStream } from 'node:fs'
import { S3InventoryError } from '../errors.js'

export interface FileSink {
  write(chunk: Uint8Array): Promise<void>
  /** Flushes and closes; rejects if anything failed. */
  end(): Promise<void>
  /** Abandons the file (after an error). */
  destroy(): void
}

export function fileSink(file: string): FileSink {
  const out = createWriteStream(file)
  let failed: Error | undefined
  out.on('error', (err) => (failed ??= err))
  const check = () => {
    if (failed) throw fileError(failed, file)
  }
  return {
    async write(chunk) {
      check()
      if (!out.write(chunk)) {
        // One listener set per wait, all removed together (events.once would leave the losers behind).
        await new Promise<void>((resolve) => {
          const done = () => {
            out.off('drain', done)
            out.off('close', done)
            out.off('error', done)
            resolve()
          }
          out.on('drain', done)
          out.on('close', done)
          out.on('error', done)
          if (out.destroyed) done()
        })
      }
      check()
      if (out.destroyed) throw fileError(new Error('output closed'), file)
    },
    async end() {
      check()
      if (!out.destroyed) {
        await new Promise<void>((resolve) => {
          out.once('close', resolve)
          out.end()
        })
      }
      check()
    },
    destroy: () => out.destroy(),
  }
}

export function fileError(err: Error, file: string): S3InventoryError {
  const code = (err as NodeJS.ErrnoException).code
  return new S3InventoryError('WRITE_FAILED', `cannot write the output file (${code ?? err.message})`, { key: file, cause: err })
}
