/**
 * ORC values as Apache ORC's own tools print them (orc-contents, the examples' expected/*.jsn.gz):
 * one JSON value per row, `{"a": 1, "b": [2, 3]}`; 64-bit integers exact; decimals as exact JSON
 * numbers padded (or truncated, as Apache does) to the type's scale, 6 for Hive 0.11 decimals that
 * have none; floats with the shortest digits that read back as the same float32; doubles with 14
 * significant digits (`exactDoubles`: every digit); timestamps as wall-clock
 * `YYYY-MM-DD HH:MM:SS.f…`; dates `YYYY-MM-DD`; binary as arrays of byte values; maps as arrays of
 * `{"key", "value"}`; unions as `{"tag", "value"}`; NaN and infinities as null (JSON has none).
 */
import { Decimal, float32Text, invalidDate, LocalDate, Timestamp } from '../../schema/exact.js'
import { TypeKind } from './proto.js'
import type { OrcType } from './types.js'

export interface OrcJsonOptions {
  /** Doubles with all their digits (the shortest text that reads back exactly) instead of Apache's 14. */
  exactDoubles?: boolean
}

/** Apache's scale for Hive 0.11 decimals, which carry none (the C++ reader's forcedScaleOnHive11Decimal). */
const HIVE11_SCALE = 6

export function orcJson(value: unknown, type: OrcType, o: OrcJsonOptions = {}): string {
  if (value === null || value === undefined) return 'null'
  switch (type.kind) {
    case TypeKind.BOOLEAN:
      return value ? 'true' : 'false'
    case TypeKind.BYTE:
    case TypeKind.SHORT:
    case TypeKind.INT:
    case TypeKind.LONG:
      return String(value)
    case TypeKind.FLOAT:
      return Number.isFinite(value) ? float32Text(value as number) : 'null'
    case TypeKind.DOUBLE:
      return doubleText(value as number, o.exactDoubles ?? false)
    case TypeKind.STRING:
    case TypeKind.VARCHAR:
    case TypeKind.CHAR:
      return JSON.stringify(value)
    case TypeKind.BINARY:
      return `[${Array.from(value as Uint8Array).join(', ')}]`
    case TypeKind.TIMESTAMP:
    case TypeKind.TIMESTAMP_INSTANT:
      if (Number.isNaN((value as Timestamp).getTime())) throw invalidDate()
      return JSON.stringify((value as Timestamp).wallClock())
    case TypeKind.DATE:
      if (Number.isNaN((value as LocalDate).getTime())) throw invalidDate()
      return JSON.stringify((value as LocalDate).toJSON())
    case TypeKind.DECIMAL: {
      const d = value as Decimal
      return rescale(d, (type.precision ?? 0) > 0 ? (type.scale ?? 0) : HIVE11_SCALE).toString()
    }
    case TypeKind.STRUCT: {
      const r = value as Record<string, unknown>
      const parts: string[] = []
      type.children.forEach((c, i) => {
        const name = type.fieldNames[i]
        if (name in r) parts.push(`${JSON.stringify(name)}: ${orcJson(r[name], c, o)}`)
      })
      return `{${parts.join(', ')}}`
    }
    case TypeKind.LIST:
      return `[${(value as unknown[]).map((v) => orcJson(v, type.children[0], o)).join(', ')}]`
    case TypeKind.MAP:
      return `[${(value as { key: unknown; value: unknown }[])
        .map((e) => `{"key": ${orcJson(e.key, type.children[0], o)}, "value": ${orcJson(e.value, type.children[1], o)}}`)
        .join(', ')}]`
    case TypeKind.UNION: {
      const u = value as { tag: number; value: unknown }
      return `{"tag": ${u.tag}, "value": ${orcJson(u.value, type.children[u.tag], o)}}`
    }
    default:
      return JSON.stringify(String(value))
  }
}

/** `%.14g`, as Apache's printer writes doubles, without its exponent form for large magnitudes. */
function doubleText(v: number, exact: boolean): string {
  if (!Number.isFinite(v)) return 'null'
  if (exact) return JSON.stringify(v)
  return String(Number(v.toPrecision(14)))
}

/** The decimal at `scale` digits: padded with zeros, or truncated towards zero as Apache's reader does. */
function rescale(d: Decimal, scale: number): Decimal {
  if (d.scale === scale) return d
  if (d.scale < scale) return new Decimal(d.unscaled * 10n ** BigInt(scale - d.scale), scale)
  return new Decimal(d.unscaled / 10n ** BigInt(d.scale - scale), scale)
}
