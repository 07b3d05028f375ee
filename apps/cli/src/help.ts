/**
 * One verb's help, cut from the main help text so the two can never disagree: the verb's lines under "Verbs:"
 * (its synopsis and description) and the shared options.
 */
export function verbHelp(help: string, verb: string, command: string): string {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`  ${verb} `) || l === `  ${verb}`);
  if (start < 0) return help;
  let end = start + 1;
  while (end < lines.length && lines[end].startsWith('            ')) end++;
  const [first, ...rest] = lines.slice(start, end);
  const synopsis = first.trim().replace(/^(\S+)\s+/, '$1 ');
  const options = lines.slice(lines.findIndex((l) => l === 'Options:'));
  return [`Usage: ${command} ${synopsis}`, ...rest.map((l) => '  ' + l.trim()), '', ...options].join('\n');
}
