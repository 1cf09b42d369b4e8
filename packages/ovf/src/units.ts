/**
 * DMTF programmatic units (DSP0004 Annex C) as producers really write them: `byte * 2^20`,
 * `byte*2^30`, `byte * 2 ^ 30`, `MegaBytes`, `MB`, `KB`, `GiB`, `bytes`... The result is the
 * number of bytes one unit stands for, or undefined when the text is not a byte unit.
 */
const NAMED: Readonly<Record<string, number>> = {
  byte: 1,
  bytes: 1,
  b: 1,
  kb: 1024,
  kib: 1024,
  kilobyte: 1024,
  kilobytes: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  megabyte: 1024 ** 2,
  megabytes: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  gigabyte: 1024 ** 3,
  gigabytes: 1024 ** 3,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
  terabyte: 1024 ** 4,
  terabytes: 1024 ** 4,
};

/**
 * Bytes per unit. Named units are binary, as every hypervisor that writes `MegaBytes` or `MB`
 * in a descriptor means MiB (VirtualBox, VMware 0.9).
 */
export function bytesPerUnit(units: string | undefined): number | undefined {
  if (units === undefined) return undefined;
  const text = units.trim().toLowerCase().replace(/\s+/g, ' ');
  if (text === '') return undefined;
  const named = NAMED[text.replace(/ /g, '')];
  if (named !== undefined) return named;
  // base [* mult] [* radix^exp]..., e.g. "byte * 2^20", "byte * 1024", "byte * 10^3"
  const factors = text.split('*').map((part) => part.replace(/ /g, ''));
  const base = factors.shift();
  if (base === undefined || NAMED[base] === undefined) return undefined;
  let result = NAMED[base];
  for (const factor of factors) {
    const power = /^(\d+)\^(-?\d+)$/.exec(factor);
    if (power !== null) {
      result *= Number(power[1]) ** Number(power[2]);
      continue;
    }
    if (/^\d+$/.test(factor)) {
      result *= Number(factor);
      continue;
    }
    return undefined;
  }
  return Number.isFinite(result) && result > 0 ? result : undefined;
}

/** Parses a non-negative decimal integer as written in XML (leading `+`, spaces tolerated). */
export function parseInteger(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (!/^\+?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}
