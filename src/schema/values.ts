import { isUtf8 } from 'node:buffer'
import type { FastBuffer } from '../codecs/buffers.js'
/**
 * Per-field conversions from inventory text to typed values. They run once per field per row, so
 * the hot ones read char codes in place (no substring first). On bad input they throw `ValueError`,
 * which the format reader turns into an S3InventoryError carrying the file, row and column.
 */
export class ValueError extends Error {
  constructor(
    readonly code: 'VALUE_INVALID' | 'KEY_DECODE_FAILED',
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`expected ${expected}, got ${JSON.stringify(actual)}`)
  }
}

const PLUS = /\+/g

/**
 * Decode a CSV inventory key: `+` and `%20` both mean space, then percent-decoding as UTF-8.
 * Decodes exactly once (a key `a%2520b` becomes `a%20b`).
 */
export function decodeKey(s: string): string {
  if (s.indexOf('%') === -1) return s.indexOf('+') === -1 ? s : s.replace(PLUS, ' ')
  try {
    return decodeURIComponent(s.indexOf('+') === -1 ? s : s.replace(PLUS, ' '))
  } catch {
    throw new ValueError('KEY_DECODE_FAILED', 'a URL-encoded key (valid %XX escapes of UTF-8)', s)
  }
}

const HEX = new Int8Array(256).fill(-1)
for (let i = 0; i < 10; i++) HEX[48 + i] = i
for (let i = 0; i < 6; i++) HEX[65 + i] = HEX[97 + i] = 10 + i

const KEY_EXPECTED = 'a URL-encoded key (valid %XX escapes of UTF-8)'

/**
 * decodeKey on bytes: the ASCII key src[s, e) decoded (`+` → space, `%XX` → byte) into out[o…];
 * returns where it ended. Bit 0x80 of `flags[0]` is set when a decoded byte is not ASCII (the
 * caller then checks the key is UTF-8: keyIsUtf8). Same rules and errors as decodeKey.
 */
export function decodeKeyInto(src: Uint8Array, s: number, e: number, out: Uint8Array, o: number, flags: Uint8Array): number {
  // Most of a key needs no decoding: copy the run before the first escape in one native call.
  let i = s
  while (i < e && src[i] !== 37 && src[i] !== 43) i++
  if (i - s > 24) {
    out.set(src.subarray(s, i), o)
    o += i - s
  } else for (let k = s; k < i; k++) out[o++] = src[k]
  for (; i < e; i++) {
    const c = src[i]
    if (c === 43) out[o++] = 32
    else if (c !== 37) out[o++] = c
    else {
      const h = i + 2 < e ? HEX[src[i + 1]] : -1
      const l = i + 2 < e ? HEX[src[i + 2]] : -1
      if (h < 0 || l < 0) throw new ValueError('KEY_DECODE_FAILED', KEY_EXPECTED, Buffer.from(src.buffer, src.byteOffset + s, e - s).toString('latin1'))
      const v = (h << 4) | l
      flags[0] |= v & 0x80
      out[o++] = v
      i += 2
    }
  }
  return o
}

/** KEY_DECODE_FAILED unless the decoded bytes out[s, e) are UTF-8 (decodeURIComponent's rule). */
export function keyIsUtf8(out: Uint8Array, s: number, e: number, raw: () => string): void {
  if (!isUtf8(out.subarray(s, e))) throw new ValueError('KEY_DECODE_FAILED', KEY_EXPECTED, raw())
}

let scratch = Buffer.allocUnsafe(4096) as FastBuffer
const scratchFlags = new Uint8Array(1)

/** decodeKey straight from ASCII bytes b[s, e): one string made, from the decoded bytes. */
export function decodeKeyBytes(b: FastBuffer, s: number, e: number): string {
  let i = s
  while (i < e && b[i] !== 37 && b[i] !== 43) i++
  if (i === e) return b.latin1Slice(s, e)
  if (scratch.length < e - s) scratch = Buffer.allocUnsafe(Math.max(2 * scratch.length, e - s)) as FastBuffer
  scratchFlags[0] = 0
  const o = decodeKeyInto(b, s, e, scratch, 0, scratchFlags)
  if (scratchFlags[0] === 0) return scratch.latin1Slice(0, o)
  keyIsUtf8(scratch, 0, o, () => b.latin1Slice(s, e))
  return scratch.utf8Slice(0, o)
}

/** Decimal integer in t[s, e) → number (undefined when empty). Sizes are < 2^53 (5 TiB max object). */
export function sizeAt(t: string, s: number, e: number): number | undefined {
  const n = e - s
  if (n === 0) return undefined
  if (n <= 15) {
    let v = 0
    let i = s
    for (; i < e; i++) {
      const d = t.charCodeAt(i) - 48
      if (d < 0 || d > 9) break
      v = v * 10 + d
    }
    if (i === e) return v
  }
  const x = t.slice(s, e).trim()
  if (/^\d+$/.test(x)) {
    const v = Number(x)
    if (Number.isSafeInteger(v)) return v
  }
  throw new ValueError('VALUE_INVALID', 'a non-negative integer', t.slice(s, e))
}

