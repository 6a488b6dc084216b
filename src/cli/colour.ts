import { createColors } from 'picocolors';
import { colourOn } from '../terminal.ts';

export type Paint = ReturnType<typeof createColors>;

/** picocolors' painters, switched on or off for what goes to `stream` (colourOn decides). */
export function paintFor(stream: { isTTY?: boolean }): Paint {
  return createColors(colourOn(stream));
}
