// RFC 4180 CSV: records end with CRLF (section 2.1); a field that holds a comma, a double quote, CR or LF
// is enclosed in double quotes and each double quote inside it is doubled (2.6, 2.7); other fields are
// written as they are. Every record has the header's number of fields (2.4).

export type CsvValue = string | number;

export function csvField(value: CsvValue): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The whole file: the header record, then one record per row. */
export function csvText(header: readonly string[], rows: ReadonlyArray<readonly CsvValue[]>): string {
  const records = [header, ...rows].map((fields, i) => {
    if (fields.length !== header.length) throw new RangeError(`csv: record ${i} has ${fields.length} fields, the header ${header.length}`);
    return fields.map(csvField).join(",");
  });
  return records.map((r) => `${r}\r\n`).join("");
}