/** `true`/`false` (real files) or `True`/`False` (the docs) in t[s, e); undefined when empty. */
export function booleanAt(t: string, s: number, e: number): boolean | undefined {
  const n = e - s
  if (n === 4 && t.charCodeAt(s) === 116 && t.charCodeAt(s + 1) === 114 && t.charCodeAt(s + 2) === 117 && t.charCodeAt(s + 3) === 101) return true
  if (n === 5 && t.charCodeAt(s) === 102 && t.charCodeAt(s + 1) === 97 && t.charCodeAt(s + 2) === 108 && t.charCodeAt(s + 3) === 115 && t.charCodeAt(s + 4) === 101) return false
  if (n === 0) return undefined
  const l = t.slice(s, e).trim().toLowerCase()
  if (l === 'true') return true
  if (l === 'false') return false
  throw new ValueError('VALUE_INVALID', 'true or false', t.slice(s, e))
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31
}

/** Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

/** `2024-05-06T22:37:48.000Z` in t[s, e) → epoch ms on a fast path; other ISO-8601 forms via Date.parse. */
export function dateMsAt(t: string, s: number, e: number): number {
  if (e - s === 24 && t.charCodeAt(s + 23) === 90 && t.charCodeAt(s + 10) === 84 && t.charCodeAt(s + 19) === 46 &&
    t.charCodeAt(s + 4) === 45 && t.charCodeAt(s + 7) === 45 && t.charCodeAt(s + 13) === 58 && t.charCodeAt(s + 16) === 58) {
    const y0 = t.charCodeAt(s) - 48, y1 = t.charCodeAt(s + 1) - 48, y2 = t.charCodeAt(s + 2) - 48, y3 = t.charCodeAt(s + 3) - 48
    const m0 = t.charCodeAt(s + 5) - 48, m1 = t.charCodeAt(s + 6) - 48, d0 = t.charCodeAt(s + 8) - 48, d1 = t.charCodeAt(s + 9) - 48
    const h0 = t.charCodeAt(s + 11) - 48, h1 = t.charCodeAt(s + 12) - 48, i0 = t.charCodeAt(s + 14) - 48, i1 = t.charCodeAt(s + 15) - 48
    const s0 = t.charCodeAt(s + 17) - 48, s1 = t.charCodeAt(s + 18) - 48
    const f0 = t.charCodeAt(s + 20) - 48, f1 = t.charCodeAt(s + 21) - 48, f2 = t.charCodeAt(s + 22) - 48
    // Every digit in 0–9: the unsigned compare also rejects chars below '0'.
    if ((y0 >>> 0) <= 9 && (y1 >>> 0) <= 9 && (y2 >>> 0) <= 9 && (y3 >>> 0) <= 9 && (m0 >>> 0) <= 9 && (m1 >>> 0) <= 9 &&
      (d0 >>> 0) <= 9 && (d1 >>> 0) <= 9 && (h0 >>> 0) <= 9 && (h1 >>> 0) <= 9 && (i0 >>> 0) <= 9 && (i1 >>> 0) <= 9 &&
      (s0 >>> 0) <= 9 && (s1 >>> 0) <= 9 && (f0 >>> 0) <= 9 && (f1 >>> 0) <= 9 && (f2 >>> 0) <= 9) {
      const y = y0 * 1000 + y1 * 100 + y2 * 10 + y3
      const mo = m0 * 10 + m1
      const d = d0 * 10 + d1
      const h = h0 * 10 + h1
      const mi = i0 * 10 + i1
      const se = s0 * 10 + s1
      if (mo >= 1 && mo <= 12 && d >= 1 && (d <= 28 || d <= daysInMonth(y, mo)) && h <= 23 && mi <= 59 && se <= 59) {
        return daysFromCivil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + se * 1000 + f0 * 100 + f1 * 10 + f2
      }
    }
  }
  const raw = t.slice(s, e)
  const x = raw.trim()
  // Date.parse also accepts forms like "May 6" and rolls Feb 30 over to March: require an ISO shape
  // with a real calendar date first. A date-time without a zone is UTC in inventories.
  const m = /^(\d{4})-(\d{2})-(\d{2})(T(\d{2}):(\d{2})(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(x)
  const ok = m !== null && +m[2] >= 1 && +m[2] <= 12 && +m[3] >= 1 && +m[3] <= daysInMonth(+m[1], +m[2]) && (m[5] === undefined || +m[5] <= 23)
  const v = ok ? Date.parse(m![4] !== undefined && m![9] === undefined ? `${x}Z` : x) : NaN
  if (Number.isNaN(v)) throw new ValueError('VALUE_INVALID', 'an ISO-8601 timestamp like 2024-05-06T22:37:48.000Z', raw)
  return v
}

export function parseSize(s: string): number {
  const v = sizeAt(s, 0, s.length)
  if (v === undefined) throw new ValueError('VALUE_INVALID', 'a non-negative integer', s)
  return v
}

export function parseBoolean(s: string): boolean {
  const v = booleanAt(s, 0, s.length)
  if (v === undefined) throw new ValueError('VALUE_INVALID', 'true or false', s)
  return v
}

export const parseDateMs = (s: string): number => dateMsAt(s, 0, s.length)
