/** CSV (RFC 4180) of rows, and a download of it that leaves no copy in storage or the URL bar. */
export function toCsv(header: string[], rows: (string | number | undefined)[][]): string {
  const cell = (value: string | number | undefined) => {
    const text = value === undefined ? '' : String(value);
    // a leading =, +, - or @ would be a formula in a spreadsheet: prefix it (CSV injection)
    const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

export function downloadCsv(fileName: string, csv: string): void {
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
