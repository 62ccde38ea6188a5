/**
 * Parquet footer (FileMetaData) and page headers, from thrift field ids to named fields. Every number
 * is checked to be a non-negative safe integer here; checks against each other (row counts, offsets)
 * are footer.ts's and pages.ts's.
 */
import { readStruct, ThriftError, type ThriftStruct, type ThriftValue } from './thrift.js'

export const PhysicalType = { BOOLEAN: 0, INT32: 1, INT64: 2, INT96: 3, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6, FIXED_LEN_BYTE_ARRAY: 7 } as const
export const PHYSICAL_NAMES = ['BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY']
export const Encoding = {
  PLAIN: 0,
  PLAIN_DICTIONARY: 2,
  RLE: 3,
  BIT_PACKED: 4,
  DELTA_BINARY_PACKED: 5,
  DELTA_LENGTH_BYTE_ARRAY: 6,
  DELTA_BYTE_ARRAY: 7,
  RLE_DICTIONARY: 8,
  BYTE_STREAM_SPLIT: 9,
} as const
export const ENCODING_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Encoding).map(([k, v]) => [v, k]))
export const Codec = { UNCOMPRESSED: 0, SNAPPY: 1, GZIP: 2, LZO: 3, BROTLI: 4, LZ4: 5, ZSTD: 6, LZ4_RAW: 7 } as const
export const CODEC_NAMES = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'LZO', 'BROTLI', 'LZ4', 'ZSTD', 'LZ4_RAW']
export const PageType = { DATA_PAGE: 0, INDEX_PAGE: 1, DICTIONARY_PAGE: 2, DATA_PAGE_V2: 3 } as const
/** Legacy ConvertedType values, by name. */
export const ConvertedType = {
  UTF8: 0, MAP: 1, MAP_KEY_VALUE: 2, LIST: 3, ENUM: 4, DECIMAL: 5, DATE: 6, TIME_MILLIS: 7, TIME_MICROS: 8, TIMESTAMP_MILLIS: 9,
  TIMESTAMP_MICROS: 10, UINT_8: 11, UINT_16: 12, UINT_32: 13, UINT_64: 14, INT_8: 15, INT_16: 16, INT_32: 17, INT_64: 18, JSON: 19,
  BSON: 20, INTERVAL: 21,
} as const

export type TimeUnit = 'MILLIS' | 'MICROS' | 'NANOS'

/** A column's logical type, from LogicalType (preferred) or the legacy ConvertedType. */
export type Logical =
  | { type: 'STRING' | 'ENUM' | 'JSON' | 'BSON' | 'UUID' | 'FLOAT16' | 'DATE' | 'INTERVAL' | 'UNKNOWN' }
  | { type: 'INTEGER'; bitWidth: number; signed: boolean }
  | { type: 'DECIMAL'; scale: number; precision: number }
  | { type: 'TIME' | 'TIMESTAMP'; unit: TimeUnit; utc: boolean }
  | { type: 'OTHER'; name: string }

export interface SchemaElement {
  name: string
  type?: number
  typeLength?: number
  /** 0 REQUIRED, 1 OPTIONAL, 2 REPEATED */
  repetition?: number
  numChildren?: number
  convertedType?: number
  logical?: Logical
}

export interface Statistics {
  minValue?: Uint8Array
  maxValue?: Uint8Array
  nullCount?: number
}

export interface ColumnChunkMeta {
  path: string[]
  type: number
  codec: number
  encodings: number[]
  numValues: number
  totalCompressedSize: number
  totalUncompressedSize: number
  dataPageOffset: number
  dictionaryPageOffset?: number
  statistics?: Statistics
}

export interface RowGroupMeta {
  numRows: number
  columns: ColumnChunkMeta[]
}

export interface FileMeta {
  version: number
  schema: SchemaElement[]
  numRows: number
  rowGroups: RowGroupMeta[]
  createdBy?: string
  keyValueMetadata?: { key: string; value?: string }[]
}

/** A count, size or offset: a non-negative safe integer, or the footer is corrupt. */
const count = (v: ThriftValue, what: string): number => {
  if (typeof v !== 'number') throw new ThriftError(`missing ${what}`)
  if (!Number.isSafeInteger(v) || v < 0) throw new ThriftError(`${what} ${v} is not a valid count`)
  return v
}
const optCount = (v: ThriftValue, what: string): number | undefined => (v === undefined ? undefined : count(v, what))
const int = (v: ThriftValue, what: string): number => {
  if (typeof v !== 'number') throw new ThriftError(`missing ${what}`)
  return v
}
const optInt = (v: ThriftValue): number | undefined => (typeof v === 'number' ? v : undefined)
const str = (v: ThriftValue): string | undefined => (v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.length).toString('utf8') : undefined)
const list = (v: ThriftValue, what: string): ThriftValue[] => {
  if (!Array.isArray(v)) throw new ThriftError(`missing ${what}`)
  return v
}
const struct = (v: ThriftValue, what: string): ThriftStruct => {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) throw new ThriftError(`${what} is not a struct`)
  return v as ThriftStruct
}

