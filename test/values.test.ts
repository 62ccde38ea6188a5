import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { FastBuffer } from '../src/codecs/buffers.js'
import { camelCase, fieldForColumnName, fieldForCsvName } from '../src/schema/fields.js'
import { booleanAt, dateMsAt, decodeKey, decodeKeyBytes, parseBoolean, parseDateMs, parseSize, sizeAt, ValueError } from '../src/schema/values.js'

describe('decodeKey (CSV inventory keys)', () => {
  it('treats both + and %20 as a space', () => {
    expect(decodeKey('a+b%20c')).toBe('a b c')
    expect(decodeKey('with+space/and+two++spaces.txt')).toBe('with space/and two  spaces.txt')
  })
  it('decodes a literal plus written as %2B, and percent as %25, exactly once', () => {
    expect(decodeKey('a%2Bb')).toBe('a+b')
    expect(decodeKey('100%25')).toBe('100%')
    expect(decodeKey('literal%2520')).toBe('literal%20')
  })
  it('decodes UTF-8 escapes', () => {
    expect(decodeKey('caf%C3%A9/%F0%9F%98%80.png')).toBe('café/😀.png')
  })
  it('leaves keys without escapes as they are', () => {
    const k = 'plain/key-with_chars.:'
    expect(decodeKey(k)).toBe(k)
  })
  it.each(['100%', '%zz', 'a%2', '%C3', '%FF%FE'])('rejects malformed escape %s with KEY_DECODE_FAILED', (bad) => {
    try {
      decodeKey(bad)
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(ValueError)
      expect((e as ValueError).code).toBe('KEY_DECODE_FAILED')
      expect((e as ValueError).actual).toBe(bad)
    }
  })
})

describe('decodeKeyBytes (the byte-level decoder rows use)', () => {
  const viaBytes = (s: string) => {
    // In the middle of a buffer, as a key sits in a chunk.
    const b = Buffer.from(`xx"${s}"yy`, 'latin1') as FastBuffer
    return decodeKeyBytes(b, 3, 3 + s.length)
  }
  const outcome = (f: () => string) => {
    try {
      return { ok: f() }
    } catch (e) {
      return { error: (e as ValueError).code, actual: (e as ValueError).actual }
    }
  }
  it('decodes exactly as decodeKey does, errors included, for any ASCII text', () => {
    const ascii = fc.string({ unit: fc.constantFrom(...'ab/%+ 2589ACEFcf.-_~Zz'.split('')), maxLength: 40 })
    const escaped = fc.string({ unit: 'grapheme', maxLength: 20 }).map((t) => encodeURIComponent(t).replace(/%20/g, '+'))
    fc.assert(fc.property(fc.oneof(ascii, escaped), (s) => {
        expect(outcome(() => viaBytes(s))).toEqual(outcome(() => decodeKey(s)))
      }),
      { numRuns: 3000 },
    )
  })
  it('rejects escapes that decode to invalid UTF-8, as decodeURIComponent does', () => {
    for (const bad of ['%C3', '%FF%FE', '%ED%A0%80', 'a%E6%97', '%C0%AF']) expect(outcome(() => viaBytes(bad))).toEqual({ error: 'KEY_DECODE_FAILED', actual: bad })
    expect(viaBytes('caf%C3%A9+%E6%97%A5%2B')).toBe('café 日+')
  })
})

describe('typed values', () => {
  it('parses sizes, including the 5 TiB maximum object size', () => {
    expect(parseSize('0')).toBe(0)
    expect(parseSize('5497558138880')).toBe(5497558138880)
    expect(sizeAt('x"123"', 2, 5)).toBe(123)
    expect(sizeAt('""', 1, 1)).toBeUndefined()
    for (const bad of ['-1', '1.5', '1e3', 'abc', '99999999999999999999']) expect(() => parseSize(bad)).toThrow(ValueError)
    expect(() => sizeAt('12a', 0, 3)).toThrow(ValueError)
  })
  it('parses booleans in the real (true) and documented (True) spellings', () => {
    expect(parseBoolean('true')).toBe(true)
    expect(parseBoolean('False')).toBe(false)
    expect(booleanAt('"false"', 1, 6)).toBe(false)
    expect(() => parseBoolean('yes')).toThrow(ValueError)
    expect(() => booleanAt('maybe', 0, 5)).toThrow(ValueError)
  })
  it('parses S3 timestamps as UTC, on the fast path and the fallback', () => {
    const cases = ['2024-05-06T22:37:48.000Z', '2000-02-29T00:00:00.999Z', '1970-01-01T00:00:00.000Z', '2099-12-31T23:59:59.123Z', '1969-07-20T20:17:40.000Z']
    for (const s of cases) {
      expect(parseDateMs(s)).toBe(Date.parse(s))
      expect(dateMsAt(`"${s}"`, 1, s.length + 1)).toBe(Date.parse(s))
    }
    // Other ISO forms: no milliseconds, offsets, date only; no zone means UTC.
    expect(parseDateMs('2024-05-06T22:37:48Z')).toBe(Date.UTC(2024, 4, 6, 22, 37, 48))
    expect(parseDateMs('2024-05-06T22:37:48+02:00')).toBe(Date.UTC(2024, 4, 6, 20, 37, 48))
    expect(parseDateMs('2024-05-06T22:37:48')).toBe(Date.UTC(2024, 4, 6, 22, 37, 48))
    expect(parseDateMs('2024-05-06')).toBe(Date.UTC(2024, 4, 6))
  })
  it('rejects impossible or non-ISO dates instead of rolling them over', () => {
    for (const bad of ['2023-02-29T00:00:00.000Z', '2024-13-01T00:00:00.000Z', '2024-05-06T24:00:00.000Z', '2024-05-0xT00:00:00.000Z', 'May 6 2024', '']) {
      expect(() => parseDateMs(bad), bad).toThrow(ValueError)
    }
  })
})

