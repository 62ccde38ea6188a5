/** How the page writes numbers: exact counts, bytes in IEC units (and exactly on hover), dollars, shares. */

const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB']

export function bytesText(n: number): string {
  const sign = n < 0 ? '−' : ''
  let v = Math.abs(n)
  let i = 0
  while (v >= 1024 && i < IEC.length - 1) {
    v /= 1024
    i++
  }
  return `${sign}${i === 0 ? Math.round(v) : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${IEC[i]}`
}

export function countText(n: number): string {
  return `${n < 0 ? '−' : ''}${Math.abs(Math.round(n)).toLocaleString('en-US')}`
}

export function usdText(n: number): string {
  if (n !== 0 && Math.abs(n) < 0.0001) return `${n < 0 ? '−' : ''}<$0.0001`
  const digits = n !== 0 && Math.abs(n) < 1 ? 4 : 2
  return `${n < 0 ? '−' : ''}$${Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`
}

export function percentText(part: number, whole: number): string {
  if (whole === 0) return '–'
  const p = (100 * part) / whole
  return `${p !== 0 && p < 0.1 ? '<0.1' : p.toFixed(1)}%`
}

/** A USD rate as the price table states it: `$0.023/GB` or tiers `$0.023 (50 TB) · $0.022 (500 TB) · $0.021`. */
export function rateText(r: number | readonly { upToTB?: number; usdPerGB: number }[] | undefined): string {
  if (r === undefined) return 'no price'
  if (typeof r === 'number') return `$${r}/GB`
  return r.map((t) => `$${t.usdPerGB}/GB${t.upToTB === undefined ? '' : ` to ${t.upToTB} TB`}`).join(', then ')
}
