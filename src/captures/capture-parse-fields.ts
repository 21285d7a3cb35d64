const CHAR_0 = 48;
const CHAR_9 = 57;
const CHAR_DOT = 46;
const CHAR_SPACE = 32;
const CHAR_T = 84;
/** Largest port field value: Argus writes the 32-bit SPI of an ESP flow in its Dport field. */
const MAX_PORT = 0xffffffff;

/**
 * Normalizes a port field to a decimal string, or returns null when it is not a port.
 *
 * Accepts the forms Argus and re-saved captures contain. Decimal (`80`, `080`) and hexadecimal (`0x0303`) are what
 * Argus writes, the latter for ICMP type and code and for the SPI of ESP flows. A zero fraction (`80.0`) is left by
 * spreadsheets and pandas. `''` is a protocol without ports and stays `''`. Values above 2^32 - 1 are rejected.
 */
export function normalizePort(raw: string): string | null {
  if (raw === '') {
    return '';
  }

  if (isDigits(raw, 0, raw.length)) {
    return raw.length < 10 && raw.charCodeAt(0) !== CHAR_0 ? raw : decimalPort(raw);
  }

  if (raw.length > 2 && raw.charCodeAt(0) === CHAR_0 && (raw[1] === 'x' || raw[1] === 'X')) {
    return hexPort(raw.slice(2));
  }

  const dot = raw.indexOf('.');
  if (dot > 0 && isDigits(raw, 0, dot) && /^\.0*$/.test(raw.slice(dot))) {
    return decimalPort(raw.slice(0, dot));
  }

  return null;
}

function decimalPort(digits: string): string | null {
  const value = Number(digits);

  return value <= MAX_PORT ? String(value) : null;
}

function hexPort(digits: string): string | null {
  if (!/^[0-9a-fA-F]+$/.test(digits)) {
    return null;
  }

  const value = parseInt(digits, 16);

  return value <= MAX_PORT ? String(value) : null;
}

function isDigits(text: string, start: number, end: number): boolean {
  if (start >= end) {
    return false;
  }

  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < CHAR_0 || c > CHAR_9) {
      return false;
    }
  }

  return true;
}

/**
 * The last date (`YYYY/MM/DD`) parsed and its epoch seconds at midnight UTC. Rows of a capture mostly share a date,
 * and comparing ten characters costs less than `Date.UTC`.
 */
let cachedDate = '';
let cachedDayStart = 0;

const POWERS_OF_TEN = Array.from({ length: 16 }, (_, exponent) => 10 ** exponent);

/**
 * Parses a flow start time to seconds since the Unix epoch, or returns NaN when the text is not a time.
 *
 * Accepts Argus's `2011/08/16 10:01:46.972101`, the same with `-` between date parts or `T` before the time, an
 * optional `Z` or `±HH:MM` offset, and plain epoch seconds (`1313488906.972101`, as Zeek and `ra -u` print).
 * A time without an offset is taken as UTC, because Argus prints no zone and CTU-13 captures are read that way.
 */
export function parseStartTime(raw: string): number {
  if (raw.length >= 19 && raw.charCodeAt(4) === raw.charCodeAt(7) && (raw[4] === '/' || raw[4] === '-')) {
    return parseDateTime(raw);
  }

  if (/^\d+(\.\d*)?$/.test(raw)) {
    return Number(raw);
  }

  return NaN;
}

function parseDateTime(raw: string): number {
  if (!startsWithCachedDate(raw)) {
    const date = raw.slice(0, 10);
    const dayStart = parseDate(date);
    if (Number.isNaN(dayStart)) {
      return NaN;
    }

    cachedDate = date;
    cachedDayStart = dayStart;
  }

  const separator = raw.charCodeAt(10);
  if ((separator !== CHAR_SPACE && separator !== CHAR_T) || raw[13] !== ':' || raw[16] !== ':') {
    return NaN;
  }

  const hours = twoDigits(raw, 11);
  const minutes = twoDigits(raw, 14);
  const seconds = twoDigits(raw, 17);
  if (!(hours <= 23 && minutes <= 59 && seconds <= 60)) {
    return NaN;
  }

  let end = 19;
  let fraction = 0;
  if (raw.charCodeAt(19) === CHAR_DOT) {
    end = 20;
    let numerator = 0;
    for (let c = raw.charCodeAt(end); c >= CHAR_0 && c <= CHAR_9; c = raw.charCodeAt(++end)) {
      numerator = numerator * 10 + c - CHAR_0;
    }

    const digits = end - 20;
    if (digits === 0) {
      return NaN;
    }

    // Both operands are exact doubles up to 15 digits, so the quotient is the correctly rounded fraction.
    fraction = digits <= 15 ? numerator / POWERS_OF_TEN[digits] : Number(`0.${raw.slice(20, end)}`);
  }

  const offset = end === raw.length ? 0 : offsetSeconds(raw.slice(end));

  return cachedDayStart + hours * 3600 + minutes * 60 + seconds + fraction - offset;
}

/** Compares character codes, which V8 runs faster than `startsWith` when `raw` is a sliced string. */
function startsWithCachedDate(raw: string): boolean {
  if (cachedDate === '') {
    return false;
  }

  for (let i = 0; i < 10; i++) {
    if (raw.charCodeAt(i) !== cachedDate.charCodeAt(i)) {
      return false;
    }
  }

  return true;
}

function parseDate(date: string): number {
  const year = Number(date.slice(0, 4));
  const month = twoDigits(date, 5);
  const day = twoDigits(date, 8);
  if (!isDigits(date, 0, 4) || month < 1 || month > 12 || day < 1 || day > 31) {
    return NaN;
  }

  return Date.UTC(year, month - 1, day) / 1000;
}

/** Reads two decimal digits at `start`, or returns NaN. */
function twoDigits(text: string, start: number): number {
  const tens = text.charCodeAt(start) - CHAR_0;
  const ones = text.charCodeAt(start + 1) - CHAR_0;
  if (tens < 0 || tens > 9 || ones < 0 || ones > 9) {
    return NaN;
  }

  return tens * 10 + ones;
}

/** Reads a UTC offset (`Z`, `+01:00`, `-0500`) as seconds east of UTC, or returns NaN. */
function offsetSeconds(offset: string): number {
  if (offset === 'Z') {
    return 0;
  }

  const match = /^([+-])(\d\d):?(\d\d)$/.exec(offset);
  if (match === null) {
    return NaN;
  }

  const sign = match[1] === '-' ? -1 : 1;

  return sign * (Number(match[2]) * 3600 + Number(match[3]) * 60);
}

/** Quotes a field value for a reject reason, shortened so that one bad row cannot bloat the summary. */
export function quoteValue(value: string): string {
  const shortened = value.length > 40 ? `${value.slice(0, 40)}…` : value;

  return JSON.stringify(shortened);
}
