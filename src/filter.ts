/**
 * One declarative row filter, shared by the readers and the CLI. Format readers evaluate it before a
 * row object is built (CSV: on the raw fields; Parquet: on the column values, after skipping row
 * groups whose statistics exclude a key prefix).
 */
import { S3InventoryError } from './errors.js'
import { parseDateMs } from './schema/values.js'

export interface RowFilter {
  /** Key starts with (any of) these. Applied to decoded keys. */
  prefix?: string | readonly string[]
  /** Key ends with (any of) these, e.g. '.png'. */
  suffix?: string | readonly string[]
  /** Glob on the key: `*` and `?` stay within a path segment, `**` crosses `/`, `{a,b}` and `[ab]` work. A pattern without `/` is matched against the last segment. */
  glob?: string
  /** Regular expression tested against the key. */
  regex?: string | RegExp
  /** Size ≥ this many bytes (rows without a size, e.g. delete markers, never match a size bound). */
  minSize?: number
  /** Size ≤ this many bytes. */
  maxSize?: number
  /** Storage class is one of these (case-insensitive). */
  storageClass?: string | readonly string[]
  /** Last modified at or after this instant. */
  modifiedAfter?: Date | string | number
  /** Last modified strictly before this instant. */
  modifiedBefore?: Date | string | number
  /** Only current versions (IsLatest true; inventories without the column hold only current versions). */
  latestOnly?: boolean
  /** Drop delete markers. */
  excludeDeleteMarkers?: boolean
  /** Key tests (prefix, suffix, glob, regex) ignore case: `.png` also keeps `A.PNG`. Default false (S3 keys are case-sensitive). */
  ignoreCase?: boolean
}

/** The values a filter reads, filled by the format reader for each candidate row (one reused object). */
/** The row fields a filter can read, in FilterInput's order (readers unroll them per row, in this order). */
export const FILTER_FIELDS = ['key', 'size', 'storageClass', 'lastModifiedDate', 'isLatest', 'isDeleteMarker'] as const

export interface FilterInput {
  key: string
  size: number | undefined
  storageClass: string | undefined
  lastModified: number | undefined
  isLatest: boolean | undefined
  isDeleteMarker: boolean | undefined
}

export interface CompiledFilter {
  /** Row fields the filter reads (camelCase). */
  readonly fields: ReadonlySet<string>
  /** Key prefixes, for row-group skipping by statistics (undefined = any key). */
  readonly prefixes?: readonly string[]
  test(input: FilterInput): boolean
}

const FILTER_OPTIONS: ReadonlySet<string> = new Set<keyof RowFilter>([
  'prefix', 'suffix', 'glob', 'regex', 'minSize', 'maxSize', 'storageClass', 'modifiedAfter', 'modifiedBefore', 'latestOnly', 'excludeDeleteMarkers', 'ignoreCase',
])

