/** Units as people read them. */
export function formatMemory(mib: number): string {
  return mib >= 1024 && mib % 256 === 0 ? `${(mib / 1024).toLocaleString()} GiB` : `${mib.toLocaleString()} MiB`;
}

export function formatGiB(gib: number | undefined): string {
  return gib === undefined ? '—' : `${gib.toLocaleString()} GiB`;
}
