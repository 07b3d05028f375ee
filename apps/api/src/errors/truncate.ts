/** Longest message text that repeats client input; a message never grows with the size of what was sent. */
export const MAX_MESSAGE_CHARS = 300;

export function truncate(text: string, max = MAX_MESSAGE_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
