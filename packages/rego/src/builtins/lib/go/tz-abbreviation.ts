import { readFileSync } from 'node:fs';

/**
 * Time zone abbreviations (the `MST` layout element) as Go prints them: from the system's tzdata
 * (TZif files, which Go reads too). Intl only knows localised names ("GMT+9" where Go says "JST"),
 * so it is the fallback when no tzdata is installed.
 */

const ZONEINFO = '/usr/share/zoneinfo';
const ZONE_NAME = /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/;

interface ZoneAbbreviations {
  /** From the POSIX TZ footer, which governs current and future times. */
  readonly rule: ReadonlyMap<number, string>;
  /** Abbreviations by UTC offset, latest transition first. */
  readonly history: readonly { readonly offset: number; readonly name: string }[];
}

const cache = new Map<string, ZoneAbbreviations | null>();

/** The abbreviation Go prints for `zone` at `offset` seconds east of UTC, if tzdata knows it. */
export function zoneAbbreviation(zone: string, offset: number): string | undefined {
  let data = cache.get(zone);
  if (data === undefined) {
    data = ZONE_NAME.test(zone) ? readZone(zone) : null;
    cache.set(zone, data);
  }
  if (!data) return undefined;
  return data.rule.get(offset) ?? data.history.find((entry) => entry.offset === offset)?.name;
}

function readZone(zone: string): ZoneAbbreviations | null {
  let file: Buffer;
  try {
    file = readFileSync(`${ZONEINFO}/${zone}`);
  } catch {
    return null;
  }
  return parseTzif(file);
}

/** TZif (RFC 8536): the last data block (64-bit in v2+) and the footer. */
function parseTzif(file: Buffer): ZoneAbbreviations | null {
  if (file.toString('latin1', 0, 4) !== 'TZif') return null;
  const version = file[4]!;
  let block = readBlock(file, 0, 4);
  if (version >= 0x32) block = readBlock(file, block.end, 8);
  const footer = version >= 0x32 ? file.toString('latin1', block.end).split('\n')[1] ?? '' : '';
  return { rule: parseRule(footer), history: block.history };
}

function readBlock(file: Buffer, start: number, timeSize: number) {
  const [isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt] = [20, 24, 28, 32, 36, 40].map((at) => file.readUInt32BE(start + at));
  let at = start + 44;
  at += timecnt! * timeSize;
  const indices = [...file.subarray(at, at + timecnt!)];
  at += timecnt!;
  const types = [...Array(typecnt!).keys()].map((i) => ({
    offset: file.readInt32BE(at + i * 6),
    nameIndex: file[at + i * 6 + 5]!,
  }));
  at += typecnt! * 6;
  const chars = file.toString('latin1', at, at + charcnt!);
  at += charcnt! + leapcnt! * (timeSize + 4) + isstdcnt! + isutcnt!;
  const nameAt = (index: number) => chars.slice(index, chars.indexOf('\0', index));
  const used = indices.length > 0 ? indices.reverse() : types.map((_, i) => i);
  const history = used.map((index) => ({ offset: types[index]!.offset, name: nameAt(types[index]!.nameIndex) }));
  return { history, end: at };
}

const NAME = /^(<[^>]*>|[A-Za-z]{3,})/;
const OFFSET = /^([+-]?)(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?/;

/** Names and offsets of a POSIX TZ string such as `CET-1CEST,M3.5.0,M10.5.0/3` (west is positive). */
function parseRule(text: string): Map<number, string> {
  const out = new Map<number, string>();
  let rest = text;
  const name = () => {
    const match = NAME.exec(rest);
    if (!match) return undefined;
    rest = rest.slice(match[0].length);
    return match[1]!.replace(/^<|>$/g, '');
  };
  const offset = () => {
    const match = OFFSET.exec(rest);
    if (!match) return undefined;
    rest = rest.slice(match[0].length);
    const seconds = Number(match[2]) * 3600 + Number(match[3] ?? 0) * 60 + Number(match[4] ?? 0);
    return match[1] === '-' ? seconds : -seconds;
  };
  const std = name();
  const stdOffset = offset();
  if (std === undefined || stdOffset === undefined) return out;
  out.set(stdOffset, std);
  const dst = name();
  if (dst !== undefined) out.set(offset() ?? stdOffset + 3600, dst);
  return out;
}
