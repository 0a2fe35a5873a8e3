using System.Text;

namespace Checkup.Core.Admin;

/// <summary>
/// RFC 4180 rows (CRLF line ends; a field holding a comma, a quote, CR or LF is quoted, quotes doubled) for
/// spreadsheet programs. A cell that starts with <c>= + - @</c>, a tab or CR would be read as a formula (CSV
/// injection), so it gets a leading <c>'</c>, which spreadsheets show as text. Each row is built in memory and
/// written at once: memory holds one row, whatever the number of rows.
/// </summary>
public sealed class CsvWriter(TextWriter output)
{
    private readonly StringBuilder _row = new(1024);

    public Task WriteRowAsync(IEnumerable<string?> cells, CancellationToken ct)
    {
        _row.Clear();
        var first = true;
        foreach (var cell in cells)
        {
            if (!first)
            {
                _row.Append(',');
            }

            AppendCell(_row, cell);
            first = false;
        }

        _row.Append("\r\n");
        return output.WriteAsync(_row, ct);
    }

    public static bool StartsLikeAFormula(string value) => value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r';

    internal static void AppendCell(StringBuilder row, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        var quoted = value.AsSpan().IndexOfAny(",\"\r\n") >= 0;
        if (quoted)
        {
            row.Append('"');
        }

        if (StartsLikeAFormula(value))
        {
            row.Append('\'');
        }

        var rest = value.AsSpan();
        for (var quote = rest.IndexOf('"'); quote >= 0; quote = rest.IndexOf('"'))
        {
            row.Append(rest[..(quote + 1)]).Append('"'); // a quote is written twice
            rest = rest[(quote + 1)..];
        }

        row.Append(rest);

        if (quoted)
        {
            row.Append('"');
        }
    }
}
