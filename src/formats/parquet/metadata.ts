/** Parquet footer (FileMetaData) and page headers, from thrift field ids to named fields. */
import { readStruct, ThriftError, type ThriftStruct, type ThriftValue } from './thrift.js'

export const PhysicalType = { BOOLEAN: 0, INT32: 1, INT64: 2, INT96: 3, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6, FIXED_LEN_BYTE_ARRAY: 7 } as const
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
export const Codec = { UNCOMPRESSED: 0, SNAPPY: 1, GZIP: 2, LZO: 3, BROTLI: 4, LZ4: 5, ZSTD: 6, LZ4_RAW: 7 } as const
export const CODEC_NAMES = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'LZO', 'BROTLI', 'LZ4', 'ZSTD', 'LZ4_RAW']
export const PageType = { DATA_PAGE: 0, INDEX_PAGE: 1, DICTIONARY_PAGE: 2, DATA_PAGE_V2: 3 } as const
export const ConvertedType = { UTF8: 0, TIMESTAMP_MILLIS: 9, TIMESTAMP_MICROS: 10 } as const

export type TimeUnit = 'MILLIS' | 'MICROS' | 'NANOS'

export interface SchemaElement {
  name: string
  type?: number
  typeLength?: number
  /** 0 REQUIRED, 1 OPTIONAL, 2 REPEATED */
  repetition?: number
  numChildren?: number
  convertedType?: number
  /** Set for TIMESTAMP logical types (or TIMESTAMP_* converted types). */
  timestampUnit?: TimeUnit
  isString: boolean
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
  numValues: number
  totalCompressedSize: number
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
}

const num = (v: ThriftValue, what: string): number => {
  if (typeof v !== 'number') throw new ThriftError(`missing ${what}`)
  return v
}
const str = (v: ThriftValue): string | undefined => (v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.length).toString('utf8') : undefined)
const list = (v: ThriftValue, what: string): ThriftValue[] => {
  if (!Array.isArray(v)) throw new ThriftError(`missing ${what}`)
  return v
}

export function parseFileMeta(buf: Uint8Array): FileMeta {
  const s = readStruct({ buf, pos: 0 })
  const schema = list(s[2], 'schema').map((e) => schemaElement(e as ThriftStruct))
  const rowGroups = list(s[4], 'row_groups').map((rg) => rowGroup(rg as ThriftStruct))
  return { version: num(s[1], 'version'), schema, numRows: num(s[3], 'num_rows'), rowGroups, createdBy: str(s[6]) }
}

function schemaElement(e: ThriftStruct): SchemaElement {
  const logical = e[10] as ThriftStruct | undefined
  let timestampUnit: TimeUnit | undefined
  const converted = e[6] as number | undefined
  if (logical && logical[8]) {
    const unit = (logical[8] as ThriftStruct)[2] as ThriftStruct | undefined
    timestampUnit = unit?.[1] ? 'MILLIS' : unit?.[2] ? 'MICROS' : unit?.[3] ? 'NANOS' : undefined
  } else if (converted === ConvertedType.TIMESTAMP_MILLIS) timestampUnit = 'MILLIS'
  else if (converted === ConvertedType.TIMESTAMP_MICROS) timestampUnit = 'MICROS'
  return {
    name: str(e[4]) ?? '',
    type: e[1] as number | undefined,
    typeLength: e[2] as number | undefined,
    repetition: e[3] as number | undefined,
    numChildren: e[5] as number | undefined,
    convertedType: converted,
    timestampUnit,
    isString: converted === ConvertedType.UTF8 || Boolean(logical && (logical[1] || logical[4] || logical[12])),
  }
}

function rowGroup(rg: ThriftStruct): RowGroupMeta {
  return {
    numRows: num(rg[3], 'row group num_rows'),
    columns: list(rg[1], 'row group columns').map((cc) => {
      const chunk = cc as ThriftStruct
      if (chunk[1] !== undefined) throw new ThriftError('column chunks in external files are not supported')
      const md = chunk[3] as ThriftStruct | undefined
      if (!md) throw new ThriftError('missing column meta_data')
      const stats = md[12] as ThriftStruct | undefined
      return {
        path: list(md[3], 'path_in_schema').map((p) => str(p) ?? ''),
        type: num(md[1], 'column type'),
        codec: num(md[4], 'codec'),
        numValues: num(md[5], 'num_values'),
        totalCompressedSize: num(md[7], 'total_compressed_size'),
        dataPageOffset: num(md[9], 'data_page_offset'),
        dictionaryPageOffset: md[11] as number | undefined,
        // Only the newer min_value/max_value fields: the old min/max used signed byte order for strings.
        statistics: stats && {
          minValue: stats[6] as Uint8Array | undefined,
          maxValue: stats[5] as Uint8Array | undefined,
          nullCount: stats[3] as number | undefined,
        },
      }
    }),
  }
}

export interface PageHeader {
  type: number
  uncompressedSize: number
  compressedSize: number
  crc?: number
  /** Values in the page, nulls included. */
  numValues: number
  encoding: number
  /** v1: encoding of definition levels (RLE or BIT_PACKED). */
  defEncoding?: number
  /** v2 only */
  numNulls?: number
  defLevelsLength?: number
  repLevelsLength?: number
  isCompressed?: boolean
}

export function parsePageHeader(buf: Uint8Array, pos: number): { header: PageHeader; end: number } {
  const c = { buf, pos }
  const s = readStruct(c)
  const type = num(s[1], 'page type')
  const base = {
    type,
    uncompressedSize: num(s[2], 'uncompressed_page_size'),
    compressedSize: num(s[3], 'compressed_page_size'),
    crc: s[4] as number | undefined,
  }
  let header: PageHeader
  if (type === PageType.DATA_PAGE) {
    const d = s[5] as ThriftStruct
    if (!d) throw new ThriftError('missing data_page_header')
    header = { ...base, numValues: num(d[1], 'num_values'), encoding: num(d[2], 'encoding'), defEncoding: d[3] as number }
  } else if (type === PageType.DATA_PAGE_V2) {
    const d = s[8] as ThriftStruct
    if (!d) throw new ThriftError('missing data_page_header_v2')
    header = {
      ...base,
      numValues: num(d[1], 'num_values'),
      numNulls: num(d[2], 'num_nulls'),
      encoding: num(d[4], 'encoding'),
      defLevelsLength: num(d[5], 'definition_levels_byte_length'),
      repLevelsLength: num(d[6], 'repetition_levels_byte_length'),
      isCompressed: d[7] === undefined ? true : Boolean(d[7]),
    }
  } else if (type === PageType.DICTIONARY_PAGE) {
    const d = s[7] as ThriftStruct
    if (!d) throw new ThriftError('missing dictionary_page_header')
    header = { ...base, numValues: num(d[1], 'num_values'), encoding: num(d[2], 'encoding') }
  } else {
    header = { ...base, numValues: 0, encoding: 0 }
  }
  if (header.compressedSize < 0 || header.uncompressedSize < 0 || header.numValues < 0) throw new ThriftError('negative page size')
  return { header, end: c.pos }
}
