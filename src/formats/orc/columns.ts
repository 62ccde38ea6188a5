/** The column reader for each type kind, built per stripe (encodings may change from stripe to stripe). */
import { Column, type StripeContext } from './column.js'
import { DecimalColumn } from './column-decimal.js'
import { FloatColumn } from './column-float.js'
import { BooleanColumn, ByteColumn, IntColumn } from './column-int.js'
import { RepeatedColumn, StructColumn, UnionColumn } from './column-nested.js'
import { StringColumn } from './column-string.js'
import { TimestampColumn } from './column-time.js'
import { OrcError } from './errors.js'
import { TypeKind } from './proto.js'
import type { OrcType } from './types.js'

/**
 * The reader of `type` and its subtree. `fields`: for the root struct, the indexes of the fields
 * to read (projection); every field when undefined. `encrypted`: column ids that cannot be read.
 */
export function createColumn(type: OrcType, ctx: StripeContext, encrypted: ReadonlySet<number>, fields?: readonly number[]): Column {
  if (encrypted.has(type.id)) {
    throw new OrcError('UNSUPPORTED_FORMAT', 'the column is encrypted', { column: type.path, expected: 'an unencrypted column' })
  }
  const child = (t: OrcType) => createColumn(t, ctx, encrypted)
  switch (type.kind) {
    case TypeKind.BOOLEAN:
      return new BooleanColumn(type, ctx)
    case TypeKind.BYTE:
      return new ByteColumn(type, ctx)
    case TypeKind.SHORT:
    case TypeKind.INT:
    case TypeKind.LONG:
    case TypeKind.DATE:
      return new IntColumn(type, ctx)
    case TypeKind.FLOAT:
    case TypeKind.DOUBLE:
      return new FloatColumn(type, ctx)
    case TypeKind.STRING:
    case TypeKind.VARCHAR:
    case TypeKind.CHAR:
    case TypeKind.BINARY:
      return new StringColumn(type, ctx)
    case TypeKind.TIMESTAMP:
    case TypeKind.TIMESTAMP_INSTANT:
      return new TimestampColumn(type, ctx)
    case TypeKind.DECIMAL:
      return new DecimalColumn(type, ctx)
    case TypeKind.STRUCT: {
      const chosen = fields ?? type.children.map((_, i) => i)
      return new StructColumn(type, ctx, chosen.map((i) => child(type.children[i])), chosen.map((i) => type.fieldNames[i]))
    }
    case TypeKind.LIST:
    case TypeKind.MAP:
      return new RepeatedColumn(type, ctx, type.children.map(child))
    case TypeKind.UNION:
      return new UnionColumn(type, ctx, type.children.map(child))
    default:
      throw new OrcError('UNSUPPORTED_FORMAT', 'the column has a type this reader does not know', { column: type.path, actual: `type kind ${type.kind}` })
  }
}
