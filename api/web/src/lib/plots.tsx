// Hand-built SVG plots: a line over epochs, bars over epochs, a shard map and tally bars.

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { left: 64, right: 16, top: 12, bottom: 32 };

/** A point of a plot over epochs. */
export interface Point {
  epoch: number;
  value: number;
}

/** Scales of a plot; bars (`floorZero`) start at 0 and reach `top` at least. */
function scale(points: Point[], floorZero: boolean, top?: number) {
  const xs = points.map((p) => p.epoch);
  const ys = points.map((p) => p.value);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [floorZero ? Math.min(0, ...ys) : Math.min(...ys), Math.max(top ?? -Infinity, ...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const w = WIDTH - PAD.left - PAD.right;
  const h = HEIGHT - PAD.top - PAD.bottom;
  return {
    x: (epoch: number) => PAD.left + (x1 === x0 ? w / 2 : ((epoch - x0) / (x1 - x0)) * w),
    y: (value: number) => PAD.top + h - ((value - y0) / (y1 - y0)) * h,
    y0,
    y1,
    x0,
    x1,
  };
}

function Axes(props: { s: ReturnType<typeof scale>; format: (v: number) => string }) {
  const { s, format } = props;
  const bottom = HEIGHT - PAD.bottom;
  return (
    <g class="axes">
      <line x1={PAD.left} y1={bottom} x2={WIDTH - PAD.right} y2={bottom} />
      <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={bottom} />
      <text x={PAD.left - 6} y={s.y(s.y1) + 4} text-anchor="end">
        {format(s.y1)}
      </text>
      <text x={PAD.left - 6} y={s.y(s.y0) + 4} text-anchor="end">
        {format(s.y0)}
      </text>
      <text x={s.x(s.x0)} y={bottom + 16} text-anchor="middle">
        {`epoch ${s.x0}`}
      </text>
      {s.x1 !== s.x0 && (
        <text x={s.x(s.x1)} y={bottom + 16} text-anchor="end">
          {`epoch ${s.x1}`}
        </text>
      )}
    </g>
  );
}

/** A line over epochs; each point's value shows on hover. */
export function LinePlot(props: { title: string; points: Point[]; format: (v: number) => string }) {
  if (props.points.length === 0) return <p class="muted">No {props.title.toLowerCase()} yet.</p>;
  const points = [...props.points].sort((a, b) => a.epoch - b.epoch);
  const s = scale(points, false);
  const path = points.map((p, i) => `${i ? "L" : "M"}${s.x(p.epoch)},${s.y(p.value)}`).join(" ");
  return (
    <figure class="plot">
      <figcaption>{props.title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={props.title}>
        <Axes s={s} format={props.format} />
        <path d={path} class="line" />
        {points.map((p) => (
          <circle cx={s.x(p.epoch)} cy={s.y(p.value)} r="4" class="dot">
            <title>{`epoch ${p.epoch}: ${props.format(p.value)}`}</title>
          </circle>
        ))}
      </svg>
    </figure>
  );
}

/**
 * Bars over epochs, from zero up to `top` at least; `warn` marks bars drawn in the warning
 * colour.
 */
export function BarPlot(props: {
  title: string;
  points: Point[];
  format: (v: number) => string;
  top?: number;
  warn?: (p: Point) => boolean;
}) {
  if (props.points.length === 0) return <p class="muted">No {props.title.toLowerCase()} yet.</p>;
  const points = [...props.points].sort((a, b) => a.epoch - b.epoch);
  const s = scale(points, true, props.top);
  const span = Math.max(1, s.x1 - s.x0);
  const w = Math.max(6, Math.min(40, ((WIDTH - PAD.left - PAD.right) / (span + 1)) * 0.7));
  return (
    <figure class="plot">
      <figcaption>{props.title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={props.title}>
        <Axes s={s} format={props.format} />
        {points.map((p) => (
          <rect
            x={s.x(p.epoch) - w / 2}
            y={Math.min(s.y(p.value), s.y(0))}
            width={w}
            height={Math.max(1, Math.abs(s.y(0) - s.y(p.value)))}
            class={props.warn?.(p) ? "bar warn" : "bar"}
          >
            <title>{`epoch ${p.epoch}: ${props.format(p.value)}`}</title>
          </rect>
        ))}
      </svg>
    </figure>
  );
}

/** The colour of the `i`th committee member. */
export function memberColour(i: number): string {
  return `hsl(${(i * 137.5) % 360} 60% 55%)`;
}

/** One member's shards in a shard map. */
export interface ShardOwner {
  label: string;
  shards: number[];
}

/**
 * Which member holds each of `nShards` shards; shards whose holder differs in `previous`
 * (the epoch before) are marked as moved.
 */
export function ShardMap(props: { nShards: number; owners: ShardOwner[]; previous?: ShardOwner[] }) {
  const holder = new Map<number, number>();
  props.owners.forEach((owner, i) => owner.shards.forEach((shard) => holder.set(shard, i)));
  const before = new Map<number, string>();
  props.previous?.forEach((owner) => owner.shards.forEach((shard) => before.set(shard, owner.label)));
  const columns = Math.min(props.nShards, 32);
  const cell = 18;
  const rows = Math.ceil(props.nShards / columns);
  let moved = 0;
  const cells = Array.from({ length: props.nShards }, (_, shard) => {
    const i = holder.get(shard);
    const owner = i === undefined ? undefined : props.owners[i];
    const was = before.get(shard);
    const hasMoved = props.previous !== undefined && owner !== undefined && was !== owner.label;
    if (hasMoved) moved += 1;
    return (
      <rect
        x={(shard % columns) * cell}
        y={Math.floor(shard / columns) * cell}
        width={cell - 2}
        height={cell - 2}
        fill={i === undefined ? "#ddd" : memberColour(i)}
        class={hasMoved ? "shard moved" : "shard"}
      >
        <title>{`shard ${shard}: ${owner?.label ?? "unassigned"}${hasMoved ? ` (was ${was ?? "unassigned"})` : ""}`}</title>
      </rect>
    );
  });
  return (
    <figure class="plot shardmap">
      <figcaption>
        Shard map: {props.nShards} shards
        {props.previous !== undefined && `, ${moved} moved since the previous epoch (outlined)`}
      </figcaption>
      <svg viewBox={`-2 -2 ${columns * cell + 4} ${rows * cell + 4}`} role="img" aria-label="shard map">
        {cells}
      </svg>
      <ul class="legend">
        {props.owners.map((owner, i) => (
          <li>
            <span class="swatch" style={{ background: memberColour(i) }} />
            {owner.label} ({owner.shards.length})
          </li>
        ))}
      </ul>
    </figure>
  );
}

/** A bar split in parts proportional to their values. */
export function SplitBar(props: { parts: { label: string; value: bigint; class: string }[] }) {
  const total = props.parts.reduce((sum, part) => sum + part.value, 0n);
  return (
    <div class="splitbar" role="img" aria-label={props.parts.map((p) => p.label).join(", ")}>
      {props.parts.map((part) => {
        const share = total === 0n ? 0 : Number((part.value * 10000n) / total) / 100;
        return share > 0 ? (
          <div class={part.class} style={{ width: `${share}%` }} title={`${part.label}: ${share}%`} />
        ) : null;
      })}
    </div>
  );
}

/** Progress towards a goal, capped at full. */
export function Progress(props: { bps: number; label: string }) {
  const width = Math.min(100, props.bps / 100);
  return (
    <div class="progress" role="img" aria-label={props.label}>
      <div class={props.bps >= 10000 ? "done" : ""} style={{ width: `${width}%` }} />
    </div>
  );
}
