/**
 * The file's type tree, from the footer's flat list of types (column ids in pre-order), checked to
 * be a tree: every subtype id comes after its parent's and is claimed by exactly one parent, each
 * kind has the children it must have, and nesting is at most MAX_TYPE_DEPTH deep.
 */
import { corrupt, OrcError, overLimit } from './errors.js'
import type { Message } from './protobuf.js'
import { TypeKind } from './proto.js'

export interface OrcType {
  /** Column id (index in the footer's type list). */
  readonly id: number
  readonly kind: number
  readonly children: readonly OrcType[]
  /** Struct field names, one per child. */
  readonly fieldNames: readonly string[]
  readonly maximumLength?: number
  readonly precision?: number
  readonly scale?: number
  /** Dotted path from the root, for errors (`middle.list._elem.int1`). */
  readonly path: string
}

/** Deeper trees are refused (docs/reliability.md): readers and printers recurse once per level. */
export const MAX_TYPE_DEPTH = 64
/** Digits of an ORC decimal (Hive 0.13 and later): values fit in 127 bits and a sign. */
export const MAX_DECIMAL_PRECISION = 38

const KIND_NAMES = [
  'boolean', 'tinyint', 'smallint', 'int', 'bigint', 'float', 'double', 'string', 'binary', 'timestamp', 'array',
  'map', 'struct', 'uniontype', 'decimal', 'date', 'varchar', 'char', 'timestamp with local time zone',
]

export function kindName(kind: number): string {
  return KIND_NAMES[kind] ?? `kind ${kind}`
}

export function buildTypes(list: readonly Message[]): OrcType {
  if (list.length === 0) throw corrupt('the footer lists no types')
  const parent = new Int32Array(list.length).fill(-1)
  for (let i = 0; i < list.length; i++) {
    const t = list[i]
    const kind = (t.kind as number | undefined) ?? 0
    if (kind > TypeKind.TIMESTAMP_INSTANT) {
      throw new OrcError('UNSUPPORTED_FORMAT', `column ${i} has a type this reader does not know`, { column: String(i), actual: `type kind ${kind}` })
    }
    const subs = (t.subtypes as number[] | undefined) ?? []
    const want = childCount(kind)
    if (want >= 0 ? subs.length !== want : subs.length === 0 && kind === TypeKind.UNION) {
      throw corrupt(`column ${i} (${kindName(kind)}) has ${subs.length} subtypes`, { column: String(i) })
    }
    if (kind === TypeKind.UNION && subs.length > 256) throw corrupt(`column ${i} is a union of ${subs.length} types (at most 256)`, { column: String(i) })
    if (kind === TypeKind.STRUCT && ((t.fieldNames as string[] | undefined) ?? []).length !== subs.length) {
      throw corrupt(`struct column ${i} has ${subs.length} subtypes but ${((t.fieldNames as string[] | undefined) ?? []).length} field names`, { column: String(i) })
    }
    for (const s of subs) {
      if (!Number.isInteger(s) || s <= i || s >= list.length) throw corrupt(`column ${i} names subtype ${s}, which cannot be its child`, { column: String(i) })
      if (parent[s] !== -1) throw corrupt(`column ${s} is the subtype of two columns`, { column: String(s) })
      parent[s] = i
    }
  }
  for (let i = 1; i < list.length; i++) if (parent[i] === -1) throw corrupt(`column ${i} belongs to no parent type`, { column: String(i) })
  return build(list, 0, '', 0)
}

function childCount(kind: number): number {
  switch (kind) {
    case TypeKind.LIST:
      return 1
    case TypeKind.MAP:
      return 2
    case TypeKind.STRUCT:
    case TypeKind.UNION:
      return -1
    default:
      return 0
  }
}

function build(list: readonly Message[], id: number, path: string, depth: number): OrcType {
  if (depth > MAX_TYPE_DEPTH) throw overLimit(`types are nested more than ${MAX_TYPE_DEPTH} levels deep`, { column: path })
  const t = list[id]
  const kind = (t.kind as number | undefined) ?? 0
  const subs = (t.subtypes as number[] | undefined) ?? []
  const names = (t.fieldNames as string[] | undefined) ?? []
  if (kind === TypeKind.DECIMAL) checkDecimal(t, path || 'root')
  const childPath = (i: number) => {
    const part = kind === TypeKind.STRUCT ? names[i] : kind === TypeKind.LIST ? '_elem' : kind === TypeKind.MAP ? (i === 0 ? '_key' : '_value') : String(i)
    return path ? `${path}.${part}` : part
  }
  return {
    id,
    kind,
    children: subs.map((s, i) => build(list, s, childPath(i), depth + 1)),
    fieldNames: kind === TypeKind.STRUCT ? names : [],
    maximumLength: t.maximumLength as number | undefined,
    precision: t.precision as number | undefined,
    scale: t.scale as number | undefined,
    path: path || 'root',
  }
}

/**
 * A decimal's precision is 1–38 and its scale 0–precision. Precision 0 (or none: protobuf's default)
 * is a Hive 0.11/0.12 decimal, which had no precision and whose values carry their own scale (Apache's
 * readers read it so, e.g. orc-file-11-format.orc's `decimal(0,0)`): its scale must then be 0 too.
 * Unchecked, a scale of 10^9 padded every value to a billion digits.
 */
function checkDecimal(t: Message, column: string): void {
  const precision = (t.precision as number | undefined) ?? 0
  const scale = (t.scale as number | undefined) ?? 0
  if (precision > MAX_DECIMAL_PRECISION || scale > precision) {
    throw corrupt('a decimal column has a precision or scale out of range', {
      column,
      expected: `precision 1–${MAX_DECIMAL_PRECISION} and scale 0–precision (precision 0: a Hive 0.11 decimal, scale 0)`,
      actual: `decimal(${precision},${scale})`,
    })
  }
}

/** Apache's type string: `struct<a:int,b:array<string>>`, `decimal(38,18)`, `varchar(4)`. */
export function typeString(t: OrcType): string {
  switch (t.kind) {
    case TypeKind.LIST:
      return `array<${typeString(t.children[0])}>`
    case TypeKind.MAP:
      return `map<${typeString(t.children[0])},${typeString(t.children[1])}>`
    case TypeKind.STRUCT:
      return `struct<${t.children.map((c, i) => `${fieldName(t.fieldNames[i])}:${typeString(c)}`).join(',')}>`
    case TypeKind.UNION:
      return `uniontype<${t.children.map(typeString).join(',')}>`
    case TypeKind.DECIMAL:
      return `decimal(${t.precision ?? 0},${t.scale ?? 0})`
    case TypeKind.VARCHAR:
    case TypeKind.CHAR:
      return `${kindName(t.kind)}(${t.maximumLength ?? 0})`
    default:
      return kindName(t.kind)
  }
}

function fieldName(name: string): string {
  return /^[A-Za-z0-9_]+$/.test(name) ? name : `\`${name.replace(/`/g, '``')}\``
}

/** Every type of the tree, in column-id order. */
export function allTypes(root: OrcType): OrcType[] {
  const out: OrcType[] = []
  const walk = (t: OrcType) => {
    out.push(t)
    t.children.forEach(walk)
  }
  walk(root)
  return out
}
