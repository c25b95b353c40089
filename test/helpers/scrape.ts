/** Sums the samples of a metric in Prometheus text, optionally only those whose labels match. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const labelText = line.startsWith(name + '{') ? line.slice(name.length + 1, line.indexOf('}')) : '';
    if (Object.entries(labels).some(([k, v]) => !labelText.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return res.text();
}

export async function readyz(port: number): Promise<{ status: number; body: { status: string; failing?: string[] } }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; failing?: string[] } };
}
