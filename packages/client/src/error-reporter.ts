/**
 * Where recovered problems go when the application gave no onError: one line on stderr, at most
 * one a minute with a count of those held back, so a wrong URL is never silent and never a flood.
 */
export function stderrReporter(
  intervalMs = 60_000,
  write: (line: string) => void = (line) => process.stderr.write(line),
): (error: Error) => void {
  let lastAt = -Infinity;
  let heldBack = 0;
  return (error) => {
    const now = Date.now();
    if (now - lastAt < intervalMs) {
      heldBack++;
      return;
    }
    lastAt = now;
    const more = heldBack > 0 ? ` (${heldBack} more since the last line)` : '';
    heldBack = 0;
    write(`sift client: ${error.message}${more}\n`);
  };
}
