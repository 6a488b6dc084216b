/**
 * The composites and roles the workflow suite runs against. Each composite isolates one concern,
 * so a test's counters and audit rows are its own.
 */
const echo = (id: string, message: string) => ({ id, tool: 'ks__echo', arguments: { message } });

/** Slow enough (4 s) that a test can cancel or time it out while it runs. */
const slowStep = (id: string, extra: Record<string, unknown> = {}) => ({ id, tool: 'slow__slow', arguments: { steps: 40, delayMs: 100 }, ...extra });

export const COMPOSITES = [
  {
    name: 'slow_then_add',
    description: 'A slow step, then an add whose upstream counts its calls.',
    steps: [slowStep('wait'), { id: 'after', tool: 'ks__add', arguments: { a: 1, b: 2 } }],
  },
  {
    name: 'three_echoes',
    description: 'Three quick steps, for progress.',
    input_schema: { type: 'object', properties: { word: { type: 'string' } }, required: ['word'] },
    steps: [echo('one', '{{ input.word }}'), echo('two', '{{ text(steps.one.result) }}!'), echo('three', '{{ text(steps.two.result) }}!')],
    result: '{{ text(steps.three.result) }}',
  },
  {
    name: 'timed',
    description: 'A quick step, then a slow one with a 300 ms step timeout.',
    steps: [echo('first', 'quick'), slowStep('sluggish', { timeout_ms: 300 })],
  },
  {
    name: 'via_gone',
    description: 'A quick step, then one on the upstream a test kills.',
    steps: [echo('first', 'quick'), { id: 'remote', tool: 'gone__echo', arguments: { message: 'anyone there?' } }],
  },
  {
    name: 'sum_behind',
    description: 'An echo, then ks__add, which the role `limited` may not see.',
    steps: [echo('greet', 'hello'), { id: 'sum', tool: 'ks__add', arguments: { a: 40, b: 2 } }],
  },
];

/** data.warden.roles for policies/authz.rego: `runner` may do everything, `limited` only echo and sum_behind. */
export const ROLES = {
  runner: { tools: { '*': ['*'] }, resources: {}, prompts: {} },
  limited: { tools: { ks: ['echo'], warden: ['sum_behind'] }, resources: {}, prompts: {} },
};
