const UNITS = ["B", "KB", "MB", "GB", "TB"];

/** A size for people: 1024-based, as the storage limit (in MB) is. */
export function formatBytes(bytes: bigint): string {
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** `part` as a whole percentage of `whole`. */
export function percent(part: bigint, whole: bigint): number {
  return whole === 0n ? 100 : Math.round((Number(part) / Number(whole)) * 100);
}
