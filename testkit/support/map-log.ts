/**
 * Reads V8's map log (`node --log-maps --no-log-maps-details --logfile=FILE`): every new hidden
 * class is a `map,Transition` line with the code address that made it and the property it adds.
 * The address is found among the log's `code-creation` records, so each class is counted under
 * "property @ function file:line". What docs/architecture.md ("Hidden classes on the call path")
 * asks for when a site makes a class per call: test/e2e/gateway/hidden-classes.test.ts and
 * bench/map-log-summary.ts use it.
 */

interface CodeRange {
  start: number;
  end: number;
  name: string;
}

/** Fields after the record type: code-creation,type,kind,timestamp,start,size,name... */
function codeRanges(lines: readonly string[]): CodeRange[] {
  const ranges: CodeRange[] = [];
  for (const line of lines) {
    if (!line.startsWith('code-creation,')) continue;
    const fields = line.split(',');
    const start = Number.parseInt(fields[4] ?? '', 16);
    const size = Number(fields[5]);
    if (Number.isFinite(start) && Number.isFinite(size)) ranges.push({ start, end: start + size, name: fields[6] ?? '?' });
  }
  return ranges.sort((a, b) => a.start - b.start);
}

function codeAt(ranges: readonly CodeRange[], address: number): string {
  let low = 0;
  let high = ranges.length - 1;
  let found: CodeRange | undefined;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (ranges[middle]!.start <= address) {
      found = ranges[middle];
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found !== undefined && address < found.end ? found.name : '(unknown code)';
}

/**
 * New hidden classes by where they were made. Fields after the record type:
 * map,Transition,time,from,to,pc,line,column,reason,property.
 */
export function newClassesByPosition(log: string): Map<string, number> {
  const lines = log.split('\n');
  const ranges = codeRanges(lines);
  const counts = new Map<string, number>();
  for (const line of lines) {
    if (!line.startsWith('map,Transition,')) continue;
    const fields = line.split(',');
    const property = fields.slice(9).join(',');
    const key = `${property} @ ${codeAt(ranges, Number.parseInt(fields[5] ?? '', 16))} line ${fields[6]}:${fields[7]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Node's own private symbol keys (every Node 20 `AbortSignal` gets a class for `kAborted`, ...). */
export const isNodeSymbol = (position: string): boolean => position.startsWith('symbol(');
