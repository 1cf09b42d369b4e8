/** One group's rules, revocable one by one, and a form to add one (checked by the API, which names the field). */
import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import type { SecurityGroup, SecurityGroupRule } from '@skyport/model';
import { useClient } from '../session/session-provider.js';
import { isAboutField } from '../api/errors.js';
import { ErrorText } from '../components/error-text.js';
import { Field } from '../components/field.js';

type Direction = 'ingress' | 'egress';

function describeRule(rule: SecurityGroupRule): string {
  const protocol = rule.protocol === '-1' ? 'all traffic' : rule.protocol;
  const ports = rule.fromPort === undefined ? '' : rule.fromPort === rule.toPort ? ` ${rule.fromPort}` : ` ${rule.fromPort}–${rule.toPort ?? ''}`;
  return `${protocol}${ports} ${rule.cidr}`;
}

export function SecurityGroupRules({ group, editable, onChanged }: { readonly group: SecurityGroup; readonly editable: boolean; readonly onChanged: () => void }) {
  const client = useClient();
  const revoke = useMutation({
    mutationFn: ({ direction, rule }: { direction: Direction; rule: SecurityGroupRule }) => client.securityGroups.revoke(group.id, direction, [rule]),
    onSuccess: onChanged,
  });
  return (
    <article className="card" aria-labelledby="rules-heading">
      <h2 id="rules-heading">Rules of {group.name}</h2>
      <ErrorText error={revoke.error} />
      {(['ingress', 'egress'] as const).map((direction) => (
        <div key={direction}>
          <h3>{direction === 'ingress' ? 'Inbound' : 'Outbound'}</h3>
          {group[direction].length === 0 ? <p className="muted">No rules.</p> : null}
          <ul className="plain rules">
            {group[direction].map((rule) => (
              <li key={describeRule(rule)}>
                <span className="mono">{describeRule(rule)}</span>
                {editable ? (
                  <button type="button" className="quiet" onClick={() => revoke.mutate({ direction, rule })}>
                    Revoke<span className="visually-hidden"> {describeRule(rule)}</span>
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        </div>
      ))}
      {editable ? <AddRule group={group} onAdded={onChanged} /> : null}
    </article>
  );
}

function AddRule({ group, onAdded }: { readonly group: SecurityGroup; readonly onAdded: () => void }) {
  const client = useClient();
  const [direction, setDirection] = useState<Direction>('ingress');
  const [protocol, setProtocol] = useState<SecurityGroupRule['protocol']>('tcp');
  const [fromPort, setFromPort] = useState('22');
  const [toPort, setToPort] = useState('22');
  const [cidr, setCidr] = useState('0.0.0.0/0');
  const add = useMutation({
    mutationFn: () => {
      const port = (text: string) => (text.trim() === '' ? undefined : Number(text));
      const from = port(fromPort);
      const to = port(toPort);
      const rule: SecurityGroupRule = { protocol, cidr: cidr.trim(), ...(from === undefined ? {} : { fromPort: from }), ...(to === undefined ? {} : { toPort: to }) };
      return client.securityGroups.authorize(group.id, direction, [rule]);
    },
    onSuccess: onAdded,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  // The API names the field as `rules[0].toPort` / `rules/0/toPort`.
  const about = (field: string) => {
    const named = (add.error as { details?: { field?: unknown } } | null)?.details?.field;
    return typeof named === 'string' && named.endsWith(field) ? add.error : undefined;
  };
  const placed = ['fromPort', 'toPort', 'cidr', 'protocol'].some((f) => about(f) !== undefined) || isAboutField(add.error, 'rules');
  return (
    <form className="inline-form" onSubmit={submit} noValidate aria-label={`Add a rule to ${group.name}`}>
      <Field label="Direction">
        {(control) => (
          <select {...control} value={direction} onChange={(e) => setDirection(e.target.value as Direction)}>
            <option value="ingress">Inbound</option>
            <option value="egress">Outbound</option>
          </select>
        )}
      </Field>
      <Field label="Protocol" error={about('protocol')}>
        {(control) => (
          <select {...control} value={protocol} onChange={(e) => setProtocol(e.target.value as SecurityGroupRule['protocol'])}>
            <option value="tcp">TCP</option>
            <option value="udp">UDP</option>
            <option value="icmp">ICMP</option>
            <option value="-1">All</option>
          </select>
        )}
      </Field>
      <Field label="From port" error={about('fromPort')}>
        {(control) => <input {...control} inputMode="numeric" size={6} value={fromPort} onChange={(e) => setFromPort(e.target.value)} />}
      </Field>
      <Field label="To port" error={about('toPort')}>
        {(control) => <input {...control} inputMode="numeric" size={6} value={toPort} onChange={(e) => setToPort(e.target.value)} />}
      </Field>
      <Field label="CIDR" error={about('cidr')}>
        {(control) => <input {...control} size={18} value={cidr} onChange={(e) => setCidr(e.target.value)} />}
      </Field>
      <button type="submit" disabled={add.isPending}>
        Add rule
      </button>
      {placed ? null : <ErrorText error={add.error} />}
    </form>
  );
}