describe('field names', () => {
  it('maps CSV and columnar names to the same camelCase fields', () => {
    expect(fieldForCsvName('ETag')).toEqual({ name: 'eTag', type: 'string', fileName: 'ETag' })
    expect(fieldForColumnName('e_tag')).toEqual({ name: 'eTag', type: 'string', fileName: 'e_tag' })
    expect(fieldForCsvName('LastModifiedDate').type).toBe('date')
    expect(fieldForColumnName('last_modified_date').type).toBe('date')
    expect(fieldForCsvName('LifecycleExpirationDate')).toMatchObject({ name: 'lifecycleExpirationDate', type: 'date' })
  })
  it('keeps unknown columns as raw values under a camelCase name', () => {
    expect(fieldForCsvName('ObjectLockEventHoldStatus')).toEqual({ name: 'objectLockEventHoldStatus', type: 'raw', fileName: 'ObjectLockEventHoldStatus' })
    expect(fieldForColumnName('intelligent_tiering_reference_date')).toMatchObject({ name: 'intelligentTieringReferenceDate', type: 'raw' })
    expect(camelCase('SSEKMSKeyId')).toBe('ssekmsKeyId')
    expect(camelCase('URL')).toBe('url')
  })
})

describe('compileFilter', () => {
  it('a global or sticky RegExp matches every key, not every other one (no lastIndex carried over)', async () => {
    const { compileFilter, rowMatches } = await import('../src/filter.js')
    for (const regex of [/\.png$/g, /\.png$/y, /\.png$/gy]) {
      const f = compileFilter({ regex })!
      const keys = ['a.png', 'b.png', 'c.png', 'd.txt', 'e.png']
      expect(keys.filter((key) => rowMatches(f, { key })), String(regex)).toEqual(['a.png', 'b.png', 'c.png', 'e.png'])
    }
  })
  it('a malformed glob or regex is INVALID_ARGUMENT, not a SyntaxError', async () => {
    const { compileFilter } = await import('../src/filter.js')
    expect(() => compileFilter({ regex: '(' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => compileFilter({ glob: '[z-a]' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
  it("the parser's complaint is in actual, not in the sentence (callers never parse the message)", async () => {
    const { compileFilter } = await import('../src/filter.js')
    const { parseGroupBy } = await import('../src/summarize.js')
    const caught = (f: () => unknown) => {
      try {
        f()
      } catch (err) {
        return { ...(err as object), message: (err as Error).message }
      }
      throw new Error('did not throw')
    }
    expect(caught(() => compileFilter({ regex: 'a(b' }))).toMatchObject({ message: 'filter.regex is not a valid regular expression', option: 'filter.regex', actual: expect.stringMatching(/\/a\(b\/u: Unterminated group$/) })
    expect(caught(() => compileFilter({ glob: '[z-a]' }))).toMatchObject({ message: 'filter.glob is not a valid pattern', option: 'filter.glob', actual: expect.stringMatching(/Range out of order/) })
    // Groupings name what they accept, in the spelling they were given in.
    expect(caught(() => parseGroupBy('modified:week'))).toMatchObject({ code: 'INVALID_ARGUMENT', expected: 'modified:day, modified:month or modified:year', actual: 'modified:week' })
    expect(caught(() => parseGroupBy('size:pow3'))).toMatchObject({ code: 'INVALID_ARGUMENT', expected: 'size, size:pow2 or size:pow10', actual: 'size:pow3' })
  })
})