export function compileFilter(filter: RowFilter | undefined): CompiledFilter | undefined {
  if (!filter) return undefined
  if (typeof filter !== 'object') throw new S3InventoryError('INVALID_ARGUMENT', 'filter must be an object', { option: 'filter', actual: String(filter) })
  // A misspelt option would otherwise filter nothing and look like a complete answer.
  for (const k of Object.keys(filter)) {
    if (!FILTER_OPTIONS.has(k)) {
      const near = [...FILTER_OPTIONS].find((o) => o.toLowerCase() === k.toLowerCase().replace(/[_-]/g, ''))
      throw new S3InventoryError('INVALID_ARGUMENT', `filter has no option ${JSON.stringify(k)}${near ? `; did you mean ${near}?` : ''}`, {
        option: `filter.${k}`,
        expected: [...FILTER_OPTIONS].join(', '),
        actual: k,
      })
    }
  }
  const tests: ((v: FilterInput) => boolean)[] = []
  const fields = new Set<string>()
  const list = (v: string | readonly string[] | undefined, name: string) => {
    if (v === undefined) return undefined
    const l = typeof v === 'string' ? [v] : Array.isArray(v) ? [...v] : undefined
    if (!l || l.some((x) => typeof x !== 'string')) throw new S3InventoryError('INVALID_ARGUMENT', `filter.${name} must be a string or an array of strings`, { option: `filter.${name}`, actual: String(v) })
    return l
  }

  if (filter.ignoreCase !== undefined && typeof filter.ignoreCase !== 'boolean') {
    throw new S3InventoryError('INVALID_ARGUMENT', 'filter.ignoreCase must be a boolean', { option: 'filter.ignoreCase', actual: String(filter.ignoreCase) })
  }
  const fold = filter.ignoreCase === true
  const prefixes = list(filter.prefix, 'prefix')
  if (prefixes && prefixes.length) {
    fields.add('key')
    if (fold) {
      const lower = prefixes.map((p) => p.toLowerCase())
      tests.push((v) => {
        const k = v.key.toLowerCase()
        return lower.some((p) => k.startsWith(p))
      })
    } else tests.push((v) => prefixes.some((p) => v.key.startsWith(p)))
  }
  const suffixes = list(filter.suffix, 'suffix')
  if (suffixes && suffixes.length) {
    fields.add('key')
    if (fold) {
      const lower = suffixes.map((s) => s.toLowerCase())
      tests.push((v) => {
        const k = v.key.toLowerCase()
        return lower.some((s) => k.endsWith(s))
      })
    } else tests.push((v) => suffixes.some((s) => v.key.endsWith(s)))
  }
  if (filter.glob !== undefined) {
    fields.add('key')
    let re: RegExp
    try {
      re = globToRegExp(filter.glob, fold)
    } catch (err) {
      // The parser's complaint is what was found wrong (it names the pattern as compiled).
      throw new S3InventoryError('INVALID_ARGUMENT', 'filter.glob is not a valid pattern', { option: 'filter.glob', actual: (err as Error).message, cause: err })
    }
    const lastSegment = !filter.glob.includes('/')
    tests.push(lastSegment ? (v) => re.test(v.key.slice(v.key.lastIndexOf('/') + 1)) : (v) => re.test(v.key))
  }
  if (filter.regex !== undefined) {
    fields.add('key')
    let re: RegExp
    try {
      // Without g and y: test() must not carry lastIndex from one key to the next.
      const flags = typeof filter.regex === 'string' ? 'u' : filter.regex.flags.replace(/[gy]/g, '')
      re = new RegExp(typeof filter.regex === 'string' ? filter.regex : filter.regex.source, fold && !flags.includes('i') ? `${flags}i` : flags)
    } catch (err) {
      // The parser's complaint names the pattern and what is wrong with it.
      throw new S3InventoryError('INVALID_ARGUMENT', 'filter.regex is not a valid regular expression', { option: 'filter.regex', actual: (err as Error).message, cause: err })
    }
    tests.push((v) => re.test(v.key))
  }
  if (filter.minSize !== undefined || filter.maxSize !== undefined) {
    fields.add('size')
    const min = number(filter.minSize, 'minSize') ?? -Infinity
    const max = number(filter.maxSize, 'maxSize') ?? Infinity
    tests.push((v) => v.size !== undefined && v.size >= min && v.size <= max)
  }
  const classes = list(filter.storageClass, 'storageClass')
  if (classes && classes.length) {
    fields.add('storageClass')
    const set = new Set(classes.map((c) => c.toUpperCase()))
    tests.push((v) => v.storageClass !== undefined && set.has(v.storageClass.toUpperCase()))
  }
  if (filter.modifiedAfter !== undefined || filter.modifiedBefore !== undefined) {
    fields.add('lastModifiedDate')
    const after = instant(filter.modifiedAfter, 'filter.modifiedAfter') ?? -Infinity
    const before = instant(filter.modifiedBefore, 'filter.modifiedBefore') ?? Infinity
    tests.push((v) => v.lastModified !== undefined && v.lastModified >= after && v.lastModified < before)
  }
  if (filter.latestOnly) {
    fields.add('isLatest')
    tests.push((v) => v.isLatest !== false)
  }
  if (filter.excludeDeleteMarkers) {
    fields.add('isDeleteMarker')
    tests.push((v) => v.isDeleteMarker !== true)
  }
  if (tests.length === 0) return undefined
  const test = tests.length === 1 ? tests[0] : (v: FilterInput) => tests.every((t) => t(v))
  // Row-group skipping compares prefixes byte-wise with statistics: not when case is ignored.
  return { fields, prefixes: prefixes && prefixes.length && !fold ? prefixes : undefined, test }
}

