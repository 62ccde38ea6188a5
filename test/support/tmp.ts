import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll } from 'vitest'

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
