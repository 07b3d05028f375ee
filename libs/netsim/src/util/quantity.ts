/**
 * resource.Quantity parsing (k8s.io/apimachinery/pkg/api/resource/quantity.go), hand-written.
 *
 * Grammar: <signedNumber><suffix>, suffix = binarySI (Ki Mi Gi Ti Pi Ei) | decimalSI (n u m "" k M G T P E)
 * | decimalExponent (e<signedNumber> / E<signedNumber>). "1E" is one exa; "1E3" is 1000.
 * Read exactly (BigInt rationals, as upstream's inf.Dec), then rounded up the way MilliValue()/Value() do.
 */
const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const NUMBER_RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?/;
/** upstream's exponent is an int64 scaled into an int32 scale; far beyond any real quantity, and BigInt powers stay cheap */
const MAX_EXPONENT = 1000;

/** A quantity as an exact rational num/den (den > 0): what upstream's inf.Dec holds, without float rounding. */
export interface ExactQuantity {
  num: bigint;
  den: bigint;
}

const pow = (b: bigint, e: number): bigint => b ** BigInt(e);
const BINARY_EXP: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_EXP: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/**
 * The grammar of quantity.go, exactly: <signedNumber><suffix>; <number> is digits, digits "." digits, digits "." or
 * "." digits; <suffix> is a binary SI suffix, a decimal SI suffix (incl. none) or e/E <signed digits>. Nothing
 * around it (no spaces). Null when the text is not a quantity.
 */
export function parseQuantityExact(input: string): ExactQuantity | null {
  if (typeof input !== 'string') return null;
  const m = NUMBER_RE.exec(input);
  if (!m) return null;
  const [whole, sign, int = '', frac] = m;
  if (int === '' && (frac === undefined || frac === '')) return null;
  const suffix = input.slice(whole.length);
  const fracDigits = frac ?? '';
  let num = BigInt((int || '0') + fracDigits) * (sign === '-' ? -1n : 1n);
  let den = pow(10n, fracDigits.length);
  // own keys only: `in` would take "toString" from Object.prototype
  if (Object.prototype.hasOwnProperty.call(BINARY_EXP, suffix)) num *= pow(2n, BINARY_EXP[suffix] as number);
  else {
    let e: number;
    if (Object.prototype.hasOwnProperty.call(DECIMAL_EXP, suffix)) e = DECIMAL_EXP[suffix] as number;
    else {
      const x = /^[eE]([+-]?[0-9]+)$/.exec(suffix);
      if (!x) return null;
      e = Number(x[1]);
      if (!Number.isSafeInteger(e) || Math.abs(e) > MAX_EXPONENT) return null;
    }
    if (e >= 0) num *= pow(10n, e);
    else den *= pow(10n, -e);
  }
  return { num, den };
}

/** ceil(num/den) for any sign */
function ceilDiv(num: bigint, den: bigint): bigint {
  const q = num / den;
  return num % den !== 0n && num > 0n ? q + 1n : q;
}

/** The quantity as a float, in base units (for display and ratios; model amounts use the exact readings below). */
export function parseQuantity(input: string | number): number | null {
  if (typeof input === 'number') return Number.isFinite(input) ? input : null;
  const q = parseQuantityExact(input);
  return q === null ? null : Number(q.num) / Number(q.den);
}

/** A JSON/YAML number is read as its decimal text, as Quantity's UnmarshalJSON reads it. */
function exactOf(input: string | number): ExactQuantity | null {
  if (typeof input === 'number') return Number.isFinite(input) ? parseQuantityExact(String(input)) : null;
  return parseQuantityExact(input);
}

/** MilliValue(): the value in thousandths, rounded up (upstream: "0.0001" cpu is 1m). */
export function milliValue(q: ExactQuantity): bigint {
  return ceilDiv(q.num * 1000n, q.den);
}

/** Value(): the value rounded up to an integer. */
export function integerValue(q: ExactQuantity): bigint {
  return ceilDiv(q.num, q.den);
}

/**
 * A resource quantity in Portolan's model units: cpu in millicores, everything else (memory, ephemeral-storage,
 * hugepages-*, pods, extended resources) as an integer count of base units.
 */
export function resourceAmount(resource: string, input: string | number): number | null {
  const q = exactOf(input);
  if (q === null) return null;
  return Number(resource === 'cpu' ? milliValue(q) : integerValue(q));
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
