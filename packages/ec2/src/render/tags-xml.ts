import type { Tags } from '@skyport/model';
import { items, type XmlList } from '../protocol/xml-writer.js';

/** `tagSet`, or nothing when there are no tags (as EC2 leaves the element out). */
export function tagSetXml(tags: Tags | undefined): XmlList | undefined {
  const entries = Object.entries(tags ?? {});
  return entries.length === 0 ? undefined : items(entries.map(([key, value]) => ({ key, value })));
}

/** EC2 says `arm64` where Skyport (and Linux) say `aarch64`. */
export function ec2Architecture(architecture: 'x86_64' | 'aarch64'): string {
  return architecture === 'aarch64' ? 'arm64' : architecture;
}
