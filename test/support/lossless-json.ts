/**
 * JSON parsed without going through doubles: every number is kept as `{ number: text }`, so 64-bit
 * integers and long decimals compare exactly. `sameNumber` compares two number texts by value
 * (`1e+20` equals `100000000000000000000`, `1.50` equals `1.5`).
 */
export type Lossless = null | boolean | string | { number: string } | Lossless[] | { [k: string]: Lossless }

export function parseLossless(text: string): Lossless {
  let p = 0
  const ws = () => {
    while (p < text.length && ' \t\n\r'.includes(text[p])) p++
  }
  const value = (): Lossless => {
    ws()
    const c = text[p]
    if (c === '{') {
      p++
      const o: Record<string, Lossless> = {}
      ws()
      if (text[p] === '}') {
        p++
        return o
      }
      for (;;) {
        ws()
        const k = value()
        if (typeof k !== 'string') throw new Error(`object key expected at ${p}`)
        ws()
        if (text[p++] !== ':') throw new Error(`: expected at ${p}`)
        o[k] = value()
        ws()
        if (text[p] === ',') {
          p++
          continue
        }
        if (text[p++] !== '}') throw new Error(`} expected at ${p}`)
        return o
      }
    }
    if (c === '[') {
      p++
      const a: Lossless[] = []
      ws()
      if (text[p] === ']') {
        p++
        return a
      }
      for (;;) {
        a.push(value())
        ws()
        if (text[p] === ',') {
          p++
          continue
        }
        if (text[p++] !== ']') throw new Error(`] expected at ${p}`)
        return a
      }
    }
    if (c === '"') {
      const start = p
      p++
      while (text[p] !== '"') p += text[p] === '\\' ? 2 : 1
      p++
      return JSON.parse(text.slice(start, p)) as string
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, p)) {
        p += word.length
        return v
      }
    }
    const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(p, p + 400))
    if (!m) throw new Error(`unexpected ${JSON.stringify(text.slice(p, p + 20))} at ${p}`)
    p += m[0].length
    return { number: m[0] }
  }
  const v = value()
  ws()
  if (p !== text.length) throw new Error(`trailing text at ${p}`)
  return v
}

/** A number's text as (sign, digits without leading/trailing zeros, exponent of the last digit). */
function canonical(t: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(t)
  if (!m) return t
  let digits = m[2] + (m[3] ?? '')
  let exp = Number(m[4] ?? 0) - (m[3]?.length ?? 0)
  digits = digits.replace(/^0+/, '')
  if (digits === '') return '0'
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1)
    exp++
  }
  return `${m[1]}${digits}e${exp}`
}

export function sameNumber(a: string, b: string): boolean {
  return a === b || canonical(a) === canonical(b)
}

/** The first difference between two lossless values, as a path and both sides; undefined when equal. */
export function losslessDiff(a: Lossless, b: Lossless, path = '$'): string | undefined {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && 'number' in a && 'number' in b && !Array.isArray(a) && !Array.isArray(b)) {
    return sameNumber(a.number as string, b.number as string) ? undefined : `${path}: ${a.number} ≠ ${b.number}`
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: ${a.length} elements ≠ ${b.length}`
    for (let i = 0; i < a.length; i++) {
      const d = losslessDiff(a[i], b[i], `${path}[${i}]`)
      if (d) return d
    }
    return undefined
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a)
    const kb = Object.keys(b)
    if (ka.join('\0') !== kb.join('\0')) return `${path}: keys ${ka.join(',')} ≠ ${kb.join(',')}`
    for (const k of ka) {
      const d = losslessDiff((a as Record<string, Lossless>)[k], (b as Record<string, Lossless>)[k], `${path}.${k}`)
      if (d) return d
    }
    return undefined
  }
  return a === b ? undefined : `${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`
}
