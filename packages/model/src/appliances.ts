/** Appliance records the API returns: what every door and client shares. */

/** An OVA an export made that can still be downloaded: what it is and where it came from. */
export interface ExportSummary {
  /** The export operation's id, which names the export. */
  readonly operationId: string;
  readonly fileName: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly ovfVersion: '1.0' | '2.0';
  /** When the broker removes it. */
  readonly expiresAt: string;
  readonly providerId: string;
  /** The image or instance exported. */
  readonly source: { readonly kind: 'image' | 'instance'; readonly id: string };
  readonly createdAt: string;
}
