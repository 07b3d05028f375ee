/**
 * resource.Quantity parsing (k8s.io/apimachinery/pkg/api/resource/quantity.go), hand-written.
 *
 * Grammar: <signedNumber><suffix>, suffix = binarySI (Ki Mi Gi Ti Pi Ei) | decimalSI (n u m "" k M G T P E)
 * | decimalExponent (e<signedNumber> / E<signedNumber>). "1E" is one exa; "1E3" is 1000.
 * Returns the value in base units (cores, bytes, count) as a float, or null when the text is not a quantity.
 */
const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const QUANTITY_RE = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(.*)$/;

export function parseQuantity(input: string | number): number | null {
  if (typeof input === 'number') return Number.isFinite(input) ? input : null;
  if (typeof input !== 'string') return null;
  // upstream allows no surrounding spaces
  const text = input;
  const m = QUANTITY_RE.exec(text);
  if (!m) return null;
  const num = Number(m[1]);
  const suffix = m[2];
  if (!Number.isFinite(num)) return null;
  // own keys only: `in` would take "toString" from Object.prototype and yield NaN
  if (Object.prototype.hasOwnProperty.call(BINARY, suffix)) return num * BINARY[suffix];
  if (Object.prototype.hasOwnProperty.call(DECIMAL, suffix)) return num * DECIMAL[suffix];
  const exp = /^[eE]([+-]?[0-9]+)$/.exec(suffix);
  if (exp) return num * 10 ** Number(exp[1]);
  return null;
}

/** MilliValue() rounds up, as upstream does for cpu ("0.0001" -> 1m). */
export function toMilli(value: number): number {
  const scaled = value * 1000;
  const rounded = Math.round(scaled);
  // tolerate float noise (0.1*1000 = 100.00000000000001) before rounding up
  return Math.abs(scaled - rounded) < 1e-6 ? rounded : Math.ceil(scaled);
}

/** Value() rounds up to an integer. */
export function toInteger(value: number): number {
  const rounded = Math.round(value);
  return Math.abs(value - rounded) < 1e-6 ? rounded : Math.ceil(value);
}

/**
 * A resource quantity in Portolan's model units: cpu in millicores, everything else (memory, ephemeral-storage,
 * hugepages-*, pods, extended resources) as an integer count of base units.
 */
export function resourceAmount(resource: string, input: string | number): number | null {
  const v = parseQuantity(input);
  if (v === null) return null;
  return resource === 'cpu' ? toMilli(v) : toInteger(v);
}

/** Human rendering for messages: cpu as "500m"/"2", memory in the largest exact binary unit. */
export function formatAmount(resource: string, amount: number): string {
  if (resource === 'cpu') return amount % 1000 === 0 ? String(amount / 1000) : `${amount}m`;
  if (resource === 'memory' || resource === 'ephemeral-storage' || resource.startsWith('hugepages-')) {
    for (const unit of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
      const b = BINARY[unit];
      if (amount >= b && amount % b === 0) return `${amount / b}${unit}`;
    }
  }
  return String(amount);
}