/** `budget`: decoded thrift values allowed (see docs/reliability.md, Limits). */
export function parseFileMeta(buf: Uint8Array, budget?: number): FileMeta {
  const s = readStruct({ buf, pos: 0, budget })
  const schema = list(s[2], 'schema').map((e) => schemaElement(struct(e, 'schema element')))
  const rowGroups = list(s[4], 'row_groups').map((rg) => rowGroup(struct(rg, 'row group')))
  const kv = Array.isArray(s[5]) ? s[5].map((e) => struct(e, 'key_value')).map((e) => ({ key: str(e[1]) ?? '', value: str(e[2]) })) : undefined
  return { version: int(s[1], 'version'), schema, numRows: count(s[3], 'num_rows'), rowGroups, createdBy: str(s[6]), keyValueMetadata: kv }
}

const UNITS: Record<number, TimeUnit> = { 1: 'MILLIS', 2: 'MICROS', 3: 'NANOS' }

function timeUnit(u: ThriftValue): TimeUnit {
  const unit = typeof u === 'object' && u !== null && !(u instanceof Uint8Array) && !Array.isArray(u) ? Object.keys(u).map(Number).find((k) => UNITS[k]) : undefined
  if (unit === undefined) throw new ThriftError('time unit missing')
  return UNITS[unit]
}

function logicalType(l: ThriftStruct): Logical {
  const id = Object.keys(l).map(Number)[0]
  const body = l[id] as ThriftStruct
  switch (id) {
    case 1:
      return { type: 'STRING' }
    case 4:
      return { type: 'ENUM' }
    case 5:
      return { type: 'DECIMAL', scale: int(body[1], 'decimal scale'), precision: int(body[2], 'decimal precision') }
    case 6:
      return { type: 'DATE' }
    case 7:
      return { type: 'TIME', utc: Boolean(body[1]), unit: timeUnit(body[2]) }
    case 8:
      return { type: 'TIMESTAMP', utc: Boolean(body[1]), unit: timeUnit(body[2]) }
    case 10:
      return { type: 'INTEGER', bitWidth: int(body[1], 'integer bit width'), signed: Boolean(body[2]) }
    case 11:
      return { type: 'UNKNOWN' }
    case 12:
      return { type: 'JSON' }
    case 13:
      return { type: 'BSON' }
    case 14:
      return { type: 'UUID' }
    case 15:
      return { type: 'FLOAT16' }
    default:
      return { type: 'OTHER', name: ({ 2: 'MAP', 3: 'LIST', 16: 'VARIANT', 17: 'GEOMETRY', 18: 'GEOGRAPHY' } as Record<number, string>)[id] ?? `logical type ${id}` }
  }
}

/** The logical type a legacy ConvertedType means (for files written before LogicalType). */
function fromConverted(c: number, e: ThriftStruct): Logical | undefined {
  const C = ConvertedType
  switch (c) {
    case C.UTF8:
      return { type: 'STRING' }
    case C.ENUM:
      return { type: 'ENUM' }
    case C.JSON:
      return { type: 'JSON' }
    case C.BSON:
      return { type: 'BSON' }
    case C.DATE:
      return { type: 'DATE' }
    case C.INTERVAL:
      return { type: 'INTERVAL' }
    case C.DECIMAL:
      return { type: 'DECIMAL', scale: optInt(e[7]) ?? 0, precision: optInt(e[8]) ?? 0 }
    case C.TIME_MILLIS:
    case C.TIME_MICROS:
      return { type: 'TIME', unit: c === C.TIME_MILLIS ? 'MILLIS' : 'MICROS', utc: true }
    case C.TIMESTAMP_MILLIS:
    case C.TIMESTAMP_MICROS:
      return { type: 'TIMESTAMP', unit: c === C.TIMESTAMP_MILLIS ? 'MILLIS' : 'MICROS', utc: true }
    case C.UINT_8:
    case C.UINT_16:
    case C.UINT_32:
    case C.UINT_64:
      return { type: 'INTEGER', bitWidth: 8 << (c - C.UINT_8), signed: false }
    case C.INT_8:
    case C.INT_16:
    case C.INT_32:
    case C.INT_64:
      return { type: 'INTEGER', bitWidth: 8 << (c - C.INT_8), signed: true }
    case C.MAP:
    case C.MAP_KEY_VALUE:
    case C.LIST:
      return { type: 'OTHER', name: c === C.LIST ? 'LIST' : 'MAP' }
    default:
      return undefined
  }
}

