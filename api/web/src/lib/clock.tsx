// The epoch clock: the current epoch, when it started, and how long epochs last (the
// last ended epoch's length), to tell the time left in an epoch or until a later one.
import { useQuery } from "./graphql";
import { duration } from "./format";

const CLOCK = `{ epochs(first: 2) { nodes { epoch startMs } } }`;

/** The current epoch and its timing. */
export interface EpochClock {
  epoch: number;
  startMs: number;
  /** The last ended epoch's length; `null` while the first epoch runs. */
  lengthMs: number | null;
}

interface ClockData {
  epochs: { nodes: { epoch: number; startMs: string }[] };
}

/** The epoch clock, refreshed every `refreshMs`. */
export function useEpochClock(refreshMs = 10_000): EpochClock | undefined {
  const { data } = useQuery<ClockData>(CLOCK, {}, refreshMs);
  const [latest, previous] = data?.epochs.nodes ?? [];
  if (!latest) return undefined;
  return {
    epoch: latest.epoch,
    startMs: Number(latest.startMs),
    lengthMs: previous ? Number(latest.startMs) - Number(previous.startMs) : null,
  };
}

/** "≈ 3m 20s" until epoch `target` starts, by the clock; empty when unknown. */
export function untilEpoch(clock: EpochClock | undefined, target: number): string {
  if (!clock || clock.lengthMs === null) return "";
  const at = clock.startMs + (target - clock.epoch) * clock.lengthMs;
  const left = at - Date.now();
  return left > 0 ? `≈ ${duration(left)}` : "any moment now";
}