/** Filters typed rows (e.g. from any iterable) with the same semantics as the readers. */
export function rowMatches(compiled: CompiledFilter, row: Record<string, unknown>): boolean {
  const d = row.lastModifiedDate
  return compiled.test({
    key: String(row.key ?? ''),
    size: typeof row.size === 'number' ? row.size : undefined,
    storageClass: typeof row.storageClass === 'string' ? row.storageClass : undefined,
    lastModified: d instanceof Date ? d.getTime() : undefined,
    isLatest: typeof row.isLatest === 'boolean' ? row.isLatest : undefined,
    isDeleteMarker: typeof row.isDeleteMarker === 'boolean' ? row.isDeleteMarker : undefined,
  })
}

export function emptyFilterInput(): FilterInput {
  return { key: '', size: undefined, storageClass: undefined, lastModified: undefined, isLatest: undefined, isDeleteMarker: undefined }
}

function number(v: number | undefined, name: string): number | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0) {
    throw new S3InventoryError('INVALID_ARGUMENT', `filter.${name} must be a number of bytes (0 or more)`, { option: `filter.${name}`, actual: String(v) })
  }
  return v
}

/** A Date, epoch ms, or ISO text (a bare date is UTC midnight) as epoch ms; INVALID_ARGUMENT naming `name` otherwise. */
export function instant(v: Date | string | number | undefined, name: string): number | undefined {
  if (v === undefined) return undefined
  let ms: number
  if (v instanceof Date) ms = v.getTime()
  else if (typeof v === 'number') ms = v
  else {
    // Strict ISO-8601 with a real calendar date (Date.parse also takes "May 5" and rolls Feb 30 over).
    try {
      ms = typeof v === 'string' ? parseDateMs(v) : NaN
    } catch {
      ms = NaN
    }
  }
  if (!Number.isFinite(ms)) {
    throw new S3InventoryError('INVALID_ARGUMENT', `${name} is not a date`, { option: name, expected: 'an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z', actual: String(v) })
  }
  return ms
}

/** Glob → RegExp: `**` any characters, `*` any but `/`, `?` one but `/`, `[...]` a class, `{a,b}` alternatives. */
export function globToRegExp(glob: string, ignoreCase = false): RegExp {
  let re = ''
  let braces = 0
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++
        if (glob[i + 1] === '/') {
          i++
          re += '(?:.*/)?'
        } else re += '.*'
      } else re += '[^/]*'
    } else if (c === '?') re += '[^/]'
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2)
      if (end === -1) re += '\\['
      else {
        let body = glob.slice(i + 1, end)
        if (body.startsWith('!')) body = `^${body.slice(1)}`
        re += `[${body.replace(/\\/g, '\\\\')}]`
        i = end
      }
    } else if (c === '{') {
      braces++
      re += '(?:'
    } else if (c === '}' && braces > 0) {
      braces--
      re += ')'
    } else if (c === ',' && braces > 0) re += '|'
    else if (c === '\\' && i + 1 < glob.length) re += escape(glob[++i])
    else re += escape(c)
  }
  while (braces-- > 0) re += ')'
  return new RegExp(`^${re}$`, ignoreCase ? 'sui' : 'su')
}

function escape(c: string): string {
  return /[.+^${}()|[\]\\/*?]/.test(c) ? `\\${c}` : c
}