function schemaElement(e: ThriftStruct): SchemaElement {
  const converted = optInt(e[6])
  const l = e[10]
  const logical = l !== undefined && Object.keys(struct(l, 'logical type')).length > 0 ? logicalType(l as ThriftStruct) : converted !== undefined ? fromConverted(converted, e) : undefined
  return {
    name: str(e[4]) ?? '',
    type: optInt(e[1]),
    typeLength: optInt(e[2]),
    repetition: optInt(e[3]),
    numChildren: optCount(e[5], 'num_children'),
    convertedType: converted,
    logical,
  }
}

function rowGroup(rg: ThriftStruct): RowGroupMeta {
  return {
    numRows: count(rg[3], 'row group num_rows'),
    columns: list(rg[1], 'row group columns').map((cc) => {
      const chunk = struct(cc, 'column chunk')
      if (chunk[1] !== undefined) throw new ThriftError('column chunks in external files are not supported')
      const md = chunk[3] === undefined ? undefined : struct(chunk[3], 'column meta_data')
      if (!md) throw new ThriftError('missing column meta_data')
      const stats = md[12] === undefined ? undefined : struct(md[12], 'statistics')
      return {
        path: list(md[3], 'path_in_schema').map((p) => str(p) ?? ''),
        type: int(md[1], 'column type'),
        codec: int(md[4], 'codec'),
        encodings: Array.isArray(md[2]) ? md[2].map((x) => int(x, 'encoding')) : [],
        numValues: count(md[5], 'num_values'),
        totalUncompressedSize: count(md[6], 'total_uncompressed_size'),
        totalCompressedSize: count(md[7], 'total_compressed_size'),
        dataPageOffset: count(md[9], 'data_page_offset'),
        dictionaryPageOffset: typeof md[11] === 'number' ? md[11] : undefined,
        // Only the newer min_value/max_value fields: the old min/max used signed byte order for strings.
        statistics: stats && {
          minValue: stats[6] instanceof Uint8Array ? stats[6] : undefined,
          maxValue: stats[5] instanceof Uint8Array ? stats[5] : undefined,
          nullCount: optInt(stats[3]),
        },
      }
    }),
  }
}

export interface PageHeader {
  type: number
  uncompressedSize: number
  compressedSize: number
  /** Values in the page, nulls included. */
  numValues: number
  encoding: number
  /** v1: encoding of definition levels (RLE or BIT_PACKED). */
  defEncoding?: number
  /** v2 only */
  numNulls?: number
  numRows?: number
  defLevelsLength?: number
  repLevelsLength?: number
  isCompressed?: boolean
}

export function parsePageHeader(buf: Uint8Array, pos: number): { header: PageHeader; end: number } {
  const c = { buf, pos, budget: 4096 }
  const s = readStruct(c)
  const type = int(s[1], 'page type')
  const base = {
    type,
    uncompressedSize: count(s[2], 'uncompressed_page_size'),
    compressedSize: count(s[3], 'compressed_page_size'),
  }
  let header: PageHeader
  const sub = (v: ThriftValue, what: string) => (v === undefined ? undefined : struct(v, what))
  if (type === PageType.DATA_PAGE) {
    const d = sub(s[5], 'data_page_header')
    if (!d) throw new ThriftError('missing data_page_header')
    header = { ...base, numValues: count(d[1], 'num_values'), encoding: int(d[2], 'encoding'), defEncoding: optInt(d[3]) }
  } else if (type === PageType.DATA_PAGE_V2) {
    const d = sub(s[8], 'data_page_header_v2')
    if (!d) throw new ThriftError('missing data_page_header_v2')
    header = {
      ...base,
      numValues: count(d[1], 'num_values'),
      numNulls: count(d[2], 'num_nulls'),
      numRows: count(d[3], 'num_rows'),
      encoding: int(d[4], 'encoding'),
      defLevelsLength: count(d[5], 'definition_levels_byte_length'),
      repLevelsLength: count(d[6], 'repetition_levels_byte_length'),
      isCompressed: d[7] === undefined ? true : Boolean(d[7]),
    }
  } else if (type === PageType.DICTIONARY_PAGE) {
    const d = sub(s[7], 'dictionary_page_header')
    if (!d) throw new ThriftError('missing dictionary_page_header')
    header = { ...base, numValues: count(d[1], 'num_values'), encoding: int(d[2], 'encoding') }
  } else {
    header = { ...base, numValues: 0, encoding: 0 }
  }
  return { header, end: c.pos }
}
