import { z } from 'zod';

/** Node's timers hold at most 2^31 - 1 ms (24.8 days): a longer delay fires after 1 ms, with only a warning. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * A config value in milliseconds that becomes a timer. Bounded, so a slip of a few zeros is a
 * config error naming the field instead of a timer that fires at once (a bundle poll every
 * millisecond, a shutdown grace of none).
 */
export const timerMs = () => z.number().int().max(MAX_TIMER_MS, `at most ${MAX_TIMER_MS} ms (24.8 days, the longest timer Node keeps)`);
