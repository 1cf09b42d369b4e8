/** Every EC2 action Skyport implements; anything else is `InvalidAction`. */
import type { Action } from '../action.js';
import { describeAvailabilityZones } from './describe-availability-zones.js';
import { describeImages } from './describe-images.js';
import { describeInstanceStatus } from './describe-instance-status.js';
import { describeInstanceTypes } from './describe-instance-types.js';
import { describeInstances } from './describe-instances.js';
import { describeRegions } from './describe-regions.js';
import { getConsoleOutput } from './get-console-output.js';
import { createImage, deregisterImage } from './images.js';
import { rebootInstances, startInstances, stopInstances, terminateInstances } from './instance-state-actions.js';
import { createKeyPair, deleteKeyPair, describeKeyPairs, importKeyPair } from './key-pairs.js';
import { runInstances } from './run-instances.js';
import {
  authorizeSecurityGroupEgress,
  authorizeSecurityGroupIngress,
  createSecurityGroup,
  deleteSecurityGroup,
  describeSecurityGroups,
  revokeSecurityGroupEgress,
  revokeSecurityGroupIngress,
} from './security-groups.js';
import { createSnapshot, deleteSnapshot, describeSnapshots } from './snapshots.js';
import { createTags, deleteTags, describeTags } from './tags.js';
import { attachVolume, createVolume, deleteVolume, describeVolumes, detachVolume } from './volumes.js';

export const ACTIONS: readonly Action[] = [
  describeRegions,
  describeAvailabilityZones,
  describeInstanceTypes,
  describeImages,
  runInstances,
  describeInstances,
  describeInstanceStatus,
  getConsoleOutput,
  startInstances,
  stopInstances,
  rebootInstances,
  terminateInstances,
  createKeyPair,
  importKeyPair,
  describeKeyPairs,
  deleteKeyPair,
  createSecurityGroup,
  describeSecurityGroups,
  deleteSecurityGroup,
  authorizeSecurityGroupIngress,
  revokeSecurityGroupIngress,
  authorizeSecurityGroupEgress,
  revokeSecurityGroupEgress,
  createTags,
  describeTags,
  deleteTags,
  createVolume,
  describeVolumes,
  attachVolume,
  detachVolume,
  deleteVolume,
  createSnapshot,
  describeSnapshots,
  deleteSnapshot,
  createImage,
  deregisterImage,
];
