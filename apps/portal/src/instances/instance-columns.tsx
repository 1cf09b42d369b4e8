/** The inventory table's columns: which fields each needs from the API and how it shows them. */
import type { ReactNode } from 'react';
import type { Instance, InstanceStateInfo, InstanceState } from '@skyport/model';
import { Link } from '../router/router.js';
import { StateBadge } from '../components/state-badge.js';
import { TagList } from '../components/tag-list.js';
import { RelativeTime } from '../components/relative-time.js';
import { formatGiB, formatMemory } from '../components/format.js';

/** A row as listed: the id and whichever fields the chosen columns asked for. */
export type InstanceRow = Pick<Instance, 'id'> & Partial<Instance>;

export interface ColumnContext {
  readonly providerName: (providerId: string) => string;
  readonly states: ReadonlyMap<InstanceState, InstanceStateInfo> | undefined;
}

export interface InstanceColumn {
  readonly key: string;
  readonly label: string;
  /** Fields asked of the API (`fields=`), so a page carries only what is shown. */
  readonly fields: readonly (keyof Instance)[];
  /** Always shown: a row needs its name and state to be acted on. */
  readonly fixed?: boolean;
  readonly numeric?: boolean;
  /** The API's sort name, for columns the server can order by. */
  readonly sort?: string;
  readonly render: (row: InstanceRow, context: ColumnContext) => ReactNode;
}

const dash = <span className="muted">—</span>;

export const INSTANCE_COLUMNS: readonly InstanceColumn[] = [
  {
    key: 'name',
    label: 'Name',
    fields: ['name'],
    fixed: true,
    sort: 'name',
    render: (row) => (
      <Link to={`/instances/${encodeURIComponent(row.id)}`} className="row-link">
        {row.name ?? row.id}
      </Link>
    ),
  },
  {
    key: 'state',
    label: 'State',
    fields: ['state'],
    fixed: true,
    sort: 'state',
    render: (row, { states }) => (row.state === undefined ? dash : <StateBadge state={row.state} transitional={states?.get(row.state)?.transitional ?? false} />),
  },
  { key: 'provider', label: 'Provider', fields: ['providerId'], sort: 'provider', render: (row, { providerName }) => (row.providerId === undefined ? dash : providerName(row.providerId)) },
  { key: 'cpus', label: 'vCPUs', fields: ['cpus'], numeric: true, render: (row) => row.cpus ?? dash },
  { key: 'memory', label: 'Memory', fields: ['memoryMiB'], numeric: true, render: (row) => (row.memoryMiB === undefined ? dash : formatMemory(row.memoryMiB)) },
  { key: 'disk', label: 'Disk', fields: ['diskGiB'], numeric: true, render: (row) => formatGiB(row.diskGiB) },
  {
    key: 'addresses',
    label: 'Addresses',
    fields: ['addresses'],
    render: (row) => (row.addresses === undefined || row.addresses.length === 0 ? dash : <span className="mono small">{row.addresses.map((a) => a.address).join(', ')}</span>),
  },
  { key: 'tags', label: 'Tags', fields: ['tags'], render: (row) => <TagList tags={row.tags} /> },
  { key: 'rawState', label: 'Provider state', fields: ['rawState'], render: (row) => <span className="mono small">{row.rawState ?? '—'}</span> },
  { key: 'image', label: 'Image', fields: ['imageId'], render: (row) => <span className="mono small">{row.imageId ?? '—'}</span> },
  { key: 'profile', label: 'Profile', fields: ['hardwareProfileId'], render: (row) => <span className="mono small">{row.hardwareProfileId ?? '—'}</span> },
  { key: 'location', label: 'Location', fields: ['locationId'], render: (row) => <span className="mono small">{row.locationId ?? '—'}</span> },
  { key: 'keyName', label: 'Key pair', fields: ['keyName'], render: (row) => row.keyName ?? dash },
  { key: 'created', label: 'Created', fields: ['createdAt'], render: (row) => <RelativeTime at={row.createdAt} /> },
  { key: 'id', label: 'Id', fields: ['id'], sort: 'id', render: (row) => <span className="mono small">{row.id}</span> },
];

export const DEFAULT_COLUMNS = ['name', 'state', 'provider', 'cpus', 'memory', 'addresses', 'tags', 'created'];
