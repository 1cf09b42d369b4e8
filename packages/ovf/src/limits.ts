/**
 * Caps on what a descriptor may cost to read. Descriptors come from strangers (an uploaded
 * OVA), so size, element count, nesting and time are all bounded before anything is trusted.
 */
export interface ParseLimits {
  /** Largest descriptor accepted, in bytes. vCenter's own appliance descriptor is ~330 KB. */
  readonly maxBytes: number;
  /** Most elements in one descriptor. */
  readonly maxElements: number;
  /** Deepest nesting of elements. */
  readonly maxDepth: number;
  /** Wall-clock budget for parsing, in milliseconds. */
  readonly maxMillis: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  maxBytes: 8 * 1024 * 1024,
  maxElements: 200_000,
  maxDepth: 64,
  maxMillis: 5_000,
};
