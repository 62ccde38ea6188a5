/** `--columns` and `--extra-columns` of the commands that take them (ls, export): checks the parsers cannot make. */
import { UsageError } from './usage.js'

export function checkColumnFlags(flags: { columns?: readonly string[]; extraColumns?: readonly string[] }): void {
  // `--columns ''` would print rows of no fields (`{}` lines, a file of zero columns).
  if (flags.columns?.length === 0) throw new UsageError('--columns needs at least one field name (leave it out for every field)')
  if (flags.extraColumns?.length === 0) throw new UsageError('--extra-columns needs at least one column name')
}
