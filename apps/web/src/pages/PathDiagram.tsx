import { code } from '../codes';
import { lanes as laneOf, split, steps as stepsOf, type Destination, type Hop, type Step, type Tone } from './path-model';

const W = 1180;
const HEAD = 34;
const LINE = 16;
const GAP = 22;
const CHAR = 6.6;
/** branches drawn side by side; more are listed under them */
const MAX_BRANCHES = 4;

const fit = (text: string, width: number) => {
  const n = Math.floor(width / CHAR);
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
};
const pct = (p: number) => `${Math.round(p * 1000) / 10}%`;
const good = (d: Destination) => d.outcome === 'delivered' || d.outcome === 'delivered_to_host_socket';
const boxH = (s: Step) => 24 + s.lines.length * LINE;

function StepBox({ s, x, y, w, label }: { s: Step; x: number; y: number; w: number; label: string }) {
  return (
    <g className={`step${s.lines.some((l) => l.tone === 'bad') ? ' bad' : ''}`}>
      <rect x={x} y={y} width={w} height={boxH(s)} rx={6} />
      <text x={x + 8} y={y + 16} className="stage">
        {fit(label, w - 16)}
      </text>
      {s.lines.map((l, k) => (
        <text key={k} x={x + 14} y={y + 16 + (k + 1) * LINE} className={`tone-${l.tone satisfies Tone}`}>
          <title>{l.rule}</title>
          {fit(l.text, w - 22)}
        </text>
      ))}
    </g>
  );
}

function DestBox({ d, x, y, w }: { d: Destination; x: number; y: number; w: number }) {
  return (
    <g className={`dest ${good(d) ? 'good' : 'bad'}`}>
      <rect x={x} y={y} width={w} height={44} rx={6} />
      <text x={x + 8} y={y + 17}>{fit(d.pod ?? (d.kind === 'none' ? 'no receiver' : d.kind), w - 16)}</text>
      <text x={x + 8} y={y + 35} className="addr">
        {fit(`${d.ip}:${d.port} · ${code(d.outcome)} · ${pct(d.probability)}`, w - 16)}
      </text>
    </g>
  );
}

const Arrow = ({ x1, y1, x2, y2 }: { x1: number; y1: number; x2: number; y2: number }) => <line className="flow" x1={x1} y1={y1} x2={x2} y2={y2} markerEnd="url(#arrow)" />;

/**
 * The path as a picture: one lane per node, one box per (node, hook) step with what changed the packet, arrows
 * between steps (across lanes where the packet leaves a node). Where the branches part (a random endpoint choice),
 * each branch gets a column of its own steps, headed by its probability, down to its destination; the drop, reject
 * or refusal is drawn where it happens.
 */
