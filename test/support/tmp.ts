import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll } from 'vitest'
import { S3InventoryError } from '../../src/errors.js'

/** A temporary folder removed after the test file. */
export async function tmpDir(hint = 'inv'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `${hint}-`))
  afterAll(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Plain objects of a row's own fields (what JSON and toEqual see). */
export function plain<T extends object>(rows: T[]): Record<string, unknown>[] {
  return rows.map((r) => ({ ...r }) as Record<string, unknown>)
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

/** The S3InventoryError a promise or an iteration fails with (anything else fails the test). */
export async function failure(p: Promise<unknown> | AsyncIterable<unknown>): Promise<S3InventoryError> {
  const e = await (Symbol.asyncIterator in p ? collect(p as AsyncIterable<unknown>) : (p as Promise<unknown>)).then(
    () => undefined,
    (err: unknown) => err,
  )
  if (!(e instanceof S3InventoryError)) throw new Error(`expected an S3InventoryError, got ${String(e)}`)
  return e
}
