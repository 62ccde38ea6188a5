/**
 * Library errors name the library's options (`allowEmpty`, `startAfter`, `filter.regex`) and the paths it
 * was given (`/dev/stdout` for `--out -`); a person at the shell typed flags. The one place that
 * translates an error into the command line's terms, for printing.
 */
import type { Command } from 'commander'
import { S3InventoryError } from '../index.js'

/** Library options whose flag has another name (the others are the flag's camelCase, as commander names them). */
const RENAMED: Record<string, string> = { fileSchema: 'schema', memoryMB: 'memory', versionIds: 'versions', 'filter.excludeDeleteMarkers': 'deleteMarkers' }

/** The flag of `cmd` that sets the library option `option` (`allowEmpty` → `--allow-empty`), if it has one. */
export function flagFor(option: string, cmd: Command | undefined): string | undefined {
  const name = RENAMED[option] ?? (option.startsWith('filter.') ? option.slice('filter.'.length) : option)
  return cmd?.options.find((o) => o.attributeName() === name)?.long
}

/**
 * `err` as the user should read it: its option as the flag that sets it (dropped when no flag of this
 * command does: the library's name would mean nothing here), standard output for `/dev/stdout`.
 */
export function inFlagTerms(err: unknown, cmd: Command | undefined): unknown {
  if (!(err instanceof S3InventoryError)) return err
  // Flags and environment variables (AWS_PROFILE) are already what the user typed.
  const renameOption = err.option !== undefined && !err.option.startsWith('--') && !/^[A-Z][A-Z0-9_]*$/.test(err.option)
  const stdout = err.bucket === undefined && err.key === '/dev/stdout'
  if (!renameOption && !stdout) return err
  const data = err.toJSON()
  if (renameOption) data.option = flagFor(err.option!, cmd)
  if (stdout) data.key = 'standard output'
  return new S3InventoryError(err.code, err.message, { ...data, cause: err })
}
