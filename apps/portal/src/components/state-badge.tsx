/** A resource's state as a coloured badge; a transitional one pulses, since it moves on by itself. */
export function StateBadge({ state, transitional = false }: { readonly state: string; readonly transitional?: boolean }) {
  return (
    <span className={`badge state-${state}${transitional ? ' transitional' : ''}`} data-state={state}>
      {state}
    </span>
  );
}
