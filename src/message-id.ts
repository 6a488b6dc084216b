/**
 * The id of a message a refusal answers, read from its text: a string, or a number a double holds
 * exactly (the id may itself be the number being refused); null when there is none or it cannot be read.
 */
export function idOf(text: string): string | number | null {
  try {
    const { id } = JSON.parse(text) as { id?: unknown };
    return typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id)) ? id : null;
  } catch {
    return null;
  }
}
