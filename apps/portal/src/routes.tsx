/** Which page a path shows. */
import type { ReactNode } from 'react';
import { matchPath } from './router/router.js';
import { DashboardPage } from './pages/dashboard-page.js';
import { InstancesPage } from './instances/instances-page.js';
import { InstanceDetailPage } from './instances/instance-detail-page.js';
import { LaunchWizard } from './launch/launch-wizard.js';
import { KeyPairsPage } from './pages/key-pairs-page.js';
import { VolumesPage } from './pages/volumes-page.js';
import { SnapshotsPage } from './pages/snapshots-page.js';
import { ImagesPage } from './pages/images-page.js';
import { SecurityGroupsPage } from './pages/security-groups-page.js';
import { AuditPage } from './pages/audit-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { MigrationsPage } from './migrations/migrations-page.js';
import { NewPlanPage } from './migrations/new-plan-page.js';
import { PlanPage } from './migrations/plan-page.js';

export interface NavEntry {
  readonly path: string;
  readonly label: string;
  readonly adminOnly?: boolean;
}

/** The navigation, in the order it is shown. */
export const NAVIGATION: readonly NavEntry[] = [
  { path: '/', label: 'Dashboard' },
  { path: '/instances', label: 'Instances' },
  { path: '/launch', label: 'Launch' },
  { path: '/key-pairs', label: 'Key pairs' },
  { path: '/volumes', label: 'Volumes' },
  { path: '/snapshots', label: 'Snapshots' },
  { path: '/images', label: 'Images' },
  { path: '/security-groups', label: 'Security groups' },
  { path: '/migrations', label: 'Migrations' },
  { path: '/audit', label: 'Audit log', adminOnly: true },
];

const PAGES: readonly (readonly [string, (params: Record<string, string>) => ReactNode])[] = [
  ['/', () => <DashboardPage />],
  ['/instances', () => <InstancesPage />],
  ['/instances/:id', (params) => <InstanceDetailPage key={params['id']} id={params['id'] ?? ''} />],
  ['/launch', () => <LaunchWizard />],
  ['/key-pairs', () => <KeyPairsPage />],
  ['/volumes', () => <VolumesPage />],
  ['/snapshots', () => <SnapshotsPage />],
  ['/images', () => <ImagesPage />],
  ['/security-groups', () => <SecurityGroupsPage />],
  ['/migrations', () => <MigrationsPage />],
  ['/migrations/new', () => <NewPlanPage />],
  ['/migrations/:id', (params) => <PlanPage key={params['id']} id={params['id'] ?? ''} />],
  ['/audit', () => <AuditPage />],
];

export function pageFor(path: string): ReactNode {
  const normalized = path === '/' ? '/' : path.replace(/\/+$/, '');
  for (const [pattern, render] of PAGES) {
    const params = pattern === '/' ? (normalized === '/' ? {} : null) : matchPath(pattern, normalized);
    if (params !== null) return render(params);
  }
  return <NotFoundPage />;
}

/** The navigation entry a path belongs to (`/instances/i-1` is under Instances). */
export function isCurrent(entry: NavEntry, path: string): boolean {
  return entry.path === '/' ? path === '/' : path === entry.path || path.startsWith(`${entry.path}/`);
}
