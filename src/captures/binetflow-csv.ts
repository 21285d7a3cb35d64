/**
 * Splits one CSV line that contains double quotes into its fields, following RFC 4180 within the line: a field
 * that starts with `"` runs to the next lone `"`, and `""` inside it is one quote. A quote inside an unquoted field
 * is kept as text. Returns null when a quoted field is not closed before the end of the line.
 *
 * NOTE: a quoted field that spans lines is rejected, not joined with the next line. Argus never writes one.
 */
export function splitQuotedCsvLine(line: string): string[] | null {
  const fields: string[] = [];
  let start = 0;

  for (;;) {
    if (line[start] !== '"') {
      const comma = line.indexOf(',', start);
      if (comma < 0) {
        fields.push(line.slice(start));
        return fields;
      }

      fields.push(line.slice(start, comma));
      start = comma + 1;
      continue;
    }

    const field = readQuotedField(line, start);
    if (field === null) {
      return null;
    }

    fields.push(field.value);
    if (field.end >= line.length) {
      return fields;
    }

    start = field.end + 1;
  }
}

/**
 * Reads the quoted field opening at `start`. Returns its unquoted value and the index of the comma (or line end)
 * after it. Text between the closing quote and that comma is appended to the value, as Python's csv module does.
 */
function readQuotedField(line: string, start: number): { value: string; end: number } | null {
  let value = '';
  let from = start + 1;

  for (;;) {
    const quote = line.indexOf('"', from);
    if (quote < 0) {
      return null;
    }

    value += line.slice(from, quote);
    if (line[quote + 1] === '"') {
      value += '"';
      from = quote + 2;
      continue;
    }

    const comma = line.indexOf(',', quote + 1);
    const end = comma < 0 ? line.length : comma;

    return { value: value + line.slice(quote + 1, end), end };
  }
}
