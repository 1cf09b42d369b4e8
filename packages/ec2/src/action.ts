/**
 * One EC2 action: how its parameters are read (all of them, so unknown ones are refused),
 * whether it changes anything (DryRun and viewers), what it works on (for error codes), and
 * what it does. Parsing is separate from running so DryRun can answer after validation
 * without touching anything.
 */
import type { ActionContext } from './action-context.js';
import type { Subject } from './protocol/error-mapping.js';
import type { QueryParams } from './protocol/query-params.js';
import type { XmlFields } from './protocol/xml-writer.js';

export interface Action<I = unknown> {
  readonly name: string;
  /** Changes something: refused for viewers, and DryRun says whether it would have been allowed. */
  readonly mutates: boolean;
  /** What the action works on, for resource-specific error codes. */
  readonly subject?: Subject;
  /** The parameters it accepts, as documentation and for the error naming an unknown one. */
  readonly parameters: readonly string[];
  /** Whether it needs the region to name a provider (all but DescribeRegions). */
  readonly regional?: boolean;
  parse(params: QueryParams): I;
  run(ctx: ActionContext, input: I): Promise<XmlFields>;
}

/** Keeps each action's input type while collecting them in one table. */
export function defineAction<I>(action: Action<I>): Action<unknown> {
  return action as Action<unknown>;
}