export function PathDiagram({ hops, destinations, outcome }: { hops: Hop[]; destinations: Destination[]; outcome: string }) {
  const { common, branches } = split(hops, destinations);
  const lanes = laneOf(common.length ? common : hops, branches.length ? [] : destinations);
  const steps = stepsOf(common);
  const laneW = W / Math.max(lanes.length, 1);
  const boxW = Math.min(laneW - 24, 760);
  const x = (node: string) => Math.max(lanes.indexOf(node), 0) * laneW + (laneW - boxW) / 2;
  let y = HEAD + 12;
  const boxes = steps.map((s) => {
    const b = { s, x: x(s.node), y };
    y += boxH(s) + GAP;
    return b;
  });
  const lanesBottom = y;
  const last = boxes[boxes.length - 1];
  const failed = outcome === 'dropped' || outcome === 'rejected' || outcome === 'refused';

  // one destination, or no per-destination hops: the destinations fan out under the last step
  const shown = branches.slice(0, MAX_BRANCHES);
  const colW = (W - 24) / Math.max(shown.length, 1) - 12;
  const colX = (i: number) => 12 + i * (colW + 12);
  const branchTop = lanesBottom + 30;
  const columns = shown.map((b, i) => {
    let cy = branchTop + 22;
    const bs = stepsOf(b.hops, common).map((s) => {
      const at = { s, y: cy };
      cy += boxH(s) + GAP;
      return at;
    });
    return { b, i, bs, destY: cy };
  });
  const destW = Math.min(boxW, (W - 24) / Math.max(destinations.length, 1) - 12);
  const fan = branches.length
    ? []
    : destinations.map((d, i) => {
        const inLane = d.node && lanes.includes(d.node) && destinations.filter((o) => o.node === d.node).length === 1;
        return { d, x: inLane ? x(d.node as string) + (boxW - destW) / 2 : 12 + i * (destW + 12), y: lanesBottom + 14 };
      });
  const more = branches.length - shown.length;
  const height = branches.length
    ? Math.max(...columns.map((c) => c.destY)) + 44 + (more > 0 ? 30 : 10)
    : lanesBottom + 14 + (destinations.length ? 58 : 0) + 10;

  return (
    <svg className="path" role="img" aria-label={`traffic path: ${steps.length} steps, ${destinations.length} destinations, outcome ${code(outcome)}`} viewBox={`0 0 ${W} ${height}`} width="100%" style={{ maxWidth: W }}>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" className="arrowhead" />
        </marker>
      </defs>
      {lanes.map((n, i) => (
        <g key={n} className="lane">
          <rect x={i * laneW + 2} y={2} width={laneW - 4} height={(branches.length ? lanesBottom : height) - 4} rx={8} />
          <text x={i * laneW + laneW / 2} y={22} textAnchor="middle" className="lane-title">
            {n}
          </text>
        </g>
      ))}
      {boxes.map((b, i) => {
        const next = boxes[i + 1];
        return next ? <Arrow key={`a${i}`} x1={b.x + boxW / 2} y1={b.y + boxH(b.s)} x2={next.x + boxW / 2} y2={next.y} /> : null;
      })}
      {boxes.map((b, i) => <StepBox key={i} s={b.s} x={b.x} y={b.y} w={boxW} label={b.s.stage} />)}
      {last &&
        fan.map((f, i) => (
          <g key={`f${i}`}>
            <Arrow x1={last.x + boxW / 2} y1={last.y + boxH(last.s)} x2={f.x + destW / 2} y2={f.y} />
            <text x={(last.x + boxW / 2 + f.x + destW / 2) / 2 + 6} y={(last.y + boxH(last.s) + f.y) / 2 + 4} className="prob">
              {pct(f.d.probability)}
            </text>
          </g>
        ))}
      {fan.map((f, i) => <DestBox key={`fd${i}`} d={f.d} x={f.x} y={f.y} w={destW} />)}
      {columns.map(({ b, i, bs, destY }) => {
        const cx = colX(i);
        const top = bs[0]?.y ?? destY;
        return (
          <g key={`b${i}`} className="branch">
            {last && <Arrow x1={last.x + boxW / 2} y1={last.y + boxH(last.s)} x2={cx + colW / 2} y2={branchTop + 4} />}
            <text x={cx + colW / 2} y={branchTop + 16} textAnchor="middle" className="prob">
              {`branch ${i + 1} · ${pct(b.dest.probability)}`}
            </text>
            <Arrow x1={cx + colW / 2} y1={branchTop + 20} x2={cx + colW / 2} y2={top} />
            {bs.map((s, k) => {
              const next = bs[k + 1];
              return (
                <g key={k}>
                  <StepBox s={s.s} x={cx} y={s.y} w={colW} label={`${s.s.node} · ${s.s.stage}`} />
                  <Arrow x1={cx + colW / 2} y1={s.y + boxH(s.s)} x2={cx + colW / 2} y2={next ? next.y : destY} />
                </g>
              );
            })}
            <DestBox d={b.dest} x={cx} y={destY} w={colW} />
          </g>
        );
      })}
      {more > 0 && (
        <text x={12} y={height - 10} className="tone-quiet">
          {fit(`+${more} more: ${branches.slice(MAX_BRANCHES).map((b) => `${b.dest.pod ?? b.dest.ip} ${pct(b.dest.probability)}`).join(', ')}`, W - 24)}
        </text>
      )}
      {failed && last && !branches.length && (
        <text x={last.x + boxW - 10} y={last.y + 18} textAnchor="end" className="cross">
          ✕ {code(outcome)}
        </text>
      )}
    </svg>
  );
}
