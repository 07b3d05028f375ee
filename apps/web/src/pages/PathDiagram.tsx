import { code } from '../codes';
import { lanes as laneOf, steps as stepsOf, type Destination, type Hop, type Tone } from './path-model';

const W = 1180;
const HEAD = 34;
const LINE = 16;
const GAP = 22;
const CHAR = 6.6;

const fit = (text: string, width: number) => {
  const n = Math.floor(width / CHAR);
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
};
const pct = (p: number) => `${Math.round(p * 1000) / 10}%`;

/**
 * The path as a picture: one lane per node, one box per (node, hook) step with what changed the packet, arrows
 * between steps (across lanes where the packet leaves a node), then a fan to every destination with its probability.
 * The hops come from the example branch the API answers with; the other branches show as their destinations.
 */
export function PathDiagram({ hops, destinations, outcome }: { hops: Hop[]; destinations: Destination[]; outcome: string }) {
  const lanes = laneOf(hops, destinations);
  const steps = stepsOf(hops);
  const laneW = W / Math.max(lanes.length, 1);
  const boxW = Math.min(laneW - 24, 760);
  const x = (node: string) => lanes.indexOf(node) * laneW + (laneW - boxW) / 2;
  let y = HEAD + 12;
  const boxes = steps.map((s) => {
    const h = 24 + s.lines.length * LINE;
    const b = { s, x: x(s.node), y, h };
    y += h + GAP;
    return b;
  });
  const destY = y + 14;
  const destW = Math.min(boxW, (W - 24) / Math.max(destinations.length, 1) - 12);
  const destBoxes = destinations.map((d, i) => {
    const inLane = d.node && lanes.includes(d.node) && destinations.filter((o) => o.node === d.node).length === 1;
    const dx = inLane ? x(d.node as string) + (boxW - destW) / 2 : 12 + i * (destW + 12);
    return { d, x: dx, y: destY };
  });
  const height = destY + (destinations.length ? 58 : 0) + 10;
  const last = boxes[boxes.length - 1];
  const failed = outcome === 'dropped' || outcome === 'rejected' || outcome === 'refused';
  return (
    <svg className="path" role="img" aria-label={`traffic path: ${steps.length} steps, outcome ${code(outcome)}`} viewBox={`0 0 ${W} ${height}`} width="100%" style={{ maxWidth: W }}>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" className="arrowhead" />
        </marker>
      </defs>
      {lanes.map((n, i) => (
        <g key={n} className="lane">
          <rect x={i * laneW + 2} y={2} width={laneW - 4} height={height - 4} rx={8} />
          <text x={i * laneW + laneW / 2} y={22} textAnchor="middle" className="lane-title">
            {n}
          </text>
        </g>
      ))}
      {boxes.map((b, i) => {
        const next = boxes[i + 1];
        return next ? <line key={`a${i}`} className="flow" x1={b.x + boxW / 2} y1={b.y + b.h} x2={next.x + boxW / 2} y2={next.y} markerEnd="url(#arrow)" /> : null;
      })}
      {boxes.map((b, i) => (
        <g key={i} className={`step${b.s.lines.some((l) => l.tone === 'bad') ? ' bad' : ''}`}>
          <rect x={b.x} y={b.y} width={boxW} height={b.h} rx={6} />
          <text x={b.x + 8} y={b.y + 16} className="stage">
            {b.s.stage}
          </text>
          {b.s.lines.map((l, k) => (
            <text key={k} x={b.x + 14} y={b.y + 16 + (k + 1) * LINE} className={`tone-${l.tone satisfies Tone}`}>
              <title>{hops[l.hop].rule}</title>
              {fit(l.text, boxW - 22)}
            </text>
          ))}
        </g>
      ))}
      {last &&
        destBoxes.map((db, i) => (
          <g key={`d${i}`}>
            <line className="flow" x1={last.x + boxW / 2} y1={last.y + last.h} x2={db.x + destW / 2} y2={db.y} markerEnd="url(#arrow)" />
            <text x={(last.x + boxW / 2 + db.x + destW / 2) / 2 + 6} y={(last.y + last.h + db.y) / 2 + 4} className="prob">
              {pct(db.d.probability)}
            </text>
          </g>
        ))}
      {destBoxes.map((db, i) => (
        <g key={`db${i}`} className={`dest ${db.d.outcome === 'delivered' || db.d.outcome === 'delivered_to_host_socket' ? 'good' : 'bad'}`}>
          <rect x={db.x} y={db.y} width={destW} height={44} rx={6} />
          <text x={db.x + 8} y={db.y + 17}>{fit(db.d.pod ?? (db.d.kind === 'none' ? 'no receiver' : db.d.kind), destW - 16)}</text>
          <text x={db.x + 8} y={db.y + 35} className="addr">
            {fit(`${db.d.ip}:${db.d.port} · ${code(db.d.outcome)} · ${pct(db.d.probability)}`, destW - 16)}
          </text>
        </g>
      ))}
      {failed && last && (
        <text x={last.x + boxW - 10} y={last.y + 18} textAnchor="end" className="cross">
          ✕ {code(outcome)}
        </text>
      )}
    </svg>
  );
}
