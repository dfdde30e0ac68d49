// How amounts, sizes, times and ids are written on the pages.

/** FROST per WAL. */
export const FROST_PER_WAL = 1_000_000_000n;

/** `frost` (a decimal string) in WAL, with up to `digits` decimals. */
export function wal(frost: string | null | undefined, digits = 4): string {
  if (frost === null || frost === undefined) return "–";
  const value = BigInt(frost);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / FROST_PER_WAL;
  const fraction = (abs % FROST_PER_WAL).toString().padStart(9, "0").slice(0, digits);
  const trimmed = fraction.replace(/0+$/, "");
  const text = whole.toLocaleString("en-US") + (trimmed ? `.${trimmed}` : "");
  return `${negative ? "-" : ""}${text} WAL`;
}

/** `frost` as a plain number of FROST, grouped. */
export function frost(value: string | null | undefined): string {
  if (value === null || value === undefined) return "–";
  return `${BigInt(value).toLocaleString("en-US")} FROST`;
}

/** Bytes in binary units. */
export function bytes(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  let n = Number(value);
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? n : n.toFixed(2)} ${units[unit]}`;
}

/** A count, grouped. */
export function count(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  return BigInt(value).toLocaleString("en-US");
}

/** A time (ms since the Unix epoch), in UTC. */
export function time(ms: string | number | null | undefined): string {
  if (ms === null || ms === undefined) return "–";
  return new Date(Number(ms)).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

/** A duration in ms, in its two largest units. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const parts: [number, string][] = [
    [Math.floor(s / 86400), "d"],
    [Math.floor(s / 3600) % 24, "h"],
    [Math.floor(s / 60) % 60, "m"],
    [s % 60, "s"],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first < 0) return "0s";
  return parts
    .slice(first, first + 2)
    .map(([n, u]) => `${n}${u}`)
    .join(" ");
}

/** Basis points as a percentage. */
export function bps(value: number | string): string {
  return `${(Number(value) / 100).toFixed(2)}%`;
}

/** A long id shortened to its ends. */
export function short(id: string): string {
  return id.length > 18 ? `${id.slice(0, 10)}…${id.slice(-6)}` : id;
}
