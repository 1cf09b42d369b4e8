import type { ConformanceCase } from '../conformance-case.js';
import { catalogueCases } from './catalogue.js';
import { diskCases } from './disks.js';
import { imageCases } from './images.js';
import { instanceErrorCases } from './instance-errors.js';
import { instanceLifecycleCases } from './instance-lifecycle.js';
import { keyPairCases } from './key-pairs.js';
import { securityGroupCases } from './security-groups.js';
import { tagCases } from './tags.js';
import { volumeCases } from './volumes.js';

/** Every case, in the order they run: cheap reads first, so a broken driver fails fast. */
export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  ...catalogueCases,
  ...instanceLifecycleCases,
  ...instanceErrorCases,
  ...keyPairCases,
  ...volumeCases,
  ...securityGroupCases,
  ...imageCases,
  ...diskCases,
  ...tagCases,
];
