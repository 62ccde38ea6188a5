/**
 * An output file written with backpressure (write() resolves once the stream can take more), under a
 * temporary name next to it and renamed when complete: a failed or abandoned write never leaves a file
 * that looks finished, and never replaces a file that was there before. A path that is not a regular
 * file (a pipe, /dev/stdout, /dev/null) is written directly; a symbolic link is followed (its target is
 * replaced, the link stays). This process's standard output (/dev/stdout, /dev/fd/1, /proc/self/fd/1)
 * is written through process.stdout: opening the path fails (ENXIO) when stdout is a socket, as it is
 * under a Node parent's `stdio: 'pipe'`.
 */
import { randomBytes } from 'node:crypto'
import { createWriteStream, type WriteStream } from 'node:fs'
import { chmod, lstat, mkdir, readlink, realpath, rename, rm, stat } from 'node:fs/promises'
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

interface Target {
  stream: WriteStream | NodeJS.WriteStream
  /** process.stdout: flushed at the end, never ended or destroyed (the process keeps it). */
  stdout?: boolean
  /** The temporary file to rename to `final`, or undefined when writing straight to a pipe or device. */
  temp?: string
  final: string
  /** The permission bits of the file being replaced, given to its replacement. */
  mode?: number
}

const STDOUT = /^\/(dev\/stdout|dev\/fd\/1|proc\/self\/fd\/1)$/

export function fileSink(file: string, options: FileSinkOptions = {}): FileSink {
  let opening: Promise<Target> | undefined
  let ending: Promise<void> | undefined
  let destroyed = false
  let failed: Error | undefined
  const check = () => {
    if (failed) throw fileError(failed, file)
  }

  async function open(): Promise<Target> {
    if (STDOUT.test(path.resolve(file))) return { stream: watched(process.stdout), stdout: true, final: file }
    if (options.mkdir) await mkdir(path.dirname(file), { recursive: true })
    // Devices and /proc paths (/dev/stdout, /dev/null, /proc/self/fd/1) are written as they are, even when
    // they lead to a regular file (stdout redirected): renaming over them would unlink the shell's file.
    if (/^\/(dev|proc)\//.test(path.resolve(file))) return { stream: watched(createWriteStream(file)), final: file }
    const final = await resolveLinks(file)
    const existing = await stat(final).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined
      throw err
    })
    if (existing?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' })
    if (existing && !existing.isFile()) {
      // A pipe or a device: there is nothing to rename over, and a half-written stream is the reader's to judge.
      return { stream: watched(createWriteStream(final)), final }
    }
    const temp = `${final}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`
    // Created with the replaced file's permission bits (umask can only narrow them), so the data being
    // written is never more readable than the file it replaces.
    const mode = existing ? existing.mode & 0o777 : undefined
    const stream = watched(createWriteStream(temp, { flags: 'wx', mode }))
    return { stream, temp, final, mode }
  }
  const onError = (err: Error) => (failed ??= err)
  const watched = <S extends WriteStream | NodeJS.WriteStream>(s: S): S => s.on('error', onError) as S
  /** process.stdout: everything written so far has reached the OS (its callback runs after the flush). */
  const flushed = (s: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => {
      if (s.destroyed) return resolve()
      const done = () => {
        s.off('error', done)
        resolve()
      }
      s.on('error', done)
      s.write('', () => done())
    })
  // Opened on first use, so that a sink nobody writes to leaves nothing behind.
  const opened = async () => {
    if (destroyed) throw fileError(new Error('output abandoned'), file)
    try {
      return await (opening ??= open())
    } catch (err) {
      failed ??= err as Error
      throw fileError(failed, file)
    }
  }
  const closed = (s: WriteStream | NodeJS.WriteStream) => new Promise<void>((resolve) => ((s as WriteStream).closed ? resolve() : s.once('close', () => resolve())))

  async function finish(): Promise<void> {
    const t = await opened()
    if (t.stdout) {
      try {
        check()
        await flushed(t.stream as NodeJS.WriteStream)
        check()
        return
      } finally {
        t.stream.off('error', onError)
      }
    }
    try {
      check()
      if (!t.stream.destroyed) t.stream.end()
      await closed(t.stream)
      check()
      // Destroyed meanwhile (destroy() during end()): not finished, so never renamed into place.
      if (!t.stream.writableFinished) throw new Error('output closed before it was complete')
      if (t.temp) {
        // The exact bits (the umask may have narrowed them); best effort: some filesystems refuse chmod.
        if (t.mode !== undefined) await chmod(t.temp, t.mode).catch(() => {})
        if (destroyed) throw new Error('output abandoned')
        await rename(t.temp, t.final)
      }
    } catch (err) {
      failed ??= err as Error
      t.stream.destroy()
      await closed(t.stream)
      if (t.temp) await rm(t.temp, { force: true }).catch(() => {})
      throw fileError(failed, file)
    }
  }

  return {
    async write(chunk) {
      const { stream: s } = await opened()
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
    end: () => (ending ??= finish()),
    async destroy() {
      destroyed = true
      await ending?.catch(() => {})
      const t = await opening?.catch(() => undefined)
      if (!t) return
      if (t.stdout) {
        t.stream.off('error', onError)
        return
      }
      t.stream.destroy()
      await closed(t.stream)
      if (t.temp) await rm(t.temp, { force: true }).catch(() => {})
    },
  }
}

/** The path a chain of symbolic links leads to (the path itself if it is not a link); the target may not exist. */
async function resolveLinks(file: string): Promise<string> {
  try {
    return await realpath(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  // Absent, or a link whose target is absent (written through, so the link stays).
  let p = file
  for (let hops = 0; hops < 32; hops++) {
    const info = await lstat(p).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined
      throw err
    })
    if (!info?.isSymbolicLink()) return p
    p = path.resolve(path.dirname(p), await readlink(p))
  }
  throw Object.assign(new Error('too many symbolic links'), { code: 'ELOOP' })
}

export function fileError(err: Error, file: string): S3InventoryError {
  if (err instanceof S3InventoryError) return err
  const code = (err as NodeJS.ErrnoException).code
  return new S3InventoryError('WRITE_FAILED', 'cannot write the output file', { key: file, actual: code ?? err.message, cause: err })
}
